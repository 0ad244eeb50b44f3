/**
 * What is given to a binder's add is checked before anything is attached: jsii languages and
 * plain JavaScript can pass anything, and a value that is not a sidecar construct used to end
 * in a TypeError from inside the library (a WeakMap refusing a string as key on Kubernetes) or
 * at synthesis (no `contribute`). Every binder refuses it with INVALID_TYPE naming its path and
 * the argument's position, and keeps what was attached before.
 */
import { App as CdkApp, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Sidecar } from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { CloudRunApp, CloudRunService } from '../../src/cloudrun';
import { ComposeApp, ComposeProject } from '../../src/compose';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { appProps } from '../cloudrun/util';
import { fargateTask } from '../ecs/util';
import { expectError } from '../errors';
import { rawDeployment } from '../k8s/util';

/** One binder: a scope to make a sidecar in, an add that takes anything, the attached sidecars and the path errors name. */
interface Binder { readonly scope: Construct; readonly path: string; add(...values: unknown[]): unknown; attached(): unknown[] }

const BINDERS: { [platform: string]: () => Binder } = {
  kubernetes: () => {
    const chart = new Chart(new CdkApp(), 'shop');
    const d = rawDeployment(chart, 'api');
    return { scope: chart, add: (...v) => WorkloadSidecars.of(d).add(...(v as any[])), attached: () => WorkloadSidecars.of(d).sidecars, path: 'shop/api' };
  },
  ecs: () => {
    const f = fargateTask();
    const s = TaskSidecars.of(f.td);
    return { scope: f.stack, add: (...v) => s.add(...(v as any[])), attached: () => s.sidecars, path: s.node.path };
  },
  aci: () => {
    const app = new AciApp();
    const g = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
    return { scope: app, add: (...v) => g.addSidecars(...(v as any[])), attached: () => g.sidecars, path: 'shop' };
  },
  compose: () => {
    const app = new ComposeApp();
    const p = new ComposeProject(app, 'shop', { services: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }], user: '1000:1000' }] });
    return { scope: app, add: (...v) => p.add(...(v as any[])), attached: () => p.sidecars, path: 'shop' };
  },
  cloudrun: () => {
    const app = new CloudRunApp();
    const s = new CloudRunService(app, 'shop', appProps());
    return { scope: app, add: (...v) => s.add(...(v as any[])), attached: () => s.sidecars, path: 'shop' };
  },
};

/** Values that are not sidecars, as another language or plain JavaScript could pass them, and how the error shows each. */
const NOT_SIDECARS: Array<[string, (scope: Construct) => unknown, string]> = [
  ['a string', () => 'fluent/fluent-bit:4.0.3', '"fluent/fluent-bit:4.0.3" (string)'],
  ['undefined', () => undefined, 'undefined (undefined)'],
  ['null', () => null, 'null (null)'],
  ['a number', () => 42, '42 (number)'],
  ['an array', () => [], '(array)'],
  ['a sidecar\'s props instead of the sidecar', () => ({ image: 'fluent/fluent-bit:4.0.3' }), '(object)'],
  ['an object with a contribute method that is no construct', () => ({ contribute: () => ({ containers: [] }) }), '(object)'],
  ['a construct without a contribute method', scope => new Construct(scope, 'plain'), '(object)'],
  ['a construct whose contribute is not a function', scope => Object.assign(new Construct(scope, 'odd'), { contribute: 'yes' }), '(object)'],
];

describe.each(Object.keys(BINDERS))('%s: add refuses what is not a sidecar', platform => {
  test.each(NOT_SIDECARS)('%s', (_what, make, shown) => {
    const b = BINDERS[platform]();
    const first = new Sidecar(b.scope, 'first', { image: 'ghcr.io/acme/first:1.0.0', security: { uid: 20001 } });
    const second = new Sidecar(b.scope, 'second', { image: 'ghcr.io/acme/second:1.0.0', security: { uid: 20002 } });
    b.add(first);
    expectError(() => b.add(second, make(b.scope)), ErrorCode.INVALID_TYPE, `${b.path}: sidecars[1] `, shown, 'is not an ISidecar', 'Pass an ISidecar');
    // Nothing of the refused call is attached, not even the good sidecar before the bad value.
    expect(b.attached()).toEqual([first]);
  });
});
