/**
 * The neutral log-router spec on ECS (FireLens), with a sidecar that knows nothing of
 * ECS: the router runs the platform's generated configuration through its own flag.
 */
import { Construct } from 'constructs';
import { container, fargateTask, synthTemplate } from './util';
import { CompositionContext, ISidecar, LogRouterType, SidecarContribution, StartupRole } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { expectError } from '../errors';

class Router extends Construct implements ISidecar {
  constructor(scope: Construct, id: string, private readonly configFlag?: string) { super(scope, id); }
  public contribute(_context: CompositionContext): SidecarContribution {
    return {
      containers: [{
        name: 'router',
        image: 'ghcr.io/acme/router:1',
        role: StartupRole.SIDECAR,
        security: { uid: 4100 },
        command: ['/bin/router'],
        args: ['--config', '/etc/router/own.conf'],
      }],
      pod: { logRouter: { container: 'router', type: LogRouterType.FLUENT_BIT, configFlag: this.configFlag } },
    };
  }
}

test('with a configFlag the router runs FireLens\'s generated file; its own command stays', () => {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new Router(f.stack, 'router', '--config'));
  const router = container(synthTemplate(f.stack), 'router');
  expect(router.EntryPoint).toEqual(['/bin/router']);
  expect(router.Command).toEqual(['--config', '/fluent-bit/etc/fluent-bit.conf']);
  expect(router.FirelensConfiguration.Type).toBe('fluentbit');
});

test('without one, its args are left out so the image\'s defaults read the generated file', () => {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new Router(f.stack, 'router'));
  const router = container(synthTemplate(f.stack), 'router');
  expect(router.EntryPoint).toEqual(['/bin/router']);
  expect(router.Command).toBeUndefined();
});

test('a configFlag that is not a flag is an error naming the field', () => {
  const f = fargateTask();
  expectError(() => TaskSidecars.of(f.td).add(new Router(f.stack, 'router', 'c; rm -rf /')) && synthTemplate(f.stack), ErrorCode.INVALID_ROLE,
    'Shop/router: pod.logRouter.configFlag "c; rm -rf /" is not a command-line flag', 'e.g. "-c"');
});
