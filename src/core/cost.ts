/**
 * The cost and overhead report: what the sidecars of each workload request compared with
 * its app, per replica and for all replicas, with an optional price. Platform-neutral: each
 * binder reads its own synthesized objects into a {@link CostWorkload} (Kubernetes pods, ECS
 * task definitions, ACI container groups) and this module adds up, prices and writes.
 * Internal: the public API is the report class of each binder.
 */
import * as fs from 'fs';
import * as nodePath from 'path';
import { CostReportOptions } from './cost-options';
import { Errors } from './errors';
import { checkPropTypes } from './prop-types';

/** How a container runs in its pod, which decides how its request counts. */
export enum CostLifecycle {
  /** A regular container (Kubernetes `containers`, every ECS and ACI container). */
  REGULAR = 'regular',
  /** An init container that runs to completion before the next one starts. */
  INIT = 'init',
  /** A Kubernetes init container with `restartPolicy: Always` (a native sidecar). */
  RESTARTABLE_INIT = 'restartable-init',
}

/** One container as a binder read it from the synthesized object. */
export interface CostContainer {
  readonly name: string;
  /** Construct path of the sidecar that added it; undefined for the app's own containers. */
  readonly sidecar?: string;
  readonly lifecycle: CostLifecycle;
  /** Requested CPU in millicores; undefined when the container requests none. */
  readonly cpuMillicores?: number;
  /** Requested memory in MiB; undefined when the container requests none. */
  readonly memoryMebibytes?: number;
}

/** How the pod's or task's size is worked out, which is what the platform bills or schedules. */
export enum CostBasis {
  /**
   * Kubernetes: the effective pod request (what the scheduler reserves), from the formula of
   * kubernetes/kubernetes staging/src/k8s.io/component-helpers/resource/helpers.go `PodRequests`
   * (KEP-753): the larger of (regular containers + restartable init containers) and, for each
   * init container, its request plus the restartable init containers before it.
   */
  EFFECTIVE_POD_REQUEST = 'effective-pod-request',
  /** ECS on Fargate: the task size (task-level cpu and memory) is billed, whatever the containers reserve. */
  TASK_SIZE = 'task-size',
  /** ACI: the sum of the containers' resource requests, billed per vCPU-second and GB-second. */
  CONTAINER_REQUESTS = 'container-requests',
}

/** One workload (pod template, task definition, container group) as a binder read it. */
export interface CostWorkload {
  readonly platform: string;
  /** Construct path of the workload. */
  readonly path: string;
  readonly kind: string;
  readonly name: string;
  /** Replicas when known (Deployment, StatefulSet, ECS service desiredCount); undefined: counted per pod. */
  readonly replicas?: number;
  /** Why the replicas are what they are, or unknown. */
  readonly replicasSource: string;
  readonly basis: CostBasis;
  readonly containers: readonly CostContainer[];
  /** The billed size when it is set apart from the containers (ECS task cpu and memory). */
  readonly billed?: { readonly cpuMillicores: number; readonly memoryMebibytes: number };
}

/** Prices and what they are in. */
export interface CostPrices {
  readonly pricePerVcpuHour?: number;
  readonly pricePerGibHour?: number;
  readonly hoursPerMonth: number;
  readonly currency: string;
}

export const COST_OPTION_TYPES = {
  pricePerVcpuHour: 'number', pricePerGibHour: 'number', hoursPerMonth: 'number', currency: 'string', fileName: 'string',
} as const;

/** Identifies the report's JSON format (test/validate/schemas/cdk-sidecars/cost-report.schema.json). */
export const COST_REPORT_FORMAT = 'cdk-sidecars/cost-report/v1';

/** Checks the options and fills their defaults. */
export function costPrices(path: string, options: CostReportOptions | undefined): CostPrices & { readonly fileName: string } {
  checkPropTypes(path, options ?? {}, COST_OPTION_TYPES);
  const o = options ?? {};
  for (const key of ['pricePerVcpuHour', 'pricePerGibHour'] as const) {
    const v = o[key];
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) { throw Errors.invalidNumber(path, key, v, 'a price of zero or more'); }
  }
  if (o.hoursPerMonth !== undefined && (!Number.isFinite(o.hoursPerMonth) || o.hoursPerMonth <= 0 || o.hoursPerMonth > 744)) {
    throw Errors.invalidNumber(path, 'hoursPerMonth', o.hoursPerMonth, 'a number of hours above 0 and at most 744 (31 days)');
  }
  if ((o.pricePerVcpuHour === undefined) !== (o.pricePerGibHour === undefined)) {
    const missing = o.pricePerVcpuHour === undefined ? 'pricePerVcpuHour' : 'pricePerGibHour';
    throw Errors.missingSetting(path, missing, 'a monthly cost needs both the vCPU and the memory price', `Set ${missing} too (0 when that resource is free), or neither`);
  }
  if (o.currency !== undefined && !/^[A-Z]{3}$/.test(o.currency)) {
    throw Errors.invalidRole(path, 'currency', o.currency, 'is not an ISO 4217 currency code', 'Use three capital letters, e.g. "USD" or "EUR"');
  }
  if (o.fileName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(o.fileName)) {
    throw Errors.invalidRole(path, 'fileName', o.fileName, 'is not a plain file name', 'Use letters, digits, \'.\', \'_\' and \'-\' (no folder), e.g. "sidecar-cost"');
  }
  return {
    pricePerVcpuHour: o.pricePerVcpuHour,
    pricePerGibHour: o.pricePerGibHour,
    // 730 hours: 24 x 365 / 12, the month AWS and Azure price calculators use.
    hoursPerMonth: o.hoursPerMonth ?? 730,
    currency: o.currency ?? 'USD',
    fileName: o.fileName ?? 'sidecar-cost',
  };
}

/** CPU (millicores) and memory (MiB). */
export interface Amount { readonly cpuMillicores: number; readonly memoryMebibytes: number }

const ZERO: Amount = { cpuMillicores: 0, memoryMebibytes: 0 };
const both = (f: (x: number, y: number) => number) => (a: Amount, b: Amount): Amount =>
  ({ cpuMillicores: f(a.cpuMillicores, b.cpuMillicores), memoryMebibytes: f(a.memoryMebibytes, b.memoryMebibytes) });
const add = both((x, y) => x + y);
const sub = both((x, y) => x - y);
const max = both(Math.max);
const times = (a: Amount, n: number): Amount => ({ cpuMillicores: a.cpuMillicores * n, memoryMebibytes: a.memoryMebibytes * n });
const amountOf = (c: CostContainer): Amount => ({ cpuMillicores: c.cpuMillicores ?? 0, memoryMebibytes: c.memoryMebibytes ?? 0 });
/** Rounds away binary fractions (0.1 GB steps, CPU units) without hiding a real difference. */
const round = (n: number, digits = 4) => Math.round(n * 10 ** digits) / 10 ** digits;
const rounded = (a: Amount): Amount => ({ cpuMillicores: round(a.cpuMillicores), memoryMebibytes: round(a.memoryMebibytes) });

/**
 * The effective request of a Kubernetes pod: kubernetes/kubernetes
 * staging/src/k8s.io/component-helpers/resource/helpers.go `PodRequests` (pod overhead left
 * out). Regular and restartable init containers add up; each plain init container counts
 * with the restartable ones started before it; the larger of the two, per resource.
 */
export function effectivePodRequest(containers: readonly CostContainer[]): Amount {
  let running = containers.filter(c => c.lifecycle === CostLifecycle.REGULAR).map(amountOf).reduce(add, ZERO);
  let restartable = ZERO;
  let init = ZERO;
  for (const c of containers.filter(x => x.lifecycle !== CostLifecycle.REGULAR)) {
    if (c.lifecycle === CostLifecycle.RESTARTABLE_INIT) {
      running = add(running, amountOf(c));
      restartable = add(restartable, amountOf(c));
      init = max(init, restartable);
    } else {
      init = max(init, add(amountOf(c), restartable));
    }
  }
  return max(running, init);
}

/** Size of one replica, and the app's and the sidecars' part of it. */
function split(w: CostWorkload): { total: Amount; app: Amount; sidecars: Amount } {
  const appOnly = w.containers.filter(c => c.sidecar === undefined);
  const sidecarContainers = w.containers.filter(c => c.sidecar !== undefined);
  switch (w.basis) {
    case CostBasis.EFFECTIVE_POD_REQUEST: {
      // The sidecars' overhead is what they add to the pod's effective request: the pod with
      // them less the pod without them (a sidecar init step smaller than the app adds nothing).
      const total = effectivePodRequest(w.containers);
      const app = effectivePodRequest(appOnly);
      return { total, app, sidecars: sub(total, app) };
    }
    case CostBasis.TASK_SIZE: {
      // Fargate bills the task size; the sidecars' part is what their containers reserve of it
      // (cpu units, memoryReservation or memory), the rest is the app's.
      const total = w.billed ?? w.containers.map(amountOf).reduce(add, ZERO);
      const sidecars = sidecarContainers.map(amountOf).reduce(add, ZERO);
      return { total, app: sub(total, sidecars), sidecars };
    }
    default: {
      const app = appOnly.filter(c => c.lifecycle === CostLifecycle.REGULAR).map(amountOf).reduce(add, ZERO);
      const sidecars = sidecarContainers.filter(c => c.lifecycle === CostLifecycle.REGULAR).map(amountOf).reduce(add, ZERO);
      return { total: add(app, sidecars), app, sidecars };
    }
  }
}

function monthly(a: Amount, prices: CostPrices): number | null {
  if (prices.pricePerVcpuHour === undefined || prices.pricePerGibHour === undefined) { return null; }
  return round((a.cpuMillicores / 1000 * prices.pricePerVcpuHour + a.memoryMebibytes / 1024 * prices.pricePerGibHour) * prices.hoursPerMonth, 2);
}

const share = (part: number, whole: number) => (whole > 0 ? round(part / whole) : 0);
const shares = (part: Amount, whole: Amount) =>
  ({ cpu: share(part.cpuMillicores, whole.cpuMillicores), memory: share(part.memoryMebibytes, whole.memoryMebibytes) });

/** The report as JSON (its shape: test/validate/schemas/cdk-sidecars/cost-report.schema.json). */
export function costReport(workloads: readonly CostWorkload[], prices: CostPrices): any {
  const notes: string[] = [];
  let all = { total: ZERO, app: ZERO, sidecars: ZERO };
  const out = workloads.map(w => {
    const perReplica = split(w);
    const count = w.replicas ?? 1;
    const allReplicas = { total: times(perReplica.total, count), app: times(perReplica.app, count), sidecars: times(perReplica.sidecars, count) };
    all = { total: add(all.total, allReplicas.total), app: add(all.app, allReplicas.app), sidecars: add(all.sidecars, allReplicas.sidecars) };
    for (const c of w.containers) {
      const missing = [c.cpuMillicores === undefined ? 'CPU' : '', c.memoryMebibytes === undefined ? 'memory' : ''].filter(x => x);
      if (missing.length && !(w.basis === CostBasis.CONTAINER_REQUESTS && c.lifecycle === CostLifecycle.INIT)) {
        notes.push(`${w.path}: container ${JSON.stringify(c.name)} requests no ${missing.join(' and ')}: counted as 0`);
      }
    }
    if (w.replicas === undefined) { notes.push(`${w.path}: ${w.replicasSource}: counted as one replica in the totals`); }
    const bySidecar = [...new Set(w.containers.map(c => c.sidecar).filter((s): s is string => s !== undefined))].map(path => {
      const mine = w.containers.filter(c => c.sidecar === path);
      // What the sidecar holds while the app runs: its long-running containers.
      const steady = mine.filter(c => c.lifecycle !== CostLifecycle.INIT).map(amountOf).reduce(add, ZERO);
      return { path, containers: mine.map(c => c.name), perReplica: rounded(steady) };
    });
    return {
      platform: w.platform,
      path: w.path,
      kind: w.kind,
      name: w.name,
      replicas: w.replicas ?? null,
      replicasSource: w.replicasSource,
      basis: w.basis,
      containers: w.containers.map(c => ({
        name: c.name,
        sidecar: c.sidecar ?? null,
        lifecycle: c.lifecycle,
        cpuMillicores: c.cpuMillicores === undefined ? null : round(c.cpuMillicores),
        memoryMebibytes: c.memoryMebibytes === undefined ? null : round(c.memoryMebibytes),
      })),
      perReplica: { total: rounded(perReplica.total), app: rounded(perReplica.app), sidecars: rounded(perReplica.sidecars) },
      allReplicas: { total: rounded(allReplicas.total), app: rounded(allReplicas.app), sidecars: rounded(allReplicas.sidecars) },
      sidecarShare: shares(perReplica.sidecars, perReplica.total),
      sidecars: bySidecar,
      monthlyCost: prices.pricePerVcpuHour === undefined ? null
        : { total: monthly(allReplicas.total, prices), app: monthly(allReplicas.app, prices), sidecars: monthly(allReplicas.sidecars, prices) },
    };
  });
  return {
    format: COST_REPORT_FORMAT,
    prices: prices.pricePerVcpuHour === undefined ? null : {
      perVcpuHour: prices.pricePerVcpuHour, perGibHour: prices.pricePerGibHour, hoursPerMonth: prices.hoursPerMonth, currency: prices.currency,
    },
    workloads: out,
    totals: {
      total: rounded(all.total),
      app: rounded(all.app),
      sidecars: rounded(all.sidecars),
      sidecarShare: shares(all.sidecars, all.total),
      monthlyCost: prices.pricePerVcpuHour === undefined ? null
        : { total: monthly(all.total, prices), app: monthly(all.app, prices), sidecars: monthly(all.sidecars, prices) },
    },
    notes,
  };
}

/**
 * One CSV field (RFC 4180, section 2): quoted when it holds a comma, a double quote, CR or
 * LF, a double quote doubled inside. The one escaping function of the CSV writer: construct
 * paths and container names are user data.
 */
export function csvField(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV columns, in order. */
export const CSV_COLUMNS = ['platform', 'workload', 'kind', 'replicas', 'part', 'cpu_millicores_per_replica', 'memory_mib_per_replica',
  'cpu_millicores_all_replicas', 'memory_mib_all_replicas', 'monthly_cost'];

/** The report as CSV (RFC 4180, CRLF line ends): one row per workload and part (total, app, sidecars, each sidecar), then the totals. */
export function costCsv(report: any): string {
  const rows: Array<Array<string | number | null>> = [CSV_COLUMNS];
  for (const w of report.workloads) {
    for (const part of ['total', 'app', 'sidecars'] as const) {
      rows.push([w.platform, w.path, w.kind, w.replicas, part, w.perReplica[part].cpuMillicores, w.perReplica[part].memoryMebibytes,
        w.allReplicas[part].cpuMillicores, w.allReplicas[part].memoryMebibytes, w.monthlyCost?.[part] ?? null]);
    }
    for (const s of w.sidecars) {
      rows.push([w.platform, w.path, w.kind, w.replicas, `sidecar ${s.path}`, s.perReplica.cpuMillicores, s.perReplica.memoryMebibytes,
        round(s.perReplica.cpuMillicores * (w.replicas ?? 1)), round(s.perReplica.memoryMebibytes * (w.replicas ?? 1)), null]);
    }
  }
  for (const part of ['total', 'app', 'sidecars'] as const) {
    rows.push(['all', '', '', '', part, '', '', report.totals[part].cpuMillicores, report.totals[part].memoryMebibytes, report.totals.monthlyCost?.[part] ?? null]);
  }
  return rows.map(r => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/**
 * One Markdown table cell or inline text: characters with an inline meaning in CommonMark or
 * GFM tables escaped with a backslash (CommonMark 0.31 section 2.4, backslash escapes), line
 * breaks as spaces. The one escaping function of the Markdown writer.
 */
export function markdownCell(value: string | number | null): string {
  const s = value === null ? '' : String(value);
  // Inline markup (emphasis, code, links, HTML, entities, strikethrough) and the cell separator; the
  // characters that matter only at the start of a line (#, -, +) never start a cell's line here.
  return s.replace(/[\r\n]+/g, ' ').replace(/[\\`*_[\]<>|~&]/g, c => `\\${c}`);
}

const vcpu = (m: number) => `${round(m / 1000, 3)}`;
const gib = (m: number) => `${round(m / 1024, 3)}`;
const pct = (f: number) => `${round(f * 100, 1)} %`;

/** The report as Markdown: a table per workload and a totals table. */
export function costMarkdown(report: any): string {
  const lines: string[] = ['# Sidecar cost and overhead', ''];
  const cost = (v: number | null | undefined) => (v === null || v === undefined ? '' : `${v.toFixed(2)} ${report.prices.currency}`);
  const priced = report.prices !== null;
  if (priced) {
    lines.push(`Prices: ${markdownCell(report.prices.perVcpuHour)} ${markdownCell(report.prices.currency)} per vCPU-hour, `
      + `${markdownCell(report.prices.perGibHour)} per GiB-hour, ${markdownCell(report.prices.hoursPerMonth)} hours a month.`, '');
  }
  const header = `| | vCPU per replica | GiB per replica | vCPU, all replicas | GiB, all replicas |${priced ? ' monthly |' : ''}`;
  const rule = `|---|---:|---:|---:|---:|${priced ? '---:|' : ''}`;
  for (const w of report.workloads) {
    lines.push(`## ${markdownCell(w.path)}`, '',
      `${markdownCell(w.platform)} ${markdownCell(w.kind)} ${markdownCell(w.name)}, replicas: ${w.replicas === null ? 'unknown (per pod)' : w.replicas} `
      + `(${markdownCell(w.replicasSource)}); basis: ${markdownCell(w.basis)}. Sidecars take ${pct(w.sidecarShare.cpu)} of the CPU and ${pct(w.sidecarShare.memory)} of the memory.`, '',
      header, rule);
    for (const part of ['total', 'app', 'sidecars'] as const) {
      lines.push(`| ${part} | ${vcpu(w.perReplica[part].cpuMillicores)} | ${gib(w.perReplica[part].memoryMebibytes)} | ${vcpu(w.allReplicas[part].cpuMillicores)} `
        + `| ${gib(w.allReplicas[part].memoryMebibytes)} |${priced ? ` ${cost(w.monthlyCost?.[part])} |` : ''}`);
    }
    for (const s of w.sidecars) {
      const n = w.replicas ?? 1;
      lines.push(`| ${markdownCell(s.path)} (${s.containers.map(markdownCell).join(', ')}) | ${vcpu(s.perReplica.cpuMillicores)} | ${gib(s.perReplica.memoryMebibytes)} `
        + `| ${vcpu(s.perReplica.cpuMillicores * n)} | ${gib(s.perReplica.memoryMebibytes * n)} |${priced ? ' |' : ''}`);
    }
    lines.push('');
  }
  lines.push('## All workloads', '', '| | vCPU | GiB |' + (priced ? ' monthly |' : ''), '|---|---:|---:|' + (priced ? '---:|' : ''));
  for (const part of ['total', 'app', 'sidecars'] as const) {
    lines.push(`| ${part} | ${vcpu(report.totals[part].cpuMillicores)} | ${gib(report.totals[part].memoryMebibytes)} |${priced ? ` ${cost(report.totals.monthlyCost?.[part])} |` : ''}`);
  }
  lines.push('', `Sidecars take ${pct(report.totals.sidecarShare.cpu)} of the CPU and ${pct(report.totals.sidecarShare.memory)} of the memory.`);
  if (report.notes.length) {
    lines.push('', '## Notes', '', ...report.notes.map((n: string) => `- ${markdownCell(n)}`));
  }
  return lines.join('\n') + '\n';
}

/** Writes `<fileName>.json`, `.md` and `.csv` into `dir` (created when missing); returns the files. */
export function writeCostReport(dir: string, fileName: string, report: any): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: Array<[string, string]> = [
    [`${fileName}.json`, `${JSON.stringify(report, null, 2)}\n`],
    [`${fileName}.md`, costMarkdown(report)],
    [`${fileName}.csv`, costCsv(report)],
  ];
  return files.map(([name, content]) => {
    const file = nodePath.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  });
}
