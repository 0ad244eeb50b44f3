/**
 * Independent check of generated Vault agent configurations: the HCL is parsed back with
 * @cdktf/hcl2json (HashiCorp's HCL2 parser compiled to WebAssembly) and the structure
 * Vault agent expects is asserted: known top-level stanzas only, one auto_auth method with
 * a config, a file sink, each template with a destination and exactly one of source and
 * contents, a tcp listener only with a cache. Vault reads HCL v1; the generator writes
 * what both read alike, never a raw `${` or `%{` in a string (which HCL2 would evaluate),
 * and every string token is also read with a model of HCL v1's string rules
 * ({@link hclV1Strings}).
 */
import { parse } from '@cdktf/hcl2json';

const TOP_LEVEL = new Set(['pid_file', 'exit_after_auth', 'vault', 'auto_auth', 'template_config', 'template', 'cache', 'api_proxy', 'listener', 'log_level', 'log_format']);
const METHODS = new Set(['kubernetes', 'aws', 'azure', 'approle', 'gcp', 'jwt', 'cert']);

/**
 * hcl2json writes HCL's JSON form, whose strings are templates again: a literal `${` comes
 * out as `$${`, a literal `%{` as `%%{` (a plain replace-all). This undoes it, so a value
 * compares with what the user gave; agentConfigErrors makes sure no real interpolation
 * was in the file to begin with.
 */
export function fromHclJson(v: any): any {
  if (typeof v === 'string') { return v.replace(/\$\$\{/g, '${').replace(/%%\{/g, '%{'); }
  if (Array.isArray(v)) { return v.map(fromHclJson); }
  if (v && typeof v === 'object') { return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromHclJson(x)])); }
  return v;
}

/** The parsed configuration (hcl2json's JSON form: blocks are arrays), strings as literal values. */
export async function parseAgentConfig(text: string): Promise<any> {
  return fromHclJson(await parse('agent.hcl', text));
}

/**
 * A model of how HCL v1 (github.com/hashicorp/hcl v1, which Vault's agent uses) reads a
 * quoted string starting at `src[start]` (the opening quote): the scanner's end of the
 * token (hcl/scanner/scanner.go scanString: a raw newline is an error, a raw `${` opens
 * a brace count during which quotes do not end the string, escapes are checked by
 * scanEscape) and its value (hcl/strconv/quote.go Unquote: `${...}` copied as it is,
 * Go escapes otherwise). Returns the value and the index after the closing quote.
 */
export function readHclV1String(src: string, start: number): { value: string; end: number } {
  if (src[start] !== '"') { throw new Error(`HCL v1: no string at ${start}`); }
  let braces = 0;
  let i = start + 1;
  for (;;) {
    const ch = src[i];
    if (ch === undefined || (ch === '\n' && braces === 0)) { throw new Error('HCL v1: literal not terminated'); }
    if (ch === '"' && braces === 0) { break; }
    if (braces === 0 && ch === '$' && src[i + 1] === '{') { braces++; i++; } else if (braces > 0 && ch === '{') { braces++; }
    if (braces > 0 && ch === '}') { braces--; }
    if (ch === '\\') {
      const e = src[i + 1];
      const digits: { [k: string]: [number, RegExp] } = { x: [2, /[0-9a-fA-F]/], u: [4, /[0-9a-fA-F]/], U: [8, /[0-9a-fA-F]/] };
      if ('abfnrtv\\"'.includes(e)) { i += 1; } else if (digits[e]) {
        const [n, re] = digits[e];
        for (let k = 0; k < n; k++) { if (!re.test(src[i + 2 + k] ?? '')) { throw new Error('HCL v1: illegal char escape'); } }
        i += 1 + n;
      } else if (/[0-7]/.test(e)) {
        if (!/^[0-7]{3}$/.test(src.slice(i + 1, i + 4))) { throw new Error('HCL v1: illegal char escape'); }
        i += 3;
      } else { throw new Error(`HCL v1: illegal char escape \\${e}`); }
    }
    i++;
  }
  // Unquote.
  const body = src.slice(start + 1, i);
  if (body.includes('\n')) { throw new Error('HCL v1: invalid syntax (newline)'); }
  let out = '';
  for (let j = 0; j < body.length;) {
    if (body[j] === '$' && body[j + 1] === '{') {
      let depth = 1;
      out += '${';
      j += 2;
      while (j < body.length && depth > 0) {
        const cp = body.codePointAt(j)!;
        const c = String.fromCodePoint(cp);
        out += c;
        j += c.length;
        if (c === '{') { depth++; } else if (c === '}') { depth--; }
      }
      if (depth !== 0) { throw new Error('HCL v1: invalid syntax (unclosed ${)'); }
      continue;
    }
    if (body[j] === '"') { throw new Error('HCL v1: invalid syntax (raw quote)'); }
    if (body[j] !== '\\') {
      const c = String.fromCodePoint(body.codePointAt(j)!);
      out += c;
      j += c.length;
      continue;
    }
    const e = body[j + 1];
    const simple: { [k: string]: string } = { 'a': '\x07', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\', '"': '"' };
    if (simple[e] !== undefined) { out += simple[e]; j += 2; continue; }
    const n = e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (n > 0) {
      const cp = parseInt(body.slice(j + 2, j + 2 + n), 16);
      if (cp > 0x10ffff) { throw new Error('HCL v1: invalid syntax (rune)'); }
      // Go's utf8.EncodeRune writes U+FFFD for a surrogate code point.
      out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : String.fromCodePoint(cp);
      j += 2 + n;
      continue;
    }
    throw new Error(`HCL v1: escape \\${e} outside the model (the writer never uses it)`);
  }
  return { value: out, end: i + 1 };
}

/** Every quoted string of an HCL file as HCL v1 reads it (comments skipped). */
export function hclV1Strings(src: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < src.length;) {
    if (src[i] === '#') {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl + 1;
    } else if (src[i] === '"') {
      const { value, end } = readHclV1String(src, i);
      values.push(value);
      i = end;
    } else { i++; }
  }
  return values;
}

export async function agentConfigErrors(text: string): Promise<string[]> {
  const errors: string[] = [];
  let doc: any;
  try { doc = await parseAgentConfig(text); } catch (e) { return [`does not parse as HCL: ${(e as Error).message}`]; }
  // Outside comments, a raw `${` or `%{` is an HCL2 template sequence, which HCL v1 reads otherwise.
  text.split('\n').forEach((line, n) => {
    if (!line.trimStart().startsWith('#') && /[$%]\{/.test(line)) { errors.push(`line ${n + 1} has a raw template sequence: ${line}`); }
  });
  try { hclV1Strings(text); } catch (e) { errors.push(`a string HCL v1 cannot read: ${(e as Error).message}`); }
  for (const key of Object.keys(doc)) { if (!TOP_LEVEL.has(key)) { errors.push(`unknown top-level stanza "${key}"`); } }
  const vault = doc.vault?.[0];
  if (!vault || typeof vault.address !== 'string') { errors.push('vault.address is missing'); }
  const autoAuth = doc.auto_auth?.[0];
  if (!autoAuth) {
    errors.push('auto_auth is missing');
  } else {
    const methods = Object.keys(autoAuth.method ?? {});
    if (methods.length !== 1) { errors.push(`auto_auth needs exactly one method (found ${methods.join(', ') || 'none'})`); }
    for (const m of methods) {
      if (!METHODS.has(m)) { errors.push(`auto_auth.method "${m}" is not a Vault agent auth method`); }
      const config = autoAuth.method[m][0]?.config;
      if (!config || typeof config !== 'object') { errors.push(`auto_auth.method "${m}" has no config`); }
    }
    const sink = autoAuth.sink?.file?.[0];
    if (!sink?.config?.path) { errors.push('auto_auth.sink "file" needs config.path'); }
  }
  (doc.template ?? []).forEach((t: any, i: number) => {
    if (typeof t.destination !== 'string' || !t.destination.startsWith('/')) { errors.push(`template[${i}].destination must be an absolute path`); }
    if ((t.source === undefined) === (t.contents === undefined)) { errors.push(`template[${i}] needs exactly one of source and contents`); }
    if (t.perms !== undefined && !/^0[0-7]{3}$/.test(String(t.perms))) { errors.push(`template[${i}].perms "${t.perms}" is not an octal mode string`); }
  });
  if (doc.listener && !doc.cache) { errors.push('a listener without cache serves nothing'); }
  if (doc.exit_after_auth === true && doc.listener) { errors.push('exit_after_auth with a listener: the agent would exit under its clients'); }
  return errors;
}

/** Throws listing every problem. */
export async function validateAgentConfig(text: string): Promise<any> {
  const errors = await agentConfigErrors(text);
  if (errors.length) { throw new Error(`${errors.length} problem(s) in Vault agent configuration:\n  ${errors.join('\n  ')}\n--- config ---\n${text}`); }
  return parseAgentConfig(text);
}
