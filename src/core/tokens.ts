/**
 * CDK tokens, recognised without importing aws-cdk-lib or cdk8s (the core is
 * platform-neutral and both libraries are optional peers).
 *
 * Why a pure function over the encodings rather than a recogniser each binder passes in:
 * sidecars check their props in their constructors, before any binder sees them, and one
 * sidecar may be bound to several platforms. The encodings are stable public behaviour of
 * aws-cdk-lib (packages/aws-cdk-lib/core/lib/private/encoding.ts: BEGIN_STRING_TOKEN_MARKER
 * "${Token[", BEGIN_LIST_TOKEN_MARKER "#{Token[", END_TOKEN_MARKER "]}", VALID_KEY_CHARS
 * "a-zA-Z0-9:._-", DOUBLE_TOKEN_MARKER_BITS 0xFBFF0000 in the high word of a double, i.e.
 * numbers near -1.8881545897087626e+289, STRINGIFIED_NUMBER_PATTERN "-1\.\d{10,16}e\+289";
 * token.ts isResolvableObject: an object with a resolve() function). cdk8s has no string
 * encoding: its `Lazy` is an object with a produce() function (cdk8s lib/lazy.ts), resolved by
 * ApiObject.toJson(). test/core/tokens.test.ts checks these against aws-cdk-lib's real output.
 */

const KEY = '[a-zA-Z0-9:._-]+';
const STRING_TOKEN = new RegExp(`\\$\\{Token\\[${KEY}\\]\\}`);
const LIST_TOKEN = new RegExp(`#\\{Token\\[${KEY}\\]\\}`);
const STRINGIFIED_NUMBER = /-1\.\d{10,16}e\+289/;
const ANY_TOKEN = new RegExp(`${STRING_TOKEN.source}|${LIST_TOKEN.source}|${STRINGIFIED_NUMBER.source}`, 'g');

/** The high 16 bits of the upper word of aws-cdk-lib's number tokens (0xFBFF, as a signed 32-bit value -67174400 >> 16). */
const DOUBLE_TOKEN_MARKER_BITS = 0xFBFF0000;

/**
 * One 8-byte buffer, seen as a double and as two 32-bit words, for every call: a new
 * ArrayBuffer per number cost about 1 µs (0.006 µs now) and a backing store for the collector to sweep.
 */
const DOUBLE = new Float64Array(1);
const WORDS = new Uint32Array(DOUBLE.buffer);

/** Whether a number is an aws-cdk-lib number token (Token.asNumber, CfnParameter.valueAsNumber, Lazy.number). */
export function isNumberToken(value: number): boolean {
  if (typeof value !== 'number') { return false; }
  DOUBLE[0] = value;
  // The upper 16 bits of the upper 32-bit word (WORDS[1] is unsigned): arithmetic, not bitwise.
  return Math.floor(WORDS[1] / 0x10000) * 0x10000 === DOUBLE_TOKEN_MARKER_BITS;
}

/** Whether a string holds an aws-cdk-lib token anywhere (string, list or stringified number token). */
export function stringHasToken(value: string): boolean {
  return STRING_TOKEN.test(value) || LIST_TOKEN.test(value) || STRINGIFIED_NUMBER.test(value);
}

/**
 * Whether a value is, or holds at its top level, a value known only later: an aws-cdk-lib
 * token (string with a token inside, number token, encoded list, IResolvable) or a cdk8s
 * `Lazy` (a produce() function). Like aws-cdk-lib's Token.isUnresolved.
 */
export function isUnresolved(value: unknown): boolean {
  if (typeof value === 'string') { return stringHasToken(value); }
  if (typeof value === 'number') { return isNumberToken(value); }
  if (Array.isArray(value)) { return value.length === 1 && typeof value[0] === 'string' && LIST_TOKEN.test(value[0]); }
  if (typeof value === 'object' && value !== null) {
    const v = value as { resolve?: unknown; produce?: unknown };
    return typeof v.resolve === 'function' || typeof v.produce === 'function';
  }
  return false;
}

/** Whether a value holds an unresolved token anywhere (arrays and plain objects walked). */
export function containsUnresolved(value: unknown, seen: Set<unknown> = new Set()): boolean {
  if (isUnresolved(value)) { return true; }
  if (typeof value !== 'object' || value === null || seen.has(value)) { return false; }
  seen.add(value);
  return Object.values(value as object).some(v => containsUnresolved(v, seen));
}

/** What a message shows in place of a token. */
export const TOKEN_PLACEHOLDER = '<CDK token>';

/** The text with every token replaced by a readable placeholder (messages never print raw tokens). */
export function hideTokens(text: string): string {
  return text.replace(ANY_TOKEN, TOKEN_PLACEHOLDER);
}

/**
 * The literal parts of a string with tokens, each token replaced by `stand`: what a syntax
 * check can run on (e.g. an image reference `${Token[..]}.dkr.ecr...:v1` checked as `x.dkr.ecr...:v1`).
 */
export function literalParts(text: string, stand: string): string {
  return text.replace(ANY_TOKEN, stand);
}

/** The text cut into literal parts and tokens, in order (a writer escapes only the literal parts). */
export function splitTokens(text: string): Array<{ readonly token: boolean; readonly text: string }> {
  const parts: Array<{ token: boolean; text: string }> = [];
  let last = 0;
  for (const m of text.matchAll(new RegExp(ANY_TOKEN.source, 'g'))) {
    if (m.index! > last) { parts.push({ token: false, text: text.slice(last, m.index) }); }
    parts.push({ token: true, text: m[0] });
    last = m.index! + m[0].length;
  }
  if (last < text.length || parts.length === 0) { parts.push({ token: false, text: text.slice(last) }); }
  return parts;
}

/**
 * Whether a syntax check passes on what is known of `value` at synthesis: a value that is one
 * token is not checked (nothing of it is known); otherwise `test` runs on the literal parts, each
 * token standing as `stand` (a part valid where a name goes).
 */
export function literalPartsPass(value: string, test: (text: string) => boolean, stand = 'x'): boolean {
  if (!stringHasToken(value)) { return test(value); }
  return isOnlyToken(value) || test(literalParts(value, stand));
}

/** Whether the string is one token and nothing else (nothing of it is known at synthesis). */
export function isOnlyToken(value: string): boolean {
  const parts = splitTokens(value);
  return parts.length === 1 && parts[0].token;
}
