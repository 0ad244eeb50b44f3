import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { container, synthTemplate, taskDefinition } from './util';
import { Sidecar, StartupRole } from '../../src';
import { CompositionContext, SidecarContribution } from '../../src/core/contribution';
import { ErrorCode } from '../../src/core/errors';
import { ConfigFileDelivery, TaskSidecars, TaskSidecarsOptions } from '../../src/ecs';
import { expectError } from '../errors';

// Tasks alike reuse the composition and checks of the first (src/ecs/task-plans.ts): what a
// task gets must not depend on whether a task like it was rendered before.

interface TaskProps { readonly cpu?: number; readonly ephemeralStorageGiB?: number; readonly user?: string; readonly options?: TaskSidecarsOptions }

function task(stack: Stack, props: TaskProps = {}): ecs.FargateTaskDefinition {
  const td = new ecs.FargateTaskDefinition(stack, 'Api', { cpu: props.cpu ?? 1024, memoryLimitMiB: 2048, ephemeralStorageGiB: props.ephemeralStorageGiB });
  td.addContainer('app', { containerName: 'app', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:4.2.0'), memoryLimitMiB: 512, user: props.user });
  return td;
}

function sidecars(scope: Stack): Sidecar[] {
  return [
    new Sidecar(scope, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      security: { uid: 20001 },
      resources: { cpuRequestMillicores: 500, memoryRequestMebibytes: 64, ephemeralStorageRequestMebibytes: 25 * 1024 },
      volumes: [{ name: 'scratch', mountPath: '/scratch', appMountPath: '/scratch' }],
      appEnv: { AGENT_HOST: '127.0.0.1' },
    }),
    new Sidecar(scope, 'migrate', { image: 'ghcr.io/acme/migrate:4.2.0', role: StartupRole.INIT_STEP, args: ['up'], security: { uid: 20002 } }),
  ];
}

/** An app with the sidecars in stack "Sidecars" and one task per entry, in stacks "T0", "T1", ... rendered in that order. */
function appWith(tasks: TaskProps[], make: (scope: Stack) => Sidecar[] = sidecars): { app: App; stacks: Stack[] } {
  const app = new App();
  const shared = make(new Stack(app, 'Sidecars'));
  const stacks = tasks.map((props, i) => {
    const stack = new Stack(app, `T${i}`);
    TaskSidecars.of(task(stack, props), props.options).add(...shared);
    return stack;
  });
  return { app, stacks };
}

describe('a task alike to one rendered before', () => {
  test('gets the task definition it gets alone', () => {
    const big = { ephemeralStorageGiB: 30 };
    const alone = synthTemplate(appWith([big]).stacks[0]);
    const { stacks } = appWith([big, big]);
    synthTemplate(stacks[0]);
    const second = synthTemplate(stacks[1]);
    expect(taskDefinition(second).ContainerDefinitions.map((c: any) => c.Name)).toEqual(['app', 'agent', 'migrate', 'cdk-sidecars-config']);
    expect(container(second, 'app').Environment).toEqual([{ Name: 'AGENT_HOST', Value: '127.0.0.1' }]);
    // The same but for the family, which aws-cdk-lib names after the stack (T0 alone, T1 here).
    taskDefinition(alone).Family = taskDefinition(second).Family;
    expect(second).toEqual(alone);
  });

  test('with a smaller CPU is still refused', () => {
    const { app } = appWith([{ ephemeralStorageGiB: 30 }, { cpu: 256, ephemeralStorageGiB: 30 }]);
    expectError(() => app.synth(), ErrorCode.RESOURCES_EXCEED_TASK, "T1/Api: cpu: the containers need 563 CPU units (app 0, agent 512, migrate 51, cdk-sidecars-config 0), more than the task's 256 CPU units");
  });

  test('with less ephemeral storage is still refused', () => {
    const { app } = appWith([{ ephemeralStorageGiB: 30 }, {}]);
    expectError(() => app.synth(), ErrorCode.INVALID_RESOURCES, 'Sidecars/agent: resources.ephemeralStorageRequestMebibytes 25600',
      "more than the task's 20 GiB");
  });

  test('with an app container that differs is composed again (its UID clashes)', () => {
    const { app } = appWith([{ ephemeralStorageGiB: 30 }, { ephemeralStorageGiB: 30, user: '20001' }]);
    expectError(() => app.synth(), ErrorCode.UID_CLASH, 'UID 20001', 'T1/Api');
  });

  test('with other config delivery gets its own config writer', () => {
    const withFiles = (scope: Stack) => [new Sidecar(scope, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: [{ path: '/etc/agent/agent.yaml', content: 'a: 1\n' }] })];
    const { stacks } = appWith([{}, { options: { configDelivery: ConfigFileDelivery.S3 } }], withFiles);
    expect(container(synthTemplate(stacks[0]), 'cdk-sidecars-config').Image).toMatch(/busybox/);
    expect(container(synthTemplate(stacks[1]), 'cdk-sidecars-config').Image).toMatch(/aws-cli/);
  });

  test('with a config writer image that cannot run the script is refused (the commands check is kept per image)', () => {
    const withFiles = (scope: Stack) => [new Sidecar(scope, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: [{ path: '/etc/agent/agent.yaml', content: 'a: 1\n' }] })];
    const { app } = appWith([{}, { options: { configWriterImage: 'otel/opentelemetry-collector-contrib:0.162.0' } }], withFiles);
    expectError(() => app.synth(), ErrorCode.RUNTIME_MISSING_BINARY, 'T1/Api', 'runs "sh" in image "otel/opentelemetry-collector-contrib:0.162.0"');
  });

  test('with a sidecar whose contribute is its own is composed again', () => {
    let calls = 0;
    class Counting extends Sidecar {
      public contribute(context: CompositionContext): SidecarContribution {
        calls++;
        return super.contribute(context);
      }
    }
    const counting = (scope: Stack) => [new Counting(scope, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', security: { uid: 20001 } })];
    appWith([{}], counting).app.synth();
    const once = calls;
    expect(once).toBeGreaterThan(0);
    calls = 0;
    appWith([{}, {}, {}], counting).app.synth();
    expect(calls).toBe(3 * once);
  });
});
