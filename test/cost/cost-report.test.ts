import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OtelCollectorSidecar, VaultAgentSidecar, VaultAuth } from '../../src';
import { CostBasis, CostLifecycle, CostWorkload, costCsv, costReport, csvField, effectivePodRequest, markdownCell } from '../../src/core/cost';
import { KubernetesTarget, SidecarCostReport, WorkloadSidecars, parseQuantity } from '../../src/k8s';
import { crossCheckKubernetes, parseRfc4180, validateCostReportCsv, validateCostReportJson, validateCostReportMarkdown } from '../validate/cost-report';
import { validateManifests } from '../validate/k8s';

/** RFC 4180 read by an independent parser: Python's csv module. */
function parseCsv(text: string): string[][] {
  return JSON.parse(execFileSync('python3', ['-c', 'import csv,io,json,sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))'],
    { input: text, encoding: 'utf-8' }));
}

function referenceApp(replicas = 3) {
  const app = Testing.app();
  KubernetesTarget.set(app, '1.33');
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const api = new kplus.Deployment(chart, 'api', {
    replicas,
    containers: [{
      name: 'api',
      image: 'ghcr.io/acme/api:1.0.0',
      portNumber: 8080,
      resources: {
        cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(1000) },
        memory: { request: Size.mebibytes(512), limit: Size.mebibytes(1024) },
      },
    }],
  });
  const sidecars = WorkloadSidecars.of(api).add(
    new EnvoySidecar(chart, 'envoy', { clusters: [{ name: 'payments', address: 'payments.shop.svc', port: 8080 }] }),
    new VaultAgentSidecar(chart, 'vault', { address: 'https://vault.vault.svc:8200', auth: [VaultAuth.kubernetes({ role: 'api' })], secrets: [{ path: 'secret/data/api', file: 'api.json' }] }),
    new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.logging.svc' })] }),
    new OtelCollectorSidecar(chart, 'otel', { serviceName: 'api', otlpExporters: [{ endpoint: 'otel-gateway.observability.svc:4317' }] }),
  );
  return { app, chart, api, sidecars };
}

describe('Kubernetes quantities', () => {
  test.each([
    ['250m', 0.25], ['0.5', 0.5], ['2', 2], ['128Mi', 128 * 2 ** 20], ['1Gi', 2 ** 30], ['500M', 5e8], ['1e3', 1000], ['1.5Gi', 1.5 * 2 ** 30], [3, 3],
  ])('%s', (q, n) => expect(parseQuantity(q)).toBeCloseTo(n as number));
  test.each(['', 'abc', '1 Gi', '1Gb', null, {}])('%p is not a quantity', q => expect(parseQuantity(q)).toBeUndefined());
});

describe('effective pod request (component-helpers PodRequests)', () => {
  const c = (name: string, lifecycle: CostLifecycle, cpu: number, mem: number) => ({ name, lifecycle, cpuMillicores: cpu, memoryMebibytes: mem });
  test('native sidecars add to the app; an init container counts with the native sidecars started before it', () => {
    // Kubernetes docs, "Sidecar containers", resource sharing: the example of the helpers.go comment, in millicores and MiB.
    expect(effectivePodRequest([
      c('ic1', CostLifecycle.INIT, 1000, 1024), c('sc', CostLifecycle.RESTARTABLE_INIT, 1000, 1024), c('ic2', CostLifecycle.INIT, 2000, 3072),
      c('c1', CostLifecycle.REGULAR, 2000, 1024), c('c2', CostLifecycle.REGULAR, 1000, 1024),
    ])).toEqual({ cpuMillicores: 4000, memoryMebibytes: 4096 });
    // a large plain init container before any native sidecar is counted alone
    expect(effectivePodRequest([c('big', CostLifecycle.INIT, 5000, 100), c('sc', CostLifecycle.RESTARTABLE_INIT, 100, 100), c('app', CostLifecycle.REGULAR, 100, 100)]))
      .toEqual({ cpuMillicores: 5000, memoryMebibytes: 200 });
  });
});

describe('SidecarCostReport', () => {
  test('reference pod: sidecars against the app, per replica and x3, priced', () => {
    const { chart } = referenceApp();
    const report = new SidecarCostReport(chart, 'cost', { pricePerVcpuHour: 0.04, pricePerGibHour: 0.005 });
    const docs = Testing.synth(chart);
    validateManifests(docs);
    const json = report.toJson();
    expect(json.format).toBe('cdk-sidecars/cost-report/v1');
    expect(json.workloads).toHaveLength(1);
    const w = json.workloads[0];
    expect(w).toMatchObject({ platform: 'kubernetes', kind: 'Deployment', replicas: 3, basis: 'effective-pod-request' });
    // recomputed here from the synthesized Deployment, independently of the report
    const pod = docs.find(d => d.kind === 'Deployment').spec.template.spec;
    const cpu = (x: any) => { const q = x.resources?.requests?.cpu; return q === undefined ? 0 : q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000; };
    const natives = pod.initContainers.filter((x: any) => x.restartPolicy === 'Always');
    const running = [...natives, ...pod.containers].reduce((n: number, x: any) => n + cpu(x), 0);
    const app = pod.containers.filter((x: any) => x.name === 'api').reduce((n: number, x: any) => n + cpu(x), 0);
    expect(w.perReplica.total.cpuMillicores).toBe(running);
    expect(w.perReplica.app.cpuMillicores).toBe(app);
    expect(w.perReplica.sidecars.cpuMillicores).toBe(running - app);
    expect(w.allReplicas.sidecars.cpuMillicores).toBe(3 * (running - app));
    expect(w.sidecars.map((s: any) => s.path)).toEqual(['shop/envoy', 'shop/vault', 'shop/logs', 'shop/otel']);
    // the redirect init the binder adds for Envoy's interception is Envoy's, not the app's
    expect(w.containers.find((c: any) => c.name === 'cdk-sidecars-redirect')).toMatchObject({ sidecar: 'shop/envoy', lifecycle: 'init' });
    expect(w.containers.filter((c: any) => c.sidecar === null).map((c: any) => c.name)).toEqual(['api']);
    expect(w.sidecars.reduce((n: number, s: any) => n + s.perReplica.cpuMillicores, 0)).toBe(running - app);
    const vcpu = w.allReplicas.sidecars.cpuMillicores / 1000;
    const gib = w.allReplicas.sidecars.memoryMebibytes / 1024;
    expect(w.monthlyCost.sidecars).toBeCloseTo((vcpu * 0.04 + gib * 0.005) * 730, 2);
    expect(json.totals.sidecars).toEqual(w.allReplicas.sidecars);
  });

  test('classic sidecars (Kubernetes 1.28) are regular containers: they add to the app\'s sum', () => {
    const app = Testing.app();
    KubernetesTarget.set(app, '1.28');
    const chart = new Chart(app, 'old');
    const d = new kplus.Deployment(chart, 'api', {
      replicas: 2,
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080, resources: { cpu: { request: kplus.Cpu.millis(200) }, memory: { request: Size.mebibytes(256) } } }],
    });
    WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd' })] }));
    const docs = Testing.synth(chart);
    validateManifests(docs);
    const json = new SidecarCostReport(chart, 'cost').toJson();
    const w = json.workloads[0];
    expect(w.containers.map((c: any) => [c.name, c.lifecycle])).toEqual([['fluent-bit', 'regular'], ['api', 'regular']]);
    const bit = w.containers[0];
    expect(w.perReplica.total).toEqual({ cpuMillicores: 200 + bit.cpuMillicores, memoryMebibytes: 256 + bit.memoryMebibytes });
    expect(w.perReplica.sidecars).toEqual({ cpuMillicores: bit.cpuMillicores, memoryMebibytes: bit.memoryMebibytes });
    crossCheckKubernetes(json, docs);
  });

  test('a DaemonSet has no replica count: per pod, said in the notes', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'node');
    const ds = new kplus.DaemonSet(chart, 'agent', { containers: [{ name: 'agent', image: 'ghcr.io/acme/agent:1', portNumber: 9000 }] });
    WorkloadSidecars.of(ds).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd' })] }));
    const json = new SidecarCostReport(chart, 'cost').toJson();
    expect(json.workloads[0].replicas).toBeNull();
    expect(json.prices).toBeNull();
    expect(json.workloads[0].monthlyCost).toBeNull();
    expect(json.notes).toEqual(expect.arrayContaining([expect.stringContaining('node/agent/Resource: a DaemonSet runs one pod per matching node')]));
  });

  test('writeTo writes JSON, Markdown and CSV; the CSV reads back with an RFC 4180 parser', () => {
    const { chart } = referenceApp(2);
    const report = new SidecarCostReport(chart, 'cost', { fileName: 'shop-cost' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cost-'));
    expect(report.writeTo(dir).map(f => path.basename(f))).toEqual(['shop-cost.json', 'shop-cost.md', 'shop-cost.csv']);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'shop-cost.json'), 'utf-8'));
    const rows = parseCsv(fs.readFileSync(path.join(dir, 'shop-cost.csv'), 'utf-8'));
    expect(rows[0][0]).toBe('platform');
    const sidecarsRow = rows.find(r => r[4] === 'sidecars' && r[1] === 'shop/api/Resource')!;
    expect(Number(sidecarsRow[7])).toBe(json.workloads[0].allReplicas.sidecars.cpuMillicores);
    const md = fs.readFileSync(path.join(dir, 'shop-cost.md'), 'utf-8');
    expect(md).toContain('## shop/api/Resource');
  });
});

describe('writers escape user data', () => {
  const hostile = 'a,b "quoted"\r\nnext | *x* <b>';
  const workload: CostWorkload = {
    platform: 'kubernetes',
    path: hostile,
    kind: 'Deployment',
    name: hostile,
    replicas: 1,
    replicasSource: 'spec.replicas',
    basis: CostBasis.EFFECTIVE_POD_REQUEST,
    containers: [{ name: 'app', lifecycle: CostLifecycle.REGULAR, cpuMillicores: 100, memoryMebibytes: 128 },
      { name: hostile, sidecar: hostile, lifecycle: CostLifecycle.REGULAR, cpuMillicores: 50, memoryMebibytes: 64 }],
  };
  test('CSV: one field per value after a round trip through Python\'s csv module', () => {
    const report = costReport([workload], { hoursPerMonth: 730, currency: 'USD' });
    const rows = parseCsv(costCsv(report));
    expect(rows.every(r => r.length === 10)).toBe(true);
    expect(rows[1][1]).toBe(hostile);
    expect(rows.find(r => r[4] === `sidecar ${hostile}`)).toBeDefined();
    expect(parseCsv(`${['x', '"', ',', '', '\n'].map(csvField).join(',')}\r\n`)).toEqual([['x', '"', ',', '', '\n']]);
  });
  test('Markdown: no raw table pipe or markup from a name', () => {
    expect(markdownCell(hostile)).toBe('a,b "quoted" next \\| \\*x\\* \\<b\\>');
  });
  test.each([hostile, '*em* _em_ `code` [link](http://x) <i>html</i> &amp; ~~del~~ \\ back', '**strong** ![img](x.png) <http://auto.link>'])(
    'Markdown: %p reads back as its own text with a CommonMark parser', text => {
      // commonmark.js comes with the jsii toolchain (jsii-rosetta, jsii-pacmak): an independent CommonMark parser here.
      // eslint-disable-next-line @typescript-eslint/no-require-imports, import/no-extraneous-dependencies
      const commonmark = require('commonmark');
      const walker = new commonmark.Parser().parse(`x ${markdownCell(text)}`).walker();
      let literal = '';
      const types = new Set<string>();
      for (let e = walker.next(); e; e = walker.next()) {
        if (e.entering) { types.add(e.node.type); if (e.node.type === 'text') { literal += e.node.literal; } }
      }
      expect([...types].sort()).toEqual(['document', 'paragraph', 'text']);
      expect(literal).toBe(`x ${text.replace(/[\r\n]+/g, ' ')}`);
    });
});

describe('the report\'s validator (test/validate/cost-report.ts) catches what is wrong', () => {
  const { chart } = referenceApp();
  const report = new SidecarCostReport(chart, 'cost', { pricePerVcpuHour: 0.04, pricePerGibHour: 0.005 });
  const docs = Testing.synth(chart);
  const json = report.toJson();

  test('a valid report passes every check', () => {
    expect(() => {
      validateCostReportJson(json);
      crossCheckKubernetes(json, docs);
      validateCostReportCsv(report.toCsv(), json);
      validateCostReportMarkdown(report.toMarkdown(), json);
    }).not.toThrow();
  });
  test('a wrong total, an unknown field, a wrong replica count', () => {
    const copy = () => JSON.parse(JSON.stringify(json));
    const a = copy(); a.totals.sidecars.cpuMillicores += 1;
    expect(() => validateCostReportJson(a)).toThrow(/totals sidecars CPU/);
    const b = copy(); b.workloads[0].extra = 1;
    expect(() => validateCostReportJson(b)).toThrow(/must NOT have additional properties/);
    const c = copy(); c.workloads[0].perReplica.app.cpuMillicores -= 100; c.workloads[0].perReplica.total.cpuMillicores -= 100;
    expect(() => crossCheckKubernetes(c, docs)).toThrow(/cross-check shop\/api\/Resource CPU/);
  });
  test('CSV and Markdown that do not read back', () => {
    expect(() => parseRfc4180('a,"b\r\n')).toThrow(/unterminated/);
    expect(() => parseRfc4180('a,b"c\r\n')).toThrow(/quote inside an unquoted field/);
    expect(() => validateCostReportMarkdown(report.toMarkdown().replace('| total |', '| to|tal |'), json)).toThrow(/cells in a table/);
  });
});

describe('effective pod request, property-based', () => {
  /** The pod's life simulated phase by phase: each init container alone with the native sidecars already up, then all running. */
  function simulate(containers: Array<{ lifecycle: CostLifecycle; cpuMillicores: number; memoryMebibytes: number }>) {
    const phases: Array<typeof containers> = [];
    const up: typeof containers = [];
    for (const c of containers.filter(x => x.lifecycle !== CostLifecycle.REGULAR)) {
      if (c.lifecycle === CostLifecycle.INIT) { phases.push([...up, c]); } else { up.push(c); phases.push([...up]); }
    }
    phases.push([...up, ...containers.filter(x => x.lifecycle === CostLifecycle.REGULAR)]);
    const peak = (k: 'cpuMillicores' | 'memoryMebibytes') => Math.max(...phases.map(p => p.reduce((n, c) => n + c[k], 0)));
    return { cpuMillicores: peak('cpuMillicores'), memoryMebibytes: peak('memoryMebibytes') };
  }
  test('equals the peak of the simulated phases', () => {
    const container = fc.record({
      name: fc.constant('c'),
      lifecycle: fc.constantFrom(CostLifecycle.REGULAR, CostLifecycle.INIT, CostLifecycle.RESTARTABLE_INIT),
      cpuMillicores: fc.integer({ min: 0, max: 4000 }),
      memoryMebibytes: fc.integer({ min: 0, max: 8192 }),
    });
    fc.assert(fc.property(fc.array(container, { maxLength: 8 }), cs => {
      expect(effectivePodRequest(cs)).toEqual(simulate(cs));
    }), { numRuns: 300, seed: 14 });
  });
});
