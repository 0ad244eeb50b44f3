import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GeneratedObject } from './generated-object';
import { checkObjectLabels, metricsEndpoints, podLabels } from './prometheus-targets';
import { relabelLiteral } from './promql';
import { WorkloadSidecars } from './workload-sidecars';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';

/** Label of the managed objects (the convention of the constructs generated around a workload). */
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'cdk-sidecars' };

/** How Prometheus finds the sidecars' metrics endpoints. */
export enum ScrapeMethod {
  /** A `PodMonitor` (Prometheus Operator) with an endpoint per sidecar metrics port. */
  POD_MONITOR = 'POD_MONITOR',
  /**
   * `prometheus.io/scrape`, `port`, `path` and `scheme` annotations on the pod template, read by the
   * `kubernetes-pods` scrape job of the community Prometheus chart (prometheus-community/helm-charts
   * charts/prometheus values.yaml; Prometheus' own example config uses example.io/* keys). They name
   * one port per pod: the pod must have one sidecar metrics port, or `annotatedContainer` must choose one.
   */
  ANNOTATIONS = 'ANNOTATIONS',
}

/**
 * Props of {@link SidecarMonitoring}.
 */
export interface SidecarMonitoringProps {
  /** The sidecars of the workload whose sidecar metrics are scraped (`WorkloadSidecars.of(workload)`). */
  readonly sidecars: WorkloadSidecars;
  /**
   * How often Prometheus scrapes each endpoint, in seconds (`podMetricsEndpoints[].interval`).
   * @default - Prometheus' global `scrape_interval`
   */
  readonly scrapeIntervalSeconds?: number;
  /**
   * Labels of the PodMonitor object, e.g. `{ release: 'kube-prometheus-stack' }` for a Prometheus
   * whose `podMonitorSelector` selects by label.
   * @default - only `app.kubernetes.io/managed-by: cdk-sidecars`
   */
  readonly labels?: { [key: string]: string };
  /**
   * How Prometheus finds the endpoints.
   * @default ScrapeMethod.POD_MONITOR
   */
  readonly method?: ScrapeMethod;
  /**
   * With `ScrapeMethod.ANNOTATIONS`: the sidecar container whose metrics port the annotations name
   * (the others are not scraped).
   * @default - the pod's only sidecar metrics port (an error when there are several)
   */
  readonly annotatedContainer?: string;
}

/** The SidecarMonitoring of each workload: one per workload (they would write objects of one name). */
const monitored = new WeakMap<WorkloadSidecars, string>();

/**
 * Prometheus scraping of a workload's sidecars: a `PodMonitor` (monitoring.coreos.com/v1, the
 * Prometheus Operator) with one `podMetricsEndpoints` entry per sidecar metrics port, each
 * naming its port, path and scheme, and labelled with the sidecar's container (`container`) and
 * construct path (`sidecar`).
 *
 * What each built-in sidecar serves: Envoy `/stats/prometheus` on 15090, Fluent Bit
 * `/api/v2/metrics/prometheus` on 2020, OPA `/metrics` on its diagnostic port 8282, Dapr `/`
 * on 9090 (when metrics are on), the OTel Collector `/metrics` on 8888 (with `exposeTelemetry`)
 * and on its Prometheus exporter's port. The Vault agent's metrics are on its listener, which is
 * bound to 127.0.0.1, and the X-Ray daemon has none: neither is scraped. A generic `Sidecar`
 * declares its own with `ContainerPortSpec.metricsPath`.
 *
 * Why a PodMonitor: `prometheus.io/*` pod annotations name one port per pod, and a pod with
 * sidecars has several metrics ports; a ServiceMonitor needs a Service whose ports include
 * every sidecar's, which the workload's Service does not have. Native sidecars (init
 * containers) are discovered too: Prometheus' pod role lists init containers' ports
 * (labelled `__meta_kubernetes_pod_container_init`: prometheus/prometheus discovery/kubernetes/pod.go).
 *
 * @example
 * new SidecarMonitoring(chart, 'monitoring', { sidecars: WorkloadSidecars.of(deployment) });
 */
export class SidecarMonitoring extends Construct {
  /** The PodMonitor (with `ScrapeMethod.POD_MONITOR`). */
  public readonly podMonitor?: ApiObject;

  constructor(scope: Construct, id: string, props: SidecarMonitoringProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      sidecars: 'object', scrapeIntervalSeconds: 'size', labels: 'stringMap', method: { enum: ScrapeMethod }, annotatedContainer: 'string',
    }, ['sidecars']);
    if (!(props.sidecars instanceof WorkloadSidecars)) {
      throw Errors.invalidType(path, 'sidecars', props.sidecars, 'a WorkloadSidecars (WorkloadSidecars.of(workload))');
    }
    checkObjectLabels(path, 'labels', props.labels);
    const other = monitored.get(props.sidecars);
    if (other !== undefined) {
      throw Errors.alreadySet(path, 'sidecars', props.sidecars.workload.node.path, `by ${other}, the SidecarMonitoring of that workload (one per workload: both would write one object name)`);
    }
    const sidecars = props.sidecars;
    const workload = sidecars.workload;
    const interval = props.scrapeIntervalSeconds;
    if ((props.method ?? ScrapeMethod.POD_MONITOR) === ScrapeMethod.ANNOTATIONS) {
      for (const field of ['scrapeIntervalSeconds', 'labels'] as const) {
        if (props[field] !== undefined) {
          throw Errors.ineffectiveSetting(path, field, props[field], 'scrape annotations carry no interval and make no object to label', 'Leave it out, or use ScrapeMethod.POD_MONITOR');
        }
      }
      monitored.set(sidecars, path);
      sidecars._addPodAnnotations(path, pod => scrapeAnnotations(path, sidecars.workload.node.path, pod.containers, props.annotatedContainer));
      return;
    }
    if (props.annotatedContainer !== undefined) {
      throw Errors.ineffectiveSetting(path, 'annotatedContainer', props.annotatedContainer, 'a PodMonitor scrapes every sidecar metrics port', 'Leave it out, or use ScrapeMethod.ANNOTATIONS');
    }
    this.podMonitor = new GeneratedObject(this, 'pod-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: {
        name: `${workload.name}-sidecars`.slice(0, 253),
        namespace: workload.metadata.namespace,
        labels: { ...props.labels, ...MANAGED_BY },
      },
    }, () => {
      const { json, pod } = sidecars._rendered();
      const selector = podLabels(json);
      if (!selector) {
        throw Errors.ineffectiveSetting(path, 'sidecars', sidecars.workload.node.path, 'a PodMonitor selects pods by label, and this workload has no label selector '
              + '(spec.selector.matchLabels) and no pod template labels', 'Give the workload\'s pods a label (e.g. app: <name>)');
      }
      const endpoints = metricsEndpoints(pod.containers);
      if (endpoints.length === 0) {
        throw Errors.ineffectiveSetting(path, 'sidecars', sidecars.workload.node.path,
          `none of its sidecars (${pod.sidecars.map(s => s.path).join(', ') || 'none'}) serves Prometheus metrics on a port reachable from outside the pod`,
          'Attach a sidecar with a metrics port (e.g. Envoy, OPA, Fluent Bit, Dapr, or the OTel Collector with exposeTelemetry), or remove the SidecarMonitoring');
      }
      return {
        selector: { matchLabels: selector },
        podMetricsEndpoints: endpoints.map(e => ({
          port: e.port.name,
          path: e.port.metricsPath,
          scheme: 'http',
          ...(interval !== undefined ? { interval: `${interval}s` } : {}),
          relabelings: [
            { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_container_name'], targetLabel: 'container' },
            { action: 'replace', targetLabel: 'sidecar', replacement: relabelLiteral(e.sidecarPath) },
          ],
        })),
      };
    });
    monitored.set(sidecars, path);
  }
}

/**
 * The `prometheus.io/*` annotations of the one metrics port scraped (the keys the kubernetes-pods
 * job of the prometheus-community chart relabels: `__meta_kubernetes_pod_annotation_prometheus_io_scrape`,
 * `_scheme`, `_path`, `_port`).
 */
function scrapeAnnotations(path: string, workloadPath: string, containers: Parameters<typeof metricsEndpoints>[0],
  chosen: string | undefined): { [key: string]: string } {
  const all = metricsEndpoints(containers);
  const endpoints = chosen === undefined ? all : all.filter(e => e.container.name === chosen);
  if (chosen !== undefined && endpoints.length === 0) {
    throw Errors.unknownReference(path, 'annotatedContainer', chosen, 'sidecar container with a metrics port', workloadPath, [...new Set(all.map(e => e.container.name))]);
  }
  if (endpoints.length === 0) {
    throw Errors.ineffectiveSetting(path, 'sidecars', workloadPath, 'none of its sidecars serves Prometheus metrics on a port reachable from outside the pod',
      'Attach a sidecar with a metrics port (e.g. Envoy, OPA, Fluent Bit, Dapr, or the OTel Collector with exposeTelemetry), or remove the SidecarMonitoring');
  }
  if (endpoints.length > 1) {
    throw Errors.ineffectiveSetting(path, chosen === undefined ? 'method' : 'annotatedContainer', chosen ?? ScrapeMethod.ANNOTATIONS,
      `scrape annotations name one port per pod, and ${workloadPath} has ${endpoints.length} sidecar metrics ports (${endpoints.map(e => `${e.container.name}:${e.port.port}`).join(', ')})`,
      'Choose one container with annotatedContainer, or use ScrapeMethod.POD_MONITOR to scrape them all');
  }
  const e = endpoints[0];
  return { 'prometheus.io/scrape': 'true', 'prometheus.io/scheme': 'http', 'prometheus.io/path': e.port.metricsPath, 'prometheus.io/port': String(e.port.port) };
}
