/**
 * The reference pod on Fargate: the app's task gets database credentials from a Vault
 * Agent that logs in with the task role (Vault's AWS IAM auth), asks a local OPA for
 * decisions (bundle from the policy service), and logs through Fluent Bit as the task's
 * FireLens router to CloudWatch Logs. Config files are written by the library's init
 * writer into task volumes; the task role gets exactly the log permissions Fluent Bit needs.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FluentBitOutput, FluentBitSidecar, OpaSidecar, VaultAgentSidecar, VaultAuth } from 'cdk-sidecars';
import { MemoryVolumeHandling, TaskCostReport, TaskSidecars } from 'cdk-sidecars/ecs';

const app = new App();
const stack = new Stack(app, 'PaymentsApi', { env: { region: 'eu-west-1' } });
const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) });

const taskDefinition = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 1024, memoryLimitMiB: 2048 });
taskDefinition.addContainer('api', {
  containerName: 'api',
  image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/payments-api:4.2.0'),
  portMappings: [{ containerPort: 8080 }],
  memoryLimitMiB: 768,
  readonlyRootFilesystem: true,
});

// Fargate has no tmpfs: the agent's token and rendered secrets live on the task's
// ephemeral storage (encrypted by Fargate, gone with the task), an explicit choice.
TaskSidecars.of(taskDefinition, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(
  new VaultAgentSidecar(stack, 'vault', {
    address: 'https://vault.acme.internal:8200',
    auth: [VaultAuth.aws({ role: 'payments-api', headerValue: 'vault.acme.internal' })],
    secrets: [{ path: 'database/creds/payments-api', file: 'db.json' }],
  }),
  new OpaSidecar(stack, 'opa', {
    services: [{ name: 'policy', url: 'https://policy.acme.internal' }],
    bundles: [{ name: 'payments', service: 'policy', resource: 'bundles/payments.tar.gz' }],
    decisionLogs: { console: true },
  }),
  new FluentBitSidecar(stack, 'logs', {
    outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: '/acme/payments-api', autoCreateGroup: true })],
  }),
);

new ecs.FargateService(stack, 'Service', {
  cluster,
  taskDefinition,
  desiredCount: 2,
  minHealthyPercent: 100,
  circuitBreaker: { rollback: true },
});

// What the sidecars cost: Fargate bills the task size; the report (sidecar-cost.json, .md, .csv
// in the cloud assembly) gives the sidecars' share of it for the service's 2 tasks, at the
// eu-west-1 on-demand Linux/x86 rates of the Fargate pricing page.
const report = new TaskCostReport(app, 'cost', { pricePerVcpuHour: 0.04048, pricePerGibHour: 0.004445 });

app.synth();
report.writeTo(app.outdir);
