import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import { findDoc, newChart, rawDeployment, synth } from './util';
import { Sidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { KubernetesTarget, UnhealthyPodEvictionPolicy, WorkloadDisruptionBudget, WorkloadDisruptionBudgetProps, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';

const AGENT = 'ghcr.io/acme/agent:1.0.0';

function web(chart: Chart, replicas?: number): WorkloadSidecars {
  const d = new kplus27.Deployment(chart, 'web', { ...(replicas !== undefined ? { replicas } : {}), containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080 }] });
  return WorkloadSidecars.of(d).add(new Sidecar(chart, 'agent', { image: AGENT }));
}

function budget(props: Partial<WorkloadDisruptionBudgetProps> = {}, replicas = 3, target?: string): any {
  const chart = newChart('shop');
  if (target) { KubernetesTarget.set(chart, target); }
  new WorkloadDisruptionBudget(chart, 'pdb', { sidecars: web(chart, replicas), ...props } as WorkloadDisruptionBudgetProps);
  const docs = synth(chart);
  return { pdb: findDoc(docs, 'PodDisruptionBudget'), deployment: findDoc(docs, 'Deployment') };
}

/** Synthesis fails with a message containing every part (cdk8s rethrows errors of toJson as plain Errors with the message). */
function synthThrows(build: (chart: Chart) => void, ...parts: string[]): void {
  const chart = newChart('shop');
  build(chart);
  let message = '';
  try { Testing.synth(chart); } catch (e) { message = (e as Error).message; }
  expect(message).not.toBe('');
  for (const p of parts) { expect(message).toContain(p); }
}

describe('WorkloadDisruptionBudget', () => {
  test('default: maxUnavailable 1, the workload\'s selector, AlwaysAllow for unhealthy pods', () => {
    const { pdb, deployment } = budget();
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.metadata).toEqual({ name: deployment.metadata.name, labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } });
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: deployment.spec.selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('minAvailable as a number, percents as strings', () => {
    expect(budget({ minAvailable: 2 }).pdb.spec.minAvailable).toBe(2);
    expect(budget({ minAvailablePercent: 50 }).pdb.spec.minAvailable).toBe('50%');
    expect(budget({ maxUnavailablePercent: 25 }).pdb.spec.maxUnavailable).toBe('25%');
  });

  test('IfHealthyBudget when asked; no policy field when the target is older than 1.27', () => {
    expect(budget({ unhealthyPodEvictionPolicy: UnhealthyPodEvictionPolicy.IF_HEALTHY_BUDGET }).pdb.spec.unhealthyPodEvictionPolicy).toBe('IfHealthyBudget');
    expect(budget({}, 3, '1.26').pdb.spec.unhealthyPodEvictionPolicy).toBeUndefined();
    expect(budget({}, 3, '1.27').pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  test('a raw Deployment with matchExpressions keeps them; the namespace and a given name are used', () => {
    const chart = newChart('shop');
    const d = new ApiObject(chart, 'api', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'shop' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] },
        template: { metadata: { labels: { app: 'api', tier: 'web' } }, spec: { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1' }] } },
      },
    });
    new WorkloadDisruptionBudget(chart, 'pdb', { sidecars: WorkloadSidecars.of(d).add(new Sidecar(chart, 'agent', { image: AGENT })), name: 'api-budget' });
    const pdb = findDoc(synth(chart), 'PodDisruptionBudget');
    expect(pdb.metadata.name).toBe('api-budget');
    expect(pdb.metadata.namespace).toBe('shop');
    expect(pdb.spec.selector).toEqual({ matchLabels: { app: 'api' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] });
  });

  test('one replica with the default budget synthesizes (evicting it is allowed)', () => {
    expect(budget({}, 1).pdb.spec.maxUnavailable).toBe(1);
  });
});

describe('WorkloadDisruptionBudget: budgets that block every eviction (from the replicas, at synthesis)', () => {
  test.each([
    ['minAvailable equal to the replicas', { minAvailable: 3 }, 3, 'shop/pdb: minAvailable 3 lets no pod of shop/web/Resource (3 replicas) be evicted'],
    ['maxUnavailable 0', { maxUnavailable: 0 }, 3, 'shop/pdb: maxUnavailable 0 lets no pod'],
    ['minAvailablePercent 100', { minAvailablePercent: 100 }, 3, 'shop/pdb: minAvailablePercent 100 lets no pod'],
    // ceil(3 * 0.7) = 3: rounded up by the disruption controller, 70% of 3 pods keeps all 3.
    ['minAvailablePercent 70 of 3 replicas (rounded up)', { minAvailablePercent: 70 }, 3, 'shop/pdb: minAvailablePercent 70 lets no pod'],
    ['maxUnavailablePercent 0', { maxUnavailablePercent: 0 }, 3, 'shop/pdb: maxUnavailablePercent 0 lets no pod'],
  ])('%s', (_t, props, replicas, part) => {
    synthThrows(chart => new WorkloadDisruptionBudget(chart, 'pdb', { sidecars: web(chart, replicas), ...props }), part, 'node drains and cluster upgrades would wait forever');
  });

  test('minAvailablePercent 60 of 3 replicas leaves one eviction', () => {
    expect(budget({ minAvailablePercent: 60 }).pdb.spec.minAvailable).toBe('60%');
  });

  // review14: these block every eviction whatever the replicas (an autoscaler's too), so no replica count is needed to refuse them.
  test.each([
    ['maxUnavailable 0', { maxUnavailable: 0 }, 'shop/pdb: maxUnavailable 0 lets no pod of shop/api (any number of replicas) be evicted'],
    ['maxUnavailablePercent 0', { maxUnavailablePercent: 0 }, 'shop/pdb: maxUnavailablePercent 0 lets no pod of shop/api (any number of replicas) be evicted'],
    ['minAvailablePercent 100', { minAvailablePercent: 100 }, 'shop/pdb: minAvailablePercent 100 lets no pod of shop/api (any number of replicas) be evicted'],
  ])('no replicas stated, %s: refused all the same', (_t, props, part) => {
    synthThrows(chart => new WorkloadDisruptionBudget(chart, 'pdb', {
      sidecars: WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Sidecar(chart, 'agent', { image: AGENT })), ...props,
    }), part, 'node drains and cluster upgrades would wait forever');
  });

  test('no replicas stated (an autoscaler sets them): not checked', () => {
    const chart = newChart('shop');
    const d = rawDeployment(chart, 'api');
    new WorkloadDisruptionBudget(chart, 'pdb', { sidecars: WorkloadSidecars.of(d).add(new Sidecar(chart, 'agent', { image: AGENT })), minAvailable: 5 });
    expect(findDoc(synth(chart), 'PodDisruptionBudget').spec.minAvailable).toBe(5);
  });
});

describe('WorkloadDisruptionBudget: bad inputs', () => {
  const make = (props: any, kind?: (chart: Chart) => WorkloadSidecars) => () => {
    const chart = newChart('shop');
    return new WorkloadDisruptionBudget(chart, 'pdb', { sidecars: (kind ?? web)(chart), ...props });
  };
  test.each([
    ['two budgets', { minAvailable: 1, maxUnavailable: 1 }, ErrorCode.ALREADY_SET, 'shop/pdb: maxUnavailable is already set (1) by minAvailable'],
    ['percent over 100', { maxUnavailablePercent: 150 }, ErrorCode.INVALID_NUMBER, 'shop/pdb: maxUnavailablePercent 150 is not an integer from 0 to 100'],
    ['negative', { minAvailable: -1 }, ErrorCode.INVALID_NUMBER, 'shop/pdb: minAvailable -1'],
    ['a string count', { minAvailable: '50%' }, ErrorCode.INVALID_TYPE, 'shop/pdb: minAvailable "50%" (string) is not an integer >= 0'],
    ['a fraction', { maxUnavailable: 1.5 }, ErrorCode.INVALID_NUMBER, 'shop/pdb: maxUnavailable 1.5'],
    ['policy not a member', { unhealthyPodEvictionPolicy: 'Never' }, ErrorCode.INVALID_TYPE, 'shop/pdb: unhealthyPodEvictionPolicy "Never" (string) is not one of'],
    ['sidecars not a WorkloadSidecars', { sidecars: {} }, ErrorCode.INVALID_TYPE, 'shop/pdb: sidecars {} (object) is not a WorkloadSidecars'],
    ['sidecars null', { sidecars: null }, ErrorCode.INVALID_TYPE, 'shop/pdb: sidecars null (null) is not an object'],
    ['name 42', { name: 42 }, ErrorCode.INVALID_TYPE, 'shop/pdb: name 42 (number) is not a string'],
    // metadata.name is checked by the API server (a DNS subdomain), not by the schema validators: checked here.
    ['name "Bad_Name"', { name: 'Bad_Name' }, ErrorCode.INVALID_NAME, 'shop/pdb: name "Bad_Name" is not a valid name (a DNS subdomain'],
    ['name ""', { name: '' }, ErrorCode.INVALID_NAME, 'shop/pdb: name "" is not a valid name'],
    ['name of 254 characters', { name: 'a'.repeat(254) }, ErrorCode.INVALID_NAME, 'shop/pdb: name "aaaa'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });

  test('a Job has no replicas to keep', () => {
    expectError(make({}, chart => WorkloadSidecars.of(new kplus27.Job(chart, 'job', { containers: [{ image: 'ghcr.io/acme/job:1' }] })).add(new Sidecar(chart, 'agent', { image: AGENT }))),
      ErrorCode.INVALID_DISRUPTION_BUDGET, 'shop/pdb: sidecars "shop/job/Resource" is a Job');
  });

  test('an explicit policy on a target older than 1.27', () => {
    const chart = newChart('shop');
    KubernetesTarget.set(chart, '1.26');
    expectError(() => new WorkloadDisruptionBudget(chart, 'pdb', { sidecars: web(chart), unhealthyPodEvictionPolicy: UnhealthyPodEvictionPolicy.ALWAYS_ALLOW }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'shop/pdb: unhealthyPodEvictionPolicy "AlwaysAllow" cannot be rendered on Kubernetes 1.26');
  });
});
