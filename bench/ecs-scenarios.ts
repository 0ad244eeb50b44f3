/**
 * The ECS benchmark scenario, built twice: Fargate task definitions given two sidecars
 * and an init step through cdk-sidecars, and the same containers hand-written with
 * aws-cdk-lib. run.ts checks that the task definitions come out the same.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PortExposure, Probe, Sidecar, StartupRole, WaitCondition } from '../src';
import { TaskSidecars } from '../src/ecs';

export interface EcsScenario { readonly app: App; readonly stack: Stack }

/** Task definitions per stack (each brings 5 resources; a stack holds at most 500). */
const PER_STACK = 50;

function newScenario(): EcsScenario {
  const app = new App({ builtinCloudFormationValidation: false, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-bench-')) });
  return { app, stack: new Stack(app, 'Bench') };
}

function stackFor(s: EcsScenario, i: number): Stack {
  const id = `Bench${Math.floor(i / PER_STACK)}`;
  return (s.app.node.tryFindChild(id) as Stack | undefined) ?? new Stack(s.app, id);
}

function taskWithApp(scope: Construct, i: number): { td: ecs.FargateTaskDefinition; app: ecs.ContainerDefinition } {
  const td = new ecs.FargateTaskDefinition(scope, `Task${i}`, { cpu: 1024, memoryLimitMiB: 2048 });
  const app = td.addContainer('app', {
    containerName: 'app',
    image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:4.2.0'),
    portMappings: [{ containerPort: 8080 }],
    memoryLimitMiB: 512,
  });
  return { td, app };
}

export function ecsLibrary(n: number, sample: () => void): EcsScenario {
  const s = newScenario();
  const sidecars = [
    new Sidecar(s.stack, 'migrate', { image: 'ghcr.io/acme/migrate:4.2.0', role: StartupRole.INIT_STEP, args: ['up'], security: { uid: 20000 } }),
    new Sidecar(s.stack, 'statsd', {
      image: 'prom/statsd-exporter:v0.28.0',
      security: { uid: 20001 },
      ports: [{ port: 9102, exposure: PortExposure.EXPOSED }, { port: 9125 }],
      startupProbe: Probe.exec({ command: ['/bin/check'], periodSeconds: 5, failureThreshold: 6 }),
      appWaitsFor: WaitCondition.HEALTHY,
      appEnv: { STATSD_HOST: '127.0.0.1' },
    }),
    new Sidecar(s.stack, 'logs', {
      image: 'fluent/fluent-bit:4.0.3',
      security: { uid: 20002 },
      essential: false,
      volumes: [{ name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' }],
    }),
  ];
  for (let i = 0; i < n; i++) {
    const { td } = taskWithApp(stackFor(s, i), i);
    TaskSidecars.of(td).add(...sidecars);
    if (i % 50 === 0) { sample(); }
  }
  return s;
}

export function ecsHandWritten(n: number, sample: () => void): EcsScenario {
  const s = newScenario();
  const resources = { cpu: 51, memoryReservationMiB: 64, memoryLimitMiB: 128 };
  const linux = (scope: Construct, id: string) => {
    const p = new ecs.LinuxParameters(scope, id, {});
    p.dropCapabilities(ecs.Capability.ALL);
    return p;
  };
  for (let i = 0; i < n; i++) {
    const { td, app } = taskWithApp(stackFor(s, i), i);
    const scope = new Construct(td, 'CdkSidecars');
    const group = new logs.LogGroup(scope, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    const logging = (prefix: string) => ecs.LogDrivers.awsLogs({ logGroup: group, streamPrefix: prefix });
    td.addVolume({ name: 'app-logs' });
    const migrate = td.addContainer('Sidecar-migrate', {
      containerName: 'migrate',
      image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/migrate:4.2.0'),
      command: ['up'],
      user: '20000:20000',
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: linux(scope, 'migrate-linux'),
      essential: false,
      logging: logging('migrate'),
      ...resources,
    });
    const statsd = td.addContainer('Sidecar-statsd', {
      containerName: 'statsd',
      image: ecs.ContainerImage.fromRegistry('prom/statsd-exporter:v0.28.0'),
      portMappings: [{ containerPort: 9102, protocol: ecs.Protocol.TCP }],
      user: '20001:20001',
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: linux(scope, 'statsd-linux'),
      essential: true,
      logging: logging('statsd'),
      ...resources,
      healthCheck: { command: ['CMD', '/bin/check'], interval: Duration.seconds(5), timeout: Duration.seconds(5), retries: 6, startPeriod: Duration.seconds(30) },
    });
    const shipper = td.addContainer('Sidecar-logs', {
      containerName: 'logs',
      image: ecs.ContainerImage.fromRegistry('fluent/fluent-bit:4.0.3'),
      user: '20002:20002',
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: linux(scope, 'logs-linux'),
      essential: false,
      logging: logging('logs'),
      ...resources,
      // A non-essential sidecar that exits is restarted.
      enableRestartPolicy: true,
      restartAttemptPeriod: Duration.seconds(60),
    });
    shipper.addMountPoints({ sourceVolume: 'app-logs', containerPath: '/var/log/app', readOnly: true });
    // Fargate task volumes are root-owned 0755: a root writer makes the app's log volume
    // writable (the app's UID is not known) before anything mounts it.
    const writer = td.addContainer('Sidecar-config-writer', {
      containerName: 'cdk-sidecars-config',
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:1.37'),
      entryPoint: ['sh', '-c'],
      command: ["set -eu\nchmod 1777 '/cdk-sidecars/app-logs'"],
      user: '0:0',
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters: linux(scope, 'cdk-sidecars-config-linux'),
      essential: false,
      logging: logging('cdk-sidecars-config'),
      memoryLimitMiB: 32,
    });
    writer.addMountPoints({ sourceVolume: 'app-logs', containerPath: '/cdk-sidecars/app-logs', readOnly: false });
    shipper.addContainerDependencies({ container: writer, condition: ecs.ContainerDependencyCondition.SUCCESS });
    app.addEnvironment('STATSD_HOST', '127.0.0.1');
    app.addMountPoints({ sourceVolume: 'app-logs', containerPath: '/var/log/app', readOnly: false });
    app.addContainerDependencies(
      { container: migrate, condition: ecs.ContainerDependencyCondition.SUCCESS },
      { container: statsd, condition: ecs.ContainerDependencyCondition.HEALTHY },
      { container: shipper, condition: ecs.ContainerDependencyCondition.START },
      { container: writer, condition: ecs.ContainerDependencyCondition.SUCCESS },
    );
    if (i % 50 === 0) { sample(); }
  }
  return s;
}
