/**
 * Strict, independent validator for Docker Compose files, built on the Compose Specification
 * JSON schema (schemas/compose/compose-spec.json: compose-spec/compose-go v2.13.0, the schema
 * `docker compose` loads files with; draft 2020-12, compiled with ajv's Ajv2020 and
 * `strictTypes: false`, see schemas/SOURCES.md, compose/).
 *
 * On top of the schema, what it cannot say (compose-go's loader checks these when it builds the
 * project):
 * - every `depends_on` target, `network_mode: service:<x>`, `pid: service:<x>` and
 *   `volumes_from` names a service of the file; a service does not depend on itself; no cycles;
 * - every named volume a service mounts (`type: volume` or "name:/path") is declared in the
 *   top-level `volumes`, every config and secret it uses in `configs` / `secrets`;
 * - a service that joins another's network namespace publishes no ports and sets no
 *   `networks` / `hostname` (Docker: "conflicting options");
 * - `service_healthy` waits only on a service with a health check;
 * - every string is free of unescaped interpolation (`$` not followed by `$` or `{VAR:?`) when
 *   `strictInterpolation` is on: the library escapes every value it writes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';

const SCHEMA_FILE = process.env.CDK_SIDECARS_SCHEMAS
  ? path.join(process.env.CDK_SIDECARS_SCHEMAS, 'compose', 'compose-spec.json')
  : path.join(__dirname, 'schemas', 'compose', 'compose-spec.json');

let validator: ValidateFunction | undefined;

function load(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strictTypes: false, strict: false });
    validator = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf-8')));
  }
  return validator;
}

function joined(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith('service:') ? value.slice('service:'.length) : undefined;
}

/** Every problem of a Compose document (parsed), empty when valid. */
export function composeErrors(doc: any): string[] {
  const schema = load();
  const errors: string[] = [];
  // Not the type guard itself, which would narrow `doc` to unknown.
  const valid: boolean = schema(doc) as boolean;
  if (!valid) {
    for (const e of schema.errors ?? []) { errors.push(`schema: ${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`); }
    return errors;
  }
  const services: { [name: string]: any } = doc.services ?? {};
  const names = new Set(Object.keys(services));
  const declared = (kind: 'volumes' | 'configs' | 'secrets') => new Set(Object.keys(doc[kind] ?? {}));
  const volumes = declared('volumes');
  const configs = declared('configs');
  const secrets = declared('secrets');
  const deps = new Map<string, string[]>();
  for (const [name, s] of Object.entries(services)) {
    const dependsOn: string[] = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
    deps.set(name, dependsOn);
    for (const d of dependsOn) {
      if (!names.has(d)) { errors.push(`services.${name}.depends_on: ${d} is not a service`); }
      if (d === name) { errors.push(`services.${name}.depends_on: depends on itself`); }
      const condition = Array.isArray(s.depends_on) ? 'service_started' : s.depends_on[d]?.condition;
      if (condition === 'service_healthy' && names.has(d) && !services[d].healthcheck?.test) {
        errors.push(`services.${name}.depends_on.${d}: service_healthy, but ${d} has no health check`);
      }
    }
    for (const key of ['network_mode', 'pid', 'ipc']) {
      const target = joined(s[key]);
      if (target !== undefined) {
        if (!names.has(target)) { errors.push(`services.${name}.${key}: ${target} is not a service`); }
        if (!dependsOn.includes(target)) { errors.push(`services.${name}.${key}: joins ${target}, which it does not depend on (Compose would start it in any order)`); }
      }
    }
    if (joined(s.network_mode) !== undefined) {
      for (const key of ['ports', 'networks', 'hostname', 'expose', 'mac_address', 'dns']) {
        if (s[key] !== undefined) { errors.push(`services.${name}.${key}: set on a service with network_mode service:..., which Docker refuses (conflicting options)`); }
      }
    }
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0] : v.type === 'volume' ? v.source : undefined;
      if (source !== undefined && !source.startsWith('.') && !source.startsWith('/') && !source.startsWith('~') && !volumes.has(source)) {
        errors.push(`services.${name}.volumes: ${source} is not a declared volume`);
      }
    }
    for (const [kind, known] of [['configs', configs], ['secrets', secrets]] as const) {
      const targets = new Set<string>();
      for (const c of s[kind] ?? []) {
        const source = typeof c === 'string' ? c : c.source;
        if (!known.has(source)) { errors.push(`services.${name}.${kind}: ${source} is not declared in ${kind}`); }
        const target = typeof c === 'string' ? undefined : c.target;
        if (target !== undefined) {
          if (targets.has(target)) { errors.push(`services.${name}.${kind}: two mounted at ${target}`); }
          targets.add(target);
        }
      }
    }
  }
  // Cycles.
  const state = new Map<string, number>();
  const visit = (n: string, trail: string[]): void => {
    if (state.get(n) === 2) { return; }
    if (state.get(n) === 1) { errors.push(`depends_on cycle: ${[...trail, n].join(' -> ')}`); return; }
    state.set(n, 1);
    for (const d of deps.get(n) ?? []) { if (names.has(d)) { visit(d, [...trail, n]); } }
    state.set(n, 2);
  };
  for (const n of names) { visit(n, []); }
  // Interpolation: only `$$` (a literal "$") and `${VAR:?...}` (a required variable).
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'string') {
      const rest = v.replace(/\$\$/g, '').replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}/g, '');
      if (rest.includes('$')) { errors.push(`${at}: unescaped "$" (Compose would interpolate it): ${JSON.stringify(v.slice(0, 80))}`); }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${at}[${i}]`));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) { walk(x, `${at}.${k}`); }
    }
  };
  walk(doc, '');
  return errors;
}

/** Throws with every problem of a Compose document (parsed). */
export function validateCompose(doc: any): void {
  const errors = composeErrors(doc);
  if (errors.length) { throw new Error(`invalid Compose file:\n  ${errors.join('\n  ')}`); }
}

/** Parses the YAML text (YAML 1.2 core schema, as compose-go's yaml.v3) and validates it. Returns the document. */
export function validateComposeYaml(text: string): any {
  const doc = parse(text, { schema: 'core', uniqueKeys: true });
  validateCompose(doc);
  return doc;
}

/** Reads, parses and validates a Compose file. Returns the document. */
export function validateComposeFile(file: string): any {
  return validateComposeYaml(fs.readFileSync(file, 'utf-8'));
}
