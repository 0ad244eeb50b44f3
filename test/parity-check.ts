/**
 * Checks of the README's parity section (used by test/parity.test.ts and by hand:
 * `npx ts-node test/parity-check.ts FILE.md` prints the problems of FILE's tables).
 *
 * The README's parity section (issue 13): one table per anchor (Vault's injector, Istio, Dapr,
 * the OTel operator, the ECS extensions and aws-cdk-lib, Fluent Bit, ACI), row by row as in the
 * anchors' own sources. This test keeps the section honest:
 * - every table covers (✅ full or ◐ partial) at least 90 % of its applicable rows, and the count
 *   written under it is the count of its rows;
 * - every ◐ and — row says why (what is missing, or why the row does not apply);
 * - every prop the "cdk-sidecars" column names in backticks exists in the compiled jsii assembly
 *   (`.jsii`, written by `npm test`'s compile step): a type, a property (inherited ones included),
 *   a method or an enum member, walked segment by segment (`overrides.env` is the `overrides`
 *   property of one of the table's types, then `env` on its type).
 */
import * as fs from 'fs';
import * as path from 'path';

interface JsiiType {
  readonly fqn: string;
  readonly name: string;
  readonly kind: 'class' | 'interface' | 'enum';
  readonly properties?: Array<{ name: string; type: JsiiTypeRef }>;
  readonly methods?: Array<{ name: string }>;
  readonly members?: Array<{ name: string }>;
  readonly interfaces?: string[];
  readonly base?: string;
}
interface JsiiTypeRef {
  readonly fqn?: string;
  readonly primitive?: string;
  readonly collection?: { kind: string; elementtype: JsiiTypeRef };
  readonly union?: unknown;
}

export interface ParityRow {
  readonly num: string;
  readonly knob: string;
  readonly prop: string;
  readonly platforms: string;
  readonly status: string;
  readonly line: number;
}

export interface ParityTable {
  readonly name: string;
  readonly types: string[];
  readonly rows: ParityRow[];
  /** The count written under the table: [covered, applicable], or undefined when missing. */
  readonly written?: [number, number];
  readonly line: number;
}

const MARKER = /^<!-- parity-table: ([\w-]+); types: ([\w*, ]+) -->$/;
const COUNT = /^Covered: \*\*(\d+) \/ (\d+)\*\*/;

/** Reads the parity tables of a markdown document. */
export function parseParityTables(markdown: string): ParityTable[] {
  const lines = markdown.split('\n');
  const tables: ParityTable[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARKER.exec(lines[i].trim());
    if (!m) { continue; }
    const start = i;
    const rows: ParityRow[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith('|')) { j++; }
    j += 2; // header and separator
    for (; j < lines.length && lines[j].startsWith('|'); j++) {
      const cells = splitRow(lines[j]);
      if (cells.length !== 5) { throw new Error(`README.md:${j + 1}: a parity row has ${cells.length} cells, expected 5 (# | knob | prop | platforms | status)`); }
      rows.push({ num: cells[0], knob: cells[1], prop: cells[2], platforms: cells[3], status: cells[4], line: j + 1 });
    }
    let written: [number, number] | undefined;
    for (let k = j; k < Math.min(lines.length, j + 4); k++) {
      const c = COUNT.exec(lines[k].trim());
      if (c) { written = [Number(c[1]), Number(c[2])]; break; }
    }
    tables.push({ name: m[1], types: m[2].split(',').map(s => s.trim()).filter(Boolean), rows, written, line: start + 1 });
    i = j;
  }
  return tables;
}

function splitRow(line: string): string[] {
  // Cells split on '|' outside backticks; '\|' is a literal bar.
  const cells: string[] = [];
  let cur = '';
  let tick = false;
  for (let k = 1; k < line.length; k++) {
    const ch = line[k];
    if (ch === '`') { tick = !tick; }
    if (ch === '\\' && line[k + 1] === '|') { cur += '|'; k++; continue; }
    if (ch === '|' && !tick) { cells.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  return cells;
}

export type Status = 'full' | 'partial' | 'missing' | 'na';

export function statusOf(cell: string): Status | undefined {
  if (cell.startsWith('✅')) { return 'full'; }
  if (cell.startsWith('◐')) { return 'partial'; }
  if (cell.startsWith('❌')) { return 'missing'; }
  if (cell.startsWith('—')) { return 'na'; }
  return undefined;
}

/** The assembly's types by simple name (the library's names are unique across namespaces). */
export function loadAssembly(file: string): Map<string, JsiiType> {
  const assembly = JSON.parse(fs.readFileSync(file, 'utf8')) as { types: Record<string, JsiiType> };
  const byName = new Map<string, JsiiType>();
  const byFqn = new Map<string, JsiiType>();
  for (const t of Object.values(assembly.types)) {
    byFqn.set(t.fqn, t);
    if (byName.has(t.name)) { throw new Error(`two types named ${t.name} in the assembly: the parity check needs unique names`); }
    byName.set(t.name, t);
  }
  (byName as Map<string, JsiiType> & { fqn?: Map<string, JsiiType> }).fqn = byFqn;
  return byName;
}

function fqnIndex(types: Map<string, JsiiType>): Map<string, JsiiType> {
  return (types as Map<string, JsiiType> & { fqn: Map<string, JsiiType> }).fqn;
}

function propertiesOf(types: Map<string, JsiiType>, t: JsiiType): Map<string, JsiiTypeRef> {
  const out = new Map<string, JsiiTypeRef>();
  const seen = new Set<string>();
  const visit = (x: JsiiType | undefined) => {
    if (!x || seen.has(x.fqn)) { return; }
    seen.add(x.fqn);
    for (const p of x.properties ?? []) { if (!out.has(p.name)) { out.set(p.name, p.type); } }
    for (const base of [...(x.interfaces ?? []), ...(x.base ? [x.base] : [])]) { visit(fqnIndex(types).get(base)); }
  };
  visit(t);
  return out;
}

function methodsOf(types: Map<string, JsiiType>, t: JsiiType): Set<string> {
  const out = new Set<string>();
  let x: JsiiType | undefined = t;
  while (x) {
    for (const m of x.methods ?? []) { out.add(m.name); }
    x = x.base ? fqnIndex(types).get(x.base) : undefined;
  }
  return out;
}

function elementType(types: Map<string, JsiiType>, ref: JsiiTypeRef): JsiiType | undefined {
  if (ref.fqn) { return fqnIndex(types).get(ref.fqn); }
  if (ref.collection) { return elementType(types, ref.collection.elementtype); }
  return undefined;
}

/**
 * Resolves `A.b.c` (or `b.c` on one of the default types, or on a struct named earlier in the same
 * cell: "`logAnalytics` (`workspaceKey`, `logType`)"); returns a reason when it cannot. `context`
 * collects the struct types the cell has named so far.
 */
export function resolveProp(types: Map<string, JsiiType>, defaults: string[], token: string, context: JsiiType[] = []): string | undefined {
  const segments = token.replace(/\(\)$/, '').split('.');
  let current: JsiiType | undefined;
  let rest: string[] | undefined;
  const first = types.get(segments[0]);
  if (first) {
    current = first;
    rest = segments.slice(1);
  } else {
    const roots: Array<JsiiType | undefined> = [...[...context].reverse(), ...defaults.map(d => types.get(d))];
    for (const [k, dt] of roots.entries()) {
      if (!dt) { return `default type ${defaults[k - context.length]} is not in the assembly`; }
      const ref = propertiesOf(types, dt).get(segments[0]);
      if (ref) { current = elementType(types, ref); rest = segments.slice(1); break; }
      if (methodsOf(types, dt).has(segments[0]) && segments.length === 1) { return undefined; }
    }
    if (rest === undefined) { return `\`${segments[0]}\` is neither a type nor a property of ${listed([...new Set([...context.map(c => c.name), ...defaults])])}`; }
    if (rest.length > 0 && !current) { return `\`${segments[0]}\` has a primitive type: \`${segments[1]}\` cannot be inside it`; }
  }
  for (let k = 0; k < rest.length; k++) {
    const seg = rest[k];
    if (!current) { return `\`${segments.slice(0, segments.length - rest.length + k).join('.')}\` has a primitive type`; }
    if (current.kind === 'enum') {
      if ((current.members ?? []).some(m => m.name === seg) && k === rest.length - 1) { return undefined; }
      return `${current.name} has no member ${seg}`;
    }
    const ref = propertiesOf(types, current).get(seg);
    if (ref) { current = elementType(types, ref); continue; }
    if (methodsOf(types, current).has(seg) && k === rest.length - 1) { return undefined; }
    return `${current.name} has no property or method ${seg}`;
  }
  if (current && current.kind !== 'enum') { context.push(current); }
  return undefined;
}

/**
 * The backticked tokens of a cell that name API: identifier paths (`overrides.env`, `SidecarMode.NATIVE`),
 * calls cut at their first parenthesis (`KubernetesTarget.set(app, '1.29')` is `KubernetesTarget.set`).
 * Values in backticks are not API and are skipped: snake_case or SCREAMING_CASE words without a type
 * in front (`downstream_cx_active`), annotation keys, paths, numbers.
 */
export function apiTokens(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map(m => m[1].split('(')[0].replace(/\.$/, ''))
    .filter(x => IDENTIFIER_PATH.test(x) && !(/_/.test(x.split('.')[0]) && !/^[A-Z][a-z]/.test(x)));
}

/** A table's types, where `Prefix*` stands for every type of the assembly whose name starts with Prefix. */
export function expandTypes(types: Map<string, JsiiType>, names: string[]): string[] {
  return names.flatMap(n => (n.endsWith('*') ? [...types.keys()].filter(k => k.startsWith(n.slice(0, -1))).sort() : [n]));
}

function listed(names: string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ');
}

const IDENTIFIER_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Every problem of the tables: low coverage, wrong counts, rows without reasons, props that do not exist. */
export function checkParity(tables: ParityTable[], types: Map<string, JsiiType>, minimum = 0.9): string[] {
  const problems: string[] = [];
  for (const t of tables) {
    let covered = 0;
    let applicable = 0;
    for (const r of t.rows) {
      const s = statusOf(r.status);
      if (!s) { problems.push(`README.md:${r.line}: ${t.name} row ${r.num}: status "${r.status}" is not one of ✅ ◐ ❌ —`); continue; }
      if (s !== 'na') { applicable++; }
      if (s === 'full' || s === 'partial') { covered++; }
      if ((s === 'partial' || s === 'na') && r.status.replace(/^(◐|—)\s*/, '').length < 8) {
        problems.push(`README.md:${r.line}: ${t.name} row ${r.num}: a ${s === 'na' ? '—' : '◐'} row says why in its status cell`);
      }
      if (s === 'full' || s === 'partial') {
        const tokens = apiTokens(r.prop);
        // A behaviour without a prop ("built in: the app waits for ...") says so in so many words.
        if (tokens.length === 0 && !/^built in\b/.test(r.prop)) {
          problems.push(`README.md:${r.line}: ${t.name} row ${r.num}: a covered row names its prop in backticks (or starts "built in:")`);
        }
        const context: JsiiType[] = [];
        const defaults = expandTypes(types, t.types);
        for (const token of tokens) {
          const why = resolveProp(types, defaults, token, context);
          if (why) { problems.push(`README.md:${r.line}: ${t.name} row ${r.num}: \`${token}\`: ${why}`); }
        }
      }
    }
    if (!t.written) {
      problems.push(`README.md:${t.line}: ${t.name}: no "Covered: **N / M**" line under the table`);
    } else if (t.written[0] !== covered || t.written[1] !== applicable) {
      problems.push(`README.md:${t.line}: ${t.name}: written ${t.written[0]} / ${t.written[1]}, counted ${covered} / ${applicable}`);
    }
    if (applicable === 0 || covered / applicable < minimum) {
      problems.push(`${t.name}: ${covered} / ${applicable} applicable rows covered, below ${Math.round(minimum * 100)} %`);
    }
  }
  return problems;
}


if (require.main === module) {
  const file = process.argv[2] ?? path.join(__dirname, '..', 'README.md');
  const tables = parseParityTables(fs.readFileSync(file, 'utf8'));
  const problems = checkParity(tables, loadAssembly(path.join(__dirname, '..', '.jsii')));
  for (const t of tables) { console.log(`${t.name}: ${t.written?.join(' / ')}`); }
  console.log(problems.join('\n') || 'no problems');
}
