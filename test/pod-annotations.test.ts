/**
 * Pod annotations a sidecar needs (PodRequirements.annotations): rendered on the pod
 * template on Kubernetes, checked against the template and the other sidecars, refused
 * where the platform has no pod annotations.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CompositionContext, ISidecar, SidecarContribution, StartupRole } from '../src';
import { AciApp } from '../src/aci';
import { appGroup } from './aci/util';
import { ErrorCode } from '../src/core/errors';
import { TaskSidecars } from '../src/ecs';
import { WorkloadSidecars } from '../src/k8s';
import { fargateTask } from './ecs/util';
import { expectError } from './errors';
import { findDoc, podOf, synth } from './k8s/util';

/** The smallest sidecar that needs pod annotations. */
class Annotated extends Construct implements ISidecar {
  constructor(scope: Construct, id: string, private readonly annotations: { [key: string]: string }, private readonly uid = 4000) {
    super(scope, id);
  }
  public contribute(_context: CompositionContext): SidecarContribution {
    return {
      containers: [{ name: this.node.id, image: 'ghcr.io/acme/agent:1.0.0', role: StartupRole.SIDECAR, security: { uid: this.uid } }],
      pod: { annotations: this.annotations },
    };
  }
}

function deployment(chart: Chart, annotations?: { [key: string]: string }) {
  return new kplus.Deployment(chart, 'api', { podMetadata: { annotations }, containers: [{ name: 'app', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
}

test('Kubernetes: the annotations are on the pod template, beside the user\'s own', () => {
  const chart = new Chart(Testing.app(), 'web');
  WorkloadSidecars.of(deployment(chart, { 'team.acme.dev/owner': 'payments' })).add(
    new Annotated(chart, 'a', { 'example.com/app-id': 'orders' }),
    new Annotated(chart, 'b', { 'example.com/app-id': 'orders', 'sidecar.example.com/tier': 'gold' }, 4001));
  const annotations = podOf(findDoc(synth(chart), 'Deployment')).metadata.annotations;
  expect(annotations).toMatchObject({ 'team.acme.dev/owner': 'payments', 'example.com/app-id': 'orders', 'sidecar.example.com/tier': 'gold' });
});

test('two sidecars that need different values for one annotation: an error naming both', () => {
  const chart = new Chart(Testing.app(), 'web');
  WorkloadSidecars.of(deployment(chart)).add(
    new Annotated(chart, 'a', { 'example.com/app-id': 'orders' }), new Annotated(chart, 'b', { 'example.com/app-id': 'billing' }, 4001));
  expectError(() => Testing.synth(chart), ErrorCode.ALREADY_SET,
    'web/b: pod.annotations["example.com/app-id"] is already set ("orders") by web/a on web/api', 'web/b needs "billing"');
});

test('an invalid key or a non-string value', () => {
  for (const [annotations, message] of [
    [{ 'Example.com/app': 'x' }, 'web/a: pod.annotations["Example.com/app"] "Example.com/app" is not a valid annotation key'],
    [{ 'example.com/': 'x' }, 'is not a valid annotation key'],
    [{ ['x'.repeat(64)]: 'x' }, 'is not a valid annotation key'],
    [{ 'example.com/app': 3 as any }, 'web/a: pod.annotations["example.com/app"] 3 is not a string value'],
  ] as const) {
    const chart = new Chart(Testing.app(), 'web');
    expectError(() => {
      WorkloadSidecars.of(deployment(chart)).add(new Annotated(chart, 'a', annotations as any));
      Testing.synth(chart);
    }, ErrorCode.INVALID_ANNOTATION, message);
  }
});

test('ECS and ACI have no pod annotations: refused, not dropped', () => {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new Annotated(f.stack, 'a', { 'example.com/app-id': 'orders' }));
  expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
    'Shop/a: pod.annotations["example.com/app-id"] "orders" cannot be rendered on ECS Fargate: ECS tasks have no pod annotations');

  const app = new AciApp();
  const group = appGroup(app);
  group.addSidecars(new Annotated(app, 'a', { 'example.com/app-id': 'orders' }));
  expectError(() => group.toArmTemplate(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'a: pod.annotations["example.com/app-id"] "orders" cannot be rendered on Azure Container Instances');
});
