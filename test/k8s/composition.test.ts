import * as path from 'path';
import { ApiObject, Chart, Include, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import { PortExposure, Probe, Protocol, Sidecar, SidecarProps, StartupRole, VolumeKind, WaitCondition } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { KubernetesTarget, SidecarMode, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from './util';

function sidecar(chart: Chart, id: string, props: Partial<SidecarProps> = {}): Sidecar {
  return new Sidecar(chart, id, { image: `ghcr.io/acme/${id}:1.0.0`, ...props });
}

/** Attaches the sidecars to a raw Deployment and synthesizes. */
function attachAndSynth(chart: Chart, sidecars: Sidecar[], containers?: any[], extraSpec?: any) {
  WorkloadSidecars.of(rawDeployment(chart, 'api', containers, extraSpec)).add(...sidecars);
  return Testing.synth(chart);
}

describe('the whole pod is checked before rendering; each error names both paths and a fix', () => {
  test('two sidecars on one localhost port', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { ports: [{ port: 9090 }] });
    const b = sidecar(chart, 'b', { ports: [{ port: 8081 }, { port: 9090, exposure: PortExposure.EXPOSED }] });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.PORT_CLASH,
      'web/b: ports[1].port: port 9090/TCP is already used by web/a (ports[0].port)', 'set ports[1].port or ports[0].port to a free port');
  });

  test('a sidecar on the app\'s port', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { ports: [{ port: 8080 }] });
    expectError(() => attachAndSynth(chart, [a]), ErrorCode.PORT_CLASH,
      'web/a: ports[0].port: port 8080/TCP is already used by web/api (app container "app")');
  });

  test('TCP and UDP on one number do not clash', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { ports: [{ port: 8080, protocol: Protocol.UDP }] });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(a);
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers).toHaveLength(1);
  });

  test('a port of the app\'s own native sidecar counts too', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { ports: [{ port: 9000 }] });
    expectError(() => attachAndSynth(chart, [a], undefined, {
      initContainers: [{ name: 'own-proxy', image: 'ghcr.io/acme/p:1', restartPolicy: 'Always', ports: [{ containerPort: 9000 }] }],
    }), ErrorCode.PORT_CLASH, 'web/a: ports[0].port: port 9000/TCP is already used by web/api (app container "own-proxy")');
  });

  test('two sidecars with one UID', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { security: { uid: 2000 } });
    const b = sidecar(chart, 'b', { security: { uid: 2000, gid: 3000 } });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.UID_CLASH,
      'web/b: security.uid: UID 2000 is already used by web/a (security.uid)', 'Give each sidecar its own UID');
  });

  test('a sidecar with the app\'s UID (pod-level runAsUser)', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { security: { uid: 1000 } });
    expectError(() => attachAndSynth(chart, [a], undefined, { securityContext: { runAsUser: 1000 } }), ErrorCode.UID_CLASH,
      'web/a: security.uid: UID 1000 is already used by web/api (app container "app" runAsUser)');
  });

  test('one volume name with two meanings', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { volumes: [{ name: 'shared', mountPath: '/shared' }] });
    const b = sidecar(chart, 'b', { volumes: [{ name: 'shared', kind: VolumeKind.MEMORY, mountPath: '/shared' }] });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.VOLUME_CONFLICT,
      'web/b: volumes[0].name: volume "shared" has another definition in web/a');
  });

  test('one volume declared identically by two sidecars is shared', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { volumes: [{ name: 'shared', mountPath: '/out' }] });
    const b = sidecar(chart, 'b', { volumes: [{ name: 'shared', mountPath: '/in', readOnly: true }] });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(a, b);
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.volumes).toEqual([{ name: 'shared', emptyDir: {} }]);
    expect(pod.spec.initContainers.map((c: any) => c.volumeMounts[0])).toEqual([
      { name: 'shared', mountPath: '/out', readOnly: false },
      { name: 'shared', mountPath: '/in', readOnly: true },
    ]);
  });

  test('a sidecar volume named like an app volume', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { volumes: [{ name: 'tmp', mountPath: '/tmp' }] });
    expectError(() => attachAndSynth(chart, [a], undefined, { volumes: [{ name: 'tmp', emptyDir: {} }] }), ErrorCode.VOLUME_CONFLICT,
      'web/a: volumes[0].name: volume "tmp" is also a volume of the app in web/api');
  });

  test('an env var given two values by two sidecars', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { appEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' } });
    const b = sidecar(chart, 'b', { appEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' } });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.ENV_CONFLICT,
      'web/b: appEnv.OTEL_EXPORTER_OTLP_ENDPOINT: OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318" for app container "app" conflicts with OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4317" from web/a');
  });

  test('an env var the app already sets to another value', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { appEnv: { LOG_LEVEL: 'debug' } });
    expectError(() => attachAndSynth(chart, [a], [{ name: 'app', image: 'ghcr.io/acme/app:1', env: [{ name: 'LOG_LEVEL', value: 'info' }] }]),
      ErrorCode.ENV_CONFLICT, 'web/a: appEnv.LOG_LEVEL: LOG_LEVEL="debug" for app container "app" conflicts with LOG_LEVEL="info" from web/api (the app\'s own env)');
  });

  test('the same env value from two sidecars and from the app is given once', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { appEnv: { REGION: 'eu', ZONE: 'a' } });
    const b = sidecar(chart, 'b', { appEnv: { REGION: 'eu' } });
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'ghcr.io/acme/app:1', env: [{ name: 'ZONE', value: 'a' }] }])).add(a, b);
    const app = podOf(findDoc(synth(chart), 'Deployment')).spec.containers[0];
    expect(app.env).toEqual([{ name: 'ZONE', value: 'a' }, { name: 'REGION', value: 'eu' }]);
  });

  test('a dependency cycle', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { ports: [{ port: 1001 }], readinessProbe: Probe.tcpSocket({ port: 1001 }), dependsOn: [{ container: 'b', condition: WaitCondition.STARTED }] });
    const b = sidecar(chart, 'b', { dependsOn: [{ container: 'a', condition: WaitCondition.HEALTHY }] });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.DEPENDENCY_CYCLE,
      'web/a: containers wait for each other in a cycle: a -> b -> a (involving web/b)', 'Remove one of the dependsOn entries');
  });

  test('waiting for a container no sidecar has', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { dependsOn: [{ container: 'vault-agent', condition: WaitCondition.STARTED }] });
    expectError(() => attachAndSynth(chart, [a]), ErrorCode.UNKNOWN_DEPENDENCY,
      'web/a: dependsOn[0].container waits for container "vault-agent", which no sidecar of this pod has (sidecar containers: a)');
  });

  test('waiting for COMPLETED of a long-running sidecar', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a');
    const b = sidecar(chart, 'b', { dependsOn: [{ container: 'a', condition: WaitCondition.COMPLETED }] });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.DEPENDENCY_CONDITION,
      'web/b: dependsOn[0].condition waits for COMPLETED of "a", which is a long-running sidecar that never completes');
  });

  test('waiting for HEALTHY of an init step', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { role: StartupRole.INIT_STEP });
    const b = sidecar(chart, 'b', { dependsOn: [{ container: 'a', condition: WaitCondition.HEALTHY }] });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.DEPENDENCY_CONDITION, 'web/b: dependsOn[0].condition waits for HEALTHY of "a", which is a init step');
  });

  test('a sidecar named like the app container', () => {
    const chart = newChart();
    const a = sidecar(chart, 'app');
    expectError(() => attachAndSynth(chart, [a]), ErrorCode.DUPLICATE_CONTAINER_NAME,
      'web/app: container name "app" is already used by web/api (app container) in web/api', 'Give the sidecar another name');
  });

  test('two different sidecars with one container name', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { name: 'agent' });
    const b = sidecar(chart, 'b', { name: 'agent' });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.DUPLICATE_CONTAINER_NAME, 'web/b: container name "agent" is already used by web/a in web/api');
  });

  test('an app container that does not exist', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { appEnv: { X: '1' }, appContainers: ['worker'] });
    expectError(() => attachAndSynth(chart, [a]), ErrorCode.UNKNOWN_APP_CONTAINER,
      'web/a: appRequests.containers[0] names app container "worker", which web/api does not have (app containers: app)');
  });

  test('appContainers narrows env and mounts to the named containers', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { appEnv: { X: '1' }, appContainers: ['worker'], volumes: [{ name: 'v', mountPath: '/v', appMountPath: '/data' }] });
    WorkloadSidecars.of(rawDeployment(chart, 'api', [
      { name: 'app', image: 'ghcr.io/acme/app:1' }, { name: 'worker', image: 'ghcr.io/acme/worker:1' },
    ])).add(a);
    const [app, worker] = podOf(findDoc(synth(chart), 'Deployment')).spec.containers;
    expect(app.env).toBeUndefined();
    expect(app.volumeMounts).toBeUndefined();
    expect(worker.env).toEqual([{ name: 'X', value: '1' }]);
    expect(worker.volumeMounts).toEqual([{ name: 'v', mountPath: '/data', readOnly: false }]);
  });

  test('a mount on a path the app already mounts', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { volumes: [{ name: 'v', mountPath: '/v', appMountPath: '/tmp' }] });
    expectError(() => attachAndSynth(chart, [a], [{ name: 'app', image: 'ghcr.io/acme/app:1', volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] }],
      { volumes: [{ name: 'tmp', emptyDir: {} }] }),
    ErrorCode.MOUNT_CONFLICT, 'web/a: volumes[0].appMountPath: path "/tmp" in app container "app" is already mounted by web/api (the app\'s own volumeMounts)');
  });

  test('a kubelet probe on a localhost-only port', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { ports: [{ port: 8181 }], readinessProbe: Probe.httpGet({ port: 8181, path: '/health' }) });
    expectError(() => attachAndSynth(chart, [a]), ErrorCode.PROBE_UNREACHABLE,
      'web/a: readinessProbe.port probes port 8181, which is POD_LOCAL (bound to localhost) and so unreachable for the kubelet', 'use an exec probe');
  });

  test('a pod without app containers', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a');
    expectError(() => attachAndSynth(chart, [a], []), ErrorCode.NO_APP_CONTAINERS, 'web/api: the pod has no app container');
  });

  test('the workload forbids process sharing', () => {
    const chart = newChart();
    const a = sidecar(chart, 'a', { shareProcessNamespace: true });
    expectError(() => attachAndSynth(chart, [a], undefined, { shareProcessNamespace: false }), ErrorCode.INVALID_ROLE,
      'web/a: shareProcessNamespace true conflicts with shareProcessNamespace: false set on web/api');
  });

  test('classic mode: an init step cannot wait for a long-running sidecar', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.28');
    const a = sidecar(chart, 'a');
    const b = sidecar(chart, 'b', { role: StartupRole.INIT_STEP, dependsOn: [{ container: 'a', condition: WaitCondition.STARTED }] });
    expectError(() => attachAndSynth(chart, [a, b]), ErrorCode.CLASSIC_CANNOT_WAIT,
      'web/b: dependsOn[0]: in classic sidecar mode an init step cannot wait for the long-running container "a"');
  });
});

describe('what sidecars can be attached to', () => {
  test('a ConfigMap is not a workload', () => {
    const chart = newChart();
    const cm = new kplus27.ConfigMap(chart, 'cm');
    expectError(() => WorkloadSidecars.of(cm), ErrorCode.NOT_A_WORKLOAD, 'web/cm: sidecars were attached to a ConfigMap, which has no pod template');
  });

  test('a Service is not a workload', () => {
    const chart = newChart();
    const svc = new ApiObject(chart, 'svc', { apiVersion: 'v1', kind: 'Service' });
    expectError(() => WorkloadSidecars.of(svc), ErrorCode.NOT_A_WORKLOAD, 'web/svc: sidecars were attached to a Service');
  });

  test('a plain construct is not a workload', () => {
    const chart = newChart();
    expectError(() => WorkloadSidecars.of(chart), ErrorCode.NOT_A_WORKLOAD, 'web: sidecars were attached to a construct (Chart) without a Kubernetes object');
  });

  test('an Include with several workloads is ambiguous; with one it is fine', () => {
    const chart = newChart();
    const inc = new Include(chart, 'legacy', { url: path.join(__dirname, '..', 'fixtures', 'legacy-deployment.yaml') });
    expectError(() => WorkloadSidecars.of(inc), ErrorCode.AMBIGUOUS_WORKLOAD, 'web/legacy: the construct holds 2 workloads');
  });

  test('options given twice must agree', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d, { mode: SidecarMode.NATIVE });
    WorkloadSidecars.of(d, { mode: SidecarMode.NATIVE });
    expectError(() => WorkloadSidecars.of(d, { mode: SidecarMode.CLASSIC }), ErrorCode.INVALID_ROLE,
      'web/api: mode "CLASSIC" differs from "NATIVE" given earlier for this workload');
  });

  test('a target version that is not one', () => {
    const chart = newChart();
    expectError(() => KubernetesTarget.set(chart, '1.x'), ErrorCode.INVALID_KUBERNETES_VERSION, 'web: version "1.x" is not a Kubernetes version');
    expect(KubernetesTarget.versionOf(chart)).toBeUndefined();
    KubernetesTarget.set(chart, 'v1.31.2');
    expect(KubernetesTarget.versionOf(new Chart(chart, 'child'))).toBe('v1.31.2');
  });
});
