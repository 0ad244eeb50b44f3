/**
 * A small HCL writer for Vault agent configuration. Vault parses its agent configuration
 * with HCL v1 (`hcl.Parse` from github.com/hashicorp/hcl in hashicorp/vault
 * command/agent/config/config.go), the validators here with HCL2; the writer keeps to what
 * both read alike: attributes `key = value` with strings, numbers, booleans, lists of
 * strings and one-level objects, blocks with labels, and `#` comments.
 *
 * Every string goes through {@link hclString} and every comment through
 * {@link hclComment}; attribute names, block types and labels are the library's own
 * identifiers, never user input.
 */

import { splitTokens } from '../../core/tokens';

export type HclValue = string | number | boolean | string[] | { [key: string]: string | number | boolean };

export interface HclBlock {
  readonly type: string;
  readonly labels?: string[];
  readonly body: HclBody;
}

/** Attributes and nested blocks, in order. */
export type HclBody = Array<[string, HclValue] | HclBlock>;

/** A UTF-16 surrogate without its pair: no UTF-8 file can carry it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a string has a UTF-8 form (no lone surrogate). */
export function wellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Why a string cannot be written so that HCL v1 and HCL2 read the same text, or undefined
 * when it can. A lone surrogate has no UTF-8 form at all. HCL2 normalizes every string
 * literal to Unicode NFC (escapes included: `"\uf900"` reads as U+8C48; hashicorp/hcl
 * hclsyntax, seen with @cdktf/hcl2json), HCL v1 does not (hcl/strconv/quote.go), so text
 * that is not NFC would reach Vault and an HCL2 reader differently.
 */
export function hclProblem(s: string): string | undefined {
  if (!wellFormed(s)) { return 'has a UTF-16 surrogate without its pair, which no UTF-8 file can carry'; }
  if (s.normalize('NFC') !== s) { return 'is not in Unicode normalization form C, which HCL2 readers apply to every string and HCL v1 (Vault) does not, so they would read different text'; }
  return undefined;
}

/** True when a string can be written to the configuration (see hclProblem). */
export function hclWritable(s: string): boolean {
  return hclProblem(s) === undefined;
}

function u(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

const ESCAPES: { [c: string]: string } = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * The one quoting rule for a string in the agent configuration: any well-formed string
 * reads back as exactly itself in HCL v1 and in HCL2.
 *
 * - `\` and `"` become `\\` and `\"`; newline, carriage return and tab `\n`, `\r`, `\t`;
 *   other control characters `\uXXXX`. HCL v1 refuses a raw newline in a string
 *   (hashicorp/hcl v1 hcl/scanner/scanner.go scanString, hcl/strconv/quote.go Unquote),
 *   HCL2 too; both read these escapes alike (v1: the Go set in quote.go unquoteChar; HCL2:
 *   `\n \r \t \" \\ \uNNNN \UNNNNNNNN`, hashicorp/hcl hclsyntax/spec.md "Template Literals").
 * - `$` before `{` becomes `\u0024`, `%` before `{` `\u0025`. HCL2 would start an
 *   interpolation or a directive at a raw `${`/`%{`; HCL v1 counts braces after a raw `${`
 *   (scanString) and copies it unescaped (Unquote). HCL2's own escapes `$${` and `%%{`
 *   are not HCL v1's: v1 would read them literally, so Vault would get `$${`. The `\u`
 *   escapes are read as plain `$`/`%` by both, after the template scan.
 * - Everything else, any Unicode beyond the BMP included, is written as it is (UTF-8).
 *   What cannot be read alike (see hclProblem) the callers refuse before.
 */
export function hclString(s: string): string {
  const problem = hclProblem(s);
  if (problem) { throw new Error(`internal: a string that ${problem} reached the HCL writer (check it with hclProblem first)`); }
  // CDK tokens (values CloudFormation fills in through Fn::Join, such as a Vault role or address
  // from another construct) are kept as they are, the literal parts around them escaped. The
  // deployed value lands inside the quotes unescaped: it must need no escape there (no '"',
  // '\\', control character, "${" or "%{"), which AWS names, ARNs and URLs never hold (README, "CDK tokens").
  return `"${splitTokens(s).map(part => (part.token ? part.text : escaped(part.text))).join('')}"`;
}

function escaped(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const code = s.charCodeAt(i);
    if (ESCAPES[c] !== undefined) {
      out += ESCAPES[c];
    } else if ((c === '$' || c === '%') && s[i + 1] === '{') {
      out += u(code);
    } else if (isControl(code)) {
      out += u(code);
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * The one rule for a comment: a single `#` line whatever the text holds. Control
 * characters (newlines included, which would end the comment in HCL v1 and HCL2 and
 * start configuration of the text's choosing), line separators, lone surrogates and `\`
 * are written as escapes, so the comment shows the text unambiguously.
 */
export function hclComment(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += text[i] + text[i + 1];
      i++;
    } else if (text[i] === '\\') {
      out += '\\\\';
    } else if (isControl(code) || (code >= 0xd800 && code <= 0xdfff)) {
      out += u(code);
    } else {
      out += text[i];
    }
  }
  return `# ${out}`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) { throw new Error(`internal: ${JSON.stringify(name)} is not an HCL identifier`); }
  return name;
}

function scalar(v: string | number | boolean): string {
  if (typeof v === 'string') { return hclString(v); }
  if (typeof v === 'boolean') { return String(v); }
  if (typeof v === 'number' && Number.isFinite(v)) { return String(v); }
  throw new Error(`internal: ${String(v)} is not an HCL scalar`);
}

function value(v: HclValue, indent: string): string {
  if (Array.isArray(v)) { return `[${v.map(scalar).join(', ')}]`; }
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v);
    if (entries.length === 0) { return '{}'; }
    return `{\n${entries.map(([k, x]) => `${indent}  ${identifier(k)} = ${scalar(x)}`).join('\n')}\n${indent}}`;
  }
  return scalar(v);
}

function body(b: HclBody, indent: string): string[] {
  const lines: string[] = [];
  for (const item of b) {
    if (Array.isArray(item)) {
      lines.push(`${indent}${identifier(item[0])} = ${value(item[1], indent)}`);
    } else {
      const head = [identifier(item.type), ...(item.labels ?? []).map(hclString)].join(' ');
      lines.push(`${indent}${head} {`, ...body(item.body, `${indent}  `), `${indent}}`);
    }
  }
  return lines;
}

/** Renders a document, with an optional header comment (any text). */
export function hcl(doc: HclBody, header?: string): string {
  return `${header !== undefined ? `${hclComment(header)}\n` : ''}${body(doc, '').join('\n')}\n`;
}
