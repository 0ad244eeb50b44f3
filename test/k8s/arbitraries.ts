/**
 * The random compositions of the property test (test/k8s/properties.test.ts): generic
 * sidecars with random names, ports, UIDs, volumes, env and roles on a Deployment or a Job.
 * Shared with the pod tier (test/pods/kubernetes-examples.test.ts), which runs pods drawn
 * from them with fixed seeds.
 */
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { rawDeployment } from './util';
import { PortExposure, Probe, Protocol, Sidecar, SidecarProps, StartupRole, VolumeKind, WaitCondition } from '../../src';
import { SidecarMode, WorkloadSidecars } from '../../src/k8s';

export const portArb = fc.record({
  port: fc.integer({ min: 8079, max: 8084 }),
  protocol: fc.constantFrom(Protocol.TCP, Protocol.UDP),
  exposure: fc.constantFrom(PortExposure.POD_LOCAL, PortExposure.EXPOSED),
});

export const sidecarArb = fc.record({
  name: fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'app'),
  role: fc.constantFrom(StartupRole.SIDECAR, StartupRole.SIDECAR, StartupRole.INIT_STEP),
  ports: fc.array(portArb, { maxLength: 2 }),
  uid: fc.option(fc.constantFrom(10001, 10002, 1000), { nil: undefined, freq: 3 }),
  volumes: fc.array(fc.record({
    name: fc.constantFrom('shared', 'data', 'tmp'),
    // Scratch and memory mostly; claims, CSI and generic ephemeral volumes (issue 14) with their
    // required fields; a hostPath only with its opt-in.
    source: fc.constantFrom<object>(
      { kind: VolumeKind.SCRATCH }, { kind: VolumeKind.MEMORY }, { kind: VolumeKind.SCRATCH }, { kind: VolumeKind.MEMORY },
      { kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'data' },
      { kind: VolumeKind.CSI, csiDriver: 'secrets-store.csi.k8s.io', csiAttributes: { secretProviderClass: 'app' } },
      { kind: VolumeKind.EPHEMERAL_CLAIM, claimSizeMebibytes: 256, storageClassName: 'gp3' },
      { kind: VolumeKind.HOST_PATH, hostPath: '/var/log', allowHostPath: true },
    ),
    mountPath: fc.constantFrom('/shared', '/data', '/var/tmp'),
    appMountPath: fc.option(fc.constantFrom('/mnt/a', '/mnt/b'), { nil: undefined }),
  }).map(({ source, ...v }) => ({ ...v, ...source })), { maxLength: 1 }),
  appEnv: fc.dictionary(fc.constantFrom('REGION', 'ENDPOINT', 'MODE'), fc.constantFrom('a', 'b'), { maxKeys: 2 }),
  probe: fc.boolean(),
  waitHealthy: fc.boolean(),
  config: fc.option(fc.constantFrom('x=1', 'x=2'), { nil: undefined }),
});

export const caseArb = fc.record({
  sidecars: fc.array(sidecarArb, { minLength: 1, maxLength: 4 }),
  mode: fc.constantFrom(SidecarMode.NATIVE, SidecarMode.CLASSIC),
  kind: fc.constantFrom('Deployment', 'Job'),
});

export type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

export function propsOf(s: Case['sidecars'][number]): SidecarProps {
  const tcp = s.ports.find(p => p.protocol === Protocol.TCP);
  const probe = s.probe && tcp && s.role === StartupRole.SIDECAR ? Probe.tcpSocket({ port: tcp.port }) : undefined;
  return {
    name: s.name,
    image: `ghcr.io/acme/${s.name}:1.0.0`,
    role: s.role,
    ports: s.ports,
    security: s.uid === undefined ? undefined : { uid: s.uid },
    volumes: s.volumes,
    appEnv: s.appEnv,
    readinessProbe: probe,
    appWaitsFor: s.waitHealthy && probe ? WaitCondition.HEALTHY : undefined,
    waitCommand: s.waitHealthy && probe ? ['/bin/wait'] : undefined,
    configFiles: s.config === undefined ? undefined : [{ path: `/etc/${s.name}/app.conf`, content: s.config }],
  };
}

/** Composes a case onto its workload and synthesizes it; throws what the library throws. */
export function compose(c: Case): { docs: any[]; built: Array<{ props: SidecarProps; sidecar: Sidecar }> } {
  const chart = new Chart(Testing.app(), 'prop');
  const built: Array<{ props: SidecarProps; sidecar: Sidecar }> = [];
  c.sidecars.forEach((s, i) => {
    const props = propsOf(s);
    built.push({ props, sidecar: new Sidecar(chart, `s${i}`, props) });
  });
  const workload = c.kind === 'Job'
    ? new ApiObject(chart, 'job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'job' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'ghcr.io/acme/app:1', ports: [{ containerPort: 8080 }] }] } } },
    })
    : rawDeployment(chart, 'api');
  WorkloadSidecars.of(workload, { mode: c.mode }).add(...built.map(b => b.sidecar));
  return { docs: Testing.synth(chart), built };
}
