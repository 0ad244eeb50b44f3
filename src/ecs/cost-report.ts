import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct, IConstruct } from 'constructs';
import { TaskSidecars } from './task-sidecars';
import { CostBasis, CostContainer, CostLifecycle, CostWorkload, costPrices } from '../core/cost';
import { CostReport, CostReportOptions } from '../core/cost-options';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/** Props of a TaskCostReport. */
export interface TaskCostReportProps extends CostReportOptions {
  /**
   * The tasks to report on.
   * @default - every task definition with sidecars in the app
   */
  readonly sidecars?: TaskSidecars[];
}

/** CPU units (1024 a vCPU: ECS task definition parameters, "cpu") in millicores. */
const millicores = (units: number) => units * 1000 / 1024;

const numberOf = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** The services of the app that run a task definition, and how many tasks they keep running. */
function replicasOf(root: IConstruct, td: ecs.TaskDefinition): { replicas?: number; source: string } {
  const services = root.node.findAll().filter((c): c is ecs.BaseService => c instanceof ecs.BaseService && c.taskDefinition === td);
  if (services.length === 0) { return { source: 'no ECS service in the app runs this task definition (run as tasks): per task' }; }
  let total = 0;
  for (const s of services) {
    const cfn = s.node.defaultChild as ecs.CfnService;
    const count = numberOf(Stack.of(s).resolve(cfn.desiredCount));
    if (count === undefined && cfn.desiredCount !== undefined) { return { source: `the desiredCount of ${s.node.path} is known only at deployment: per task` }; }
    // AWS::ECS::Service DesiredCount: "For new services, if a desired count is not specified, a default value of 1 is used".
    total += count ?? 1;
  }
  return { replicas: total, source: `desiredCount of ${services.map(s => s.node.path).join(', ')}` };
}

/** Reads one rendered task definition into the neutral model; undefined when it is not rendered yet. */
export function ecsCostWorkload(sidecars: TaskSidecars, at: string): CostWorkload {
  const owners = sidecars._sidecarContainers();
  const td = sidecars.taskDefinition;
  if (!owners) {
    throw Errors.missingSetting(at, 'synthesis', `the sidecars of ${td.node.path} are added to the task when the app is synthesized`,
      'Read or write the report after app.synth()');
  }
  const stack = Stack.of(td);
  const cfn = td.node.defaultChild as ecs.CfnTaskDefinition;
  const defs: any[] = stack.resolve(cfn.containerDefinitions) ?? [];
  // Every container counts as reserved for the task's life, init steps included (the config writer,
  // an agent's pre-populate run): the CPU all containers of a task reserve must stay under the
  // task-level cpu (ECS API ContainerDefinition.cpu; docs.aws.amazon.com AmazonECS task definition
  // parameters), so without the sidecars the task could be that much smaller.
  const containers: CostContainer[] = defs.map(d => {
    const cpu = numberOf(d.cpu);
    const memory = numberOf(d.memoryReservation) ?? numberOf(d.memory);
    return {
      name: String(d.name),
      ...(owners.has(d.name) ? { sidecar: owners.get(d.name) } : {}),
      lifecycle: CostLifecycle.REGULAR,
      ...(cpu !== undefined ? { cpuMillicores: millicores(cpu) } : {}),
      ...(memory !== undefined ? { memoryMebibytes: memory } : {}),
    };
  });
  const taskCpu = numberOf(stack.resolve(cfn.cpu));
  const taskMemory = numberOf(stack.resolve(cfn.memory));
  const fargate = td.isFargateCompatible && taskCpu !== undefined && taskMemory !== undefined;
  const { replicas, source } = replicasOf(td.node.root, td);
  return {
    platform: 'ecs',
    path: td.node.path,
    kind: fargate ? 'Fargate task definition' : 'ECS task definition',
    name: String(stack.resolve(cfn.family) ?? td.family),
    ...(replicas !== undefined ? { replicas } : {}),
    replicasSource: source,
    // Fargate bills the vCPU and memory of the task, per second from the image pull to the task's end
    // (aws.amazon.com/fargate/pricing), whatever its containers reserve of them.
    basis: fargate ? CostBasis.TASK_SIZE : CostBasis.CONTAINER_REQUESTS,
    containers,
    ...(fargate ? { billed: { cpuMillicores: millicores(taskCpu!), memoryMebibytes: taskMemory! } } : {}),
  };
}

/**
 * The cost and overhead report of the sidecars of ECS tasks. On Fargate the task size is
 * billed: the sidecars' part is what their containers reserve of it (cpu units,
 * memoryReservation or memory), the rest is the app's. ECS services running the task
 * definition give the number of tasks (their desiredCount). Read it after `app.synth()`
 * (the sidecars are added to the task at synthesis).
 *
 * @example
 * const report = new TaskCostReport(app, 'cost', { pricePerVcpuHour: 0.04048, pricePerGibHour: 0.004445 });
 * app.synth();
 * report.writeTo(app.outdir);
 */
export class TaskCostReport extends CostReport {
  private readonly props: TaskCostReportProps;

  constructor(scope: Construct, id: string, props: TaskCostReportProps = {}) {
    super(scope, id, props);
    checkPropTypes(this.node.path, props, { sidecars: 'array' });
    (props.sidecars ?? []).forEach((s, i) => {
      if (!(s instanceof TaskSidecars)) { throw Errors.invalidType(this.node.path, `sidecars[${i}]`, s, 'a TaskSidecars (TaskSidecars.of(taskDefinition))'); }
    });
    costPrices(this.node.path, props);
    this.props = props;
  }

  /** @internal */
  protected _workloads(): CostWorkload[] {
    const all = this.props.sidecars
      ?? this.node.root.node.findAll().filter((c): c is TaskSidecars => c instanceof TaskSidecars && c.sidecars.length > 0);
    return all.map(s => ecsCostWorkload(s, this.node.path));
  }
}
