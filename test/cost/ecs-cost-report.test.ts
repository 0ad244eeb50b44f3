import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { FluentBitOutput, FluentBitSidecar, OtelCollectorDistribution, OtelCollectorSidecar } from '../../src';
import { TaskCostReport, TaskSidecars } from '../../src/ecs';
import { validateTemplate } from '../validate/cloudformation';

function setup(desiredCount?: number) {
  const app = new App();
  const stack = new Stack(app, 'Shop', { env: { region: 'eu-west-1', account: '111111111111' } });
  const td = new ecs.FargateTaskDefinition(stack, 'Task', { cpu: 1024, memoryLimitMiB: 2048 });
  td.addContainer('api', { containerName: 'api', image: ecs.ContainerImage.fromRegistry('ghcr.io/acme/api:1'), portMappings: [{ containerPort: 8080 }], cpu: 512, memoryReservationMiB: 1024 });
  TaskSidecars.of(td).add(
    new OtelCollectorSidecar(stack, 'otel', { distribution: OtelCollectorDistribution.AWS_DISTRO, serviceName: 'api', otlpExporters: [{ endpoint: 'otel-gateway.internal:4317' }] }),
    new FluentBitSidecar(stack, 'logs', { outputs: [FluentBitOutput.cloudWatchLogs({ region: 'eu-west-1', logGroupName: '/acme/api' })] }),
  );
  if (desiredCount !== undefined) {
    const cluster = new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 }) });
    new ecs.FargateService(stack, 'Service', { cluster, taskDefinition: td, desiredCount, minHealthyPercent: 100 });
  }
  return { app, stack, td };
}

describe('TaskCostReport', () => {
  test('Fargate bills the task size: the sidecars\' part is what their containers reserve of it, x desiredCount', () => {
    const { app, stack } = setup(4);
    const report = new TaskCostReport(app, 'cost', { pricePerVcpuHour: 0.04048, pricePerGibHour: 0.004445 });
    app.synth();
    const template = Template.fromStack(stack).toJSON();
    validateTemplate(template);
    const json = report.toJson();
    const w = json.workloads[0];
    expect(w).toMatchObject({ platform: 'ecs', kind: 'Fargate task definition', replicas: 4, basis: 'task-size' });
    // recomputed from the template, independently of the report
    const td: any = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::ECS::TaskDefinition');
    const defs = td.Properties.ContainerDefinitions;
    const sidecarDefs = defs.filter((d: any) => d.Name !== 'api');
    const units = sidecarDefs.reduce((n: number, d: any) => n + (d.Cpu ?? 0), 0);
    const mib = sidecarDefs.reduce((n: number, d: any) => n + (d.MemoryReservation ?? d.Memory ?? 0), 0);
    expect(w.perReplica.total).toEqual({ cpuMillicores: 1000, memoryMebibytes: 2048 });
    expect(w.perReplica.sidecars.cpuMillicores).toBeCloseTo(units * 1000 / 1024, 3);
    expect(w.perReplica.sidecars.memoryMebibytes).toBe(mib);
    expect(w.allReplicas.total).toEqual({ cpuMillicores: 4000, memoryMebibytes: 8192 });
    expect(w.monthlyCost.total).toBeCloseTo((4 * 0.04048 + 8 * 0.004445) * 730, 2);
    expect(w.containers.filter((c: any) => c.sidecar !== null).map((c: any) => c.name).sort()).toEqual(sidecarDefs.map((d: any) => d.Name).sort());
  });

  test('a task definition no service runs is counted per task; read before synthesis is refused', () => {
    const { app } = setup();
    const report = new TaskCostReport(app, 'cost');
    expect(() => report.toJson()).toThrow(/^cost: synthesis is not set: the sidecars of Shop\/Task are added to the task when the app is synthesized\. Read or write the report after app\.synth\(\)/);
    app.synth();
    const json = report.toJson();
    expect(json.workloads[0].replicas).toBeNull();
    expect(json.notes).toEqual(expect.arrayContaining([expect.stringContaining('Shop/Task: no ECS service in the app runs this task definition')]));
  });

  test('bad inputs', () => {
    const { app } = setup();
    expect(() => new TaskCostReport(app, 'a', { pricePerVcpuHour: -1, pricePerGibHour: 0 })).toThrow(/^a: pricePerVcpuHour -1 is not a price of zero or more/);
    expect(() => new TaskCostReport(app, 'b', { pricePerVcpuHour: 0.04 })).toThrow(/^b: pricePerGibHour is not set: a monthly cost needs both/);
    expect(() => new TaskCostReport(app, 'c', { pricePerVcpuHour: '0.04' as any, pricePerGibHour: 0 })).toThrow(/^c: pricePerVcpuHour "0.04" \(string\) is not a finite number/);
    expect(() => new TaskCostReport(app, 'd', { fileName: '../x' })).toThrow(/^d: fileName "..\/x" is not a plain file name/);
    expect(() => new TaskCostReport(app, 'e', { currency: 'dollars' })).toThrow(/^e: currency "dollars" is not an ISO 4217 currency code/);
    expect(() => new TaskCostReport(app, 'f', { sidecars: [{}] as any })).toThrow(/^f: sidecars\[0\] \{\} \(object\) is not a TaskSidecars/);
  });
});
