/**
 * Strict, independent validator for OPA 1.x configuration files (the `config.yaml` that
 * `opa run --config-file` reads).
 *
 * OPA publishes no JSON schema. `schemas/opa-config.schema.json` is derived field by field from
 * the Go structs OPA unmarshals the file into (open-policy-agent/opa and
 * open-policy-agent/opa-envoy-plugin; each section's `$comment` names the file and commit read).
 * It is stricter than OPA on purpose: OPA ignores unknown fields (Go's encoding/json, and
 * `Config.Extra` at the top level), so a misspelt setting would silently do nothing there; here
 * it is an error.
 *
 * On top of the schema, the cross-references OPA checks in Go when it starts are checked here too
 * (each with the Go function that does it): services named by bundles, discovery, decision logs
 * and status exist; signing key ids exist; polling and reporting `max_delay_seconds` are not
 * below `min_delay_seconds`; OAuth2 signing keys exist and hold a private key; the OAuth2
 * client-credentials secret rules.
 *
 * Parsing follows OPA: YAML through sigs.k8s.io/yaml (YAML 1.1 scalars, e.g. `yes` is a boolean;
 * duplicate keys are errors), one document, JSON accepted. Environment variable substitution
 * (`${VAR}`, done by `opa run` before parsing) is not performed: give the text as OPA would see it.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import * as YAML from 'yaml';

const SCHEMA_FILE = path.join(__dirname, 'schemas', 'opa-config.schema.json');

let compiled: ValidateFunction | undefined;

function schemaValidator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, verbose: true });
    compiled = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8')));
  }
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// ajv errors -> one readable line each
// ---------------------------------------------------------------------------------------------

const quoteAll = (values: unknown[]) => values.map(v => JSON.stringify(v)).join(', ');
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const at = (pointer: string) => pointer || '(root)';

/** Branch errors of anyOf/not/if are folded into the error of the combinator itself. */
function isFolded(e: ErrorObject, all: ErrorObject[]): boolean {
  return all.some(o => o !== e && ['anyOf', 'not', 'if'].includes(o.keyword)
    && e.instancePath.startsWith(o.instancePath) && e.schemaPath.startsWith(`${o.schemaPath}/`));
}

function formatError(e: ErrorObject): string | undefined {
  const where = at(e.instancePath);
  switch (e.keyword) {
    case 'if':
      return undefined; // the failing then/else branch is reported by itself
    case 'additionalProperties': {
      const field = e.params.additionalProperty as string;
      const allowed = Object.keys((e.parentSchema as any)?.properties ?? {});
      return `${e.instancePath}/${escapePointer(field)}: unknown field "${field}"`
        + (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (no fields allowed)');
    }
    case 'required':
      return `${where}: missing required field "${e.params.missingProperty}"`;
    case 'dependencies':
      return `${where}: "${e.params.property}" is set, so "${e.params.missingProperty}" must be set too`;
    case 'anyOf': {
      const branches = (e.schema as any[]).map(b => b.required).filter(Boolean) as string[][];
      return branches.length === (e.schema as any[]).length
        ? `${where}: needs one of ${quoteAll(branches.map(b => b.join('+')))}`
        : `${where}: ${e.message}`;
    }
    case 'not': {
      const both = (e.schema as any)?.required as string[] | undefined;
      return both ? `${where}: must not set ${both.map(f => `"${f}"`).join(' and ')} together` : `${where}: ${e.message}`;
    }
    case 'maxProperties': {
      const found = Object.keys(e.data as object);
      return `${where}: at most ${e.params.limit} of its fields may be set (found: ${found.join(', ')})`;
    }
    case 'enum':
      return `${where}: ${JSON.stringify(e.data)} is not one of ${quoteAll(e.params.allowedValues as unknown[])}`;
    case 'type':
      return `${where}: ${JSON.stringify(e.data)} must be of type ${[e.params.type].flat().join(' or ')}`;
    case 'pattern':
      return `${where}: ${JSON.stringify(e.data)} does not match ${e.params.pattern}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
    case 'minLength':
    case 'minItems':
      return `${where}: ${JSON.stringify(e.data)} ${e.message}`;
    default:
      return `${where}: ${e.message}`;
  }
}

function schemaErrors(config: unknown): string[] {
  const validate = schemaValidator();
  if (validate(config)) { return []; }
  const all = validate.errors ?? [];
  const lines = all.filter(e => !isFolded(e, all)).map(formatError).filter((l): l is string => l !== undefined);
  return [...new Set(lines)];
}

// ---------------------------------------------------------------------------------------------
// What OPA checks in Go across sections (the schema cannot say it)
// ---------------------------------------------------------------------------------------------

const isObject = (x: unknown): x is Record<string, any> => typeof x === 'object' && x !== null && !Array.isArray(x);
const entries = (x: unknown): Array<[string, any]> => (isObject(x) ? Object.entries(x) : []);

/** Service names as OPA keys them (ParseServicesConfig: map keys, or `name` in the array form). */
function serviceNames(services: unknown, problems: string[]): string[] {
  if (Array.isArray(services)) {
    const names: string[] = [];
    services.forEach((s, i) => {
      const name = isObject(s) ? s.name : undefined;
      if (typeof name !== 'string') { return; }
      if (names.includes(name)) { problems.push(`/services/${i}/name: "${name}" is declared twice`); }
      names.push(name);
    });
    return names;
  }
  return Object.keys(isObject(services) ? services : {});
}

function crossReferenceErrors(c: Record<string, any>): string[] {
  const problems: string[] = [];
  const services = serviceNames(c.services, problems);
  const declared = `declared: ${services.length ? services.join(', ') : 'none'}`;
  const keys = isObject(c.keys) ? c.keys : {};
  const keyIds = Object.keys(keys);

  // getServiceFromList (v1/plugins/bundle/config.go): an empty service means the first service.
  const checkService = (where: string, service: unknown, emptyNeeds: 'any' | 'one' | 'optional') => {
    if (typeof service === 'string' && service !== '') {
      if (!services.includes(service)) { problems.push(`${where}/service: "${service}" names no service in /services (${declared})`); }
    } else if (emptyNeeds === 'any' && services.length === 0) {
      problems.push(`${where}: no service is set and /services declares none`);
    } else if (emptyNeeds === 'one' && services.length !== 1) {
      // discovery's getServiceFromList (v1/plugins/discovery/config.go): "more than one service is defined"
      problems.push(`${where}: no service is set, which needs exactly one service in /services (${declared})`);
    }
  };
  // VerificationConfig.ValidateAndInjectDefaults (v1/bundle/keys.go): "key id %s not found".
  const checkSigning = (where: string, signing: unknown) => {
    const keyid = isObject(signing) ? signing.keyid : undefined;
    if (typeof keyid === 'string' && keyid !== '' && !keyIds.includes(keyid)) {
      problems.push(`${where}/signing/keyid: "${keyid}" names no key in /keys (declared: ${keyIds.length ? keyIds.join(', ') : 'none'})`);
    }
  };
  // download.Config / logs ValidateAndInjectDefaults: "max ... delay must be >= min ... delay".
  const checkDelays = (where: string, block: unknown) => {
    if (!isObject(block)) { return; }
    const { min_delay_seconds: min, max_delay_seconds: max } = block;
    if (typeof min === 'number' && typeof max === 'number' && max < min) {
      problems.push(`${where}/max_delay_seconds: ${max} is less than min_delay_seconds ${min}`);
    }
  };

  for (const [name, b] of entries(c.bundles)) {
    const where = `/bundles/${escapePointer(name)}`;
    if (!isObject(b)) { continue; }
    // Source.validateAndInjectDefaults: file:// resources need no service.
    if (!(typeof b.resource === 'string' && b.resource.startsWith('file://'))) { checkService(where, b.service, 'any'); }
    checkSigning(where, b.signing);
    checkDelays(`${where}/polling`, b.polling);
  }
  if (isObject(c.bundle)) {
    checkService('/bundle', c.bundle.service, 'any');
    checkDelays('/bundle/polling', c.bundle.polling);
  }
  if (isObject(c.discovery)) {
    checkService('/discovery', c.discovery.service, 'one');
    checkSigning('/discovery', c.discovery.signing);
    checkDelays('/discovery/polling', c.discovery.polling);
  }
  // logs and status Config.validateAndInjectDefaults: "invalid service name %q in decision_logs/status".
  if (isObject(c.decision_logs)) {
    checkService('/decision_logs', c.decision_logs.service, 'optional');
    checkDelays('/decision_logs/reporting', c.decision_logs.reporting);
  }
  if (isObject(c.status)) { checkService('/status', c.status.service, 'optional'); }

  // oauth2ClientCredentialsAuthPlugin.NewClient / parseSigningKey (v1/plugins/rest/auth.go).
  const list: Array<[string, any]> = Array.isArray(c.services) ? c.services.map((s: any, i: number) => [String(i), s]) : entries(c.services);
  for (const [name, s] of list) {
    const o = isObject(s) && isObject(s.credentials) ? s.credentials.oauth2 : undefined;
    if (!isObject(o)) { continue; }
    const where = `/services/${escapePointer(name)}/credentials/oauth2`;
    const grant = o.grant_type ?? 'client_credentials';
    if (typeof o.signing_key === 'string' && o.signing_key !== '') {
      const key = keys[o.signing_key];
      if (!isObject(key)) {
        problems.push(`${where}/signing_key: "${o.signing_key}" names no key in /keys`);
      } else if (!key.private_key) {
        problems.push(`${where}/signing_key: key "${o.signing_key}" has no private_key`);
      }
    } else if (grant === 'jwt_bearer') {
      problems.push(`${where}: grant_type jwt_bearer needs signing_key`);
    }
    if (grant === 'client_credentials') {
      const ways = ['client_secret', 'signing_key', 'aws_kms', 'azure_keyvault', 'client_assertion', 'client_assertion_path']
        .filter(f => o[f] !== undefined && o[f] !== '');
      if (ways.length !== 1) {
        problems.push(`${where}: client_credentials needs exactly one of client_secret, signing_key, aws_kms, azure_keyvault, `
          + `client_assertion, client_assertion_path (found: ${ways.length ? ways.join(', ') : 'none'})`);
      } else if (['client_secret', 'client_assertion', 'client_assertion_path'].includes(ways[0]) && !o.client_id) {
        problems.push(`${where}: ${ways[0]} needs client_id`);
      } else if (ways[0] === 'aws_kms' && !isObject(o.aws_signing)) {
        problems.push(`${where}: aws_kms needs aws_signing`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * sigs.k8s.io/yaml (go-yaml v2) resolves YAML 1.1 booleans, but leaves timestamps as strings when it
 * converts YAML to JSON: OPA's own docs rely on it (`x-ms-version: 2017-11-09` is a header string).
 */
const withoutTimestamps = (tags: YAML.Tags) => tags.filter(t => (typeof t === 'string' ? t !== 'timestamp' : t.tag !== 'tag:yaml.org,2002:timestamp'));

/** Parses the text as OPA does; returns the value, or the parse problems. */
function parse(text: string): { config?: unknown; problems: string[] } {
  const docs = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: true, customTags: withoutTimestamps });
  const list = Array.isArray(docs) ? docs : [docs];
  const problems = list.flatMap(d => d.errors.map(e => `not YAML: ${e.message}`));
  if (problems.length) { return { problems }; }
  const values = list.map(d => d.toJS()).filter(v => v !== null && v !== undefined);
  if (values.length > 1) { return { problems: [`${values.length} YAML documents; OPA reads one configuration document`] }; }
  return { config: values[0] ?? {}, problems: [] };
}

/** Every problem of an OPA configuration file, one line each (`/json/pointer: message`). Empty when valid. */
export function opaConfigErrors(text: string): string[] {
  const { config, problems } = parse(text);
  if (problems.length) { return problems; }
  if (!isObject(config)) { return [`(root): the configuration must be a mapping, not ${JSON.stringify(config)}`]; }
  return [...schemaErrors(config), ...crossReferenceErrors(config)];
}

/** Parses and validates an OPA configuration file; returns the parsed value, throws with every problem. */
export function validateOpaConfig(text: string): any {
  const problems = opaConfigErrors(text);
  if (problems.length) {
    throw new Error(`${problems.length} problem(s) in OPA configuration:\n  ${problems.join('\n  ')}`);
  }
  return parse(text).config;
}
