/**
 * The collector components beyond the OTLP core: more receivers, processors, exporters and the
 * extensions they need. Each option type is read from the upstream component's config struct
 * (open-telemetry/opentelemetry-collector-contrib, the `config.schema.yaml` / `config.go` named at
 * each type); the generated configuration is checked by test/validate/otel-collector.ts.
 */
import { ContainerPortSpec, EnvVarSpec, PodField, Protocol, SecretKeyReference } from '../../core/container';
import { CloudPermission, CloudProvider } from '../../core/contribution';
import { Errors } from '../../core/errors';
import { VolumeKind, VolumeMountSpec, VolumeSpec } from '../../core/volume';
import type { OtelSignal } from '../otel-collector';
import { OtelExporterTls } from './sdk';

/** A Jaeger protocol of the `jaeger` receiver (each on 127.0.0.1, pod-local). */
export enum OtelJaegerProtocol {
  /** gRPC (14250). */
  GRPC = 'grpc',
  /** Thrift over HTTP (14268). */
  THRIFT_HTTP = 'thrift_http',
  /** Thrift compact over UDP (6831). */
  THRIFT_COMPACT = 'thrift_compact',
  /** Thrift binary over UDP (6832). */
  THRIFT_BINARY = 'thrift_binary',
}

/**
 * The `jaeger` receiver: traces from apps still instrumented with Jaeger clients.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/jaegerreceiver
 */
export interface OtelJaegerReceiver {
  /**
   * The protocols to listen on, each at its usual port on 127.0.0.1.
   * @default - gRPC and Thrift HTTP
   */
  readonly protocols?: OtelJaegerProtocol[];
}

/**
 * The `zipkin` receiver: Zipkin v1/v2 spans over HTTP on 127.0.0.1.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/zipkinreceiver
 */
export interface OtelZipkinReceiver {
  /**
   * Port on 127.0.0.1.
   * @default 9411
   */
  readonly port?: number;
}

/**
 * The `statsd` receiver: StatsD metrics over UDP on 127.0.0.1.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/statsdreceiver
 */
export interface OtelStatsdReceiver {
  /**
   * UDP port on 127.0.0.1.
   * @default 8125
   */
  readonly port?: number;
  /**
   * Seconds over which metrics are aggregated before they are emitted.
   * @default - the receiver's (60 s)
   */
  readonly aggregationIntervalSeconds?: number;
  /**
   * Add the StatsD metric type as the `metric_type` attribute.
   * @default false
   */
  readonly enableMetricType?: boolean;
}

/** Where the `filelog` receiver starts reading a file it has not seen. */
export enum OtelFilelogStartAt {
  /** From the beginning of the file. */
  BEGINNING = 'beginning',
  /** Only lines written after the collector found the file. */
  END = 'end',
}

/**
 * The `filelog` receiver on a log volume shared with the app: the collector brings a scratch
 * volume, mounts it read-write into the app containers (those of `appContainers`) at
 * `logDirectory`, and read-only into itself at the same path.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/receiver/filelogreceiver
 */
export interface OtelFilelogReceiver {
  /** Absolute directory the app writes its log files to (the shared volume is mounted there). */
  readonly logDirectory: string;
  /**
   * File name patterns (globs) inside `logDirectory` to read.
   * @default ['*.log']
   */
  readonly include?: string[];
  /**
   * File name patterns inside `logDirectory` to skip.
   * @default - none
   */
  readonly exclude?: string[];
  /**
   * Where to start in a file not seen before.
   * @default OtelFilelogStartAt.END
   */
  readonly startAt?: OtelFilelogStartAt;
  /**
   * Each line is a JSON object: parse it into the record's attributes (`json_parser` operator).
   * @default false
   */
  readonly parseJson?: boolean;
  /**
   * Size limit of the log volume, in MiB.
   * @default - no limit
   */
  readonly volumeSizeLimitMebibytes?: number;
}

/**
 * The `k8sattributes` processor: adds the pod's metadata read from the Kubernetes API
 * (deployment name, labels, annotations, start time). In a sidecar it watches only its own pod
 * (field selector on the pod's name, in its namespace) and matches data by `k8s.pod.uid`, which
 * the collector adds from the downward API. Kubernetes only: the collector gets a Role to read
 * pods of its namespace and a service account token; ECS and ACI refuse it.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/processor/k8sattributesprocessor
 */
export interface OtelK8sAttributes {
  /**
   * Metadata to extract (the processor's `extract.metadata`).
   * @default - k8s.pod.name, k8s.pod.uid, k8s.pod.start_time, k8s.namespace.name, k8s.node.name, k8s.deployment.name
   */
  readonly metadata?: string[];
  /**
   * Pod label keys added as `k8s.pod.labels.<key>`.
   * @default - none
   */
  readonly podLabels?: string[];
  /**
   * Pod annotation keys added as `k8s.pod.annotations.<key>`.
   * @default - none
   */
  readonly podAnnotations?: string[];
}

/** A detector of the `resourcedetection` processor. */
export enum OtelResourceDetector {
  /** `OTEL_RESOURCE_ATTRIBUTES` of the collector's environment. */
  ENV = 'env',
  /** Host name and OS of the node (or task). */
  SYSTEM = 'system',
  /** EC2 instance metadata (IMDS): Kubernetes on EC2; not on Fargate, which has no IMDS. */
  EC2 = 'ec2',
  /** ECS task metadata endpoint v4: ECS only. */
  ECS = 'ecs',
  /** EKS cluster: Kubernetes only. */
  EKS = 'eks',
  /** Azure instance metadata (IMDS): Kubernetes on Azure VMs. */
  AZURE = 'azure',
  /** AKS cluster: Kubernetes only. */
  AKS = 'aks',
  /** Google Cloud metadata: Kubernetes on GCP. */
  GCP = 'gcp',
}

/**
 * The `resourcedetection` processor.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/processor/resourcedetectionprocessor
 */
export interface OtelResourceDetection {
  /** Detectors, in order. Each must exist on the platform the pod runs on (checked at synthesis). */
  readonly detectors: OtelResourceDetector[];
  /**
   * Detected values replace attributes the data already has.
   * @default true (the processor's)
   */
  readonly override?: boolean;
  /**
   * Seconds a detector may take.
   * @default - the processor's (5 s)
   */
  readonly timeoutSeconds?: number;
}

/** An action of the `attributes` processor. */
export enum OtelAttributeActionType {
  /** Add the attribute where it does not exist. */
  INSERT = 'insert',
  /** Change the attribute where it exists. */
  UPDATE = 'update',
  /** Insert or update. */
  UPSERT = 'upsert',
  /** Remove the attribute. */
  DELETE = 'delete',
  /** Replace the value with its SHA-256 hash. */
  HASH = 'hash',
}

/**
 * One action on span, log record or data point attributes (`attributes` processor).
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/processor/attributesprocessor
 */
export interface OtelAttributeAction {
  /** Attribute key. */
  readonly key: string;
  /** What to do. */
  readonly action: OtelAttributeActionType;
  /**
   * Value for insert, update and upsert (one of `value` and `fromAttribute`).
   * @default - none
   */
  readonly value?: string;
  /**
   * Copy the value of this attribute (insert, update, upsert).
   * @default - none
   */
  readonly fromAttribute?: string;
}

/** An OTTL context of the `transform` processor. */
export enum OtelOttlContext {
  /** The resource. */
  RESOURCE = 'resource',
  /** The instrumentation scope. */
  SCOPE = 'scope',
  /** A span (traces). */
  SPAN = 'span',
  /** A span event (traces). */
  SPANEVENT = 'spanevent',
  /** A metric (metrics). */
  METRIC = 'metric',
  /** A data point (metrics). */
  DATAPOINT = 'datapoint',
  /** A log record (logs). */
  LOG = 'log',
}

/**
 * A group of OTTL statements of the `transform` processor. The statements are written into
 * the configuration as YAML strings (escaped by the writer); their OTTL is checked by the
 * collector when it starts.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/processor/transformprocessor
 */
export interface OtelTransformStatements {
  /** The context the statements run in. */
  readonly context: OtelOttlContext;
  /** OTTL statements, e.g. `set(span.attributes["env"], "prod")`. */
  readonly statements: string[];
}

/** What the collector does when an OTTL statement or condition fails. */
export enum OtelOttlErrorMode {
  /** Log and go on. */
  IGNORE = 'ignore',
  /** Do not log; go on. */
  SILENT = 'silent',
  /** Drop the data and return the error. */
  PROPAGATE = 'propagate',
}

/** The `transform` processor. */
export interface OtelTransform {
  /**
   * Statements on traces.
   * @default - none
   */
  readonly traceStatements?: OtelTransformStatements[];
  /**
   * Statements on metrics.
   * @default - none
   */
  readonly metricStatements?: OtelTransformStatements[];
  /**
   * Statements on logs.
   * @default - none
   */
  readonly logStatements?: OtelTransformStatements[];
  /**
   * What a failing statement does.
   * @default - the processor's (propagate)
   */
  readonly errorMode?: OtelOttlErrorMode;
}

/**
 * The `filter` processor: data matching any OTTL condition is dropped.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/processor/filterprocessor
 */
export interface OtelFilter {
  /**
   * Conditions on spans (`traces.span`), e.g. `attributes["http.route"] == "/healthz"`.
   * @default - none
   */
  readonly spanConditions?: string[];
  /**
   * Conditions on metrics (`metrics.metric`).
   * @default - none
   */
  readonly metricConditions?: string[];
  /**
   * Conditions on data points (`metrics.datapoint`).
   * @default - none
   */
  readonly dataPointConditions?: string[];
  /**
   * Conditions on log records (`logs.log_record`).
   * @default - none
   */
  readonly logConditions?: string[];
  /**
   * What a failing condition does.
   * @default - the processor's (propagate)
   */
  readonly errorMode?: OtelOttlErrorMode;
}

/**
 * The `probabilistic_sampler` processor (traces and logs).
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/processor/probabilisticsamplerprocessor
 */
export interface OtelProbabilisticSampler {
  /** Percentage of traces (and logs) kept, 0 to 100. */
  readonly samplingPercentage: number;
  /**
   * Hash seed (give collectors in layers different seeds).
   * @default - the processor's (0)
   */
  readonly hashSeed?: number;
}

/** A policy type of the `tail_sampling` processor. */
export enum OtelTailSamplingPolicyType {
  /** Keep every trace. */
  ALWAYS_SAMPLE = 'always_sample',
  /** Traces longer than `latencyThresholdMilliseconds`. */
  LATENCY = 'latency',
  /** Traces with a span of one of `statusCodes`. */
  STATUS_CODE = 'status_code',
  /** A percentage of traces (`samplingPercentage`). */
  PROBABILISTIC = 'probabilistic',
  /** Traces with attribute `key` equal to one of `values`. */
  STRING_ATTRIBUTE = 'string_attribute',
  /** Traces with numeric attribute `key` from `minValue` to `maxValue`. */
  NUMERIC_ATTRIBUTE = 'numeric_attribute',
  /** At most `spansPerSecond` spans per second. */
  RATE_LIMITING = 'rate_limiting',
  /** Traces with a span matching one of `spanConditions` (OTTL). */
  OTTL_CONDITION = 'ottl_condition',
}

/** A span status code for the `STATUS_CODE` tail sampling policy. */
export enum OtelSpanStatusCode {
  /** OK. */
  OK = 'OK',
  /** ERROR. */
  ERROR = 'ERROR',
  /** UNSET. */
  UNSET = 'UNSET',
}

/**
 * A policy of the `tail_sampling` processor; the fields its type uses must be set, others not.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/processor/tailsamplingprocessor
 */
export interface OtelTailSamplingPolicy {
  /** Name (unique among the policies). */
  readonly name: string;
  /** Policy type. */
  readonly type: OtelTailSamplingPolicyType;
  /**
   * LATENCY: milliseconds.
   * @default - none
   */
  readonly latencyThresholdMilliseconds?: number;
  /**
   * STATUS_CODE: the codes.
   * @default - none
   */
  readonly statusCodes?: OtelSpanStatusCode[];
  /**
   * PROBABILISTIC: percentage 0 to 100.
   * @default - none
   */
  readonly samplingPercentage?: number;
  /**
   * STRING_ATTRIBUTE and NUMERIC_ATTRIBUTE: attribute key.
   * @default - none
   */
  readonly key?: string;
  /**
   * STRING_ATTRIBUTE: values.
   * @default - none
   */
  readonly values?: string[];
  /**
   * NUMERIC_ATTRIBUTE: lowest value.
   * @default - none
   */
  readonly minValue?: number;
  /**
   * NUMERIC_ATTRIBUTE: highest value.
   * @default - none
   */
  readonly maxValue?: number;
  /**
   * RATE_LIMITING: spans per second.
   * @default - none
   */
  readonly spansPerSecond?: number;
  /**
   * OTTL_CONDITION: span conditions.
   * @default - none
   */
  readonly spanConditions?: string[];
  /**
   * STRING_ATTRIBUTE, NUMERIC_ATTRIBUTE: keep what does NOT match.
   * @default false
   */
  readonly invertMatch?: boolean;
}

/**
 * The `tail_sampling` processor. In a sidecar it sees only the spans of its own pod: a policy
 * decides on the pod's part of each trace.
 */
export interface OtelTailSampling {
  /** Policies: a trace is kept when any policy keeps it. */
  readonly policies: OtelTailSamplingPolicy[];
  /**
   * Seconds from a trace's first span until the decision.
   * @default - the processor's (30 s)
   */
  readonly decisionWaitSeconds?: number;
  /**
   * Traces kept in memory.
   * @default - the processor's (50000)
   */
  readonly numTraces?: number;
}

/**
 * The exporter's queue (`sending_queue`).
 * @see https://github.com/open-telemetry/opentelemetry-collector/tree/main/exporter/exporterhelper
 */
export interface OtelSendingQueue {
  /**
   * Queue data (false: send synchronously).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Consumers sending from the queue.
   * @default - the exporter's (10)
   */
  readonly numConsumers?: number;
  /**
   * Capacity of the queue, in requests.
   * @default - the exporter's (1000)
   */
  readonly queueSize?: number;
}

/** Retries of failed exports (`retry_on_failure`). */
export interface OtelRetryOnFailure {
  /**
   * Retry at all.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Seconds before the first retry.
   * @default - the exporter's (5 s)
   */
  readonly initialIntervalSeconds?: number;
  /**
   * Longest wait between retries, in seconds.
   * @default - the exporter's (30 s)
   */
  readonly maxIntervalSeconds?: number;
  /**
   * Seconds after which a batch is given up (0: never).
   * @default - the exporter's (300 s)
   */
  readonly maxElapsedTimeSeconds?: number;
}

/**
 * OAuth2 client credentials for an exporter (`oauth2client` extension); the secret comes from
 * the platform's secret store into the collector's environment.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/extension/oauth2clientauthextension
 */
export interface OtelOAuth2Client {
  /** Client ID. */
  readonly clientId: string;
  /** Client secret. */
  readonly clientSecret: SecretKeyReference;
  /** Token endpoint URL. */
  readonly tokenUrl: string;
  /**
   * Scopes.
   * @default - none
   */
  readonly scopes?: string[];
}

/**
 * AWS SigV4 signing for an exporter (`sigv4auth` extension), with the pod's AWS identity.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/extension/sigv4authextension
 */
export interface OtelSigV4Auth {
  /**
   * AWS region.
   * @default - the AWS SDK's resolution
   */
  readonly region?: string;
  /**
   * Service name for signing (e.g. `aps` for Amazon Managed Prometheus, which also grants
   * `aps:RemoteWrite` on ECS).
   * @default - derived from the endpoint by the extension
   */
  readonly service?: string;
  /**
   * Role to assume first.
   * @default - the pod's own identity
   */
  readonly assumeRoleArn?: string;
}

/**
 * Authentication and delivery settings an exporter shares: TLS files, one authenticator, the
 * queue and retries.
 */
export interface OtelExporterDelivery {
  /**
   * TLS files from a secret, mounted read-only into the collector at `/etc/otelcol-tls/<secretName>`.
   * @default - none
   */
  readonly tls?: OtelExporterTls;
  /**
   * Bearer token from a secret (`bearertokenauth` extension, `Authorization: Bearer ...`).
   * @default - none
   */
  readonly bearerToken?: SecretKeyReference;
  /**
   * OAuth2 client credentials (`oauth2client` extension).
   * @default - none
   */
  readonly oauth2?: OtelOAuth2Client;
  /**
   * AWS SigV4 signing (`sigv4auth` extension).
   * @default - none
   */
  readonly sigv4?: OtelSigV4Auth;
  /**
   * The exporter's queue.
   * @default - the exporter's defaults
   */
  readonly sendingQueue?: OtelSendingQueue;
  /**
   * Retries.
   * @default - the exporter's defaults
   */
  readonly retryOnFailure?: OtelRetryOnFailure;
}

/**
 * The `prometheusremotewrite` exporter (metrics).
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/exporter/prometheusremotewriteexporter
 */
export interface OtelPrometheusRemoteWriteExporter {
  /** Remote write URL, e.g. `https://prometheus.example/api/v1/write`. */
  readonly endpoint: string;
  /**
   * Prefix of every metric name.
   * @default - none
   */
  readonly metricNamespace?: string;
  /**
   * Labels added to every series.
   * @default - none
   */
  readonly externalLabels?: { [name: string]: string };
  /**
   * Turn resource attributes into labels.
   * @default false
   */
  readonly resourceToTelemetry?: boolean;
  /**
   * TLS, authentication, queue (`remote_write_queue`) and retries.
   * @default - none
   */
  readonly delivery?: OtelExporterDelivery;
}

/**
 * The `datadog` exporter.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/exporter/datadogexporter
 */
export interface OtelDatadogExporter {
  /** The API key, from a secret. */
  readonly apiKey: SecretKeyReference;
  /**
   * Datadog site, e.g. `datadoghq.eu`.
   * @default - the exporter's (datadoghq.com)
   */
  readonly site?: string;
  /**
   * The signals it takes.
   * @default - traces, metrics and logs
   */
  readonly signals?: OtelSignal[];
  /**
   * The exporter's queue.
   * @default - the exporter's defaults
   */
  readonly sendingQueue?: OtelSendingQueue;
  /**
   * Retries.
   * @default - the exporter's defaults
   */
  readonly retryOnFailure?: OtelRetryOnFailure;
}

/**
 * The `elasticsearch` exporter.
 * @see https://github.com/open-telemetry/opentelemetry-collector-contrib/tree/main/exporter/elasticsearchexporter
 */
export interface OtelElasticsearchExporter {
  /** Elasticsearch URLs. */
  readonly endpoints: string[];
  /**
   * User of HTTP basic authentication (with `password`).
   * @default - none
   */
  readonly user?: string;
  /**
   * Password of `user`, from a secret.
   * @default - none
   */
  readonly password?: SecretKeyReference;
  /**
   * API key, from a secret (instead of user and password).
   * @default - none
   */
  readonly apiKey?: SecretKeyReference;
  /**
   * Static index for logs.
   * @default - dynamic routing
   */
  readonly logsIndex?: string;
  /**
   * Static index for traces.
   * @default - dynamic routing
   */
  readonly tracesIndex?: string;
  /**
   * TLS files from a secret.
   * @default - none
   */
  readonly tls?: OtelExporterTls;
  /**
   * The signals it takes.
   * @default - traces, metrics and logs
   */
  readonly signals?: OtelSignal[];
  /**
   * The exporter's queue.
   * @default - the exporter's defaults
   */
  readonly sendingQueue?: OtelSendingQueue;
}

/** A debugging extension on 127.0.0.1 (pod-local: reach it with a port-forward or exec). */
export interface OtelDebugExtension {
  /**
   * Port on 127.0.0.1.
   * @default - 1777 (pprof), 55679 (zpages)
   */
  readonly port?: number;
}

const HEADER_SAFE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** What the extra components add to the collector container and the pod. */
export class CollectorParts {
  public readonly extensions: { [key: string]: any } = {};
  public readonly env: EnvVarSpec[] = [];
  public readonly volumes: VolumeSpec[] = [];
  public readonly mounts: VolumeMountSpec[] = [];
  public readonly ports: ContainerPortSpec[] = [];
  public readonly permissions: CloudPermission[] = [];
  /** The prop that asked for each of `volumes` (for errors naming it). */
  public readonly volumeProps: string[] = [];
  private secrets = 0;
  private readonly tlsVolumes = new Map<string, string>();

  constructor(private readonly path: string, private readonly name: string) {}

  /** A secret value in the collector's environment, referenced from the configuration. */
  public secret(ref: SecretKeyReference): string {
    const name = `OTELCOL_SECRET_${this.secrets++}`;
    this.env.push({ name, secret: ref });
    return `\${env:${name}}`;
  }

  /** configtls fields of the TLS files, the secret mounted once per secret name. */
  public tls(field: string, tls: OtelExporterTls): any {
    if (tls.caFile === undefined && tls.certFile === undefined) {
      throw Errors.missingSetting(this.path, `${field}.caFile`, `${field} names no file, so it would change nothing`, `Set ${field}.caFile and/or certFile with keyFile`);
    }
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      throw Errors.missingSetting(this.path, `${field}.${tls.certFile === undefined ? 'certFile' : 'keyFile'}`,
        'a client certificate needs its key and the other way round', `Set both ${field}.certFile and ${field}.keyFile, or neither`);
    }
    const dir = `/etc/otelcol-tls/${tls.secretName}`;
    if (!this.tlsVolumes.has(tls.secretName)) {
      const volume = `${this.name}-tls-${this.tlsVolumes.size}`;
      this.tlsVolumes.set(tls.secretName, volume);
      this.volumes.push({ name: volume, kind: VolumeKind.SECRET, secretName: tls.secretName });
      this.volumeProps.push(field);
      this.mounts.push({ volume, path: dir, readOnly: true });
    }
    const out: any = {};
    for (const [key, file] of [['ca_file', tls.caFile], ['cert_file', tls.certFile], ['key_file', tls.keyFile]] as const) {
      if (file === undefined) { continue; }
      if (!/^[-._a-zA-Z0-9]{1,253}$/.test(file) || file === '.' || file === '..') {
        throw Errors.invalidSecretKey(this.path, `${field}.${key === 'ca_file' ? 'caFile' : key === 'cert_file' ? 'certFile' : 'keyFile'}`, file, 'a file name in the collector');
      }
      out[key] = `${dir}/${file}`;
    }
    return out;
  }

  /** The authenticator extension of one exporter; returns its id for `auth.authenticator`. */
  public authenticator(field: string, id: string, d: OtelExporterDelivery): string | undefined {
    const set = (['bearerToken', 'oauth2', 'sigv4'] as const).filter(k => d[k] !== undefined);
    if (set.length > 1) {
      throw Errors.invalidRole(this.path, `${field}.${set[1]}`, set, 'sets a second authenticator; an exporter has one', `Keep one of ${set.map(s => `${field}.${s}`).join(', ')}`);
    }
    if (!HEADER_SAFE.test(id)) { throw Errors.invalidName(this.path, field, id, 'an exporter name usable as an extension name'); }
    if (d.bearerToken) {
      const key = `bearertokenauth/${id}`;
      this.extensions[key] = { token: this.secret(d.bearerToken) };
      return key;
    }
    if (d.oauth2) {
      const o = d.oauth2;
      if (typeof o.clientId !== 'string' || o.clientId.length === 0 || /[\r\n]/.test(o.clientId)) {
        throw Errors.invalidName(this.path, `${field}.oauth2.clientId`, o.clientId, 'a client ID on one line');
      }
      if (typeof o.tokenUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(o.tokenUrl)) {
        throw Errors.invalidUrl(this.path, `${field}.oauth2.tokenUrl`, o.tokenUrl, 'is not an http(s) URL', 'Give the token endpoint, e.g. "https://auth.example.com/oauth2/token"');
      }
      const key = `oauth2client/${id}`;
      this.extensions[key] = {
        client_id: lit(o.clientId),
        client_secret: this.secret(o.clientSecret),
        token_url: lit(o.tokenUrl),
        ...(o.scopes?.length ? { scopes: o.scopes.map(lit) } : {}),
      };
      return key;
    }
    if (d.sigv4) {
      const s = d.sigv4;
      if (s.region !== undefined && !/^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/.test(s.region)) {
        throw Errors.invalidName(this.path, `${field}.sigv4.region`, s.region, 'an AWS region such as "eu-west-1"');
      }
      if (s.service !== undefined && !/^[a-z0-9-]{1,64}$/.test(s.service)) {
        throw Errors.invalidName(this.path, `${field}.sigv4.service`, s.service, 'an AWS signing name such as "aps"');
      }
      if (s.assumeRoleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(s.assumeRoleArn)) {
        throw Errors.invalidName(this.path, `${field}.sigv4.assumeRoleArn`, s.assumeRoleArn, 'an IAM role ARN');
      }
      const key = `sigv4auth/${id}`;
      this.extensions[key] = {
        ...(s.region !== undefined ? { region: s.region } : {}),
        ...(s.service !== undefined ? { service: s.service } : {}),
        ...(s.assumeRoleArn !== undefined ? { assume_role: { arn: s.assumeRoleArn } } : {}),
      };
      // Amazon Managed Service for Prometheus writes: https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-onboard-ingest-metrics-OpenTelemetry.html
      if (s.service === 'aps') { this.permissions.push({ provider: CloudProvider.AWS, actions: ['aps:RemoteWrite'] }); }
      if (s.assumeRoleArn !== undefined) { this.permissions.push({ provider: CloudProvider.AWS, actions: ['sts:AssumeRole'], resources: [s.assumeRoleArn] }); }
      return key;
    }
    return undefined;
  }

  /** `sending_queue` and `retry_on_failure` of one exporter (checked). */
  public delivery(field: string, d: OtelExporterDelivery): any {
    const out: any = {};
    const q = d.sendingQueue;
    if (q) {
      for (const k of ['numConsumers', 'queueSize'] as const) {
        if (q[k] !== undefined && (!Number.isInteger(q[k]) || q[k]! < 1)) { throw Errors.invalidNumber(this.path, `${field}.sendingQueue.${k}`, q[k], 'an integer >= 1'); }
      }
      if (q.enabled === false && (q.numConsumers !== undefined || q.queueSize !== undefined)) {
        throw Errors.ineffectiveSetting(this.path, `${field}.sendingQueue`, q, 'the queue is disabled', 'Leave numConsumers and queueSize out, or enable the queue');
      }
      out.sending_queue = {
        ...(q.enabled !== undefined ? { enabled: q.enabled } : {}),
        ...(q.numConsumers !== undefined ? { num_consumers: q.numConsumers } : {}),
        ...(q.queueSize !== undefined ? { queue_size: q.queueSize } : {}),
      };
    }
    const r = d.retryOnFailure;
    if (r) {
      for (const k of ['initialIntervalSeconds', 'maxIntervalSeconds', 'maxElapsedTimeSeconds'] as const) {
        if (r[k] !== undefined && (!Number.isInteger(r[k]) || r[k]! < 0)) { throw Errors.invalidNumber(this.path, `${field}.retryOnFailure.${k}`, r[k], 'a whole number of seconds >= 0'); }
      }
      if (r.initialIntervalSeconds !== undefined && r.maxIntervalSeconds !== undefined && r.initialIntervalSeconds > r.maxIntervalSeconds) {
        throw Errors.invalidRange(this.path, `${field}.retryOnFailure.initialIntervalSeconds`, r.initialIntervalSeconds, `${field}.retryOnFailure.maxIntervalSeconds`, r.maxIntervalSeconds);
      }
      out.retry_on_failure = {
        ...(r.enabled !== undefined ? { enabled: r.enabled } : {}),
        ...(r.initialIntervalSeconds !== undefined ? { initial_interval: `${r.initialIntervalSeconds}s` } : {}),
        ...(r.maxIntervalSeconds !== undefined ? { max_interval: `${r.maxIntervalSeconds}s` } : {}),
        ...(r.maxElapsedTimeSeconds !== undefined ? { max_elapsed_time: `${r.maxElapsedTimeSeconds}s` } : {}),
      };
    }
    return out;
  }

  /** TLS, authenticator, queue and retries of one exporter, as its config fields. */
  public exporterFields(field: string, id: string, d: OtelExporterDelivery | undefined): any {
    if (!d) { return {}; }
    const out: any = { ...this.delivery(field, d) };
    if (d.tls) { out.tls = this.tls(`${field}.tls`, d.tls); }
    const auth = this.authenticator(field, id, d);
    if (auth) { out.auth = { authenticator: auth }; }
    return out;
  }

  /** A pod-local port of a receiver or extension. */
  public port(port: number, name: string, protocol: Protocol = Protocol.TCP): void {
    this.ports.push({ port, name, protocol });
  }
}

/** Downward API variables the collector reads for `kubernetesAttributes` and `k8sAttributes`. */
export const K8S_ENV: Array<[string, string, PodField]> = [
  ['k8s.pod.name', 'POD_NAME', PodField.POD_NAME],
  ['k8s.pod.uid', 'POD_UID', PodField.POD_UID],
  ['k8s.namespace.name', 'POD_NAMESPACE', PodField.POD_NAMESPACE],
  ['k8s.node.name', 'NODE_NAME', PodField.NODE_NAME],
];

/**
 * A literal `$` in the collector configuration is written `$$` (the collector expands `${...}`).
 */
export function lit(s: string): string {
  return s.replace(/\$/g, '$$$$');
}
