/**
 * Strict, independent validator for seccomp profiles of the kind a Kubernetes `Localhost`
 * seccompProfile names (a JSON file under the kubelet's seccomp root) and a Security Profiles
 * Operator `SeccompProfile` carries in its spec.
 *
 * Built on the OCI runtime-spec v1.3.0 schema (schemas/seccomp/config-linux.json,
 * defs-linux.json, defs.json; draft-04, compiled with ajv-draft-04), at
 * `config-linux.json#/linux/properties/seccomp`, with every object that lists `properties` closed:
 * containerd reads a localhost profile straight into the runtime-spec `LinuxSeccomp` struct
 * (Docker-only keys such as `archMap`, `includes`, `excludes`, `comment` would be ignored there,
 * so a conditional rule would apply unconditionally). See schemas/SOURCES.md, seccomp/.
 *
 * One check beyond the schema: every syscall name must be one that Moby's default profile
 * (schemas/seccomp/moby-default.json, seccomp/v0.2.3) names. runc skips a rule's names that
 * libseccomp does not know, so a misspelt name would silently not be filtered.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ErrorObject, ValidateFunction } from 'ajv';
import Ajv04 from 'ajv-draft-04';

const DIR = path.join(__dirname, 'schemas', 'seccomp');

/** Deep copy with every object schema that has `properties` and no `additionalProperties` closed. */
function closed(s: any): any {
  if (Array.isArray(s)) { return s.map(closed); }
  if (s === null || typeof s !== 'object') { return s; }
  const out: any = {};
  for (const [k, v] of Object.entries<any>(s)) { out[k] = k === 'properties' ? Object.fromEntries(Object.entries<any>(v).map(([p, ps]) => [p, closed(ps)])) : closed(v); }
  if (s.properties && s.additionalProperties === undefined) { out.additionalProperties = false; }
  return out;
}

let validator: ValidateFunction | undefined;
let knownSyscalls: Set<string> | undefined;

function load(): { validate: ValidateFunction; known: Set<string> } {
  if (!validator || !knownSyscalls) {
    const ajv = new Ajv04({ allErrors: true, strict: false });
    for (const file of ['defs.json', 'defs-linux.json', 'config-linux.json']) {
      ajv.addSchema(closed(JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'))), file);
    }
    validator = ajv.compile({ $ref: 'config-linux.json#/linux/properties/seccomp' });
    const moby = JSON.parse(fs.readFileSync(path.join(DIR, 'moby-default.json'), 'utf8'));
    knownSyscalls = new Set<string>((moby.syscalls as any[]).flatMap(r => r.names));
  }
  return { validate: validator, known: knownSyscalls };
}

function formatError(e: ErrorObject): string {
  const where = e.instancePath || '(root)';
  if (e.keyword === 'additionalProperties') { return `${e.instancePath}/${e.params.additionalProperty}: unknown field "${e.params.additionalProperty}"`; }
  if (e.keyword === 'enum') { return `${where}: ${e.message}: ${(e.params.allowedValues as unknown[]).join(', ')}`; }
  return `${where}: ${e.message}`;
}

/** Every problem of a seccomp profile (parsed JSON), one line each; empty when valid. */
export function seccompProfileErrors(profile: unknown): string[] {
  const { validate, known } = load();
  const problems: string[] = [];
  if (!validate(profile)) { problems.push(...new Set((validate.errors ?? []).map(formatError))); }
  const rules = (profile as any)?.syscalls;
  if (Array.isArray(rules)) {
    rules.forEach((r: any, i: number) => (Array.isArray(r?.names) ? r.names : []).forEach((n: unknown, j: number) => {
      if (typeof n === 'string' && !known.has(n)) { problems.push(`/syscalls/${i}/names/${j}: "${n}" is not a syscall Moby's default profile names (runc would skip it)`); }
    }));
  }
  return problems;
}

/** Parses and validates a seccomp profile file's text; throws with every problem, returns the profile. */
export function validateSeccompProfile(text: string): any {
  let profile: unknown;
  try {
    profile = JSON.parse(text);
  } catch (e) {
    throw new Error(`seccomp profile: not JSON: ${(e as Error).message}`);
  }
  const problems = seccompProfileErrors(profile);
  if (problems.length) { throw new Error(`${problems.length} problem(s) in seccomp profile:\n  ${problems.join('\n  ')}`); }
  return profile;
}
