/**
 * The generated alert rules in Prometheus' own engine: `promtool check rules` parses every
 * expression with the upstream PromQL parser, and `promtool test rules` evaluates the rules on
 * series shaped like cAdvisor's and kube-state-metrics' (names and labels of
 * kubernetes/kube-state-metrics docs/metrics/workload/pod-metrics.md) and checks which alerts fire:
 * for the workload's pods only (not a neighbour whose name shares the prefix, nor a finished pod),
 * on the init-container series for native sidecars and the container series for classic ones.
 * promtool comes with Debian's `prometheus` package; without it these tests skip and say why.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { findDoc, rawDeployment, synth } from './util';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, WaitCondition } from '../../src';
import { SidecarAlertRules, SidecarMode, WorkloadSidecars } from '../../src/k8s';
import { promqlString, regexLiteral, vectorSelector } from '../../src/k8s/promql';

const PROMTOOL = spawnSync('promtool', ['--version'], { encoding: 'utf-8' });
const HAVE_PROMTOOL = PROMTOOL.status === 0;
if (!HAVE_PROMTOOL) {
  // eslint-disable-next-line no-console
  console.warn('promtool.test.ts skipped: promtool is not installed (apt-get install prometheus)');
}
const maybe = HAVE_PROMTOOL ? describe : describe.skip;

/** The rule groups of a PrometheusRule for a Deployment "web" in "shop" with Envoy, OPA and Fluent Bit. */
function ruleGroups(mode: SidecarMode): any {
  const chart = new Chart(Testing.app(), 'web', { namespace: 'shop' });
  const web = rawDeployment(chart, 'web');
  const sidecars = WorkloadSidecars.of(web, { mode }).add(
    new OpaSidecar(chart, 'opa', { appWaitsFor: WaitCondition.STARTED }),
    new EnvoySidecar(chart, 'envoy'),
    new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }),
  );
  new SidecarAlertRules(chart, 'alerts', { sidecars });
  return findDoc(synth(chart), 'PrometheusRule').spec;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-promtool-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function promtool(args: string[]): string {
  const r = spawnSync('promtool', args, { encoding: 'utf-8', cwd: tmp });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0) { throw new Error(`promtool ${args.join(' ')} failed:\n${out}`); }
  return out;
}

const POD = 'web-7c9f8b6d5-x2k4q';
/** Another workload's pod whose name starts with "web-" too. */
const NEIGHBOUR = 'web-api-7c9f8b6d5-x2k4q';
const series = (metric: string, labels: { [k: string]: string }) =>
  `${metric}{${Object.entries(labels).map(([k, v]) => `${k}=${promqlString(v)}`).join(',')}}`;

/** Input series where Envoy of POD is near its memory limit, throttled, restarting and not ready; the neighbour's Envoy too. */
function inputSeries(ksm: string): Array<{ series: string; values: string }> {
  const out: Array<{ series: string; values: string }> = [];
  for (const pod of [POD, NEIGHBOUR]) {
    const c = { namespace: 'shop', pod, container: 'envoy' };
    out.push(
      { series: series('container_memory_working_set_bytes', c), values: '1000000000x40' },
      { series: series(`${ksm}_resource_limits`, { ...c, resource: 'memory', unit: 'byte' }), values: '1073741824x40' },
      { series: series('container_cpu_cfs_throttled_periods_total', c), values: '0+50x40' },
      { series: series('container_cpu_cfs_periods_total', c), values: '0+100x40' },
      { series: series(`${ksm}_status_restarts_total`, c), values: '0+1x40' },
      { series: series(`${ksm}_status_ready`, c), values: '0x40' },
      { series: series('kube_pod_status_phase', { namespace: 'shop', pod, phase: 'Running' }), values: '1x40' },
    );
  }
  // A finished pod of the workload (a stopped sidecar is not ready): no alert.
  const done = { namespace: 'shop', pod: 'web-7c9f8b6d5-zzzzz', container: 'opa' };
  out.push(
    { series: series(`${ksm}_status_ready`, done), values: '0x40' },
    { series: series('kube_pod_status_phase', { namespace: 'shop', pod: done.pod, phase: 'Running' }), values: '0x40' },
  );
  return out;
}

function summary(rules: any[], alert: string, pod: string): string {
  const rule = rules.find(r => r.alert === alert && r.labels.container === 'envoy');
  return rule.annotations.summary.replace('{{ $labels.pod }}', pod);
}

maybe('the alert rules in Prometheus\' engine (promtool)', () => {
  test.each([SidecarMode.NATIVE, SidecarMode.CLASSIC])('%s: promtool parses every rule, and the alerts fire for the workload\'s pods only', (mode) => {
    const spec = ruleGroups(mode);
    const rules = spec.groups[0].rules;
    fs.writeFileSync(path.join(tmp, `rules-${mode}.yml`), YAML.stringify(spec));
    expect(promtool(['check', 'rules', `rules-${mode}.yml`])).toContain(`SUCCESS: ${rules.length} rules found`);

    const ksm = mode === SidecarMode.NATIVE ? 'kube_pod_init_container' : 'kube_pod_container';
    const labels = { container: 'envoy', namespace: 'shop', pod: POD, severity: 'warning' };
    const alert = (name: string) => ({ exp_labels: labels, exp_annotations: { summary: summary(rules, name, POD) } });
    const test = {
      rule_files: [`rules-${mode}.yml`],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: inputSeries(ksm),
        alert_rule_test: [
          // Memory (0.93 of the limit) and throttling (0.5) hold for forMinutes (15): firing at 20m.
          { eval_time: '20m', alertname: 'SidecarMemoryNearLimit', exp_alerts: [alert('SidecarMemoryNearLimit')] },
          { eval_time: '20m', alertname: 'SidecarCpuThrottled', exp_alerts: [alert('SidecarCpuThrottled')] },
          { eval_time: '10m', alertname: 'SidecarMemoryNearLimit', exp_alerts: [] },
          // One restart a minute: at least 3 in 15m.
          { eval_time: '20m', alertname: 'SidecarRestarting', exp_alerts: [alert('SidecarRestarting')] },
          // Not ready for notReadyMinutes (10), in a running pod only.
          { eval_time: '15m', alertname: 'SidecarNotReady', exp_alerts: [alert('SidecarNotReady')] },
          { eval_time: '5m', alertname: 'SidecarNotReady', exp_alerts: [] },
        ],
      }],
    };
    fs.writeFileSync(path.join(tmp, `test-${mode}.yml`), YAML.stringify(test));
    expect(promtool(['test', 'rules', `test-${mode}.yml`])).toContain('SUCCESS');
  });

  test('the rules of one mode do not fire on the other mode\'s series (a native sidecar is an init container to kube-state-metrics)', () => {
    const spec = ruleGroups(SidecarMode.NATIVE);
    fs.writeFileSync(path.join(tmp, 'rules-cross.yml'), YAML.stringify(spec));
    const test = {
      rule_files: ['rules-cross.yml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: inputSeries('kube_pod_container'),
        alert_rule_test: [
          { eval_time: '20m', alertname: 'SidecarRestarting', exp_alerts: [] },
          { eval_time: '15m', alertname: 'SidecarNotReady', exp_alerts: [] },
        ],
      }],
    };
    fs.writeFileSync(path.join(tmp, 'test-cross.yml'), YAML.stringify(test));
    expect(promtool(['test', 'rules', 'test-cross.yml'])).toContain('SUCCESS');
  });

  test('label values written by the escaper select exactly that value in Prometheus (= and =~)', () => {
    const values = ['plain', 'quo"te', 'back\\slash', 'new\nline', 'tab\there', '{{ $labels.x }}', '"}) or vector(1) #', 'a.b*c+(d)[e]{f}|g^$', 'ünï'];
    const rules = { groups: [{ name: 'escaping', rules: values.map((v, i) => ({ alert: `Escaped${i}`, expr: `${vectorSelector('probe', [['job', '=', v], ['pod', '=~', regexLiteral(v)]])} == 1` })) }] };
    fs.writeFileSync(path.join(tmp, 'rules-escaping.yml'), YAML.stringify(rules));
    const test = {
      rule_files: ['rules-escaping.yml'],
      evaluation_interval: '1m',
      tests: [{
        interval: '1m',
        input_series: values.flatMap(v => [
          { series: series('probe', { job: v, pod: v }), values: '1x5' },
          // Near misses: the value with a suffix, and a regex-special neighbour.
          { series: series('probe', { job: v, pod: `${v}x` }), values: '1x5' },
          { series: series('probe', { job: `${v}x`, pod: v }), values: '1x5' },
        ]),
        alert_rule_test: values.map((v, i) => ({ eval_time: '2m', alertname: `Escaped${i}`, exp_alerts: [{ exp_labels: { job: v, pod: v } }] })),
      }],
    };
    fs.writeFileSync(path.join(tmp, 'test-escaping.yml'), YAML.stringify(test));
    expect(promtool(['check', 'rules', 'rules-escaping.yml'])).toContain(`SUCCESS: ${values.length} rules found`);
    expect(promtool(['test', 'rules', 'test-escaping.yml'])).toContain('SUCCESS');
  });
});
