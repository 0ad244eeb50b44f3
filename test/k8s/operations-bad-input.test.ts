/**
 * Values of the wrong runtime type for every prop of SidecarCanary, WorkloadDisruptionBudget and
 * WorkloadReadinessGates (the WRONG values of the bad-input guard, test/bad-input/harness.ts).
 * These constructs are Kubernetes-only and take no sidecar, so they are swept here rather than in
 * the guard's PROPS table, whose harness builds one sidecar on every platform. Each case must end
 * in a catalogued SidecarError naming the construct path and the prop, or in manifests that pass
 * validateManifests.
 */
import { Chart, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import { newChart } from './util';
import { Sidecar } from '../../src';
import { SidecarError } from '../../src/core/errors';
import { ReadinessGate, SidecarCanary, WorkloadDisruptionBudget, WorkloadReadinessGates, WorkloadSidecars } from '../../src/k8s';
import { PropKind, WRONG } from '../bad-input/harness';
import { validateManifests } from '../validate/k8s';

function track(chart: Chart, id: string, image: string): WorkloadSidecars {
  const d = new kplus27.Deployment(chart, id, { replicas: 3, containers: [{ name: 'web', image: 'ghcr.io/acme/web:1', portNumber: 8080 }] });
  return WorkloadSidecars.of(d).add(new Sidecar(chart, `${id}-agent`, { name: 'agent', image }));
}

interface Kind {
  readonly make: (chart: Chart, props: any) => void;
  readonly base: (chart: Chart) => any;
  readonly props: { [prop: string]: PropKind };
}

const KINDS: { [construct: string]: Kind } = {
  SidecarCanary: {
    make: (chart, props) => new SidecarCanary(chart, 'x', props),
    base: chart => ({ sidecars: track(chart, 'web', 'ghcr.io/acme/agent:1'), canarySidecars: track(chart, 'web-canary', 'ghcr.io/acme/agent:2'), gateways: [{ name: 'public' }] }),
    props: {
      sidecars: 'object',
      canarySidecars: 'object',
      canaryWeight: 'number',
      routing: 'enum',
      gateways: 'array',
      hostnames: 'array',
      istioGateways: 'array',
      port: 'number',
      appPort: 'number',
      name: 'string',
    },
  },
  WorkloadDisruptionBudget: {
    make: (chart, props) => new WorkloadDisruptionBudget(chart, 'x', props),
    base: chart => ({ sidecars: track(chart, 'web', 'ghcr.io/acme/agent:1') }),
    props: {
      sidecars: 'object',
      minAvailable: 'number',
      minAvailablePercent: 'number',
      maxUnavailable: 'number',
      maxUnavailablePercent: 'number',
      unhealthyPodEvictionPolicy: 'enum',
      name: 'string',
    },
  },
  WorkloadReadinessGates: {
    make: (chart, props) => new WorkloadReadinessGates(chart, 'x', props),
    base: chart => ({ sidecars: track(chart, 'web', 'ghcr.io/acme/agent:1'), gates: [ReadinessGate.custom('example.com/ready')] }),
    props: { sidecars: 'object', gates: 'array' },
  },
};

/** Undefined when the case ends well, else what went wrong. */
function attempt(kind: Kind, prop: string, value: unknown): string | undefined {
  const chart = newChart('ops');
  let message: string;
  try {
    kind.make(chart, { ...kind.base(chart), [prop]: value });
    validateManifests(Testing.synth(chart));
    return undefined;
  } catch (e) {
    // cdk8s rethrows an error of toJson as a plain Error with the message ("Failed serializing construct ...").
    if (!(e instanceof SidecarError) && !/SidecarError: /.test((e as Error).message)) { return `crash: ${(e as Error).message.slice(0, 300)}`; }
    message = (e as Error).message;
  }
  if (!message.includes('ops/x: ')) { return `error without the construct path ops/x: ${message.slice(0, 300)}`; }
  if (!message.includes(prop)) { return `error without the prop ${prop}: ${message.slice(0, 300)}`; }
  return undefined;
}

for (const [construct, kind] of Object.entries(KINDS)) {
  describe(`${construct}: values of the wrong runtime type`, () => {
    for (const [prop, pk] of Object.entries(kind.props)) {
      test.each(WRONG[pk].map(([label, value]) => [label, value]))(`${prop}=%s`, (_label, value) => {
        expect(attempt(kind, prop, value)).toBeUndefined();
      });
    }
  });
}
