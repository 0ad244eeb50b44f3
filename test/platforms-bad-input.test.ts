/**
 * What ECS Fargate and ACI cannot honour is refused with a catalogued error that
 * names the construct path and the field, and says how to fix it.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ISidecar, PodField, PortExposure, Probe, SeccompProfile, Sidecar, SidecarContribution, SidecarProps, StartupRole, VolumeKind, WaitCondition } from '../src';
import { expectError } from './errors';
import { AciApp, AciContainerGroup, AciContainerGroupProps } from '../src/aci';
import { ErrorCode } from '../src/core/errors';
import { ConfigFileDelivery, SecretSource, TaskSidecars, TaskSidecarsOptions } from '../src/ecs';
import { fargateTask } from './ecs/util';

function onEcs(props: Partial<SidecarProps>, options?: TaskSidecarsOptions, fixture = fargateTask()) {
  TaskSidecars.of(fixture.td, options).add(new Sidecar(fixture.stack, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ...props }));
  return () => Template.fromStack(fixture.stack);
}

function onAci(props: Partial<SidecarProps>, group: Partial<AciContainerGroupProps> = {}) {
  const app = new AciApp();
  const g = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }], ...group });
  g.addSidecars(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ...props }));
  return () => g.toArmTemplate();
}

describe('ECS Fargate refuses what it cannot do', () => {
  test('a memory-backed volume', () => {
    expectError(onEcs({ volumes: [{ name: 'secrets', kind: VolumeKind.MEMORY, mountPath: '/secrets' }] }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: volumes "secrets" cannot be rendered on ECS Fargate: Fargate has no memory-backed (tmpfs) volumes', 'memoryVolumes: MemoryVolumeHandling.TASK_STORAGE');
  });

  test('NET_ADMIN', () => {
    expectError(onEcs({ security: { addCapabilities: ['NET_ADMIN'] } }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: security.addCapabilities[0] "NET_ADMIN" cannot be rendered on ECS Fargate: Fargate lets tasks add only SYS_PTRACE', 'proxyConfiguration (interceptTraffic)');
  });

  test('SYS_PTRACE is allowed', () => {
    expect(onEcs({ security: { addCapabilities: ['SYS_PTRACE'] } })).not.toThrow();
  });

  test('an unconfined seccomp profile', () => {
    expectError(onEcs({ security: { seccompProfile: SeccompProfile.UNCONFINED } }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/agent: security.seccompProfile "UNCONFINED" cannot be rendered on ECS Fargate');
  });

  test('a stop timeout above 120 seconds', () => {
    expectError(onEcs({ terminationGracePeriodSeconds: 300 }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/agent: terminationGracePeriodSeconds 300 cannot be rendered on ECS Fargate: Fargate\'s stopTimeout is at most 120 seconds');
  });

  test('a secret without a source', () => {
    expectError(onEcs({ secretEnv: { TOKEN: { secretName: 'api', key: 'token' } } }), ErrorCode.MISSING_SECRET_SOURCE,
      'Shop/agent: env[0] (TOKEN) takes secret "api", which Shop/Api has no source for', "secrets: { 'api': SecretSource.fromSecretsManager(secret) }");
  });

  test('a secret key the SSM source does not have', () => {
    const f = fargateTask();
    const other = ssm.StringParameter.fromStringParameterName(f.stack, 'P', '/x');
    expectError(onEcs({ secretEnv: { TOKEN: { secretName: 'api', key: 'token' } } }, { secrets: { api: SecretSource.fromSsmParameters({ other }) } }, f),
      ErrorCode.MISSING_SECRET_SOURCE, 'Shop/agent: env[0] (TOKEN) takes secret "api/token", which SSM parameters (other) has no source for');
  });

  test('a secret mounted as files', () => {
    expectError(onEcs({ volumes: [{ name: 'tls', kind: VolumeKind.SECRET, secretName: 'tls', mountPath: '/tls' }] }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: volumes[0] "tls" cannot be rendered on ECS Fargate: ECS cannot mount a secret as files', 'secretEnv');
  });

  test('sensitive generated config files', () => {
    expectError(onEcs({ configFiles: [{ path: '/etc/agent/token', content: 's3cr3t', sensitive: true }] }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: configFiles (sensitive) "agent-config" cannot be rendered on ECS Fargate');
  });

  test('HEALTHY without a command ECS could run', () => {
    expectError(onEcs({ ports: [{ port: 9000 }], readinessProbe: Probe.httpGet({ port: 9000 }), appWaitsFor: WaitCondition.HEALTHY }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: appWaitsFor "HEALTHY" cannot be rendered on ECS Fargate: the app waits for "agent" to be HEALTHY', 'Set healthCommand', 'or set appWaitsFor: WaitCondition.STARTED');
  });

  test('a pod field', () => {
    const s = (scope: Construct) => new (class extends Sidecar {
      public contribute() {
        const c = super.contribute({ targetPath: '', appContainers: [] });
        return { ...c, containers: [{ ...c.containers[0], env: [{ name: 'POD', podField: PodField.POD_IP }] }] };
      }
    })(scope, 'agent', { image: 'ghcr.io/acme/agent:1' });
    const f = fargateTask();
    TaskSidecars.of(f.td).add(s(f.stack));
    expectError(() => Template.fromStack(f.stack),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/agent: env[0].podField "POD_IP" cannot be rendered on ECS Fargate', 'ECS_CONTAINER_METADATA_URI_V4');
  });

  test('a task definition without awsvpc networking', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Shop');
    const td = new ecs.Ec2TaskDefinition(stack, 'Api', { networkMode: ecs.NetworkMode.BRIDGE });
    td.addContainer('app', { image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:1'), memoryLimitMiB: 256 });
    TaskSidecars.of(td).add(new Sidecar(stack, 'agent', { image: 'ghcr.io/acme/agent:1' }));
    expectError(() => Template.fromStack(stack),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/Api: networkMode "bridge" cannot be rendered on ECS Fargate', 'NetworkMode.AWS_VPC');
  });

  test('a proxyConfiguration the user already set', () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Shop');
    const td = new ecs.FargateTaskDefinition(stack, 'Api', {
      proxyConfiguration: ecs.ProxyConfigurations.appMeshProxyConfiguration({ containerName: 'envoy', properties: { appPorts: [80], proxyIngressPort: 1, proxyEgressPort: 2, ignoredUID: 5 } }),
    });
    td.addContainer('app', { containerName: 'app', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:1'), portMappings: [{ containerPort: 8080 }] });
    TaskSidecars.of(td).add(new Sidecar(stack, 'proxy', { image: 'ghcr.io/acme/proxy:1', ports: [{ port: 15001 }, { port: 15006 }], interceptTraffic: { inboundPort: 15006, outboundPort: 15001 } }));
    expectError(() => Template.fromStack(stack), ErrorCode.ALREADY_SET, 'Shop/proxy: proxyConfiguration is already set ("set") on Shop/Api');
  });

  test('interception without an app port to capture', () => {
    const f = fargateTask();
    const td = new ecs.FargateTaskDefinition(f.stack, 'NoPorts');
    td.addContainer('worker', { image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/worker:1') });
    TaskSidecars.of(td).add(new Sidecar(f.stack, 'proxy', { image: 'ghcr.io/acme/proxy:1', ports: [{ port: 15001 }, { port: 15006 }], interceptTraffic: { inboundPort: 15006, outboundPort: 15001 } }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.INVALID_INTERCEPTION, 'Shop/proxy: pod.trafficInterception.appPorts [] is empty');
  });

  test('containers that need more memory than the task has', () => {
    // ECS sums what each container reserves: memoryReservation, else memory (the app's 512).
    const resources = { memoryRequestMebibytes: 1024, memoryLimitMebibytes: 1024 };
    expectError(onEcs({ resources }, undefined, fargateTask({ cpu: 256, memoryLimitMiB: 1024 })),
      ErrorCode.RESOURCES_EXCEED_TASK,
      'Shop/Api: memory: the containers need 1536 MiB (app 512, agent 1024), more than the task\'s 1024 MiB', "Raise the task's memory");
  });

  test('containers that need more CPU than the task has', () => {
    expectError(onEcs({ resources: { cpuRequestMillicores: 500 } }, undefined, fargateTask({ cpu: 256, memoryLimitMiB: 2048 })),
      ErrorCode.RESOURCES_EXCEED_TASK,
      'Shop/Api: cpu: the containers need 512 CPU units (app 0, agent 512), more than the task\'s 256 CPU units');
  });

  test('S3 config delivery with interception', () => {
    expectError(onEcs({ ports: [{ port: 15001 }, { port: 15006 }], interceptTraffic: { inboundPort: 15006, outboundPort: 15001 }, configFiles: [{ path: '/etc/p/p.yaml', content: 'x' }] },
      { configDelivery: ConfigFileDelivery.S3 }),
    ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/agent: configDelivery "S3" cannot be rendered on ECS Fargate');
  });

  test('an SSM config file above 8 KiB', () => {
    expectError(onEcs({ configFiles: [{ path: '/etc/p/big.json', content: 'x'.repeat(9000) }] }, { configDelivery: ConfigFileDelivery.SSM_PARAMETERS }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/agent: configFiles[0].content makes config file "agent-config/big.json" 9000 bytes, which cannot be rendered on ECS Fargate: an SSM parameter holds at most 8 KiB', 'ConfigFileDelivery.S3');
  });

  test('inline config files above 32 KiB', () => {
    expectError(onEcs({ configFiles: [{ path: '/etc/p/big.json', content: 'x'.repeat(40000) }] }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: configFiles[0].content makes config file "agent-config/big.json" 40000 bytes, which cannot be rendered on ECS Fargate: the config files of Shop/Api come to',
      'ConfigFileDelivery.SSM_PARAMETERS or ConfigFileDelivery.S3');
  });

  test('an app container that does not exist', () => {
    expectError(onEcs({}, { appContainers: ['web'] }),
      ErrorCode.UNKNOWN_APP_CONTAINER, 'Shop/Api/CdkSidecars: appContainers[0] names app container "web", which Shop/Api does not have (app containers: app)');
  });

  test('options given twice', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, {});
    expectError(() => TaskSidecars.of(f.td, { configDelivery: ConfigFileDelivery.S3 }),
      ErrorCode.ALREADY_SET, 'Shop/Api/CdkSidecars: options is already set');
  });
});

describe('ACI refuses what it cannot do', () => {
  test('$(VAR) or $$ in command/args: Kubernetes expands them, ACI would pass them literally', () => {
    expectError(onAci({ command: ['/bin/agent'], args: ['--region=$(REGION)'], env: { REGION: 'eu-west-1' } }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'agent: args[0] "--region=$(REGION)" cannot be rendered on Azure Container Instances: Kubernetes expands $(VAR) and $$ there');
    // a $(NAME) with no such variable stays as written on Kubernetes too
    expect(onAci({ command: ['/bin/agent', '--x=$(NOPE)'] })).not.toThrow();
  });

  test('a TCP probe', () => {
    expectError(onAci({ ports: [{ port: 9000, exposure: PortExposure.EXPOSED }], livenessProbe: Probe.tcpSocket({ port: 9000 }) }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'agent: livenessProbe "TCP_SOCKET" cannot be rendered on Azure Container Instances: ACI probes are HTTP GET or exec only');
  });

  test('an HTTP probe on a localhost-only port', () => {
    expectError(onAci({ ports: [{ port: 9000 }], livenessProbe: Probe.httpGet({ port: 9000 }) }),
      ErrorCode.PROBE_UNREACHABLE, 'agent: livenessProbe.port probes port 9000, which is POD_LOCAL');
  });

  test('args without a command', () => {
    expectError(onAci({ args: ['--verbose'] }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'agent: args ["--verbose"] cannot be rendered on Azure Container Instances', 'Give the entrypoint in command too');
  });

  test('a memory-backed volume', () => {
    expectError(onAci({ volumes: [{ name: 's', kind: VolumeKind.MEMORY, mountPath: '/s' }] }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'agent: volumes "s" cannot be rendered on Azure Container Instances: ACI has no memory-backed emptyDir', 'AciMemoryVolumeHandling.DISK');
  });

  test('sensitive generated config files', () => {
    expectError(onAci({ configFiles: [{ path: '/etc/a/t', content: 'x', sensitive: true }] }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'agent: configFiles (sensitive) "agent-config"');
  });

  test('a secret volume without its keys', () => {
    expectError(onAci({ volumes: [{ name: 'tls', kind: VolumeKind.SECRET, secretName: 'tls', mountPath: '/tls' }] }), ErrorCode.MISSING_SECRET_SOURCE,
      'agent: volumes (tls) takes secret "tls", which shop has no source for', "secretVolumeKeys: { 'tls': ['tls.crt', 'tls.key'] }");
  });

  test('transparent traffic interception', () => {
    expectError(onAci({ ports: [{ port: 15001 }, { port: 15006 }], interceptTraffic: { inboundPort: 15006, outboundPort: 15001 } }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'agent: pod.trafficInterception "agent" cannot be rendered on Azure Container Instances: transparent redirection needs NET_ADMIN', 'Run the proxy as an explicit proxy');
  });

  test('a shared process namespace', () => {
    expectError(onAci({ shareProcessNamespace: true }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'agent: shareProcessNamespace true cannot be rendered on Azure Container Instances', 'watch the file');
  });

  test('an init step that waits for a long-running container', () => {
    const app = new AciApp();
    const g = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1' }] });
    g.addSidecars(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1' }),
      new Sidecar(app, 'init', { image: 'ghcr.io/acme/init:1', role: StartupRole.INIT_STEP, dependsOn: [{ container: 'agent', condition: WaitCondition.STARTED }] }));
    expectError(() => g.toArmTemplate(),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'init: dependsOn[0] "agent" cannot be rendered on Azure Container Instances: init containers run before every container');
  });

  test('a working directory', () => {
    expectError(onAci({ workingDir: '/work' }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'agent: workingDir "/work" cannot be rendered on Azure Container Instances');
  });

  test('bad group props', () => {
    const app = new AciApp();
    const containers = [{ name: 'api', image: 'ghcr.io/acme/api:1' }];
    expectError(() => new AciContainerGroup(app, 'Shop_1', { containers }),
      ErrorCode.INVALID_NAME, 'Shop_1: name (taken from the construct id) "Shop_1"');
    expectError(() => new AciContainerGroup(app, 'a', { containers, dnsNameLabel: 'x', subnetIds: ['/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s'] }),
      ErrorCode.INVALID_NAME, 'a: dnsNameLabel "x"');
    expectError(() => new AciContainerGroup(app, 'b', { containers, dnsNameLabel: 'acme', subnetIds: ['/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s'] }),
      ErrorCode.INVALID_ROLE, 'b: dnsNameLabel "acme" is set with subnetIds');
    expectError(() => new AciContainerGroup(app, 'c', { containers, subnetIds: ["[parameters('subnet')]"] }),
      ErrorCode.INVALID_NAME, 'c: subnetIds[0] "[parameters(\'subnet\')]"');
    expectError(() => new AciContainerGroup(app, 'd', { containers: [{ name: 'api', image: 'x:1', cpu: 0 }] }),
      ErrorCode.INVALID_RESOURCES, 'd: containers[0].cpu 0 is not a positive number');
    expectError(() => new AciContainerGroup(app, 'e', { containers: [{ name: 'api', image: 'x:1', volumeMounts: [{ volume: 'data', path: '/data' }] }] }),
      ErrorCode.UNKNOWN_VOLUME,
      'e: containers[0].volumeMounts[0].volume "data" is not a volume of this sidecar');
    expectError(() => new AciContainerGroup(app, 'f', { containers: [{ name: 'api', image: 'x:1' }, { name: 'api', image: 'y:1' }] }),
      ErrorCode.DUPLICATE_CONTAINER_NAME, 'f: container name "api"');
    expectError(() => new AciContainerGroup(app, 'g', { containers: [] }), ErrorCode.NO_APP_CONTAINERS, 'g: the pod has no app container');
    expectError(() => new AciContainerGroup(app, 'h', { containers: [{ name: 'api', image: 'x:1', ports: [{ port: 70000 }] }] }),
      ErrorCode.INVALID_PORT, 'h: containers[0].ports[0].port 70000');
  });
});

describe('a Kubernetes Service a sidecar asks for (PodRequirements.services) is refused outside Kubernetes', () => {
  /** A sidecar whose contribution asks for a Service, as DaprSidecar's `<appId>-dapr` does on Kubernetes. */
  class ServiceWanting extends Construct implements ISidecar {
    public contribute(): SidecarContribution {
      return {
        containers: [{ name: 'agent', image: 'ghcr.io/acme/agent:1.0.0', role: StartupRole.SIDECAR, security: { uid: 4100 } }],
        pod: { services: [{ name: 'shop-agent', ports: [{ name: 'grpc', port: 50001 }] }] },
      };
    }
  }

  test('ECS', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new ServiceWanting(f.stack, 'agent'));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: pod.services[0] "shop-agent" cannot be rendered on ECS Fargate: ECS tasks have no Kubernetes Services', 'needs no Kubernetes Service on ECS');
  });

  test('ACI', () => {
    const app = new AciApp();
    const g = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
    g.addSidecars(new ServiceWanting(app, 'agent'));
    expectError(() => g.toArmTemplate(), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'agent: pod.services[0] "shop-agent" cannot be rendered on Azure Container Instances: container groups have no Kubernetes Services', 'needs no Kubernetes Service on ACI');
  });
});
