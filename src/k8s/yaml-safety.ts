import { Yaml } from 'cdk8s';
import { ComposedPod } from '../core/composition';
import { ISidecar } from '../core/contribution';
import { Errors } from '../core/errors';
import { propStrings } from '../core/names';
import { givenProps } from '../core/prop-types';

/**
 * Kubernetes manifests are written by cdk8s, as YAML 1.1 through the `yaml` package
 * (cdk8s lib/yaml.ts: `version: '1.1'`), and read by kubectl through sigs.k8s.io/yaml, whose
 * YAML reader is a fork of go-yaml v2. The two disagree on some plain scalars: go-yaml v2 reads
 * a plain scalar that starts with a digit or a sign through Go's strconv (base prefixes `0o`,
 * `0O`, `0X`, `0B`; underscores dropped first), which the YAML 1.1 writer does not take for
 * numbers and so leaves unquoted. `env: [{value: "0o17"}]` is written `value: 0o17` and
 * kubectl sends the number 15, which the API server refuses for a string field. cdk8s offers
 * no way to quote one value, so the binder refuses such a value in what the library adds to
 * the manifests, with the field and the reason.
 */

/**
 * What go-yaml v2 (2.4, resolve.go) resolves an untagged plain scalar to, as a value. (`<<` is
 * a merge key only as a key; as a value it decodes to the string.)
 */
export type GoYamlType = 'str' | 'int' | 'float' | 'bool' | 'null';

const MAP = new Map<string, GoYamlType>();
for (const [type, words] of [
  ['bool', ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']],
  ['null', ['', '~', 'null', 'Null', 'NULL']],
  ['float', ['.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF']],
] as Array<[GoYamlType, string[]]>) {
  for (const w of words) { MAP.set(w, type); }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** Go's strconv.ParseInt(s, 0, 64) (bitSize 64, underscores already removed): the value, or undefined. */
function parseGoInt(s: string, signed: boolean): bigint | undefined {
  const m = /^([-+]?)([\s\S]*)$/.exec(s)!;
  const sign = m[1];
  if (sign && !signed) { return undefined; }
  const body = m[2];
  let digits: string;
  let radix: number;
  if (/^0[xX]/.test(body)) { digits = body.slice(2); radix = 16; } else if (/^0[oO]/.test(body)) { digits = body.slice(2); radix = 8; } else if (/^0[bB]/.test(body)) { digits = body.slice(2); radix = 2; } else if (/^0./.test(body)) { digits = body.slice(1); radix = 8; } else { digits = body; radix = 10; }
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }[radix]!;
  if (!valid.test(digits)) { return undefined; }
  let v = 0n;
  for (const c of digits) { v = v * BigInt(radix) + BigInt(parseInt(c, 16)); }
  if (sign === '-') { v = -v; }
  if (signed ? (v < INT64_MIN || v > INT64_MAX) : v > UINT64_MAX) { return undefined; }
  return v;
}

/** Go's strconv.ParseFloat(s, 64) for the decimal forms go-yaml v2 hands it: undefined on a syntax or range error. */
function parseGoDecimalFloat(s: string): number | undefined {
  if (!/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) { return undefined; }
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * The type go-yaml v2 gives an untagged plain scalar (resolve.go, `resolve("", in)`): the
 * resolve table, then for a leading `.` ParseFloat, for a leading digit or sign ParseInt and ParseUint with base 0 of the scalar without underscores, a YAML-style float, and
 * the `0b`/`-0b` forms read with base 2.
 */
export function goYamlV2Type(value: string): GoYamlType {
  const mapped = MAP.get(value);
  if (mapped !== undefined) { return mapped; }
  const first = value[0];
  if (first === '.') {
    return parseGoDecimalFloat(value) !== undefined ? 'float' : 'str';
  }
  if (!/^[-+0-9]/.test(value)) { return 'str'; }
  // (go-yaml v2 tries timestamps here; a YYYY-... scalar is no number, and sigs.k8s.io/yaml
  // gets timestamps as strings, so they are left out.)
  const plain = value.replace(/_/g, '');
  if (parseGoInt(plain, true) !== undefined || parseGoInt(plain, false) !== undefined) { return 'int'; }
  if (parseGoDecimalFloat(plain) !== undefined) { return 'float'; }
  if (plain.startsWith('0b')) {
    const rest = plain.slice(2);
    if (/^[-+]?[01]+$/.test(rest) && (parseGoInt(`${rest[0] === '-' || rest[0] === '+' ? rest[0] : ''}0b${rest.replace(/^[-+]/, '')}`, true) !== undefined
      || parseGoInt(`0b${rest}`, false) !== undefined)) { return 'int'; }
  } else if (plain.startsWith('-0b')) {
    const rest = plain.slice(3);
    if (/^[01]+$/.test(rest) && parseGoInt(`-0b${rest}`, true) !== undefined) { return 'int'; }
  }
  return 'str';
}

/** Whether cdk8s writes `value` as a plain (unquoted) scalar. */
export function cdk8sWritesPlain(value: string): boolean {
  return !/^["'|>]/.test(Yaml.stringify(value));
}

const MISREADS = new Map<string, boolean>();

/** Whether kubectl reads `value`, written by cdk8s, as something else than that string. */
export function kubectlMisreads(value: string): boolean {
  // Remembered: the same values (ports, sizes, versions) come back in every workload, and
  // asking cdk8s's writer is the costly part.
  let known = MISREADS.get(value);
  if (known === undefined) {
    known = goYamlV2Type(value) !== 'str' && cdk8sWritesPlain(value);
    if (MISREADS.size >= 10_000) { MISREADS.clear(); }
    MISREADS.set(value, known);
  }
  return known;
}

/** Every string of `value` with its JSON path. */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') { yield [path, value]; return; }
  if (Array.isArray(value)) { for (let i = 0; i < value.length; i++) { yield* strings(value[i], `${path}[${i}]`); } return; }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (mayMisread(k) && kubectlMisreads(k)) { yield [`${path}.${k} (key)`, k]; }
      yield* strings(v, path ? `${path}.${k}` : k);
    }
  }
}

/**
 * Whether a string may be misread at all: cdk8s quotes every YAML 1.1 boolean and null word
 * (`yes`, `on`, `~`, ...), so only a scalar that starts like a number (a sign, a dot or a digit:
 * go-yaml v2's resolve table) can be written plain and read as something else. A cheap test
 * made on every string of every workload before the exact one.
 */
function mayMisread(s: string): boolean {
  const c = s.charCodeAt(0);
  return c === 43 || c === 45 || c === 46 || (c >= 48 && c <= 57);
}

/** The strings (values and keys) of `value` that kubectl would misread, into `hits`. */
function collectMisread(value: unknown, hits: Set<string>): void {
  if (typeof value === 'string') {
    if (mayMisread(value) && kubectlMisreads(value)) { hits.add(value); }
  } else if (Array.isArray(value)) {
    for (const v of value) { collectMisread(v, hits); }
  } else if (value && typeof value === 'object') {
    for (const k in value) {
      if (mayMisread(k) && kubectlMisreads(k)) { hits.add(k); }
      collectMisread((value as { [k: string]: unknown })[k], hits);
    }
  }
}

/** Every string of a JSON value. */
function allStrings(value: unknown, into: Set<string>): Set<string> {
  for (const [, s] of strings(value, '')) { into.add(s); }
  return into;
}

/**
 * Refuses a string the library added to a workload (or a ConfigMap it makes) that kubectl
 * would read as a number or a boolean. Strings of `original()` (the workload's JSON as written,
 * asked for only when something is found) are the user's own (cdk8s writes them the same way
 * with or without sidecars) and are left alone.
 * @returns whether such a string was let through because the workload's own JSON has it
 */
export function checkKubectlReadsStrings(workloadPath: string, composed: ComposedPod, original: () => unknown, after: unknown, where: string,
  sidecars: readonly ISidecar[], ownerPath?: string): boolean {
  const hits = new Set<string>();
  collectMisread(after, hits);
  if (hits.size === 0) { return false; }
  const own = allStrings(original(), new Set());
  for (const [field, value] of strings(after, where)) {
    if (!hits.has(value) || own.has(value)) { continue; }
    // Named by the prop the user wrote it in, where a sidecar's props hold it.
    for (const sidecar of sidecars) {
      const prop = propStrings(givenProps(sidecar)).find(([, v]) => v === value)?.[0];
      if (prop !== undefined) {
        throw Errors.unrepresentableValue(sidecar.node.path, prop, value, 'a Kubernetes manifest', why(value), FIX);
      }
    }
    const { container, env } = locate(after, field, where);
    const owner = composed.containers.find(c => c.name === container)?.owner.path ?? ownerPath ?? workloadPath;
    const context = [container && `container "${container}"`, env && `variable ${env}`].filter(Boolean).join(', ');
    throw Errors.unrepresentableValue(owner, context ? `${field} (${context})` : field, value, 'a Kubernetes manifest', why(value), FIX);
  }
  return true;
}

const FIX = 'Write the value another way (e.g. a decimal "15" for "0o17"), or give it to the container in a Secret, whose data is base64';

function why(value: string): string {
  return `cdk8s writes manifests as YAML 1.1 and leaves it unquoted, and kubectl (go-yaml v2 through sigs.k8s.io/yaml) reads it as ${article(goYamlV2Type(value))}, `
    + 'which the API server refuses for a string field';
}


function article(type: GoYamlType): string {
  return { int: 'an integer', float: 'a floating-point number', bool: 'a boolean', null: 'null', str: 'a string' }[type];
}

/** The container a JSON path points into, and the variable when it points into `env`. */
function locate(root: unknown, field: string, where: string): { container?: string; env?: string } {
  const parts = field.slice(where.length).split(/\.|(?=\[)/).filter(Boolean);
  let node: any = root;
  let container: string | undefined;
  let env: string | undefined;
  let parent: string | undefined;
  for (const p of parts) {
    const index = /^\[(\d+)\]$/.exec(p);
    node = index ? node?.[Number(index[1])] : node?.[p];
    if (node && typeof node === 'object' && typeof node.name === 'string') {
      if (typeof node.image === 'string') { container = node.name; } else if (parent === 'env') { env = node.name; }
    }
    if (!index) { parent = p; }
  }
  return { container, env };
}
