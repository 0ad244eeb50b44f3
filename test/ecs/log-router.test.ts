/**
 * The neutral log-router spec on ECS (FireLens), with a sidecar that knows nothing of
 * ECS: the router runs the platform's generated configuration through its own flag.
 */
import { Construct } from 'constructs';
import { container, fargateTask, synthTemplate } from './util';
import { CompositionContext, ISidecar, LogRouterType, SidecarContribution, StartupRole, VolumeKind } from '../../src';
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

/** A router whose include file the platform writes only where it includes it. */
class IncludingRouter extends Construct implements ISidecar {
  constructor(scope: Construct, id: string, private readonly extra: { mountPath?: string; configFile?: string; ownFile?: boolean } = {}) {
    super(scope, id);
  }
  public contribute(_context: CompositionContext): SidecarContribution {
    return {
      containers: [{
        name: 'router',
        image: 'ghcr.io/acme/router:1',
        role: StartupRole.SIDECAR,
        security: { uid: 4100 },
        volumeMounts: [{ volume: 'router-config', path: this.extra.mountPath ?? '/etc/router' }],
      }],
      volumes: [{
        name: 'router-config',
        kind: VolumeKind.CONFIG_FILES,
        files: [{ name: 'main.conf', content: 'main' }, ...(this.extra.ownFile ? [{ name: 'include.conf', content: 'own' }] : [])],
      }],
      pod: { logRouter: { container: 'router', type: LogRouterType.FLUENT_BIT, configFile: this.extra.configFile ?? '/etc/router/include.conf', configFileContent: '# included' } },
    };
  }
}

test('the include file is added to the router\'s config volume by the ECS binder, which includes it', () => {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new IncludingRouter(f.stack, 'router'));
  const t = synthTemplate(f.stack);
  expect(container(t, 'router').FirelensConfiguration.Options['config-file-value']).toBe('/etc/router/include.conf');
  const writer = container(t, 'cdk-sidecars-config');
  const files = Object.fromEntries(writer.Environment.map((e: any) => [e.Name, Buffer.from(e.Value, 'base64').toString()]));
  expect(Object.values(files).sort()).toEqual(['# included', 'main']);
  expect(writer.Command[0]).toContain("base64 -d > '/cdk-sidecars/router-config/include.conf'");
});

test.each<[string, { mountPath?: string; configFile?: string; ownFile?: boolean }, string]>([
  ['not in a config volume the router mounts', { configFile: '/etc/other/include.conf' },
    'Shop/router: pod.logRouter.configFile "/etc/other/include.conf" is not in a CONFIG_FILES volume that container "router" mounts at "/etc/other"'],
  ['also one of the volume\'s own files', { ownFile: true },
    'Shop/router: pod.logRouter.configFile "/etc/router/include.conf" is also one of volume "router-config"\'s own files'],
])('an include file %s is an error naming the field', (_t, extra, part) => {
  const f = fargateTask();
  expectError(() => TaskSidecars.of(f.td).add(new IncludingRouter(f.stack, 'router', extra)) && synthTemplate(f.stack), ErrorCode.INVALID_ROLE, part);
});
