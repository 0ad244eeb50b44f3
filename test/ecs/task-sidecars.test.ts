import { App, AspectPriority, Aspects, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { container, fargateTask, notes, synthTemplate, taskDefinition, warnings } from './util';
import { PortExposure, Probe, Sidecar, StartupRole, VolumeKind, WaitCondition } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { ConfigFileDelivery, MemoryVolumeHandling, SecretSource, TaskSidecars } from '../../src/ecs';
import { expectError } from '../errors';

function logShipper(scope: any, extra: object = {}): Sidecar {
  return new Sidecar(scope, 'log-shipper', {
    image: 'fluent/fluent-bit:4.0.3',
    ports: [{ port: 2020, name: 'metrics', exposure: PortExposure.EXPOSED }],
    readinessProbe: Probe.httpGet({ port: 2020, path: '/api/v1/health', periodSeconds: 10 }),
    healthCommand: ['/fluent-bit/bin/fluent-bit', '--health'],
    volumes: [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' }],
    appEnv: { LOG_DIR: '/var/log/app' },
    essential: false,
    ...extra,
  });
}

function statsd(scope: any, extra: object = {}): Sidecar {
  return new Sidecar(scope, 'statsd', {
    image: 'prom/statsd-exporter:v0.28.0',
    command: ['/bin/statsd_exporter'],
    args: ['--statsd.listen-udp=:9125'],
    ports: [{ port: 9102, exposure: PortExposure.EXPOSED }, { port: 9125 }],
    startupProbe: Probe.exec({ command: ['/bin/check', '127.0.0.1:9102'], periodSeconds: 5, failureThreshold: 6, timeoutSeconds: 3 }),
    appEnv: { STATSD_HOST: '127.0.0.1' },
    terminationGracePeriodSeconds: 20,
    resources: { cpuRequestMillicores: 250, memoryRequestMebibytes: 64, memoryLimitMebibytes: 128 },
    ...extra,
  });
}

function migrate(scope: any): Sidecar {
  return new Sidecar(scope, 'migrate', {
    image: 'ghcr.io/acme/migrate:4.2.0',
    role: StartupRole.INIT_STEP,
    args: ['up'],
    secretEnv: { DATABASE_URL: { secretName: 'db', key: 'url' } },
  });
}

describe('generic sidecars on a Fargate task definition', () => {
  const f = fargateTask();
  const secret = new secretsmanager.Secret(f.stack, 'Db');
  TaskSidecars.of(f.td, { secrets: { db: SecretSource.fromSecretsManager(secret) } })
    .add(logShipper(f.stack), statsd(f.stack), migrate(f.stack));
  const t = synthTemplate(f.stack);
  const td = taskDefinition(t);

  test('each sidecar is a container definition with the neutral fields rendered', () => {
    // cdk-sidecars-config prepares the log volume the app writes (see runtime.test.ts)
    expect(td.ContainerDefinitions.map((c: any) => c.Name)).toEqual(['app', 'log-shipper', 'statsd', 'migrate', 'cdk-sidecars-config']);
    const s = container(t, 'statsd');
    expect(s).toMatchObject({
      Image: 'prom/statsd-exporter:v0.28.0',
      EntryPoint: ['/bin/statsd_exporter'],
      Command: ['--statsd.listen-udp=:9125'],
      PortMappings: [{ ContainerPort: 9102, Protocol: 'tcp' }],
      User: expect.stringMatching(/^\d+:\d+$/),
      ReadonlyRootFilesystem: true,
      Privileged: false,
      LinuxParameters: { Capabilities: { Drop: ['ALL'] } },
      Cpu: 256,
      MemoryReservation: 64,
      Memory: 128,
      Essential: true,
      StopTimeout: 20,
      LogConfiguration: { LogDriver: 'awslogs' },
    });
    const [uid, gid] = s.User.split(':').map(Number);
    expect(uid).toBe(gid);
    expect(uid).toBeGreaterThanOrEqual(10000);
    expect(container(t, 'log-shipper').Essential).toBe(false);
    expect(container(t, 'migrate').Essential).toBe(false);
  });

  test('health checks come from the exec probe (startup timing) or healthCommand', () => {
    expect(container(t, 'statsd').HealthCheck).toEqual({ Command: ['CMD', '/bin/check', '127.0.0.1:9102'], Interval: 5, Timeout: 3, Retries: 6, StartPeriod: 30 });
    expect(container(t, 'log-shipper').HealthCheck).toEqual({ Command: ['CMD', '/fluent-bit/bin/fluent-bit', '--health'], Interval: 10, Timeout: 5, Retries: 3 });
    expect(container(t, 'migrate').HealthCheck).toBeUndefined();
  });

  test('start order: the app waits for the init step to succeed, for statsd to be healthy, for the log shipper to start', () => {
    expect(container(t, 'app').DependsOn).toEqual([
      { ContainerName: 'log-shipper', Condition: 'START' },
      { ContainerName: 'statsd', Condition: 'HEALTHY' },
      { ContainerName: 'migrate', Condition: 'SUCCESS' },
      { ContainerName: 'cdk-sidecars-config', Condition: 'SUCCESS' },
    ]);
  });

  test('env for the app, the secret only in the init step, from Secrets Manager', () => {
    expect(container(t, 'app').Environment).toEqual(expect.arrayContaining([
      { Name: 'LOG_FORMAT', Value: 'json' }, { Name: 'LOG_DIR', Value: '/var/log/app' }, { Name: 'STATSD_HOST', Value: '127.0.0.1' },
    ]));
    expect(container(t, 'migrate').Secrets).toEqual([{ Name: 'DATABASE_URL', ValueFrom: { 'Fn::Join': ['', [{ Ref: expect.stringMatching(/^Db/) }, ':url::']] } }]);
    for (const name of ['app', 'log-shipper', 'statsd']) { expect(container(t, name).Secrets).toBeUndefined(); }
  });

  test('the shared scratch volume is a task volume, read-only in the shipper, writable in the app', () => {
    expect(td.Volumes).toEqual([{ Name: 'app-logs' }]);
    expect(container(t, 'log-shipper').MountPoints).toEqual([{ SourceVolume: 'app-logs', ContainerPath: '/var/log/app', ReadOnly: true }]);
    expect(container(t, 'app').MountPoints).toEqual([{ SourceVolume: 'app-logs', ContainerPath: '/var/log/app', ReadOnly: false }]);
  });

  test('nothing is reported when every field could be rendered', () => {
    expect(warnings(f.stack)).toEqual([]);
  });
});

describe('config files', () => {
  const files = [{ path: '/etc/agent/agent.yaml', content: 'listen: 127.0.0.1:9000\n' }, { path: '/etc/agent/extra.conf', content: 'x=1', mode: 0o444 }];

  test('a mode the consumer cannot read (root writes the files: 0440 locks out the agent\'s UID) is refused by the runtime contract', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: [{ path: '/etc/agent/extra.conf', content: 'x=1', mode: 0o440 }] }));
    expectError(() => synthTemplate(f.stack), ErrorCode.RUNTIME_UNREADABLE,
      'Shop/agent: volumeMounts: "/etc/agent/extra.conf" cannot be read by container "agent": the config file of volume "agent-config" is 0440 owned by 0:0 on ECS Fargate');
  });

  test('a writer image that cannot run the writer\'s script (no shell) is refused by the binaries check', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { configWriterImage: 'otel/opentelemetry-collector-contrib:0.162.0' })
      .add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: files }));
    expectError(() => synthTemplate(f.stack), ErrorCode.RUNTIME_MISSING_BINARY,
      'configWriterImage of container "cdk-sidecars-config" runs "sh" in image "otel/opentelemetry-collector-contrib:0.162.0"');
  });

  test('default: a non-essential root writer with no capabilities writes them before the consumer starts', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: files }));
    const t = synthTemplate(f.stack);
    const writer = container(t, 'cdk-sidecars-config');
    expect(writer).toMatchObject({ Essential: false, User: '0:0', ReadonlyRootFilesystem: true, LinuxParameters: { Capabilities: { Drop: ['ALL'] } }, EntryPoint: ['sh', '-c'] });
    const env = Object.fromEntries(writer.Environment.map((e: any) => [e.Name, Buffer.from(e.Value, 'base64').toString()]));
    expect(env).toEqual({ CDK_SIDECARS_FILE_0: 'listen: 127.0.0.1:9000\n', CDK_SIDECARS_FILE_1: 'x=1' });
    expect(writer.Command[0]).toContain("base64 -d > '/cdk-sidecars/agent-config/agent.yaml'");
    expect(writer.Command[0]).toContain("chmod 0444 '/cdk-sidecars/agent-config/extra.conf'");
    expect(writer.MountPoints).toEqual([{ SourceVolume: 'agent-config', ContainerPath: '/cdk-sidecars/agent-config', ReadOnly: false }]);
    const agent = container(t, 'agent');
    expect(agent.MountPoints).toEqual([{ SourceVolume: 'agent-config', ContainerPath: '/etc/agent', ReadOnly: true }]);
    expect(agent.DependsOn).toEqual([{ ContainerName: 'cdk-sidecars-config', Condition: 'SUCCESS' }]);
  });

  test('SSM_PARAMETERS: one String parameter per file, given to the writer through secrets', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { configDelivery: ConfigFileDelivery.SSM_PARAMETERS })
      .add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: [...files, { path: '/etc/agent/big.json', content: 'x'.repeat(5000) }] }));
    const t = synthTemplate(f.stack);
    const params = Object.values<any>(t.Resources).filter(r => r.Type === 'AWS::SSM::Parameter').map(r => r.Properties);
    expect(params.map(p => [p.Value.length, p.Tier])).toEqual([[23, 'Standard'], [3, 'Standard'], [5000, 'Advanced']]);
    const writer = container(t, 'cdk-sidecars-config');
    expect(writer.Secrets.map((s: any) => s.Name)).toEqual(['CDK_SIDECARS_FILE_0', 'CDK_SIDECARS_FILE_1', 'CDK_SIDECARS_FILE_2']);
    expect(writer.Environment).toBeUndefined();
  });

  test('S3: assets copied by an AWS CLI writer with read access for the task role', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { configDelivery: ConfigFileDelivery.S3 }).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: files }));
    const t = synthTemplate(f.stack);
    const writer = container(t, 'cdk-sidecars-config');
    expect(writer.Image).toMatch(/aws-cli/);
    expect(writer.Command[0]).toContain('aws s3 cp --only-show-errors "$CDK_SIDECARS_FILE_0_URL"');
    const policy = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r).includes('s3:GetObject'));
    expect(policy).toBeDefined();
  });
});

describe('traffic interception becomes the task proxyConfiguration', () => {
  test('APPMESH with app ports, proxy ports, ignored UID/GID and the metadata endpoints', () => {
    const f = fargateTask();
    const proxy = new Sidecar(f.stack, 'proxy', {
      image: 'ghcr.io/acme/proxy:1.0.0',
      security: { uid: 1337 },
      ports: [{ port: 15001 }, { port: 15006 }, { port: 15021, exposure: PortExposure.EXPOSED }],
      readinessProbe: Probe.exec({ command: ['/bin/ready'] }),
      appWaitsFor: WaitCondition.HEALTHY,
      interceptTraffic: { inboundPort: 15006, outboundPort: 15001, excludeOutboundCidrs: ['10.0.0.0/8'], excludeOutboundPorts: [5432] },
    });
    const secret = new secretsmanager.Secret(f.stack, 'Db');
    TaskSidecars.of(f.td, { secrets: { db: SecretSource.fromSecretsManager(secret) } }).add(proxy, migrate(f.stack));
    const t = synthTemplate(f.stack);
    expect(taskDefinition(t).ProxyConfiguration).toEqual({
      Type: 'APPMESH',
      ContainerName: 'proxy',
      ProxyConfigurationProperties: [
        { Name: 'AppPorts', Value: '8080' },
        { Name: 'ProxyIngressPort', Value: '15006' },
        { Name: 'ProxyEgressPort', Value: '15001' },
        { Name: 'IgnoredUID', Value: '1337' },
        { Name: 'IgnoredGID', Value: '1337' },
        { Name: 'EgressIgnoredIPs', Value: '169.254.170.2,169.254.169.254,10.0.0.0/8' },
        { Name: 'EgressIgnoredPorts', Value: '5432' },
      ],
    });
    expect(container(t, 'proxy').User).toBe('1337:1337');
    // Redirection starts with the task: the init step waits for the proxy to be healthy.
    expect(container(t, 'migrate').DependsOn).toEqual([{ ContainerName: 'proxy', Condition: 'HEALTHY' }]);
    expect(container(t, 'app').DependsOn).toEqual([{ ContainerName: 'proxy', Condition: 'HEALTHY' }, { ContainerName: 'migrate', Condition: 'SUCCESS' }]);
  });
});

describe('when the task is rendered (at synthesis, once)', () => {
  const appEnv = (t: any, name: string) => Object.fromEntries((container(t, name).Environment ?? []).map((e: any) => [e.Name, e.Value]));
  const waitsFor = (t: any, name: string) => (container(t, name).DependsOn ?? []).map((d: any) => `${d.ContainerName}:${d.Condition}`).sort();

  test('a container an aspect adds to the task at synthesis (mutating, on the stack) is an app container', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(statsd(f.stack));
    Aspects.of(f.stack).add({
      visit(node) {
        if (node === f.td && !f.td.findContainer('worker')) {
          f.td.addContainer('worker', { containerName: 'worker', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/worker:1.0.0'), memoryLimitMiB: 256 });
        }
      },
    }, { priority: AspectPriority.MUTATING });
    const t = synthTemplate(f.stack);
    for (const name of ['app', 'worker']) {
      expect(appEnv(t, name)).toMatchObject({ STATSD_HOST: '127.0.0.1' });
      expect(waitsFor(t, name)).toEqual(['statsd:HEALTHY']);
    }
    expect(taskDefinition(t).ContainerDefinitions.map((c: any) => c.Name)).toEqual(['app', 'worker', 'statsd']);
  });

  test('a read-only aspect (as cdk-nag) finds the sidecars on the CfnTaskDefinition', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(statsd(f.stack));
    const seen: string[][] = [];
    Aspects.of(f.stack).add({
      visit(node) {
        if (node instanceof ecs.CfnTaskDefinition) {
          seen.push((Stack.of(node).resolve(node.containerDefinitions) as any[]).map(c => c.name));
        }
      },
    }, { priority: AspectPriority.READONLY });
    synthTemplate(f.stack);
    expect(seen).toEqual([['app', 'statsd']]);
  });

  test('sidecars attached before the app container is added still reach it', () => {
    const app = new App();
    const stack = new Stack(app, 'Shop');
    const td = new ecs.FargateTaskDefinition(stack, 'Api', { cpu: 1024, memoryLimitMiB: 2048 });
    TaskSidecars.of(td).add(statsd(stack));
    td.addContainer('app', { containerName: 'app', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:4.2.0'), memoryLimitMiB: 512 });
    const t = synthTemplate(stack);
    expect(appEnv(t, 'app')).toEqual({ STATSD_HOST: '127.0.0.1' });
    expect(waitsFor(t, 'app')).toEqual(['statsd:HEALTHY']);
  });

  test('synthesizing twice renders the sidecars once', () => {
    const f = fargateTask();
    const init = new Sidecar(f.stack, 'migrate', { image: 'ghcr.io/acme/migrate:4.2.0', role: StartupRole.INIT_STEP, args: ['up'] });
    TaskSidecars.of(f.td).add(statsd(f.stack), init);
    const first = synthTemplate(f.stack);
    const second = f.app.synth({ force: true }).getStackByName('Shop').template;
    expect(taskDefinition(second).ContainerDefinitions.map((c: any) => c.Name)).toEqual(['app', 'statsd', 'migrate']);
    expect(second).toEqual(first);
  });
});

describe('other mappings', () => {
  test('process sharing becomes pidMode task; memory volumes may fall back to task storage with a warning', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(new Sidecar(f.stack, 'reloader', {
      image: 'ghcr.io/acme/reloader:1.0.0',
      shareProcessNamespace: true,
      volumes: [{ name: 'secrets', kind: VolumeKind.MEMORY, mountPath: '/secrets' }],
    }));
    const t = synthTemplate(f.stack);
    expect(taskDefinition(t).PidMode).toBe('task');
    expect(taskDefinition(t).Volumes).toEqual([{ Name: 'secrets' }]);
    // asked for with memoryVolumes: TASK_STORAGE, so a note, not a warning
    expect(notes(f.stack).join('\n')).toMatch(/Shop\/reloader: volume "secrets" is on task storage \(encrypted at rest\), not in memory \(memoryVolumes: TASK_STORAGE\)/);
    expect(warnings(f.stack).join('\n')).not.toContain('on task storage');
  });

  test('secrets from SSM parameters; an app-requested secret goes to the app only', () => {
    const f = fargateTask();
    const token = ssm.StringParameter.fromSecureStringParameterAttributes(f.stack, 'Token', { parameterName: '/shop/token' });
    const s = new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' });
    const contributes = s.contribute({ targetPath: '', appContainers: [] });
    const withSecret = new (class extends Sidecar {
      public contribute() { return { ...contributes, appRequests: { env: [{ name: 'API_TOKEN', secret: { secretName: 'api', key: 'token' } }] } }; }
    })(f.stack, 'agent2', { image: 'ghcr.io/acme/agent:1.0.0', name: 'agent' });
    TaskSidecars.of(f.td, { secrets: { api: SecretSource.fromSsmParameters({ token }) } }).add(withSecret);
    const t = synthTemplate(f.stack);
    expect(container(t, 'app').Secrets).toEqual([{ Name: 'API_TOKEN', ValueFrom: expect.anything() }]);
    expect(container(t, 'agent').Secrets).toBeUndefined();
  });

  test('a drain command, a CPU limit and an HTTP probe without healthCommand are reported as warnings', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'proxy', {
      image: 'ghcr.io/acme/proxy:1',
      drainCommand: ['/drain'],
      resources: { cpuLimitMillicores: 500 },
      ports: [{ port: 9901 }],
      livenessProbe: Probe.httpGet({ port: 9901, path: '/ready' }),
    }));
    const t = synthTemplate(f.stack);
    expect(container(t, 'proxy').HealthCheck).toBeUndefined();
    const w = warnings(f.stack).join('\n');
    // the user wrote them (a generic Sidecar), so each is a warning naming the prop that silences it
    expect(w).toContain('Shop/proxy: livenessProbe (HTTP_GET) is not rendered: ECS health checks run a command inside the container, so ECS does not check "proxy"; '
      + 'set healthCommand');
    expect(w).toContain('Shop/proxy: drainCommand is not run: ECS has no pre-stop hook');
    expect(w).toContain('the sidecar must drain on SIGTERM; leave SidecarProps.drainCommand out on ECS to silence this');
    expect(w).toContain('Shop/proxy: resources.cpuLimitMillicores is not enforced per container on ECS');
    expect(w).toContain('leave cpuLimitMillicores out of SidecarProps.resources on ECS to silence this');
  });

  test('health check values outside ECS ranges are clamped, with a warning', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'x', {
      image: 'ghcr.io/acme/x:1',
      ports: [{ port: 9000 }],
      appWaitsFor: WaitCondition.HEALTHY,
      readinessProbe: Probe.exec({ command: ['/ok'], periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 30 }),
    }));
    const t = synthTemplate(f.stack);
    expect(container(t, 'x').HealthCheck).toEqual({ Command: ['CMD', '/ok'], Interval: 5, Timeout: 2, Retries: 10 });
    expect(warnings(f.stack).join('\n')).toContain('Shop/x: readinessProbe.periodSeconds 1 is outside ECS\'s health check range 5..300; 5 is used; '
      + 'keep the timing of SidecarProps.readinessProbe within the range to silence this');
  });

  test('attaching is idempotent', () => {
    const f = fargateTask();
    const s = statsd(f.stack);
    TaskSidecars.of(f.td).add(s, s);
    TaskSidecars.of(f.td).add(s);
    const t = synthTemplate(f.stack);
    expect(taskDefinition(t).ContainerDefinitions.map((c: any) => c.Name)).toEqual(['app', 'statsd']);
  });

  test("aws-cdk-lib's built-in template validation passes, strict", () => {
    const f = fargateTask({ validation: true });
    TaskSidecars.of(f.td).add(logShipper(f.stack), statsd(f.stack));
    expect(() => synthTemplate(f.stack)).not.toThrow();
    expect(() => f.app.synth()).not.toThrow();
  });

});


describe('scale', () => {
  test('an app with more than 100 task definitions with sidecars synthesizes (aws-cdk-lib aspect loop limit)', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const shared = new Stack(app, 'Catalogue');
    const s = new Sidecar(shared, 'agent', { image: 'ghcr.io/acme/agent:1.0.0' });
    for (let i = 0; i < 110; i++) {
      const stack = (app.node.tryFindChild(`S${Math.floor(i / 40)}`) as Stack | undefined) ?? new Stack(app, `S${Math.floor(i / 40)}`);
      const td = new ecs.FargateTaskDefinition(stack, `Task${i}`);
      td.addContainer('app', { containerName: 'app', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:1') });
      TaskSidecars.of(td).add(s);
    }
    const assembly = app.synth();
    const tds = assembly.stacks.flatMap(st => Object.values<any>(st.template.Resources ?? {}).filter(r => r.Type === 'AWS::ECS::TaskDefinition'));
    expect(tds).toHaveLength(110);
    expect(tds.every(td => td.Properties.ContainerDefinitions.some((c: any) => c.Name === 'agent'))).toBe(true);
  });
});
