/**
 * A Fargate service behind a self-managed Envoy: the task's proxyConfiguration (type
 * APPMESH, the ECS redirect mechanism; App Mesh itself reached end of support on
 * 2026-09-30) sends the app's traffic through Envoy, the app waits until Envoy's health
 * check passes, and the bootstrap is written by the library's init writer.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { EnvoySidecar } from 'cdk-sidecars';
import { TaskSidecars } from 'cdk-sidecars/ecs';

const app = new App();
const stack = new Stack(app, 'CheckoutMesh');
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) });

const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 1024, memoryLimitMiB: 2048 });
taskDefinition.addContainer('checkout', {
  containerName: 'checkout',
  image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/checkout:3.1.0'),
  portMappings: [{ containerPort: 8080 }],
  memoryLimitMiB: 768,
  readonlyRootFilesystem: true,
  logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'checkout' }),
});

TaskSidecars.of(taskDefinition).add(new EnvoySidecar(stack, 'envoy', {
  excludeOutboundPorts: [5432],
  resources: { cpuRequestMillicores: 250, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 },
}));

new ecs.FargateService(stack, 'Service', {
  cluster,
  taskDefinition,
  desiredCount: 2,
  minHealthyPercent: 100,
  circuitBreaker: { rollback: true },
  platformVersion: ecs.FargatePlatformVersion.LATEST,
});

app.synth();
