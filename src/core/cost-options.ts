/**
 * Options of the cost and overhead reports (k8s.SidecarCostReport, ecs.TaskCostReport,
 * aci.ContainerGroupCostReport); the report itself is src/core/cost.ts.
 */

/**
 * Options shared by the cost reports of every platform.
 */
export interface CostReportOptions {
  /**
   * Price of one vCPU for one hour (in `currency`); with `pricePerGibHour` the report gives a
   * monthly cost.
   * @default - no price: the report gives resources only
   */
  readonly pricePerVcpuHour?: number;
  /**
   * Price of one GiB of memory for one hour (in `currency`).
   * @default - no price: the report gives resources only
   */
  readonly pricePerGibHour?: number;
  /**
   * Hours in a month, for the monthly cost.
   * @default 730
   */
  readonly hoursPerMonth?: number;
  /**
   * Currency the prices are in, written next to the costs (ISO 4217 code).
   * @default "USD"
   */
  readonly currency?: string;
  /**
   * Base name of the files `writeTo` writes (`<fileName>.json`, `.md`, `.csv`).
   * @default "sidecar-cost"
   */
  readonly fileName?: string;
}
