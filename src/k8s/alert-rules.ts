import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GeneratedObject } from './generated-object';
import { checkObjectLabels, podNamePattern } from './prometheus-targets';
import { Matcher, minutes, vectorSelector } from './promql';
import { podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { StartupRole } from '../core/container';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/**
 * Props of {@link SidecarAlertRules}.
 */
export interface SidecarAlertRulesProps {
  /** The sidecars of the workload to alert on (`WorkloadSidecars.of(workload)`). */
  readonly sidecars: WorkloadSidecars;
  /**
   * Alert when a sidecar container's memory working set is above this percentage of its memory
   * limit (only for containers with a memory limit).
   * @default 90
   */
  readonly memoryLimitPercent?: number;
  /**
   * Alert when more than this percentage of a sidecar container's CFS periods were throttled
   * (only for containers with a CPU limit: without one nothing is throttled).
   * @default 25
   */
  readonly cpuThrottlingPercent?: number;
  /**
   * Alert when a sidecar container restarted at least this many times within `restartWindowMinutes`.
   * @default 3
   */
  readonly restartCount?: number;
  /**
   * The window of the restart alert, in minutes.
   * @default 15
   */
  readonly restartWindowMinutes?: number;
  /**
   * Alert when a sidecar container of a running pod has not been ready for this many minutes.
   * @default 10
   */
  readonly notReadyMinutes?: number;
  /**
   * How long the memory and CPU throttling conditions must hold before the alert fires, in minutes.
   * @default 15
   */
  readonly forMinutes?: number;
  /**
   * The `severity` label of every alert.
   * @default 'warning'
   */
  readonly severity?: string;
  /**
   * Labels of the PrometheusRule object, e.g. `{ release: 'kube-prometheus-stack' }` for a
   * Prometheus whose `ruleSelector` selects by label.
   * @default - only `app.kubernetes.io/managed-by: cdk-sidecars`
   */
  readonly labels?: { [key: string]: string };
}

/** One rule of the generated group. */
interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: { [key: string]: string };
  readonly annotations: { [key: string]: string };
}

/** Percent as a ratio with no floating-point noise (90 -> 0.9). */
const ratio = (percent: number) => Number((percent / 100).toPrecision(12));

/** The SidecarAlertRules of each workload: one per workload (they would write objects of one name). */
const alerted = new WeakMap<WorkloadSidecars, string>();

/**
 * A `PrometheusRule` (monitoring.coreos.com/v1) with the alerts every sidecar container needs,
 * one set per long-running sidecar container of the workload (label `container`):
 *
 * - `SidecarMemoryNearLimit`: working set (cAdvisor `container_memory_working_set_bytes`) over
 *   `memoryLimitPercent` of the limit (kube-state-metrics `*_resource_limits{resource="memory"}`),
 *   only for a container with a memory limit;
 * - `SidecarCpuThrottled`: throttled CFS periods over `cpuThrottlingPercent` (cAdvisor
 *   `container_cpu_cfs_throttled_periods_total / container_cpu_cfs_periods_total`), only for a
 *   container with a CPU limit;
 * - `SidecarRestarting`: `restartCount` restarts within `restartWindowMinutes`;
 * - `SidecarNotReady`: not ready for `notReadyMinutes` in a running pod.
 *
 * kube-state-metrics reports native sidecars (init containers with `restartPolicy: Always`) as
 * init containers: their series are `kube_pod_init_container_status_ready`,
 * `kube_pod_init_container_status_restarts_total` and `kube_pod_init_container_resource_limits`
 * (kubernetes/kube-state-metrics docs/metrics/workload/pod-metrics.md), and the rules use them
 * for a native sidecar and the `kube_pod_container_*` series for a classic one, as the workload
 * renders it. Init steps, which run to completion, get no alerts. Pods are matched by namespace
 * and by the names the workload's controller gives them, so the workload needs a namespace.
 *
 * @example
 * new SidecarAlertRules(chart, 'alerts', { sidecars: WorkloadSidecars.of(deployment), memoryLimitPercent: 85 });
 */
export class SidecarAlertRules extends Construct {
  /** The PrometheusRule. */
  public readonly prometheusRule: ApiObject;

  constructor(scope: Construct, id: string, props: SidecarAlertRulesProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      sidecars: 'object',
      memoryLimitPercent: 'number',
      cpuThrottlingPercent: 'number',
      restartCount: 'size',
      restartWindowMinutes: 'size',
      notReadyMinutes: 'size',
      forMinutes: 'count',
      severity: 'string',
      labels: 'stringMap',
    }, ['sidecars']);
    if (!(props.sidecars instanceof WorkloadSidecars)) {
      throw Errors.invalidType(path, 'sidecars', props.sidecars, 'a WorkloadSidecars (WorkloadSidecars.of(workload))');
    }
    for (const field of ['memoryLimitPercent', 'cpuThrottlingPercent'] as const) {
      const v = props[field];
      if (v !== undefined && !(v > 0 && v <= 100)) { throw Errors.invalidNumber(path, field, v, 'a percentage above 0 and at most 100'); }
    }
    checkObjectLabels(path, 'labels', props.labels);
    const other = alerted.get(props.sidecars);
    if (other !== undefined) {
      throw Errors.alreadySet(path, 'sidecars', props.sidecars.workload.node.path, `by ${other}, the SidecarAlertRules of that workload (one per workload: both would write one object name)`);
    }
    const severity = props.severity ?? 'warning';
    if (!/^[a-z][a-z0-9_-]{0,62}$/.test(severity)) {
      throw Errors.invalidName(path, 'severity', severity, 'a severity such as "warning" or "critical" (lowercase letters, digits, \'_\' and \'-\')');
    }
    const sidecars = props.sidecars;
    const workload = sidecars.workload;
    const namespace = workload.metadata.namespace;
    if (!namespace) {
      throw Errors.missingSetting(path, `${workload.node.path} metadata.namespace`,
        'the alert rules match the workload\'s pods by namespace and name, and Prometheus sees pods of every namespace',
        'Set the workload\'s namespace (metadata: { namespace: ... })');
    }
    const settings = {
      memory: ratio(props.memoryLimitPercent ?? 90),
      cpu: ratio(props.cpuThrottlingPercent ?? 25),
      restarts: props.restartCount ?? 3,
      restartWindow: minutes(props.restartWindowMinutes ?? 15),
      notReady: minutes(props.notReadyMinutes ?? 10),
      for: minutes(props.forMinutes ?? 15),
      severity,
    };
    const name = `${workload.name}-sidecars`.slice(0, 253);
    this.prometheusRule = new GeneratedObject(this, 'prometheus-rule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name, namespace, labels: { ...props.labels, 'app.kubernetes.io/managed-by': 'cdk-sidecars' } },
    }, () => ({ groups: [{ name, rules: this.rules(path, sidecars, namespace, settings) }] }));
    alerted.set(sidecars, path);
  }

  private rules(path: string, sidecars: WorkloadSidecars, namespace: string,
    s: { memory: number; cpu: number; restarts: number; restartWindow: string; notReady: string; for: string; severity: string }): AlertRule[] {
    const { json, pod } = sidecars._rendered();
    const spec = podTemplate(json).spec ?? {};
    const workload = sidecars.workload;
    const long = pod.containers.filter(c => c.role === StartupRole.SIDECAR);
    if (long.length === 0) {
      throw Errors.ineffectiveSetting(path, 'sidecars', workload.node.path, 'it has no long-running sidecar container to alert on (init steps run to completion)',
        'Attach a long-running sidecar, or remove the SidecarAlertRules');
    }
    const podPattern = podNamePattern(workload.kind, workload.name);
    const out: AlertRule[] = [];
    for (const c of long) {
      const rendered = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find((x: any) => x?.name === c.name) ?? {};
      // Native sidecars render as init containers; kube-state-metrics reports them under kube_pod_init_container_*.
      const ksm = (spec.initContainers ?? []).some((x: any) => x?.name === c.name) ? 'kube_pod_init_container' : 'kube_pod_container';
      const sel: Matcher[] = [['namespace', '=', namespace], ['pod', '=~', podPattern], ['container', '=', c.name]];
      const labels = { severity: s.severity, container: c.name };
      const what = `sidecar container ${c.name} of ${workload.kind} ${namespace}/${workload.name} (pod {{ $labels.pod }})`;
      const by = 'by (namespace, pod, container)';
      if (rendered.resources?.limits?.memory !== undefined) {
        out.push({
          alert: 'SidecarMemoryNearLimit',
          expr: `max ${by} (${vectorSelector('container_memory_working_set_bytes', sel)}) / on (namespace, pod, container) `
            + `max ${by} (${vectorSelector(`${ksm}_resource_limits`, [...sel, ['resource', '=', 'memory']])}) > ${s.memory}`,
          for: s.for,
          labels,
          annotations: { summary: `The memory working set of ${what} is above ${Math.round(s.memory * 1000) / 10}% of its limit: it will be OOM-killed when it reaches the limit.` },
        });
      }
      if (rendered.resources?.limits?.cpu !== undefined) {
        out.push({
          alert: 'SidecarCpuThrottled',
          expr: `sum ${by} (increase(${vectorSelector('container_cpu_cfs_throttled_periods_total', sel)}[5m])) / `
            + `sum ${by} (increase(${vectorSelector('container_cpu_cfs_periods_total', sel)}[5m])) > ${s.cpu}`,
          for: s.for,
          labels,
          annotations: { summary: `More than ${Math.round(s.cpu * 1000) / 10}% of the CPU periods of ${what} are throttled by its CPU limit.` },
        });
      }
      out.push({
        alert: 'SidecarRestarting',
        expr: `increase(${vectorSelector(`${ksm}_status_restarts_total`, sel)}[${s.restartWindow}]) >= ${s.restarts}`,
        labels,
        annotations: { summary: `${what} restarted at least ${s.restarts} times in ${s.restartWindow}.` },
      });
      out.push({
        alert: 'SidecarNotReady',
        // Only running pods: a finished pod (a Job's) keeps its stopped sidecars, which are not ready.
        expr: `(${vectorSelector(`${ksm}_status_ready`, sel)} == 0) and on (namespace, pod) `
          + `(${vectorSelector('kube_pod_status_phase', [['namespace', '=', namespace], ['pod', '=~', podPattern], ['phase', '=', 'Running']])} == 1)`,
        for: s.notReady,
        labels,
        annotations: { summary: `${what} has not been ready for ${s.notReady}.` },
      });
    }
    return out;
  }
}
