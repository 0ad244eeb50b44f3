import { Construct } from 'constructs';
import { AciContainerGroup } from './container-group';
import { CostBasis, CostContainer, CostLifecycle, CostWorkload, costPrices } from '../core/cost';
import { CostReport, CostReportOptions } from '../core/cost-options';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/** Props of a ContainerGroupCostReport. */
export interface ContainerGroupCostReportProps extends CostReportOptions {
  /**
   * The container groups to report on.
   * @default - every container group with sidecars in the app
   */
  readonly groups?: AciContainerGroup[];
}

const numberOf = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads one container group, as its ARM template has it, into the neutral model. */
export function aciCostWorkload(group: AciContainerGroup): CostWorkload {
  const { template, owners } = group._renderedWithOwners();
  const resource = template.resources[0];
  const read = (c: any, lifecycle: CostLifecycle): CostContainer => {
    const requests = c.properties?.resources?.requests ?? {};
    const cpu = numberOf(requests.cpu);
    const memory = numberOf(requests.memoryInGB);
    return {
      name: String(c.name),
      ...(owners.has(c.name) ? { sidecar: owners.get(c.name) } : {}),
      lifecycle,
      ...(cpu !== undefined ? { cpuMillicores: cpu * 1000 } : {}),
      // memoryInGB as the library writes it: MiB / 1024 (src/aci/render.ts gigabytes), so GB here is GiB.
      ...(memory !== undefined ? { memoryMebibytes: memory * 1024 } : {}),
    };
  };
  return {
    platform: 'aci',
    path: group.node.path,
    kind: 'container group',
    name: group.name,
    replicas: 1,
    replicasSource: 'one container group',
    // A group is given the sum of its containers' requests ("Resource allocation",
    // learn.microsoft.com/azure/container-instances/container-instances-container-groups), billed per
    // vCPU-second and GB-second (azure.microsoft.com/pricing/details/container-instances); init containers
    // have no resources of their own (ContainerInstance API 2025-09-01 InitContainerDefinition).
    basis: CostBasis.CONTAINER_REQUESTS,
    containers: [
      ...(resource.properties.initContainers ?? []).map((c: any) => read(c, CostLifecycle.INIT)),
      ...(resource.properties.containers ?? []).map((c: any) => read(c, CostLifecycle.REGULAR)),
    ],
  };
}

/**
 * The cost and overhead report of the sidecars of Azure Container Instances groups: the
 * CPU and memory their containers request (what the group is given and billed for) against
 * the app's, with a monthly cost when prices are given.
 *
 * @example
 * const report = new ContainerGroupCostReport(app, 'cost', { pricePerVcpuHour: 0.0405, pricePerGibHour: 0.00445 });
 * app.synth();
 * report.writeTo(app.outdir);
 */
export class ContainerGroupCostReport extends CostReport {
  private readonly props: ContainerGroupCostReportProps;

  constructor(scope: Construct, id: string, props: ContainerGroupCostReportProps = {}) {
    super(scope, id, props);
    checkPropTypes(this.node.path, props, { groups: 'array' });
    (props.groups ?? []).forEach((g, i) => {
      if (!(g instanceof AciContainerGroup)) { throw Errors.invalidType(this.node.path, `groups[${i}]`, g, 'an AciContainerGroup'); }
    });
    costPrices(this.node.path, props);
    this.props = props;
  }

  /** @internal */
  protected _workloads(): CostWorkload[] {
    const all = this.props.groups
      ?? this.node.root.node.findAll().filter((c): c is AciContainerGroup => c instanceof AciContainerGroup && c.sidecars.length > 0);
    return all.map(aciCostWorkload);
  }
}
