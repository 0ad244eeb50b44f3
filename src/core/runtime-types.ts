import { Errors } from './errors';

/**
 * Runtime checks of props that plain JavaScript, JSON-driven platforms and jsii languages
 * can pass with a type TypeScript forbids: a catalogued INVALID_TYPE error names the path,
 * the prop and the value, never a TypeError from deeper in the library or a silent default.
 */

/** `value`, when set, is a member of the string enum `members` (named `enumName`). */
export function checkEnum<T extends string>(path: string, field: string, value: unknown,
  members: { [key: string]: T }, enumName: string): T | undefined {
  if (value === undefined) { return undefined; }
  const values = Object.values(members) as unknown[];
  if (!values.includes(value)) {
    throw Errors.invalidType(path, field, value, `one of ${Object.keys(members).map(k => `${enumName}.${k}`).join(', ')}`);
  }
  return value as T;
}

/** A plain object (not null, not an array): a map prop such as `tags` or `secrets`. */
export function isPlainMap(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value`, when set, is a map; returns its entries. */
export function checkMap(path: string, field: string, value: unknown): Array<[string, unknown]> {
  if (value === undefined) { return []; }
  if (!isPlainMap(value)) { throw Errors.invalidType(path, field, value, 'a map of names to values'); }
  return Object.entries(value);
}

/** `value`, when set, is an array; returns it. */
export function checkArray(path: string, field: string, value: unknown): unknown[] {
  if (value === undefined) { return []; }
  if (!Array.isArray(value)) { throw Errors.invalidType(path, field, value, 'a list'); }
  return value;
}

/** `value`, when set, is a string. */
export function checkString(path: string, field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string') { throw Errors.invalidType(path, field, value, 'a string'); }
}

/** `value`, when set, is a boolean (not 'false' or 0, which would read as the opposite or be dropped). */
export function checkBoolean(path: string, field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') { throw Errors.invalidType(path, field, value, 'true or false'); }
}

/**
 * Whether two option values are equal: arrays and plain objects by content, anything else
 * (constructs, log drivers, secret sources, class instances) by identity.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) { return true; }
  if (Array.isArray(a) && Array.isArray(b)) { return a.length === b.length && a.every((v, i) => sameValue(v, b[i])); }
  const plain = (v: unknown) => isPlainMap(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));
  if (plain(a) && plain(b)) {
    const ka = Object.keys(a as object).filter(k => (a as any)[k] !== undefined);
    const kb = Object.keys(b as object).filter(k => (b as any)[k] !== undefined);
    return ka.length === kb.length && ka.every(k => sameValue((a as any)[k], (b as any)[k]));
  }
  return false;
}
