/**
 * Runtime type checks of public props. Plain JavaScript users, JSON-driven platforms and
 * jsii languages can pass values the TypeScript types forbid (issue 10, section 2); each
 * construct checks its props with {@link checkPropTypes} before using them, so that a wrong
 * type ends in a catalogued error naming the construct path and the prop, never in a
 * TypeError from inside the library.
 */
import { Errors } from './errors';
import { FILE_NAME } from './names';
import { isUnresolved } from './tokens';
import { HostPathType, VolumeKind } from './volume';

/** What a prop must be at run time. */
export type PropType =
  | 'string' | 'number' | 'boolean' | 'object'
  | 'port' | 'count' | 'size'
  | 'array' | 'map'
  | 'stringArray' | 'objectArray' | 'portArray' | 'stringMap' | 'objectMap'
  | { readonly enum: object }
  | { readonly enumArray: object }
  | NestedType;

/**
 * A nested prop: a struct (`struct`), a list of structs (`each`) or a map whose values are
 * structs (`values`), with the types of the struct's fields; errors name the full path as the
 * user wrote it, e.g. `outputs[1].port` or `secretEnv.TOKEN.key` (issue 10, section 2).
 */
export type NestedType =
  | { readonly struct: PropTypes; readonly required?: string[] }
  | { readonly each: PropTypes; readonly required?: string[] }
  | { readonly values: PropTypes; readonly required?: string[] };

/** The props of a construct and the type each must have (a prop left undefined is not checked). */
export type PropTypes = { readonly [prop: string]: PropType };

/** A plain object (not null, not an array): a struct or a map prop such as `tags` or `secrets`. */
export function isPlainMap(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
const isObject = isPlainMap;

function checkOne(path: string, field: string, value: unknown, type: PropType): void {
  // A CDK token passes as a string (checked and rendered further on); anything else must be
  // known at synthesis, and the catalogue gives a token its own error (errors.ts TOKEN_CHECKS).
  if (type !== 'string' && isUnresolved(value)) {
    throw type === 'port' || type === 'portArray' ? Errors.invalidPort(path, field, value)
      : type === 'number' || type === 'count' ? Errors.invalidNumber(path, field, value, 'a literal number')
        : Errors.invalidType(path, field, value, 'a literal value');
  }
  if (typeof type === 'object' && 'struct' in type) {
    checkPropTypes(path, value, type.struct, type.required, `${field}.`);
    return;
  }
  if (typeof type === 'object' && 'each' in type) {
    checkOne(path, field, value, 'objectArray');
    (value as unknown[]).forEach((v, i) => checkPropTypes(path, v, type.each, type.required, `${field}[${i}].`));
    return;
  }
  if (typeof type === 'object' && 'values' in type) {
    checkOne(path, field, value, 'objectMap');
    for (const [k, v] of Object.entries(value as object)) { checkPropTypes(path, v, type.values, type.required, `${field}.${k}.`); }
    return;
  }
  if (typeof type === 'object') {
    const members = Object.values('enum' in type ? type.enum : type.enumArray);
    // Written only for an error: most values are members.
    const expected = () => `one of ${members.map(m => JSON.stringify(m)).join(', ')}`;
    if ('enum' in type) {
      if (!members.includes(value)) { throw Errors.invalidType(path, field, value, expected()); }
      return;
    }
    if (!Array.isArray(value)) { throw Errors.invalidType(path, field, value, `an array of ${expected()}`); }
    value.forEach((v, i) => { if (!members.includes(v)) { throw Errors.invalidType(path, `${field}[${i}]`, v, expected()); } });
    return;
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') { throw Errors.invalidType(path, field, value, 'a string'); }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') { throw Errors.invalidType(path, field, value, 'a boolean (true or false)'); }
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) { throw Errors.invalidType(path, field, value, 'a finite number'); }
      return;
    case 'port':
      if (typeof value !== 'number' || !Number.isFinite(value)) { throw Errors.invalidType(path, field, value, 'a port number (an integer from 1 to 65535)'); }
      if (!Number.isInteger(value) || value < 1 || value > 65535) { throw Errors.invalidPort(path, field, value); }
      return;
    case 'count':
      if (typeof value !== 'number' || !Number.isFinite(value)) { throw Errors.invalidType(path, field, value, 'an integer >= 0'); }
      if (!Number.isInteger(value) || value < 0 || value > 2147483647) { throw Errors.invalidNumber(path, field, value, 'an integer from 0 to 2147483647'); }
      return;
    case 'size':
      if (typeof value !== 'number' || !Number.isFinite(value)) { throw Errors.invalidType(path, field, value, 'an integer >= 1'); }
      if (!Number.isInteger(value) || value < 1 || value > 2147483647) { throw Errors.invalidNumber(path, field, value, 'an integer from 1 to 2147483647'); }
      return;
    case 'object':
      if (!isObject(value)) { throw Errors.invalidType(path, field, value, 'an object'); }
      return;
    case 'map':
      if (!isObject(value)) { throw Errors.invalidType(path, field, value, 'a map of names to values'); }
      return;
    case 'array':
      if (!Array.isArray(value)) { throw Errors.invalidType(path, field, value, 'a list'); }
      return;
    case 'stringArray':
    case 'objectArray':
    case 'portArray': {
      const element = type === 'stringArray' ? 'string' : type === 'objectArray' ? 'object' : 'port';
      if (!Array.isArray(value)) { throw Errors.invalidType(path, field, value, `an array of ${element}s`); }
      value.forEach((v, i) => checkOne(path, `${field}[${i}]`, v, element));
      return;
    }
    case 'stringMap':
    case 'objectMap': {
      const element = type === 'stringMap' ? 'string' : 'object';
      if (!isObject(value)) { throw Errors.invalidType(path, field, value, `an object whose values are ${element}s`); }
      for (const [k, v] of Object.entries(value as object)) { checkOne(path, `${field}.${k}`, v, element); }
      return;
    }
  }
}

/**
 * Checks the runtime type of each prop named in `types`; `required` props must be set.
 * A prop that is undefined is left to the construct's defaults; null is refused (it is
 * not "unset" in the TypeScript types, and silently treating it as unset would drop it).
 */
export function checkPropTypes(path: string, props: unknown, types: PropTypes, required: string[] = [], prefix = ''): void {
  if (!isObject(props)) { throw Errors.invalidType(path, prefix ? prefix.slice(0, -1) : 'props', props, 'an object'); }
  const p = props as { [k: string]: unknown };
  // Keys, not entries: a pair array per prop was the larger part of checking a sidecar's props.
  for (const prop of Object.keys(types)) {
    const type = types[prop];
    const value = p[prop];
    if (value === undefined) {
      if (required.includes(prop)) { throw Errors.invalidType(path, prefix + prop, value, describe(type)); }
      continue;
    }
    checkOne(path, prefix + prop, value, type);
  }
}

function describe(type: PropType): string {
  if (typeof type === 'object' && ('struct' in type || 'values' in type)) { return 'an object'; }
  if (typeof type === 'object' && 'each' in type) { return 'an array of objects'; }
  if (typeof type === 'object') { return 'enum' in type ? 'one of its enum\'s values' : 'an array of its enum\'s values'; }
  return {
    string: 'a string',
    number: 'a finite number',
    boolean: 'a boolean',
    object: 'an object',
    map: 'a map of names to values',
    array: 'a list',
    port: 'a port number',
    count: 'an integer >= 0',
    size: 'an integer >= 1',
    stringArray: 'an array of strings',
    objectArray: 'an array of objects',
    portArray: 'an array of port numbers',
    stringMap: 'an object of strings',
    objectMap: 'an object of objects',
  }[type];
}

/**
 * The fields of a ResourceRequirements struct: whole, positive millicores and MiB (the model
 * refuses 0 too, core/resolve.ts). Kubernetes takes no CPU precision finer than 1m
 * (kubernetes.io/docs/concepts/configuration/manage-resources-containers, "CPU resource units"),
 * ECS container `cpu` and `memory` are integers (AWS::ECS::TaskDefinition ContainerDefinition),
 * and a NaN or infinite size renders nonsense on every platform.
 */
export const RESOURCE_TYPES: PropTypes = {
  cpuRequestMillicores: 'size',
  cpuLimitMillicores: 'size',
  memoryRequestMebibytes: 'size',
  memoryLimitMebibytes: 'size',
  ephemeralStorageRequestMebibytes: 'size',
  ephemeralStorageLimitMebibytes: 'size',
};

/** Runtime types of a volume's fields (a `SidecarVolume`, as `overrides.volumes` and `Sidecar`'s `volumes` take it). */
export const VOLUME_TYPES: PropTypes = {
  name: 'string',
  kind: { enum: VolumeKind },
  mountPath: 'string',
  readOnly: 'boolean',
  sizeLimitMebibytes: 'size',
  secretName: 'string',
  claimName: 'string',
  csiDriver: 'string',
  csiAttributes: 'stringMap',
  fsType: 'string',
  claimSizeMebibytes: 'size',
  storageClassName: 'string',
  hostPath: 'string',
  hostPathType: { enum: HostPathType },
  allowHostPath: 'boolean',
};

/** A SecretKeyReference struct (both fields required). */
export const SECRET_REF: NestedType = { struct: { secretName: 'string', key: 'string' }, required: ['secretName', 'key'] };
/** A map whose values are SecretKeyReference structs. */
export const SECRET_REF_MAP: NestedType = { values: { secretName: 'string', key: 'string' }, required: ['secretName', 'key'] };

/** A Kubernetes Secret name: a DNS subdomain (the rule core/resolve.ts applies to env secrets). */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * The values of a SecretKeyReference the user gave as `field` (after its type check): a Secret
 * name Kubernetes takes (a DNS subdomain) and a key it takes (a file name of at most 253
 * characters, not "." or "..": Secret data keys are the files of a mounted Secret,
 * kubernetes/apimachinery validation IsConfigMapKey). Named as written
 * (`secretEnv.TOKEN.key`), not under the model's `env[0].secret.key`.
 */
export function checkSecretRef(path: string, field: string, ref: unknown): void {
  if (!isPlainMap(ref)) { return; }
  if (typeof ref.secretName === 'string' && !SECRET_NAME.test(ref.secretName)) { throw Errors.invalidSecretName(path, `${field}.secretName`, ref.secretName); }
  if (typeof ref.key === 'string' && (!FILE_NAME.test(ref.key) || ref.key === '.' || ref.key === '..' || ref.key.length > 253)) {
    throw Errors.invalidSecretKey(path, `${field}.key`, ref.key, 'Kubernetes keeps');
  }
}

// Single props, for code that checks one value at a time (binders' options, nested fields).
// Each leaves undefined alone and goes through the same checks as checkPropTypes.

/** `value`, when set, is a member of the string enum `members` (named `enumName` in the message). */
export function checkEnum<T extends string>(path: string, field: string, value: unknown,
  members: { [key: string]: T }, enumName: string): T | undefined {
  if (value === undefined) { return undefined; }
  if (!(Object.values(members) as unknown[]).includes(value)) {
    throw Errors.invalidType(path, field, value, `one of ${Object.keys(members).map(k => `${enumName}.${k}`).join(', ')}`);
  }
  return value as T;
}

/** `value`, when set, is a map; returns its entries. */
export function checkMap(path: string, field: string, value: unknown): Array<[string, unknown]> {
  if (value === undefined) { return []; }
  checkOne(path, field, value, 'map');
  return Object.entries(value as object);
}

/** `value`, when set, is an array; returns it. */
export function checkArray(path: string, field: string, value: unknown): unknown[] {
  if (value === undefined) { return []; }
  checkOne(path, field, value, 'array');
  return value as unknown[];
}

/** `value`, when set, is an object (a struct prop). */
export function checkObject(path: string, field: string, value: unknown): void {
  if (value !== undefined) { checkOne(path, field, value, 'object'); }
}

/** `value`, when set, is a string. */
export function checkString(path: string, field: string, value: unknown): void {
  if (value !== undefined) { checkOne(path, field, value, 'string'); }
}

/** `value`, when set, is a boolean (not 'false' or 0, which would read as the opposite or be dropped). */
export function checkBoolean(path: string, field: string, value: unknown): void {
  if (value !== undefined) { checkOne(path, field, value, 'boolean'); }
}

/**
 * Whether two option values are equal: arrays, plain objects and value objects (instances of
 * one class, such as two `SecretSource.fromSecretsManager(secret)` or two
 * `LogDrivers.awsLogs({ ... })` calls with equal arguments) by content; constructs (anything
 * with a construct `node`), functions and everything else by identity.
 */
export function sameValue(a: unknown, b: unknown, seen: Array<[unknown, unknown]> = []): boolean {
  if (a === b) { return true; }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) { return false; }
  if (seen.some(([x, y]) => x === a && y === b)) { return true; }
  const pairs: Array<[unknown, unknown]> = [...seen, [a, b]];
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i], pairs));
  }
  const proto = Object.getPrototypeOf(a);
  if (proto !== Object.getPrototypeOf(b)) { return false; }
  const construct = (v: object) => 'node' in v;
  if (construct(a) || construct(b)) { return false; }
  const ka = Object.keys(a).filter(k => (a as any)[k] !== undefined);
  const kb = Object.keys(b).filter(k => (b as any)[k] !== undefined);
  return ka.length === kb.length && ka.every(k => Object.prototype.hasOwnProperty.call(b, k) && sameValue((a as any)[k], (b as any)[k], pairs));
}

const GIVEN = new WeakMap<object, unknown>();

/** Remembers the props a sidecar was given, so a binder can name the prop behind a rendered value. */
export function rememberProps(sidecar: object, props: unknown): void {
  GIVEN.set(sidecar, props);
}

/** The props a sidecar was given (see rememberProps), or undefined. */
export function givenProps(sidecar: object): unknown {
  return GIVEN.get(sidecar);
}
