/**
 * Independent checks of generated Fluent Bit configurations, in both formats: parsed back
 * (YAML with the `yaml` package; the classic `[SECTION]` format with a small parser that
 * follows Fluent Bit's rules: indented `key value` lines, repeatable rule keys) and checked
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

/** Parses the classic format into sections with their (possibly repeated) entries. */
export function parseClassic(text: string): ClassicSection[] {
  const sections: ClassicSection[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\s+$/, '');
    if (!line.trim() || line.trim().startsWith('#')) { return; }
    const header = /^\[([A-Z_]+)\]$/.exec(line.trim());
    if (header) { sections.push({ name: header[1], entries: [] }); return; }
    if (!/^\s+/.test(line)) { throw new Error(`line ${i + 1}: an entry must be indented: ${line}`); }
    if (sections.length === 0) { throw new Error(`line ${i + 1}: entry outside a section`); }
    const m = /^\s+(\S+)\s+(.+)$/.exec(line);
    if (!m) { throw new Error(`line ${i + 1}: not "key value": ${line}`); }
    sections[sections.length - 1].entries.push([m[1].toLowerCase(), m[2]]);
  });
  return sections;
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
