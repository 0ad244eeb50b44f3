/**
 * Strict, independent validator for custom resources, built on the upstream
 * CustomResourceDefinitions vendored in test/validate/schemas/ (where each comes from:
 * schemas/SOURCES.md, "Custom resources and seccomp profiles"):
 *
 *   monitoring.coreos.com                 PodMonitor, ServiceMonitor, PrometheusRule (prometheus-operator v0.93.0)
 *   autoscaling.k8s.io                    VerticalPodAutoscaler (VPA 1.7.1)
 *   kyverno.io                            ClusterPolicy (Kyverno 1.19.0)
 *   policies.kyverno.io                   ImageValidatingPolicy (Kyverno 1.19.0)
 *   gateway.networking.k8s.io             HTTPRoute (Gateway API v1.6.1, standard channel)
 *   *.istio.io                            VirtualService, DestinationRule, ... (Istio 1.30.3)
 *   security-profiles-operator.x-k8s.io   SeccompProfile (SPO v1.0.0)
 *   serving.knative.dev                   Service (Knative Serving 1.23.0; Cloud Run's shape: ./cloudrun.ts)
 *
 * A document is validated against `spec.versions[<version>].schema.openAPIV3Schema` of the CRD
 * whose group and `names.kind` match its apiVersion and kind, and only if that version is served.
 * The structural schema is translated the way the API server prunes and `kubectl
 * --validate=strict` rejects:
 * - an object schema with `properties` and no `additionalProperties` is closed (unknown fields are
 *   errors), except under `x-kubernetes-preserve-unknown-fields: true`;
 * - `x-kubernetes-int-or-string` accepts an integer or a string; `nullable` adds null;
 * - OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become JSON Schema numbers;
 * - `required`, `type`, `enum`, `pattern`, length and item bounds and `format`s are enforced
 *   (formats ajv-formats does not know, such as `duration`, are accepted as strings).
 * At the root, `apiVersion`, `kind` and `metadata` are always allowed (Istio's CRDs list only
 * `spec` and `status`); `metadata` is checked by the caller against 1.35 ObjectMeta, and
 * `metadata.name` must be a DNS-1123 subdomain, as the API server requires of custom resources.
 *
 * Kyverno's own admission checks of `verifyImages` (attestors, Rekor or roots, mutateDigest under
 * Audit) are ported as well (kyvernoVerifyImagesProblems).
 *
 * Not checked (say so where it matters): the CRDs' CEL rules (`x-kubernetes-validations`: 89 on
 * HTTPRoute, 6 on VirtualService, 39 on DestinationRule, 4 on the VPA), the contents of
 * preserve-unknown subtrees (most of a Kyverno ClusterPolicy's patterns), PromQL in a rule's `expr`.
 * A regular expression the CRD writes in Go's RE2 syntax that JavaScript cannot compile is
 * dropped and listed by `droppedPatterns()`; none is in the vendored files today (a test checks).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parseAllDocuments } from 'yaml';

const SCHEMAS = path.join(__dirname, 'schemas');

/** Which vendored files hold the CRDs of a group. */
const FILES_BY_GROUP: Record<string, string[]> = {
  'monitoring.coreos.com': [
    'prometheus-operator/monitoring.coreos.com_podmonitors.yaml',
    'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
    'prometheus-operator/monitoring.coreos.com_prometheusrules.yaml',
  ],
  'autoscaling.k8s.io': ['vpa/vpa-v1-crd-gen.yaml'],
  'kyverno.io': ['kyverno/kyverno.io_clusterpolicies.yaml'],
  'policies.kyverno.io': ['kyverno/policies.kyverno.io_imagevalidatingpolicies.yaml'],
  'gateway.networking.k8s.io': ['gateway-api/gateway.networking.k8s.io_httproutes.yaml'],
  'networking.istio.io': ['istio/crd-all.gen.yaml'],
  'security.istio.io': ['istio/crd-all.gen.yaml'],
  'telemetry.istio.io': ['istio/crd-all.gen.yaml'],
  'extensions.istio.io': ['istio/crd-all.gen.yaml'],
  'security-profiles-operator.x-k8s.io': ['security-profiles-operator/seccompprofile.yaml'],
  'serving.knative.dev': ['knative-cloudrun/knative-serving-service-crd.yaml'],
};

/** What the API server requires of a custom resource's name (RFC 1123 subdomain). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, validateFormats: true });
addFormats(ajv);
const knownFormats = new Set(Object.keys((ajv as any).formats));
const dropped: string[] = [];

// ---------------------------------------------------------------------------------------------
// openAPIV3Schema -> JSON Schema (draft-07) for ajv
// ---------------------------------------------------------------------------------------------

/**
 * RE2's leading `(?i)` flag, which JavaScript patterns cannot carry, as letter classes: `(?i)(abort|warn)`
 * -> `([aA][bB]...)`. Only for patterns without classes or escapes (the one such pattern in the
 * vendored files, PrometheusRule `partial_response_strategy`, is one); others are left to fail and be listed.
 */
function caseInsensitive(pattern: string): string {
  const m = /^(\^?)\(\?i\)(.*)$/.exec(pattern);
  if (!m || /[\\[]/.test(m[2])) { return pattern; }
  return m[1] + m[2].replace(/[a-zA-Z]/g, c => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}

const COPIED = ['enum', 'required', 'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems',
  'minProperties', 'maxProperties', 'multipleOf'] as const;

function convert(s: any, where: string, root = false): any {
  const out: any = {};
  const open = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (s['x-kubernetes-int-or-string']) {
    out.type = ['integer', 'string'];
  } else if (s.type) {
    out.type = s.nullable ? [s.type, 'null'] : s.type;
  }
  for (const k of COPIED) {
    if (s[k] !== undefined) { out[k] = s[k]; }
  }
  if (s.enum && s.nullable) { out.enum = [...s.enum, null]; }
  if (s.minimum !== undefined) { out[s.exclusiveMinimum === true ? 'exclusiveMinimum' : 'minimum'] = s.minimum; }
  if (s.maximum !== undefined) { out[s.exclusiveMaximum === true ? 'exclusiveMaximum' : 'maximum'] = s.maximum; }
  if (typeof s.format === 'string') {
    if (!knownFormats.has(s.format)) {
      ajv.addFormat(s.format, true);
      knownFormats.add(s.format);
    }
    out.format = s.format;
  }
  if (typeof s.pattern === 'string') {
    try {
      const pattern = caseInsensitive(s.pattern);
      new RegExp(pattern, 'u');
      out.pattern = pattern;
    } catch {
      dropped.push(`${where}: ${s.pattern}`);
    }
  }
  if (s.items) { out.items = convert(s.items, `${where}[]`); }
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    // controller-gen writes int-or-string as anyOf [{type: integer}, {type: string}] next to the marker
    if (s[k] && !s['x-kubernetes-int-or-string']) { out[k] = s[k].map((x: any) => convert(x, where)); }
  }
  if (s.not) { out.not = convert(s.not, where); }
  if (s.properties || root) {
    out.properties = Object.fromEntries(Object.entries<any>(s.properties ?? {}).map(([name, p]) => [name, convert(p, `${where}.${name}`)]));
  }
  if (root) {
    out.properties.apiVersion = { type: 'string' };
    out.properties.kind = { type: 'string' };
    out.properties.metadata = { type: 'object' };
  }
  if (typeof s.additionalProperties === 'object') {
    out.additionalProperties = convert(s.additionalProperties, `${where}{}`);
  } else if (s.additionalProperties !== undefined) {
    out.additionalProperties = s.additionalProperties;
  } else if (out.properties && !open) {
    out.additionalProperties = false;
  }
  return out;
}

interface Served {
  readonly file: string;
  readonly validate: ValidateFunction;
}

/** `group/version|Kind` -> validator, filled per group on first use. */
const served = new Map<string, Served>();
/** `group|Kind` -> served versions, to say which apiVersions would be accepted. */
const versionsOf = new Map<string, string[]>();
const loadedGroups = new Set<string>();

function loadGroup(group: string): void {
  if (loadedGroups.has(group)) { return; }
  loadedGroups.add(group);
  for (const file of FILES_BY_GROUP[group] ?? []) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(SCHEMAS, file), 'utf8'))) {
      const crd = doc.toJS();
      if (crd?.kind !== 'CustomResourceDefinition' || crd.spec?.group !== group) { continue; }
      const kind: string = crd.spec.names.kind;
      for (const v of crd.spec.versions ?? []) {
        if (!v.served) { continue; }
        const key = `${group}/${v.name}|${kind}`;
        // Compiled on first use (the Kyverno ClusterPolicy schema alone is 1.4 MB).
        let compiled: ValidateFunction | undefined;
        served.set(key, {
          file,
          get validate() {
            compiled ??= ajv.compile(convert(v.schema.openAPIV3Schema, `${kind}/${v.name}`, true));
            return compiled;
          },
        } as Served);
        versionsOf.set(`${group}|${kind}`, [...(versionsOf.get(`${group}|${kind}`) ?? []), v.name]);
      }
    }
  }
}

/** Whether this apiVersion's group is one whose CRDs are vendored here. */
export function isCustomResource(apiVersion: string): boolean {
  const slash = apiVersion.indexOf('/');
  return slash > 0 && apiVersion.slice(0, slash) in FILES_BY_GROUP;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** One ajv error as `/json/pointer: message` (shared with dapr.ts). */
export function formatError(e: ErrorObject): string {
  const where = e.instancePath || '(root)';
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = e.params.additionalProperty as string;
      return `${e.instancePath}/${escapePointer(field)}: unknown field "${field}"`;
    }
    case 'required':
      return `${where}: missing required field "${e.params.missingProperty}"`;
    case 'enum':
      return `${where}: ${e.message}: ${(e.params.allowedValues as unknown[]).map(v => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where}: ${e.message}`;
  }
}

/**
 * Problems of one custom resource (`/json/pointer: message (file)`), not counting `metadata`
 * beyond its name, or undefined when its group has no vendored CRD.
 */
export function customResourceErrors(doc: any): string[] | undefined {
  if (typeof doc?.apiVersion !== 'string' || !isCustomResource(doc.apiVersion)) { return undefined; }
  const group = doc.apiVersion.slice(0, doc.apiVersion.indexOf('/'));
  loadGroup(group);
  const crd = served.get(`${doc.apiVersion}|${doc.kind}`);
  if (!crd) {
    const versions = versionsOf.get(`${group}|${doc.kind}`);
    return [versions
      ? `(root): apiVersion "${doc.apiVersion}" is not served for kind ${doc.kind} (served: ${versions.map(v => `${group}/${v}`).join(', ')})`
      : `(root): kind ${JSON.stringify(doc.kind)} has no CRD in group ${group} here (${FILES_BY_GROUP[group].join(', ')})`];
  }
  const problems: string[] = [];
  const name = doc.metadata?.name;
  if (typeof name !== 'string') {
    problems.push('/metadata: missing required field "name"');
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    problems.push(`/metadata/name: ${JSON.stringify(name)} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')`);
  }
  if (!crd.validate(doc)) {
    for (const line of new Set((crd.validate.errors ?? []).map(formatError))) { problems.push(`${line} (${crd.file})`); }
  }
  if (group === 'kyverno.io') { problems.push(...kyvernoVerifyImagesProblems(doc)); }
  return problems;
}

const KYVERNO_ENFORCE = ['Enforce', 'enforce'];

/**
 * What Kyverno's admission of a ClusterPolicy checks in `verifyImages` beyond the CRD, ported
 * from kyverno/kyverno @ 111e07bbecc6 (2026-08-21): pkg/validation/policy/validate.go (the failure
 * action of a verifyImages entry, else the policy's `validationFailureAction`; anything but
 * Enforce counts as Audit) and api/kyverno/v1/image_verification_types.go (`ImageVerification`,
 * `AttestorSet`, `Attestor`, `StaticKeyAttestor`, `KeylessAttestor` `Validate`). `mutateDigest`
 * defaults to true (its CRD default).
 */
function kyvernoVerifyImagesProblems(doc: any): string[] {
  const out: string[] = [];
  const policyAction = doc.spec?.validationFailureAction;
  const attestorSet = (set: any, at: string): void => {
    const entries = Array.isArray(set?.entries) ? set.entries : [];
    if (typeof set?.count === 'number' && set.count > entries.length) { out.push(`${at}/count: Count cannot exceed length of entries`); }
    if (entries.length === 0) { out.push(`${at}/entries: An entry is required`); }
    entries.forEach((e: any, k: number) => {
      const where = `${at}/entries/${k}`;
      const kinds = ['keys', 'certificates', 'keyless', 'attestor'].filter(x => e?.[x] !== undefined && e?.[x] !== null);
      if (kinds.length !== 1) { out.push(`${where}: keys, certificates, keyless, or a nested attestor is required (exactly one)`); }
      if (e?.keys && !e.keys.publicKeys && !e.keys.kms && !e.keys.secret) { out.push(`${where}/keys: A public key, kms key or secret is required`); }
      if (e?.certificates && !e.certificates.cert && !e.certificates.certChain) { out.push(`${where}/certificates: cert or certChain required`); }
      if (e?.keyless) {
        if (!e.keyless.rekor && !e.keyless.roots) { out.push(`${where}/keyless: Either Rekor URL or roots are required`); }
        if (e.keyless.rekor && !e.keyless.rekor.url) { out.push(`${where}/keyless/rekor: An URL is required`); }
      }
      if (e?.attestor) { attestorSet(e.attestor, `${where}/attestor`); }
    });
  };
  (doc.spec?.rules ?? []).forEach((rule: any, i: number) => (rule?.verifyImages ?? []).forEach((v: any, j: number) => {
    const at = `/spec/rules/${i}/verifyImages/${j}`;
    const action = v?.failureAction ?? policyAction;
    if (!KYVERNO_ENFORCE.includes(action) && (v?.mutateDigest ?? true)) {
      out.push(`${at}/mutateDigest: mutateDigest must be set to false for 'Audit' failure action (failureAction ${JSON.stringify(action ?? null)})`);
    }
    if (!v?.image && !(v?.imageReferences?.length > 0)) { out.push(`${at}: An image reference is required`); }
    (v?.attestors ?? []).forEach((set: any, k: number) => attestorSet(set, `${at}/attestors/${k}`));
  }));
  return out.map(line => `${line} (Kyverno's policy validation)`);
}

/** Patterns of the CRDs loaded so far that JavaScript could not compile (and so are not checked). */
export function droppedPatterns(): string[] {
  return [...dropped];
}

/** Every group with vendored CRDs (for tests). */
export function customResourceGroups(): string[] {
  return Object.keys(FILES_BY_GROUP);
}
