/**
 * Strict, independent validator for Kubernetes manifests, built on the official Kubernetes 1.35
 * OpenAPI v3 documents (see test/validate/schemas/SOURCES.md, section kubernetes/).
 *
 * What "strict" means here, on top of the upstream schemas:
 * - every object schema with `properties` and no `additionalProperties` is closed (unknown fields
 *   are errors), except where `x-kubernetes-preserve-unknown-fields` is true. Maps declared with
 *   `additionalProperties` (labels, annotations, ConfigMap data, resource requests/limits) stay maps;
 * - string fields get an `enum` when their description lists the allowed values (see the Enums section below);
 * - `required` is enforced, `format`s (int32, int64, byte, date-time) are checked.
 *
 * What the 1.35 files actually contain (checked when this was written; it differs from what one
 * might expect): no `enum`, no `nullable`, no `x-kubernetes-int-or-string`, no
 * `x-kubernetes-preserve-unknown-fields`, and no "Possible enum values" text in descriptions.
 * Int-or-string and Quantity are `oneOf: [{type}, {type}]` (IntOrString also has
 * `format: int-or-string`). The translations for the absent keywords are kept because they are one
 * line each and the live apiserver's /openapi/v3 does use them.
 *
 * Custom resources (Prometheus operator, VPA, Kyverno, Gateway API, Istio, Security Profiles
 * Operator) are checked by `crd.ts` against their vendored CRDs, with their metadata checked
 * against 1.35 ObjectMeta here. Other kinds whose group has no vendored document are checked by
 * `k8s-models.ts` (the `kubernetes-models` package, equally strict about unknown fields), with their
 * metadata checked against 1.35 ObjectMeta here.
 *
 * Cost (node 20, this machine, noisy): the first validation of a kind reads and translates its
 * group-version's schema file and compiles the validator: 230-650 ms for apps/v1 Deployment,
 * 160-460 ms for core/v1 Pod, 140-310 ms for batch/v1 Job. After that 0.01-0.04 ms per document
 * (a full Deployment with a native sidecar). Compiled validators are cached per apiVersion/kind at
 * module level; jest gives every test file its own module registry, so each test file that
 * validates pays the first compile once.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';
import { customResourceErrors } from './crd';
import { modelErrors } from './k8s-models';

/** The vendored schemas (test/validate/schemas/, see its SOURCES.md); `CDK_SIDECARS_SCHEMAS` may point at another folder of that layout. */
const SCHEMA_DIR = process.env.CDK_SIDECARS_SCHEMAS
  ? path.join(process.env.CDK_SIDECARS_SCHEMAS, 'kubernetes')
  : path.resolve(__dirname, 'schemas', 'kubernetes');

// ---------------------------------------------------------------------------------------------
// Enums. The upstream files carry allowed values only in prose, in a handful of phrasings:
//   "One of Always, Never, IfNotPresent."            "Must be UDP, TCP, or SCTP."
//   "Valid values are "OnRootMismatch" and "Always"." "Can be "Recreate" or "RollingUpdate"."
//   "Possible values are:\n\n- FailJob: ...\n- Ignore: ..."   (bullet lists)
//   "Possible enum values:\n - `"Always"` means ..."           (kube-openapi form, not in 1.35 files)
// The parser only accepts a list whose every item is a single word, so prose such as
// "Valid values are "None", empty string (""), or a valid IP address" yields no enum.
//
// Result for the four 1.35 files: 56 distinct `Schema.field`s constrained (51 parsed from the
// descriptions, 5 added and 1 corrected in ENUM_OVERRIDES), among them Container.imagePullPolicy,
// Container.restartPolicy, ContainerPort.protocol, PodSpec.restartPolicy/dnsPolicy,
// DeploymentStrategy.type, CronJobSpec.concurrencyPolicy, Service type/protocol, selector
// operators. Print them all with `enumConstraints()`.
// ---------------------------------------------------------------------------------------------

/** Corrections and additions where the prose does not parse (or parses wrongly). Key: `Schema.field`. */
const ENUM_OVERRIDES: Record<string, string[]> = {
  // The description lists no values. Native sidecars need "Always". The Go type also has "Never" and
  // "OnFailure" for the ContainerRestartRules feature (alpha in 1.34, beta in 1.35); they are
  // deliberately rejected here, as this library only emits native sidecars.
  'io.k8s.api.core.v1.Container.restartPolicy': ['Always'],
  // "Valid operators are In, NotIn, Exists, DoesNotExist. Gt, and Lt." - the stray period cuts the list.
  'io.k8s.api.core.v1.NodeSelectorRequirement.operator': ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'],
  // "The only possible value is "Restart" to restart the container."
  'io.k8s.api.core.v1.ContainerRestartRule.action': ['Restart'],
  // "File will use ... FallbackToLogsOnError will use ... Defaults to File."
  'io.k8s.api.core.v1.Container.terminationMessagePolicy': ['File', 'FallbackToLogsOnError'],
  // "- DoNotSchedule (default) tells the scheduler ... - ScheduleAnyway tells the scheduler ..."
  'io.k8s.api.core.v1.TopologySpreadConstraint.whenUnsatisfiable': ['DoNotSchedule', 'ScheduleAnyway'],
  // "Valid options are ["Ingress"], ["Egress"], or ["Ingress", "Egress"]" (items of a list).
  'io.k8s.api.networking.v1.NetworkPolicySpec.policyTypes': ['Ingress', 'Egress'],
};

const WORD = '[A-Za-z][A-Za-z0-9]*';
const LIST_INTRO = /\b(?:one of|(?:valid|possible|supported|allowed) (?:values|options|operators)(?: for this field)? are|options are|can be(?: one of the following values)?|must be|supports|only possible value is)\s*:?\s*/gi;
const LIST_ITEM = new RegExp(`^(?:"(${WORD})"|'(${WORD})'|\`(${WORD})\`|(${WORD}))(?:\\s*\\(default\\))?$`);
// "- FailJob: ...", "- "Allow" (default): ...", "- Failed means ...", "* Exact: ...", "Localhost - ..."
const BULLET_ITEM = new RegExp(`(?:^|\\s)[-*]\\s+"?(${WORD})"?(?:\\s*\\(default\\))?(?::|\\s+means\\b)|(?:^|\\n|\\.\\s)\\s*([A-Z][A-Za-z0-9]*) - `, 'g');

/** Allowed values listed in a field description, or undefined. Exported for the test only. */
export function enumFromDescription(description: string): string[] | undefined {
  const kubeOpenApi = description.match(/Possible enum values:\n((?: - `"[^"]*"`.*(?:\n|$))+)/);
  if (kubeOpenApi) return [...kubeOpenApi[1].matchAll(/^ - `"([^"]*)"`/gm)].map(m => m[1]);

  for (const intro of description.matchAll(LIST_INTRO)) {
    const rest = description.slice(intro.index! + intro[0].length);
    if (/:\s*$|following values/.test(intro[0])) { // bullet list
      const items = [...rest.matchAll(BULLET_ITEM)].map(m => m[1] ?? m[2]);
      if (items.length >= 2) return items;
    }
    const sentence = rest.split(/\.(?:\s|$)|\n/)[0];
    const items = sentence.split(/\s*,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+/).filter(Boolean)
      .map(part => part.trim().match(LIST_ITEM)).map(m => m && (m[1] ?? m[2] ?? m[3] ?? m[4]));
    const single = /only possible/i.test(intro[0]);
    if (items.every(i => i) && (items.length >= 2 || (single && items.length === 1))) return items as string[];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.0 (Kubernetes flavour) -> JSON Schema for ajv
// ---------------------------------------------------------------------------------------------

const SIMPLE_TYPE = (s: any) => s && typeof s.type === 'string' && Object.keys(s).every(k => k === 'type');

/**
 * Translates one schema node. `prefix` names the node (`Schema` or `Schema.prop`) so that its
 * properties can be looked up as `prefix.prop` for enums; `isField` is true for properties.
 */
function convert(s: any, enums: Map<string, string[]>, prefix?: string, isField = false): any {
  const out: any = {};
  if (s.$ref) out.$ref = s.$ref.replace('#/components/schemas/', '#/definitions/');
  if (s.allOf) out.allOf = s.allOf.map((x: any) => convert(x, enums));

  if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') {
    out.type = ['integer', 'string'];
  } else if (s.oneOf?.every(SIMPLE_TYPE)) { // IntOrString, Quantity
    out.type = s.oneOf.map((x: any) => x.type);
  } else {
    if (s.oneOf) out.oneOf = s.oneOf.map((x: any) => convert(x, enums));
    if (s.type) out.type = s.nullable ? [s.type, 'null'] : s.type;
    if (s.format) out.format = s.format;
  }
  if (s.enum) out.enum = s.enum;
  if (s.required) out.required = s.required;
  if (s.items) out.items = convert(s.items, enums);

  if (s.properties) {
    out.properties = {};
    for (const [prop, ps] of Object.entries<any>(s.properties)) {
      out.properties[prop] = convert(ps, enums, prefix && `${prefix}.${prop}`, true);
    }
  }
  if (typeof s.additionalProperties === 'object') {
    out.additionalProperties = convert(s.additionalProperties, enums);
  } else if (s.additionalProperties !== undefined) {
    out.additionalProperties = s.additionalProperties;
  } else if (s.properties && !s['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false; // closed: unknown fields are errors
  }

  // enum from the description (property level; for a list of strings, on its items)
  if (isField && prefix && !s.enum) {
    const field = prefix;
    const values = field in ENUM_OVERRIDES ? ENUM_OVERRIDES[field] : enumFromDescription(s.description ?? '');
    const target = s.type === 'string' ? out : s.type === 'array' && s.items?.type === 'string' ? out.items : undefined;
    if (values && target) {
      target.enum = values;
      enums.set(field, values);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Schema files, validators, cache
// ---------------------------------------------------------------------------------------------

interface GroupVersion {
  /** ajv $id of this file's definitions */
  readonly id: string;
  /** kind -> schema name, from `x-kubernetes-group-version-kind` matching this group/version */
  readonly kinds: Map<string, string>;
  readonly enums: Map<string, string[]>;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
const groupVersions = new Map<string, GroupVersion | undefined>();
const validators = new Map<string, ValidateFunction>();

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Upstream naming: api/openapi-spec/v3/api__v1_openapi.json, apis__<group>__<version>_openapi.json. */
function schemaFileFor(apiVersion: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return group === '' ? `api__${version}_openapi.json` : `apis__${group}__${version}_openapi.json`;
}

function loadGroupVersion(apiVersion: string): GroupVersion | undefined {
  if (groupVersions.has(apiVersion)) return groupVersions.get(apiVersion);
  if (!fs.existsSync(SCHEMA_DIR)) {
    throw new Error(`Kubernetes OpenAPI schemas not found in ${SCHEMA_DIR} (they are vendored in test/validate/schemas; CDK_SIDECARS_SCHEMAS overrides the folder)`);
  }
  const file = path.join(SCHEMA_DIR, schemaFileFor(apiVersion));
  let gv: GroupVersion | undefined;
  if (/^[a-z0-9.-]*\/?v[0-9a-z]+$/.test(apiVersion) && fs.existsSync(file)) {
    const schemas = JSON.parse(fs.readFileSync(file, 'utf8')).components.schemas as Record<string, any>;
    const { group, version } = splitApiVersion(apiVersion);
    const kinds = new Map<string, string>();
    const enums = new Map<string, string[]>();
    const definitions: Record<string, any> = {};
    for (const [name, schema] of Object.entries(schemas)) {
      definitions[name] = convert(schema, enums, name);
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        if (gvk.group === group && gvk.version === version) kinds.set(gvk.kind, name);
      }
    }
    const id = `k8s-${path.basename(file)}`;
    ajv.addSchema({ $id: id, definitions });
    gv = { id, kinds, enums };
  }
  groupVersions.set(apiVersion, gv);
  return gv;
}

function validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion}|${kind}`;
  let validate = validators.get(key);
  if (!validate) {
    const gv = loadGroupVersion(apiVersion);
    const name = gv?.kinds.get(kind);
    if (!gv || !name) return undefined;
    validate = ajv.getSchema(`${gv.id}#/definitions/${name}`)!;
    validators.set(key, validate);
  }
  return validate;
}

/** ObjectMeta of the 1.35 core/v1 document, for kinds validated by the kubernetes-models fallback. */
function objectMetaValidator(): ValidateFunction {
  const gv = loadGroupVersion('v1')!;
  return ajv.getSchema(`${gv.id}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`)!;
}

/** Every enum constraint, `Schema.field -> values`, over all schema files present (for review). */
export function enumConstraints(): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const file of fs.readdirSync(SCHEMA_DIR).sort()) {
    const m = file.match(/^(?:api|apis__(.+))__(v[^_]+)_openapi\.json$/);
    const gv = m && loadGroupVersion(m[1] ? `${m[1]}/${m[2]}` : m[2]);
    for (const [field, values] of gv?.enums ?? []) result[field] = values;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function formatError(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = e.params.additionalProperty as string;
      return `${e.instancePath}/${escapePointer(field)}: unknown field "${field}" (${e.message})`;
    }
    case 'enum':
      return `${e.instancePath || '(root)'}: ${e.message}: ${(e.params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`;
    default:
      return `${e.instancePath || '(root)'}: ${e.message}`;
  }
}

/** Every problem in `docs`, one line each: `doc[i] Kind/name at /json/pointer: message`. Empty when valid. */
export function manifestErrors(docs: any[]): string[] {
  const problems: string[] = [];
  docs.forEach((doc, i) => {
    const label = `doc[${i}] ${doc?.kind ?? '<no kind>'}/${doc?.metadata?.name ?? '<no name>'}`;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push(`doc[${i}]: not an object (${JSON.stringify(doc)})`);
      return;
    }
    if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
      problems.push(`${label}: apiVersion and kind must be strings (got ${JSON.stringify(doc.apiVersion)}, ${JSON.stringify(doc.kind)})`);
      return;
    }
    const custom = customResourceErrors(doc);
    if (custom) {
      // A custom resource: its CRD (crd.ts), metadata from 1.35 core/v1.
      for (const line of custom) problems.push(`${label} at ${line}`);
      const meta = objectMetaValidator();
      if (doc.metadata !== undefined && !meta(doc.metadata)) {
        for (const line of new Set((meta.errors ?? []).map(formatError))) problems.push(`${label} at /metadata${line}`);
      }
      return;
    }
    const validate = validatorFor(doc.apiVersion, doc.kind);
    const fallback = validate ? undefined : modelErrors(doc.apiVersion, doc.kind, doc);
    if (fallback) {
      // No OpenAPI document for this group here (RBAC): kubernetes-models, metadata from 1.35 core/v1.
      for (const line of fallback) problems.push(`${label} at ${line}`);
      const meta = objectMetaValidator();
      if (doc.metadata !== undefined && !meta(doc.metadata)) {
        for (const line of new Set((meta.errors ?? []).map(formatError))) problems.push(`${label} at /metadata${line}`);
      }
      return;
    }
    if (!validate) {
      problems.push(`${label}: unknown apiVersion/kind "${doc.apiVersion}" "${doc.kind}" (no schema in ${SCHEMA_DIR})`);
      return;
    }
    if (!validate(doc)) {
      const lines = new Set((validate.errors ?? []).map(formatError));
      for (const line of lines) problems.push(`${label} at ${line}`);
    }
  });
  return problems;
}

/** Throws when any document is invalid; the message lists every problem. */
export function validateManifests(docs: any[]): void {
  const problems = manifestErrors(docs);
  if (problems.length > 0) {
    throw new Error(`${problems.length} problem(s) in Kubernetes manifests:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses a multi-document YAML file (empty documents are skipped), then validates it. */
export function validateYamlFile(file: string): void {
  const docs: any[] = [];
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: YAML error: ${doc.errors[0].message}`);
    const value = doc.toJS();
    if (value !== null && value !== undefined) docs.push(value);
  }
  try {
    validateManifests(docs);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}
