/**
 * Workloads with the same app pod and sidecars are composed once per app and the rendering is
 * copied (src/k8s/render-memo.ts). Every case here is synthesized twice, with reuse and without,
 * and the two outputs must be byte-identical; the cases are built so that reuse happens (checked
 * with the memo's hit count) and so that what differs between workloads must not leak from one
 * to the other.
 */
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import { caseArb, propsOf } from './arbitraries';
import { podOf, rawDeployment } from './util';
import { CompositionContext, ISidecar, ImagePolicy, Sidecar, SidecarContribution, StartupRole, VolumeKind } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { KubernetesTarget, PodHardening, ScrapeMethod, SidecarMode, SidecarMonitoring, WorkloadSidecars } from '../../src/k8s';
import { renderMemo, setRenderMemo } from '../../src/k8s/render-memo';
import { expectError } from '../errors';
import { referenceSidecars } from '../fixtures/reference-sidecars';
import { validateManifests } from '../validate/k8s';

/** Builds an app, synthesizes it with reuse and without, and returns the docs (checked against the schemas) and the reuse count. */
function both(build: (chart: Chart) => void): { docs: any[]; hits: number } {
  const run = (memo: boolean) => {
    setRenderMemo(memo);
    try {
      const app = Testing.app();
      const chart = new Chart(app, 'shop');
      build(chart);
      const docs = Testing.synth(chart);
      return { text: JSON.stringify(docs), docs, hits: renderMemo(app).hits };
    } finally {
      setRenderMemo(true);
    }
  };
  const fresh = run(false);
  const reused = run(true);
  expect(fresh.hits).toBe(0);
  expect(reused.text).toEqual(fresh.text);
  validateManifests(reused.docs);
  return { docs: reused.docs, hits: reused.hits };
}

const deployment = (chart: Chart, id: string, namespace?: string) => new kplus.Deployment(chart, id, {
  metadata: namespace ? { namespace } : undefined,
  containers: [{ name: 'api', image: 'ghcr.io/acme/api:4.2.0', portNumber: 8080, securityContext: { user: 1000, group: 1000 } }],
});

test('the reference sidecars on many Deployments: one composition, each workload its own ConfigMaps and Secrets', () => {
  const { docs, hits } = both(chart => {
    const sidecars = referenceSidecars(chart);
    for (let i = 0; i < 4; i++) { WorkloadSidecars.of(deployment(chart, `api-${i}`, i % 2 ? 'team-b' : 'team-a')).add(...sidecars); }
  });
  expect(hits).toBe(3);
  // Each workload's config volumes point to its own objects, which exist.
  for (const d of docs.filter(x => x.kind === 'Deployment')) {
    const volumes = podOf(d).spec.volumes.filter((v: any) => v.configMap || v.secret?.secretName?.startsWith(d.metadata.name));
    expect(volumes.length).toBeGreaterThan(2);
    for (const v of volumes) {
      const name = v.configMap?.name ?? v.secret.secretName;
      expect(name.startsWith(`${d.metadata.name}-`)).toBe(true);
      expect(docs.some(o => (o.kind === 'ConfigMap' || o.kind === 'Secret') && o.metadata.name === name && o.metadata.namespace === d.metadata.namespace)).toBe(true);
    }
  }
  // Each workload's JSON is its own: a later step that edits one (an Aspect, a user's toJson hook) changes no other.
  const [first, ...rest] = docs.filter(x => x.kind === 'Deployment');
  const before = JSON.stringify(rest);
  const edit = (v: any): void => {
    if (Array.isArray(v)) { v.forEach(edit); v.push('edited'); return; }
    if (v && typeof v === 'object') { for (const k of Object.keys(v)) { edit(v[k]); } v.edited = true; }
  };
  edit(first);
  expect(JSON.stringify(rest)).toBe(before);
});

test('every kind of workload, classic and native, older targets (AppArmor annotations)', () => {
  const { hits } = both(chart => {
    KubernetesTarget.set(chart, '1.28');
    const logs = new Sidecar(chart, 'logs', { image: 'fluent/fluent-bit:4.0.3', security: { uid: 20002, appArmorProfile: undefined } });
    const init = new Sidecar(chart, 'init', { image: 'ghcr.io/acme/init:1', role: StartupRole.INIT_STEP });
    const pod = (i: number) => ({ containers: [{ name: 'app', image: 'ghcr.io/acme/app:1', ports: [{ containerPort: 8080 }] }], restartPolicy: 'Never', _i: i });
    for (let i = 0; i < 2; i++) {
      const { _i, ...spec } = pod(i);
      void _i;
      WorkloadSidecars.of(new ApiObject(chart, `job-${i}`, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `job-${i}` }, spec: { template: { spec } } })).add(init);
      WorkloadSidecars.of(new ApiObject(chart, `cron-${i}`, {
        apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: `cron-${i}` }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec } } } },
      })).add(init);
      WorkloadSidecars.of(new ApiObject(chart, `sts-${i}`, {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: `sts-${i}` },
        spec: {
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: { metadata: { labels: { app: 'db' } }, spec: { containers: spec.containers } },
          volumeClaimTemplates: [{ metadata: { name: i === 0 ? 'data' : 'data2' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
        },
      }), { mode: SidecarMode.CLASSIC }).add(logs, init);
      WorkloadSidecars.of(rawDeployment(chart, `web-${i}`)).add(logs);
    }
  });
  // The Jobs, CronJobs and Deployments reuse; the StatefulSets differ in their claim templates.
  expect(hits).toBe(3);
});

test('what differs between workloads is not shared: app env, annotations, service accounts, PodHardening, monitoring annotations', () => {
  const { docs, hits } = both(chart => {
    const sidecars = referenceSidecars(chart);
    const a = deployment(chart, 'a');
    const b = deployment(chart, 'b');
    const c = new kplus.Deployment(chart, 'c', {
      containers: [{ name: 'api', image: 'ghcr.io/acme/api:4.2.0', portNumber: 8080, envVariables: { X: kplus.EnvValue.fromValue('1') }, securityContext: { user: 1000, group: 1000 } }],
    });
    const d = deployment(chart, 'd');
    d.podMetadata.addAnnotation('team', 'payments');
    for (const w of [a, b, c, d]) { WorkloadSidecars.of(w).add(...sidecars); }
    new PodHardening(chart, 'harden-b', { sidecars: WorkloadSidecars.of(b), supplementalGroups: [4242] });
    new SidecarMonitoring(chart, 'monitor-a', { sidecars: WorkloadSidecars.of(a), method: ScrapeMethod.ANNOTATIONS, annotatedContainer: 'envoy' });
  });
  expect(hits).toBe(1);
  const spec = (name: string) => podOf(docs.find(x => x.kind === 'Deployment' && x.metadata.name.startsWith(name))).spec;
  expect(spec('shop-b').securityContext.supplementalGroups).toEqual([4242]);
  expect(spec('shop-a').securityContext.supplementalGroups).toBeUndefined();
  expect(podOf(docs.find(x => x.kind === 'Deployment' && x.metadata.name.startsWith('shop-a'))).metadata.annotations['prometheus.io/scrape']).toBe('true');
  expect(podOf(docs.find(x => x.kind === 'Deployment' && x.metadata.name.startsWith('shop-b'))).metadata.annotations['prometheus.io/scrape']).toBeUndefined();
});

/** A user's own ISidecar that puts the workload's path into its container: never reused. */
class PathEcho extends Construct implements ISidecar {
  public contribute(context: CompositionContext): SidecarContribution {
    return { containers: [{ name: 'echo', image: 'ghcr.io/acme/echo:1', role: StartupRole.SIDECAR, env: [{ name: 'TARGET', value: context.targetPath }], security: { uid: 20100 } }] };
  }
}

test('a sidecar not declared deterministic is composed for every workload', () => {
  const { docs, hits } = both(chart => {
    const echo = new PathEcho(chart, 'echo');
    for (let i = 0; i < 3; i++) { WorkloadSidecars.of(rawDeployment(chart, `api-${i}`)).add(echo); }
  });
  expect(hits).toBe(0);
  const targets = docs.filter(d => d.kind === 'Deployment').map(d => podOf(d).spec.initContainers[0].env[0].value);
  expect(targets).toEqual(['shop/api-0', 'shop/api-1', 'shop/api-2']);
});

test('checks that depend on the workload still run for each: ImagePolicy on one chart, hostPath under a restricted namespace', () => {
  const app = Testing.app();
  const ok = new Chart(app, 'ok');
  const strict = new Chart(app, 'strict');
  const logs = new Sidecar(app, 'logs', { image: 'fluent/fluent-bit:4.0.3', security: { uid: 20002 } });
  WorkloadSidecars.of(rawDeployment(ok, 'api')).add(logs);
  WorkloadSidecars.of(rawDeployment(strict, 'api')).add(logs);
  Testing.synth(ok);
  // A policy given after a synthesis is applied at the next one.
  ImagePolicy.requireDigests(app);
  expectError(() => Testing.synth(strict), ErrorCode.IMAGE_NOT_PINNED, 'logs');

  const app2 = Testing.app();
  const chart = new Chart(app2, 'c');
  new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'locked', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
  const host = new Sidecar(chart, 'host', {
    image: 'ghcr.io/acme/host:1',
    security: { uid: 20003 },
    volumes: [{ name: 'node-logs', kind: VolumeKind.HOST_PATH, hostPath: '/var/log', mountPath: '/node', readOnly: true, allowHostPath: true }],
  });
  WorkloadSidecars.of(rawDeployment(chart, 'free')).add(host);
  const locked = new ApiObject(chart, 'locked', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'locked', namespace: 'locked' },
    spec: { selector: { matchLabels: { app: 'free' } }, template: { metadata: { labels: { app: 'free' } }, spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }] }] } } },
  });
  WorkloadSidecars.of(locked).add(host);
  expectError(() => Testing.synth(chart), ErrorCode.HOST_PATH_FORBIDDEN, 'host');
});

test('warnings are said for every workload that reuses a rendering', () => {
  const app = Testing.app();
  const chart = new Chart(app, 'c');
  const xray = new Sidecar(chart, 'x', { image: 'ghcr.io/acme/x:1', security: { uid: 20004 }, appEnv: { A: '1' } });
  const attached = [0, 1, 2].map(i => WorkloadSidecars.of(rawDeployment(chart, `w${i}`)).add(xray));
  const notes = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    Testing.synth(chart);
  } finally {
    notes.mockRestore();
  }
  expect(renderMemo(app).hits).toBe(2);
  expect(attached.map(a => a.notes.length)).toEqual([1, 1, 1]);
});

test('property: any generic sidecars on two identical workloads render as they do one by one', () => {
  fc.assert(fc.property(caseArb, c => {
    const run = (memo: boolean) => {
      setRenderMemo(memo);
      try {
        const app = new App({ outdir: '/tmp/unused' });
        const chart = new Chart(app, 'p');
        const sidecars = c.sidecars.map((s, i) => new Sidecar(chart, `s${i}`, propsOf(s)));
        for (const id of ['one', 'two']) { WorkloadSidecars.of(rawDeployment(chart, id), { mode: c.mode }).add(...sidecars); }
        return JSON.stringify(Testing.synth(chart));
      } catch (e) {
        return `error: ${(e as Error).message}`;
      } finally {
        setRenderMemo(true);
      }
    };
    expect(run(true)).toEqual(run(false));
  }), { numRuns: 60 });
});
