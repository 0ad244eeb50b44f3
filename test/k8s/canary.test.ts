import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { findDoc, newChart, podOf, rawDeployment, synth } from './util';
import { OtelCollectorSidecar, Sidecar, WaitCondition } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { CanaryRouting, SidecarCanary, SidecarCanaryProps, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';

const APP = 'ghcr.io/acme/shop:2.3.1';
const COLLECTOR = 'otel/opentelemetry-collector-contrib:0.139.0';
const COLLECTOR_NEXT = 'otel/opentelemetry-collector-contrib:0.140.1';
const AGENT = 'ghcr.io/acme/agent:1.0.0';
const AGENT_NEXT = 'ghcr.io/acme/agent:1.1.0';

interface Track {
  readonly collector?: string;
  readonly agent?: string;
  readonly env?: string;
  readonly exporter?: string;
  readonly replicas?: number;
}

/** One track of the shop: a cdk8s-plus-27 Deployment with an OTel Collector and a generic agent, built by one function. */
function shop(chart: Chart, id: string, t: Track = {}): WorkloadSidecars {
  const d = new kplus27.Deployment(chart, id, {
    replicas: t.replicas ?? 3,
    containers: [{ name: 'shop', image: APP, portNumber: 8080, envVariables: { MODE: kplus27.EnvValue.fromValue(t.env ?? 'live') } }],
  });
  return WorkloadSidecars.of(d).add(
    new OtelCollectorSidecar(chart, `${id}-otel`, {
      image: t.collector ?? COLLECTOR,
      otlpExporters: [{ endpoint: t.exporter ?? 'https://otlp.example.com:4317' }],
      appWaitsFor: WaitCondition.STARTED,
    }),
    new Sidecar(chart, `${id}-agent`, { name: 'agent', image: t.agent ?? AGENT, ports: [{ port: 9100 }] }),
  );
}

function canary(chart: Chart, props: Partial<SidecarCanaryProps> & { stable?: Track; canaryTrack?: Track } = {}): SidecarCanary {
  const { stable, canaryTrack, ...rest } = props;
  return new SidecarCanary(chart, 'canary', {
    sidecars: shop(chart, 'shop', stable),
    canarySidecars: shop(chart, 'shop-canary', { collector: COLLECTOR_NEXT, agent: AGENT_NEXT, replicas: 1, ...canaryTrack }),
    canaryWeight: 10,
    gateways: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
    ...rest,
  } as SidecarCanaryProps);
}

/**
 * Synthesis fails with a catalogued message containing every part. cdk8s rethrows an error from
 * an object's toJson as a plain Error carrying only the message ("Failed serializing construct ..."),
 * so the message is what can be checked.
 */
function synthThrows(chart: Chart, ...parts: string[]): void {
  let message = '';
  try { Testing.synth(chart); } catch (e) { message = (e as Error).message; }
  expect(message).not.toBe('');
  for (const p of parts) { expect(message).toContain(p); }
}

const deployments = (docs: any[]) => docs.filter(d => d.kind === 'Deployment');
const containersOf = (doc: any) => [...(podOf(doc).spec.initContainers ?? []), ...podOf(doc).spec.containers];

describe('SidecarCanary with the Gateway API', () => {
  const chart = newChart('shop');
  const c = canary(chart, { hostnames: ['shop.example.com'] });
  const docs = synth(chart);
  const [stable, can] = deployments(docs);
  const name = stable.metadata.name;

  test('both pod templates carry the canary and track labels; their own selectors stay', () => {
    expect(podOf(stable).metadata.labels).toMatchObject({ 'cdk-sidecars.dev/canary': name, 'cdk-sidecars.dev/track': 'stable' });
    expect(podOf(can).metadata.labels).toMatchObject({ 'cdk-sidecars.dev/canary': name, 'cdk-sidecars.dev/track': 'canary' });
    expect(stable.spec.selector.matchLabels).not.toEqual(can.spec.selector.matchLabels);
    expect(stable.spec.replicas).toBe(3);
    expect(can.spec.replicas).toBe(1);
  });

  test('the canary differs from the stable only in the sidecar images', () => {
    const images = (doc: any) => Object.fromEntries(containersOf(doc).map((x: any) => [x.name, x.image]));
    expect(images(stable)).toEqual({ 'otel-collector': COLLECTOR, 'agent': AGENT, 'shop': APP });
    expect(images(can)).toEqual({ 'otel-collector': COLLECTOR_NEXT, 'agent': AGENT_NEXT, 'shop': APP });
    const strip = (doc: any) => containersOf(doc).map((x: any) => ({ ...x, image: undefined }));
    expect(strip(can)).toEqual(strip(stable));
  });

  test('two Services, one per track, select by the canary and track labels', () => {
    const s = findDoc(docs, 'Service', `${name}-stable`);
    const k = findDoc(docs, 'Service', `${name}-canary`);
    expect(s.spec.selector).toEqual({ 'cdk-sidecars.dev/canary': name, 'cdk-sidecars.dev/track': 'stable' });
    expect(k.spec.selector).toEqual({ 'cdk-sidecars.dev/canary': name, 'cdk-sidecars.dev/track': 'canary' });
    expect(s.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    expect(s.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'cdk-sidecars' });
  });

  test('the HTTPRoute splits 90/10 between the two Services and attaches to the Gateway listener', () => {
    const route = findDoc(docs, 'HTTPRoute', name);
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateways', sectionName: 'https' }]);
    expect(route.spec.hostnames).toEqual(['shop.example.com']);
    expect(route.spec.rules).toEqual([{
      backendRefs: [
        { name: `${name}-stable`, port: 8080, weight: 90 },
        { name: `${name}-canary`, port: 8080, weight: 10 },
      ],
    }]);
    expect(c.canaryWeight).toBe(10);
    expect([c.route.kind, ...c.services.map(x => x.name), c.destinationRule]).toEqual(['HTTPRoute', `${name}-stable`, `${name}-canary`, undefined]);
  });
});

describe('SidecarCanary with Istio', () => {
  const chart = newChart('shop');
  canary(chart, { routing: CanaryRouting.ISTIO, gateways: undefined, name: 'shop', canaryWeight: 0, port: 80, istioGateways: ['istio-ingress/public', 'mesh'], hostnames: ['shop.example.com', 'shop'] });
  const docs = synth(chart);

  test('one Service selects both tracks; the DestinationRule has one subset per track', () => {
    const svc = findDoc(docs, 'Service', 'shop');
    expect(svc.spec.selector).toEqual({ 'cdk-sidecars.dev/canary': 'shop' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }]);
    const dr = findDoc(docs, 'DestinationRule', 'shop');
    expect(dr.apiVersion).toBe('networking.istio.io/v1');
    expect(dr.spec).toEqual({
      host: 'shop',
      subsets: [{ name: 'stable', labels: { 'cdk-sidecars.dev/track': 'stable' } }, { name: 'canary', labels: { 'cdk-sidecars.dev/track': 'canary' } }],
    });
  });

  test('rolled back: the VirtualService sends everything to the stable subset and keeps the canary at weight 0', () => {
    const vs = findDoc(docs, 'VirtualService', 'shop');
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect(vs.spec).toEqual({
      hosts: ['shop.example.com', 'shop'],
      gateways: ['istio-ingress/public', 'mesh'],
      http: [{
        route: [
          { destination: { host: 'shop', subset: 'stable', port: { number: 80 } }, weight: 100 },
          { destination: { host: 'shop', subset: 'canary', port: { number: 80 } }, weight: 0 },
        ],
      }],
    });
  });

  test('no HTTPRoute with Istio', () => {
    expect(docs.filter(d => d.kind === 'HTTPRoute')).toEqual([]);
  });
});

describe('drift between the stable and the canary is an error naming the first difference', () => {
  const drift = (canaryTrack: Track) => {
    const chart = newChart('shop');
    canary(chart, { canaryTrack });
    return chart;
  };

  test('an app env var', () => {
    synthThrows(drift({ env: 'test' }),
      'shop/canary: the canary Deployment shop/shop-canary differs from the stable Deployment shop/shop',
      'at spec.template.spec.containers[name=shop].env[name=MODE].value: "live" (stable), "test" (canary)');
  });

  test('a generated sidecar config (the collector\'s exporter), named by file and line', () => {
    synthThrows(drift({ exporter: 'https://otlp.other.example.com:4317' }),
      'shop/canary: the canary', 'at ConfigMap', 'line', 'otlp.other.example.com');
  });

  test('the app image is not a sidecar image', () => {
    const chart = newChart('shop');
    const other = new kplus27.Deployment(chart, 'shop-canary', {
      replicas: 1, containers: [{ name: 'shop', image: 'ghcr.io/acme/shop:2.4.0', portNumber: 8080, envVariables: { MODE: kplus27.EnvValue.fromValue('live') } }],
    });
    const ws = WorkloadSidecars.of(other).add(
      new OtelCollectorSidecar(chart, 'c-otel', { image: COLLECTOR_NEXT, otlpExporters: [{ endpoint: 'https://otlp.example.com:4317' }], appWaitsFor: WaitCondition.STARTED }),
      new Sidecar(chart, 'c-agent', { name: 'agent', image: AGENT_NEXT, ports: [{ port: 9100 }] }),
    );
    new SidecarCanary(chart, 'canary', { sidecars: shop(chart, 'shop'), canarySidecars: ws, gateways: [{ name: 'public' }] });
    synthThrows(chart, 'at spec.template.spec.containers[name=shop].image: "ghcr.io/acme/shop:2.3.1" (stable), "ghcr.io/acme/shop:2.4.0" (canary)');
  });

  test('a sidecar missing from the canary', () => {
    const chart = newChart('shop');
    const other = new kplus27.Deployment(chart, 'shop-canary', {
      replicas: 1, containers: [{ name: 'shop', image: APP, portNumber: 8080, envVariables: { MODE: kplus27.EnvValue.fromValue('live') } }],
    });
    const ws = WorkloadSidecars.of(other).add(new Sidecar(chart, 'c-agent', { name: 'agent', image: AGENT_NEXT, ports: [{ port: 9100 }] }));
    new SidecarCanary(chart, 'canary', { sidecars: shop(chart, 'shop'), canarySidecars: ws, gateways: [{ name: 'public' }] });
    synthThrows(chart, 'shop/canary: the canary', '(stable)', '(canary)');
  });

  test('a sidecar prop other than the image (the agent\'s resources)', () => {
    const chart = newChart('shop');
    const other = new kplus27.Deployment(chart, 'shop-canary', {
      replicas: 1, containers: [{ name: 'shop', image: APP, portNumber: 8080, envVariables: { MODE: kplus27.EnvValue.fromValue('live') } }],
    });
    const ws = WorkloadSidecars.of(other).add(
      new OtelCollectorSidecar(chart, 'c-otel', { image: COLLECTOR_NEXT, otlpExporters: [{ endpoint: 'https://otlp.example.com:4317' }], appWaitsFor: WaitCondition.STARTED }),
      new Sidecar(chart, 'c-agent', { name: 'agent', image: AGENT_NEXT, ports: [{ port: 9100 }], resources: { memoryLimitMebibytes: 512 } }),
    );
    new SidecarCanary(chart, 'canary', { sidecars: shop(chart, 'shop'), canarySidecars: ws, gateways: [{ name: 'public' }] });
    synthThrows(chart, 'at spec.template.spec.initContainers[name=agent].resources.limits.memory:', '"512Mi" (canary)');
  });

  test('a weight on a track scaled to 0 replicas (its share of the requests would find no endpoint)', () => {
    synthThrows(drift({ replicas: 0 }), 'shop/canary: canaryWeight 10 sends 10% of the requests to shop/shop-canary, which has replicas: 0');
    const chart = newChart('shop');
    canary(chart, { stable: { replicas: 0 }, canaryWeight: 100 });
    expect(() => synth(chart)).not.toThrow();
  });

  test('replicas and the sidecar images may differ (the happy path synthesizes)', () => {
    expect(() => synth(drift({ replicas: 5 }))).not.toThrow();
  });
});

describe('any weight from 0 to 100 splits into two that add up to 100, on both APIs (property)', () => {
  test('weights', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 100 }), fc.boolean(), (w, istio) => {
      const chart = newChart('shop');
      canary(chart, istio ? { routing: CanaryRouting.ISTIO, gateways: undefined, canaryWeight: w } : { canaryWeight: w });
      const docs = synth(chart);
      const weights = istio ? findDoc(docs, 'VirtualService').spec.http[0].route.map((r: any) => r.weight)
        : findDoc(docs, 'HTTPRoute').spec.rules[0].backendRefs.map((r: any) => r.weight);
      expect(weights).toEqual([100 - w, w]);
    }), { numRuns: 8, seed: 14 });
  });
});

describe('bad inputs', () => {
  const make = (props: any, build?: (chart: Chart) => any) => () => {
    const chart = newChart('shop');
    const extra = build ? build(chart) : {};
    return new SidecarCanary(chart, 'canary', {
      sidecars: shop(chart, 'shop'),
      canarySidecars: shop(chart, 'shop-canary', { collector: COLLECTOR_NEXT }),
      gateways: [{ name: 'public' }],
      ...extra,
      ...props,
    });
  };

  test.each([
    ['canaryWeight 101', { canaryWeight: 101 }, ErrorCode.INVALID_NUMBER, 'shop/canary: canaryWeight 101 is not an integer from 0 to 100'],
    ['canaryWeight 12.5', { canaryWeight: 12.5 }, ErrorCode.INVALID_NUMBER, 'shop/canary: canaryWeight 12.5'],
    ['canaryWeight -1', { canaryWeight: -1 }, ErrorCode.INVALID_NUMBER, 'shop/canary: canaryWeight -1'],
    ['canaryWeight "10"', { canaryWeight: '10' }, ErrorCode.INVALID_TYPE, 'shop/canary: canaryWeight "10" (string) is not a finite number'],
    ['canaryWeight NaN', { canaryWeight: NaN }, ErrorCode.INVALID_TYPE, 'shop/canary: canaryWeight NaN'],
    ['routing "FLAGGER"', { routing: 'FLAGGER' }, ErrorCode.INVALID_TYPE, 'shop/canary: routing "FLAGGER" (string) is not one of'],
    ['sidecars null', { sidecars: null }, ErrorCode.INVALID_TYPE, 'shop/canary: sidecars null (null) is not an object'],
    ['canarySidecars a Deployment', { canarySidecars: {} }, ErrorCode.INVALID_TYPE, 'shop/canary: canarySidecars {} (object) is not a WorkloadSidecars'],
    ['gateways missing', { gateways: undefined }, ErrorCode.MISSING_SETTING, 'shop/canary: gateways is not set'],
    ['gateways [null]', { gateways: [null] }, ErrorCode.INVALID_TYPE, 'shop/canary: gateways[0] null (null) is not an object'],
    ['gateways[0].name "Public"', { gateways: [{ name: 'Public' }] }, ErrorCode.INVALID_NAME, 'shop/canary: gateways[0].name "Public" is not a valid name'],
    ['gateways[0].namespace "a.b"', { gateways: [{ name: 'p', namespace: 'a.b' }] }, ErrorCode.INVALID_NAME, 'shop/canary: gateways[0].namespace "a.b"'],
    ['hostnames ["10.0.0.1:80"]', { hostnames: ['10.0.0.1:80'] }, ErrorCode.INVALID_NAME, 'shop/canary: hostnames[0] "10.0.0.1:80"'],
    ['hostnames "x"', { hostnames: 'x' }, ErrorCode.INVALID_TYPE, 'shop/canary: hostnames "x" (string) is not an array of strings'],
    ['istioGateways with the Gateway API', { istioGateways: ['mesh'] }, ErrorCode.INEFFECTIVE_SETTING, 'shop/canary: istioGateways ["mesh"] would have no effect'],
    ['gateways with Istio', { routing: CanaryRouting.ISTIO }, ErrorCode.INEFFECTIVE_SETTING, 'shop/canary: gateways [{"name":"public"}] would have no effect'],
    ['istioGateways ["a/b/c"]', { routing: CanaryRouting.ISTIO, gateways: undefined, istioGateways: ['a/b/c'] }, ErrorCode.INVALID_NAME, 'shop/canary: istioGateways[0] "a/b/c"'],
    ['port 0', { port: 0 }, ErrorCode.INVALID_PORT, 'shop/canary: port 0 is not a port number'],
    ['appPort "8080"', { appPort: '8080' }, ErrorCode.INVALID_TYPE, 'shop/canary: appPort "8080" (string)'],
    ['name "Shop"', { name: 'Shop' }, ErrorCode.INVALID_NAME, 'shop/canary: name "Shop" is not a valid name'],
    ['name too long for "-canary"', { name: 'a'.repeat(57) }, ErrorCode.INVALID_NAME, 'at most 56 characters'],
  ])('%s', (_title, props, code, part) => {
    expectError(make(props), code, part);
  });

  test('the same workload twice', () => {
    const chart = newChart('shop');
    const ws = shop(chart, 'shop');
    expectError(() => new SidecarCanary(chart, 'canary', { sidecars: ws, canarySidecars: ws, gateways: [{ name: 'public' }] }), ErrorCode.INVALID_CANARY,
      'shop/canary: canarySidecars "shop/shop" is the stable workload too');
  });

  test('a workload in two canaries', () => {
    const chart = newChart('shop');
    const a = shop(chart, 'shop');
    new SidecarCanary(chart, 'one', { sidecars: a, canarySidecars: shop(chart, 'shop-canary'), gateways: [{ name: 'public' }] });
    expectError(() => new SidecarCanary(chart, 'two', { sidecars: a, canarySidecars: shop(chart, 'shop-canary2'), gateways: [{ name: 'public' }] }),
      ErrorCode.INVALID_CANARY, 'shop/two: sidecars "shop/shop" is already in the canary shop/one');
  });

  test('not a Deployment', () => {
    const chart = newChart('shop');
    const ss = new kplus27.StatefulSet(chart, 'db', { containers: [{ image: APP, portNumber: 8080 }] });
    const ws = WorkloadSidecars.of(ss).add(new Sidecar(chart, 'agent', { image: AGENT }));
    expectError(() => new SidecarCanary(chart, 'canary', { sidecars: ws, canarySidecars: shop(chart, 'shop-canary'), gateways: [{ name: 'public' }] }),
      ErrorCode.INVALID_CANARY, 'shop/canary: sidecars "shop/db" is a StatefulSet');
  });

  test('two namespaces', () => {
    const chart = newChart('shop');
    const a = rawDeployment(chart, 'a');
    const b = new ApiObject(chart, 'b', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'b', namespace: 'other' },
      spec: { selector: { matchLabels: { app: 'b' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'app', image: APP }] } } },
    });
    const wa = WorkloadSidecars.of(a).add(new Sidecar(chart, 'agent-a', { name: 'agent', image: AGENT }));
    const wb = WorkloadSidecars.of(b).add(new Sidecar(chart, 'agent-b', { name: 'agent', image: AGENT_NEXT }));
    expectError(() => new SidecarCanary(chart, 'canary', { sidecars: wa, canarySidecars: wb, gateways: [{ name: 'public' }] }),
      ErrorCode.INVALID_CANARY, 'shop/canary: canarySidecars "other" is the namespace of the canary, the stable workload is in the default namespace');
  });

  test('a pod template that sets the track label itself', () => {
    const chart = newChart('shop');
    const a = rawDeployment(chart, 'a');
    a.addJsonPatch(JsonPatch.add('/spec/template/metadata/labels/cdk-sidecars.dev~1track', 'blue'));
    const wa = WorkloadSidecars.of(a).add(new Sidecar(chart, 'agent-a', { name: 'agent', image: AGENT }));
    const wb = WorkloadSidecars.of(rawDeployment(chart, 'b')).add(new Sidecar(chart, 'agent-b', { name: 'agent', image: AGENT_NEXT }));
    new SidecarCanary(chart, 'canary', { sidecars: wa, canarySidecars: wb, gateways: [{ name: 'public' }] });
    synthThrows(chart, 'shop/canary: sidecars pod label cdk-sidecars.dev/track "blue" is set on shop/a\'s pod template');
  });

  test('no app port to target', () => {
    const chart = newChart('shop');
    const wa = WorkloadSidecars.of(rawDeployment(chart, 'a', [{ name: 'app', image: APP }])).add(new Sidecar(chart, 'agent-a', { name: 'agent', image: AGENT }));
    const wb = WorkloadSidecars.of(rawDeployment(chart, 'b', [{ name: 'app', image: APP }])).add(new Sidecar(chart, 'agent-b', { name: 'agent', image: AGENT_NEXT }));
    new SidecarCanary(chart, 'canary', { sidecars: wa, canarySidecars: wb, gateways: [{ name: 'public' }] });
    synthThrows(chart, 'shop/canary: appPort is not set: the first app container of shop/a declares no TCP port');
  });

  test('raw Deployments with their own selectors: the Services select by track', () => {
    const chart = newChart('shop');
    const wa = WorkloadSidecars.of(rawDeployment(chart, 'a')).add(new Sidecar(chart, 'agent-a', { name: 'agent', image: AGENT }));
    const wb = WorkloadSidecars.of(rawDeployment(chart, 'b')).add(new Sidecar(chart, 'agent-b', { name: 'agent', image: AGENT_NEXT }));
    new SidecarCanary(chart, 'canary', { sidecars: wa, canarySidecars: wb, gateways: [{ name: 'public' }], canaryWeight: 100 });
    const docs = synth(chart);
    expect(findDoc(docs, 'Service', 'a-canary').spec.selector).toEqual({ 'cdk-sidecars.dev/canary': 'a', 'cdk-sidecars.dev/track': 'canary' });
    expect(findDoc(docs, 'HTTPRoute', 'a').spec.rules[0].backendRefs.map((r: any) => r.weight)).toEqual([0, 100]);
  });

  test('raw Deployments whose selectors overlap (each would adopt the other\'s pods)', () => {
    const chart = newChart('shop');
    const wa = WorkloadSidecars.of(rawDeployment(chart, 'a')).add(new Sidecar(chart, 'agent-a', { name: 'agent', image: AGENT }));
    const b = rawDeployment(chart, 'b');
    b.addJsonPatch(JsonPatch.replace('/spec/selector/matchLabels', { app: 'a' }), JsonPatch.replace('/spec/template/metadata/labels', { app: 'a' }));
    const wb = WorkloadSidecars.of(b).add(new Sidecar(chart, 'agent-b', { name: 'agent', image: AGENT_NEXT }));
    new SidecarCanary(chart, 'canary', { sidecars: wa, canarySidecars: wb, gateways: [{ name: 'public' }] });
    synthThrows(chart, 'shop/canary: sidecars selector {"app":"a"} selects the pods of shop/b too');
  });
});
