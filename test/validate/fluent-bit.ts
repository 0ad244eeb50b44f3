/**
 * Independent checks of generated Fluent Bit configurations, in both formats: parsed back
 * (YAML with the `yaml` package; the classic `[SECTION]` format with a small parser that
 * follows Fluent Bit's own reader, parseClassicDocument) and checked
 * for the structure Fluent Bit requires: known sections, every plugin named, filters and
 * outputs with a Match, known plugin names, a tail input with a buffer limit.
 */
import * as YAML from 'yaml';

const TOP_LEVEL = new Set(['env', 'includes', 'service', 'parsers', 'multiline_parsers', 'pipeline', 'plugins', 'upstream_servers']);
const INPUTS = new Set(['tail', 'forward', 'dummy', 'cpu', 'mem', 'systemd', 'http', 'tcp', 'opentelemetry', 'fluentbit_metrics']);
const FILTERS = new Set(['kubernetes', 'modify', 'grep', 'record_modifier', 'parser', 'lua', 'nest', 'rewrite_tag', 'throttle', 'multiline']);
const OUTPUTS = new Set(['es', 'loki', 'cloudwatch_logs', 's3', 'forward', 'http', 'stdout', 'opentelemetry', 'kinesis_firehose', 'null']);
const REPEATABLE = new Set(['add', 'remove', 'rename', 'regex', 'exclude', 'set', 'copy', 'hard_rename', 'hard_copy']);

export interface ClassicSection { readonly name: string; readonly entries: Array<[string, string]> }

/** What Fluent Bit reads from a classic file: sections, and the `@` directives between them. */
export interface ClassicDocument {
  readonly sections: ClassicSection[];
  /** `@INCLUDE`, `@SET` and any other line starting with `@` (Fluent Bit acts on each). */
  readonly directives: string[];
  /** `[name]` groups opened inside a section by an indented key starting with `[`. */
  readonly groups: string[];
}

/** isspace() in the C locale: what flb_sds_trim strips. */
const C_SPACE = /^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g;
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';

/**
 * Reads the classic format the way Fluent Bit does (fluent/fluent-bit
 * src/config_format/flb_cf_fluentbit.c, read_config, and src/config_format/flb_config_format.c,
 * flb_cf_section_property_add): lines end at '\n' with one '\r' before it dropped; empty lines
 * and lines starting with '#' are skipped; a line starting with '@INCLUDE ' includes a file, any
 * other line starting with '@' (longer than 3) is a directive such as @SET; a line starting with
 * '[' opens a section named by what precedes the first ']'; other lines must carry the indentation
 * of the first indented line (tabs and spaces not mixed, one more level opens a group's content);
 * after it, '#' starts a comment, the key runs to the first space, a key starting with '[' opens a
 * group, the value is the rest after that space; key (lower-cased) and value are then trimmed of
 * isspace() characters, and an empty value is an error.
 */
export function parseClassicDocument(text: string): ClassicDocument {
  const sections: ClassicSection[] = [];
  const directives: string[] = [];
  const groups: string[] = [];
  let indent: string | undefined;
  text.split('\n').forEach((raw, i) => {
    const where = `line ${i + 1}`;
    // fgets() then strlen(): a NUL would cut the line short; we never expect one.
    if (raw.includes('\0')) { throw new Error(`${where}: NUL byte`); }
    const buf = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!buf || buf[0] === '#') { return; }
    if (buf.length > 9 && buf.slice(0, 9).toUpperCase() === '@INCLUDE ') { directives.push(buf); return; }
    if (buf[0] === '@' && buf.length > 3) { directives.push(buf); return; }
    if (buf[0] === '[') {
      const end = buf.indexOf(']');
      if (end < 0) { throw new Error(`${where}: bad header definition: ${buf}`); }
      sections.push({ name: buf.slice(1, end), entries: [] });
      return;
    }
    if (indent === undefined) {
      let n = 0;
      do { n++; } while (n < buf.length && isBlank(buf[n]));
      indent = buf.slice(0, n);
      if (n === buf.length) { return; }
    }
    // check_indent
    let level = 0;
    while (level < indent.length && buf[level] === indent[level]) { level++; }
    if (level < indent.length) { throw new Error(`${where}: invalid indentation level: ${JSON.stringify(buf)}`); }
    let extra = 0;
    while (isBlank(buf[level + extra])) { extra++; }
    if (extra > 0 && extra !== level) { throw new Error(`${where}: extra indentation level found: ${JSON.stringify(buf)}`); }
    const at = level + extra;
    if (buf[at] === '#' || at === buf.length) { return; }
    const rest = buf.slice(at);
    const space = rest.indexOf(' ');
    if (space < 0) { throw new Error(`${where}: undefined value: ${JSON.stringify(buf)}`); }
    const key = rest.slice(0, space);
    if (key[0] === '[') {
      const end = key.indexOf(']');
      if (end < 0) { throw new Error(`${where}: expected a valid group name`); }
      groups.push(key.slice(1, end));
      return;
    }
    const value = rest.slice(space + 1);
    if (value.length === 0) { throw new Error(`${where}: key has an empty value`); }
    if (sections.length === 0) { throw new Error(`${where}: entry outside a section`); }
    sections[sections.length - 1].entries.push([key.toLowerCase().replace(C_SPACE, ''), value.replace(C_SPACE, '')]);
  });
  return { sections, directives, groups };
}

/** Parses the classic format into sections with their (possibly repeated) entries. */
export function parseClassic(text: string): ClassicSection[] {
  const doc = parseClassicDocument(text);
  if (doc.directives.length) { throw new Error(`directives in a generated file: ${doc.directives.join(' | ')}`); }
  if (doc.groups.length) { throw new Error(`groups in a generated file: ${doc.groups.join(' | ')}`); }
  return doc.sections;
}

/**
 * Splits a modify rule value the way the modify filter does (fluent/fluent-bit
 * plugins/filter_modify/modify.c: flb_utils_split_quoted(value, ' ', 3), src/flb_utils.c
 * next_token): tokens separated by spaces; a token starting with a quote runs to the matching
 * quote, where a backslash escapes that quote or a backslash.
 */
export function splitModifyRule(value: string): string[] {
  const out: string[] = [];
  const len = value.length;
  let i = 0;
  while (i < len) {
    let t = i;
    while (value[t] === ' ') { t++; }
    const q = value[t];
    let token = '';
    let end: number;
    if (q !== '"' && q !== "'") {
      const sep = value.indexOf(' ', t);
      end = sep < 0 ? len : sep;
      token = value.slice(t, end);
    } else {
      let j = t + 1;
      for (; ; j++) {
        if (j >= len) { throw new Error(`unterminated quote in ${JSON.stringify(value)}`); }
        const c = value[j];
        if (c === '\\' && (value[j + 1] === q || value[j + 1] === '\\')) { token += value[j + 1]; j++; continue; }
        if (c === q) { break; }
        token += c;
      }
      end = j;
    }
    out.push(token);
    i = end + 1;
    if (out.length >= 3 && i < len) { out.push(value.slice(i)); break; }
  }
  return out;
}

function pluginErrors(kind: 'input' | 'filter' | 'output', where: string, entries: Array<[string, unknown]>): string[] {
  const errors: string[] = [];
  const keys = entries.map(([k]) => k);
  const name = entries.find(([k]) => k === 'name')?.[1];
  const known = kind === 'input' ? INPUTS : kind === 'filter' ? FILTERS : OUTPUTS;
  if (typeof name !== 'string') { errors.push(`${where}: no name`); return errors; }
  if (!known.has(name)) { errors.push(`${where}: unknown ${kind} plugin "${name}"`); }
  if (kind !== 'input' && !keys.includes('match') && !keys.includes('match_regex')) { errors.push(`${where}: ${kind} "${name}" has no match`); }
  for (const k of new Set(keys)) {
    if (keys.filter(x => x === k).length > 1 && !REPEATABLE.has(k)) { errors.push(`${where}: key "${k}" repeated`); }
  }
  if (name === 'tail') {
    if (!keys.includes('path')) { errors.push(`${where}: tail without path`); }
    if (!keys.includes('mem_buf_limit')) { errors.push(`${where}: tail without mem_buf_limit (a log storm could exhaust memory)`); }
  }
  if (name === 'kubernetes' && !keys.includes('kube_tag_prefix')) { errors.push(`${where}: kubernetes filter without kube_tag_prefix`); }
  return errors;
}

/** Problems of a YAML configuration (empty when fine). */
export function fluentBitYamlErrors(text: string): string[] {
  let doc: any;
  try { doc = YAML.parse(text, { version: '1.1' }); } catch (e) { return [`not YAML: ${(e as Error).message}`]; }
  const errors: string[] = [];
  for (const k of Object.keys(doc ?? {})) { if (!TOP_LEVEL.has(k)) { errors.push(`unknown top-level section "${k}"`); } }
  if (!doc?.pipeline) { errors.push('no pipeline'); return errors; }
  for (const [kind, list] of [['input', doc.pipeline.inputs], ['filter', doc.pipeline.filters], ['output', doc.pipeline.outputs]] as const) {
    if (list === undefined) { if (kind !== 'filter') { errors.push(`pipeline.${kind}s is missing`); } continue; }
    if (!Array.isArray(list)) { errors.push(`pipeline.${kind}s is not a list`); continue; }
    list.forEach((p: any, i: number) => {
      const entries = Object.entries(p).flatMap(([k, v]): Array<[string, unknown]> => (Array.isArray(v) ? v.map(x => [k, x]) : [[k, v]]));
      errors.push(...pluginErrors(kind, `pipeline.${kind}s[${i}]`, entries));
    });
  }
  for (const [i, p] of (doc.parsers ?? []).entries()) {
    if (!p.name || !p.format) { errors.push(`parsers[${i}] needs name and format`); }
    if (p.format === 'regex') { try { new RegExp(String(p.regex).replace(/\(\?<([a-z_]+)>/g, '(?<$1>')); } catch { errors.push(`parsers[${i}].regex does not compile`); } }
  }
  return errors;
}

/** Problems of a classic configuration (empty when fine). */
export function fluentBitClassicErrors(text: string): string[] {
  let sections: ClassicSection[];
  try { sections = parseClassic(text); } catch (e) { return [(e as Error).message]; }
  const errors: string[] = [];
  sections.forEach((s, i) => {
    const where = `[${s.name}] #${i}`;
    switch (s.name) {
      case 'SERVICE': case 'PARSER': case 'MULTILINE_PARSER': break;
      case 'INPUT': errors.push(...pluginErrors('input', where, s.entries)); break;
      case 'FILTER': errors.push(...pluginErrors('filter', where, s.entries)); break;
      case 'OUTPUT': errors.push(...pluginErrors('output', where, s.entries)); break;
      default: errors.push(`${where}: unknown section`);
    }
  });
  if (sections.filter(s => s.name === 'SERVICE').length > 1) { errors.push('more than one [SERVICE]'); }
  return errors;
}

export function validateFluentBitYaml(text: string): any {
  const errors = fluentBitYamlErrors(text);
  if (errors.length) { throw new Error(`${errors.length} problem(s) in Fluent Bit YAML:\n  ${errors.join('\n  ')}`); }
  return YAML.parse(text, { version: '1.1' });
}

export function validateFluentBitClassic(text: string): ClassicSection[] {
  const errors = fluentBitClassicErrors(text);
  if (errors.length) { throw new Error(`${errors.length} problem(s) in Fluent Bit classic config:\n  ${errors.join('\n  ')}`); }
  return parseClassic(text);
}
