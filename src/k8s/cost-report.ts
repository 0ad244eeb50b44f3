import { Construct } from 'constructs';
import { INJECTED_ANNOTATION } from './render';
import { podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { CostBasis, CostContainer, CostLifecycle, CostWorkload, costPrices } from '../core/cost';
import { CostReport, CostReportOptions } from '../core/cost-options';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/** Props of a SidecarCostReport. */
export interface SidecarCostReportProps extends CostReportOptions {
  /**
   * The workloads to report on.
   * @default - every workload with sidecars in the app
   */
  readonly sidecars?: WorkloadSidecars[];
}

/** Decimal and binary suffixes of a Kubernetes quantity (k8s.io/apimachinery pkg/api/resource/quantity.go). */
const SUFFIX: { [suffix: string]: number } = {
  'n': 1e-9,
  'u': 1e-6,
  'm': 1e-3,
  '': 1,
  'k': 1e3,
  'M': 1e6,
  'G': 1e9,
  'T': 1e12,
  'P': 1e15,
  'E': 1e18,
  'Ki': 2 ** 10,
  'Mi': 2 ** 20,
  'Gi': 2 ** 30,
  'Ti': 2 ** 40,
  'Pi': 2 ** 50,
  'Ei': 2 ** 60,
};

/**
 * A Kubernetes quantity ("250m", "0.5", "128Mi", "1e9") as a number of base units; undefined
 * when the value is not a quantity.
 */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') { return Number.isFinite(value) ? value : undefined; }
  if (typeof value !== 'string') { return undefined; }
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(value.trim());
  if (!m) { return undefined; }
  const n = Number(m[1]);
  return m[2] ? n * 10 ** Number(m[2].slice(1)) : n * SUFFIX[m[3] ?? ''];
}

/**
 * What a container requests: `requests`, else `limits` (Kubernetes copies a limit given
 * without a request: kubernetes.io/docs/concepts/configuration/manage-resources-containers/,
 * "if you specify a limit for a resource, but do not specify any request").
 */
function requested(resources: any, name: string): number | undefined {
  return parseQuantity(resources?.requests?.[name] ?? resources?.limits?.[name]);
}

/** Replicas of a workload kind, from its JSON; undefined when the kind has no fixed count. */
function replicasOf(json: any): { replicas?: number; source: string } {
  switch (json.kind) {
    case 'Deployment': case 'StatefulSet': case 'ReplicaSet': case 'ReplicationController':
      // spec.replicas defaults to 1 (apps/v1 DeploymentSpec, StatefulSetSpec, ReplicaSetSpec).
      return typeof json.spec?.replicas === 'number' ? { replicas: json.spec.replicas, source: 'spec.replicas' } : { replicas: 1, source: 'spec.replicas unset (Kubernetes default 1)' };
    case 'Job':
      return { replicas: typeof json.spec?.parallelism === 'number' ? json.spec.parallelism : 1, source: 'spec.parallelism, while the Job runs' };
    case 'Pod':
      return { replicas: 1, source: 'a bare Pod' };
    case 'DaemonSet':
      return { source: 'a DaemonSet runs one pod per matching node, unknown at synthesis' };
    default:
      return { source: `a ${json.kind} runs pods on a schedule, unknown at synthesis` };
  }
}

/** Reads one injected workload into the neutral model. */
export function kubernetesCostWorkload(sidecars: WorkloadSidecars): CostWorkload {
  const { json, pod } = sidecars._rendered();
  const spec = podTemplate(json).spec ?? {};
  const owners = new Map(pod.containers.map(c => [c.name, c.owner.path]));
  // The containers the binder adds for the pod (the redirect init of a traffic interception) are
  // listed in the injected annotation with the sidecars' own: they belong to the intercepting sidecar.
  const injected = String(podTemplate(json).metadata?.annotations?.[INJECTED_ANNOTATION] ?? '').split(',').filter(n => n);
  for (const name of injected) {
    if (!owners.has(name)) { owners.set(name, pod.trafficInterception?.owner.path ?? sidecars.workload.node.path); }
  }
  const read = (c: any, lifecycle: CostLifecycle): CostContainer => ({
    name: String(c.name),
    ...(owners.has(c.name) ? { sidecar: owners.get(c.name) } : {}),
    lifecycle,
    cpuMillicores: scaled(requested(c.resources, 'cpu'), 1000),
    memoryMebibytes: scaled(requested(c.resources, 'memory'), 1 / 2 ** 20),
  });
  const { replicas, source } = replicasOf(json);
  return {
    platform: 'kubernetes',
    path: sidecars.workload.node.path,
    kind: String(json.kind),
    name: String(json.metadata?.name ?? sidecars.workload.name),
    ...(replicas !== undefined ? { replicas } : {}),
    replicasSource: source,
    basis: CostBasis.EFFECTIVE_POD_REQUEST,
    containers: [
      ...(spec.initContainers ?? []).map((c: any) => read(c, c.restartPolicy === 'Always' ? CostLifecycle.RESTARTABLE_INIT : CostLifecycle.INIT)),
      ...(spec.containers ?? []).map((c: any) => read(c, CostLifecycle.REGULAR)),
    ],
  };
}

const scaled = (n: number | undefined, factor: number) => (n === undefined ? undefined : n * factor);

/**
 * The cost and overhead report of the sidecars of Kubernetes workloads: per workload and in
 * total, the CPU and memory the sidecars add to the pod's effective request (what the
 * scheduler reserves, native sidecars and init containers counted as Kubernetes counts them)
 * compared with the app, per replica and for all replicas, with a monthly cost when prices
 * are given. It creates no Kubernetes object: call `writeTo(dir)` (JSON, Markdown and CSV)
 * or read `toJson()`, `toMarkdown()`, `toCsv()` once the app is built.
 *
 * @example
 * const report = new SidecarCostReport(chart, 'cost', { pricePerVcpuHour: 0.04, pricePerGibHour: 0.005 });
 * app.synth();
 * report.writeTo(app.outdir);
 */
export class SidecarCostReport extends CostReport {
  private readonly props: SidecarCostReportProps;

  constructor(scope: Construct, id: string, props: SidecarCostReportProps = {}) {
    super(scope, id, props);
    checkPropTypes(this.node.path, props, { sidecars: 'array' });
    (props.sidecars ?? []).forEach((s, i) => {
      if (!(s instanceof WorkloadSidecars)) { throw Errors.invalidType(this.node.path, `sidecars[${i}]`, s, 'a WorkloadSidecars (WorkloadSidecars.of(workload))'); }
    });
    costPrices(this.node.path, props);
    this.props = props;
  }

  /** @internal */
  protected _workloads(): CostWorkload[] {
    const all = this.props.sidecars
      ?? WorkloadSidecars.allIn(this.node.root).filter(c => c.sidecars.length > 0);
    return all.map(kubernetesCostWorkload);
  }
}
