/**
 * What the Kubernetes binder tells a newcomer: the sidecar mode it chose when no target
 * was stated, and an injector that matches nothing.
 */
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { podOf, rawDeployment, synth } from './util';
import { PortExposure, Probe, Sidecar, StartupRole } from '../../src';
import { KubernetesTarget, SidecarInjector, SidecarMode, WorkloadSidecars } from '../../src/k8s';

function statsd(chart: Chart, role?: StartupRole): Sidecar {
  return new Sidecar(chart, role === StartupRole.INIT_STEP ? 'migrate' : 'statsd', {
    image: 'ghcr.io/acme/statsd:1.0.0',
    role,
    ports: role === StartupRole.INIT_STEP ? undefined : [{ port: 9102, exposure: PortExposure.EXPOSED }],
    readinessProbe: role === StartupRole.INIT_STEP ? undefined : Probe.httpGet({ port: 9102, path: '/health' }),
  });
}

/** Synthesizes with stderr captured; returns the manifests and the printed lines. */
function synthQuiet(chart: Chart): { docs: any[]; printed: string[] } {
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const docs = synth(chart);
    return { docs, printed: stderr.mock.calls.map(c => String(c[0])) };
  } finally {
    stderr.mockRestore();
  }
}

const MODE_NOTE = /no KubernetesTarget stated: long-running sidecars are native \(init containers with restartPolicy: Always, Kubernetes 1\.29 or later\)/;

describe('the mode chosen without a KubernetesTarget', () => {
  test('is said once per app (stderr) and in the notes of each workload it applies to', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'web');
    const a = WorkloadSidecars.of(rawDeployment(chart, 'a')).add(statsd(chart));
    const other = new Chart(app, 'shop');
    const b = WorkloadSidecars.of(rawDeployment(other, 'b')).add(statsd(other));
    const { printed } = synthQuiet(chart);
    synthQuiet(other).printed.forEach(l => printed.push(l));
    expect(a.notes).toEqual([expect.stringMatching(MODE_NOTE)]);
    expect(b.notes).toEqual([expect.stringMatching(MODE_NOTE)]);
    // the note names what to set to choose otherwise, and both are real
    expect(a.notes[0]).toContain('KubernetesTarget.set(app, \'1.28\')');
    expect(a.notes[0]).toContain('WorkloadSidecarsOptions.mode');
    expect(printed.filter(l => MODE_NOTE.test(l))).toEqual([expect.stringMatching(/^\[cdk-sidecars\] note: /)]);
  });

  test('is not said when a target or a mode is given, or when no sidecar is long-running', () => {
    const stated = new Chart(Testing.app(), 'web');
    KubernetesTarget.set(stated, '1.28');
    const classic = WorkloadSidecars.of(new kplus.Deployment(stated, 'a', { containers: [{ image: 'ghcr.io/acme/a:1' }] })).add(statsd(stated));
    const explicit = new Chart(Testing.app(), 'web');
    const chosen = WorkloadSidecars.of(rawDeployment(explicit, 'a'), { mode: SidecarMode.NATIVE }).add(statsd(explicit));
    const initOnly = new Chart(Testing.app(), 'web');
    const steps = WorkloadSidecars.of(rawDeployment(initOnly, 'a')).add(statsd(initOnly, StartupRole.INIT_STEP));
    for (const [chart, attached] of [[stated, classic], [explicit, chosen], [initOnly, steps]] as const) {
      const { printed } = synthQuiet(chart);
      expect(attached.notes).toEqual([]);
      expect(printed.filter(l => MODE_NOTE.test(l))).toEqual([]);
    }
  });
});

describe('an injector whose selector matches nothing', () => {
  test('is a warning naming the injector, its selector and its scope', () => {
    const chart = new Chart(Testing.app(), 'web');
    rawDeployment(chart, 'api');
    const injector = new SidecarInjector(chart, 'logging', {
      sidecars: [statsd(chart)],
      selector: { matchLabels: { 'sidecars.acme.dev/logging': 'enabled' }, kinds: ['Deployment'] },
    });
    const { docs, printed } = synthQuiet(chart);
    expect(podOf(docs[0]).spec.initContainers).toBeUndefined();
    const expected = 'web/logging: selector {"matchLabels":{"sidecars.acme.dev/logging":"enabled"},"kinds":["Deployment"]} matches no workload in web, '
      + 'so nothing is injected; check the selector (labels and annotations of the pod template) or remove the injector';
    expect(injector.warnings).toEqual([expected]);
    expect(printed.filter(l => l.includes('matches no workload'))).toEqual([`[cdk-sidecars] warning: ${expected}\n`]);
  });

  test('is not a warning when it matches', () => {
    const chart = new Chart(Testing.app(), 'web');
    rawDeployment(chart, 'api');
    const injector = new SidecarInjector(chart, 'logging', { sidecars: [statsd(chart)], selector: { matchLabels: { app: 'api' } } });
    const { docs } = synthQuiet(chart);
    expect(podOf(docs[0]).spec.initContainers.map((c: any) => c.name)).toEqual(['statsd']);
    expect(injector.warnings).toEqual([]);
  });
});
