/**
 * A small HCL writer for Vault agent configuration. Vault parses HCL v1, so only the
 * subset that HCL v1 and HCL2 read alike is written: attributes `key = value` with
 * strings, numbers, booleans, lists of strings and one-level objects, and blocks with
 * labels. Strings must not contain `${` or `%{` (HCL2 would interpolate them, HCL v1
 * would not); the caller rejects those.
 */

export type HclValue = string | number | boolean | string[] | { [key: string]: string | number | boolean };

export interface HclBlock {
  readonly type: string;
  readonly labels?: string[];
  readonly body: HclBody;
}

/** Attributes and nested blocks, in order. */
export type HclBody = Array<[string, HclValue] | HclBlock>;

function quote(s: string): string {
  return JSON.stringify(s);
}

function value(v: HclValue, indent: string): string {
  if (typeof v === 'string') { return quote(v); }
  if (typeof v === 'number' || typeof v === 'boolean') { return String(v); }
  if (Array.isArray(v)) { return `[${v.map(quote).join(', ')}]`; }
  const entries = Object.entries(v);
  if (entries.length === 0) { return '{}'; }
  return `{\n${entries.map(([k, x]) => `${indent}  ${k} = ${value(x as HclValue, `${indent}  `)}`).join('\n')}\n${indent}}`;
}

function body(b: HclBody, indent: string): string[] {
  const lines: string[] = [];
  for (const item of b) {
    if (Array.isArray(item)) {
      lines.push(`${indent}${item[0]} = ${value(item[1], indent)}`);
    } else {
      const head = [item.type, ...(item.labels ?? []).map(quote)].join(' ');
      lines.push(`${indent}${head} {`, ...body(item.body, `${indent}  `), `${indent}}`);
    }
  }
  return lines;
}

/** Renders a document. */
export function hcl(doc: HclBody, header?: string): string {
  return `${header ? `# ${header}\n` : ''}${body(doc, '').join('\n')}\n`;
}

/** True when a string is safe in both HCL v1 and HCL2 (no template sequences). */
export function hclSafe(s: string): boolean {
  return !s.includes('${') && !s.includes('%{');
}
