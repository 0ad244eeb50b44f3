/**
 * Property-based composition tests: any set of generic sidecars with random names,
 * ports, UIDs, volumes, env and roles either renders a schema-valid, conflict-free pod
 * in which every field that was set appears, or fails with a catalogued error.
 */
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as fc from 'fast-check';
import { podOf, rawDeployment } from './util';
import { PortExposure, Probe, Protocol, Sidecar, SidecarProps, StartupRole, VolumeKind, WaitCondition } from '../../src';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { SidecarMode, WorkloadSidecars } from '../../src/k8s';
import { manifestErrors } from '../validate/k8s';

const portArb = fc.record({
  port: fc.integer({ min: 8079, max: 8084 }),
  protocol: fc.constantFrom(Protocol.TCP, Protocol.UDP),
  exposure: fc.constantFrom(PortExposure.POD_LOCAL, PortExposure.EXPOSED),
});

const sidecarArb = fc.record({
  name: fc.constantFrom('alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'app'),
  role: fc.constantFrom(StartupRole.SIDECAR, StartupRole.SIDECAR, StartupRole.INIT_STEP),
  ports: fc.array(portArb, { maxLength: 2 }),
  uid: fc.option(fc.constantFrom(10001, 10002, 1000), { nil: undefined, freq: 3 }),
  volumes: fc.array(fc.record({
    name: fc.constantFrom('shared', 'data', 'tmp'),
    kind: fc.constantFrom(VolumeKind.SCRATCH, VolumeKind.MEMORY),
    mountPath: fc.constantFrom('/shared', '/data', '/var/tmp'),
    appMountPath: fc.option(fc.constantFrom('/mnt/a', '/mnt/b'), { nil: undefined }),
  }), { maxLength: 1 }),
  appEnv: fc.dictionary(fc.constantFrom('REGION', 'ENDPOINT', 'MODE'), fc.constantFrom('a', 'b'), { maxKeys: 2 }),
  probe: fc.boolean(),
  waitHealthy: fc.boolean(),
  config: fc.option(fc.constantFrom('x=1', 'x=2'), { nil: undefined }),
});

const caseArb = fc.record({
  sidecars: fc.array(sidecarArb, { minLength: 1, maxLength: 4 }),
  mode: fc.constantFrom(SidecarMode.NATIVE, SidecarMode.CLASSIC),
  kind: fc.constantFrom('Deployment', 'Job'),
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function propsOf(s: Case['sidecars'][number]): SidecarProps {
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

function check(c: Case): 'rendered' | 'rejected' {
  const chart = new Chart(Testing.app(), 'prop');
  let docs: any[];
  const built: Array<{ props: SidecarProps; sidecar: Sidecar }> = [];
  try {
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
    docs = Testing.synth(chart);
  } catch (e) {
    // The only acceptable failure: a catalogued error whose message starts with a construct path.
    if (!(e instanceof SidecarError) || !Object.values(ErrorCode).includes(e.code) || !/^prop(\/[^:]+)?: /.test(e.message)) {
      throw e;
    }
    return 'rejected';
  }

  expect(manifestErrors(docs)).toEqual([]);
  const workloadDoc = docs.find(d => d.kind === c.kind)!;
  const pod = podOf(workloadDoc).spec;
  const all = [...(pod.initContainers ?? []), ...pod.containers];

  // Conflict-free: unique names, volumes, non-root UIDs and declared ports.
  const names = all.map((x: any) => x.name);
  expect(new Set(names).size).toBe(names.length);
  const volumes = (pod.volumes ?? []).map((v: any) => v.name);
  expect(new Set(volumes).size).toBe(volumes.length);
  const uids = built.map(b => b.sidecar.uid);
  expect(new Set(uids).size).toBe(uids.length);
  const ports = built.flatMap(b => (b.props.ports ?? []).map(p => `${p.port}/${p.protocol}`)).concat('8080/TCP');
  expect(new Set(ports).size).toBe(ports.length);

  // Nothing dropped: every sidecar, with its image, UID, exposed ports, mounts, env for the app.
  for (const { props, sidecar } of built) {
    const container = all.find((x: any) => x.name === props.name);
    expect(container).toBeDefined();
    expect(container.image).toBe(props.image);
    expect(container.securityContext.runAsUser).toBe(sidecar.uid);
    const exposed = (props.ports ?? []).filter(p => p.exposure === PortExposure.EXPOSED).map(p => p.port).sort();
    expect((container.ports ?? []).map((p: any) => p.containerPort).sort()).toEqual(exposed);
    for (const v of props.volumes ?? []) {
      expect(container.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ name: v.name, mountPath: v.mountPath })]));
      expect(volumes).toContain(v.name);
      if (v.appMountPath) {
        expect(pod.containers.find((x: any) => x.name === 'app').volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ name: v.name, mountPath: v.appMountPath })]));
      }
    }
    for (const [k, v] of Object.entries(props.appEnv ?? {})) {
      expect(pod.containers.find((x: any) => x.name === 'app').env).toEqual(expect.arrayContaining([{ name: k, value: v }]));
    }
    if (props.readinessProbe) { expect(container.readinessProbe).toBeDefined(); }
    const native = c.mode === SidecarMode.NATIVE && props.role === StartupRole.SIDECAR;
    expect(container.restartPolicy).toBe(native ? 'Always' : undefined);
    const placedInit = (pod.initContainers ?? []).includes(container);
    expect(placedInit).toBe(native || props.role === StartupRole.INIT_STEP);
  }
  return 'rendered';
}

describe('composition properties', () => {
  test('random sidecar sets render conflict-free valid pods or throw a catalogued error', () => {
    const outcomes = { rendered: 0, rejected: 0 };
    fc.assert(fc.property(caseArb, c => {
      outcomes[check(c)]++;
    }), { numRuns: 400, seed: Number(process.env.FC_SEED ?? 20261126) });
    if (process.env.FC_VERBOSE) { console.log(outcomes); }
    // The generator must reach both outcomes often, or the property proves little.
    expect(outcomes.rendered).toBeGreaterThan(60);
    expect(outcomes.rejected).toBeGreaterThan(60);
  });
});
