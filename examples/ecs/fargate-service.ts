/**
 * A Fargate service whose task definition gets two generic sidecars and an init step:
 *
 *   - migrate: database migrations, run to completion before the app (dependsOn SUCCESS);
 *     its DATABASE_URL comes from Secrets Manager and is given to it alone
 *   - statsd: a StatsD exporter the app sends metrics to on localhost; the app waits
 *     until its health check passes (dependsOn HEALTHY)
 *   - log-shipper: Fluent Bit tailing a shared task volume, config file written by the
 *     library's init writer; non-essential, so a crash does not stop the task
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { PortExposure, Probe, Sidecar, StartupRole, WaitCondition } from 'cdk-sidecars';
import { SecretSource, TaskSidecars } from 'cdk-sidecars/ecs';

const app = new App();
const stack = new Stack(app, 'ShopApi');

const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 1024, memoryLimitMiB: 2048 });
taskDefinition.addContainer('api', {
  containerName: 'api',
  image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/shop-api:4.2.0'),
  portMappings: [{ containerPort: 8080 }],
  memoryLimitMiB: 1024,
  readonlyRootFilesystem: true,
  logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'api' }),
});
const dbSecret = new secretsmanager.Secret(stack, 'ShopDb', { description: 'shop database connection' });

const migrate = new Sidecar(stack, 'migrate', {
  image: 'ghcr.io/acme/shop-migrate:4.2.0',
  role: StartupRole.INIT_STEP,
  args: ['up'],
  secretEnv: { DATABASE_URL: { secretName: 'shop-db', key: 'url' } },
});

const statsd = new Sidecar(stack, 'statsd', {
  image: 'prom/statsd-exporter:v0.28.0',
  ports: [{ port: 9102, exposure: PortExposure.EXPOSED }, { port: 9125 }],
  readinessProbe: Probe.httpGet({ port: 9102, path: '/', periodSeconds: 10 }),
  healthCommand: ['/bin/wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9102/'],
  appWaitsFor: WaitCondition.HEALTHY,
  appEnv: { STATSD_HOST: '127.0.0.1', STATSD_PORT: '9125' },
});

const logShipper = new Sidecar(stack, 'log-shipper', {
  image: 'fluent/fluent-bit:4.0.3',
  args: ['-c', '/fluent-bit/etc/fluent-bit.yaml'],
  essential: false,
  volumes: [
    { name: 'app-logs', mountPath: '/var/log/app', readOnly: true, appMountPath: '/var/log/app' },
    { name: 'flb-state', mountPath: '/var/lib/fluent-bit' },
  ],
  configFiles: [{
    path: '/fluent-bit/etc/fluent-bit.yaml',
    content: [
      'pipeline:',
      '  inputs:',
      '    - name: tail',
      '      path: /var/log/app/*.log',
      '      db: /var/lib/fluent-bit/tail.db',
      '      mem_buf_limit: 5MB',
      '  outputs:',
      '    - name: stdout',
      '      match: "*"',
      '',
    ].join('\n'),
  }],
  appEnv: { LOG_DIR: '/var/log/app' },
});

TaskSidecars.of(taskDefinition, { secrets: { 'shop-db': SecretSource.fromSecretsManager(dbSecret) } })
  .add(migrate, statsd, logShipper);

new ecs.FargateService(stack, 'Service', {
  cluster,
  taskDefinition,
  desiredCount: 2,
  minHealthyPercent: 100,
  circuitBreaker: { rollback: true },
});

app.synth();
