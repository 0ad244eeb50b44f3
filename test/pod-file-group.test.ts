/**
 * The pod file group (PodRequirements.fileGroup): Kubernetes renders it as fsGroup (a
 * user-set fsGroup is kept); ECS and ACI have none and refuse it; two sidecars must agree.
 * And a projected identity token mounted at the path a container reads it from.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { CompositionContext, ISidecar, SidecarContribution, StartupRole } from '../src';
import { AciApp, AciContainerGroup } from '../src/aci';
import { ErrorCode } from '../src/core/errors';
import { TaskSidecars } from '../src/ecs';
import { WorkloadSidecars } from '../src/k8s';
import { fargateTask } from './ecs/util';
import { expectError } from './errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from './k8s/util';

/** A minimal sidecar that asks for a file group and, optionally, a token at a path. */
class Asking extends Construct implements ISidecar {
  public readonly contexts: CompositionContext[] = [];
  constructor(scope: Construct, id: string, private readonly gid: number | undefined, private readonly extra: Partial<SidecarContribution['containers'][number]> = {}) {
    super(scope, id);
  }
  public contribute(context: CompositionContext): SidecarContribution {
    this.contexts.push(context);
    return {
      containers: [{ name: this.node.id, image: 'ghcr.io/acme/agent:1', role: StartupRole.SIDECAR, security: { uid: 2000 + this.node.id.length }, ...this.extra }],
      pod: this.gid !== undefined ? { fileGroup: this.gid } : undefined,
    };
  }
}

describe('Kubernetes: fsGroup', () => {
  test('the sidecars are told the platform has a file group, and the pod gets fsGroup', () => {
    const chart = newChart();
    const s = new Asking(chart, 'agent', 3000);
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(s);
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.securityContext).toEqual({ fsGroup: 3000 });
    expect(s.contexts.some(c => c.fileGroups === true && c.appContainers.length > 0)).toBe(true);
  });

  test('a user-set fsGroup is kept', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', undefined, { securityContext: { fsGroup: 7 } })).add(new Asking(chart, 'agent', 3000));
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.securityContext).toEqual({ fsGroup: 7 });
  });

  test('two sidecars asking for different groups, and group 0, are refused', () => {
    expectError(() => {
      const chart = newChart();
      WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Asking(chart, 'one', 3000), new Asking(chart, 'three', 4000));
      Testing.synth(chart);
    }, ErrorCode.ALREADY_SET, 'web/three: pod.fileGroup is already set (3000) by web/one');
    expectError(() => {
      const chart = newChart();
      WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Asking(chart, 'agent', 0));
      Testing.synth(chart);
    }, ErrorCode.INVALID_ROLE, 'web/agent: pod.fileGroup 0 is the root group');
  });

  test('an identity token at its own path: mounted at its directory, file named as the path says', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Asking(chart, 'agent', undefined, { identityToken: { path: '/run/agent/sa-token', audience: 'x' } }));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    const agent = pod.spec.initContainers.find((c: any) => c.name === 'agent');
    expect(agent.volumeMounts).toEqual([{ name: 'agent-identity', mountPath: '/run/agent', readOnly: true }]);
    expect(pod.spec.volumes.find((v: any) => v.name === 'agent-identity').projected.sources[0]).toEqual({ serviceAccountToken: { path: 'sa-token', expirationSeconds: 3600, audience: 'x' } });
  });

  test.each([
    ['/token', 'is directly under "/"'],
    ['/run/agent/ca.crt', 'names a file the token\'s directory already holds'],
    ['run/token', 'is not an absolute path'],
  ])('an identity token path %s is refused', (path, why) => {
    expectError(() => {
      const chart = newChart();
      WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Asking(chart, 'agent', undefined, { identityToken: { path } }));
      Testing.synth(chart);
    }, ErrorCode.INVALID_PATH, `web/agent: identityToken.path ${JSON.stringify(path)} ${why}`);
  });
});

describe('ECS and ACI have no file group', () => {
  test('ECS: told so, and refuses a sidecar that asks anyway', () => {
    const f = fargateTask();
    const s = new Asking(f.stack, 'agent', 3000);
    TaskSidecars.of(f.td).add(s);
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/agent: pod.fileGroup 3000 cannot be rendered on ECS Fargate', 'world-readable');
    expect(s.contexts.filter(c => c.appContainers.length > 0).every(c => !c.fileGroups)).toBe(true);
  });

  test('ACI: refuses a sidecar that asks', () => {
    const app = new AciApp();
    const g = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1' }] });
    g.addSidecars(new Asking(app, 'agent', 3000));
    expectError(() => g.toArmTemplate(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'agent: pod.fileGroup 3000 cannot be rendered on Azure Container Instances', 'world-readable');
  });
});
