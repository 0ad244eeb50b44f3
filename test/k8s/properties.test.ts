/**
 * Property-based composition tests: any set of generic sidecars with random names,
 * ports, UIDs, volumes, env and roles either renders a schema-valid, conflict-free pod
 * in which every field that was set appears, or fails with a catalogued error.
 */
import * as fc from 'fast-check';
import { Case, caseArb, compose } from './arbitraries';
import { podOf } from './util';
import { PortExposure, Sidecar, SidecarProps, StartupRole } from '../../src';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { SidecarMode } from '../../src/k8s';
import { manifestErrors } from '../validate/k8s';

function check(c: Case): 'rendered' | 'rejected' {
  let docs: any[];
  let built: Array<{ props: SidecarProps; sidecar: Sidecar }>;
  try {
    ({ docs, built } = compose(c));
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
