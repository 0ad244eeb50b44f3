/**
 * A Fargate service that still uses the X-Ray SDK: the X-Ray daemon listens on
 * 127.0.0.1:2000 (UDP segments, TCP sampling), the app gets AWS_XRAY_DAEMON_ADDRESS, and
 * the task role gains the X-Ray write actions. The daemon ends support on 2027-02-25:
 * `cdk synth` shows the deprecation warning with the migration to OtelCollectorSidecar
 * with the awsxray exporter (examples/ecs/fargate-otel-dapr.ts).
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { XRayDaemonSidecar } from 'cdk-sidecars';
import { TaskSidecars } from 'cdk-sidecars/ecs';

const app = new App();
const stack = new Stack(app, 'Billing', { env: { region: 'eu-west-1' } });

const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 512, memoryLimitMiB: 1024 });
taskDefinition.addContainer('billing', {
  containerName: 'billing',
  image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/billing:7.0.2'),
  portMappings: [{ containerPort: 8080 }],
  memoryLimitMiB: 512,
  readonlyRootFilesystem: true,
  logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'billing' }),
});

TaskSidecars.of(taskDefinition).add(new XRayDaemonSidecar(stack, 'xray', { region: 'eu-west-1' }));

app.synth();
