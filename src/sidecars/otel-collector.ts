import { Construct } from 'constructs';
import { OTLP_OFFER } from './capabilities';
import {
  ContainerPortSpec, ContainerSpec, EnvVarSpec, PortExposure, Protocol, ResourceRequirements, SecretKeyReference, StartupRole, WaitCondition,
} from '../core/container';
import { CloudPermission, CloudProvider, CompositionContext, ISidecar, SidecarContribution, WorkloadIdentity } from '../core/contribution';
import { endpointOf, endpoints } from '../core/endpoints';
import { Errors } from '../core/errors';
import { DNS_LABEL, generatedFileOrigins, isImageReference, portOrigins, UID_ORIGIN } from '../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../core/overrides';
import { Probe } from '../core/probe';
import { PropType, RESOURCE_TYPES, SECRET_REF_MAP, checkPropTypes, checkSecretRef, rememberProps } from '../core/prop-types';
import { resolveContribution, withDefaultResources } from '../core/resolve';
import { hideTokens, isOnlyToken, literalParts, literalPartsPass, splitTokens } from '../core/tokens';
import { VolumeKind, VolumeMountSpec, VolumeSpec } from '../core/volume';
import { toYamlText } from '../core/yaml-writer';
import {
  CollectorParts, K8S_ENV, OtelAttributeAction, OtelAttributeActionType, OtelDatadogExporter, OtelDebugExtension, OtelElasticsearchExporter,
  OtelExporterDelivery, OtelFilelogReceiver, OtelFilelogStartAt, OtelFilter, OtelJaegerProtocol, OtelJaegerReceiver, OtelK8sAttributes,
  OtelOttlContext, OtelOttlErrorMode, OtelProbabilisticSampler, OtelPrometheusRemoteWriteExporter, OtelResourceDetection, OtelResourceDetector,
  OtelSpanStatusCode, OtelStatsdReceiver, OtelTailSampling, OtelTailSamplingPolicy, OtelTailSamplingPolicyType, OtelTransform,
  OtelTransformStatements, OtelZipkinReceiver,
} from './otel/components';
import { OtelSdkOptions, SDK_OPTION_TYPES, sdkEnv } from './otel/sdk';
import { declareDeterministic } from '../core/composition';

/** Which build of the OpenTelemetry Collector runs. */
export enum OtelCollectorDistribution {
  /**
   * The upstream contrib distribution (`otel/opentelemetry-collector-contrib`). Its image
   * holds only the collector binary: ECS cannot run a health check in it (see `appWaitsFor`).
   */
  CONTRIB = 'CONTRIB',
  /**
   * AWS Distro for OpenTelemetry (`public.ecr.aws/aws-observability/aws-otel-collector`),
   * which ships a `/healthcheck` binary that ECS runs as the container health check.
   */
  AWS_DISTRO = 'AWS_DISTRO',
}

/** The OTLP transport. */
export enum OtelProtocol {
  /** OTLP over gRPC (port 4317). */
  GRPC = 'grpc',
  /** OTLP over HTTP with protobuf bodies (port 4318). */
  HTTP_PROTOBUF = 'http/protobuf',
}

/** A telemetry signal: one collector pipeline each. */
export enum OtelSignal {
  /** Traces. */
  TRACES = 'traces',
  /** Metrics. */
  METRICS = 'metrics',
  /** Logs. */
  LOGS = 'logs',
}

/** How much the debug exporter prints. */
export enum OtelDebugVerbosity {
  /** One summary line per batch. */
  BASIC = 'basic',
  /** One line per record. */
  NORMAL = 'normal',
  /** Every field of every record. */
  DETAILED = 'detailed',
}

/**
 * An OTLP exporter (`otlp_grpc` or `otlp_http` in the collector configuration).
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector/tree/main/exporter/otlpexporter
 */
export interface OtelOtlpExporter {
  /**
   * Name that tells two OTLP exporters of one protocol apart (`otlp_grpc/<name>`).
   * @default - no name (`otlp_grpc` or `otlp_http`)
   */
  readonly name?: string;
  /**
   * Where to send: `host:port` or `https://host:port` for gRPC; the base URL for HTTP
   * (e.g. `https://otlp.example.com:4318`, the exporter appends `/v1/traces` etc.).
   */
  readonly endpoint: string;
  /**
   * The transport to the backend.
   * @default OtelProtocol.GRPC
   */
  readonly protocol?: OtelProtocol;
  /**
   * gRPC only: connect without TLS (`tls.insecure`). For HTTP the URL scheme decides.
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * Headers sent with every request (written into the collector configuration: never
   * put credentials here, use `secretHeaders`).
   * @default - none
   */
  readonly headers?: { [name: string]: string };
  /**
   * Headers whose values come from a secret: the collector container gets the value in
   * an environment variable and the configuration refers to it (`${env:...}`), so the
   * generated file holds no credential.
   * @default - none
   */
  readonly secretHeaders?: { [name: string]: SecretKeyReference };
  /**
   * The signals this exporter takes.
   * @default - traces, metrics and logs
   */
  readonly signals?: OtelSignal[];
  /**
   * TLS files, an authenticator (bearer token, OAuth2, SigV4), the queue and retries.
   * @default - none (the exporter's defaults)
   */
  readonly delivery?: OtelExporterDelivery;
}

/**
 * The Prometheus exporter: the collector serves the metrics it received for scraping.
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/exporter/prometheusexporter
 */
export interface OtelPrometheusExporter {
  /**
   * Port of the scrape endpoint (on 0.0.0.0, exposed).
   * @default 8889
   */
  readonly port?: number;
  /**
   * Prefix of every metric name (the exporter's `namespace`).
   * @default - none
   */
  readonly metricNamespace?: string;
}

/**
 * The debug exporter: records are printed to the collector's output.
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector/tree/main/exporter/debugexporter
 */
export interface OtelDebugExporter {
  /**
   * How much is printed.
   * @default OtelDebugVerbosity.BASIC
   */
  readonly verbosity?: OtelDebugVerbosity;
  /**
   * The signals it prints.
   * @default - traces, metrics and logs
   */
  readonly signals?: OtelSignal[];
}

/**
 * The AWS X-Ray exporter (contrib and ADOT): traces to X-Ray with `PutTraceSegments`,
 * the replacement for the X-Ray daemon. The pod's AWS identity needs the X-Ray write
 * permissions, which the sidecar declares (ECS grants them to the task role).
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/exporter/awsxrayexporter
 */
export interface OtelAwsXrayExporter {
  /**
   * AWS region of X-Ray.
   * @default - the AWS SDK's resolution (AWS_REGION, task metadata)
   */
  readonly region?: string;
  /**
   * Span and resource attributes turned into X-Ray annotations (searchable).
   * @default - none
   */
  readonly indexedAttributes?: string[];
  /**
   * Turn every attribute into an annotation.
   * @default false
   */
  readonly indexAllAttributes?: boolean;
}

/**
 * The AWS CloudWatch EMF exporter (contrib and ADOT): metrics to CloudWatch as embedded
 * metric format log events (`PutLogEvents`). The pod's AWS identity needs CloudWatch Logs
 * permissions, which the sidecar declares.
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/exporter/awsemfexporter
 */
export interface OtelAwsEmfExporter {
  /**
   * AWS region of CloudWatch.
   * @default - the AWS SDK's resolution (AWS_REGION, task metadata)
   */
  readonly region?: string;
  /**
   * CloudWatch metrics namespace (the exporter's `namespace`).
   * @default - the exporter's ("default")
   */
  readonly metricNamespace?: string;
  /**
   * Log group the events go to.
   * @default - the exporter's ("/metrics/default")
   */
  readonly logGroupName?: string;
  /**
   * Log stream the events go to.
   * @default - the exporter's ("otel-stream")
   */
  readonly logStreamName?: string;
}

/**
 * A Prometheus scrape job of the collector's `prometheus` receiver (its metrics join the
 * metrics pipeline).
 *
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#scrape_config
 */
export interface OtelPrometheusScrapeConfig {
  /** Job name (letters, digits, '_', '-', '.'), unique among the scrape configs. */
  readonly jobName: string;
  /** Targets as `host:port`, e.g. `127.0.0.1:8080` for the app's metrics in the same pod. */
  readonly targets: string[];
  /**
   * Seconds between scrapes.
   * @default 30
   */
  readonly scrapeIntervalSeconds?: number;
  /**
   * Seconds after which a scrape fails; at most the interval.
   * @default - Prometheus's (10 s, or the interval when shorter)
   */
  readonly scrapeTimeoutSeconds?: number;
  /**
   * HTTP path of the metrics.
   * @default '/metrics'
   */
  readonly metricsPath?: string;
}

/**
 * Settings of the `memory_limiter` processor, the first processor of every pipeline. Its
 * percentages are of the collector container's memory limit (`resources.memoryLimitMebibytes`,
 * which the collector reads from its cgroup): above `limitPercentage - spikeLimitPercentage`
 * it refuses data (the app's exporter retries), above `limitPercentage` it forces a GC.
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector/tree/main/processor/memorylimiterprocessor
 */
export interface OtelMemoryLimiter {
  /**
   * Render the processor.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Seconds between memory measurements (upstream recommends 1 s).
   * @default 1
   */
  readonly checkIntervalSeconds?: number;
  /**
   * Hard limit, percent of the container memory limit.
   * @default 80 (as the OpenTelemetry Helm chart)
   */
  readonly limitPercentage?: number;
  /**
   * Headroom for spikes between measurements, percent of the container memory limit;
   * below `limitPercentage`.
   * @default 25 (as the OpenTelemetry Helm chart)
   */
  readonly spikeLimitPercentage?: number;
}

/**
 * Settings of the `batch` processor, the last processor of every pipeline.
 *
 * @see https://github.com/open-telemetry/opentelemetry-collector/tree/main/processor/batchprocessor
 */
export interface OtelBatchOptions {
  /**
   * Milliseconds after which a batch is sent whatever its size.
   * @default - the processor's (200 ms)
   */
  readonly timeoutMilliseconds?: number;
  /**
   * Number of records after which a batch is sent.
   * @default - the processor's (8192)
   */
  readonly sendBatchSize?: number;
}

/** Props of an OpenTelemetry Collector sidecar. */
export interface OtelCollectorSidecarProps extends BuiltInSidecarProps {
  /**
   * Container name.
   * @default 'otel-collector'
   */
  readonly name?: string;
  /**
   * The collector build.
   * @default OtelCollectorDistribution.CONTRIB
   */
  readonly distribution?: OtelCollectorDistribution;
  /**
   * Image (pin a digest here); its entrypoint must match `distribution`.
   * @default - 'otel/opentelemetry-collector-contrib:0.162.0' (CONTRIB) or
   * 'public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0' (AWS_DISTRO)
   */
  readonly image?: string;
  /**
   * UID and GID of the collector.
   * @default 4317
   */
  readonly uid?: number;
  /**
   * OTLP exporters (gRPC or HTTP).
   * @default - none
   */
  readonly otlpExporters?: OtelOtlpExporter[];
  /**
   * A Prometheus scrape endpoint for the metrics (`prometheus` exporter on 0.0.0.0:8889, exposed).
   * @default - none
   */
  readonly prometheusExporter?: OtelPrometheusExporter;
  /**
   * Print the records to the collector's output (`debug` exporter).
   * @default - none
   */
  readonly debugExporter?: OtelDebugExporter;
  /**
   * Traces to AWS X-Ray (`awsxray` exporter).
   * @default - none
   */
  readonly awsXrayExporter?: OtelAwsXrayExporter;
  /**
   * Metrics to CloudWatch (`awsemf` exporter).
   * @default - none
   */
  readonly awsEmfExporter?: OtelAwsEmfExporter;
  /**
   * Prometheus scrape jobs (`prometheus` receiver), e.g. of the app's own `/metrics`.
   * @default - none
   */
  readonly prometheusScrapeConfigs?: OtelPrometheusScrapeConfig[];
  /**
   * The signals the collector takes from the app: one pipeline each. Every signal listed
   * needs an exporter that takes it.
   * @default - every signal that at least one exporter takes
   */
  readonly signals?: OtelSignal[];
  /**
   * `service.name` resource attribute set on everything that passes (`resource` processor, upsert).
   * @default - not set (the app's own)
   */
  readonly serviceName?: string;
  /**
   * More resource attributes set on everything that passes (upsert).
   * @default - none
   */
  readonly resourceAttributes?: { [key: string]: string };
  /**
   * Set `k8s.pod.name` from the pod's name (env `POD_NAME` from the downward API).
   * Kubernetes only: ECS and ACI have no pod fields and refuse it.
   * @default false
   */
  readonly podNameAttribute?: boolean;
  /**
   * The memory limiter.
   * @default - on: check every 1 s, 80 % hard limit, 25 % spike of the container memory limit
   */
  readonly memoryLimiter?: OtelMemoryLimiter;
  /**
   * The batch processor.
   * @default - the processor's defaults
   */
  readonly batch?: OtelBatchOptions;
  /**
   * Give the app containers `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_EXPORTER_OTLP_PROTOCOL`
   * pointing at this collector. An app container that sets them to something else is a
   * composition error; set false to leave the app's settings alone.
   * @default true
   */
  readonly appEnv?: boolean;
  /**
   * The protocol the app is told to use.
   * @default OtelProtocol.GRPC
   */
  readonly appProtocol?: OtelProtocol;
  /**
   * App containers that get the environment.
   * @default - every app container
   */
  readonly appContainers?: string[];
  /**
   * More OpenTelemetry SDK settings for the app containers (the operator's
   * `instrumentation.opentelemetry.io/inject-sdk`): `OTEL_SERVICE_NAME`,
   * `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_PROPAGATORS`, the sampler and more variables. Needs `appEnv`.
   * @default - none
   */
  readonly appSdk?: OtelSdkOptions;
  /**
   * What the app waits for before it starts. HEALTHY needs a health check the platform
   * can run: on ECS that is the AWS distro's `/healthcheck` (or `healthCommand`); with
   * the contrib image on ECS use STARTED.
   * @default WaitCondition.HEALTHY
   */
  readonly appWaitsFor?: WaitCondition;
  /**
   * Command ECS runs inside the container as its health check.
   * @default - `/healthcheck --port <healthCheckPort>` for AWS_DISTRO; none for CONTRIB
   */
  readonly healthCommand?: string[];
  /**
   * Port of the OTLP/gRPC receiver (on 127.0.0.1).
   * @default 4317
   */
  readonly otlpGrpcPort?: number;
  /**
   * Port of the OTLP/HTTP receiver (on 127.0.0.1).
   * @default 4318
   */
  readonly otlpHttpPort?: number;
  /**
   * Port of the `health_check` extension (on 0.0.0.0, exposed; the probes use it).
   * @default 13133
   */
  readonly healthCheckPort?: number;
  /**
   * Port of the collector's own metrics (Prometheus, on 127.0.0.1).
   * @default 8888
   */
  readonly telemetryPort?: number;
  /**
   * CPU and memory. The memory limit is what the memory limiter's percentages and
   * GOMEMLIMIT (80 % of it) are taken of.
   * @default - requests 100m and 128 MiB, memory limit 512 MiB, no CPU limit
   */
  readonly resources?: ResourceRequirements;
  /**
   * Collector feature gates (`--feature-gates=a,-b`): an id enables the gate, `-id` disables it.
   * @default - none
   */
  readonly featureGates?: string[];
  /**
   * Serve the collector's own metrics on 0.0.0.0 at `telemetryPort` and declare the port
   * (EXPOSED), so that a scraper outside the pod (Prometheus, a PodMonitor) reaches them.
   * @default false (127.0.0.1 only)
   */
  readonly exposeTelemetry?: boolean;
  /**
   * Add `k8s.pod.name`, `k8s.pod.uid`, `k8s.namespace.name` and `k8s.node.name` from the
   * downward API to everything that passes (`resource` processor), as the operator's sidecar
   * does (pkg/sidecar/attributes.go). Kubernetes only: ECS and ACI refuse pod fields.
   * @default false
   */
  readonly kubernetesAttributes?: boolean;
  /**
   * The `jaeger` receiver on 127.0.0.1 (traces).
   * @default - none
   */
  readonly jaegerReceiver?: OtelJaegerReceiver;
  /**
   * The `zipkin` receiver on 127.0.0.1 (traces).
   * @default - none
   */
  readonly zipkinReceiver?: OtelZipkinReceiver;
  /**
   * The `statsd` receiver on 127.0.0.1 UDP (metrics).
   * @default - none
   */
  readonly statsdReceiver?: OtelStatsdReceiver;
  /**
   * The `filelog` receiver on a log volume shared with the app (logs).
   * @default - none
   */
  readonly filelogReceiver?: OtelFilelogReceiver;
  /**
   * The `k8sattributes` processor (Kubernetes only; RBAC made for it).
   * @default - none
   */
  readonly k8sAttributes?: OtelK8sAttributes;
  /**
   * The `resourcedetection` processor.
   * @default - none
   */
  readonly resourceDetection?: OtelResourceDetection;
  /**
   * Actions of the `attributes` processor on span, log and data point attributes.
   * @default - none
   */
  readonly attributeActions?: OtelAttributeAction[];
  /**
   * The `transform` processor (OTTL statements).
   * @default - none
   */
  readonly transform?: OtelTransform;
  /**
   * The `filter` processor (OTTL conditions; what matches is dropped).
   * @default - none
   */
  readonly filter?: OtelFilter;
  /**
   * The `probabilistic_sampler` processor (traces and logs).
   * @default - none
   */
  readonly probabilisticSampler?: OtelProbabilisticSampler;
  /**
   * The `tail_sampling` processor (traces).
   * @default - none
   */
  readonly tailSampling?: OtelTailSampling;
  /**
   * Metrics to a Prometheus remote write endpoint (`prometheusremotewrite`).
   * @default - none
   */
  readonly prometheusRemoteWriteExporter?: OtelPrometheusRemoteWriteExporter;
  /**
   * Data to Datadog (`datadog` exporter). For Loki, use an `otlpExporters` entry with
   * protocol HTTP to Loki's OTLP endpoint (`http://loki:3100/otlp`).
   * @default - none
   */
  readonly datadogExporter?: OtelDatadogExporter;
  /**
   * Data to Elasticsearch (`elasticsearch` exporter).
   * @default - none
   */
  readonly elasticsearchExporter?: OtelElasticsearchExporter;
  /**
   * The `pprof` extension on 127.0.0.1 (Go profiles).
   * @default - none
   */
  readonly pprofExtension?: OtelDebugExtension;
  /**
   * The `zpages` extension on 127.0.0.1 (live pipeline pages).
   * @default - none
   */
  readonly zpagesExtension?: OtelDebugExtension;
}

/** @see https://github.com/open-telemetry/opentelemetry-collector-releases/releases (0.162.0, checked 2026-11-26) */
const CONTRIB_IMAGE = 'otel/opentelemetry-collector-contrib:0.162.0';
/** @see https://github.com/aws-observability/aws-otel-collector/releases (v0.50.0, on upstream 0.158, checked 2026-11-26) */
const ADOT_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0';
const CONFIG_DIR = '/etc/otelcol';
const CONFIG_FILE = 'config.yaml';
const ALL_SIGNALS = [OtelSignal.TRACES, OtelSignal.METRICS, OtelSignal.LOGS];
/** The names of the OTLP exporters since collector 0.144 (`otlp` and `otlphttp` are deprecated aliases). */
const OTLP_TYPE: { [p: string]: string } = { [OtelProtocol.GRPC]: 'otlp_grpc', [OtelProtocol.HTTP_PROTOBUF]: 'otlp_http' };
/**
 * IAM actions of the AWS exporters. X-Ray: the AWSXrayWriteOnlyAccess managed policy
 * (segments, telemetry and the sampling calls SDKs proxy through a collector). EMF: the
 * CloudWatch Logs calls the exporter makes; the metrics come from the log events, so no
 * cloudwatch:PutMetricData.
 * @see https://aws-otel.github.io/docs/setup/permissions
 */
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries'];
const EMF_ACTIONS = ['logs:PutLogEvents', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:DescribeLogGroups'];

const COMPONENT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const HTTP_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const HOST_PORT = /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;
const URL_FORM = /^(https?):\/\/([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(:(\d{1,5}))?(\/[^\s]*)?$/;
const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const ATTRIBUTE_KEY = /^[A-Za-z_][A-Za-z0-9_.\-/]{0,254}$/;

/**
 * A literal `$` in the collector configuration is written `$$` (the collector expands `${...}`).
 * A CDK token is kept as it is (CloudFormation fills it in; a name, ARN or host has no `$`).
 */
function lit(s: string): string {
  return splitTokens(s).map(p => (p.token ? p.text : p.text.replace(/\$/g, '$$$$'))).join('');
}

function seconds(n: number): string {
  return `${n}s`;
}

/** The collector's own ports. */
interface CollectorPorts {
  readonly otlpGrpcPort: number;
  readonly otlpHttpPort: number;
  readonly healthCheckPort: number;
  readonly telemetryPort: number;
}

/** An exporter as the configuration and the pipelines see it. */
interface Exporter {
  readonly key: string;
  readonly field: string;
  readonly config: any;
  readonly signals: OtelSignal[];
}

const SECRET_REF_TYPES: PropType = { struct: { secretName: 'string', key: 'string' }, required: ['secretName', 'key'] };
const TLS_TYPES: PropType = { struct: { secretName: 'string', caFile: 'string', certFile: 'string', keyFile: 'string' }, required: ['secretName'] };
const QUEUE_TYPES: PropType = { struct: { enabled: 'boolean', numConsumers: 'count', queueSize: 'count' } };
const RETRY_TYPES: PropType = { struct: { enabled: 'boolean', initialIntervalSeconds: 'count', maxIntervalSeconds: 'count', maxElapsedTimeSeconds: 'count' } };
const DELIVERY_TYPES: PropType = {
  struct: {
    tls: TLS_TYPES,
    bearerToken: SECRET_REF_TYPES,
    oauth2: { struct: { clientId: 'string', clientSecret: SECRET_REF_TYPES, tokenUrl: 'string', scopes: 'stringArray' }, required: ['clientId', 'clientSecret', 'tokenUrl'] },
    sigv4: { struct: { region: 'string', service: 'string', assumeRoleArn: 'string' } },
    sendingQueue: QUEUE_TYPES,
    retryOnFailure: RETRY_TYPES,
  },
};
const STATEMENTS_TYPES: PropType = { each: { context: { enum: OtelOttlContext }, statements: 'stringArray' }, required: ['context', 'statements'] };

/** Default ports of the receivers and extensions on 127.0.0.1, keyed by the prop that sets them. */
const JAEGER_PORTS: { [p in OtelJaegerProtocol]: [number, string, Protocol] } = {
  [OtelJaegerProtocol.GRPC]: [14250, 'jaeger-grpc', Protocol.TCP],
  [OtelJaegerProtocol.THRIFT_HTTP]: [14268, 'jaeger-http', Protocol.TCP],
  [OtelJaegerProtocol.THRIFT_COMPACT]: [6831, 'jaeger-compact', Protocol.UDP],
  [OtelJaegerProtocol.THRIFT_BINARY]: [6832, 'jaeger-binary', Protocol.UDP],
};

function jaegerProtocols(p: OtelCollectorSidecarProps): OtelJaegerProtocol[] {
  return p.jaegerReceiver ? (p.jaegerReceiver.protocols ?? [OtelJaegerProtocol.GRPC, OtelJaegerProtocol.THRIFT_HTTP]) : [];
}

/** The pod-local ports of the receivers and extensions (for the port checks), keyed by their prop. */
function receiverPorts(p: OtelCollectorSidecarProps): { [field: string]: number } {
  const out: { [field: string]: number } = {};
  for (const proto of jaegerProtocols(p)) { out[`jaegerReceiver.protocols.${proto}`] = JAEGER_PORTS[proto]?.[0]; }
  if (p.zipkinReceiver) { out['zipkinReceiver.port'] = p.zipkinReceiver.port ?? 9411; }
  if (p.statsdReceiver) { out['statsdReceiver.port'] = p.statsdReceiver.port ?? 8125; }
  if (p.pprofExtension) { out['pprofExtension.port'] = p.pprofExtension.port ?? 1777; }
  if (p.zpagesExtension) { out['zpagesExtension.port'] = p.zpagesExtension.port ?? 55679; }
  return out;
}

/** The container ports of `receiverPorts`, in the same order (pod-local: the app in the pod sends to 127.0.0.1). */
function receiverPortSpecs(p: OtelCollectorSidecarProps, ports: { [field: string]: number }): ContainerPortSpec[] {
  const out: ContainerPortSpec[] = jaegerProtocols(p)
    .map(proto => ({ port: JAEGER_PORTS[proto][0], name: JAEGER_PORTS[proto][1], protocol: JAEGER_PORTS[proto][2] }));
  if (p.zipkinReceiver) { out.push({ port: ports['zipkinReceiver.port'], name: 'zipkin' }); }
  if (p.statsdReceiver) { out.push({ port: ports['statsdReceiver.port'], name: 'statsd', protocol: Protocol.UDP }); }
  if (p.pprofExtension) { out.push({ port: ports['pprofExtension.port'], name: 'pprof' }); }
  if (p.zpagesExtension) { out.push({ port: ports['zpagesExtension.port'], name: 'zpages' }); }
  return out;
}

/**
 * Detectors that work on some platforms only. ec2: Fargate tasks have no EC2 instance metadata
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-security-considerations.html);
 * ecs: the task metadata endpoint v4 exists on ECS only (contrib internal/aws/ecs detector reads
 * ECS_CONTAINER_METADATA_URI_V4); eks, aks: Kubernetes clusters only; azure, gcp: the VM's
 * metadata service, which ECS Fargate and ACI do not give containers.
 */
const DETECTOR_PLATFORMS: { [d: string]: { platforms: string[]; why: string } } = {
  [OtelResourceDetector.EC2]: { platforms: ['Kubernetes'], why: 'the ec2 detector reads the EC2 instance metadata service, which Fargate tasks and ACI groups cannot reach' },
  [OtelResourceDetector.ECS]: { platforms: ['ECS Fargate'], why: 'the ecs detector reads the ECS task metadata endpoint, which exists on ECS only' },
  [OtelResourceDetector.EKS]: { platforms: ['Kubernetes'], why: 'the eks detector reads the Kubernetes API of an EKS cluster' },
  [OtelResourceDetector.AKS]: { platforms: ['Kubernetes'], why: 'the aks detector reads the metadata of an AKS node' },
  [OtelResourceDetector.AZURE]: { platforms: ['Kubernetes'], why: 'the azure detector reads the Azure VM instance metadata service, which container groups do not get' },
  [OtelResourceDetector.GCP]: { platforms: ['Kubernetes'], why: 'the gcp detector reads the Google Cloud metadata server of a VM' },
};

/** Metadata fields the k8sattributes processor extracts (its config.schema.yaml, extract.metadata). */
const K8S_METADATA = ['k8s.pod.name', 'k8s.pod.uid', 'k8s.deployment.name', 'k8s.node.name', 'k8s.namespace.name', 'k8s.pod.start_time',
  'k8s.replicaset.name', 'k8s.replicaset.uid', 'k8s.daemonset.name', 'k8s.daemonset.uid', 'k8s.job.name', 'k8s.job.uid', 'k8s.cronjob.name',
  'k8s.cronjob.uid', 'k8s.statefulset.name', 'k8s.statefulset.uid', 'k8s.cluster.uid'];

/** An OTTL statement or condition: one non-empty line (the collector parses the OTTL itself when it starts). */
function checkOttl(path: string, field: string, s: unknown): void {
  if (typeof s !== 'string' || s.trim().length === 0 || /[\r\n\0]/.test(s)) {
    throw Errors.invalidName(path, field, s, 'one non-empty OTTL statement or condition on one line');
  }
}

/** Each tail sampling policy sets the fields of its type and no others (tailsamplingprocessor policy_cfg). */
function checkTailSampling(path: string, t: OtelTailSampling): void {
  if (t.policies.length === 0) { throw Errors.invalidRole(path, 'tailSampling.policies', [], 'is empty', 'Give at least one policy'); }
  const uses: { [type: string]: Array<keyof OtelTailSamplingPolicy> } = {
    [OtelTailSamplingPolicyType.ALWAYS_SAMPLE]: [],
    [OtelTailSamplingPolicyType.LATENCY]: ['latencyThresholdMilliseconds'],
    [OtelTailSamplingPolicyType.STATUS_CODE]: ['statusCodes'],
    [OtelTailSamplingPolicyType.PROBABILISTIC]: ['samplingPercentage'],
    [OtelTailSamplingPolicyType.STRING_ATTRIBUTE]: ['key', 'values', 'invertMatch'],
    [OtelTailSamplingPolicyType.NUMERIC_ATTRIBUTE]: ['key', 'minValue', 'maxValue', 'invertMatch'],
    [OtelTailSamplingPolicyType.RATE_LIMITING]: ['spansPerSecond'],
    [OtelTailSamplingPolicyType.OTTL_CONDITION]: ['spanConditions'],
  };
  const required: { [type: string]: Array<keyof OtelTailSamplingPolicy> } = {
    [OtelTailSamplingPolicyType.LATENCY]: ['latencyThresholdMilliseconds'],
    [OtelTailSamplingPolicyType.STATUS_CODE]: ['statusCodes'],
    [OtelTailSamplingPolicyType.PROBABILISTIC]: ['samplingPercentage'],
    [OtelTailSamplingPolicyType.STRING_ATTRIBUTE]: ['key', 'values'],
    [OtelTailSamplingPolicyType.NUMERIC_ATTRIBUTE]: ['key'],
    [OtelTailSamplingPolicyType.RATE_LIMITING]: ['spansPerSecond'],
    [OtelTailSamplingPolicyType.OTTL_CONDITION]: ['spanConditions'],
  };
  const all: Array<keyof OtelTailSamplingPolicy> = ['latencyThresholdMilliseconds', 'statusCodes', 'samplingPercentage', 'key', 'values', 'minValue', 'maxValue',
    'spansPerSecond', 'spanConditions', 'invertMatch'];
  const names = new Set<string>();
  t.policies.forEach((pol, i) => {
    const f = `tailSampling.policies[${i}]`;
    if (!COMPONENT_NAME.test(pol.name) || names.has(pol.name)) { throw Errors.invalidName(path, `${f}.name`, pol.name, 'a policy name of letters, digits, \'_\', \'-\' and \'.\', unique among the policies'); }
    names.add(pol.name);
    for (const key of all) {
      if (pol[key] !== undefined && !uses[pol.type].includes(key)) {
        throw Errors.ineffectiveSetting(path, `${f}.${key}`, pol[key], `a ${pol.type} policy does not use it`, `Leave ${f}.${key} out`);
      }
    }
    for (const key of required[pol.type] ?? []) {
      const v = pol[key];
      if (v === undefined || (Array.isArray(v) && v.length === 0)) { throw Errors.missingSetting(path, `${f}.${key}`, `a ${pol.type} policy needs it`, `Set ${f}.${key}`); }
    }
    if (pol.type === OtelTailSamplingPolicyType.NUMERIC_ATTRIBUTE && pol.minValue === undefined && pol.maxValue === undefined) {
      throw Errors.missingSetting(path, `${f}.minValue`, 'a numeric_attribute policy needs a bound', `Set ${f}.minValue and/or maxValue`);
    }
    if (pol.minValue !== undefined && pol.maxValue !== undefined && pol.minValue > pol.maxValue) {
      throw Errors.invalidRange(path, `${f}.minValue`, pol.minValue, `${f}.maxValue`, pol.maxValue);
    }
    if (pol.samplingPercentage !== undefined && (pol.samplingPercentage < 0 || pol.samplingPercentage > 100)) {
      throw Errors.invalidNumber(path, `${f}.samplingPercentage`, pol.samplingPercentage, 'a percentage from 0 to 100');
    }
    if (pol.key !== undefined && !ATTRIBUTE_KEY.test(pol.key)) { throw Errors.invalidName(path, `${f}.key`, pol.key, 'an attribute key'); }
    (pol.spanConditions ?? []).forEach((c, j) => checkOttl(path, `${f}.spanConditions[${j}]`, c));
  });
}

/** The k8sattributes processor's default metadata (its config.schema.yaml), without the container fields a sidecar cannot associate. */
const K8S_METADATA_DEFAULT = ['k8s.pod.name', 'k8s.pod.uid', 'k8s.pod.start_time', 'k8s.namespace.name', 'k8s.node.name', 'k8s.deployment.name'];

/** One tail sampling policy (processor/tailsamplingprocessor config.schema.yaml policy_cfg). */
function tailPolicy(t: OtelTailSamplingPolicy): any {
  const base = { name: t.name, type: t.type };
  switch (t.type) {
    case OtelTailSamplingPolicyType.LATENCY: return { ...base, latency: { threshold_ms: t.latencyThresholdMilliseconds } };
    case OtelTailSamplingPolicyType.STATUS_CODE: return { ...base, status_code: { status_codes: [...t.statusCodes!] } };
    case OtelTailSamplingPolicyType.PROBABILISTIC: return { ...base, probabilistic: { sampling_percentage: t.samplingPercentage } };
    case OtelTailSamplingPolicyType.STRING_ATTRIBUTE:
      return {
        ...base,
        string_attribute: { key: lit(t.key!), values: t.values!.map(lit), ...(t.invertMatch !== undefined ? { invert_match: t.invertMatch } : {}) },
      };
    case OtelTailSamplingPolicyType.NUMERIC_ATTRIBUTE:
      return {
        ...base,
        numeric_attribute: {
          key: lit(t.key!),
          ...(t.minValue !== undefined ? { min_value: t.minValue } : {}),
          ...(t.maxValue !== undefined ? { max_value: t.maxValue } : {}),
          ...(t.invertMatch !== undefined ? { invert_match: t.invertMatch } : {}),
        },
      };
    case OtelTailSamplingPolicyType.RATE_LIMITING: return { ...base, rate_limiting: { spans_per_second: t.spansPerSecond } };
    case OtelTailSamplingPolicyType.OTTL_CONDITION: return { ...base, ottl_condition: { span: t.spanConditions!.map(lit) } };
    default: return base;
  }
}

/** Which signals each processor takes (metadata.yaml of each). */
interface ChainEntry { readonly key: string; readonly signals: OtelSignal[] }

/**
 * The OpenTelemetry Collector beside the app: the app sends OTLP to 127.0.0.1:4317
 * (gRPC) or :4318 (HTTP), told by `OTEL_EXPORTER_OTLP_ENDPOINT` and
 * `OTEL_EXPORTER_OTLP_PROTOCOL`; the collector limits its memory, adds resource
 * attributes, batches, and exports to OTLP backends, a Prometheus endpoint, the debug
 * output, AWS X-Ray or CloudWatch. The generated `config.yaml` is mounted at
 * `/etc/otelcol`. The `health_check` extension (0.0.0.0:13133) serves the probes; the app
 * starts once the collector is healthy.
 *
 * It replaces the AWS X-Ray daemon (end of support 2027-02-25) with `awsXrayExporter`.
 *
 * Waiting for HEALTHY needs a check the platform can run. The contrib image holds only
 * the collector binary (no shell, no curl): on ECS use `AWS_DISTRO` (its `/healthcheck`)
 * or `appWaitsFor: STARTED`, and on Kubernetes in classic sidecar mode (< 1.29), which
 * needs a wait command, use `appWaitsFor: STARTED`. The app's OTLP exporter then retries
 * until the collector answers.
 *
 * @see https://opentelemetry.io/docs/collector/configuration/
 */
export class OtelCollectorSidecar extends Construct implements ISidecar {
  /** Container name. */
  public readonly name: string;
  /** UID (and GID) of the collector. */
  public readonly uid: number;
  /** The collector build. */
  public readonly distribution: OtelCollectorDistribution;
  /** The OTLP endpoint the app is pointed at, e.g. `http://127.0.0.1:4317`. */
  public readonly appEndpoint: string;
  /** The generated collector configuration (`/etc/otelcol/config.yaml`). */
  public readonly config: string;

  private readonly contribution: SidecarContribution;
  private readonly props: OtelCollectorSidecarProps;

  constructor(scope: Construct, id: string, props: OtelCollectorSidecarProps = {}) {
    super(scope, id);
    rememberProps(this, props);
    checkOverrideTypes(this.node.path, props);
    this.props = props;
    // Runtime types first (issue 10, section 2): a wrong type is a catalogued error naming the prop, never a TypeError.
    checkPropTypes(this.node.path, props, {
      name: 'string',
      distribution: { enum: OtelCollectorDistribution },
      image: 'string',
      uid: 'number',
      otlpExporters: 'objectArray',
      prometheusExporter: 'object',
      debugExporter: 'object',
      awsXrayExporter: 'object',
      awsEmfExporter: 'object',
      prometheusScrapeConfigs: 'objectArray',
      signals: { enumArray: OtelSignal },
      serviceName: 'string',
      resourceAttributes: 'stringMap',
      podNameAttribute: 'boolean',
      memoryLimiter: 'object',
      batch: 'object',
      appEnv: 'boolean',
      appProtocol: { enum: OtelProtocol },
      appContainers: 'stringArray',
      appSdk: SDK_OPTION_TYPES,
      appWaitsFor: { enum: WaitCondition },
      healthCommand: 'stringArray',
      otlpGrpcPort: 'port',
      otlpHttpPort: 'port',
      healthCheckPort: 'port',
      telemetryPort: 'port',
      resources: 'object',
      featureGates: 'stringArray',
      exposeTelemetry: 'boolean',
      kubernetesAttributes: 'boolean',
      jaegerReceiver: { struct: { protocols: { enumArray: OtelJaegerProtocol } } },
      zipkinReceiver: { struct: { port: 'port' } },
      statsdReceiver: { struct: { port: 'port', aggregationIntervalSeconds: 'size', enableMetricType: 'boolean' } },
      filelogReceiver: {
        struct: {
          logDirectory: 'string',
          include: 'stringArray',
          exclude: 'stringArray',
          startAt: { enum: OtelFilelogStartAt },
          parseJson: 'boolean',
          volumeSizeLimitMebibytes: 'size',
        },
        required: ['logDirectory'],
      },
      k8sAttributes: { struct: { metadata: 'stringArray', podLabels: 'stringArray', podAnnotations: 'stringArray' } },
      resourceDetection: { struct: { detectors: { enumArray: OtelResourceDetector }, override: 'boolean', timeoutSeconds: 'size' }, required: ['detectors'] },
      attributeActions: {
        each: { key: 'string', action: { enum: OtelAttributeActionType }, value: 'string', fromAttribute: 'string' },
        required: ['key', 'action'],
      },
      transform: {
        struct: {
          traceStatements: STATEMENTS_TYPES,
          metricStatements: STATEMENTS_TYPES,
          logStatements: STATEMENTS_TYPES,
          errorMode: { enum: OtelOttlErrorMode },
        },
      },
      filter: {
        struct: {
          spanConditions: 'stringArray',
          metricConditions: 'stringArray',
          dataPointConditions: 'stringArray',
          logConditions: 'stringArray',
          errorMode: { enum: OtelOttlErrorMode },
        },
      },
      probabilisticSampler: { struct: { samplingPercentage: 'number', hashSeed: 'count' }, required: ['samplingPercentage'] },
      tailSampling: {
        struct: {
          policies: {
            each: {
              name: 'string',
              type: { enum: OtelTailSamplingPolicyType },
              latencyThresholdMilliseconds: 'size',
              statusCodes: { enumArray: OtelSpanStatusCode },
              samplingPercentage: 'number',
              key: 'string',
              values: 'stringArray',
              minValue: 'number',
              maxValue: 'number',
              spansPerSecond: 'size',
              spanConditions: 'stringArray',
              invertMatch: 'boolean',
            },
            required: ['name', 'type'],
          },
          decisionWaitSeconds: 'size',
          numTraces: 'size',
        },
        required: ['policies'],
      },
      prometheusRemoteWriteExporter: {
        struct: { endpoint: 'string', metricNamespace: 'string', externalLabels: 'stringMap', resourceToTelemetry: 'boolean', delivery: DELIVERY_TYPES },
        required: ['endpoint'],
      },
      datadogExporter: {
        struct: { apiKey: SECRET_REF_TYPES, site: 'string', signals: { enumArray: OtelSignal }, sendingQueue: QUEUE_TYPES, retryOnFailure: RETRY_TYPES },
        required: ['apiKey'],
      },
      elasticsearchExporter: {
        struct: {
          endpoints: 'stringArray',
          user: 'string',
          password: SECRET_REF_TYPES,
          apiKey: SECRET_REF_TYPES,
          logsIndex: 'string',
          tracesIndex: 'string',
          tls: TLS_TYPES,
          signals: { enumArray: OtelSignal },
          sendingQueue: QUEUE_TYPES,
        },
        required: ['endpoints'],
      },
      pprofExtension: { struct: { port: 'port' } },
      zpagesExtension: { struct: { port: 'port' } },
    });
    // Nested fields, named as the user wrote them (issue 10, section 2).
    checkPropTypes(this.node.path, props, {
      otlpExporters: {
        each: {
          name: 'string',
          endpoint: 'string',
          protocol: { enum: OtelProtocol },
          insecure: 'boolean',
          headers: 'stringMap',
          secretHeaders: SECRET_REF_MAP,
          signals: { enumArray: OtelSignal },
          delivery: DELIVERY_TYPES,
        },
        required: ['endpoint'],
      },
      prometheusExporter: { struct: { port: 'port', metricNamespace: 'string' } },
      debugExporter: { struct: { verbosity: { enum: OtelDebugVerbosity }, signals: { enumArray: OtelSignal } } },
      awsXrayExporter: { struct: { region: 'string', indexedAttributes: 'stringArray', indexAllAttributes: 'boolean' } },
      awsEmfExporter: { struct: { region: 'string', metricNamespace: 'string', logGroupName: 'string', logStreamName: 'string' } },
      prometheusScrapeConfigs: {
        each: { jobName: 'string', targets: 'stringArray', scrapeIntervalSeconds: 'count', scrapeTimeoutSeconds: 'count', metricsPath: 'string' },
        required: ['jobName', 'targets'],
      },
      // Durations and sizes become Go durations and uint32 counts in the collector config (time.ParseDuration rejects "1e+21s").
      memoryLimiter: { struct: { enabled: 'boolean', checkIntervalSeconds: 'count', limitPercentage: 'number', spikeLimitPercentage: 'number' } },
      batch: { struct: { timeoutMilliseconds: 'count', sendBatchSize: 'count' } },
      resources: { struct: RESOURCE_TYPES },
    });
    (props.otlpExporters ?? []).forEach((e, i) => {
      for (const [name, ref] of Object.entries(e.secretHeaders ?? {})) { checkSecretRef(this.node.path, `otlpExporters[${i}].secretHeaders.${name}`, ref); }
    });
    const path = this.node.path;
    const p = props;
    this.name = p.name ?? 'otel-collector';
    this.uid = p.uid ?? 4317;
    this.distribution = p.distribution ?? OtelCollectorDistribution.CONTRIB;
    const ports = {
      otlpGrpcPort: p.otlpGrpcPort ?? 4317,
      otlpHttpPort: p.otlpHttpPort ?? 4318,
      healthCheckPort: p.healthCheckPort ?? 13133,
      telemetryPort: p.telemetryPort ?? 8888,
      ...(p.prometheusExporter ? { 'prometheusExporter.port': p.prometheusExporter.port ?? 8889 } : {}),
      ...receiverPorts(p),
    };
    const appProtocol = p.appProtocol ?? OtelProtocol.GRPC;
    this.appEndpoint = `http://127.0.0.1:${appProtocol === OtelProtocol.GRPC ? ports.otlpGrpcPort : ports.otlpHttpPort}`;
    this.check(path, p, ports);
    const resources: ResourceRequirements = withDefaultResources(path,
      { cpuRequestMillicores: 100, memoryRequestMebibytes: 128, memoryLimitMebibytes: 512 }, p.resources);
    const limiter = p.memoryLimiter ?? {};
    const limiterOn = limiter.enabled ?? true;
    const memoryLimit = resources.memoryLimitMebibytes;
    if (limiterOn && memoryLimit === undefined) {
      throw Errors.invalidResources(path, 'resources.memoryLimitMebibytes', memoryLimit,
        'is not set, but the memory limiter takes its percentages of the container memory limit (set one, or memoryLimiter.enabled: false)');
    }

    const parts = new CollectorParts(path, this.name);
    const exporters = this.exporters(path, p, parts);
    const signals = this.signals(path, p, exporters);
    const secretEnv: EnvVarSpec[] = [];
    (p.otlpExporters ?? []).forEach((e, i) => Object.entries(e.secretHeaders ?? {}).forEach(([, secret], j) => {
      secretEnv.push({ name: `OTELCOL_HEADER_${i}_${j}`, secret });
    }));
    const config = this.collectorConfig(p, ports, exporters, signals, limiterOn, parts);
    this.config = toYamlText(config);
    // Pod fields for the k8s.* resource attributes (kubernetesAttributes) and the k8sattributes processor's
    // pod association and watch filter (pod uid, name, namespace).
    const k8sEnv: EnvVarSpec[] = K8S_ENV
      .filter(([, name]) => p.kubernetesAttributes || (p.k8sAttributes && name !== 'NODE_NAME') || (p.podNameAttribute && name === 'POD_NAME'))
      .map(([, name, podField]) => ({ name, podField }));
    const log = p.filelogReceiver;
    const logVolume = `${this.name}-logs`;
    const volumes: VolumeSpec[] = [
      { name: `${this.name}-config`, kind: VolumeKind.CONFIG_FILES, files: [{ name: CONFIG_FILE, content: this.config }] },
      ...parts.volumes,
      ...(log ? [{ name: logVolume, kind: VolumeKind.SCRATCH, sizeLimitMebibytes: log.volumeSizeLimitMebibytes }] : []),
    ];
    const mounts: VolumeMountSpec[] = [
      { volume: `${this.name}-config`, path: CONFIG_DIR, readOnly: true },
      ...parts.mounts,
      ...(log ? [{ volume: logVolume, path: log.logDirectory, readOnly: true }] : []),
    ];

    const health = ports.healthCheckPort;
    const waitsFor = p.appWaitsFor ?? WaitCondition.HEALTHY;
    const adot = this.distribution === OtelCollectorDistribution.AWS_DISTRO;
    const containerPorts: ContainerPortSpec[] = [
      { port: ports.otlpGrpcPort, name: 'otlp-grpc' },
      { port: ports.otlpHttpPort, name: 'otlp-http' },
      // The kubelet and ACI probe from outside the pod's loopback, so the health
      // endpoint listens on 0.0.0.0; it serves only the collector's status.
      { port: health, name: 'otel-health', exposure: PortExposure.EXPOSED },
      // The collector's own metrics are scrapable only when served on 0.0.0.0 (exposeTelemetry), at /metrics: the
      // pull reader's Prometheus exporter (https://opentelemetry.io/docs/collector/internal-telemetry/, "localhost:8888/metrics").
      { port: ports.telemetryPort, name: 'otel-telemetry', ...(p.exposeTelemetry ? { exposure: PortExposure.EXPOSED, metricsPath: '/metrics' } : {}) },
      // The prometheus exporter serves what the collector received at /metrics (opentelemetry-collector-contrib
      // exporter/prometheusexporter: "metrics are exposed at /metrics").
      ...(p.prometheusExporter ? [{ port: ports['prometheusExporter.port']!, name: 'otel-prom', exposure: PortExposure.EXPOSED, metricsPath: '/metrics' }] : []),
      ...receiverPortSpecs(p, ports),
    ];
    const container: ContainerSpec = {
      name: this.name,
      image: p.image ?? (adot ? ADOT_IMAGE : CONTRIB_IMAGE),
      role: StartupRole.SIDECAR,
      appWaitsFor: waitsFor,
      command: [adot ? '/awscollector' : '/otelcol-contrib'],
      args: [`--config=${CONFIG_DIR}/${CONFIG_FILE}`, ...(p.featureGates?.length ? [`--feature-gates=${p.featureGates.join(',')}`] : [])],
      env: [
        // The Go runtime's soft limit, 80 % of the container's (upstream's advice), so the
        // garbage collector works before the memory limiter has to refuse data.
        ...(memoryLimit !== undefined ? [{ name: 'GOMEMLIMIT', value: `${Math.floor(memoryLimit * 0.8)}MiB` }] : []),
        ...k8sEnv,
        ...secretEnv,
        ...parts.env,
      ],
      ports: containerPorts,
      origins: [...portOrigins(['otlpGrpcPort', 'otlpHttpPort', 'healthCheckPort', 'telemetryPort', ...(p.prometheusExporter ? ['prometheusExporter.port'] : []),
        ...Object.keys(receiverPorts(p))]), UID_ORIGIN,
      // The contrib image is the collector binary alone (no shell, no curl): on ECS a health
      // check needs the AWS distro's /healthcheck (aws-observability/aws-otel-collector).
      { field: 'healthCommand', prop: 'healthCommand', alternative: adot ? undefined : 'distribution: OtelCollectorDistribution.AWS_DISTRO (its image has /healthcheck)' },
      { field: 'appWaitsFor', prop: 'appWaitsFor' }],
      security: { uid: this.uid, gid: this.uid },
      resources,
      // 10 checks 5 s apart: within ECS's health check ranges (interval >= 5, retries <= 10).
      startupProbe: waitsFor === WaitCondition.HEALTHY
        ? Probe.httpGet({ port: health, path: '/', periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 10 })
        : undefined,
      readinessProbe: Probe.httpGet({ port: health, path: '/', periodSeconds: 10, timeoutSeconds: 3 }),
      livenessProbe: Probe.httpGet({ port: health, path: '/', periodSeconds: 15, timeoutSeconds: 3 }),
      healthCommand: p.healthCommand ?? (adot ? ['/healthcheck', '--port', String(health)] : undefined),
      volumeMounts: mounts,
      // The k8sattributes processor reads the API server with the pod's service account token (in-cluster config).
      identityToken: p.k8sAttributes ? {} : undefined,
    };

    const permissions: CloudPermission[] = [];
    if (p.awsXrayExporter) { permissions.push({ provider: CloudProvider.AWS, actions: [...XRAY_ACTIONS] }); }
    if (p.awsEmfExporter) { permissions.push({ provider: CloudProvider.AWS, actions: [...EMF_ACTIONS] }); }
    permissions.push(...parts.permissions);
    const appEnv = p.appEnv ?? true;
    const sdk = sdkEnv(path, 'appSdk', p.appSdk, ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL']);
    this.contribution = {
      settableProps: ['OtelCollectorSidecarProps.appWaitsFor', 'OtelCollectorSidecarProps.healthCommand'],
      containers: [container],
      volumes,
      appRequests: {
        mounts: log ? [{ volume: logVolume, path: log.logDirectory, readOnly: false }] : [],
        env: appEnv ? [
          { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: this.appEndpoint },
          { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: appProtocol },
          ...sdk,
        ] : [],
        containers: p.appContainers,
      },
      offers: [{
        name: OTLP_OFFER,
        port: ports.otlpGrpcPort,
        settings: {
          grpcEndpoint: `http://127.0.0.1:${ports.otlpGrpcPort}`,
          httpEndpoint: `http://127.0.0.1:${ports.otlpHttpPort}`,
          appEnv: String(appEnv),
          appProtocol,
        },
      }],
      pod: {
        ...(permissions.length ? { cloudPermissions: permissions } : {}),
        ...(p.k8sAttributes ? { readsPodMetadata: true } : {}),
        // The backends of the exporters that name one: OTLP (gRPC `host:port` or a URL; HTTP a base URL),
        // Prometheus remote write and Elasticsearch (URLs). The AWS and Datadog exporters reach
        // their cloud's HTTPS endpoints, which no address prop names.
        egress: endpoints(
          ...(p.otlpExporters ?? []).map((e, i) => endpointOf(e.endpoint, `otlpExporters[${i}].endpoint`)),
          endpointOf(p.prometheusRemoteWriteExporter?.endpoint, 'prometheusRemoteWriteExporter.endpoint'),
          ...(p.elasticsearchExporter?.endpoints ?? []).map((e, i) => endpointOf(e, `elasticsearchExporter.endpoints[${i}]`)),
        ),
      },
    };
    // A configuration too large for a platform names the prop with the largest value (e.g. serviceName).
    this.contribution = {
      ...this.contribution,
      origins: [
        ...generatedFileOrigins(p, this.contribution.volumes),
        // The TLS secrets of exporters (volumes 1..n): a platform that cannot mount secrets names the exporter's tls prop.
        ...parts.volumeProps.map((prop, i) => ({ field: `volumes[${i + 1}]`, prop })),
      ],
    };
    this.contribution = applyOverrides(path, this.contribution, props.overrides);
    // Every field check of the neutral model, now.
    resolveContribution(path, this.contribution);
  }

  /**
   * Describes the collector; it does not depend on the pod. Components that exist on some
   * platforms only (the Kubernetes API, a cloud's metadata service) are refused elsewhere.
   */
  public contribute(context: CompositionContext): SidecarContribution {
    const identity = context.identity;
    if (identity === undefined) { return this.contribution; }
    const platform = identity === WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT ? 'Kubernetes'
      : identity === WorkloadIdentity.AWS_IAM_ROLE ? 'ECS Fargate' : 'Azure Container Instances';
    const p = this.props;
    if (p.k8sAttributes && platform !== 'Kubernetes') {
      throw Errors.unsupportedOnPlatform(this.node.path, 'k8sAttributes', p.k8sAttributes, platform,
        'the k8sattributes processor reads the Kubernetes API, which this platform does not have (the collector would fail to start)',
        'Leave k8sAttributes out here; resourceDetection adds the platform\'s own attributes');
    }
    (p.resourceDetection?.detectors ?? []).forEach((d, i) => {
      const only = DETECTOR_PLATFORMS[d];
      if (only && !only.platforms.includes(platform)) {
        throw Errors.unsupportedOnPlatform(this.node.path, `resourceDetection.detectors[${i}]`, d, platform, only.why,
          `Remove "${d}" from resourceDetection.detectors on ${platform}`);
      }
    });
    return this.contribution;
  }

  /** The exporters as configured, with the signals each takes. */
  private exporters(path: string, p: OtelCollectorSidecarProps, parts: CollectorParts): Exporter[] {
    const out: Exporter[] = [];
    const signalsOf = (field: string, list: OtelSignal[] | undefined): OtelSignal[] => {
      if (list === undefined) { return [...ALL_SIGNALS]; }
      if (!Array.isArray(list) || list.length === 0) {
        throw Errors.invalidRole(path, field, list, 'is empty', 'Leave it out for every signal, or list at least one OtelSignal');
      }
      list.forEach((s, i) => {
        if (!ALL_SIGNALS.includes(s) || list.indexOf(s) !== i) {
          throw Errors.invalidRole(path, `${field}[${i}]`, s, list.indexOf(s) !== i ? 'is listed twice' : 'is not an OtelSignal', 'List each of OtelSignal.TRACES, METRICS and LOGS at most once');
        }
      });
      return [...list];
    };
    (p.otlpExporters ?? []).forEach((e, i) => {
      const f = `otlpExporters[${i}]`;
      const protocol = e.protocol ?? OtelProtocol.GRPC;
      if (!Object.values(OtelProtocol).includes(protocol)) {
        throw Errors.invalidRole(path, `${f}.protocol`, protocol, 'is not an OtelProtocol', 'Use OtelProtocol.GRPC or OtelProtocol.HTTP_PROTOBUF');
      }
      if (e.name !== undefined && (typeof e.name !== 'string' || !COMPONENT_NAME.test(e.name))) {
        throw Errors.invalidName(path, `${f}.name`, e.name, 'a component name of letters, digits, \'_\', \'-\' and \'.\' (at most 63)');
      }
      const key = `${OTLP_TYPE[protocol]}${e.name !== undefined ? `/${e.name}` : ''}`;
      const other = out.find(x => x.key === key);
      if (other) {
        throw Errors.invalidName(path, `${f}.name`, e.name, `a name no other OTLP exporter of this protocol has (${other.field} is also "${key}")`);
      }
      const endpoint = e.endpoint;
      if (typeof endpoint !== 'string') { throw Errors.invalidUrl(path, `${f}.endpoint`, endpoint, 'is not a string'); }
      // An endpoint from another construct (a CDK token) is checked on its literal parts.
      const known = literalParts(endpoint, 'x');
      if (protocol === OtelProtocol.HTTP_PROTOBUF) {
        const url = URL_FORM.exec(known);
        if (!isOnlyToken(endpoint) && (!url || (url[5] !== undefined && !checkPort(url[5])))) {
          throw Errors.invalidUrl(path, `${f}.endpoint`, hideTokens(endpoint), 'is not an http(s) base URL for OTLP/HTTP');
        }
        if (e.insecure !== undefined) {
          throw Errors.ineffectiveSetting(path, `${f}.insecure`, e.insecure, 'for OTLP/HTTP the endpoint\'s scheme decides (http:// is plaintext, https:// is TLS)',
            'Leave insecure out and use an http:// or https:// endpoint');
        }
      } else {
        const url = URL_FORM.exec(known);
        const hostPort = HOST_PORT.exec(known);
        const ok = url ? checkPort(url[5]) && (url[6] ?? '/') === '/' : hostPort !== null && checkPort(hostPort[3]);
        if (!ok && !isOnlyToken(endpoint)) {
          throw Errors.invalidUrl(path, `${f}.endpoint`, hideTokens(endpoint), 'is not a gRPC endpoint ("host:port" or "https://host:port", without a path)',
            'Give the collector\'s host and port, e.g. "otlp.vendor.example:4317" or "https://otlp.vendor.example:4317"');
        }
      }
      const headers: { [k: string]: string } = {};
      for (const [name, value] of Object.entries(e.headers ?? {})) {
        if (!HTTP_TOKEN.test(name)) { throw Errors.invalidName(path, `${f}.headers`, name, 'an HTTP header name'); }
        if (typeof value !== 'string' || /[\r\n]/.test(value)) {
          throw Errors.invalidName(path, `${f}.headers[${JSON.stringify(name)}]`, value, 'a header value on one line');
        }
        headers[name] = lit(value);
      }
      Object.keys(e.secretHeaders ?? {}).forEach((name, j) => {
        if (!HTTP_TOKEN.test(name)) { throw Errors.invalidName(path, `${f}.secretHeaders`, name, 'an HTTP header name'); }
        if (Object.keys(headers).some(h => h.toLowerCase() === name.toLowerCase())) {
          throw Errors.alreadySet(path, `${f}.secretHeaders[${JSON.stringify(name)}]`, name, `in ${f}.headers`);
        }
        headers[name] = `\${env:OTELCOL_HEADER_${i}_${j}}`;
      });
      const config: any = { endpoint: lit(endpoint) };
      if (protocol === OtelProtocol.GRPC && e.insecure !== undefined) { config.tls = { insecure: e.insecure }; }
      if (Object.keys(headers).length) { config.headers = headers; }
      if (e.delivery?.tls && e.insecure) {
        throw Errors.ineffectiveSetting(path, `${f}.delivery.tls`, e.delivery.tls.secretName, `${f}.insecure turns TLS off`, `Leave ${f}.insecure out to use the TLS files`);
      }
      const extra = parts.exporterFields(`${f}.delivery`, key.replace('/', '_'), e.delivery);
      if (extra.tls) { config.tls = { ...(config.tls ?? {}), ...extra.tls }; }
      if (extra.auth && Object.keys(e.headers ?? {}).concat(Object.keys(e.secretHeaders ?? {})).some(h => h.toLowerCase() === 'authorization')) {
        throw Errors.alreadySet(path, `${f}.headers["Authorization"]`, 'Authorization', `by the authenticator of ${f}.delivery`);
      }
      Object.assign(config, { ...extra, tls: config.tls });
      if (config.tls === undefined) { delete config.tls; }
      out.push({ key, field: f, config, signals: signalsOf(`${f}.signals`, e.signals) });
    });
    if (p.prometheusExporter) {
      const e = p.prometheusExporter;
      if (e.metricNamespace !== undefined && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(e.metricNamespace)) {
        throw Errors.invalidName(path, 'prometheusExporter.metricNamespace', e.metricNamespace, 'a Prometheus metric name prefix (letters, digits and \'_\')');
      }
      out.push({
        key: 'prometheus',
        field: 'prometheusExporter',
        config: { endpoint: `0.0.0.0:${e.port ?? 8889}`, ...(e.metricNamespace !== undefined ? { namespace: e.metricNamespace } : {}) },
        signals: [OtelSignal.METRICS],
      });
    }
    if (p.debugExporter) {
      const e = p.debugExporter;
      const verbosity = e.verbosity ?? OtelDebugVerbosity.BASIC;
      if (!Object.values(OtelDebugVerbosity).includes(verbosity)) {
        throw Errors.invalidRole(path, 'debugExporter.verbosity', verbosity, 'is not an OtelDebugVerbosity', 'Use BASIC, NORMAL or DETAILED');
      }
      out.push({ key: 'debug', field: 'debugExporter', config: { verbosity }, signals: signalsOf('debugExporter.signals', e.signals) });
    }
    if (p.awsXrayExporter) {
      const e = p.awsXrayExporter;
      checkRegion(path, 'awsXrayExporter.region', e.region);
      (e.indexedAttributes ?? []).forEach((a, i) => {
        if (typeof a !== 'string' || !ATTRIBUTE_KEY.test(a)) { throw Errors.invalidName(path, `awsXrayExporter.indexedAttributes[${i}]`, a, 'an attribute key such as "http.route"'); }
      });
      if (e.indexAllAttributes && e.indexedAttributes?.length) {
        throw Errors.ineffectiveSetting(path, 'awsXrayExporter.indexedAttributes', e.indexedAttributes, 'indexAllAttributes turns every attribute into an annotation',
          'Leave indexedAttributes out, or indexAllAttributes');
      }
      const config: any = {};
      if (e.region !== undefined) { config.region = e.region; }
      if (e.indexedAttributes?.length) { config.indexed_attributes = [...e.indexedAttributes]; }
      if (e.indexAllAttributes !== undefined) { config.index_all_attributes = e.indexAllAttributes; }
      out.push({ key: 'awsxray', field: 'awsXrayExporter', config, signals: [OtelSignal.TRACES] });
    }
    if (p.awsEmfExporter) {
      const e = p.awsEmfExporter;
      checkRegion(path, 'awsEmfExporter.region', e.region);
      if (e.metricNamespace !== undefined && !/^[^:$\s][^:$]{0,254}$/.test(e.metricNamespace)) {
        throw Errors.invalidName(path, 'awsEmfExporter.metricNamespace', e.metricNamespace, 'a CloudWatch namespace (at most 255 characters, no ":" or "$")');
      }
      for (const key of ['logGroupName', 'logStreamName'] as const) {
        const v = e[key];
        if (v !== undefined && (typeof v !== 'string' || !literalPartsPass(v, x => LOG_GROUP.test(x)))) {
          throw Errors.invalidName(path, `awsEmfExporter.${key}`, v, 'a CloudWatch Logs name of letters, digits, \'.\', \'-\', \'_\', \'/\' and \'#\'');
        }
      }
      const config: any = {};
      if (e.region !== undefined) { config.region = e.region; }
      if (e.metricNamespace !== undefined) { config.namespace = e.metricNamespace; }
      if (e.logGroupName !== undefined) { config.log_group_name = e.logGroupName; }
      if (e.logStreamName !== undefined) { config.log_stream_name = e.logStreamName; }
      out.push({ key: 'awsemf', field: 'awsEmfExporter', config, signals: [OtelSignal.METRICS] });
    }
    if (p.prometheusRemoteWriteExporter) {
      const e = p.prometheusRemoteWriteExporter;
      const f = 'prometheusRemoteWriteExporter';
      if (!isOnlyToken(e.endpoint) && !URL_FORM.exec(literalParts(e.endpoint, 'x'))) {
        throw Errors.invalidUrl(path, `${f}.endpoint`, hideTokens(e.endpoint), 'is not an http(s) URL', 'Give the remote write URL, e.g. "https://prometheus.example/api/v1/write"');
      }
      if (e.metricNamespace !== undefined && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(e.metricNamespace)) {
        throw Errors.invalidName(path, `${f}.metricNamespace`, e.metricNamespace, 'a Prometheus metric name prefix (letters, digits and \'_\')');
      }
      for (const [k, v] of Object.entries(e.externalLabels ?? {})) {
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) { throw Errors.invalidName(path, `${f}.externalLabels`, k, 'a Prometheus label name'); }
        if (/[\r\n]/.test(v)) { throw Errors.invalidName(path, `${f}.externalLabels[${JSON.stringify(k)}]`, v, 'a value on one line'); }
      }
      const d = e.delivery ?? {};
      // The remote write exporter has its own queue (remote_write_queue: enabled, queue_size, num_consumers).
      const extra = parts.exporterFields(`${f}.delivery`, 'prometheusremotewrite', { ...d, sendingQueue: undefined });
      const q = d.sendingQueue;
      if (q) { parts.delivery(`${f}.delivery`, { sendingQueue: q }); }
      const config: any = {
        endpoint: lit(e.endpoint),
        ...(e.metricNamespace !== undefined ? { namespace: e.metricNamespace } : {}),
        ...(e.externalLabels && Object.keys(e.externalLabels).length
          ? { external_labels: Object.fromEntries(Object.entries(e.externalLabels).map(([k, v]) => [k, lit(v)])) } : {}),
        ...(e.resourceToTelemetry !== undefined ? { resource_to_telemetry_conversion: { enabled: e.resourceToTelemetry } } : {}),
        ...extra,
        ...(q ? {
          remote_write_queue: {
            ...(q.enabled !== undefined ? { enabled: q.enabled } : {}),
            ...(q.queueSize !== undefined ? { queue_size: q.queueSize } : {}),
            ...(q.numConsumers !== undefined ? { num_consumers: q.numConsumers } : {}),
          },
        } : {}),
      };
      out.push({ key: 'prometheusremotewrite', field: f, config, signals: [OtelSignal.METRICS] });
    }
    if (p.datadogExporter) {
      const e = p.datadogExporter;
      if (e.site !== undefined && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(e.site)) {
        throw Errors.invalidName(path, 'datadogExporter.site', e.site, 'a Datadog site such as "datadoghq.eu"');
      }
      const config: any = {
        api: { key: parts.secret(e.apiKey), ...(e.site !== undefined ? { site: e.site } : {}) },
        ...parts.delivery('datadogExporter', { sendingQueue: e.sendingQueue, retryOnFailure: e.retryOnFailure }),
      };
      out.push({ key: 'datadog', field: 'datadogExporter', config, signals: signalsOf('datadogExporter.signals', e.signals) });
    }
    if (p.elasticsearchExporter) {
      const e = p.elasticsearchExporter;
      const f = 'elasticsearchExporter';
      if (!Array.isArray(e.endpoints) || e.endpoints.length === 0) {
        throw Errors.invalidRole(path, `${f}.endpoints`, e.endpoints, 'is empty', 'Give at least one Elasticsearch URL, e.g. "https://es.example:9200"');
      }
      e.endpoints.forEach((u, i) => {
        if (!isOnlyToken(u) && !URL_FORM.exec(literalParts(u, 'x'))) { throw Errors.invalidUrl(path, `${f}.endpoints[${i}]`, hideTokens(u), 'is not an http(s) URL'); }
      });
      if ((e.user === undefined) !== (e.password === undefined)) {
        throw Errors.missingSetting(path, `${f}.${e.user === undefined ? 'user' : 'password'}`, 'basic authentication needs a user and a password', `Set both ${f}.user and ${f}.password, or neither`);
      }
      if (e.apiKey && e.user !== undefined) {
        throw Errors.invalidRole(path, `${f}.apiKey`, e.apiKey.secretName, `and ${f}.user both authenticate`, 'Keep the API key or the user and password');
      }
      for (const key of ['logsIndex', 'tracesIndex'] as const) {
        const v = e[key];
        if (v !== undefined && !/^[a-z0-9][a-z0-9._+-]{0,254}$/.test(v)) { throw Errors.invalidName(path, `${f}.${key}`, v, 'an Elasticsearch index name (lowercase, no spaces)'); }
      }
      const config: any = {
        endpoints: e.endpoints.map(lit),
        ...(e.user !== undefined ? { user: lit(e.user), password: parts.secret(e.password!) } : {}),
        ...(e.apiKey ? { api_key: parts.secret(e.apiKey) } : {}),
        ...(e.logsIndex !== undefined ? { logs_index: e.logsIndex } : {}),
        ...(e.tracesIndex !== undefined ? { traces_index: e.tracesIndex } : {}),
        ...(e.tls ? { tls: parts.tls(`${f}.tls`, e.tls) } : {}),
        ...parts.delivery(f, { sendingQueue: e.sendingQueue }),
      };
      out.push({ key: 'elasticsearch', field: f, config, signals: signalsOf(`${f}.signals`, e.signals) });
    }
    if (out.length === 0) {
      throw Errors.invalidRole(path, 'exporters', [], 'are none, so no pipeline can be built (a pipeline needs an exporter)',
        'Configure at least one of otlpExporters, prometheusExporter, debugExporter, awsXrayExporter, awsEmfExporter, prometheusRemoteWriteExporter, '
        + 'datadogExporter or elasticsearchExporter');
    }
    return out;
  }

  /** The pipelines to build; each has at least one exporter, and every exporter is in one. */
  private signals(path: string, p: OtelCollectorSidecarProps, exporters: Exporter[]): OtelSignal[] {
    const exported = ALL_SIGNALS.filter(s => exporters.some(e => e.signals.includes(s)));
    let signals = exported;
    if (p.signals !== undefined) {
      if (!Array.isArray(p.signals) || p.signals.length === 0) {
        throw Errors.invalidRole(path, 'signals', p.signals, 'is empty', 'Leave it out for every exported signal, or list at least one OtelSignal');
      }
      p.signals.forEach((s, i) => {
        if (!ALL_SIGNALS.includes(s) || p.signals!.indexOf(s) !== i) {
          throw Errors.invalidRole(path, `signals[${i}]`, s, p.signals!.indexOf(s) !== i ? 'is listed twice' : 'is not an OtelSignal', 'List each of OtelSignal.TRACES, METRICS and LOGS at most once');
        }
        if (!exported.includes(s)) {
          throw Errors.invalidRole(path, `signals[${i}]`, s, `has no exporter that takes it, and a pipeline needs one (exporters: ${exporters.map(e => `${e.field} (${e.signals.join(', ')})`).join('; ')})`,
            `Add an exporter that takes ${s} (an OTLP or the debug exporter), or remove it from signals`);
        }
      });
      signals = ALL_SIGNALS.filter(s => p.signals!.includes(s));
      for (const e of exporters) {
        if (!e.signals.some(s => signals.includes(s))) {
          throw Errors.invalidRole(path, e.field, e.signals, `takes only signals that signals leaves out (${signals.join(', ')}), so it would be in no pipeline`,
            `Add one of ${e.signals.join(', ')} to signals, or remove ${e.field}`);
        }
      }
    }
    const receivers: Array<[string, unknown, OtelSignal]> = [['jaegerReceiver', p.jaegerReceiver, OtelSignal.TRACES], ['zipkinReceiver', p.zipkinReceiver, OtelSignal.TRACES],
      ['statsdReceiver', p.statsdReceiver, OtelSignal.METRICS], ['filelogReceiver', p.filelogReceiver, OtelSignal.LOGS]];
    for (const [field, set, signal] of receivers) {
      if (set && !signals.includes(signal)) {
        throw Errors.invalidRole(path, field, signal, `feeds the ${signal} pipeline, but no exporter takes ${signal} (a pipeline needs an exporter)`,
          `Add an exporter that takes ${signal}, or remove ${field}`);
      }
    }
    if ((p.prometheusScrapeConfigs ?? []).length && !signals.includes(OtelSignal.METRICS)) {
      throw Errors.invalidRole(path, 'prometheusScrapeConfigs', p.prometheusScrapeConfigs!.map(s => s.jobName),
        'feed the metrics pipeline, but no exporter takes metrics (a pipeline needs an exporter)',
        'Add an exporter for metrics (prometheusExporter, awsEmfExporter or an OTLP exporter), or remove the scrape configs');
    }
    return signals;
  }

  private collectorConfig(p: OtelCollectorSidecarProps, ports: { [field: string]: number } & CollectorPorts, exporters: Exporter[],
    signals: OtelSignal[],
    limiterOn: boolean, parts: CollectorParts): any {
    const scrape = p.prometheusScrapeConfigs ?? [];
    const receivers: any = {
      otlp: {
        protocols: {
          grpc: { endpoint: `127.0.0.1:${ports.otlpGrpcPort}` },
          http: { endpoint: `127.0.0.1:${ports.otlpHttpPort}` },
        },
      },
    };
    const receiverSignals: Array<[string, OtelSignal]> = [];
    if (scrape.length) {
      receivers.prometheus = {
        config: {
          scrape_configs: scrape.map(s => ({
            job_name: s.jobName,
            scrape_interval: seconds(s.scrapeIntervalSeconds ?? 30),
            ...(s.scrapeTimeoutSeconds !== undefined ? { scrape_timeout: seconds(s.scrapeTimeoutSeconds) } : {}),
            metrics_path: lit(s.metricsPath ?? '/metrics'),
            static_configs: [{ targets: [...s.targets] }],
          })),
        },
      };
      receiverSignals.push(['prometheus', OtelSignal.METRICS]);
    }
    // receiver/jaegerreceiver config.schema.yaml: protocols grpc (configgrpc server), thrift_http (confighttp server), thrift_compact/_binary (UDP endpoint).
    if (p.jaegerReceiver) {
      receivers.jaeger = {
        protocols: Object.fromEntries(jaegerProtocols(p).map(proto => [proto, { endpoint: `127.0.0.1:${JAEGER_PORTS[proto][0]}` }])),
      };
      receiverSignals.push(['jaeger', OtelSignal.TRACES]);
    }
    // receiver/zipkinreceiver config.go: protocols.http (confighttp.ServerConfig; the squashed endpoint is deprecated since v0.128.0).
    if (p.zipkinReceiver) {
      receivers.zipkin = { protocols: { http: { endpoint: `127.0.0.1:${ports['zipkinReceiver.port']}` } } };
      receiverSignals.push(['zipkin', OtelSignal.TRACES]);
    }
    // receiver/statsdreceiver config.schema.yaml: confignet.AddrConfig (endpoint, transport) squashed, aggregation_interval, enable_metric_type.
    if (p.statsdReceiver) {
      const r = p.statsdReceiver;
      receivers.statsd = {
        endpoint: `127.0.0.1:${ports['statsdReceiver.port']}`,
        transport: 'udp',
        ...(r.aggregationIntervalSeconds !== undefined ? { aggregation_interval: seconds(r.aggregationIntervalSeconds) } : {}),
        ...(r.enableMetricType !== undefined ? { enable_metric_type: r.enableMetricType } : {}),
      };
      receiverSignals.push(['statsd', OtelSignal.METRICS]);
    }
    // receiver/filelogreceiver: pkg/stanza fileconsumer.Config (include, exclude, start_at) and adapter.BaseConfig (operators).
    if (p.filelogReceiver) {
      const r = p.filelogReceiver;
      const dir = r.logDirectory.replace(/\/+$/, '');
      receivers.filelog = {
        include: (r.include ?? ['*.log']).map(g => lit(`${dir}/${g}`)),
        ...(r.exclude?.length ? { exclude: r.exclude.map(g => lit(`${dir}/${g}`)) } : {}),
        start_at: r.startAt ?? OtelFilelogStartAt.END,
        ...(r.parseJson ? { operators: [{ type: 'json_parser' }] } : {}),
      };
      receiverSignals.push(['filelog', OtelSignal.LOGS]);
    }
    const processors: any = {};
    const chain: ChainEntry[] = [];
    const all = [...ALL_SIGNALS];
    if (limiterOn) {
      const l = p.memoryLimiter ?? {};
      processors.memory_limiter = {
        check_interval: seconds(l.checkIntervalSeconds ?? 1),
        limit_percentage: l.limitPercentage ?? 80,
        spike_limit_percentage: l.spikeLimitPercentage ?? 25,
      };
      chain.push({ key: 'memory_limiter', signals: all });
    }
    const attributes: any[] = [];
    if (p.serviceName !== undefined) { attributes.push({ key: 'service.name', value: lit(p.serviceName), action: 'upsert' }); }
    for (const [key, value] of Object.entries(p.resourceAttributes ?? {})) { attributes.push({ key, value: lit(value), action: 'upsert' }); }
    for (const [key, env] of K8S_ENV) {
      // k8sattributes associates data with the pod by k8s.pod.uid, which the resource processor (earlier in the chain) sets.
      const on = p.kubernetesAttributes || (key === 'k8s.pod.name' && p.podNameAttribute) || (key === 'k8s.pod.uid' && p.k8sAttributes);
      if (on) { attributes.push({ key, value: `\${env:${env}}`, action: 'upsert' }); }
    }
    if (attributes.length) {
      processors.resource = { attributes };
      chain.push({ key: 'resource', signals: all });
    }
    if (p.k8sAttributes) {
      const k = p.k8sAttributes;
      // processor/k8sattributesprocessor config.schema.yaml: auth_type (internal/k8sconfig), filter (namespace, fields), pod_association, extract.
      processors.k8sattributes = {
        auth_type: 'serviceAccount',
        filter: { namespace: '${env:POD_NAMESPACE}', fields: [{ key: 'metadata.name', value: '${env:POD_NAME}', op: 'equals' }] },
        pod_association: [{ sources: [{ from: 'resource_attribute', name: 'k8s.pod.uid' }] }],
        extract: {
          // k8s.deployment.name comes from the replica set's name (no replicaset watch, no RBAC for it): the default since
          // open-telemetry/opentelemetry-collector-contrib#48534 (2026-05), which deprecated deployment_name_from_replicaset.
          metadata: [...(k.metadata ?? K8S_METADATA_DEFAULT)],
          ...(k.podLabels?.length ? { labels: k.podLabels.map(key => ({ from: 'pod', key: lit(key) })) } : {}),
          ...(k.podAnnotations?.length ? { annotations: k.podAnnotations.map(key => ({ from: 'pod', key: lit(key) })) } : {}),
        },
      };
      chain.push({ key: 'k8sattributes', signals: all });
    }
    if (p.resourceDetection) {
      const r = p.resourceDetection;
      processors.resourcedetection = {
        detectors: [...r.detectors],
        ...(r.override !== undefined ? { override: r.override } : {}),
        ...(r.timeoutSeconds !== undefined ? { timeout: seconds(r.timeoutSeconds) } : {}),
      };
      chain.push({ key: 'resourcedetection', signals: all });
    }
    if (p.attributeActions?.length) {
      processors.attributes = {
        actions: p.attributeActions.map(a => ({
          key: lit(a.key),
          action: a.action,
          ...(a.value !== undefined ? { value: lit(a.value) } : {}),
          ...(a.fromAttribute !== undefined ? { from_attribute: lit(a.fromAttribute) } : {}),
        })),
      };
      chain.push({ key: 'attributes', signals: all });
    }
    if (p.transform) {
      const t = p.transform;
      const group = (list: OtelTransformStatements[] | undefined) => (list ?? [])
        .map(g => ({ context: g.context, statements: g.statements.map(lit) }));
      processors.transform = {
        ...(t.errorMode !== undefined ? { error_mode: t.errorMode } : {}),
        ...(t.traceStatements?.length ? { trace_statements: group(t.traceStatements) } : {}),
        ...(t.metricStatements?.length ? { metric_statements: group(t.metricStatements) } : {}),
        ...(t.logStatements?.length ? { log_statements: group(t.logStatements) } : {}),
      };
      chain.push({
        key: 'transform',
        signals: all.filter(sig => (sig === OtelSignal.TRACES ? t.traceStatements
          : sig === OtelSignal.METRICS ? t.metricStatements : t.logStatements)?.length),
      });
    }
    if (p.filter) {
      const f = p.filter;
      // The traces.span / metrics.metric|datapoint / logs.log_record form, decoded by every 0.1xx release (processor/filterprocessor
      // config.schema.yaml); the *_conditions form is only in >= v0.146 (contrib#44543) and the legacy one "remains fully supported"
      // (open-telemetry/opentelemetry.io#9197, 2026-03).
      processors.filter = {
        ...(f.errorMode !== undefined ? { error_mode: f.errorMode } : {}),
        ...(f.spanConditions?.length ? { traces: { span: f.spanConditions.map(lit) } } : {}),
        ...(f.metricConditions?.length || f.dataPointConditions?.length ? {
          metrics: {
            ...(f.metricConditions?.length ? { metric: f.metricConditions.map(lit) } : {}),
            ...(f.dataPointConditions?.length ? { datapoint: f.dataPointConditions.map(lit) } : {}),
          },
        } : {}),
        ...(f.logConditions?.length ? { logs: { log_record: f.logConditions.map(lit) } } : {}),
      };
      chain.push({
        key: 'filter',
        signals: all.filter(sig => (sig === OtelSignal.TRACES ? f.spanConditions?.length
          : sig === OtelSignal.METRICS ? (f.metricConditions?.length || f.dataPointConditions?.length) : f.logConditions?.length)),
      });
    }
    if (p.probabilisticSampler) {
      const ps = p.probabilisticSampler;
      processors.probabilistic_sampler = {
        sampling_percentage: ps.samplingPercentage,
        ...(ps.hashSeed !== undefined ? { hash_seed: ps.hashSeed } : {}),
      };
      chain.push({ key: 'probabilistic_sampler', signals: [OtelSignal.TRACES, OtelSignal.LOGS] });
    }
    if (p.tailSampling) {
      const t = p.tailSampling;
      processors.tail_sampling = {
        ...(t.decisionWaitSeconds !== undefined ? { decision_wait: seconds(t.decisionWaitSeconds) } : {}),
        ...(t.numTraces !== undefined ? { num_traces: t.numTraces } : {}),
        policies: t.policies.map(tailPolicy),
      };
      chain.push({ key: 'tail_sampling', signals: [OtelSignal.TRACES] });
    }
    const b = p.batch ?? {};
    processors.batch = {
      ...(b.timeoutMilliseconds !== undefined ? { timeout: `${b.timeoutMilliseconds}ms` } : {}),
      ...(b.sendBatchSize !== undefined ? { send_batch_size: b.sendBatchSize } : {}),
    };
    chain.push({ key: 'batch', signals: all });
    const extensions: any = { health_check: { endpoint: `0.0.0.0:${ports.healthCheckPort}`, path: '/' } };
    // extension/pprofextension (confignet.TCPAddrConfig endpoint), collector extension/zpagesextension (endpoint required).
    if (p.pprofExtension) { extensions.pprof = { endpoint: `127.0.0.1:${ports['pprofExtension.port']}` }; }
    if (p.zpagesExtension) { extensions.zpages = { endpoint: `127.0.0.1:${ports['zpagesExtension.port']}` }; }
    Object.assign(extensions, parts.extensions);
    const service: any = {
      extensions: Object.keys(extensions),
      pipelines: Object.fromEntries(signals.map(s => [s, {
        receivers: ['otlp', ...receiverSignals.filter(([, sig]) => sig === s).map(([key]) => key)],
        processors: chain.filter(c => c.signals.includes(s)).map(c => c.key),
        exporters: exporters.filter(e => e.signals.includes(s)).map(e => e.key),
      }])),
    };
    // The collector's own metrics default to 127.0.0.1:8888; another port or address is configured.
    if (ports.telemetryPort !== 8888 || p.exposeTelemetry) {
      const host = p.exposeTelemetry ? '0.0.0.0' : '127.0.0.1';
      service.telemetry = { metrics: { readers: [{ pull: { exporter: { prometheus: { host, port: ports.telemetryPort } } } }] } };
    }
    return {
      receivers,
      processors,
      exporters: Object.fromEntries(exporters.map(e => [e.key, e.config])),
      extensions,
      service,
    };
  }

  /** Checks of the receivers, processors and extensions beyond the OTLP core. */
  private checkComponents(path: string, p: OtelCollectorSidecarProps): void {
    if (p.podNameAttribute && p.kubernetesAttributes) {
      throw Errors.ineffectiveSetting(path, 'podNameAttribute', true, 'kubernetesAttributes adds k8s.pod.name too', 'Leave podNameAttribute out');
    }
    (p.featureGates ?? []).forEach((g, i) => {
      if (!/^-?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(g)) {
        throw Errors.invalidName(path, `featureGates[${i}]`, g, 'a feature gate id, "-" before it to disable it (e.g. "exporter.otlp.AllowTLSUnsafe" or "-receiver.prometheus.x")');
      }
    });
    const protocols = p.jaegerReceiver?.protocols;
    if (protocols !== undefined) {
      if (protocols.length === 0) { throw Errors.invalidRole(path, 'jaegerReceiver.protocols', protocols, 'is empty', 'Leave it out for gRPC and Thrift HTTP, or list protocols'); }
      protocols.forEach((x, i) => {
        if (protocols.indexOf(x) !== i) { throw Errors.invalidRole(path, `jaegerReceiver.protocols[${i}]`, x, 'is listed twice', 'List each protocol once'); }
      });
    }
    const log = p.filelogReceiver;
    if (log) {
      if (!/^\/[^\s:]*[^/\s:]$/.test(log.logDirectory) || log.logDirectory.split('/').some(seg => seg === '..' || seg === '.')) {
        throw Errors.invalidPath(path, 'filelogReceiver.logDirectory', log.logDirectory, 'is not an absolute directory path', 'Give the directory the app writes its logs to, e.g. "/var/log/app"');
      }
      for (const key of ['include', 'exclude'] as const) {
        (log[key] ?? []).forEach((g, i) => {
          if (!/^[^/\s][^\s]*$/.test(g) || g.split('/').includes('..')) {
            throw Errors.invalidPath(path, `filelogReceiver.${key}[${i}]`, g, `is not a file pattern inside ${log.logDirectory}`, 'Give a glob relative to logDirectory, e.g. "*.log"');
          }
        });
      }
      if (log.include !== undefined && log.include.length === 0) {
        throw Errors.invalidRole(path, 'filelogReceiver.include', log.include, 'is empty', 'Leave it out for "*.log", or list patterns');
      }
    }
    const k = p.k8sAttributes;
    if (k) {
      (k.metadata ?? []).forEach((m, i) => {
        if (!K8S_METADATA.includes(m)) {
          throw Errors.invalidName(path, `k8sAttributes.metadata[${i}]`, m, `one of the processor's metadata fields (${K8S_METADATA.join(', ')})`);
        }
      });
      for (const key of ['podLabels', 'podAnnotations'] as const) {
        (k[key] ?? []).forEach((l, i) => {
          if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(l)) {
            throw Errors.invalidName(path, `k8sAttributes.${key}[${i}]`, l, 'a Kubernetes label or annotation key');
          }
        });
      }
    }
    const rd = p.resourceDetection;
    if (rd) {
      if (rd.detectors.length === 0) { throw Errors.invalidRole(path, 'resourceDetection.detectors', rd.detectors, 'is empty', 'List at least one OtelResourceDetector'); }
      rd.detectors.forEach((d, i) => {
        if (rd.detectors.indexOf(d) !== i) { throw Errors.invalidRole(path, `resourceDetection.detectors[${i}]`, d, 'is listed twice', 'List each detector once'); }
      });
    }
    (p.attributeActions ?? []).forEach((a, i) => {
      const f = `attributeActions[${i}]`;
      if (!ATTRIBUTE_KEY.test(a.key)) { throw Errors.invalidName(path, `${f}.key`, a.key, 'an attribute key such as "http.route"'); }
      const sources = [a.value, a.fromAttribute].filter(v => v !== undefined).length;
      const writes = [OtelAttributeActionType.INSERT, OtelAttributeActionType.UPDATE, OtelAttributeActionType.UPSERT].includes(a.action);
      // internal/coreinternal/attraction NewAttrProc: insert/update/upsert need exactly one source; delete/hash take none.
      if (writes && sources !== 1) {
        throw Errors.missingSetting(path, `${f}.value`, `action ${a.action} needs exactly one of value and fromAttribute`, `Set ${f}.value or ${f}.fromAttribute`);
      }
      if (!writes && sources > 0) {
        throw Errors.ineffectiveSetting(path, `${f}.${a.value !== undefined ? 'value' : 'fromAttribute'}`, a.value ?? a.fromAttribute, `action ${a.action} takes no value`,
          `Leave ${f}.value and fromAttribute out`);
      }
      if (a.value !== undefined && /[\r\n]/.test(a.value)) { throw Errors.invalidName(path, `${f}.value`, a.value, 'a value on one line'); }
      if (a.fromAttribute !== undefined && !ATTRIBUTE_KEY.test(a.fromAttribute)) { throw Errors.invalidName(path, `${f}.fromAttribute`, a.fromAttribute, 'an attribute key'); }
    });
    const t = p.transform;
    if (t) {
      const contexts: { [k: string]: OtelOttlContext[] } = {
        traceStatements: [OtelOttlContext.RESOURCE, OtelOttlContext.SCOPE, OtelOttlContext.SPAN, OtelOttlContext.SPANEVENT],
        metricStatements: [OtelOttlContext.RESOURCE, OtelOttlContext.SCOPE, OtelOttlContext.METRIC, OtelOttlContext.DATAPOINT],
        logStatements: [OtelOttlContext.RESOURCE, OtelOttlContext.SCOPE, OtelOttlContext.LOG],
      };
      let any = false;
      for (const key of ['traceStatements', 'metricStatements', 'logStatements'] as const) {
        (t[key] ?? []).forEach((g, i) => {
          any = true;
          if (!contexts[key].includes(g.context)) {
            throw Errors.invalidRole(path, `transform.${key}[${i}].context`, g.context, `is not a context of ${key}`, `Use one of ${contexts[key].join(', ')}`);
          }
          if (g.statements.length === 0) { throw Errors.invalidRole(path, `transform.${key}[${i}].statements`, [], 'is empty', 'Give at least one OTTL statement'); }
          g.statements.forEach((st, j) => checkOttl(path, `transform.${key}[${i}].statements[${j}]`, st));
        });
      }
      if (!any) { throw Errors.missingSetting(path, 'transform', 'it has no statements', 'Give traceStatements, metricStatements or logStatements, or leave transform out'); }
    }
    const f = p.filter;
    if (f) {
      let any = false;
      for (const key of ['spanConditions', 'metricConditions', 'dataPointConditions', 'logConditions'] as const) {
        (f[key] ?? []).forEach((c, i) => { any = true; checkOttl(path, `filter.${key}[${i}]`, c); });
      }
      if (!any) { throw Errors.missingSetting(path, 'filter', 'it has no conditions', 'Give spanConditions, metricConditions, dataPointConditions or logConditions, or leave filter out'); }
    }
    const ps = p.probabilisticSampler;
    if (ps && (ps.samplingPercentage < 0 || ps.samplingPercentage > 100)) {
      throw Errors.invalidNumber(path, 'probabilisticSampler.samplingPercentage', ps.samplingPercentage, 'a percentage from 0 to 100');
    }
    if (p.tailSampling) { checkTailSampling(path, p.tailSampling); }
  }

  /** Checks of the collector's own props (the neutral ones are checked by the model). */
  private check(path: string, p: OtelCollectorSidecarProps, ports: { [field: string]: number }): void {
    if (typeof this.name !== 'string' || !DNS_LABEL.test(this.name) || this.name.length > 56) {
      throw Errors.invalidName(path, 'name', this.name, 'a DNS label of at most 56 characters');
    }
    if (p.image !== undefined && !isImageReference(p.image)) { throw Errors.invalidImage(path, 'image', p.image); }
    if (!Object.values(OtelCollectorDistribution).includes(this.distribution)) {
      throw Errors.invalidRole(path, 'distribution', this.distribution, 'is not an OtelCollectorDistribution', 'Use OtelCollectorDistribution.CONTRIB or AWS_DISTRO');
    }
    const seen = new Map<number, string>();
    for (const [field, port] of Object.entries(ports)) {
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) { throw Errors.invalidPort(path, field, port); }
      const other = seen.get(port);
      if (other) { throw Errors.duplicatePort(path, field, port, 'TCP', other); }
      seen.set(port, field);
    }
    if (p.appProtocol !== undefined && !Object.values(OtelProtocol).includes(p.appProtocol)) {
      throw Errors.invalidRole(path, 'appProtocol', p.appProtocol, 'is not an OtelProtocol', 'Use OtelProtocol.GRPC or OtelProtocol.HTTP_PROTOBUF');
    }
    if (p.appEnv === false) {
      for (const key of ['appProtocol', 'appContainers', 'appSdk'] as const) {
        // appContainers also chooses the containers that get the filelog receiver's log volume.
        if (p[key] !== undefined && !(key === 'appContainers' && p.filelogReceiver)) {
          throw Errors.ineffectiveSetting(path, key, p[key], 'appEnv is false, so the app containers get no OTLP settings', `Leave ${key} out, or appEnv`);
        }
      }
    }
    const l = p.memoryLimiter ?? {};
    if (l.enabled === false) {
      for (const key of ['checkIntervalSeconds', 'limitPercentage', 'spikeLimitPercentage'] as const) {
        if (l[key] !== undefined) {
          throw Errors.ineffectiveSetting(path, `memoryLimiter.${key}`, l[key], 'memoryLimiter.enabled is false', `Leave memoryLimiter.${key} out, or enable the limiter`);
        }
      }
    }
    if (l.checkIntervalSeconds !== undefined && (!Number.isInteger(l.checkIntervalSeconds) || l.checkIntervalSeconds < 1)) {
      throw Errors.invalidNumber(path, 'memoryLimiter.checkIntervalSeconds', l.checkIntervalSeconds, 'a whole number of seconds >= 1');
    }
    const limit = l.limitPercentage ?? 80;
    if (!Number.isInteger(limit) || limit < 2 || limit > 100) {
      throw Errors.invalidNumber(path, 'memoryLimiter.limitPercentage', limit, 'an integer from 2 to 100');
    }
    const spike = l.spikeLimitPercentage ?? 25;
    if (spike > limit && Number.isInteger(spike)) {
      throw Errors.invalidRange(path, 'memoryLimiter.spikeLimitPercentage', spike, 'memoryLimiter.limitPercentage', limit);
    }
    if (!Number.isInteger(spike) || spike < 1 || spike >= limit) {
      throw Errors.invalidNumber(path, 'memoryLimiter.spikeLimitPercentage', spike, `an integer from 1 to ${limit - 1} (below memoryLimiter.limitPercentage)`);
    }
    const b = p.batch ?? {};
    if (b.timeoutMilliseconds !== undefined && (!Number.isInteger(b.timeoutMilliseconds) || b.timeoutMilliseconds < 1)) {
      throw Errors.invalidNumber(path, 'batch.timeoutMilliseconds', b.timeoutMilliseconds, 'a whole number of milliseconds >= 1');
    }
    if (b.sendBatchSize !== undefined && (!Number.isInteger(b.sendBatchSize) || b.sendBatchSize < 1)) {
      throw Errors.invalidNumber(path, 'batch.sendBatchSize', b.sendBatchSize, 'an integer >= 1');
    }
    if (p.serviceName !== undefined && (typeof p.serviceName !== 'string' || p.serviceName.length === 0 || /[\r\n]/.test(p.serviceName))) {
      throw Errors.invalidName(path, 'serviceName', p.serviceName, 'a non-empty service name on one line');
    }
    for (const [key, value] of Object.entries(p.resourceAttributes ?? {})) {
      if (!ATTRIBUTE_KEY.test(key)) { throw Errors.invalidName(path, 'resourceAttributes', key, 'an attribute key such as "deployment.environment.name"'); }
      if (typeof value !== 'string' || /[\r\n]/.test(value)) {
        throw Errors.invalidName(path, `resourceAttributes[${JSON.stringify(key)}]`, value, 'a value on one line');
      }
      if (key === 'service.name' && p.serviceName !== undefined) {
        throw Errors.alreadySet(path, 'resourceAttributes["service.name"]', value, `by serviceName (${JSON.stringify(p.serviceName)})`);
      }
      if (key === 'k8s.pod.name' && p.podNameAttribute) {
        throw Errors.alreadySet(path, 'resourceAttributes["k8s.pod.name"]', value, 'by podNameAttribute');
      }
      if (p.kubernetesAttributes && K8S_ENV.some(([k]) => k === key)) {
        throw Errors.alreadySet(path, `resourceAttributes[${JSON.stringify(key)}]`, value, 'by kubernetesAttributes');
      }
    }
    const jobs = new Set<string>();
    (p.prometheusScrapeConfigs ?? []).forEach((s, i) => {
      const f = `prometheusScrapeConfigs[${i}]`;
      if (typeof s.jobName !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(s.jobName) || jobs.has(s.jobName)) {
        throw Errors.invalidName(path, `${f}.jobName`, s.jobName, 'a job name of letters, digits, \'_\', \'-\' and \'.\', unique among the scrape configs');
      }
      jobs.add(s.jobName);
      if (!Array.isArray(s.targets) || s.targets.length === 0) {
        throw Errors.invalidRole(path, `${f}.targets`, s.targets, 'is empty', 'Give at least one "host:port" target, e.g. "127.0.0.1:8080"');
      }
      s.targets.forEach((t, j) => {
        const m = typeof t === 'string' ? HOST_PORT.exec(t) : null;
        if (!m || !checkPort(m[3])) { throw Errors.invalidName(path, `${f}.targets[${j}]`, t, 'a "host:port" target such as "127.0.0.1:8080"'); }
      });
      const interval = s.scrapeIntervalSeconds ?? 30;
      if (!Number.isInteger(interval) || interval < 1) {
        throw Errors.invalidNumber(path, `${f}.scrapeIntervalSeconds`, interval, 'a whole number of seconds >= 1');
      }
      if (s.scrapeTimeoutSeconds !== undefined) {
        if (!Number.isInteger(s.scrapeTimeoutSeconds) || s.scrapeTimeoutSeconds < 1) {
          throw Errors.invalidNumber(path, `${f}.scrapeTimeoutSeconds`, s.scrapeTimeoutSeconds, 'a whole number of seconds >= 1');
        }
        if (s.scrapeTimeoutSeconds > interval) {
          throw Errors.invalidRange(path, `${f}.scrapeTimeoutSeconds`, s.scrapeTimeoutSeconds, `${f}.scrapeIntervalSeconds`, interval);
        }
      }
      if (s.metricsPath !== undefined && (typeof s.metricsPath !== 'string' || !/^\/[^\s?#]*$/.test(s.metricsPath))) {
        throw Errors.invalidPath(path, `${f}.metricsPath`, s.metricsPath, 'is not an HTTP path starting with "/"', 'Give the path the target serves its metrics at, e.g. "/metrics"');
      }
    });
    if (p.healthCommand !== undefined && (!Array.isArray(p.healthCommand) || p.healthCommand.length === 0 || p.healthCommand.some(c => typeof c !== 'string' || !c))) {
      throw Errors.invalidCommand(path, 'healthCommand', p.healthCommand);
    }
    this.checkComponents(path, p);
    (p.otlpExporters ?? []).forEach((e, i) => Object.values(e.secretHeaders ?? {}).forEach((s, j) => {
      if (!s || typeof s.secretName !== 'string' || typeof s.key !== 'string') {
        throw Errors.invalidEnv(path, `otlpExporters[${i}].secretHeaders[${j}]`, s, 'is not a secret reference { secretName, key }');
      }
    }));
  }
}

function checkPort(port: string | undefined): boolean {
  if (port === undefined) { return false; }
  const n = Number(port);
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function checkRegion(path: string, field: string, region: string | undefined): void {
  if (region !== undefined && (typeof region !== 'string' || !AWS_REGION.test(region))) {
    throw Errors.invalidName(path, field, region, 'an AWS region such as "eu-west-1"');
  }
}

// Names context.targetPath only in errors: composed once per distinct pod (declareDeterministic).
declareDeterministic(OtelCollectorSidecar.prototype.contribute);
