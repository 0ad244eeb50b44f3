/**
 * Strict, independent validator for Dapr resource files (`Component`, `Configuration`), built on
 * the CustomResourceDefinitions of dapr/dapr (`schemas/dapr/*.yaml`, copied unchanged; where from
 * is in `schemas/dapr/SOURCES.md`).
 *
 * Each document must have `apiVersion: dapr.io/<version>` and a `kind` of one of the CRDs, and is
 * validated with ajv against that CRD version's `openAPIV3Schema`, translated the way the
 * Kubernetes API server prunes and validates structural schemas:
 * - an object schema with `properties` and no `additionalProperties` is closed: unknown fields are
 *   errors (the API server would drop them silently; daprd's file loader ignores them);
 * - `x-kubernetes-preserve-unknown-fields: true` keeps a node open (a schemaless node accepts any
 *   value), as does an object schema without `properties` (`metadata: {type: object}`);
 * - `required`, `type`, `enum`, `format` (int32, int64, date-time) are enforced.
 * `metadata.name` is required and must be a DNS-1123 subdomain (what the API server demands of
 * every custom resource name).
 *
 * One correction is applied, in code below and not in the copied files: the newest stored
 * `components.yaml` predates `envRef` (dapr/dapr#6495), so its metadata item schema is replaced by
 * `NameValuePair` of dapr/dapr `pkg/apis/common/namevalue.go`, which Dapr 1.17 uses for
 * `Component.spec.metadata` (name; value, schemaless; secretKeyRef {name, key?}; envRef).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import * as YAML from 'yaml';
import { formatError } from './crd';

const CRD_DIR = path.join(__dirname, 'schemas', 'dapr');
const GROUP = 'dapr.io';
/** What the API server requires of a custom resource's name (RFC 1123 subdomain). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * dapr/dapr pkg/apis/common/namevalue.go @ 07f7d2f4487c86142369a61b10e560acc00ca362, type NameValuePair,
 * in the OpenAPI form controller-gen writes for it (Value is Schemaless, SecretKeyRef.Key is optional).
 */
const NAME_VALUE_PAIR = {
  description: 'NameValuePair is a name/value pair.',
  properties: {
    envRef: { description: 'EnvRef is the name of an environmental variable to read the value from.', type: 'string' },
    name: { description: 'Name of the property.', type: 'string' },
    secretKeyRef: {
      description: 'SecretKeyRef is the reference of a value in a secret store component.',
      properties: { key: { description: 'Field in the secret.', type: 'string' }, name: { description: 'Secret name.', type: 'string' } },
      required: ['name'],
      type: 'object',
    },
    value: { 'description': 'Value of the property, in plaintext.', 'x-kubernetes-preserve-unknown-fields': true },
  },
  required: ['name'],
  type: 'object',
};

/** Corrections to a CRD version's schema, by `Kind/version` (see the module comment). */
const OVERLAYS: Record<string, (schema: any) => void> = {
  'Component/v1alpha1': schema => { schema.properties.spec.properties.metadata.items = NAME_VALUE_PAIR; },
};

// ---------------------------------------------------------------------------------------------
// CRD openAPIV3Schema -> JSON Schema for ajv
// ---------------------------------------------------------------------------------------------

function convert(s: any): any {
  const out: any = {};
  const open = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (s['x-kubernetes-int-or-string']) {
    out.type = ['integer', 'string'];
  } else if (s.type) {
    out.type = s.nullable ? [s.type, 'null'] : s.type;
  }
  for (const k of ['enum', 'required', 'format', 'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'minItems', 'maxItems'] as const) {
    if (s[k] !== undefined) { out[k] = s[k]; }
  }
  if (s.items) { out.items = convert(s.items); }
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (s[k]) { out[k] = s[k].map(convert); }
  }
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries<any>(s.properties).map(([name, p]) => [name, convert(p)]));
  }
  if (typeof s.additionalProperties === 'object') {
    out.additionalProperties = convert(s.additionalProperties);
  } else if (s.additionalProperties !== undefined) {
    out.additionalProperties = s.additionalProperties;
  } else if (s.properties && !open) {
    out.additionalProperties = false;
  }
  return out;
}

interface CrdVersion {
  readonly file: string;
  readonly validate: ValidateFunction;
}

/** `Kind` -> version -> validator, from every CRD in the folder. */
let crds: Map<string, Map<string, CrdVersion>> | undefined;

function loadCrds(): Map<string, Map<string, CrdVersion>> {
  if (crds) { return crds; }
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  addFormats(ajv);
  crds = new Map();
  for (const file of fs.readdirSync(CRD_DIR).filter(f => f.endsWith('.yaml')).sort()) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition' || crd.spec?.group !== GROUP) { continue; }
      const kind: string = crd.spec.names.kind;
      const versions = crds.get(kind) ?? new Map<string, CrdVersion>();
      for (const v of crd.spec.versions ?? []) {
        if (!v.served) { continue; }
        const schema = v.schema.openAPIV3Schema;
        OVERLAYS[`${kind}/${v.name}`]?.(schema);
        versions.set(v.name, { file, validate: ajv.compile(convert(schema)) });
      }
      crds.set(kind, versions);
    }
  }
  return crds;
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------


const withoutTimestamps = (tags: YAML.Tags) => tags.filter(t => (typeof t === 'string' ? t !== 'timestamp' : t.tag !== 'tag:yaml.org,2002:timestamp'));

/**
 * What daprd makes of `spec.api.allowed` / `spec.api.denied` beyond the CRD's shape: it keeps a
 * rule only for the protocol it names, compared in lower case (dapr/dapr pkg/config/configuration.go
 * APIAccessRules.GetRulesByProtocol @ v1.18.3), so a rule without "http" or "grpc" is silently
 * ignored; and HTTP routes are "/<version>/<name>..." (pkg/api/http/endpoints), so a version must
 * look like "v1.0" or "v1.0-alpha1".
 */
function apiRuleProblems(doc: any, label: string): string[] {
  const out: string[] = [];
  for (const list of ['allowed', 'denied']) {
    const rules = doc.spec?.api?.[list];
    if (!Array.isArray(rules)) { continue; }
    rules.forEach((r: any, i: number) => {
      const at = `${label} at /spec/api/${list}/${i}`;
      if (typeof r?.protocol !== 'string' || !['http', 'grpc'].includes(r.protocol.toLowerCase())) {
        out.push(`${at}/protocol: ${JSON.stringify(r?.protocol)} matches neither "http" nor "grpc": daprd ignores the rule`);
      }
      if (typeof r?.version === 'string' && !/^v[0-9]+(\.[0-9]+)?(-[a-z0-9]+)?$/.test(r.version)) {
        out.push(`${at}/version: ${JSON.stringify(r.version)} is not a Dapr API version such as "v1.0"`);
      }
    });
  }
  return out;
}

/**
 * Every problem of a Dapr resource file (one or more YAML documents), one line each:
 * `doc[i] Kind/name at /json/pointer: message`. Empty when valid.
 */
export function daprResourceErrors(text: string): string[] {
  // Kubernetes and daprd read YAML with sigs.k8s.io/yaml: YAML 1.1 scalars, timestamps kept as strings.
  const parsed = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: true, customTags: withoutTimestamps });
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const yamlErrors = docs.flatMap(d => d.errors.map(e => `not YAML: ${e.message}`));
  if (yamlErrors.length) { return yamlErrors; }
  const values = docs.map(d => d.toJS()).filter(v => v !== null && v !== undefined);
  if (values.length === 0) { return ['no YAML document']; }

  const known = loadCrds();
  const problems: string[] = [];
  values.forEach((doc, i) => {
    const label = `doc[${i}] ${doc?.kind ?? '<no kind>'}/${doc?.metadata?.name ?? '<no name>'}`;
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push(`doc[${i}]: not a mapping (${JSON.stringify(doc)})`);
      return;
    }
    const versions = known.get(doc.kind);
    if (!versions) {
      problems.push(`${label}: kind ${JSON.stringify(doc.kind)} is not one of the Dapr kinds validated here (${[...known.keys()].join(', ')})`);
      return;
    }
    const m = typeof doc.apiVersion === 'string' ? /^([^/]+)\/([^/]+)$/.exec(doc.apiVersion) : null;
    const crd = m && m[1] === GROUP ? versions.get(m[2]) : undefined;
    if (!crd) {
      const allowed = [...versions.keys()].map(v => `${GROUP}/${v}`).join(', ');
      problems.push(`${label}: apiVersion ${JSON.stringify(doc.apiVersion)} is not served for kind ${doc.kind} (served: ${allowed})`);
      return;
    }
    if (typeof doc.metadata?.name !== 'string') {
      problems.push(`${label} at /metadata: missing required field "name"`);
    } else if (doc.metadata.name.length > 253 || !DNS_SUBDOMAIN.test(doc.metadata.name)) {
      problems.push(`${label} at /metadata/name: ${JSON.stringify(doc.metadata.name)} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')`);
    }
    if (!crd.validate(doc)) {
      for (const line of new Set((crd.validate.errors ?? []).map(formatError))) { problems.push(`${label} at ${line} (${crd.file})`); }
    }
    if (doc.kind === 'Configuration') { problems.push(...apiRuleProblems(doc, label)); }
  });
  return problems;
}

/**
 * Parses and validates a Dapr resource file; throws with every problem. Returns the document, or the
 * list of documents when the file holds several.
 */
export function validateDaprResource(text: string): any {
  const problems = daprResourceErrors(text);
  if (problems.length) {
    throw new Error(`${problems.length} problem(s) in Dapr resources:\n  ${problems.join('\n  ')}`);
  }
  const docs = YAML.parseAllDocuments(text, { version: '1.1', customTags: withoutTimestamps });
  const values = (Array.isArray(docs) ? docs : [docs]).map(d => d.toJS()).filter(v => v !== null && v !== undefined);
  return values.length === 1 ? values[0] : values;
}
