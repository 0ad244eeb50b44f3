/**
 * An event-driven service on Fargate: daprd in standalone mode with a Redis state store
 * component whose password comes from Secrets Manager (given to daprd alone), and the AWS
 * Distro for OpenTelemetry collector exporting the app's traces to X-Ray (the migration
 * target of the X-Ray daemon) and its metrics as CloudWatch EMF; the task role gets the
 * exporters' permissions. The app waits for both sidecars' health checks.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DaprSidecar, OtelCollectorDistribution, OtelCollectorSidecar, WaitCondition } from 'cdk-sidecars';
import { SecretSource, TaskSidecars } from 'cdk-sidecars/ecs';

const app = new App();
const stack = new Stack(app, 'Orders', { env: { region: 'eu-west-1' } });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) });
const redisPassword = new secretsmanager.Secret(stack, 'RedisPassword', { description: 'orders state store' });

const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 1024, memoryLimitMiB: 2048 });
taskDefinition.addContainer('orders', {
  containerName: 'orders',
  image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/orders:2.4.1'),
  portMappings: [{ containerPort: 8080 }],
  memoryLimitMiB: 512,
  readonlyRootFilesystem: true,
  logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'orders' }),
});

TaskSidecars.of(taskDefinition, { secrets: { 'orders-redis': SecretSource.fromSecretsManager(redisPassword) } }).add(
  new DaprSidecar(stack, 'dapr', {
    appId: 'orders',
    appPort: 8080,
    // daprd's image is distroless, with nothing to run an ECS health check: the app waits
    // for daprd to start and retries its first Dapr call (the library refuses HEALTHY here).
    appWaitsFor: WaitCondition.STARTED,
    components: [{
      name: 'statestore',
      type: 'state.redis',
      metadata: { redisHost: 'orders-redis.abc123.euw1.cache.amazonaws.com:6379', enableTLS: 'true' },
      secretMetadata: { redisPassword: { secretName: 'orders-redis', key: 'password' } },
    }],
    configuration: { tracingSamplingRate: 1, otelEndpoint: '127.0.0.1:4317' },
  }),
  new OtelCollectorSidecar(stack, 'otel', {
    distribution: OtelCollectorDistribution.AWS_DISTRO,
    serviceName: 'orders',
    awsXrayExporter: { region: 'eu-west-1' },
    awsEmfExporter: { region: 'eu-west-1', metricNamespace: 'Orders', logGroupName: '/acme/orders/metrics' },
  }),
);

new ecs.FargateService(stack, 'Service', { cluster, taskDefinition, desiredCount: 2, minHealthyPercent: 100, circuitBreaker: { rollback: true } });

app.synth();
