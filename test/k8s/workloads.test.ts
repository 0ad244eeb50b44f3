import * as path from 'path';
import { ApiObject, Chart, Cron, Include, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import * as kplus34 from 'cdk8s-plus-34';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from './util';
import {
  PodField, PortExposure, Probe, Sidecar, StartupRole, VolumeKind, WaitCondition,
} from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { AppInitContainerPlacement, KubernetesTarget, SidecarMode, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';

const APP_IMAGE = 'ghcr.io/acme/api:1.4.2';

function logShipper(chart: Chart, extra: object = {}): Sidecar {
  return new Sidecar(chart, 'log-shipper', {
    image: 'fluent/fluent-bit:4.0.3',
    ports: [{ port: 2020, name: 'http-metrics', exposure: PortExposure.EXPOSED }],
    readinessProbe: Probe.httpGet({ port: 2020, path: '/api/v1/health', periodSeconds: 5 }),
    configFiles: [{ path: '/fluent-bit/etc/fluent-bit.yaml', content: 'service:\n  flush: 1\n' }],
    volumes: [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' }],
    appEnv: { LOG_DIR: '/var/log/app' },
    ...extra,
  });
}

function metrics(chart: Chart, extra: object = {}): Sidecar {
  return new Sidecar(chart, 'metrics', {
    image: 'prom/statsd-exporter:v0.28.0',
    ports: [{ port: 9102, exposure: PortExposure.EXPOSED }, { port: 9125, protocol: undefined }],
    startupProbe: Probe.tcpSocket({ port: 9102, failureThreshold: 30, periodSeconds: 1 }),
    appEnv: { STATSD_HOST: '127.0.0.1', STATSD_PORT: '9125' },
    ...extra,
  });
}

function migrate(chart: Chart): Sidecar {
  return new Sidecar(chart, 'migrate', {
    image: 'ghcr.io/acme/migrate:2.1.0',
    role: StartupRole.INIT_STEP,
    args: ['up'],
    secretEnv: { DATABASE_URL: { secretName: 'db', key: 'url' } },
  });
}

describe('native sidecars on a cdk8s-plus-27 Deployment', () => {
  const chart = newChart();
  const deploy = new kplus27.Deployment(chart, 'api', { containers: [{ name: 'api', image: APP_IMAGE, portNumber: 8080 }] });
  WorkloadSidecars.of(deploy).add(logShipper(chart), metrics(chart), migrate(chart));
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));

  test('sidecars become init containers in attachment order, long-running ones with restartPolicy Always', () => {
    expect(names(pod.spec.initContainers)).toEqual(['log-shipper', 'metrics', 'migrate']);
    expect(pod.spec.initContainers.map((c: any) => c.restartPolicy)).toEqual(['Always', 'Always', undefined]);
    expect(names(pod.spec.containers)).toEqual(['api']);
  });

  test('secure defaults on every injected container', () => {
    const uids = new Set<number>();
    for (const c of pod.spec.initContainers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext.capabilities.add).toBeUndefined();
      expect(c.securityContext.runAsUser).toBeGreaterThanOrEqual(10000);
      expect(c.securityContext.runAsGroup).toBe(c.securityContext.runAsUser);
      uids.add(c.securityContext.runAsUser);
    }
    expect(uids.size).toBe(3);
  });

  test('ports: exposed ones are declared, pod-local ones are not', () => {
    const m = pod.spec.initContainers.find((c: any) => c.name === 'metrics');
    expect(m.ports).toEqual([{ containerPort: 9102, protocol: 'TCP' }]);
    const l = pod.spec.initContainers.find((c: any) => c.name === 'log-shipper');
    expect(l.ports).toEqual([{ containerPort: 2020, name: 'http-metrics', protocol: 'TCP' }]);
  });

  test('probes: a startup probe stays, a readiness probe is rendered', () => {
    const m = pod.spec.initContainers.find((c: any) => c.name === 'metrics');
    expect(m.startupProbe).toEqual({ tcpSocket: { port: 9102 }, failureThreshold: 30, periodSeconds: 1 });
    const l = pod.spec.initContainers.find((c: any) => c.name === 'log-shipper');
    expect(l.readinessProbe).toEqual({ httpGet: { path: '/api/v1/health', port: 2020, scheme: 'HTTP' }, periodSeconds: 5 });
    // log-shipper is waited for only until STARTED: no startup probe is made up.
    expect(l.startupProbe).toBeUndefined();
  });

  test('resources default to small requests and a memory limit', () => {
    expect(pod.spec.initContainers[0].resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
  });

  test('app container gets the requested env and mounts; the secret stays in the init step', () => {
    const app = pod.spec.containers[0];
    expect(app.env).toEqual(expect.arrayContaining([
      { name: 'LOG_DIR', value: '/var/log/app' },
      { name: 'STATSD_HOST', value: '127.0.0.1' },
      { name: 'STATSD_PORT', value: '9125' },
    ]));
    expect(JSON.stringify(app)).not.toContain('DATABASE_URL');
    expect(app.volumeMounts).toEqual(expect.arrayContaining([{ name: 'app-logs', mountPath: '/var/log/app', readOnly: false }]));
    const m = pod.spec.initContainers.find((c: any) => c.name === 'migrate');
    expect(m.env).toEqual([{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } }]);
    for (const c of pod.spec.initContainers.filter((x: any) => x.name !== 'migrate')) {
      expect(JSON.stringify(c)).not.toContain('DATABASE_URL');
    }
  });

  test('volumes: shared scratch and a ConfigMap with the config file', () => {
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([
      { name: 'app-logs', emptyDir: {} },
      { name: 'log-shipper-config', configMap: { name: expect.stringMatching(/-log-shipper-config$/), items: [{ key: 'fluent-bit.yaml', path: 'fluent-bit.yaml', mode: 0o444 }] } },
    ]));
    const l = pod.spec.initContainers.find((c: any) => c.name === 'log-shipper');
    expect(l.volumeMounts).toEqual([
      { name: 'app-logs', mountPath: '/var/log/app', readOnly: true },
      { name: 'log-shipper-config', mountPath: '/fluent-bit/etc', readOnly: true },
    ]);
    const cmName = pod.spec.volumes.find((v: any) => v.name === 'log-shipper-config').configMap.name;
    const cm = findDoc(docs, 'ConfigMap', cmName);
    expect(cm.data).toEqual({ 'fluent-bit.yaml': 'service:\n  flush: 1\n' });
  });

  test('the pod template records what was injected, the version and the config hash', () => {
    expect(pod.metadata.annotations['cdk-sidecars.dev/injected']).toBe('log-shipper,metrics,migrate');
    expect(pod.metadata.annotations['cdk-sidecars.dev/version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(pod.metadata.annotations['cdk-sidecars.dev/config-hash']).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('every workload kind, on cdk8s-plus-27, cdk8s-plus-34 and raw objects', () => {
  type Make = (chart: Chart) => any;
  const plus = (lib: typeof kplus27 | typeof kplus34): Array<[string, Make]> => {
    const containers = [{ name: 'app', image: APP_IMAGE, portNumber: 8080 }];
    return [
      ['Deployment', c => new lib.Deployment(c, 'w', { containers })],
      ['StatefulSet', c => new lib.StatefulSet(c, 'w', { containers, service: new lib.Service(c, 'svc', { ports: [{ port: 8080 }] }) as any })],
      ['DaemonSet', c => new lib.DaemonSet(c, 'w', { containers })],
      ['Job', c => new lib.Job(c, 'w', { containers })],
      ['CronJob', c => new lib.CronJob(c, 'w', { containers, schedule: Cron.daily() })],
      ['Pod', c => new lib.Pod(c, 'w', { containers })],
    ];
  };
  const cases: Array<[string, string, Make]> = [
    ...plus(kplus27).map(([k, m]): [string, string, Make] => ['cdk8s-plus-27', k, m]),
    ...plus(kplus34).map(([k, m]): [string, string, Make] => ['cdk8s-plus-34', k, m]),
    ['raw KubeDeployment', 'Deployment', c => new kplus27.k8s.KubeDeployment(c, 'w', {
      spec: {
        selector: { matchLabels: { app: 'w' } },
        template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'app', image: APP_IMAGE }] } },
      },
    })],
    ['raw ApiObject', 'Deployment', c => rawDeployment(c, 'w')],
  ];

  test.each(cases)('%s %s: native sidecar and init step in initContainers, schema-valid', (_lib, kind, make) => {
    const chart = newChart();
    const workload = make(chart);
    WorkloadSidecars.of(workload).add(logShipper(chart), migrate(chart));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, kind));
    const injected = pod.spec.initContainers.filter((c: any) => ['log-shipper', 'migrate'].includes(c.name));
    expect(names(injected)).toEqual(['log-shipper', 'migrate']);
    expect(injected[0].restartPolicy).toBe('Always');
    expect(injected[1].restartPolicy).toBeUndefined();
    expect(names(pod.spec.containers)).toEqual(['app']);
    expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'LOG_DIR', value: '/var/log/app' }]));
    expect(pod.spec.volumes.map((v: any) => v.name)).toEqual(expect.arrayContaining(['app-logs', 'log-shipper-config']));
  });
});

describe('Jobs and CronJobs', () => {
  test('native mode: the Job keeps its restartPolicy and the sidecar cannot hold it open', () => {
    const chart = newChart();
    const job = new kplus27.Job(chart, 'report', { containers: [{ name: 'report', image: APP_IMAGE }] });
    WorkloadSidecars.of(job).add(metrics(chart));
    const pod = podOf(findDoc(synth(chart), 'Job'));
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.initContainers[0]).toMatchObject({ name: 'metrics', restartPolicy: 'Always' });
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['report']);
  });

  test('classic mode: a Job with a long-running sidecar is refused, pointing to native mode', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.28');
    const job = new kplus27.Job(chart, 'report', { containers: [{ name: 'report', image: APP_IMAGE }] });
    WorkloadSidecars.of(job).add(metrics(chart));
    expect(() => Testing.synth(chart)).toThrow(/web\/report\/Resource: a Job in classic sidecar mode never completes while the long-running container "metrics" of web\/metrics runs\. Use native sidecars/);
  });

  test('classic mode: a CronJob with only init steps is fine', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.27');
    const cron = new kplus27.CronJob(chart, 'nightly', { containers: [{ name: 'report', image: APP_IMAGE }], schedule: Cron.daily() });
    WorkloadSidecars.of(cron).add(migrate(chart));
    const pod = podOf(findDoc(synth(chart), 'CronJob'));
    expect(names(pod.spec.initContainers)).toEqual(['migrate']);
    expect(names(pod.spec.containers)).toEqual(['report']);
  });
});

describe('classic mode', () => {
  function classicChart(version = '1.28') {
    const chart = newChart();
    KubernetesTarget.set(chart.node.scope!, version);
    return chart;
  }

  test('long-running sidecars go first in containers, init steps stay init containers', () => {
    const chart = classicChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(logShipper(chart), migrate(chart));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(names(pod.spec.containers)).toEqual(['log-shipper', 'app']);
    expect(names(pod.spec.initContainers)).toEqual(['migrate']);
    expect(pod.spec.containers[0].restartPolicy).toBeUndefined();
  });

  test('HEALTHY: the waitCommand becomes a postStart hook that holds the app', () => {
    const chart = classicChart('v1.27.4');
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(metrics(chart, { waitCommand: ['/bin/wait-for', '127.0.0.1:9102'] }));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.containers[0]).toMatchObject({
      name: 'metrics',
      lifecycle: { postStart: { exec: { command: ['/bin/wait-for', '127.0.0.1:9102'] } } },
      startupProbe: { tcpSocket: { port: 9102 } },
    });
    expect(pod.spec.containers[1].name).toBe('app');
  });

  test('HEALTHY without a waitCommand is refused', () => {
    const chart = classicChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(metrics(chart));
    expect(() => Testing.synth(chart)).toThrow(/web\/metrics: waitCommand: in classic sidecar mode nothing can wait until this container is HEALTHY without a waitCommand/);
  });

  test('explicit mode wins over the target version; native with an old target is refused', () => {
    const chart = classicChart('1.28');
    const a = rawDeployment(chart, 'a');
    const shipper = logShipper(chart);
    WorkloadSidecars.of(a, { mode: SidecarMode.CLASSIC }).add(shipper);
    expect(names(podOf(findDoc(synth(chart), 'Deployment', 'a')).spec.containers)).toEqual(['log-shipper', 'app']);
    const b = rawDeployment(chart, 'b');
    WorkloadSidecars.of(b, { mode: SidecarMode.NATIVE }).add(shipper);
    expect(() => Testing.synth(chart)).toThrow(/web\/b: native sidecars were asked for, but the target Kubernetes version is 1.28/);
  });

  test('the target version is found through the construct context too', () => {
    const app = Testing.app();
    app.node.setContext('cdk-sidecars:kubernetesVersion', '1.28');
    const chart = new Chart(app, 'web');
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(logShipper(chart));
    expect(names(podOf(findDoc(synth(chart), 'Deployment')).spec.containers)).toEqual(['log-shipper', 'app']);
  });

  test('the nearest context wins, a version set anywhere above wins over context, and a later set is seen', () => {
    const app = Testing.app();
    app.node.setContext('cdk-sidecars:kubernetesVersion', '1.28');
    const chart = new Chart(app, 'web');
    const group = new Chart(chart, 'group');
    group.node.setContext('cdk-sidecars:kubernetesVersion', '1.30');
    const inGroup = rawDeployment(group, 'a');
    const beside = rawDeployment(chart, 'b');
    expect(KubernetesTarget.versionOf(inGroup)).toBe('1.30');
    expect(KubernetesTarget.versionOf(beside)).toBe('1.28');
    KubernetesTarget.set(chart, '1.31');
    expect(KubernetesTarget.versionOf(inGroup)).toBe('1.31');
    expect(KubernetesTarget.versionOf(beside)).toBe('1.31');
    const shipper = logShipper(chart);
    WorkloadSidecars.of(inGroup).add(shipper);
    WorkloadSidecars.of(beside).add(shipper);
    expect(names(podOf(findDoc(synth(group), 'Deployment', 'a')).spec.initContainers)).toEqual(['log-shipper']);
    expect(names(podOf(findDoc(synth(chart), 'Deployment', 'b')).spec.initContainers)).toEqual(['log-shipper']);
  });

  test('without context, the nearest set wins at synthesis, also one made after the sidecars were attached', () => {
    const app = Testing.app();
    KubernetesTarget.set(app, '1.30');
    const chart = new Chart(app, 'web');
    const group = new Chart(chart, 'group');
    KubernetesTarget.set(group, '1.28');
    const inGroup = rawDeployment(group, 'a');
    const beside = rawDeployment(chart, 'b');
    const shipper = logShipper(chart);
    WorkloadSidecars.of(inGroup).add(shipper);
    WorkloadSidecars.of(beside).add(shipper);
    expect(names(podOf(findDoc(synth(group), 'Deployment', 'a')).spec.containers)).toEqual(['log-shipper', 'app']);
    expect(names(podOf(findDoc(synth(chart), 'Deployment', 'b')).spec.initContainers)).toEqual(['log-shipper']);
    KubernetesTarget.set(chart, '1.27');
    expect(names(podOf(findDoc(synth(chart), 'Deployment', 'b')).spec.containers)).toEqual(['log-shipper', 'app']);
    expect(names(podOf(findDoc(synth(group), 'Deployment', 'a')).spec.containers)).toEqual(['log-shipper', 'app']);
  });

  test('a context value that is not a version, of any runtime type, is refused with the key and the value', () => {
    for (const value of ['1.x', 1.28, true, { version: '1.28' }]) {
      const app = Testing.app();
      app.node.setContext('cdk-sidecars:kubernetesVersion', value);
      const chart = new Chart(app, 'web');
      WorkloadSidecars.of(rawDeployment(chart, 'api')).add(logShipper(chart));
      expectError(() => Testing.synth(chart), ErrorCode.INVALID_KUBERNETES_VERSION, 'context cdk-sidecars:kubernetesVersion ');
    }
  });

  test('a bad context value on the app is refused even where a chart below states a good one', () => {
    const app = Testing.app();
    app.node.setContext('cdk-sidecars:kubernetesVersion', '1.x');
    const chart = new Chart(app, 'web');
    chart.node.setContext('cdk-sidecars:kubernetesVersion', '1.29');
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(logShipper(chart));
    expectError(() => Testing.synth(chart), ErrorCode.INVALID_KUBERNETES_VERSION, 'context cdk-sidecars:kubernetesVersion ');
  });
});

describe('start order and health gating', () => {
  test('a native sidecar the app waits on until HEALTHY gets its readiness probe as startup probe', () => {
    const chart = newChart();
    const s = new Sidecar(chart, 'proxy', {
      image: 'ghcr.io/acme/proxy:1.0.0',
      ports: [{ port: 15021, exposure: PortExposure.EXPOSED }],
      readinessProbe: Probe.httpGet({ port: 15021, path: '/healthz/ready' }),
      appWaitsFor: WaitCondition.HEALTHY,
    });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(s);
    const c = podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers[0];
    expect(c.startupProbe).toEqual({ httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' } });
    expect(c.readinessProbe).toEqual(c.startupProbe);
  });

  test('dependsOn reorders: a sidecar starts after what it waits for', () => {
    const chart = newChart();
    const b = new Sidecar(chart, 'b', { image: 'ghcr.io/acme/b:1', dependsOn: [{ container: 'a', condition: WaitCondition.HEALTHY }] });
    const a = new Sidecar(chart, 'a', { image: 'ghcr.io/acme/a:1', ports: [{ port: 9000, exposure: PortExposure.EXPOSED }], readinessProbe: Probe.tcpSocket({ port: 9000 }) });
    const i = new Sidecar(chart, 'prep', { image: 'ghcr.io/acme/prep:1', role: StartupRole.INIT_STEP });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(b, i, a);
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(names(pod.spec.initContainers)).toEqual(['prep', 'a', 'b']);
    // a is waited on until HEALTHY, so it gets a startup probe in native mode.
    expect(pod.spec.initContainers[1].startupProbe).toEqual({ tcpSocket: { port: 9000 } });
  });

  test('with a transparent proxy, long-running sidecars start after it whatever the attachment order; what the proxy waits for stays ahead', () => {
    const chart = newChart();
    const tokens = new Sidecar(chart, 'tokens', { image: 'ghcr.io/acme/tokens:1', ports: [{ port: 9100, exposure: PortExposure.EXPOSED }], readinessProbe: Probe.tcpSocket({ port: 9100 }) });
    const policy = new Sidecar(chart, 'policy', { image: 'ghcr.io/acme/policy:1', ports: [{ port: 8181 }] });
    const prep = new Sidecar(chart, 'prep', { image: 'ghcr.io/acme/prep:1', role: StartupRole.INIT_STEP });
    const proxy = new Sidecar(chart, 'mesh', {
      image: 'ghcr.io/acme/mesh:1',
      ports: [{ port: 15021, exposure: PortExposure.EXPOSED }, { port: 15006 }, { port: 15001 }],
      readinessProbe: Probe.httpGet({ port: 15021, path: '/ready' }),
      dependsOn: [{ container: 'tokens', condition: WaitCondition.HEALTHY }],
      interceptTraffic: { inboundPort: 15006, outboundPort: 15001 },
    });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(policy, prep, tokens, proxy);
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    // policy was attached first but starts after the proxy; tokens, which the proxy waits for, before;
    // the init step keeps its place (before the redirect rules: a plain network).
    expect(names(pod.spec.initContainers)).toEqual(['prep', 'tokens', 'cdk-sidecars-redirect', 'mesh', 'policy']);
    // an ordering only: nothing is gated on the proxy that was not asked for
    expect(pod.spec.initContainers[4].startupProbe).toBeUndefined();

    // without interception, attachment order holds
    const chart2 = newChart();
    WorkloadSidecars.of(rawDeployment(chart2, 'api')).add(
      new Sidecar(chart2, 'policy', { image: 'ghcr.io/acme/policy:1' }), new Sidecar(chart2, 'mesh', { image: 'ghcr.io/acme/mesh:1' }));
    expect(names(podOf(findDoc(synth(chart2), 'Deployment')).spec.initContainers)).toEqual(['policy', 'mesh']);
  });

  test("the workload's own init containers run first by default, or after the sidecars when asked", () => {
    const initial = [{ name: 'app', image: APP_IMAGE }];
    for (const [placement, expected] of [
      [undefined, ['wait-for-db', 'log-shipper']],
      [AppInitContainerPlacement.AFTER_SIDECARS, ['log-shipper', 'wait-for-db']],
    ] as const) {
      const chart = newChart();
      const d = rawDeployment(chart, 'api', initial, { initContainers: [{ name: 'wait-for-db', image: 'busybox:1.37', command: ['true'] }] });
      WorkloadSidecars.of(d, { appInitContainers: placement }).add(logShipper(chart));
      expect(names(podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers)).toEqual(expected);
    }
  });
});

describe('shutdown, process namespace, secrets and memory volumes', () => {
  test('drain becomes preStop; native grace periods add up on top of the app grace', () => {
    const chart = newChart();
    const a = new Sidecar(chart, 'a', { image: 'ghcr.io/acme/a:1', drainCommand: ['/bin/drain', '--graceful'], terminationGracePeriodSeconds: 20 });
    const b = new Sidecar(chart, 'b', { image: 'ghcr.io/acme/b:1', terminationGracePeriodSeconds: 5 });
    WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { terminationGracePeriodSeconds: 45 })).add(a, b);
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.terminationGracePeriodSeconds).toBe(70);
    expect(pod.spec.initContainers[0].lifecycle).toEqual({ preStop: { exec: { command: ['/bin/drain', '--graceful'] } } });
  });

  test('classic: the pod grace is the longest of app and sidecars', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.28');
    const a = new Sidecar(chart, 'a', { image: 'ghcr.io/acme/a:1', terminationGracePeriodSeconds: 50 });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(a);
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.terminationGracePeriodSeconds).toBe(50);
  });

  test('shareProcessNamespace is set when a sidecar asks for it', () => {
    const chart = newChart();
    const a = new Sidecar(chart, 'reloader', { image: 'ghcr.io/acme/reloader:1', shareProcessNamespace: true });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(a);
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.shareProcessNamespace).toBe(true);
  });

  test('memory-backed and secret volumes, sensitive config files as a Secret', () => {
    const chart = newChart();
    const a = new Sidecar(chart, 'agent', {
      image: 'ghcr.io/acme/agent:1',
      volumes: [
        { name: 'secrets', kind: VolumeKind.MEMORY, mountPath: '/secrets', sizeLimitMebibytes: 16, appMountPath: '/run/secrets', appReadOnly: true },
        { name: 'ca', kind: VolumeKind.SECRET, secretName: 'mesh-ca', mountPath: '/etc/ca' },
      ],
      configFiles: [{ path: '/etc/agent/token.conf', content: 'token=s3cr3t', sensitive: true }],
      env: { MODE: 'agent' },
    });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(a);
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    expect(pod.spec.volumes).toEqual([
      { name: 'secrets', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      { name: 'ca', secret: { secretName: 'mesh-ca', defaultMode: 0o444 } },
      { name: 'agent-config', secret: { secretName: 'api-agent-config', items: [{ key: 'token.conf', path: 'token.conf', mode: 0o444 }] } },
    ]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: 'secrets', mountPath: '/run/secrets', readOnly: true }]);
    const secret = findDoc(docs, 'Secret', 'api-agent-config');
    expect(Buffer.from(secret.data['token.conf'], 'base64').toString()).toBe('token=s3cr3t');
    expect(docs.some(d => d.kind === 'ConfigMap')).toBe(false);
    expect(pod.spec.initContainers[0].env).toEqual([{ name: 'MODE', value: 'agent' }]);
  });

  test('pod fields become fieldRefs', () => {
    const chart = newChart();
    const a = new Sidecar(chart, 'a', { image: 'ghcr.io/acme/a:1' });
    const contribution = a.contribute({ targetPath: 'x', appContainers: [] });
    expect(contribution.containers[0].env).toEqual([]);
    const b = new (class extends Sidecar {
      public contribute() {
        const c = super.contribute({ targetPath: 'x', appContainers: [] });
        return { ...c, containers: [{ ...c.containers[0], env: [{ name: 'POD', podField: PodField.POD_NAME }] }] };
      }
    })(chart, 'b', { image: 'ghcr.io/acme/b:1' });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(b);
    const c = podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers[0];
    expect(c.env).toEqual([{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
  });

  test('ConfigMaps land in the workload namespace; a content change changes the pod hash', () => {
    const hashFor = (content: string) => {
      const chart = new Chart(Testing.app(), 'web', { namespace: 'shop' });
      const s = new Sidecar(chart, 'cfg', { image: 'ghcr.io/acme/a:1', configFiles: [{ path: '/etc/a/a.conf', content }] });
      WorkloadSidecars.of(new kplus27.Deployment(chart, 'api', { containers: [{ image: APP_IMAGE }] })).add(s);
      const docs = synth(chart);
      expect(docs.filter(d => d.kind === 'ConfigMap').map(d => d.metadata.namespace)).toEqual(['shop']);
      return podOf(findDoc(docs, 'Deployment')).metadata.annotations['cdk-sidecars.dev/config-hash'];
    };
    expect(hashFor('a=1')).toBe(hashFor('a=1'));
    expect(hashFor('a=1')).not.toBe(hashFor('a=2'));
  });
});

describe('idempotency and YAML brought in with Include', () => {
  test('attaching twice, or the same sidecar twice, injects once', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    const s = logShipper(chart);
    WorkloadSidecars.of(d).add(s, s);
    WorkloadSidecars.of(d).add(s);
    expect(WorkloadSidecars.of(d)).toBe(WorkloadSidecars.of(d));
    const docs = synth(chart);
    expect(names(podOf(findDoc(docs, 'Deployment')).spec.initContainers)).toEqual(['log-shipper']);
    expect(docs.filter(x => x.kind === 'ConfigMap')).toHaveLength(1);
    // Synthesizing again gives the same output.
    expect(synth(chart)).toEqual(docs);
  });

  test('an included Deployment gets the sidecars; the Service and the rest are left alone', () => {
    const chart = newChart();
    const inc = new Include(chart, 'legacy', { url: path.join(__dirname, '..', 'fixtures', 'legacy-deployment.yaml') });
    const deployment = inc.apiObjects.find(o => o.kind === 'Deployment')!;
    WorkloadSidecars.of(deployment).add(logShipper(chart));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment', 'legacy-api'));
    expect(names(pod.spec.initContainers)).toEqual(['wait-for-db', 'log-shipper']);
    expect(pod.spec.volumes.map((v: any) => v.name)).toEqual(['tmp', 'app-logs', 'log-shipper-config']);
    expect(pod.spec.containers[0].env).toEqual([{ name: 'LOG_FORMAT', value: 'json' }, { name: 'LOG_DIR', value: '/var/log/app' }]);
    expect(findDoc(docs, 'ConfigMap').metadata.namespace).toBe('payments');
    expect(findDoc(docs, 'Service')).toEqual(expect.objectContaining({ kind: 'Service' }));
    expect(podOf(findDoc(docs, 'Job')).spec.initContainers).toBeUndefined();
  });

  test('a previously injected manifest is refused instead of injected twice', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(logShipper(chart));
    const once = findDoc(synth(chart), 'Deployment');
    const chart2 = newChart('again');
    const again = new ApiObject(chart2, 'api', once);
    WorkloadSidecars.of(again).add(logShipper(chart2));
    expect(() => Testing.synth(chart2)).toThrow(/again\/api: the pod template was already injected by cdk-sidecars \(log-shipper\)/);
  });
});

describe('finding a workload\'s attachment', () => {
  test('of() returns the same attachment every time, and allIn finds each workload once', () => {
    const chart = newChart();
    const a = rawDeployment(chart, 'a');
    const b = new kplus27.Deployment(chart, 'b', { containers: [{ name: 'app', image: APP_IMAGE }] });
    const shipper = logShipper(chart);
    const first = WorkloadSidecars.of(a).add(shipper);
    expect(WorkloadSidecars.of(a)).toBe(first);
    expect(WorkloadSidecars.of(ApiObject.of(b))).toBe(WorkloadSidecars.of(b).add(shipper));
    expect(WorkloadSidecars.allIn(chart).map(w => w.workload.node.path)).toEqual(['web/a', 'web/b/Resource']);
    // Another app's workload of the same id is its own.
    const other = rawDeployment(newChart(), 'a');
    expect(WorkloadSidecars.of(other)).not.toBe(first);
  });

  test('the attachment is kept on the object where no key listing, for...in or JSON sees it: only the toJson hook is a new key', () => {
    const chart = newChart();
    const a = rawDeployment(chart, 'a');
    const keys = Object.keys(a);
    const symbols = Object.getOwnPropertySymbols(a);
    const forIn: string[] = [];
    WorkloadSidecars.of(a).add(logShipper(chart));
    for (const k in a) { forIn.push(k); }
    expect(Object.keys(a)).toEqual([...keys, 'toJson']);
    expect(forIn.filter(k => !keys.includes(k))).toEqual(['toJson']);
    expect(Object.getOwnPropertySymbols(a).filter(s => !symbols.includes(s)).map(s => s.description)).toEqual(['cdk-sidecars.WorkloadSidecars']);
    expect(Object.keys(JSON.parse(JSON.stringify(a.toJson()))).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  test('a toJson wrapped by other code after the sidecars were attached still leads to the one attachment, injected once', () => {
    const chart = newChart();
    const shipper = logShipper(chart);
    const wrapped = [rawDeployment(chart, 'a'), rawDeployment(chart, 'b')];
    const attached = wrapped.map(d => WorkloadSidecars.of(d).add(shipper));
    for (const d of wrapped) {
      const inner = d.toJson.bind(d);
      d.toJson = () => { const json = inner(); json.metadata.labels = { wrapped: 'yes' }; return json; };
    }
    // A workload attached after the first search is found too.
    const later = rawDeployment(chart, 'c');
    expect(WorkloadSidecars.of(wrapped[0])).toBe(attached[0]);
    const laterAttachment = WorkloadSidecars.of(later).add(shipper);
    const inner = later.toJson.bind(later);
    later.toJson = () => inner();
    expect(WorkloadSidecars.of(later)).toBe(laterAttachment);
    expect(WorkloadSidecars.of(wrapped[1]).add(shipper)).toBe(attached[1]);
    const docs = synth(chart);
    for (const id of ['a', 'b']) {
      const doc = findDoc(docs, 'Deployment', id);
      expect(doc.metadata.labels).toEqual({ wrapped: 'yes' });
      expect(names(podOf(doc).spec.initContainers)).toEqual(['log-shipper']);
    }
    expect(names(podOf(findDoc(docs, 'Deployment', 'c')).spec.initContainers)).toEqual(['log-shipper']);
  });
});
