import { Chart, JsonPatch, Testing } from 'cdk8s';
import * as kplus27 from 'cdk8s-plus-27';
import { findDoc, newChart, podOf, synth } from './util';
import { Sidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { ReadinessGate, WorkloadReadinessGates, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';

function web(chart: Chart): WorkloadSidecars {
  const d = new kplus27.Deployment(chart, 'web', { containers: [{ image: 'ghcr.io/acme/web:1', portNumber: 8080 }] });
  return WorkloadSidecars.of(d).add(new Sidecar(chart, 'proxy', { image: 'ghcr.io/acme/proxy:1' }));
}

describe('WorkloadReadinessGates', () => {
  test('adds the gates to the pod template, after its own', () => {
    const chart = newChart('shop');
    const ws = web(chart);
    ws.workload.addJsonPatch(JsonPatch.add('/spec/template/spec/readinessGates', [{ conditionType: 'example.com/own' }]));
    const g = new WorkloadReadinessGates(chart, 'gates', {
      sidecars: ws,
      gates: [ReadinessGate.awsLoadBalancerTarget('shop-web-tgb'), ReadinessGate.custom('example.com/flags-loaded')],
    });
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.readinessGates).toEqual([
      { conditionType: 'example.com/own' },
      { conditionType: 'target-health.elbv2.k8s.aws/shop-web-tgb' },
      { conditionType: 'example.com/flags-loaded' },
    ]);
    expect(g.conditionTypes).toEqual(['target-health.elbv2.k8s.aws/shop-web-tgb', 'example.com/flags-loaded']);
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['proxy']);
  });
});

describe('WorkloadReadinessGates: bad inputs', () => {
  const make = (gates: any, sidecars?: any) => () => {
    const chart = newChart('shop');
    return new WorkloadReadinessGates(chart, 'gates', { sidecars: sidecars ?? web(chart), gates });
  };
  test.each([
    ['a condition with spaces', [ReadinessGate.custom('flags loaded')], ErrorCode.INVALID_NAME, 'shop/gates: gates[0].conditionType "flags loaded" is not a valid name'],
    ['a binding name with a slash', [ReadinessGate.awsLoadBalancerTarget('a/b')], ErrorCode.INVALID_NAME, 'shop/gates: gates[0].targetGroupBindingName "target-health.elbv2.k8s.aws/a/b"'],
    ['Ready (waits for itself)', [ReadinessGate.custom('Ready')], ErrorCode.INVALID_NAME, 'shop/gates: gates[0].conditionType "Ready"'],
    ['a number', [ReadinessGate.custom(42 as any)], ErrorCode.INVALID_NAME, 'shop/gates: gates[0].conditionType 42'],
    ['not a ReadinessGate', [{ conditionType: 'x' }], ErrorCode.INVALID_TYPE, 'shop/gates: gates[0] {"conditionType":"x"} (object) is not a ReadinessGate'],
    ['empty', [], ErrorCode.MISSING_SETTING, 'shop/gates: gates is not set: the list is empty'],
    ['not a list', 'x', ErrorCode.INVALID_TYPE, 'shop/gates: gates "x" (string) is not a list'],
  ])('%s', (_t, gates, code, part) => {
    expectError(make(gates), code, part);
  });

  test('sidecars not a WorkloadSidecars', () => {
    expectError(make([ReadinessGate.custom('example.com/x')], {}), ErrorCode.INVALID_TYPE, 'shop/gates: sidecars {} (object) is not a WorkloadSidecars');
  });

  test('a condition the pod template gates on already', () => {
    const chart = newChart('shop');
    const ws = web(chart);
    ws.workload.addJsonPatch(JsonPatch.add('/spec/template/spec/readinessGates', [{ conditionType: 'example.com/x' }]));
    new WorkloadReadinessGates(chart, 'gates', { sidecars: ws, gates: [ReadinessGate.custom('example.com/x')] });
    let message = '';
    try { Testing.synth(chart); } catch (e) { message = (e as Error).message; }
    expect(message).toContain('shop/gates: gates (conditionType "example.com/x") is already set ("example.com/x") on shop/web/Resource\'s pod template');
  });
});
