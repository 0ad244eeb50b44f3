/**
 * Independent checks of generated Fluent Bit configurations, in both formats: parsed back
 * (YAML with the `yaml` package; the classic `[SECTION]` format with a small parser that
 * follows Fluent Bit's own reader, parseClassicDocument) and checked
 * for the structure Fluent Bit requires: known sections, every plugin named, filters and
 * outputs with a Match, known plugin names, a tail input with a buffer limit.
 */
import * as YAML from 'yaml';
import { FILTER_KEYS, INPUT_KEYS, OUTPUT_KEYS, SECTION_KEYS } from './fluent-bit-keys';

const TOP_LEVEL = new Set(['env', 'includes', 'service', 'parsers', 'multiline_parsers', 'pipeline', 'plugins', 'upstream_servers']);
const INPUTS = new Set(['tail', 'forward', 'dummy', 'cpu', 'mem', 'systemd', 'http', 'tcp', 'opentelemetry', 'fluentbit_metrics']);
const FILTERS = new Set(['kubernetes', 'modify', 'grep', 'record_modifier', 'parser', 'lua', 'nest', 'rewrite_tag', 'throttle', 'multiline']);
const OUTPUTS = new Set(['es', 'loki', 'cloudwatch_logs', 's3', 'forward', 'http', 'stdout', 'opentelemetry', 'kinesis_firehose', 'null',
  'kinesis_streams', 'opensearch', 'datadog', 'splunk', 'kafka', 'azure', 'azure_blob', 'stackdriver']);
const REPEATABLE = new Set(['add', 'remove', 'rename', 'regex', 'exclude', 'set', 'copy', 'hard_rename', 'hard_copy',
  // http / opentelemetry / loki headers, parser filter parsers, record_modifier, nest wildcards, rewrite_tag rules
  'header', 'parser', 'record', 'remove_key', 'allowlist_key', 'wildcard', 'rule']);
/** Keys every input, filter or output takes (fluent/fluent-bit src/flb_input.c, flb_filter.c, flb_output.c property checks). */
const COMMON_KEYS: { [kind: string]: RegExp } = {
  input: /^(name|tag|alias|log_level|log_suppress_interval|mem_buf_limit|threaded|routable|storage\.type|storage\.pause_on_chunks_overlimit)$/,
  filter: /^(name|match|match_regex|alias|log_level|log_suppress_interval)$/,
  output: /^(name|match|match_regex|alias|log_level|log_suppress_interval|retry_limit|workers|storage\.total_limit_size|tls|tls\..+|net\..+|rdkafka\..+)$/,
};

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
  // Keys the plugin documents (fluent-bit-keys.ts), for the plugins the library writes.
  const documented = kind === 'input' ? INPUT_KEYS[name] : kind === 'filter' ? FILTER_KEYS[name] : OUTPUT_KEYS[name];
  if (documented) {
    for (const k of new Set(keys)) {
      if (!documented.includes(k) && !COMMON_KEYS[kind].test(k)) { errors.push(`${where}: ${kind} "${name}" has no key "${k}"`); }
    }
  }
  for (const [k, v] of entries) {
    if (/^(on|off|true|false)$/i.test(String(v)) || typeof v === 'boolean') { continue; }
    if (['exclude_path', 'multiline.parser', 'label_keys', 'brokers', 'topics'].includes(k) && /(^|,)\s*(,|$)/.test(String(v))) { errors.push(`${where}: ${k} has an empty item`); }
  }
  return errors;
}

/** Problems of the service section's keys (fluent-bit-keys.ts, service-section.md). */
function serviceErrors(entries: Array<[string, unknown]>): string[] {
  const errors = entries.filter(([k]) => !SECTION_KEYS.service.includes(k)).map(([k]) => `service: unknown key "${k}"`);
  const get = (k: string) => entries.find(([x]) => x === k)?.[1];
  for (const [k, v] of entries) {
    if (k.startsWith('storage.') && k !== 'storage.path' && get('storage.path') === undefined) { errors.push(`service: ${k} without storage.path`); }
    if (['grace', 'hc_errors_count', 'hc_retry_failure_count', 'hc_period', 'scheduler.base', 'scheduler.cap', 'storage.max_chunks_up'].includes(k) && !/^[0-9]+$/.test(String(v))) {
      errors.push(`service: ${k} ${JSON.stringify(v)} is not a whole number`);
    }
  }
  return errors;
}

/** Compiles a regex of Onigmo's Ruby syntax the way the checks can: '/.../' delimiters dropped (src/flb_regex.c, str_to_regex). */
function regexCompiles(re: string): boolean {
  const body = re.length > 1 && re.startsWith('/') && re.endsWith('/') ? re.slice(1, -1) : re;
  try { new RegExp(body.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$')); return true; } catch { return false; }
}

/**
 * A regex multiline parser (src/flb_parser.c, flb_parser_load_multiline_parser_definitions and
 * multiline_load_regex_rules; src/multiline/flb_ml_rule.c, flb_ml_rule_init): name and type;
 * rules whose first state is start_state, every next state the state of a rule, regexes that compile.
 */
function multilineErrors(where: string, def: { name?: unknown; type?: unknown }, rules: Array<[string, string, string | undefined]>): string[] {
  const errors: string[] = [];
  if (typeof def.name !== 'string' || !def.name) { errors.push(`${where}: no name`); }
  if (!['regex', 'endswith', 'equal', 'eq'].includes(String(def.type))) { errors.push(`${where}: type ${JSON.stringify(def.type)} is not regex, endswith or equal`); }
  if (def.type === 'regex') {
    if (!rules.length) { errors.push(`${where}: regex parser without rules`); }
    const states = new Set(rules.map(r => r[0]));
    if (rules.length && rules[0][0] !== 'start_state') { errors.push(`${where}: the first rule's state is not start_state`); }
    rules.forEach(([, regex, next], i) => {
      if (next === undefined || !states.has(next)) { errors.push(`${where}: rule ${i} goes to unknown state ${JSON.stringify(next)}`); }
      if (!regexCompiles(regex)) { errors.push(`${where}: rule ${i} regex does not compile: ${regex}`); }
    });
  }
  return errors;
}

/**
 * Splits a classic `rule` value the way Fluent Bit does (src/flb_slist.c, flb_slist_split_tokens with
 * token_retrieve / token_unescape): spaces separate tokens; a token starting with '"' runs to the
 * next '"' not preceded by a backslash, and '\\"' inside it becomes '"'; after 3 tokens the rest is one.
 */
export function splitRuleTokens(value: string): string[] {
  const out: string[] = [];
  let p = 0;
  while (p < value.length) {
    while (value[p] === ' ') { p++; }
    if (p >= value.length) { break; }
    let token: string;
    if (value[p] === '"') {
      let q = p + 1;
      for (; ;) {
        while (q < value.length && value[q] !== '"') { q++; }
        if (q >= value.length) { throw new Error(`unterminated quote in rule ${JSON.stringify(value)}`); }
        if (value[q - 1] === '\\') { q++; continue; }
        break;
      }
      token = value.slice(p + 1, q).replace(/\\"/g, '"');
      p = q + 1;
    } else {
      let q = p;
      while (q < value.length && value[q] !== ' ') { q++; }
      token = value.slice(p, q);
      p = q;
    }
    out.push(token);
    if (out.length === 3) {
      while (value[p] === ' ') { p++; }
      if (p < value.length) { out.push(value.slice(p)); }
      break;
    }
  }
  return out;
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
  if (doc.service !== undefined) { errors.push(...serviceErrors(Object.entries(doc.service))); }
  for (const [i, m] of (doc.multiline_parsers ?? []).entries()) {
    const rules = Array.isArray(m.rules)
      ? m.rules.map((r: any): [string, string, string | undefined] =>
        [String(r.state), String(r.regex), r.next_state === undefined ? undefined : String(r.next_state)])
      : [];
    errors.push(...multilineErrors(`multiline_parsers[${i}]`, m, rules));
  }
  errors.push(...parserReferenceErrors(
    (doc.parsers ?? []).map((p: any) => String(p.name)), (doc.multiline_parsers ?? []).map((m: any) => String(m.name)),
    [...(doc.pipeline.inputs ?? []), ...(doc.pipeline.filters ?? [])]
      .map((p: any) => Object.entries(p).flatMap(([k, v]): Array<[string, unknown]> => (Array.isArray(v) ? v.map(x => [k, x]) : [[k, v]])))));
  return errors;
}

/** The built-in multiline parsers (fluent/fluent-bit src/multiline/flb_ml_parser_*.c). */
const BUILT_IN_MULTILINE = ['docker', 'cri', 'go', 'python', 'java', 'ruby'];

/** Every parser and multiline parser an input or filter names is defined (or built in). */
function parserReferenceErrors(parsers: string[], multiline: string[], plugins: Array<Array<[string, unknown]>>): string[] {
  const errors: string[] = [];
  for (const entries of plugins) {
    for (const [k, v] of entries) {
      if (k === 'parser' && !parsers.includes(String(v))) { errors.push(`parser ${JSON.stringify(v)} is not defined`); }
      if (k === 'multiline.parser') {
        for (const n of String(v).split(',').map(x => x.trim())) {
          if (!BUILT_IN_MULTILINE.includes(n) && !multiline.includes(n)) { errors.push(`multiline parser ${JSON.stringify(n)} is not defined`); }
        }
      }
    }
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
      case 'SERVICE': errors.push(...serviceErrors(s.entries)); break;
      case 'PARSER':
        if (!s.entries.some(([k]) => k === 'name') || !s.entries.some(([k]) => k === 'format')) { errors.push(`${where}: needs name and format`); }
        break;
      case 'MULTILINE_PARSER': {
        const get = (k: string) => s.entries.find(([x]) => x === k)?.[1];
        let rules: Array<[string, string, string | undefined]> = [];
        try {
          rules = s.entries.filter(([k]) => k === 'rule').map(([, v]) => {
            const t = splitRuleTokens(v);
            if (t.length !== 3) { throw new Error(`${where}: rule ${JSON.stringify(v)} is not 3 tokens`); }
            return [t[0], t[1], t[2]];
          });
        } catch (e) { errors.push((e as Error).message); }
        for (const [k] of s.entries) { if (!['name', 'type', 'rule', 'flush_timeout', 'key_content', 'key_pattern', 'key_group', 'parser', 'negate', 'match_string'].includes(k)) { errors.push(`${where}: unknown key ${k}`); } }
        errors.push(...multilineErrors(where, { name: get('name'), type: get('type') }, rules));
        break;
      }
      case 'INPUT': errors.push(...pluginErrors('input', where, s.entries)); break;
      case 'FILTER': errors.push(...pluginErrors('filter', where, s.entries)); break;
      case 'OUTPUT': errors.push(...pluginErrors('output', where, s.entries)); break;
      default: errors.push(`${where}: unknown section`);
    }
  });
  if (sections.filter(s => s.name === 'SERVICE').length > 1) { errors.push('more than one [SERVICE]'); }
  return errors;
}

/**
 * The parsers a classic configuration names are defined: in it, or in `parsersText` (the
 * parsers_file it loads). For a FireLens include, pass no parsersText: it must carry its own.
 */
export function fluentBitClassicParserErrors(text: string, parsersText = ''): string[] {
  const sections = [...parseClassic(text), ...(parsersText ? parseClassic(parsersText) : [])];
  const names = (kind: string) => sections.filter(s => s.name === kind).map(s => s.entries.find(([k]) => k === 'name')?.[1] ?? '');
  return parserReferenceErrors(names('PARSER'), names('MULTILINE_PARSER'), sections.filter(s => s.name === 'INPUT' || s.name === 'FILTER').map(s => s.entries));
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
