import { ApiObject, Chart, Size, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OtelCollectorSidecar } from '../../src';
import {
  KubernetesTarget, SidecarMode, SidecarVerticalAutoscaler, VpaContainerMode, VpaControlledValues, VpaSidecarBounds, VpaUpdateMode, WorkloadSidecars,
} from '../../src/k8s';
import { validateManifests } from '../validate/k8s';

function setup(version = '1.33', mode?: SidecarMode, replicas = 3) {
  const app = Testing.app();
  KubernetesTarget.set(app, version);
  const chart = new Chart(app, 'shop', { namespace: 'shop' });
  const api = new kplus.Deployment(chart, 'api', {
    replicas,
    initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/migrate:1' }],
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
  const sidecars = WorkloadSidecars.of(api, mode ? { mode } : undefined).add(
    new EnvoySidecar(chart, 'envoy', { clusters: [{ name: 'payments', address: 'payments.shop.svc', port: 8080 }] }),
    new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.logging.svc' })] }),
  );
  // The collector's app waits until it is HEALTHY, which classic sidecars cannot do without a waitCommand.
  if (version !== '1.28') { sidecars.add(new OtelCollectorSidecar(chart, 'otel', { serviceName: 'api', otlpExporters: [{ endpoint: 'otel-gateway.observability.svc:4317' }] })); }
  return { app, chart, api, sidecars };
}

const vpaOf = (docs: any[]) => docs.find(d => d.kind === 'VerticalPodAutoscaler');

describe('SidecarVerticalAutoscaler', () => {
  test('targets the workload; one policy per container: sidecars bounded by their requests and limits, init steps Off, the app Auto', () => {
    const { chart, sidecars } = setup();
    new SidecarVerticalAutoscaler(chart, 'vpa', { sidecars, updateMode: VpaUpdateMode.IN_PLACE_OR_RECREATE, nativeSidecarSupport: true });
    const docs = Testing.synth(chart);
    validateManifests(docs);
    const vpa = vpaOf(docs);
    expect(vpa.apiVersion).toBe('autoscaling.k8s.io/v1');
    expect(vpa.metadata).toMatchObject({ namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } });
    const deployment = docs.find(d => d.kind === 'Deployment');
    expect(vpa.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(vpa.spec.updatePolicy).toEqual({ updateMode: 'InPlaceOrRecreate' });
    const pod = deployment.spec.template.spec;
    const policies = vpa.spec.resourcePolicy.containerPolicies;
    const byName = new Map<string, any>(policies.map((p: any) => [p.containerName, p]));
    // every container of the injected pod has its entry
    expect([...byName.keys()].sort()).toEqual([...pod.initContainers, ...pod.containers].map((c: any) => c.name).sort());
    expect(byName.get('migrate')).toEqual({ containerName: 'migrate', mode: 'Off' });
    expect(byName.get('cdk-sidecars-redirect')).toEqual({ containerName: 'cdk-sidecars-redirect', mode: 'Off' });
    expect(byName.get('api')).toEqual({ containerName: 'api', mode: 'Auto' });
    for (const c of pod.initContainers.filter((x: any) => x.restartPolicy === 'Always')) {
      expect(byName.get(c.name)).toEqual({
        containerName: c.name,
        mode: 'Auto',
        controlledValues: 'RequestsOnly',
        ...(c.resources.requests ? { minAllowed: { cpu: c.resources.requests.cpu, memory: c.resources.requests.memory } } : {}),
        ...(c.resources.limits ? { maxAllowed: Object.fromEntries(['cpu', 'memory'].filter(k => c.resources.limits[k]).map(k => [k, c.resources.limits[k]])) } : {}),
      });
    }
    expect(byName.get('otel-collector') ?? [...byName.values()].find(p => /otel/.test(p.containerName))).toMatchObject({ maxAllowed: { memory: '512Mi' } });
  });

  test('default: recommendations only (Off), no warning; native sidecars warned about once VPA would act', () => {
    const { chart, sidecars } = setup();
    const off = new SidecarVerticalAutoscaler(chart, 'vpa', { sidecars });
    validateManifests(Testing.synth(chart));
    expect(vpaOf(Testing.synth(chart)).spec.updatePolicy.updateMode).toBe('Off');
    expect(off.warnings).toEqual([]);
    const s2 = setup();
    const on = new SidecarVerticalAutoscaler(s2.chart, 'vpa', { sidecars: s2.sidecars, updateMode: VpaUpdateMode.RECREATE });
    Testing.synth(s2.chart);
    expect(on.warnings).toEqual([expect.stringContaining('shop/vpa: the sidecars envoy, ')]);
    expect(on.warnings[0]).toContain('which VPA up to 1.7 ignores (kubernetes/autoscaler#7229)');
  });

  test('classic sidecars are regular containers: no native warning', () => {
    const { chart, sidecars } = setup('1.28');
    const vpa = new SidecarVerticalAutoscaler(chart, 'vpa', { sidecars, updateMode: VpaUpdateMode.INITIAL, appContainers: VpaContainerMode.OFF, appControlledValues: VpaControlledValues.REQUESTS_ONLY });
    const docs = Testing.synth(chart);
    validateManifests(docs);
    expect(vpa.warnings).toEqual([]);
    expect(vpaOf(docs).spec.resourcePolicy.containerPolicies.find((p: any) => p.containerName === 'api')).toEqual({ containerName: 'api', mode: 'Off', controlledValues: 'RequestsOnly' });
  });

  test('Auto is deprecated; RequestsAndLimits on sidecars and an HPA on CPU are warned about', () => {
    const { chart, sidecars, api } = setup('1.28');
    new ApiObject(chart, 'hpa', {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'api', namespace: 'shop' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: api.name },
        minReplicas: 3,
        maxReplicas: 10,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    });
    const vpa = new SidecarVerticalAutoscaler(chart, 'vpa', { sidecars, updateMode: VpaUpdateMode.AUTO, sidecarControlledValues: VpaControlledValues.REQUESTS_AND_LIMITS });
    const docs = Testing.synth(chart);
    validateManifests(docs);
    expect(vpaOf(docs).spec.updatePolicy.updateMode).toBe('Auto');
    expect(vpa.warnings).toEqual([
      expect.stringContaining('shop/vpa: updateMode "Auto" is deprecated since VPA 1.5'),
      expect.stringContaining('shop/vpa: sidecarControlledValues RequestsAndLimits lets VPA change the limits of'),
      expect.stringContaining('shop/vpa: HorizontalPodAutoscaler shop/hpa'),
    ]);
  });

  test('sidecarBounds: up to the limits only, or none', () => {
    const { chart, sidecars } = setup();
    new SidecarVerticalAutoscaler(chart, 'up', { sidecars, sidecarBounds: VpaSidecarBounds.UP_TO_LIMITS });
    new SidecarVerticalAutoscaler(chart, 'none', { sidecars, sidecarBounds: VpaSidecarBounds.NONE, name: 'free' });
    const docs = Testing.synth(chart);
    validateManifests(docs);
    const [up, none] = docs.filter(d => d.kind === 'VerticalPodAutoscaler').map(d => d.spec.resourcePolicy.containerPolicies.find((p: any) => p.containerName === 'envoy'));
    expect(up).toEqual({ containerName: 'envoy', mode: 'Auto', controlledValues: 'RequestsOnly', maxAllowed: { cpu: '2000m', memory: '1024Mi' } });
    expect(none).toEqual({ containerName: 'envoy', mode: 'Auto', controlledValues: 'RequestsOnly' });
  });

  test('bad inputs', () => {
    const { chart, sidecars } = setup();
    expect(() => new SidecarVerticalAutoscaler(chart, 'a', { sidecars, updateMode: 'Sometimes' as any })).toThrow(/shop\/a: updateMode "Sometimes" \(string\) is not one of "Off"/);
    expect(() => new SidecarVerticalAutoscaler(chart, 'b', { sidecars: {} as any })).toThrow(/shop\/b: sidecars \{\} \(object\) is not a WorkloadSidecars/);
    expect(() => new SidecarVerticalAutoscaler(chart, 'c', { sidecars, name: 'Bad_Name' })).toThrow(/shop\/c: name "Bad_Name" is not a valid name/);
    const pod = new ApiObject(chart, 'bare', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bare' }, spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1' }] } });
    expect(() => new SidecarVerticalAutoscaler(chart, 'd', { sidecars: WorkloadSidecars.of(pod) }))
      .toThrow(/shop\/d: sidecars "shop\/bare" is a Pod, which a VerticalPodAutoscaler cannot target/);
  });
});
