/**
 * The cost and overhead report's files, checked independently of the code that wrote them:
 * the JSON against its schema (schemas/cdk-sidecars/cost-report.schema.json) and its own
 * arithmetic, the CSV with an RFC 4180 reader written here, the Markdown's tables, and the
 * numbers recomputed from the synthesized manifests, templates or ARM templates.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parseAllDocuments } from 'yaml';

const SCHEMA = path.join(__dirname, 'schemas', 'cdk-sidecars', 'cost-report.schema.json');
let validate: ReturnType<Ajv['compile']> | undefined;

const close = (a: number, b: number, what: string) => {
  if (Math.abs(a - b) > 0.01) { throw new Error(`${what}: ${a} != ${b}`); }
};

/** Checks the report's JSON: schema, then parts and totals add up. */
export function validateCostReportJson(report: any): void {
  validate = validate ?? new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf-8')));
  if (!validate(report)) {
    throw new Error(`cost report: ${(validate.errors ?? []).map(e => `${e.instancePath || '(root)'} ${e.message}`).join('; ')}`);
  }
  const sum = { total: [0, 0], app: [0, 0], sidecars: [0, 0] } as { [k: string]: number[] };
  for (const w of report.workloads) {
    const n = w.replicas ?? 1;
    for (const part of ['total', 'app', 'sidecars']) {
      close(w.allReplicas[part].cpuMillicores, w.perReplica[part].cpuMillicores * n, `${w.path} ${part} CPU x replicas`);
      close(w.allReplicas[part].memoryMebibytes, w.perReplica[part].memoryMebibytes * n, `${w.path} ${part} memory x replicas`);
      sum[part][0] += w.allReplicas[part].cpuMillicores;
      sum[part][1] += w.allReplicas[part].memoryMebibytes;
    }
    close(w.perReplica.app.cpuMillicores + w.perReplica.sidecars.cpuMillicores, w.perReplica.total.cpuMillicores, `${w.path} app + sidecars CPU`);
    close(w.perReplica.app.memoryMebibytes + w.perReplica.sidecars.memoryMebibytes, w.perReplica.total.memoryMebibytes, `${w.path} app + sidecars memory`);
    const names = w.containers.map((c: any) => c.name);
    for (const s of w.sidecars) {
      for (const c of s.containers) {
        if (!names.includes(c) || w.containers.find((x: any) => x.name === c).sidecar !== s.path) { throw new Error(`${w.path}: sidecar ${s.path} lists container ${c}, not its own`); }
      }
    }
  }
  for (const part of ['total', 'app', 'sidecars']) {
    close(report.totals[part].cpuMillicores, sum[part][0], `totals ${part} CPU`);
    close(report.totals[part].memoryMebibytes, sum[part][1], `totals ${part} memory`);
  }
}

/** RFC 4180 (section 2) read strictly: quoted fields, doubled quotes, CRLF records; throws on anything else. */
export function parseRfc4180(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) { throw new Error('CSV: unterminated quoted field'); }
        if (text[i] === '"') {
          if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
          i++;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r' && text[i] !== '\n') {
        if (text[i] === '"') { throw new Error(`CSV: a quote inside an unquoted field at ${i}`); }
        field += text[i++];
      }
    }
    row.push(field);
    if (text[i] === ',') { i++; continue; }
    if (text.startsWith('\r\n', i)) { rows.push(row); row = []; i += 2; continue; }
    if (i >= text.length) { rows.push(row); break; }
    throw new Error(`CSV: expected a comma or CRLF at ${i}, found ${JSON.stringify(text[i])}`);
  }
  return rows;
}

/** The CSV says what the JSON says: one row per workload part and sidecar, then the totals. */
export function validateCostReportCsv(csv: string, report: any): void {
  const rows = parseRfc4180(csv);
  const width = rows[0].length;
  rows.forEach((r, i) => { if (r.length !== width) { throw new Error(`CSV row ${i}: ${r.length} fields, the header has ${width}`); } });
  const col = (name: string) => rows[0].indexOf(name);
  for (const w of report.workloads) {
    for (const part of ['total', 'app', 'sidecars']) {
      const r = rows.find(x => x[col('workload')] === w.path && x[col('part')] === part);
      if (!r) { throw new Error(`CSV: no ${part} row for ${w.path}`); }
      close(Number(r[col('cpu_millicores_all_replicas')]), w.allReplicas[part].cpuMillicores, `CSV ${w.path} ${part} CPU`);
      close(Number(r[col('memory_mib_all_replicas')]), w.allReplicas[part].memoryMebibytes, `CSV ${w.path} ${part} memory`);
    }
    for (const s of w.sidecars) {
      if (!rows.some(x => x[col('workload')] === w.path && x[col('part')] === `sidecar ${s.path}`)) { throw new Error(`CSV: no row for sidecar ${s.path} of ${w.path}`); }
    }
  }
  const total = rows.find(x => x[0] === 'all' && x[col('part')] === 'sidecars');
  if (!total) { throw new Error('CSV: no totals row'); }
  close(Number(total[col('cpu_millicores_all_replicas')]), report.totals.sidecars.cpuMillicores, 'CSV total sidecars CPU');
}

/** The Markdown has a section and a table per workload, and the totals table. */
export function validateCostReportMarkdown(md: string, report: any): void {
  const lines = md.split('\n');
  if (lines[0] !== '# Sidecar cost and overhead') { throw new Error('Markdown: no title'); }
  const tableRows = lines.filter(l => l.startsWith('| '));
  const expected = report.workloads.reduce((n: number, w: any) => n + 4 + w.sidecars.length, 0) + 4;
  if (tableRows.length !== expected) { throw new Error(`Markdown: ${tableRows.length} table rows, expected ${expected}`); }
  const headings = lines.filter(l => l.startsWith('## ')).length;
  if (headings < report.workloads.length + 1) { throw new Error(`Markdown: ${headings} sections for ${report.workloads.length} workloads`); }
  // every row of a table has as many cells as its header (an unescaped | would add one)
  let cells = 0;
  for (const l of lines) {
    if (!l.startsWith('|')) { cells = 0; continue; }
    const n = l.replace(/\\\|/g, '').split('|').length;
    if (cells === 0) { cells = n; } else if (n !== cells) { throw new Error(`Markdown: row with ${n - 2} cells in a table of ${cells - 2}: ${l}`); }
  }
}

/** A Kubernetes quantity in base units, read here independently of the library. */
function quantity(q: unknown): number {
  if (q === undefined || q === null) { return 0; }
  if (typeof q === 'number') { return q; }
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) { throw new Error(`not a quantity this check reads: ${q}`); }
  const f: { [k: string]: number } = { m: 1e-3, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * (m[2] ? f[m[2]] : 1);
}

/** Kubernetes: each workload's pod, read from the manifests; its effective request recomputed (sidecars from the injected annotation). */
export function crossCheckKubernetes(report: any, docs: any[]): void {
  for (const w of report.workloads.filter((x: any) => x.platform === 'kubernetes')) {
    const doc = docs.find(d => d.kind === w.kind && d.metadata?.name === w.name);
    if (!doc) { throw new Error(`cross-check: no ${w.kind} ${w.name} in the manifests`); }
    const pod = doc.kind === 'Pod' ? doc : doc.kind === 'CronJob' ? doc.spec.jobTemplate.spec.template : doc.spec.template;
    const injected = String(pod.metadata?.annotations?.['cdk-sidecars.dev/injected'] ?? '').split(',');
    const req = (c: any, r: string) => quantity(c.resources?.requests?.[r] ?? c.resources?.limits?.[r]);
    const effective = (keep: (c: any) => boolean) => ['cpu', 'memory'].map(r => {
      // kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/ ("Resource sharing within containers")
      let running = (pod.spec.containers ?? []).filter(keep).reduce((n: number, c: any) => n + req(c, r), 0);
      let sidecarSum = 0;
      let init = 0;
      for (const c of (pod.spec.initContainers ?? []).filter(keep)) {
        if (c.restartPolicy === 'Always') { running += req(c, r); sidecarSum += req(c, r); init = Math.max(init, sidecarSum); } else { init = Math.max(init, req(c, r) + sidecarSum); }
      }
      return Math.max(running, init);
    });
    const [cpu, mem] = effective(() => true);
    const [appCpu, appMem] = effective(c => !injected.includes(c.name));
    close(w.perReplica.total.cpuMillicores, cpu * 1000, `cross-check ${w.path} CPU`);
    close(w.perReplica.total.memoryMebibytes, mem / 1024 ** 2, `cross-check ${w.path} memory`);
    close(w.perReplica.app.cpuMillicores, appCpu * 1000, `cross-check ${w.path} app CPU`);
    close(w.perReplica.app.memoryMebibytes, appMem / 1024 ** 2, `cross-check ${w.path} app memory`);
    const replicas = doc.kind === 'DaemonSet' || doc.kind === 'CronJob' ? null : doc.kind === 'Job' ? (doc.spec.parallelism ?? 1) : doc.kind === 'Pod' ? 1 : (doc.spec.replicas ?? 1);
    if (w.replicas !== replicas) { throw new Error(`cross-check ${w.path}: replicas ${w.replicas}, the manifest says ${replicas}`); }
  }
}

/** ECS: each task definition's size and its sidecar containers' reservations, from the CloudFormation templates. */
export function crossCheckEcs(report: any, templates: any[]): void {
  const defs = templates.flatMap(t => Object.values<any>(t.Resources ?? {}).filter(r => r.Type === 'AWS::ECS::TaskDefinition'));
  for (const w of report.workloads.filter((x: any) => x.platform === 'ecs')) {
    const td = defs.find(d => d.Properties.Family === w.name);
    if (!td) { throw new Error(`cross-check: no task definition with family ${w.name}`); }
    const sidecarNames = w.containers.filter((c: any) => c.sidecar !== null).map((c: any) => c.name);
    const names = td.Properties.ContainerDefinitions.map((c: any) => c.Name);
    if (JSON.stringify([...names].sort()) !== JSON.stringify(w.containers.map((c: any) => c.name).sort())) {
      throw new Error(`cross-check ${w.path}: containers ${w.containers.map((c: any) => c.name)} in the report, ${names} in the template`);
    }
    const sidecars = td.Properties.ContainerDefinitions.filter((c: any) => sidecarNames.includes(c.Name));
    close(w.perReplica.sidecars.cpuMillicores, sidecars.reduce((n: number, c: any) => n + (c.Cpu ?? 0), 0) * 1000 / 1024, `cross-check ${w.path} sidecar CPU`);
    close(w.perReplica.sidecars.memoryMebibytes, sidecars.reduce((n: number, c: any) => n + (c.MemoryReservation ?? c.Memory ?? 0), 0), `cross-check ${w.path} sidecar memory`);
    if (w.basis === 'task-size') {
      close(w.perReplica.total.cpuMillicores, Number(td.Properties.Cpu) * 1000 / 1024, `cross-check ${w.path} task CPU`);
      close(w.perReplica.total.memoryMebibytes, Number(td.Properties.Memory), `cross-check ${w.path} task memory`);
    }
  }
}

/** ACI: each group's container requests, from the ARM templates. */
export function crossCheckAci(report: any, templates: any[]): void {
  const groups = templates.flatMap(t => (t.resources ?? []).filter((r: any) => r.type === 'Microsoft.ContainerInstance/containerGroups'));
  for (const w of report.workloads.filter((x: any) => x.platform === 'aci')) {
    const g = groups.find((r: any) => r.name === w.name);
    if (!g) { throw new Error(`cross-check: no container group ${w.name}`); }
    const sum = (keep: (c: any) => boolean, k: string) => g.properties.containers.filter(keep)
      .reduce((n: number, c: any) => n + (c.properties.resources?.requests?.[k] ?? 0), 0);
    const isSidecar = (c: any) => w.containers.find((x: any) => x.name === c.name)?.sidecar !== null;
    close(w.perReplica.total.cpuMillicores, sum(() => true, 'cpu') * 1000, `cross-check ${w.path} CPU`);
    close(w.perReplica.total.memoryMebibytes, sum(() => true, 'memoryInGB') * 1024, `cross-check ${w.path} memory`);
    close(w.perReplica.sidecars.cpuMillicores, sum(isSidecar, 'cpu') * 1000, `cross-check ${w.path} sidecar CPU`);
  }
}

/** Recomputes the report's numbers from the other outputs of its folder (manifests, templates or ARM templates). */
export function crossCheckFromOutdir(report: any, outdir: string): void {
  const files = fs.readdirSync(outdir).sort();
  const platforms = new Set(report.workloads.map((w: any) => w.platform));
  const json = (f: string) => JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf-8'));
  if (platforms.has('kubernetes')) {
    crossCheckKubernetes(report, files.filter(f => f.endsWith('.yaml'))
      .flatMap(f => parseAllDocuments(fs.readFileSync(path.join(outdir, f), 'utf-8')).map(d => d.toJS()).filter(d => d)));
  }
  if (platforms.has('ecs')) { crossCheckEcs(report, files.filter(f => f.endsWith('.template.json')).map(json)); }
  if (platforms.has('aci')) { crossCheckAci(report, files.filter(f => f.endsWith('.arm.json')).map(json)); }
}

/** The JSON a CSV or Markdown report was written with (same base name). */
function sibling(file: string): any {
  const base = file.replace(/\.(csv|md)$/, '.json');
  if (!fs.existsSync(base)) { throw new Error(`no ${path.basename(base)} beside it: a cost report is written as JSON, Markdown and CSV together`); }
  return JSON.parse(fs.readFileSync(base, 'utf-8'));
}

/** Entries for scripts/examples.ts OUTPUT_FILE_CHECKS: the report's three files. */
export interface ReportFileCheck {
  readonly format: string;
  readonly matches: (file: string) => boolean;
  readonly check: (file: string, content: string, outdir: string) => unknown;
}

export function costReportFileChecks(): ReportFileCheck[] {
  return [
    {
      format: 'cost report JSON, its schema, totals recomputed from the synthesized output',
      matches: f => f.endsWith('.json'),
      check: (_f, content, outdir) => {
        const report = JSON.parse(content);
        validateCostReportJson(report);
        crossCheckFromOutdir(report, outdir);
      },
    },
    { format: 'cost report CSV, RFC 4180 read back, rows match the JSON', matches: f => f.endsWith('.csv'), check: (f, content) => validateCostReportCsv(content, sibling(f)) },
    { format: 'cost report Markdown, tables match the JSON', matches: f => f.endsWith('.md'), check: (f, content) => validateCostReportMarkdown(content, sibling(f)) },
  ];
}
