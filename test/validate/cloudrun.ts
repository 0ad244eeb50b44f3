/**
 * Strict, independent validator for Google Cloud Run service YAML (`serving.knative.dev/v1`
 * Service for `gcloud run services replace`), against BOTH:
 * - the Cloud Run Admin API v1 Google Discovery document (schemas/knative-cloudrun/
 *   cloud-run-v1-run-api.json, `run:v1` revision 20260612, google-api-go-client v0.286.0; see
 *   schemas/SOURCES.md). A Discovery document is not JSON Schema; it is translated here:
 *   - a bare `$ref: "Name"` becomes `#/definitions/Name`;
 *   - an object schema with `properties` and no `additionalProperties` is closed (unknown
 *     fields are errors); maps keep their `additionalProperties: {type: string}`;
 *   - a property whose description starts with "Required." is required (the document has no
 *     `required` keyword), except `ObjectMeta.namespace`, which gcloud fills with the project;
 *   - `readOnly: true` (output) fields are refused in input;
 *   - Discovery formats: `int32` bounds the integer, `int64` is a decimal string, the
 *     google-* formats and `byte` are strings; `type: any` accepts anything;
 * - the Knative Serving Service CRD (crd.ts, group serving.knative.dev).
 * Plus what the schemas leave to descriptions: `run.googleapis.com/*` annotations on the
 * revision template must be ones the `ObjectMeta.annotations` description lists for a Revision,
 * `run.googleapis.com/container-dependencies` must be a JSON map of container names to lists of
 * container names of the revision, and exactly one container has a port ("Only a single port
 * can be specified", Container.ports; one ingress container per revision).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { customResourceErrors } from './crd';

const FILE = path.join(__dirname, 'schemas', 'knative-cloudrun', 'cloud-run-v1-run-api.json');

function translate(schema: any, inProperties = false): any {
  if (Array.isArray(schema)) { return schema.map(s => translate(s)); }
  if (!schema || typeof schema !== 'object') { return schema; }
  if (inProperties) {
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, translate(v)]));
  }
  if (typeof schema.$ref === 'string') { return { $ref: `#/definitions/${schema.$ref}` }; }
  if (schema.readOnly === true) { return { not: {}, description: 'output only (readOnly)' }; }
  const out: any = {};
  switch (schema.type) {
    case 'any': return {};
    case 'integer':
      out.type = 'integer';
      if (schema.format === 'int32') { out.minimum = -2147483648; out.maximum = 2147483647; }
      break;
    case 'string':
      out.type = 'string';
      if (schema.format === 'int64') { out.pattern = '^-?[0-9]+$'; }
      if (Array.isArray(schema.enum)) { out.enum = schema.enum; }
      break;
    case undefined: break;
    default: out.type = schema.type;
  }
  if (schema.items) { out.items = translate(schema.items); }
  if (schema.properties) {
    out.properties = translate(schema.properties, true);
    const required = Object.entries(schema.properties)
      .filter(([, v]: [string, any]) => typeof v?.description === 'string' && v.description.startsWith('Required.'))
      .map(([k]) => k)
      // ObjectMeta.namespace says "Required." (the project), but gcloud run services replace fills it in from the
      // project it deploys to, and a revision template's metadata has none: the file leaves it out (CloudRunServiceProps.project).
      .filter(k => !(schema.id === 'ObjectMeta' && k === 'namespace'));
    if (required.length) { out.required = required; }
  }
  if (schema.additionalProperties !== undefined) {
    out.additionalProperties = translate(schema.additionalProperties);
  } else if (schema.type === 'object' && schema.properties) {
    out.additionalProperties = false;
  }
  return out;
}

let validate: ValidateFunction | undefined;
let revisionAnnotations: Set<string> | undefined;

function load(): ValidateFunction {
  if (validate) { return validate; }
  const doc = JSON.parse(fs.readFileSync(FILE, 'utf-8'));
  const definitions = Object.fromEntries(Object.entries(doc.schemas).map(([k, v]) => [k, translate(v)]));
  const ajv = new Ajv({ allErrors: true, strict: false });
  validate = ajv.compile({ $ref: '#/definitions/Service', definitions });
  // "* `run.googleapis.com/cpu-throttling`: Revision." in the ObjectMeta.annotations description.
  const text: string = doc.schemas.ObjectMeta.properties.annotations.description;
  revisionAnnotations = new Set([...text.matchAll(/`((?:run\.googleapis\.com|autoscaling\.knative\.dev)\/[A-Za-z-]+)`: ([^*`]*)/g)]
    .filter(m => /Revision|All resources/.test(m[2])).map(m => m[1]));
  return validate;
}

/** Problems of one Cloud Run Service document: `/json/pointer: message (source)`. */
export function cloudRunServiceErrors(doc: any): string[] {
  const v = load();
  const problems: string[] = [];
  if (!v(doc)) {
    for (const e of v.errors ?? []) {
      const extra = e.keyword === 'additionalProperties' ? ` "${e.params.additionalProperty}"` : e.keyword === 'required' ? ` "${e.params.missingProperty}"` : '';
      problems.push(`${e.instancePath || '(root)'}: ${e.message}${extra} (run-api.json)`);
    }
  }
  if (doc?.apiVersion !== 'serving.knative.dev/v1' || doc?.kind !== 'Service') {
    problems.push('(root): not a serving.knative.dev/v1 Service');
  }
  // Service.status is what Cloud Run observes (output), never part of what is deployed.
  if (doc?.status !== undefined) { problems.push('/status: output only (the observed state), not part of a service to deploy'); }
  for (const p of customResourceErrors(doc) ?? []) { problems.push(`${p} (Knative CRD)`); }
  const annotations = doc?.spec?.template?.metadata?.annotations ?? {};
  for (const key of Object.keys(annotations)) {
    if (/^(run\.googleapis\.com|autoscaling\.knative\.dev)\//.test(key) && !revisionAnnotations!.has(key)) {
      problems.push(`/spec/template/metadata/annotations/${key}: not an annotation Cloud Run takes on a Revision`);
    }
  }
  const containers: any[] = doc?.spec?.template?.spec?.containers ?? [];
  const names = new Set(containers.map(c => c.name));
  const deps = annotations['run.googleapis.com/container-dependencies'];
  if (deps !== undefined) {
    let map: any;
    try { map = JSON.parse(deps); } catch { problems.push('container-dependencies: not JSON'); }
    if (map !== undefined) {
      for (const [from, to] of Object.entries(map)) {
        if (!names.has(from)) { problems.push(`container-dependencies: ${from} is not a container`); }
        if (!Array.isArray(to) || to.some(t => !names.has(t) || t === from)) { problems.push(`container-dependencies: ${from}: ${JSON.stringify(to)} is not a list of other containers`); }
      }
    }
  }
  const withPorts = containers.filter(c => c.ports?.length);
  if (withPorts.length !== 1) { problems.push(`/spec/template/spec/containers: ${withPorts.length} containers have a port; exactly one (the ingress container) must`); }
  if (withPorts.some(c => c.ports.length > 1)) { problems.push('/spec/template/spec/containers: the ingress container has more than one port'); }
  if (containers.length > 1 && containers.some(c => c.resources?.limits?.cpu === undefined)) {
    problems.push('/spec/template/spec/containers: every container of a multi-container service needs resources.limits.cpu');
  }
  return problems;
}

export function validateCloudRunService(doc: any): void {
  const problems = cloudRunServiceErrors(doc);
  if (problems.length) { throw new Error(`Cloud Run service ${doc?.metadata?.name} is invalid:\n  ${problems.join('\n  ')}`); }
}

/** Validates a `<service>.cloudrun.yaml` file (one document). */
export function validateCloudRunYamlFile(file: string): void {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf-8'));
  if (docs.length !== 1) { throw new Error(`${file}: expected one YAML document, found ${docs.length}`); }
  if (docs[0].errors.length) { throw new Error(`${file}: ${docs[0].errors.map(e => e.message).join('; ')}`); }
  validateCloudRunService(docs[0].toJS());
}
