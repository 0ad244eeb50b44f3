/**
 * Strict, independent validator for Azure Container Instances output, built on the ACI REST API
 * spec 2025-09-01 and the ARM deployment-template schema for the same API version (see
 * test/validate/schemas/SOURCES.md, section azure/). Two inputs:
 *
 * - an ARM deployment template (JSON) holding `Microsoft.ContainerInstance/containerGroups`
 *   resources: `armTemplateErrors()` / `validateArmTemplate()`. Each container group must pass BOTH
 *   (a) the ARM template schema (draft-04, via ajv-draft-04, common definitions registered) and
 *   (b) the REST `ContainerGroup` definition, where an ARM expression (`[...]`, not the `[[` escape)
 *   may stand in for any value;
 * - the YAML `az container create --file` takes (the ARM resource's shape: `apiVersion`, `location`,
 *   `name`, `type`, `identity`, `tags`, `zones`, `properties`): `aciYamlErrors()` /
 *   `validateAciYaml()` / `validateAciYamlFile()`, against the REST definition only. az does not
 *   evaluate ARM expressions, so they are rejected there.
 *
 * What "strict" means here, on top of the upstream schemas:
 * - every object schema with `properties` and no `additionalProperties` is closed (unknown fields are
 *   errors); maps declared with `additionalProperties` (tags, secret volumes, user-assigned
 *   identities, config maps) stay maps;
 * - REST `readOnly: true` properties (`provisioningState`, `instanceView`, `ipAddress.fqdn`,
 *   `identity.principalId`, ...) are rejected: they appear only in responses;
 * - enums (all `x-ms-enum`s, `modelAsString` or not), `required`, and `format`s (int32, double,
 *   float, uri, date-time, arm-id) are enforced;
 * - in the ARM template, every `x-ms-secret` field (`secureValue`, `storageAccountKey`, registry
 *   `password`, `workspaceKey`, `workspaceResourceId`) must be an expression, never clear text;
 * - semantic checks the schemas cannot express (`groupErrors()`, both forms): unique container names
 *   (containers and initContainers together) and volume names, ACI name syntax, every volumeMount
 *   names a declared volume, every `ipAddress.ports` entry is a container port (protocol defaults to
 *   TCP), env vars carry exactly one of value/secureValue/secureValueReference, a volume has exactly
 *   one kind, secret volume values are base64, secret references are declared, identity type and
 *   userAssignedIdentities agree, and osType/image/resources are present (see below); on the
 *   Confidential SKU a non-empty ccePolicy and no securityContext field but `privileged` (what ARM
 *   refuses: microsoft/confidential-ai#9, MicrosoftDocs/azure-docs#123837);
 * - template only (`envelopeErrors()`, `checkSecretSource()`): `$schema`, `contentVersion`, parameter
 *   and output types, every `parameters('x')`/`variables('x')` declared, no literal that ARM would
 *   mistake for an expression, secrets not from plain parameters or literal variables, no literal
 *   default on a secure parameter, no secure parameter in a plain env `value`;
 * - YAML only: no ARM function-call strings (az sends them verbatim); literal secrets are fine.
 *
 * What the 2025-09-01 files contain (checked when this was written; some of it is surprising):
 * - REST: no `discriminator` anywhere; `x-ms-client-flatten` only marks the `properties` envelopes
 *   (the wire format, and so ARM and the az YAML, keep them). ContainerGroup's only `allOf` is the
 *   external common-types ProxyResource (dropped here; its `id`/`systemData` are added back as
 *   read-only, `name`/`type` as writable since templates and YAML carry them).
 * - REST `required` is looser than before: the group requires only `containers` (not `osType`), and
 *   `ContainerProperties` requires nothing (not `image`, not `resources`); 2023-05-01 required
 *   `containers`+`osType` and `image`+`resources`. The relaxation serves groups created from a
 *   `containerGroupProfile`, so `groupErrors()` requires `osType`, `image` and `resources` unless the
 *   group references a profile. `resources.requests` with `cpu` and `memoryInGB` is required by the
 *   schema whenever `resources` is present. `location` is required here too (the common-types
 *   ProxyResource does not require it; ACI groups are tracked resources and need one).
 * - Init containers (`InitContainerPropertiesDefinition`) have only image, command,
 *   environmentVariables, volumeMounts, securityContext (and read-only instanceView): no ports, no
 *   probes, no resources. Closing the object is what forbids them.
 * - `SecurityContextDefinition`: privileged, allowPrivilegeEscalation, capabilities {add, drop},
 *   runAsGroup, runAsUser, seccompProfile (base64 JSON). Nothing like readOnlyRootFilesystem or
 *   runAsNonRoot.
 * - Probes: `exec` {command} and `httpGet` {path, port (required), scheme http|https, httpHeaders},
 *   plus initialDelaySeconds, periodSeconds, failureThreshold, successThreshold, timeoutSeconds. No
 *   tcpSocket/grpc, no startup probe.
 * - `Volume.emptyDir` has no schema at all (any JSON value; no `medium`, no `sizeLimit`). It is
 *   patched to an empty closed object, which is what 2023-05-01 declared (`EmptyDirVolume`).
 * - ARM schema: generated from the REST spec, but `cpu` and `memoryInGB` (REST `number`/double) are
 *   `integer` there, so `cpu: 0.5` would fail it. Such integer fields are patched back to `number`
 *   (found generically: ARM `integer` where the REST property is `number`; 4 fields). Its `emptyDir`
 *   is `oneOf: [{}, expression]`, which no expression can pass (both branches match); patched like
 *   the REST one.
 * - Both schemas express "value or ARM expression" as `oneOf: [X, expression]`; the ARM one is
 *   rewritten to `if: expression, then: {}, else: X` (same meaning, as X never accepts an expression
 *   string) so that ajv reports X's errors alone instead of both branches plus a oneOf error. The
 *   REST one gets the same wrapper on every property, array item and map value.
 *
 * Cost (node 20, 2 cores, under jest, noisy): the first ARM template reads the schema files and
 * compiles two validators (ARM schema, REST-with-expressions): 400-1100 ms. The first YAML compiles
 * the REST-literal one: about 80 ms after a template, 200-360 ms when it comes first (it then also
 * reads and patches the REST file). After that 0.5-0.6 ms per template and 0.2-0.4 ms per YAML
 * document (the group in azure.test.ts: 2 containers, 1 init container, 2 volumes; most of it is
 * the two ajv passes). Validators are cached at module level; jest gives every test file its own
 * module registry, so each test file that validates pays the first compile once.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

/** The vendored schemas (test/validate/schemas/, see its SOURCES.md); `CDK_SIDECARS_SCHEMAS` may point at another folder of that layout. */
const SCHEMA_DIR = process.env.CDK_SIDECARS_SCHEMAS
  ? path.join(process.env.CDK_SIDECARS_SCHEMAS, 'azure')
  : path.resolve(__dirname, 'schemas', 'azure');

export const ACI_API_VERSION = '2025-09-01';
export const ACI_TYPE = 'Microsoft.ContainerInstance/containerGroups';
const REST_FILE = `containerInstance-${ACI_API_VERSION}.json`;
const ARM_FILE = `arm-template-${ACI_API_VERSION}-Microsoft.ContainerInstance.json`;
const COMMON_FILE = 'arm-template-common-definitions.json';
const COMMON_ID = 'https://schema.management.azure.com/schemas/common/definitions.json';
const EXPRESSION_REF = `${COMMON_ID}#/definitions/expression`;

/** An ARM template expression: `[...]`, but not `[[...`, which is the escape for a literal `[`. */
const EXPRESSION = /^\[(?!\[)[\s\S]*\]$/;
const EXPRESSION_SCHEMA = { type: 'string', pattern: '^\\[(?!\\[)[\\s\\S]*\\]$' };
/**
 * In the YAML, only strings that look like an ARM function call are flagged (`[parameters('x')]`,
 * `[concat(...)]`, `[resourceGroup().location]`), not every `[...]`: `[ -f /tmp/ready ]` is a
 * legitimate shell test in a command.
 */
const ARM_FUNCTION_CALL = /^\[(?!\[)\s*[A-Za-z_][\w.]*\s*\([\s\S]*\]$/;
/**
 * How an ARM expression can begin: a function call, a string/number/boolean literal. ARM evaluates
 * every string that starts with `[` and ends with `]`, so `[ -f /ready ]` in a template would fail
 * at deployment; a literal like that must be written `[[ -f /ready ]`.
 */
const ARM_EXPRESSION_START = /^\[\s*(?:[A-Za-z_][\w.]*\s*\(|'|-?\d|true\b|false\b|null\b)/;
/** ACI's rule for group and container names ("must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?'", 1-63 chars). */
const ACI_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const USER_ASSIGNED_IDENTITY_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i;
/** Swagger `format: arm-id`: a resource-group-scoped resource id (in the template, usually an expression). */
const ARM_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+(?:\/[^/]+\/[^/]+)+$/i;

export const isExpression = (v: unknown): v is string => typeof v === 'string' && EXPRESSION.test(v);
const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8'));

function schemaDirCheck(): void {
  if (!fs.existsSync(SCHEMA_DIR)) {
    throw new Error(`Azure schemas not found in ${SCHEMA_DIR} (they are vendored in test/validate/schemas; CDK_SIDECARS_SCHEMAS overrides the folder)`);
  }
}

/** `expression` → the input may contain ARM expressions (template); `literal` → it may not (az YAML). */
type Mode = 'expression' | 'literal';

// ---------------------------------------------------------------------------------------------
// REST spec (swagger 2.0) -> JSON Schema (draft-07) for ajv
// ---------------------------------------------------------------------------------------------

let restDefinitions: Record<string, any> | undefined;

function loadRestDefinitions(): Record<string, any> {
  if (!restDefinitions) {
    schemaDirCheck();
    const defs = readJson(REST_FILE).definitions as Record<string, any>;
    // No schema upstream (any value); 2023-05-01 declared it as an empty object (`EmptyDirVolume`).
    defs.Volume.properties.emptyDir = { type: 'object', properties: {} };
    restDefinitions = defs;
  }
  return restDefinitions;
}

/** Translates one swagger schema node (a definition, or the inside of a field). */
function convertRest(s: any, mode: Mode): any {
  const out: any = {};
  if (s.$ref) {
    if (!s.$ref.startsWith('#/definitions/')) throw new Error(`unexpected external $ref ${s.$ref}`);
    out.$ref = s.$ref;
  }
  // The only allOfs are the external common-types Resource/ProxyResource (read-only id/name/type/systemData).
  if (s.allOf?.some((x: any) => x.$ref?.startsWith('#/'))) throw new Error('unexpected local allOf');
  if (s.type) out.type = s.type;
  if (s.format) out.format = s.format;
  if (s.enum) out.enum = s.enum;
  if (s.required) out.required = s.required;
  if (s.items) out.items = restField(s.items, mode);
  if (s.properties) {
    out.properties = {};
    for (const [prop, ps] of Object.entries<any>(s.properties)) out.properties[prop] = restField(ps, mode);
  }
  if (typeof s.additionalProperties === 'object') {
    out.additionalProperties = restField(s.additionalProperties, mode);
  } else if (s.additionalProperties !== undefined) {
    out.additionalProperties = s.additionalProperties;
  } else if (s.properties) {
    out.additionalProperties = false; // closed: unknown fields are errors
  }
  return out;
}

/** A value position: a property, an array item or a map value. */
function restField(s: any, mode: Mode): any {
  if (s.readOnly) return { xReadOnly: true };
  const inner = convertRest(s, mode);
  if (mode === 'literal') return inner;
  // An expression may stand in for any value; a secret must be one.
  return { ...(s['x-ms-secret'] ? { xSecret: true } : {}), if: EXPRESSION_SCHEMA, then: true, else: inner };
}

/** `ContainerGroup` as a whole resource: the REST body plus the envelope fields templates and YAML carry. */
function restRoot(defs: Record<string, any>, mode: Mode): any {
  const root = convertRest(defs.ContainerGroup, mode);
  Object.assign(root.properties, {
    apiVersion: { type: 'string', enum: [ACI_API_VERSION] },
    name: { type: 'string', minLength: 1 },
    type: { type: 'string', enum: [ACI_TYPE] },
    id: { xReadOnly: true },
    systemData: { xReadOnly: true },
  });
  if (mode === 'expression') {
    // ARM resource keywords; the ARM template schema checks them.
    Object.assign(root.properties, { condition: true, dependsOn: true, copy: true, comments: true });
  }
  root.required = mode === 'expression'
    ? ['apiVersion', 'type', 'name', 'location', 'properties']
    : ['apiVersion', 'name', 'location', 'properties'];
  return root;
}

let restAjv: Ajv | undefined;
const restValidators = new Map<Mode, ValidateFunction>();

function restValidator(mode: Mode): ValidateFunction {
  let validate = restValidators.get(mode);
  if (!validate) {
    if (!restAjv) {
      restAjv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
      addFormats(restAjv);
      restAjv.addFormat('arm-id', ARM_ID);
      restAjv.addKeyword({ keyword: 'xReadOnly', schemaType: 'boolean', errors: false, validate: () => false });
      restAjv.addKeyword({
        keyword: 'xSecret',
        schemaType: 'boolean',
        errors: false,
        validate: (_: boolean, data: unknown) => typeof data !== 'string' || isExpression(data),
      });
    }
    const defs = loadRestDefinitions();
    const definitions: Record<string, any> = { $root: restRoot(defs, mode) };
    for (const [name, def] of Object.entries(defs)) definitions[name] = convertRest(def, mode);
    const id = `aci-rest-${ACI_API_VERSION}-${mode}`;
    restAjv.addSchema({ $id: id, definitions });
    validate = restAjv.getSchema(`${id}#/definitions/$root`)!;
    restValidators.set(mode, validate);
  }
  return validate;
}

// ---------------------------------------------------------------------------------------------
// ARM template schema (draft-04)
// ---------------------------------------------------------------------------------------------

const isExpressionRef = (s: any) => s?.$ref === EXPRESSION_REF;

/** Closes objects, drops descriptions, rewrites `oneOf: [X, expression]` (see the header). */
function convertArm(s: any): any {
  if (Array.isArray(s)) return s.map(convertArm);
  if (!isObject(s)) return s;
  if (Array.isArray(s.oneOf) && s.oneOf.length === 2 && s.oneOf.some(isExpressionRef)) {
    const { oneOf, ...rest } = s;
    return { ...convertArm(rest), if: { $ref: EXPRESSION_REF }, then: {}, else: convertArm(oneOf.find((x: any) => !isExpressionRef(x))) };
  }
  const out: any = {};
  for (const [k, v] of Object.entries<any>(s)) {
    if (k === 'description') continue;
    if (k === 'properties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries<any>(v).map(([name, sub]) => [name, convertArm(sub)]));
    } else {
      out[k] = k === 'enum' || k === 'required' ? v : convertArm(v);
    }
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/** `ARM def.prop` patched from `integer` to `number` because the REST property is a number (filled on load). */
export const ARM_NUMBER_PATCHES: string[] = [];

let armValidatorCache: ValidateFunction | undefined;

function armValidator(): ValidateFunction {
  if (armValidatorCache) return armValidatorCache;
  schemaDirCheck();
  const raw = readJson(ARM_FILE);
  const rest = loadRestDefinitions();
  for (const [name, def] of Object.entries<any>(raw.definitions)) {
    for (const [prop, ps] of Object.entries<any>(def.properties ?? {})) {
      const target = ps.type === 'integer' ? ps : ps.oneOf?.find((x: any) => x.type === 'integer');
      if (target && rest[name]?.properties?.[prop]?.type === 'number') {
        target.type = 'number';
        ARM_NUMBER_PATCHES.push(`${name}.${prop}`);
      }
    }
  }
  raw.definitions.Volume.properties.emptyDir.oneOf[0] = { type: 'object', properties: {} };

  const base = raw.id.replace(/#$/, '');
  const resource = raw.resourceDefinitions.containerGroups;
  // ARM resource keywords from deploymentTemplate.json's resourceBase (not in the provider schema).
  Object.assign(resource.properties, {
    condition: { $ref: `${COMMON_ID}#/definitions/ARMResourceBase/properties/condition` },
    dependsOn: { $ref: `${COMMON_ID}#/definitions/ARMResourceBase/properties/dependsOn` },
    copy: { $ref: `${COMMON_ID}#/definitions/resourceCopy` },
    comments: { type: 'string' },
  });
  const schema = convertArm({ ...raw, resourceDefinitions: undefined });
  delete schema.resourceDefinitions;
  schema.definitions['@containerGroups'] = convertArm(resource);

  const ajv = new AjvDraft04({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addSchema(readJson(COMMON_FILE));
  ajv.addSchema(schema);
  armValidatorCache = ajv.getSchema(`${base}#/definitions/@containerGroups`)!;
  return armValidatorCache;
}

// ---------------------------------------------------------------------------------------------
// Error formatting
// ---------------------------------------------------------------------------------------------

const INIT_CONTAINER_ONLY_FIELDS = ['ports', 'livenessProbe', 'readinessProbe', 'resources'];

function formatError(e: ErrorObject): string | undefined {
  const at = e.instancePath || '(root)';
  switch (e.keyword) {
    case 'if': // 'must match "else" schema': the else branch's own errors say what is wrong
      return undefined;
    case 'additionalProperties': {
      const field = e.params.additionalProperty as string;
      const hint = /\/initContainers\/\d+\/properties$/.test(e.instancePath) && INIT_CONTAINER_ONLY_FIELDS.includes(field)
        ? `; init containers take no ports, probes or resources in ACI ${ACI_API_VERSION}`
        : '';
      return `${e.instancePath}/${escapePointer(field)}: unknown field "${field}" (${e.message}${hint})`;
    }
    case 'enum':
      return `${at}: ${e.message}: ${(e.params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`;
    case 'xReadOnly':
      return `${at}: read-only property (the service sets it in responses); it must not be sent`;
    case 'xSecret':
      return `${at}: clear-text secret in an ARM template; use an expression such as "[parameters('name')]" backed by a securestring parameter`;
    default:
      return `${at}: ${e.message}`;
  }
}

/** Collects messages from several sources; identical messages are listed once with all their sources. */
class Findings {
  private readonly bySource = new Map<string, string[]>();
  add(message: string | undefined, source: string): void {
    if (message === undefined) return;
    const sources = this.bySource.get(message) ?? [];
    if (!sources.includes(source)) sources.push(source);
    this.bySource.set(message, sources);
  }
  addAjv(validate: ValidateFunction, data: unknown, source: string): void {
    if (!validate(data)) for (const e of validate.errors ?? []) this.add(formatError(e), source);
  }
  lines(subject: string): string[] {
    // A read-only REST property is also unknown to the ARM schema; the read-only message says more.
    for (const message of [...this.bySource.keys()]) {
      const readOnlyAt = message.match(/^(.*): read-only property/)?.[1];
      if (readOnlyAt !== undefined) {
        for (const other of this.bySource.keys()) if (other.startsWith(`${readOnlyAt}: unknown field `)) this.bySource.delete(other);
      }
    }
    return [...this.bySource].map(([m, sources]) => {
      const named = sources.filter(Boolean);
      return `${subject} at ${m}${named.length ? ` [${named.join(' + ')}]` : ''}`;
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Semantic checks (both forms)
// ---------------------------------------------------------------------------------------------

/**
 * Rules the schemas cannot express. `group` has the resource shape (`name`, `identity`,
 * `properties`, ...). In expression mode, a value that is an expression is unknown until deployment
 * and is skipped. Each message is `/json/pointer: text`.
 */
function groupErrors(group: any, mode: Mode, template?: any): string[] {
  const out: string[] = [];
  const dynamic = (v: unknown) => mode === 'expression' && isExpression(v);
  const p = group.properties;

  if (typeof group.name === 'string' && !dynamic(group.name) && !ACI_NAME.test(group.name)) {
    out.push(`/name: container group name "${group.name}" must be 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit`);
  }
  checkIdentity(group.identity, mode, out);
  if (mode === 'literal') findExpressions(group, '', out);
  if (!isObject(p)) return out;

  const fromProfile = p.containerGroupProfile !== undefined;
  const requireField = (obj: any, field: string, at: string, what: string) => {
    if (!fromProfile && isObject(obj) && obj[field] === undefined) {
      out.push(`${at}: missing "${field}" (${what}; the ${ACI_API_VERSION} spec leaves it optional only for groups created from a containerGroupProfile, 2023-05-01 required it)`);
    }
  };
  requireField(p, 'osType', '/properties', 'the group\'s operating system');

  // Containers and init containers: names, required fields, env, mounts.
  const containers: { c: any; at: string; init: boolean }[] = [];
  for (const [list, init] of [['containers', false], ['initContainers', true]] as const) {
    if (Array.isArray(p[list])) p[list].forEach((c: any, i: number) => { if (isObject(c)) containers.push({ c, at: `/properties/${list}/${i}`, init }); });
  }
  const names = new Map<string, string>();
  for (const { c, at, init } of containers) {
    if (typeof c.name === 'string' && !dynamic(c.name)) {
      if (names.has(c.name)) out.push(`${at}/name: duplicate container name "${c.name}" (also at ${names.get(c.name)}; names must be unique across containers and initContainers)`);
      else names.set(c.name, at);
      if (!ACI_NAME.test(c.name)) out.push(`${at}/name: container name "${c.name}" must be 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit`);
    }
    requireField(c.properties, 'image', `${at}/properties`, 'the image to run');
    if (!init) requireField(c.properties, 'resources', `${at}/properties`, 'resources.requests with cpu and memoryInGB');
  }

  // The Confidential SKU, which neither schema expresses: ARM refuses a group without a CCE policy
  // (InvalidCcePolicy, "The CCE Policy cannot be left empty for Confidential Container Groups",
  // microsoft/confidential-ai#9) and any security context field but privileged
  // (SecurityContextNotSupported, "Only the \"Privileged\" flag is supported",
  // MicrosoftDocs/azure-docs#123837). A YAML placeholder or an ARM expression counts as a policy.
  if (p.sku === 'Confidential') {
    const policy = isObject(p.confidentialComputeProperties) ? p.confidentialComputeProperties.ccePolicy : undefined;
    if (typeof policy !== 'string' || policy === '') {
      out.push('/properties/confidentialComputeProperties/ccePolicy: a Confidential group needs a CCE policy (ARM: InvalidCcePolicy, '
        + '"The CCE Policy cannot be left empty"); generate it with az confcom acipolicygen');
    }
    for (const { c, at } of containers) {
      const context = c.properties?.securityContext;
      const refused = isObject(context) ? Object.keys(context).filter(k => k !== 'privileged') : [];
      if (refused.length) {
        out.push(`${at}/properties/securityContext: ${refused.join(', ')}: ARM accepts only "privileged" on the Confidential SKU (SecurityContextNotSupported)`);
      }
    }
  }

  const secretRefs = Array.isArray(p.secretReferences)
    ? new Set(p.secretReferences.map((r: any) => r?.name))
    : undefined; // absent, or an expression (then unknown: skipped)
  const checkSecretRef = (ref: unknown, at: string) => {
    if (typeof ref !== 'string' || dynamic(ref) || p.secretReferences !== undefined && !secretRefs) return;
    if (!secretRefs?.has(ref)) out.push(`${at}: secret reference "${ref}" is not declared in properties.secretReferences`);
  };

  // Volumes: names, one kind each, secret contents.
  const volumeNames = Array.isArray(p.volumes) ? new Set<string>() : undefined;
  if (Array.isArray(p.volumes)) {
    p.volumes.forEach((v: any, i: number) => {
      if (!isObject(v)) return;
      const at = `/properties/volumes/${i}`;
      if (typeof v.name === 'string') {
        if (volumeNames!.has(v.name)) out.push(`${at}/name: duplicate volume name "${v.name}"`);
        volumeNames!.add(v.name);
      }
      const kinds = ['azureFile', 'emptyDir', 'secret', 'secretReference', 'gitRepo'].filter(k => v[k] !== undefined);
      if (kinds.length !== 1) {
        out.push(`${at}: a volume needs exactly one of azureFile, emptyDir, secret, secretReference, gitRepo (found ${kinds.length ? kinds.join(', ') : 'none'})`);
      }
      if (isObject(v.secret)) {
        for (const [file, content] of Object.entries(v.secret)) {
          // In the YAML, a `${NAME}` placeholder stands for a secret filled at deploy time (envsubst).
          const placeholder = mode !== 'expression' && /^\$\{[A-Z][A-Z0-9_]*\}$/.test(content as string);
          if (typeof content === 'string' && !dynamic(content) && !placeholder && !BASE64.test(content)) {
            out.push(`${at}/secret/${escapePointer(file)}: secret volume values must be base64-encoded${mode === 'expression' ? ' (or an ARM expression such as "[base64(parameters(\'x\'))]")' : ''}`);
          }
        }
      }
      if (isObject(v.secretReference)) {
        for (const [file, ref] of Object.entries(v.secretReference)) checkSecretRef(ref, `${at}/secretReference/${escapePointer(file)}`);
      }
      if (isObject(v.azureFile)) checkSecretRef(v.azureFile.storageAccountKeyReference, `${at}/azureFile/storageAccountKeyReference`);
    });
  }
  if (Array.isArray(p.imageRegistryCredentials)) {
    p.imageRegistryCredentials.forEach((r: any, i: number) => checkSecretRef(r?.passwordReference, `/properties/imageRegistryCredentials/${i}/passwordReference`));
  }

  const containerPorts = new Set<string>();
  let portsKnown = true;
  for (const { c, at } of containers) {
    const props = c.properties;
    if (!isObject(props)) continue;
    if (Array.isArray(props.environmentVariables)) {
      props.environmentVariables.forEach((env: any, i: number) => {
        if (!isObject(env)) return;
        const envAt = `${at}/properties/environmentVariables/${i}`;
        const kinds = ['value', 'secureValue', 'secureValueReference'].filter(k => env[k] !== undefined);
        if (kinds.length !== 1) {
          out.push(`${envAt}: environment variable "${env.name}" needs exactly one of value, secureValue, secureValueReference (found ${kinds.length ? kinds.join(', ') : 'none'})`);
        }
        checkSecretRef(env.secureValueReference, `${envAt}/secureValueReference`);
        if (template) {
          checkSecretSource(env.secureValue, `${envAt}/secureValue`, template, out);
          for (const param of referencedParameters(env.value)) {
            if (/^secure(string|object)$/i.test(template.parameters?.[param]?.type ?? '')) {
              out.push(`${envAt}/value: secure parameter "${param}" in a plain value, which the service returns in clear text; use secureValue`);
            }
          }
        }
      });
    }
    if (Array.isArray(props.volumeMounts) && volumeNames) {
      props.volumeMounts.forEach((m: any, i: number) => {
        if (typeof m?.name === 'string' && !dynamic(m.name) && !volumeNames.has(m.name)) {
          out.push(`${at}/properties/volumeMounts/${i}/name: volume "${m.name}" is not declared in properties.volumes (declared: ${[...volumeNames].join(', ') || 'none'})`);
        }
      });
    } else if (Array.isArray(props.volumeMounts) && p.volumes === undefined) {
      props.volumeMounts.forEach((m: any, i: number) => {
        if (typeof m?.name === 'string' && !dynamic(m.name)) out.push(`${at}/properties/volumeMounts/${i}/name: volume "${m.name}" is not declared (the group has no properties.volumes)`);
      });
    }
    if (props.ports === undefined) continue;
    if (!Array.isArray(props.ports)) { portsKnown = false; continue; }
    for (const port of props.ports) {
      if (!isObject(port) || !Number.isInteger(port.port) || dynamic(port.protocol)) portsKnown = false;
      else containerPorts.add(`${port.port}/${port.protocol ?? 'TCP'}`);
    }
  }

  // Every port the group exposes must be a port of some container (protocol defaults to TCP on both).
  if (isObject(p.ipAddress) && Array.isArray(p.ipAddress.ports) && portsKnown) {
    p.ipAddress.ports.forEach((port: any, i: number) => {
      if (!isObject(port) || !Number.isInteger(port.port) || dynamic(port.protocol)) return;
      const key = `${port.port}/${port.protocol ?? 'TCP'}`;
      if (!containerPorts.has(key)) {
        out.push(`/properties/ipAddress/ports/${i}: port ${key} is not exposed by any container (container ports: ${[...containerPorts].join(', ') || 'none'})`);
      }
    });
  }

  if (template) {
    p.imageRegistryCredentials?.forEach?.((r: any, i: number) => checkSecretSource(r?.password, `/properties/imageRegistryCredentials/${i}/password`, template, out));
    p.volumes?.forEach?.((v: any, i: number) => checkSecretSource(v?.azureFile?.storageAccountKey, `/properties/volumes/${i}/azureFile/storageAccountKey`, template, out));
    checkSecretSource(p.diagnostics?.logAnalytics?.workspaceKey, '/properties/diagnostics/logAnalytics/workspaceKey', template, out);
  }
  return out;
}

function checkIdentity(identity: any, mode: Mode, out: string[]): void {
  if (!isObject(identity) || typeof identity.type !== 'string' || (mode === 'expression' && isExpression(identity.type))) return;
  const userAssigned = identity.type.includes('UserAssigned');
  const ids = identity.userAssignedIdentities;
  if (ids !== undefined && !isObject(ids)) return; // an expression
  const keys = Object.keys(ids ?? {});
  if (userAssigned && keys.length === 0) out.push(`/identity: type "${identity.type}" needs at least one entry in userAssignedIdentities`);
  if (!userAssigned && keys.length > 0) out.push(`/identity/userAssignedIdentities: only allowed when type includes "UserAssigned" (type is "${identity.type}")`);
  for (const key of keys) {
    if (!(mode === 'expression' && isExpression(key)) && !USER_ASSIGNED_IDENTITY_ID.test(key)) {
      out.push(`/identity/userAssignedIdentities/${escapePointer(key)}: key must be a resource id /subscriptions/.../resourceGroups/.../providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>${mode === 'expression' ? ' or an expression' : ''}`);
    }
  }
}

/** A secret taken from a plain parameter or from a variable holding a literal is clear text after all. */
function checkSecretSource(value: unknown, at: string, template: any, out: string[]): void {
  if (!isExpression(value)) return; // literals: reported by the schema (x-ms-secret)
  const param = value.match(/^\[\s*parameters\(\s*'([^']*)'\s*\)\s*\]$/i)?.[1];
  const paramType = param !== undefined ? template.parameters?.[param]?.type : undefined;
  if (typeof paramType === 'string' && !/^secure(string|object)$/i.test(paramType)) {
    out.push(`${at}: secret taken from parameter "${param}" of type "${paramType}"; declare it as "securestring" so that ARM does not log or return it`);
  }
  const variable = value.match(/^\[\s*variables\(\s*'([^']*)'\s*\)\s*\]$/i)?.[1];
  const variableValue = variable !== undefined ? template.variables?.[variable] : undefined;
  if (typeof variableValue === 'string' && !isExpression(variableValue)) {
    out.push(`${at}: secret taken from variable "${variable}", which holds a clear-text literal`);
  }
}

/** Names in `parameters('name')` calls inside an expression. */
function referencedParameters(value: unknown): string[] {
  return isExpression(value) ? [...value.matchAll(/\bparameters\(\s*'([^']*)'\s*\)/gi)].map(m => m[1]) : [];
}

/** Strings (values and map keys) that look like ARM function calls, which az would send verbatim. */
function findExpressions(node: unknown, at: string, out: string[]): void {
  if (typeof node === 'string') {
    if (ARM_FUNCTION_CALL.test(node)) out.push(`${at || '(root)'}: ARM template expression ${JSON.stringify(node)} in ACI YAML; az container create does not evaluate expressions, so it would be sent literally`);
  } else if (Array.isArray(node)) {
    node.forEach((x, i) => findExpressions(x, `${at}/${i}`, out));
  } else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (ARM_FUNCTION_CALL.test(k)) out.push(`${at}/${escapePointer(k)}: ARM template expression used as a key in ACI YAML; az container create does not evaluate expressions`);
      findExpressions(v, `${at}/${escapePointer(k)}`, out);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// ARM deployment template envelope
// ---------------------------------------------------------------------------------------------

const TEMPLATE_KEYS = ['$schema', 'contentVersion', 'metadata', 'apiProfile', 'parameters', 'variables', 'functions', 'resources', 'outputs'];
const PARAMETER_KEYS = ['type', 'defaultValue', 'allowedValues', 'metadata', 'minValue', 'maxValue', 'minLength', 'maxLength'];
const OUTPUT_KEYS = ['type', 'value', 'copy', 'condition', 'metadata'];
/** Parameter and output types (deploymentTemplate.json). ARM compares them case-insensitively, so does this. */
const VALUE_TYPES: Record<string, { canonical: string; check: (v: unknown) => boolean }> = {
  string: { canonical: 'string', check: v => typeof v === 'string' },
  securestring: { canonical: 'securestring', check: v => typeof v === 'string' },
  int: { canonical: 'int', check: v => Number.isInteger(v) },
  bool: { canonical: 'bool', check: v => typeof v === 'boolean' },
  object: { canonical: 'object', check: isObject },
  secureobject: { canonical: 'secureObject', check: isObject },
  array: { canonical: 'array', check: Array.isArray },
};
const TYPE_LIST = Object.values(VALUE_TYPES).map(t => `"${t.canonical}"`).join(', ');
const TEMPLATE_SCHEMA = /^https:\/\/schema\.management\.azure\.com\/schemas\/\d{4}-\d{2}-\d{2}\/deploymentTemplate\.json#?$/;

function envelopeErrors(t: Record<string, any>): string[] {
  const out: string[] = [];
  for (const key of Object.keys(t)) if (!TEMPLATE_KEYS.includes(key)) out.push(`/${escapePointer(key)}: unknown template field "${key}" (allowed: ${TEMPLATE_KEYS.join(', ')})`);
  if (typeof t.$schema !== 'string' || !TEMPLATE_SCHEMA.test(t.$schema)) {
    out.push(`/$schema: must be "https://schema.management.azure.com/schemas/<date>/deploymentTemplate.json#" (got ${JSON.stringify(t.$schema)})`);
  }
  if (typeof t.contentVersion !== 'string' || !/^\d+\.\d+\.\d+\.\d+$/.test(t.contentVersion)) {
    out.push(`/contentVersion: must be a version such as "1.0.0.0" (got ${JSON.stringify(t.contentVersion)})`);
  }

  const typed = (section: 'parameters' | 'outputs', allowed: string[]) => {
    if (t[section] === undefined) return;
    if (!isObject(t[section])) { out.push(`/${section}: must be an object`); return; }
    for (const [name, decl] of Object.entries<any>(t[section])) {
      const at = `/${section}/${escapePointer(name)}`;
      if (!isObject(decl)) { out.push(`${at}: must be an object with a "type"`); continue; }
      for (const key of Object.keys(decl)) if (!allowed.includes(key)) out.push(`${at}/${escapePointer(key)}: unknown field "${key}" (allowed: ${allowed.join(', ')})`);
      const type = typeof decl.type === 'string' ? VALUE_TYPES[decl.type.toLowerCase()] : undefined;
      if (!type) { out.push(`${at}/type: must be one of ${TYPE_LIST} (got ${JSON.stringify(decl.type)})`); continue; }
      if (section !== 'parameters' || decl.defaultValue === undefined || isExpression(decl.defaultValue)) continue;
      const empty = decl.defaultValue === '' || (isObject(decl.defaultValue) && Object.keys(decl.defaultValue).length === 0);
      if (!type.check(decl.defaultValue)) {
        out.push(`${at}/defaultValue: does not match type "${decl.type}"`);
      } else if (type.canonical.startsWith('secure') && !empty) {
        out.push(`${at}/defaultValue: a ${decl.type} parameter must not have a literal default (it would sit in the template in clear text)`);
      }
    }
  };
  typed('parameters', PARAMETER_KEYS);
  typed('outputs', OUTPUT_KEYS);
  if (t.variables !== undefined && !isObject(t.variables)) out.push('/variables: must be an object');

  if (!Array.isArray(t.resources)) {
    out.push(`/resources: must be an array (got ${JSON.stringify(t.resources)})`);
  } else {
    t.resources.forEach((r: any, i: number) => {
      if (!isObject(r)) out.push(`/resources/${i}: must be an object`);
      else for (const key of ['type', 'apiVersion', 'name']) if (typeof r[key] !== 'string') out.push(`/resources/${i}/${key}: must be a string`);
    });
  }

  // Every parameters('x') / variables('x') inside an expression (values and keys) must be declared.
  const walk = (node: unknown, at: string) => {
    const scan = (s: string, where: string) => {
      if (!isExpression(s)) return;
      if (!ARM_EXPRESSION_START.test(s)) {
        out.push(`${where}: ${JSON.stringify(s)} starts with '[' and ends with ']', so ARM evaluates it, but it is not an expression; escape a literal as "[${s}"`);
      }
      for (const [section, fn] of [['parameters', /\bparameters\(\s*'([^']*)'\s*\)/gi], ['variables', /\bvariables\(\s*'([^']*)'\s*\)/gi]] as const) {
        for (const m of s.matchAll(fn)) {
          if (!isObject(t[section]) || !(m[1] in t[section])) out.push(`${where}: ${section === 'parameters' ? 'parameter' : 'variable'} "${m[1]}" is referenced but not declared in "${section}"`);
        }
      }
    };
    if (typeof node === 'string') {
      scan(node, at || '(root)');
    } else if (Array.isArray(node)) {
      node.forEach((x, i) => walk(x, `${at}/${i}`));
    } else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        scan(k, `${at}/${escapePointer(k)}`);
        walk(v, `${at}/${escapePointer(k)}`);
      }
    }
  };
  walk(t, '');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Every problem in an ARM deployment template, one line each (`template at /pointer: message` or
 * `resources[i] <type> "<name>" at /pointer: message [sources]`). Empty when valid. Resources of
 * other types are only checked for the envelope fields; container groups get the full treatment.
 */
export function armTemplateErrors(template: any): string[] {
  if (!isObject(template)) return [`template: not an object (${JSON.stringify(template)})`];
  const problems = envelopeErrors(template).map(m => `template at ${m}`);
  if (!Array.isArray(template.resources)) return problems;
  template.resources.forEach((r: any, i: number) => {
    if (!isObject(r) || typeof r.type !== 'string' || r.type.toLowerCase() !== ACI_TYPE.toLowerCase()) return;
    const subject = `resources[${i}] ${ACI_TYPE} ${JSON.stringify(r.name)}`;
    if (r.apiVersion !== ACI_API_VERSION) {
      problems.push(`${subject} at /apiVersion: ${JSON.stringify(r.apiVersion)} is not supported; this validator (and the schemas in ${SCHEMA_DIR}) cover ${ACI_API_VERSION} only`);
      return;
    }
    const findings = new Findings();
    findings.addAjv(armValidator(), r, 'ARM template schema');
    findings.addAjv(restValidator('expression'), r, 'REST spec');
    for (const m of groupErrors(r, 'expression', template)) findings.add(m, '');
    problems.push(...findings.lines(subject));
  });
  return problems;
}

/** Throws when the template is invalid; the message lists every problem. */
export function validateArmTemplate(template: any): void {
  const problems = armTemplateErrors(template);
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s) in ARM template:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Every problem in an `az container create --file` YAML document (text, or the parsed object), one
 * line each (`containerGroup "<name>" at /pointer: message`). Empty when valid.
 */
export function aciYamlErrors(docOrText: any): string[] {
  let doc = docOrText;
  if (typeof docOrText === 'string') {
    const docs = parseAllDocuments(docOrText);
    if (!Array.isArray(docs)) return ['YAML error: not a YAML stream'];
    for (const d of docs) if (d.errors.length > 0) return [`YAML error: ${d.errors[0].message}`];
    const values = docs.map(d => d.toJS()).filter(v => v !== null && v !== undefined);
    if (values.length !== 1) return [`YAML: expected exactly one document, found ${values.length} (az container create --file takes one container group)`];
    doc = values[0];
  }
  if (!isObject(doc)) return [`(root): not a mapping (${JSON.stringify(doc)})`];
  const subject = `containerGroup ${JSON.stringify(doc.name)}`;
  if (doc.apiVersion !== undefined && doc.apiVersion !== ACI_API_VERSION) {
    return [`${subject} at /apiVersion: ${JSON.stringify(doc.apiVersion)} is not supported; this validator (and the schemas in ${SCHEMA_DIR}) cover ${ACI_API_VERSION} only`];
  }
  const findings = new Findings();
  findings.addAjv(restValidator('literal'), doc, 'REST spec');
  for (const m of groupErrors(doc, 'literal')) findings.add(m, '');
  return findings.lines(subject);
}

/** Throws when the YAML document is invalid; the message lists every problem. */
export function validateAciYaml(docOrText: any): void {
  const problems = aciYamlErrors(docOrText);
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s) in ACI YAML:\n  ${problems.join('\n  ')}`);
  }
}

/** Reads and validates a YAML file for `az container create --file`. */
export function validateAciYamlFile(file: string): void {
  try {
    validateAciYaml(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}
