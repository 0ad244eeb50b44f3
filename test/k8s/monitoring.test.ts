/**
 * Prometheus around the sidecars (issue 14): the metrics endpoint each built-in sidecar really
 * serves (ContainerPortSpec.metricsPath), the PodMonitor of SidecarMonitoring and the alerts of
 * SidecarAlertRules, per sidecar and per sidecar mode, with their thresholds and bad inputs.
 * Every synthesized manifest goes through validateManifests (the vendored prometheus-operator CRDs).
 */
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { checkPromQL, stringLiterals } from './promql-check';
import {
  DaprSidecar, EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorSidecar, PortExposure, Protocol, Sidecar,
  VaultAgentSidecar, VaultAuth, WaitCondition, XRayDaemonSidecar,
} from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { resolveContribution } from '../../src/core/resolve';
import { ScrapeMethod, SidecarAlertRules, SidecarMode, SidecarMonitoring, WorkloadSidecars } from '../../src/k8s';
import { podNamePattern } from '../../src/k8s/prometheus-targets';
import { promqlString, regexLiteral, relabelLiteral, vectorSelector } from '../../src/k8s/promql';
import { expectError } from '../errors';
import { findDoc, newChart, rawDeployment, synth } from './util';

/** The metrics endpoints a sidecar declares, as { container port name: [port, path] }. */
function endpoints(sidecar: any): { [name: string]: [number, string] } {
  const r = resolveContribution(sidecar.node.path, sidecar.contribute({ targetPath: 'web', appContainers: [], fileGroups: true, preStopHooks: true }));
  return Object.fromEntries(r.containers.flatMap(c => c.ports.filter(p => p.metricsPath).map(p => [p.name!, [p.port, p.metricsPath!]])));
}

function shop(id = 'web'): Chart {
  return new Chart(Testing.app(), id, { namespace: 'shop' });
}

describe('metrics endpoints of the built-in sidecars', () => {
  test('each sidecar declares the port and path its generated config serves metrics at', () => {
    const chart = newChart();
    expect(endpoints(new EnvoySidecar(chart, 'envoy'))).toEqual({ 'http-envoy-prom': [15090, '/stats/prometheus'] });
    expect(endpoints(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }))).toEqual({ 'http-metrics': [2020, '/api/v2/metrics/prometheus'] });
    expect(endpoints(new OpaSidecar(chart, 'opa'))).toEqual({ 'opa-diag': [8282, '/metrics'] });
    expect(endpoints(new DaprSidecar(chart, 'dapr', { appId: 'web' }))).toEqual({ 'dapr-metrics': [9090, '/'] });
    // The collector's own metrics are on 127.0.0.1 unless exposed: not claimed then.
    expect(endpoints(new OtelCollectorSidecar(chart, 'otel', { debugExporter: {} }))).toEqual({});
    expect(endpoints(new OtelCollectorSidecar(chart, 'otel2', { name: 'otel2', debugExporter: {}, exposeTelemetry: true, prometheusExporter: {} })))
      .toEqual({ 'otel-telemetry': [8888, '/metrics'], 'otel-prom': [8889, '/metrics'] });
    // The Vault agent's listener is bound to 127.0.0.1 (agent.hcl), the X-Ray daemon has no metrics.
    expect(endpoints(new VaultAgentSidecar(chart, 'vault', {
      address: 'https://vault.vault.svc:8200', auth: [VaultAuth.kubernetes({ role: 'web' })], secrets: [{ path: 'secret/data/web', file: 'web.json' }], cache: true,
    }))).toEqual({});
    expect(endpoints(new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1' }))).toEqual({});
  });

  test('ports and paths follow the props', () => {
    const chart = newChart();
    expect(endpoints(new EnvoySidecar(chart, 'envoy', { prometheusPort: 15091 }))).toEqual({ 'http-envoy-prom': [15091, '/stats/prometheus'] });
    expect(endpoints(new OpaSidecar(chart, 'opa', { diagnosticPort: 8383 }))).toEqual({ 'opa-diag': [8383, '/metrics'] });
    expect(endpoints(new DaprSidecar(chart, 'dapr', { appId: 'web', metricsPort: 9191 }))).toEqual({ 'dapr-metrics': [9191, '/'] });
    expect(endpoints(new DaprSidecar(chart, 'dapr2', { name: 'dapr2', appId: 'web2', enableMetrics: false }))).toEqual({});
  });

  test('a generic Sidecar declares its own; a metrics port must be named, declared and TCP', () => {
    const chart = newChart();
    expect(endpoints(new Sidecar(chart, 'exporter', {
      image: 'ghcr.io/acme/exporter:1.0.0', ports: [{ port: 9100, name: 'metrics', exposure: PortExposure.EXPOSED, metricsPath: '/metrics' }],
    }))).toEqual({ metrics: [9100, '/metrics'] });
    const bad = (id: string, port: any) => () => new Sidecar(newChart(), id, { image: 'ghcr.io/acme/exporter:1.0.0', ports: [port] });
    expectError(bad('a', { port: 9100, exposure: PortExposure.EXPOSED, metricsPath: '/metrics' }), ErrorCode.MISSING_SETTING, 'web/a: ports[0].name is not set');
    expectError(bad('b', { port: 9100, name: 'metrics', metricsPath: '/metrics' }), ErrorCode.INEFFECTIVE_SETTING, 'web/b: ports[0].metricsPath "/metrics" would have no effect: the port is POD_LOCAL');
    expectError(bad('c', { port: 9100, name: 'metrics', protocol: Protocol.UDP, exposure: PortExposure.EXPOSED, metricsPath: '/metrics' }),
      ErrorCode.INEFFECTIVE_SETTING, 'web/c: ports[0].metricsPath "/metrics" would have no effect: the port is UDP');
    expectError(bad('d', { port: 9100, name: 'metrics', exposure: PortExposure.EXPOSED, metricsPath: 'metrics' }), ErrorCode.INVALID_PATH, 'web/d: ports[0].metricsPath "metrics" is not an HTTP path');
    expectError(bad('e', { port: 9100, name: 'metrics', exposure: PortExposure.EXPOSED, metricsPath: '/metrics?format=prometheus' }), ErrorCode.INVALID_PATH,
      'web/e: ports[0].metricsPath "/metrics?format=prometheus" is not an HTTP path');
    expectError(bad('f', { port: 9100, name: 'metrics', exposure: PortExposure.EXPOSED, metricsPath: 42 }), ErrorCode.INVALID_TYPE, 'web/f: ports[0].metricsPath');
  });
});

/** A cdk8s-plus-27 Deployment in namespace shop with Envoy, OPA, Fluent Bit and the OTel Collector. */
function fullPod(chart: Chart, options: { mode?: SidecarMode } = {}) {
  // In classic mode nothing can wait for OPA to be healthy without a waitCommand: the app waits for it to start.
  const classic = options.mode === SidecarMode.CLASSIC;
  const web = new kplus.Deployment(chart, 'web', {
    metadata: { name: 'web' },
    podMetadata: { labels: { tier: 'front' } },
    containers: [{ name: 'web', image: 'ghcr.io/acme/web:1.0.0', portNumber: 8080 }],
  });
  const sidecars = WorkloadSidecars.of(web, options).add(
    new OpaSidecar(chart, 'opa', { envoyPlugin: true, ...(classic ? { appWaitsFor: WaitCondition.STARTED } : {}) }),
    new EnvoySidecar(chart, 'envoy'),
    new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }),
    new OtelCollectorSidecar(chart, 'otel', { debugExporter: {}, exposeTelemetry: true, ...(classic ? { appWaitsFor: WaitCondition.STARTED } : {}) }),
  );
  return { web, sidecars };
}

describe('SidecarMonitoring: PodMonitor', () => {
  test('one endpoint per sidecar metrics port, by port name, with the container and sidecar labels', () => {
    const chart = shop();
    const { web, sidecars } = fullPod(chart);
    new SidecarMonitoring(chart, 'monitoring', { sidecars, scrapeIntervalSeconds: 30, labels: { release: 'kube-prometheus-stack' } });
    const docs = synth(chart);
    const pm = findDoc(docs, 'PodMonitor');
    expect(pm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(pm.metadata).toEqual({ name: 'web-sidecars', namespace: 'shop', labels: { 'release': 'kube-prometheus-stack', 'app.kubernetes.io/managed-by': 'cdk-sidecars' } });
    const deployment = findDoc(docs, 'Deployment');
    expect(pm.spec.selector).toEqual({ matchLabels: deployment.spec.selector.matchLabels });
    expect(pm.spec.podMetricsEndpoints.map((e: any) => [e.port, e.path, e.scheme, e.interval])).toEqual([
      ['http-envoy-prom', '/stats/prometheus', 'http', '30s'],
      ['opa-diag', '/metrics', 'http', '30s'],
      ['http-metrics', '/api/v2/metrics/prometheus', 'http', '30s'],
      ['otel-telemetry', '/metrics', 'http', '30s'],
    ]);
    const spec = deployment.spec.template.spec;
    const ports = [...spec.initContainers, ...spec.containers].flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
    for (const e of pm.spec.podMetricsEndpoints) {
      // The named port exists on a container of the rendered pod.
      expect(ports).toContain(e.port);
    }
    expect(pm.spec.podMetricsEndpoints[0].relabelings).toEqual([
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_container_name'], targetLabel: 'container' },
      { action: 'replace', targetLabel: 'sidecar', replacement: 'web/envoy' },
    ]);
    expect(web).toBeDefined();
  });

  test('the selector is read at synthesis; a bare Pod is selected by its labels', () => {
    const chart = shop();
    const pod = new ApiObject(chart, 'pod', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'probe', labels: { app: 'probe' } },
      spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }] },
    });
    const sidecars = WorkloadSidecars.of(pod).add(new OpaSidecar(chart, 'opa'));
    new SidecarMonitoring(chart, 'monitoring', { sidecars });
    pod.metadata.addLabel('added', 'later');
    const pm = findDoc(synth(chart), 'PodMonitor');
    expect(pm.spec.selector).toEqual({ matchLabels: { app: 'probe', added: 'later' } });
    expect(pm.spec.podMetricsEndpoints[0].interval).toBeUndefined();
  });

  test('a construct path with "$" is written literally into the relabeling', () => {
    const chart = shop();
    const web = rawDeployment(chart, 'web');
    const sidecars = WorkloadSidecars.of(web).add(new OpaSidecar(chart, 'op$1a', { name: 'opa' }));
    new SidecarMonitoring(chart, 'monitoring', { sidecars });
    const pm = findDoc(synth(chart), 'PodMonitor');
    expect(pm.spec.podMetricsEndpoints[0].relabelings[1].replacement).toBe('web/op$$1a');
  });

  test('no sidecar with metrics, or no labels to select by: catalogued errors at synthesis', () => {
    const chart = shop();
    const web = rawDeployment(chart, 'web');
    const sidecars = WorkloadSidecars.of(web).add(new XRayDaemonSidecar(chart, 'xray', { region: 'eu-west-1' }));
    new SidecarMonitoring(chart, 'monitoring', { sidecars });
    expectError(() => Testing.synth(chart), ErrorCode.INEFFECTIVE_SETTING, 'web/monitoring: sidecars "web/web" would have no effect: none of its sidecars (web/xray) serves Prometheus metrics');

    const chart2 = shop();
    const pod = new ApiObject(chart2, 'pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }] } });
    new SidecarMonitoring(chart2, 'monitoring', { sidecars: WorkloadSidecars.of(pod).add(new OpaSidecar(chart2, 'opa')) });
    expectError(() => Testing.synth(chart2), ErrorCode.INEFFECTIVE_SETTING, 'web/monitoring: sidecars "web/pod" would have no effect: a PodMonitor selects pods by label');
  });

  test('one SidecarMonitoring and one SidecarAlertRules per workload', () => {
    const chart = shop();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'web')).add(new OpaSidecar(chart, 'opa'));
    new SidecarMonitoring(chart, 'm1', { sidecars });
    new SidecarAlertRules(chart, 'a1', { sidecars });
    expectError(() => new SidecarMonitoring(chart, 'm2', { sidecars }), ErrorCode.ALREADY_SET, 'web/m2: sidecars is already set ("web/web") by web/m1');
    expectError(() => new SidecarAlertRules(chart, 'a2', { sidecars }), ErrorCode.ALREADY_SET, 'web/a2: sidecars is already set ("web/web") by web/a1');
  });

  test('props of the wrong runtime type', () => {
    const chart = shop();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'web')).add(new OpaSidecar(chart, 'opa'));
    const make = (id: string, props: any) => () => new SidecarMonitoring(chart, id, props);
    expectError(make('a', {}), ErrorCode.INVALID_TYPE, 'web/a: sidecars undefined');
    expectError(make('b', { sidecars: {} }), ErrorCode.INVALID_TYPE, 'web/b: sidecars {} (object) is not a WorkloadSidecars');
    expectError(make('c', { sidecars, scrapeIntervalSeconds: '30' }), ErrorCode.INVALID_TYPE, 'web/c: scrapeIntervalSeconds "30"');
    expectError(make('d', { sidecars, scrapeIntervalSeconds: 0 }), ErrorCode.INVALID_NUMBER, 'web/d: scrapeIntervalSeconds 0');
    expectError(make('e', { sidecars, labels: { a: 1 } }), ErrorCode.INVALID_TYPE, 'web/e: labels.a 1');
    expectError(make('f', { sidecars, labels: { 'bad key!': 'x' } }), ErrorCode.INVALID_NAME, 'web/f: labels key "bad key!" is not a valid name');
    expectError(make('g', { sidecars, labels: { release: 'kube prometheus' } }), ErrorCode.INVALID_NAME, 'web/g: labels.release "kube prometheus" is not a valid name');
    // review14: the managed-by label the library sets on every generated object silently replaced the user's.
    expectError(make('h', { sidecars, labels: { 'app.kubernetes.io/managed-by': 'helm' } }), ErrorCode.INEFFECTIVE_SETTING,
      'web/h: labels.app.kubernetes.io/managed-by "helm" would have no effect');
    expectError(() => new SidecarAlertRules(chart, 'i', { sidecars, labels: { 'app.kubernetes.io/managed-by': 'helm' } }), ErrorCode.INEFFECTIVE_SETTING,
      'web/i: labels.app.kubernetes.io/managed-by "helm" would have no effect');
  });
});

describe('SidecarMonitoring: scrape annotations', () => {
  test('the one sidecar metrics port is annotated on the pod template; no PodMonitor', () => {
    const chart = shop();
    const web = rawDeployment(chart, 'web');
    const sidecars = WorkloadSidecars.of(web).add(new OpaSidecar(chart, 'opa', { diagnosticPort: 8383 }));
    const monitoring = new SidecarMonitoring(chart, 'monitoring', { sidecars, method: ScrapeMethod.ANNOTATIONS });
    const docs = synth(chart);
    expect(monitoring.podMonitor).toBeUndefined();
    expect(docs.filter(d => d.kind === 'PodMonitor')).toEqual([]);
    const annotations = findDoc(docs, 'Deployment').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/scheme': 'http', 'prometheus.io/path': '/metrics', 'prometheus.io/port': '8383' });
  });

  test('several metrics ports: choose one with annotatedContainer, or an error says why', () => {
    const chart = shop();
    const { sidecars } = fullPod(chart);
    new SidecarMonitoring(chart, 'monitoring', { sidecars, method: ScrapeMethod.ANNOTATIONS, annotatedContainer: 'envoy' });
    const annotations = findDoc(synth(chart), 'Deployment').spec.template.metadata.annotations;
    expect(annotations).toMatchObject({ 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/port': '15090' });

    const chart2 = shop();
    new SidecarMonitoring(chart2, 'monitoring', { sidecars: fullPod(chart2).sidecars, method: ScrapeMethod.ANNOTATIONS });
    expectError(() => Testing.synth(chart2), ErrorCode.INEFFECTIVE_SETTING,
      'web/monitoring: method "ANNOTATIONS" would have no effect: scrape annotations name one port per pod, and web/web/Resource has 4 sidecar metrics ports (envoy:15090, opa:8282, fluent-bit:2020, otel-collector:8888)');

    const chart3 = shop();
    new SidecarMonitoring(chart3, 'monitoring', { sidecars: fullPod(chart3).sidecars, method: ScrapeMethod.ANNOTATIONS, annotatedContainer: 'vault' });
    expectError(() => Testing.synth(chart3), ErrorCode.UNKNOWN_REFERENCE, 'web/monitoring: annotatedContainer "vault" names a sidecar container with a metrics port');
  });

  test('an annotation the pod template already has with another value is an error, naming both', () => {
    const chart = shop();
    const web = new ApiObject(chart, 'web', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' } },
          spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }] }] },
        },
      },
    });
    new SidecarMonitoring(chart, 'monitoring', { sidecars: WorkloadSidecars.of(web).add(new OpaSidecar(chart, 'opa')), method: ScrapeMethod.ANNOTATIONS });
    expectError(() => Testing.synth(chart), ErrorCode.ALREADY_SET,
      'web/monitoring: pod annotation "prometheus.io/port" is already set ("8080") on the pod template of web/web, and web/monitoring needs "8282"');
  });

  test('props that annotations cannot carry are refused', () => {
    const chart = shop();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'web')).add(new OpaSidecar(chart, 'opa'));
    expectError(() => new SidecarMonitoring(chart, 'a', { sidecars, method: ScrapeMethod.ANNOTATIONS, scrapeIntervalSeconds: 30 }), ErrorCode.INEFFECTIVE_SETTING,
      'web/a: scrapeIntervalSeconds 30 would have no effect');
    expectError(() => new SidecarMonitoring(chart, 'b', { sidecars, method: ScrapeMethod.ANNOTATIONS, labels: { release: 'x' } }), ErrorCode.INEFFECTIVE_SETTING,
      'web/b: labels {"release":"x"} would have no effect');
    expectError(() => new SidecarMonitoring(chart, 'c', { sidecars, annotatedContainer: 'opa' }), ErrorCode.INEFFECTIVE_SETTING, 'web/c: annotatedContainer "opa" would have no effect');
    expectError(() => new SidecarMonitoring(chart, 'd', { sidecars, method: 'SCRAPE' as any }), ErrorCode.INVALID_TYPE, 'web/d: method "SCRAPE"');
  });
});

describe('SidecarAlertRules: PrometheusRule', () => {
  function rulesOf(docs: any[]): any[] {
    const rule = findDoc(docs, 'PrometheusRule');
    expect(rule.spec.groups).toHaveLength(1);
    return rule.spec.groups[0].rules;
  }

  test('native sidecars: the kube_pod_init_container_* series; alerts only where their series exist', () => {
    const chart = shop();
    const { sidecars } = fullPod(chart);
    new SidecarAlertRules(chart, 'alerts', { sidecars, labels: { release: 'kube-prometheus-stack' } });
    const docs = synth(chart);
    const rule = findDoc(docs, 'PrometheusRule');
    expect(rule.metadata).toEqual({ name: 'web-sidecars', namespace: 'shop', labels: { 'release': 'kube-prometheus-stack', 'app.kubernetes.io/managed-by': 'cdk-sidecars' } });
    const rules = rulesOf(docs);
    const spec = findDoc(docs, 'Deployment').spec.template.spec;
    const byContainer = (name: string) => rules.filter(r => r.labels.container === name).map(r => r.alert);
    for (const c of spec.initContainers.filter((x: any) => x.restartPolicy === 'Always')) {
      const expected = [
        ...(c.resources?.limits?.memory ? ['SidecarMemoryNearLimit'] : []),
        ...(c.resources?.limits?.cpu ? ['SidecarCpuThrottled'] : []),
        'SidecarRestarting', 'SidecarNotReady',
      ];
      expect(byContainer(c.name)).toEqual(expected);
    }
    // Envoy has a memory and a CPU limit (Istio's defaults), OPA none of CPU.
    expect(byContainer('envoy')).toEqual(['SidecarMemoryNearLimit', 'SidecarCpuThrottled', 'SidecarRestarting', 'SidecarNotReady']);
    for (const r of rules) {
      checkPromQL(r.expr);
      expect(r.expr).not.toMatch(/kube_pod_container_/);
      expect(r.labels.severity).toBe('warning');
    }
    const envoy = Object.fromEntries(rules.filter(r => r.labels.container === 'envoy').map(r => [r.alert, r]));
    const sel = 'namespace="shop",pod=~"web-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}",container="envoy"';
    expect(envoy.SidecarMemoryNearLimit.expr).toBe(`max by (namespace, pod, container) (container_memory_working_set_bytes{${sel}}) / on (namespace, pod, container) `
      + `max by (namespace, pod, container) (kube_pod_init_container_resource_limits{${sel},resource="memory"}) > 0.9`);
    expect(envoy.SidecarMemoryNearLimit.for).toBe('15m');
    expect(envoy.SidecarCpuThrottled.expr).toBe(`sum by (namespace, pod, container) (increase(container_cpu_cfs_throttled_periods_total{${sel}}[5m])) / `
      + `sum by (namespace, pod, container) (increase(container_cpu_cfs_periods_total{${sel}}[5m])) > 0.25`);
    expect(envoy.SidecarRestarting.expr).toBe(`increase(kube_pod_init_container_status_restarts_total{${sel}}[15m]) >= 3`);
    expect(envoy.SidecarRestarting.for).toBeUndefined();
    expect(envoy.SidecarNotReady.expr).toBe(`(kube_pod_init_container_status_ready{${sel}} == 0) and on (namespace, pod) `
      + '(kube_pod_status_phase{namespace="shop",pod=~"web-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}",phase="Running"} == 1)');
    expect(envoy.SidecarNotReady.for).toBe('10m');
    expect(envoy.SidecarNotReady.annotations.summary).toBe('sidecar container envoy of Deployment shop/web (pod {{ $labels.pod }}) has not been ready for 10m.');
  });

  test('classic sidecars: the kube_pod_container_* series', () => {
    const chart = shop();
    const { sidecars } = fullPod(chart, { mode: SidecarMode.CLASSIC });
    new SidecarAlertRules(chart, 'alerts', { sidecars });
    const rules = rulesOf(synth(chart));
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      checkPromQL(r.expr);
      expect(r.expr).not.toMatch(/kube_pod_init_container_/);
    }
    expect(rules.find(r => r.alert === 'SidecarRestarting' && r.labels.container === 'envoy').expr).toMatch(/^increase\(kube_pod_container_status_restarts_total\{/);
  });

  test('thresholds, windows and severity follow the props', () => {
    const chart = shop();
    const { sidecars } = fullPod(chart);
    new SidecarAlertRules(chart, 'alerts', {
      sidecars, memoryLimitPercent: 85, cpuThrottlingPercent: 50.5, restartCount: 5, restartWindowMinutes: 30, notReadyMinutes: 3, forMinutes: 0, severity: 'critical',
    });
    const rules = rulesOf(synth(chart)).filter(r => r.labels.container === 'envoy');
    const by = Object.fromEntries(rules.map(r => [r.alert, r]));
    expect(by.SidecarMemoryNearLimit.expr).toMatch(/ > 0\.85$/);
    expect(by.SidecarMemoryNearLimit.for).toBe('0m');
    expect(by.SidecarCpuThrottled.expr).toMatch(/ > 0\.505$/);
    expect(by.SidecarRestarting.expr).toMatch(/\[30m\]\) >= 5$/);
    expect(by.SidecarNotReady.for).toBe('3m');
    expect(rules.every(r => r.labels.severity === 'critical')).toBe(true);
  });

  test('a container without a CPU limit gets no throttling alert (every sidecar has a memory limit by default)', () => {
    const chart = shop();
    const web = rawDeployment(chart, 'web');
    web.metadata.addLabel('x', 'y');
    const sidecars = WorkloadSidecars.of(web).add(new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', resources: { memoryRequestMebibytes: 32 } }));
    new SidecarAlertRules(chart, 'alerts', { sidecars });
    const rules = rulesOf(synth(chart));
    expect(rules.map(r => r.alert)).toEqual(['SidecarMemoryNearLimit', 'SidecarRestarting', 'SidecarNotReady']);
  });

  test('pod names per workload kind', () => {
    const R = '[bcdfghjklmnpqrstvwxz2456789]';
    expect(podNamePattern('Deployment', 'web')).toBe(`web-${R}{1,10}-${R}{5}`);
    expect(podNamePattern('StatefulSet', 'db.v1')).toBe('db\\.v1-[0-9]+');
    expect(podNamePattern('DaemonSet', 'agent')).toBe(`agent-${R}{5}`);
    expect(podNamePattern('Job', 'migrate')).toBe(`migrate-${R}{5}`);
    expect(podNamePattern('CronJob', 'report')).toBe(`report-[0-9]+-${R}{5}`);
    expect(podNamePattern('Pod', 'probe')).toBe('probe');
    const long = 'a'.repeat(50);
    expect(podNamePattern('Deployment', long)).toBe(`${long}-[a-z0-9.-]*`);
    expect(podNamePattern('DaemonSet', 'b'.repeat(70))).toBe(`${'b'.repeat(58)}[a-z0-9.-]*`);
    // The patterns match the names the controllers give (and not a neighbour's).
    const re = (p: string) => new RegExp(`^(?:${p})$`);
    expect(re(podNamePattern('Deployment', 'web')).test('web-7c9f8b6d5-x2k4q')).toBe(true);
    expect(re(podNamePattern('Deployment', 'web')).test('web-api-x2k4q')).toBe(false);
    expect(re(podNamePattern('StatefulSet', 'db')).test('db-12')).toBe(true);
    expect(re(podNamePattern('CronJob', 'report')).test('report-29406240-7kq2z')).toBe(true);
  });

  test('bad inputs', () => {
    const chart = shop();
    const sidecars = WorkloadSidecars.of(rawDeployment(chart, 'web')).add(new OpaSidecar(chart, 'opa'));
    const make = (id: string, props: any) => () => new SidecarAlertRules(chart, id, props);
    expectError(make('a', { sidecars, memoryLimitPercent: 0 }), ErrorCode.INVALID_NUMBER, 'web/a: memoryLimitPercent 0 is not a percentage above 0 and at most 100');
    expectError(make('b', { sidecars, cpuThrottlingPercent: 101 }), ErrorCode.INVALID_NUMBER, 'web/b: cpuThrottlingPercent 101');
    expectError(make('c', { sidecars, memoryLimitPercent: '90' }), ErrorCode.INVALID_TYPE, 'web/c: memoryLimitPercent "90"');
    expectError(make('d', { sidecars, restartCount: 0 }), ErrorCode.INVALID_NUMBER, 'web/d: restartCount 0');
    expectError(make('e', { sidecars, forMinutes: 1.5 }), ErrorCode.INVALID_NUMBER, 'web/e: forMinutes 1.5');
    expectError(make('f', { sidecars, severity: 'Page "now"' }), ErrorCode.INVALID_NAME, 'web/f: severity "Page \\"now\\""');
    expectError(make('g', { sidecars: 'web' }), ErrorCode.INVALID_TYPE, 'web/g: sidecars "web"');
    expectError(make('h', { sidecars, labels: [] }), ErrorCode.INVALID_TYPE, 'web/h: labels []');
    expectError(make('i', { sidecars, labels: { 'example.com/team': '-x' } }), ErrorCode.INVALID_NAME, 'web/i: labels.example.com/team "-x"');

    const noNamespace = newChart('nons');
    const s2 = WorkloadSidecars.of(rawDeployment(noNamespace, 'web')).add(new OpaSidecar(noNamespace, 'opa'));
    expectError(() => new SidecarAlertRules(noNamespace, 'alerts', { sidecars: s2 }), ErrorCode.MISSING_SETTING, 'nons/alerts: nons/web metadata.namespace is not set');

    const onlyInit = shop('init');
    const s3 = WorkloadSidecars.of(rawDeployment(onlyInit, 'web')).add(new VaultAgentSidecar(onlyInit, 'vault', {
      address: 'https://vault.vault.svc:8200', auth: [VaultAuth.kubernetes({ role: 'web' })], secrets: [{ path: 'secret/data/web', file: 'web.json' }], prePopulateOnly: true,
    }));
    new SidecarAlertRules(onlyInit, 'alerts', { sidecars: s3 });
    expectError(() => Testing.synth(onlyInit), ErrorCode.INEFFECTIVE_SETTING, 'init/alerts: sidecars "init/web" would have no effect: it has no long-running sidecar container');
  });
});

describe('PromQL writing', () => {
  test('label values are escaped: every string literal reads back as the value', () => {
    const values = ['plain', 'quo"te', 'back\\slash', 'new\nline', 'tab\there', '{{ $labels.x }}', '"}) or vector(1) #', '\u0001ctl', 'ünï'];
    for (const v of values) {
      const expr = vectorSelector('up', [['job', '=', v], ['pod', '=~', regexLiteral(v)]]);
      checkPromQL(expr);
      const lits = stringLiterals(expr);
      expect(lits[0]).toBe(v);
      expect(new RegExp(`^(?:${lits[1]})$`).test(v)).toBe(true);
    }
    expect(promqlString('a"b')).toBe('"a\\"b"');
    expect(() => vectorSelector('up', [['bad label', '=', 'x']])).toThrow(/not a Prometheus metric or label name/);
  });

  test('the checker refuses what Prometheus would refuse', () => {
    for (const bad of [
      'up{job="a"', 'up{job="a"}) > 1', 'up{job="a\\"}', 'up{job="a\\qb"}', 'up{job="a\nb"}', 'up{job=a}', 'increase(up{job="a"})',
      'sum by (pod (up{job="a"})', 'up{pod=~"("}', 'up{job="a"} >', '`up`',
    ]) {
      expect(() => checkPromQL(bad)).toThrow();
    }
    // What an unescaped value would have produced.
    expect(() => checkPromQL('up{job="x"}) or vector(1) #"}')).toThrow();
  });

  test('relabeling replacements are literal', () => {
    expect(relabelLiteral('a$1${x}$$')).toBe('a$$1$${x}$$$$');
  });
});
