import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { container, fargateTask, notes, synthTemplate, taskDefinition, warnings } from './util';
import { EnvoySidecar, PortExposure, Sidecar, StartupRole } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import * as facts from '../../src/core/image-facts';
import { TaskSidecars, TaskSidecarsOptions } from '../../src/ecs';
import { expectError } from '../errors';

function proxy(scope: any): Sidecar {
  return new Sidecar(scope, 'proxy', {
    image: 'ghcr.io/acme/proxy:1',
    ports: [{ port: 9901, name: 'admin', exposure: PortExposure.EXPOSED }, { port: 15006, name: 'inbound', exposure: PortExposure.PUBLIC }],
  });
}

function shipper(scope: any): Sidecar {
  return new Sidecar(scope, 'shipper', { image: 'ghcr.io/acme/shipper:1', essential: false });
}

function migrate(scope: any): Sidecar {
  return new Sidecar(scope, 'migrate', { image: 'ghcr.io/acme/migrate:1', role: StartupRole.INIT_STEP });
}

/** ecs.VersionConsistency, in aws-cdk-lib 2.178.0 and later only. */
const versionEnum = (ecs as { VersionConsistency?: { DISABLED: string } }).VersionConsistency;

function synthWith(options: TaskSidecarsOptions): any {
  const f = fargateTask();
  TaskSidecars.of(f.td, options).add(proxy(f.stack), shipper(f.stack), migrate(f.stack));
  return synthTemplate(f.stack);
}

describe('SidecarContainerOptions rendering', () => {
  test('restart policy: ignored exit codes and attempt period on a sidecar that asks, the default kept for non-essential ones', () => {
    const t = synthWith({
      containerOptions: {
        proxy: { enableRestartPolicy: true, restartIgnoredExitCodes: [0, 143], restartAttemptPeriod: Duration.seconds(120) },
        shipper: { restartIgnoredExitCodes: [0] },
      },
    });
    expect(container(t, 'proxy').RestartPolicy).toEqual({ Enabled: true, IgnoredExitCodes: [0, 143], RestartAttemptPeriod: 120 });
    expect(container(t, 'shipper').RestartPolicy).toEqual({ Enabled: true, IgnoredExitCodes: [0], RestartAttemptPeriod: 60 });
    expect(container(t, 'migrate').RestartPolicy).toBeUndefined();
  });

  test('enableRestartPolicy: false turns the default off for a non-essential sidecar', () => {
    const t = synthWith({ containerOptions: { shipper: { enableRestartPolicy: false } } });
    expect(container(t, 'shipper').RestartPolicy).toBeUndefined();
  });

  // ecs.VersionConsistency came with aws-cdk-lib 2.178.0: the newest version renders it, the peer floor (2.172.0,
  // .ci/run's floor job) refuses a value given from plain JavaScript instead of dropping it.
  test('versionConsistency: rendered with aws-cdk-lib >= 2.178.0, refused with an older one', () => {
    if (versionEnum) {
      const t = synthWith({ containerOptions: { proxy: { versionConsistency: versionEnum.DISABLED as ecs.VersionConsistency } } });
      expect(container(t, 'proxy').VersionConsistency).toBe('disabled');
    } else {
      expectError(() => synthWith({ containerOptions: { proxy: { versionConsistency: 'disabled' as ecs.VersionConsistency } } }),
        ErrorCode.UNSUPPORTED_ON_PLATFORM, 'containerOptions.proxy.versionConsistency "disabled" cannot be rendered on ECS Fargate',
        'it came with aws-cdk-lib 2.178.0', 'Upgrade aws-cdk-lib to 2.178.0 or later');
    }
  });

  test('ulimits, system controls, start timeout, init process, labels and app protocols', () => {
    const t = synthWith({
      sidecarDefaults: { dockerLabels: { team: 'platform' } },
      containerOptions: {
        proxy: {
          ulimits: [{ name: ecs.UlimitName.NOFILE, softLimit: 1024000, hardLimit: 1024000 }],
          systemControls: [{ namespace: 'net.ipv4.tcp_keepalive_time', value: '300' }, { namespace: 'kernel.shmmax', value: '68719476736' }],
          startTimeout: Duration.seconds(90),
          initProcessEnabled: true,
          portAppProtocols: { inbound: ecs.AppProtocol.http2 },
        },
      },
    });
    const p = container(t, 'proxy');
    expect(p.Ulimits).toEqual([{ Name: 'nofile', SoftLimit: 1024000, HardLimit: 1024000 }]);
    expect(p.SystemControls).toEqual([{ Namespace: 'net.ipv4.tcp_keepalive_time', Value: '300' }, { Namespace: 'kernel.shmmax', Value: '68719476736' }]);
    expect(p.StartTimeout).toBe(90);
    expect(p.LinuxParameters.InitProcessEnabled).toBe(true);
    expect(p.LinuxParameters.Capabilities.Drop).toEqual(['ALL']);
    expect(p.DockerLabels).toEqual({ team: 'platform' });
    expect(p.PortMappings).toEqual([
      { ContainerPort: 9901, Name: 'admin', Protocol: 'tcp' },
      { ContainerPort: 15006, Name: 'inbound', Protocol: 'tcp', AppProtocol: 'http2' },
    ]);
    // The defaults reach every sidecar container.
    expect(container(t, 'shipper').DockerLabels).toEqual({ team: 'platform' });
    expect(container(t, 'migrate').DockerLabels).toEqual({ team: 'platform' });
    expect(container(t, 'shipper').Ulimits).toBeUndefined();
  });

  test('a containerOptions entry overrides sidecarDefaults field by field', () => {
    const t = synthWith({
      sidecarDefaults: { dockerLabels: { team: 'platform' }, initProcessEnabled: true },
      containerOptions: { proxy: { dockerLabels: { team: 'edge' } } },
    });
    expect(container(t, 'proxy').DockerLabels).toEqual({ team: 'edge' });
    expect(container(t, 'proxy').LinuxParameters.InitProcessEnabled).toBe(true);
  });
});

describe('SidecarContainerOptions bad input', () => {
  const at = 'Shop/Api/CdkSidecars';
  const bad = (options: any) => () => synthWith(options);
  const lazy = (options: any) => () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, options).add(proxy(f.stack), shipper(f.stack), migrate(f.stack));
    Template.fromStack(f.stack);
  };

  test('an unknown container name', () => {
    expectError(lazy({ containerOptions: { envoy: { initProcessEnabled: true } } }), ErrorCode.UNKNOWN_REFERENCE,
      `${at}: containerOptions.envoy "envoy" names a sidecar container`, 'proxy, shipper, migrate');
  });
  test('restartAttemptPeriod outside 60..1800 seconds', () => {
    expectError(bad({ containerOptions: { shipper: { restartAttemptPeriod: Duration.seconds(30) } } }), ErrorCode.INVALID_NUMBER,
      `${at}: containerOptions.shipper.restartAttemptPeriod "30 seconds" is not a whole number of seconds from 60 to 1800`);
    expectError(bad({ containerOptions: { shipper: { restartAttemptPeriod: Duration.minutes(31) } } }), ErrorCode.INVALID_NUMBER,
      'containerOptions.shipper.restartAttemptPeriod "1860 seconds"');
  });
  test('more than 50 ignored exit codes, or one that is not an integer', () => {
    const codes = Array.from({ length: 51 }, (_, i) => i);
    expectError(bad({ containerOptions: { shipper: { restartIgnoredExitCodes: codes } } }), ErrorCode.INVALID_NUMBER,
      `${at}: containerOptions.shipper.restartIgnoredExitCodes "51 exit codes" is not at most 50 exit codes`);
    expectError(bad({ containerOptions: { shipper: { restartIgnoredExitCodes: ['1'] } } }), ErrorCode.INVALID_NUMBER,
      'containerOptions.shipper.restartIgnoredExitCodes[0] "1"');
  });
  test('restart settings on a container without a restart policy have no effect', () => {
    expectError(lazy({ containerOptions: { proxy: { restartIgnoredExitCodes: [0] } } }), ErrorCode.INEFFECTIVE_SETTING,
      `${at}: containerOptions.proxy.restartIgnoredExitCodes [0] would have no effect: container "proxy" has no restart policy`,
      'Set containerOptions.proxy.enableRestartPolicy: true');
    const off = { enableRestartPolicy: false, restartAttemptPeriod: Duration.seconds(90) };
    expectError(lazy({ containerOptions: { shipper: off } }), ErrorCode.INEFFECTIVE_SETTING,
      'containerOptions.shipper.restartAttemptPeriod "90 seconds" would have no effect', 'enableRestartPolicy is false');
  });
  test('a restart policy on an init step is refused', () => {
    expectError(lazy({ containerOptions: { migrate: { enableRestartPolicy: true } } }), ErrorCode.INVALID_ROLE,
      `${at}: containerOptions.migrate.enableRestartPolicy true is set on "migrate", an init step`);
  });
  test('ulimits: unknown name, soft above hard, twice the same', () => {
    expectError(bad({ containerOptions: { proxy: { ulimits: [{ name: 'files', softLimit: 1, hardLimit: 2 }] } } }), ErrorCode.INVALID_TYPE,
      `${at}: containerOptions.proxy.ulimits[0].name "files"`);
    expectError(bad({ containerOptions: { proxy: { ulimits: [{ name: 'nofile', softLimit: 3, hardLimit: 2 }] } } }), ErrorCode.INVALID_RANGE,
      'containerOptions.proxy.ulimits[0].softLimit 3 is greater than containerOptions.proxy.ulimits[0].hardLimit 2');
    expectError(bad({ containerOptions: { proxy: { ulimits: [{ name: 'nofile', softLimit: 1, hardLimit: 2 }, { name: 'nofile', softLimit: 1, hardLimit: 2 }] } } }),
      ErrorCode.ALREADY_SET, 'containerOptions.proxy.ulimits[1].name is already set');
  });
  test('a system control that is not namespaced', () => {
    expectError(bad({ containerOptions: { proxy: { systemControls: [{ namespace: 'vm.swappiness', value: '10' }] } } }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      `${at}: containerOptions.proxy.systemControls[0].namespace "vm.swappiness" cannot be rendered on ECS Fargate`);
    expectError(bad({ sidecarDefaults: { systemControls: [{ namespace: 'net.core.somaxconn', value: 4096 }] } }), ErrorCode.INVALID_TYPE,
      'sidecarDefaults.systemControls[0].value 4096');
  });
  test('wrong types', () => {
    expectError(bad({ containerOptions: { proxy: 'yes' } }), ErrorCode.INVALID_TYPE, `${at}: containerOptions.proxy "yes"`);
    expectError(bad({ containerOptions: { proxy: { startTimeout: 30 } } }), ErrorCode.INVALID_TYPE, 'containerOptions.proxy.startTimeout 30', 'a Duration');
    expectError(bad({ containerOptions: { proxy: { initProcessEnabled: 'true' } } }), ErrorCode.INVALID_TYPE, 'containerOptions.proxy.initProcessEnabled "true"');
    expectError(bad({ containerOptions: { proxy: { versionConsistency: 'on' } } }), versionEnum ? ErrorCode.INVALID_TYPE : ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'containerOptions.proxy.versionConsistency "on"');
    expectError(bad({ containerOptions: { proxy: { dockerLabels: { team: 1 } } } }), ErrorCode.INVALID_TYPE, 'containerOptions.proxy.dockerLabels["team"] 1');
    expectError(bad({ containerOptions: { proxy: { portAppProtocols: { inbound: 'http' } } } }), ErrorCode.INVALID_TYPE,
      'containerOptions.proxy.portAppProtocols["inbound"] "http"', 'an ecs.AppProtocol');
  });
  test('an app protocol for a port the container does not name', () => {
    expectError(lazy({ containerOptions: { proxy: { portAppProtocols: { outbound: ecs.AppProtocol.http } } } }), ErrorCode.UNKNOWN_REFERENCE,
      `${at}: containerOptions.proxy.portAppProtocols "outbound" names a port of container "proxy"`, 'admin, inbound');
  });
});

describe('ARM64 tasks (runtimePlatform.cpuArchitecture)', () => {
  function armTask(): any {
    const f = fargateTask();
    const td = new ecs.FargateTaskDefinition(f.stack, 'Arm', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    td.addContainer('app', { containerName: 'app', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:4.2.0'), portMappings: [{ containerPort: 8080 }], memoryLimitMiB: 512 });
    return { ...f, td };
  }
  const armWarnings = (stack: any) => warnings(stack).filter(w => w.includes('arm64'));

  test('an image known to have arm64 passes silently; an unknown one is a warning naming the image prop', () => {
    const f = armTask();
    TaskSidecars.of(f.td).add(
      new Sidecar(f.stack, 'router', { image: 'fluent/fluent-bit:5.0.8', essential: false }),
      new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1' }),
    );
    synthTemplate(f.stack);
    const w = armWarnings(f.stack);
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('Shop/agent: image "ghcr.io/acme/agent:1" is not known to be published for arm64');
  });

  test('an image known to lack arm64 is an error; an X86_64 task is not checked', () => {
    // No image of the facts table lacks arm64 today: a row that does is stood in for.
    const spy = jest.spyOn(facts, 'imageArchitectures').mockReturnValue({ architectures: ['amd64'], source: 'a stand-in row' });
    try {
      const f = armTask();
      TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1' }));
      expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
        'Shop/agent: image "ghcr.io/acme/agent:1" cannot be rendered on ECS Fargate: Shop/Arm runs on ARM64', 'published for amd64 only (a stand-in row)');
      const x86 = fargateTask();
      TaskSidecars.of(x86.td).add(new Sidecar(x86.stack, 'agent', { image: 'ghcr.io/acme/agent:1' }));
      synthTemplate(x86.stack);
      expect(armWarnings(x86.stack)).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  test('the Fluent Bit debug image (no ARM build upstream) is a warning on ARM64', () => {
    const f = armTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'router', { image: 'fluent/fluent-bit:5.0.8-debug', essential: false }));
    synthTemplate(f.stack);
    expect(armWarnings(f.stack).join('\n')).toContain('Shop/router: image "fluent/fluent-bit:5.0.8-debug" is not known to be published for arm64');
  });
});

describe('bypassProxy and environmentFiles', () => {
  test('a sidecar that bypasses the proxy runs with the proxy\'s group (ignoredGID), keeping its UID', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { containerOptions: { shipper: { bypassProxy: true } } })
      .add(new EnvoySidecar(f.stack, 'mesh', {}), shipper(f.stack));
    const t = synthTemplate(f.stack);
    const proxyConfig = taskDefinition(t).ProxyConfiguration.ProxyConfigurationProperties;
    const gid = proxyConfig.find((p: any) => p.Name === 'IgnoredGID').Value;
    const [uid, group] = container(t, 'shipper').User.split(':');
    expect(group).toBe(gid);
    // Its own UID, not the proxy's (IgnoredUID): only the group exempts it.
    expect(uid).not.toBe(proxyConfig.find((p: any) => p.Name === 'IgnoredUID').Value);
    expect(notes(f.stack).join('\n')).toContain(`Shop/shipper: container "shipper" runs with group ${gid}, the proxy's (containerOptions.shipper.bypassProxy)`);
  });

  test('bypassProxy without interception has no effect', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { containerOptions: { shipper: { bypassProxy: true } } }).add(shipper(f.stack));
    expectError(() => Template.fromStack(f.stack), ErrorCode.INEFFECTIVE_SETTING,
      'Shop/Api/CdkSidecars: containerOptions.shipper.bypassProxy true would have no effect: no sidecar of Shop/Api intercepts its traffic');
  });

  test('environment files are rendered; a wrong type is refused', () => {
    const f = fargateTask();
    const bucket = new s3.Bucket(f.stack, 'Env');
    TaskSidecars.of(f.td, { containerOptions: { shipper: { environmentFiles: [ecs.EnvironmentFile.fromBucket(bucket, 'shipper.env')] } } }).add(shipper(f.stack));
    const t = synthTemplate(f.stack);
    expect(container(t, 'shipper').EnvironmentFiles).toEqual([{ Type: 's3', Value: expect.anything() }]);
    expect(() => synthWith({ containerOptions: { shipper: { environmentFiles: ['s3://b/k'] as any } } })).toThrow(/containerOptions.shipper.environmentFiles\[0\] "s3:\/\/b\/k"/);
  });
});
