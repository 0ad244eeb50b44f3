/**
 * Options of the cost and overhead reports (k8s.SidecarCostReport, ecs.TaskCostReport,
 * aci.ContainerGroupCostReport) and what they share; the report itself is src/core/cost.ts.
 */
import { Construct } from 'constructs';
import { CostWorkload, costCsv, costMarkdown, costPrices, costReport, writeCostReport } from './cost';
import { Errors } from './errors';

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

/**
 * What the cost reports of every platform share: the report as JSON, Markdown and CSV, and the
 * files. Each platform's report (k8s.SidecarCostReport, ecs.TaskCostReport,
 * aci.ContainerGroupCostReport) says which workloads it reads.
 */
export abstract class CostReport extends Construct {
  private readonly costOptions: CostReportOptions;

  protected constructor(scope: Construct, id: string, options: CostReportOptions) {
    super(scope, id);
    this.costOptions = options;
  }

  /** The report as a JSON value (format `cdk-sidecars/cost-report/v1`). */
  public toJson(): any {
    return costReport(this._workloads(), costPrices(this.node.path, this.costOptions));
  }

  /** The report as Markdown. */
  public toMarkdown(): string {
    return costMarkdown(this.toJson());
  }

  /** The report as CSV (RFC 4180). */
  public toCsv(): string {
    return costCsv(this.toJson());
  }

  /**
   * Writes `<fileName>.json`, `<fileName>.md` and `<fileName>.csv` into `dir`.
   * @returns the files written
   */
  public writeTo(dir: string): string[] {
    if (typeof dir !== 'string' || dir === '') { throw Errors.invalidType(this.node.path, 'dir', dir, 'a folder path'); }
    return writeCostReport(dir, costPrices(this.node.path, this.costOptions).fileName, this.toJson());
  }

  /** The workloads the report covers, read when it is made. @internal */
  protected abstract _workloads(): CostWorkload[];
}
