import { onOff, STATE_DIR } from './common';
import { SecretKeyReference } from '../../core/container';
import { CloudPermission, CloudProvider, NetworkEndpoint } from '../../core/contribution';
import { endpointOf, endpoints } from '../../core/endpoints';
import { Errors } from '../../core/errors';
import { checkFluentBitValue } from '../../core/escape-fluent-bit';
import { PropTypes, SECRET_REF, SECRET_REF_MAP } from '../../core/prop-types';

/** Common options of an output. */
export interface FluentBitOutputOptions {
  /**
   * Tag pattern of the records sent to this output.
   * @default '*'
   */
  readonly match?: string;
  /**
   * Retries of a failed flush before the chunk is dropped: a whole number >= 1. Fluent Bit
   * replaces 0 or less by 1 (fluent/fluent-bit src/flb_output.c), so they are refused: for no
   * retry or no limit, use `retry` (`RetryLimit.none()`, `RetryLimit.unlimited()`).
   * @default 5
   */
  readonly retryLimit?: number;
  /**
   * How often a failed flush is retried, as a typed choice (instead of `retryLimit`).
   * @default - RetryLimit.retries(5), or `retryLimit` when given
   */
  readonly retry?: RetryLimit;
  /**
   * Threads that flush this output (`workers`).
   * @default - the plugin's default
   * @see https://docs.fluentbit.io/manual/administration/multithreading
   */
  readonly workers?: number;
  /**
   * Most disk space the chunks queued for this output may take, in MiB
   * (`storage.total_limit_size`): the oldest are dropped above it. Needs `storage` on the sidecar.
   * @default - no limit
   * @see https://docs.fluentbit.io/manual/administration/buffering-and-storage
   */
  readonly storageTotalLimitSizeMebibytes?: number;
  /**
   * Regular expression on the tag, instead of `match` (`match_regex`).
   * @default - match is used
   */
  readonly matchRegex?: string;
  /**
   * Seconds to wait for a connection (`net.connect_timeout`).
   * @default 10
   * @see https://docs.fluentbit.io/manual/administration/networking
   */
  readonly connectTimeoutSeconds?: number;
  /**
   * Keep connections open between flushes (`net.keepalive`).
   * @default true
   */
  readonly keepalive?: boolean;
  /**
   * Seconds a connection may stay idle while assigned (`net.io_timeout`).
   * @default - no limit
   */
  readonly ioTimeoutSeconds?: number;
  /**
   * Seconds an idle keepalive connection is kept (`net.keepalive_idle_timeout`).
   * @default 30
   */
  readonly keepaliveIdleTimeoutSeconds?: number;
  /**
   * Uses of a keepalive connection before it is retired (`net.keepalive_max_recycle`).
   * @default 2000
   */
  readonly keepaliveMaxRecycle?: number;
  /**
   * Connections per worker at most (`net.max_worker_connections`).
   * @default - no limit
   */
  readonly maxWorkerConnections?: number;
  /**
   * DNS transport for this output (`net.dns.mode`): 'UDP' or 'TCP'.
   * @default - the service's dnsMode
   */
  readonly dnsMode?: string;
  /**
   * Verify the server's certificate (`tls.verify`), where TLS is on.
   * @default true
   * @see https://docs.fluentbit.io/manual/administration/transport-security
   */
  readonly tlsVerify?: boolean;
  /**
   * CA certificate to verify the server with (`tls.ca_file`), from a key of a secret mounted as
   * a file into the Fluent Bit container (Kubernetes Secret volume; on ACI the key must be listed
   * in `secretVolumeKeys`; ECS cannot mount secrets as files: an error).
   * @default - the image's trust store
   */
  readonly tlsCaSecret?: SecretKeyReference;
}

/**
 * How often Fluent Bit retries a failed flush before it drops the chunk (`retry_limit`).
 *
 * @see https://docs.fluentbit.io/manual/administration/scheduling-and-retries
 */
export class RetryLimit {
  /** At most `count` retries (a whole number >= 1). */
  public static retries(count: number): RetryLimit {
    return new RetryLimit(count);
  }

  /** No retry: a failed chunk is dropped at once (`no_retries`). */
  public static none(): RetryLimit {
    return new RetryLimit('no_retries');
  }

  /** Retry until the flush succeeds (`no_limits`). */
  public static unlimited(): RetryLimit {
    return new RetryLimit('no_limits');
  }

  /** The value of Fluent Bit's `retry_limit`. */
  public readonly value: string;
  private readonly count?: number;

  private constructor(value: number | string) {
    this.value = String(value);
    this.count = typeof value === 'string' ? undefined : value;
  }

  /** The number of retries, for `retries()`. @internal */
  public _count(): number | undefined {
    return this.count;
  }

  /** @internal */
  public _render(): string | number {
    return this.count ?? this.value;
  }
}

/** Elasticsearch output (also used for OpenSearch with `FluentBitOutput.opensearch`). */
export interface FluentBitElasticsearchOptions extends FluentBitOutputOptions {
  /**
   * Host. Required unless `cloudId` is given.
   * @default - from cloudId
   */
  readonly host?: string;
  /**
   * Port.
   * @default 9200
   */
  readonly port?: number;
  /**
   * Index (when `logstashFormat` is off).
   * @default 'fluent-bit'
   */
  readonly index?: string;
  /**
   * TLS.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Basic auth user (`http_user`); give the password as `httpPassword`.
   * @default - no basic auth
   */
  readonly httpUser?: string;
  /**
   * Basic auth password (`http_passwd`), from a secret: given to the Fluent Bit container
   * only, as an environment variable the config refers to as `${NAME}`.
   * @default - no basic auth
   */
  readonly httpPassword?: SecretKeyReference;
  /**
   * Elasticsearch API key (`http_api_key`, the base64 `id:api_key`), from a secret.
   * @default - none
   */
  readonly apiKey?: SecretKeyReference;
  /**
   * Elastic Cloud deployment id (`cloud_id`), instead of host and port.
   * @default - none
   */
  readonly cloudId?: string;
  /**
   * Elastic Cloud credentials `user:password` (`cloud_auth`), from a secret.
   * @default - none
   */
  readonly cloudAuth?: SecretKeyReference;
  /**
   * Sign requests with the task's or pod's AWS credentials (`aws_auth`, Amazon OpenSearch
   * Service); grants `es:ESHttpPost` and `es:ESHttpPut` on ECS.
   * @default false
   */
  readonly awsAuth?: boolean;
  /**
   * Region of the domain (`aws_region`), with awsAuth.
   * @default - none (required with awsAuth)
   */
  readonly awsRegion?: string;
  /**
   * Role to assume for signing (`aws_role_arn`), with awsAuth.
   * @default - the task's or pod's own credentials
   */
  readonly awsRoleArn?: string;
  /**
   * Daily indices `<logstashPrefix>-YYYY.MM.DD` (`logstash_format`).
   * @default false
   */
  readonly logstashFormat?: boolean;
  /**
   * Prefix of the daily indices (`logstash_prefix`), with logstashFormat.
   * @default 'logstash'
   */
  readonly logstashPrefix?: string;
  /**
   * Replace dots in field names by underscores (`replace_dots`).
   * @default false
   */
  readonly replaceDots?: boolean;
}

/** Amazon OpenSearch Service / OpenSearch output. */
export interface FluentBitOpenSearchOptions extends FluentBitOutputOptions {
  /** Host. */
  readonly host: string;
  /**
   * Port.
   * @default 443
   */
  readonly port?: number;
  /**
   * Index.
   * @default 'fluent-bit'
   */
  readonly index?: string;
  /**
   * TLS.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Basic auth user (`http_user`); give the password as `httpPassword`.
   * @default - no basic auth
   */
  readonly httpUser?: string;
  /**
   * Basic auth password (`http_passwd`), from a secret.
   * @default - no basic auth
   */
  readonly httpPassword?: SecretKeyReference;
  /**
   * Sign requests with AWS SigV4 (`aws_auth`); grants `es:ESHttpPost`/`es:ESHttpPut`
   * (`aoss:APIAccessAll` with serverless) on ECS.
   * @default false
   */
  readonly awsAuth?: boolean;
  /**
   * Region (`aws_region`), with awsAuth.
   * @default - none (required with awsAuth)
   */
  readonly awsRegion?: string;
  /**
   * Role to assume (`aws_role_arn`), with awsAuth.
   * @default - the task's or pod's own credentials
   */
  readonly awsRoleArn?: string;
  /**
   * OpenSearch Serverless (`aws_service_name aoss`), with awsAuth.
   * @default false
   */
  readonly serverless?: boolean;
  /**
   * Daily indices (`logstash_format`).
   * @default false
   */
  readonly logstashFormat?: boolean;
  /**
   * Prefix of the daily indices (`logstash_prefix`).
   * @default 'logstash'
   */
  readonly logstashPrefix?: string;
  /**
   * Replace dots in field names (`replace_dots`).
   * @default false
   */
  readonly replaceDots?: boolean;
}

/** Grafana Loki output. */
export interface FluentBitLokiOptions extends FluentBitOutputOptions {
  /** Host. */
  readonly host: string;
  /**
   * Port.
   * @default 3100
   */
  readonly port?: number;
  /**
   * Static labels.
   * @default { job: 'fluent-bit' }
   */
  readonly labels?: { [name: string]: string };
  /**
   * TLS.
   * @default false
   */
  readonly tls?: boolean;
  /**
   * Tenant (`tenant_id`, the X-Scope-OrgID header).
   * @default - none
   */
  readonly tenantId?: string;
  /**
   * Basic auth user (`http_user`).
   * @default - none
   */
  readonly httpUser?: string;
  /**
   * Basic auth password (`http_passwd`), from a secret.
   * @default - none
   */
  readonly httpPassword?: SecretKeyReference;
  /**
   * Bearer token (`bearer_token`), from a secret.
   * @default - none
   */
  readonly bearerToken?: SecretKeyReference;
  /**
   * Record keys made labels (`label_keys`, record accessors such as `$kubernetes['pod_name']`).
   * @default - none
   */
  readonly labelKeys?: string[];
  /**
   * Format of the line (`line_format`): 'json' or 'key_value'.
   * @default 'json'
   */
  readonly lineFormat?: string;
}

/** Amazon CloudWatch Logs output (needs the task role's logs permissions, granted on ECS). */
export interface FluentBitCloudWatchLogsOptions extends FluentBitOutputOptions {
  /** AWS region. */
  readonly region: string;
  /** Log group. */
  readonly logGroupName: string;
  /**
   * Prefix of the log stream names.
   * @default 'fluent-bit-' (unless logStreamName is given)
   */
  readonly logStreamPrefix?: string;
  /**
   * One fixed log stream name (`log_stream_name`), instead of logStreamPrefix.
   * @default - a stream per tag, named logStreamPrefix + tag
   */
  readonly logStreamName?: string;
  /**
   * Create the log group if missing.
   * @default false
   */
  readonly autoCreateGroup?: boolean;
  /**
   * Retention of a group it creates, in days (`log_retention_days`; grants logs:PutRetentionPolicy).
   * @default - never expire
   */
  readonly logRetentionDays?: number;
  /**
   * Role to assume (`role_arn`; grants sts:AssumeRole on it).
   * @default - the task's or pod's own credentials
   */
  readonly roleArn?: string;
  /**
   * Log format header (`log_format`, e.g. 'json/emf' for embedded metrics).
   * @default - none
   */
  readonly logFormat?: string;
}

/** Amazon S3 output (needs s3:PutObject, granted on ECS). */
export interface FluentBitS3Options extends FluentBitOutputOptions {
  /** Bucket name. */
  readonly bucket: string;
  /** AWS region. */
  readonly region: string;
  /**
   * Size of each object, in MiB.
   * @default 50
   */
  readonly totalFileSizeMebibytes?: number;
  /**
   * Seconds after which a partial object is uploaded.
   * @default 600
   */
  readonly uploadTimeoutSeconds?: number;
  /**
   * Object key format (`s3_key_format`, e.g. '/logs/$TAG/%Y/%m/%d/$UUID.gz').
   * @default - the plugin's default '/fluent-bit-logs/$TAG/%Y/%m/%d/%H/%M/%S'
   */
  readonly s3KeyFormat?: string;
  /**
   * Compression (`compression`): 'gzip', 'zstd', 'snappy' or 'arrow'.
   * @default - none
   */
  readonly compression?: string;
  /**
   * Role to assume (`role_arn`; grants sts:AssumeRole on it).
   * @default - the task's or pod's own credentials
   */
  readonly roleArn?: string;
}

/** Forward output (to Fluentd or another Fluent Bit). */
export interface FluentBitForwardOptions extends FluentBitOutputOptions {
  /** Host. */
  readonly host: string;
  /**
   * Port.
   * @default 24224
   */
  readonly port?: number;
  /**
   * Shared key of the secure forward handshake (`shared_key`), from a secret.
   * @default - none
   */
  readonly sharedKey?: SecretKeyReference;
  /**
   * Host name sent in the handshake (`self_hostname`), with sharedKey.
   * @default - the plugin's default
   */
  readonly selfHostname?: string;
  /**
   * TLS.
   * @default false
   */
  readonly tls?: boolean;
}

/** HTTP output. */
export interface FluentBitHttpOptions extends FluentBitOutputOptions {
  /** Host. */
  readonly host: string;
  /**
   * Port.
   * @default 443
   */
  readonly port?: number;
  /**
   * Path.
   * @default '/'
   */
  readonly uri?: string;
  /**
   * Payload format (json, json_lines, msgpack...).
   * @default 'json'
   */
  readonly format?: string;
  /**
   * TLS.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Headers with literal values (`header`).
   * @default - none
   */
  readonly headers?: { [name: string]: string };
  /**
   * Headers whose values come from a secret (`header Name ${VAR}`; the variable is set in the
   * Fluent Bit container only).
   * @default - none
   */
  readonly secretHeaders?: { [name: string]: SecretKeyReference };
  /**
   * Basic auth user (`http_user`).
   * @default - none
   */
  readonly httpUser?: string;
  /**
   * Basic auth password (`http_passwd`), from a secret.
   * @default - none
   */
  readonly httpPassword?: SecretKeyReference;
  /**
   * Payload compression (`compress`): 'gzip', 'snappy' or 'zstd'.
   * @default - none
   */
  readonly compress?: string;
}

/** OpenTelemetry (OTLP/HTTP) output. */
export interface FluentBitOpenTelemetryOptions extends FluentBitOutputOptions {
  /** Host. */
  readonly host: string;
  /**
   * Port.
   * @default 4318
   */
  readonly port?: number;
  /**
   * Path of the logs endpoint (`logs_uri`).
   * @default '/v1/logs'
   */
  readonly logsUri?: string;
  /**
   * TLS.
   * @default false
   */
  readonly tls?: boolean;
  /**
   * Headers with literal values (`header`).
   * @default - none
   */
  readonly headers?: { [name: string]: string };
  /**
   * Headers whose values come from a secret.
   * @default - none
   */
  readonly secretHeaders?: { [name: string]: SecretKeyReference };
}

/** Datadog output. */
export interface FluentBitDatadogOptions extends FluentBitOutputOptions {
  /** API key (`apikey`), from a secret. */
  readonly apiKey: SecretKeyReference;
  /**
   * Intake host (`host`), per Datadog site.
   * @default 'http-intake.logs.datadoghq.com'
   */
  readonly host?: string;
  /**
   * Service name (`dd_service`).
   * @default - none
   */
  readonly service?: string;
  /**
   * Source (`dd_source`).
   * @default - none
   */
  readonly source?: string;
  /**
   * Tags (`dd_tags`, 'key:value,key:value').
   * @default - none
   */
  readonly tags?: string;
}

/** Splunk HTTP Event Collector output. */
export interface FluentBitSplunkOptions extends FluentBitOutputOptions {
  /** Host. */
  readonly host: string;
  /** HEC token (`splunk_token`), from a secret. */
  readonly token: SecretKeyReference;
  /**
   * Port.
   * @default 8088
   */
  readonly port?: number;
  /**
   * TLS.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * Index (`event_index`).
   * @default - the token's default index
   */
  readonly index?: string;
}

/** Apache Kafka output. */
export interface FluentBitKafkaOptions extends FluentBitOutputOptions {
  /** Brokers, `host:port` each (`brokers`). */
  readonly brokers: string[];
  /** Topics (`topics`); records go to the first. */
  readonly topics: string[];
  /**
   * SASL user name (`rdkafka.sasl.username`); give the password as `saslPassword`.
   * @default - no SASL
   */
  readonly saslUsername?: string;
  /**
   * SASL password (`rdkafka.sasl.password`), from a secret.
   * @default - no SASL
   */
  readonly saslPassword?: SecretKeyReference;
  /**
   * SASL mechanism (`rdkafka.sasl.mechanisms`): PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
   * @default 'PLAIN' (with SASL)
   */
  readonly saslMechanism?: string;
  /**
   * TLS to the brokers (`rdkafka.security.protocol` SASL_SSL / SSL).
   * @default true with SASL, false otherwise
   */
  readonly tls?: boolean;
}

/** Amazon Data Firehose output (grants firehose:PutRecordBatch on ECS). */
export interface FluentBitKinesisFirehoseOptions extends FluentBitOutputOptions {
  /** AWS region. */
  readonly region: string;
  /** Delivery stream name. */
  readonly deliveryStream: string;
  /**
   * Role to assume (`role_arn`; grants sts:AssumeRole on it).
   * @default - the task's or pod's own credentials
   */
  readonly roleArn?: string;
}

/** Amazon Kinesis Data Streams output (grants kinesis:PutRecords on ECS). */
export interface FluentBitKinesisStreamsOptions extends FluentBitOutputOptions {
  /** AWS region. */
  readonly region: string;
  /** Stream name. */
  readonly stream: string;
  /**
   * Role to assume (`role_arn`; grants sts:AssumeRole on it).
   * @default - the task's or pod's own credentials
   */
  readonly roleArn?: string;
}

/** Azure Log Analytics output (`azure`). */
export interface FluentBitAzureLogAnalyticsOptions extends FluentBitOutputOptions {
  /** Workspace id (`customer_id`). */
  readonly customerId: string;
  /** Workspace key (`shared_key`), from a secret. */
  readonly sharedKey: SecretKeyReference;
  /**
   * Record type (`log_type`).
   * @default 'fluentbit'
   */
  readonly logType?: string;
}

/** Azure Blob Storage output (`azure_blob`). */
export interface FluentBitAzureBlobOptions extends FluentBitOutputOptions {
  /** Storage account (`account_name`). */
  readonly accountName: string;
  /** Account key (`shared_key`), from a secret. */
  readonly sharedKey: SecretKeyReference;
  /** Container (`container_name`). */
  readonly containerName: string;
  /**
   * Create the container if missing (`auto_create_container`).
   * @default true
   */
  readonly autoCreateContainer?: boolean;
}

/** Google Cloud Logging output (`stackdriver`). */
export interface FluentBitStackdriverOptions extends FluentBitOutputOptions {
  /**
   * Monitored resource type (`resource`): global, generic_node, generic_task, k8s_container, k8s_pod, k8s_node or gce_instance.
   * @default 'global'
   */
  readonly resource?: string;
  /**
   * Project receiving the logs (`export_to_project_id`).
   * @default - the metadata server's project
   */
  readonly exportToProjectId?: string;
  /**
   * Labels of every entry (`labels`, key=value).
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * A service account key (JSON) from a secret, mounted as a file
   * (`google_service_credentials`; Kubernetes Secret volume, ACI secret volume from
   * `secretVolumeKeys`; ECS cannot mount secrets as files: an error).
   * @default - credentials from the metadata server
   */
  readonly credentialsSecret?: SecretKeyReference;
}

/** A setting whose value comes from a secret, rendered as `${VAR}` (with `prefix` before it). @internal */
export interface SecretSetting {
  readonly secret: SecretKeyReference;
  /** The option it comes from, e.g. `httpPassword` or `secretHeaders["X-Key"]`. */
  readonly field: string;
  readonly prefix?: string;
}

type Setting = string | number | SecretSetting | Array<string | SecretSetting>;
type Settings = { [key: string]: Setting | undefined };

/** One rendered entry: key, value, the option it comes from, whether it carries `${VAR}`. @internal */
export type RenderedEntry = [string, string | number, string, boolean];

const AWS_SIGN = ['es:ESHttpGet', 'es:ESHttpPost', 'es:ESHttpPut'];

function secret(ref: SecretKeyReference | undefined, field: string, prefix?: string): SecretSetting | undefined {
  return ref === undefined ? undefined : { secret: ref, field, ...(prefix !== undefined ? { prefix } : {}) };
}

function assume(roleArn: string | undefined): CloudPermission[] {
  return roleArn === undefined ? [] : [{ provider: CloudProvider.AWS, actions: ['sts:AssumeRole'], resources: [roleArn] }];
}

function headerEntries(headers: { [name: string]: string } | undefined,
  secrets: { [name: string]: SecretKeyReference } | undefined): Array<string | SecretSetting> {
  const lit = typeof headers === 'object' && headers !== null ? Object.entries(headers).map(([k, v]) => `${k} ${v}`) : [];
  const sec = typeof secrets === 'object' && secrets !== null
    ? Object.entries(secrets).map(([k, v]): SecretSetting => ({ secret: v, field: `secretHeaders[${JSON.stringify(k)}]`, prefix: `${k} ` })) : [];
  return [...lit, ...sec];
}

/** Where logs go. */
export class FluentBitOutput {
  /** Elasticsearch (`es`), or Elastic Cloud with cloudId. */
  public static elasticsearch(o: FluentBitElasticsearchOptions): FluentBitOutput {
    return new FluentBitOutput('es', o, {
      ...(o.cloudId === undefined || o.host !== undefined ? { host: o.host, port: o.port ?? 9200 } : {}),
      index: o.logstashFormat ? undefined : o.index ?? 'fluent-bit',
      tls: onOff(o.tls ?? true),
      suppress_type_name: 'on',
      http_user: o.httpUser,
      http_passwd: secret(o.httpPassword, 'httpPassword'),
      http_api_key: secret(o.apiKey, 'apiKey'),
      cloud_id: o.cloudId,
      cloud_auth: secret(o.cloudAuth, 'cloudAuth'),
      aws_auth: o.awsAuth !== undefined ? onOff(o.awsAuth) : undefined,
      aws_region: o.awsRegion,
      aws_role_arn: o.awsRoleArn,
      logstash_format: o.logstashFormat !== undefined ? onOff(o.logstashFormat) : undefined,
      logstash_prefix: o.logstashPrefix,
      replace_dots: o.replaceDots !== undefined ? onOff(o.replaceDots) : undefined,
    }, o.awsAuth ? [{ provider: CloudProvider.AWS, actions: AWS_SIGN }, ...assume(o.awsRoleArn)] : []);
  }

  /** OpenSearch / Amazon OpenSearch Service (`opensearch`). */
  public static opensearch(o: FluentBitOpenSearchOptions): FluentBitOutput {
    return new FluentBitOutput('opensearch', o, {
      host: o.host,
      port: o.port ?? 443,
      index: o.logstashFormat ? undefined : o.index ?? 'fluent-bit',
      tls: onOff(o.tls ?? true),
      suppress_type_name: 'on',
      http_user: o.httpUser,
      http_passwd: secret(o.httpPassword, 'httpPassword'),
      aws_auth: o.awsAuth !== undefined ? onOff(o.awsAuth) : undefined,
      aws_region: o.awsRegion,
      aws_role_arn: o.awsRoleArn,
      aws_service_name: o.serverless ? 'aoss' : undefined,
      logstash_format: o.logstashFormat !== undefined ? onOff(o.logstashFormat) : undefined,
      logstash_prefix: o.logstashPrefix,
      replace_dots: o.replaceDots !== undefined ? onOff(o.replaceDots) : undefined,
    }, o.awsAuth ? [{ provider: CloudProvider.AWS, actions: o.serverless ? ['aoss:APIAccessAll'] : AWS_SIGN }, ...assume(o.awsRoleArn)] : []);
  }

  /** Grafana Loki (`loki`). */
  public static loki(o: FluentBitLokiOptions): FluentBitOutput {
    const labels = Object.entries(o.labels ?? { job: 'fluent-bit' }).map(([k, v]) => `${k}=${v}`).join(', ');
    return new FluentBitOutput('loki', o, {
      host: o.host,
      port: o.port ?? 3100,
      labels,
      tls: onOff(o.tls ?? false),
      tenant_id: o.tenantId,
      http_user: o.httpUser,
      http_passwd: secret(o.httpPassword, 'httpPassword'),
      bearer_token: secret(o.bearerToken, 'bearerToken'),
      label_keys: Array.isArray(o.labelKeys) ? o.labelKeys.join(',') : undefined,
      line_format: o.lineFormat,
    });
  }

  /** Amazon CloudWatch Logs (`cloudwatch_logs`). */
  public static cloudWatchLogs(o: FluentBitCloudWatchLogsOptions): FluentBitOutput {
    return new FluentBitOutput('cloudwatch_logs', o, {
      region: o.region,
      log_group_name: o.logGroupName,
      ...(o.logStreamName !== undefined ? { log_stream_name: o.logStreamName } : { log_stream_prefix: o.logStreamPrefix ?? 'fluent-bit-' }),
      auto_create_group: onOff(o.autoCreateGroup ?? false),
      log_retention_days: o.logRetentionDays,
      role_arn: o.roleArn,
      log_format: o.logFormat,
    }, [{
      provider: CloudProvider.AWS,
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', ...(o.autoCreateGroup ? ['logs:CreateLogGroup'] : []),
        ...(o.logRetentionDays !== undefined ? ['logs:PutRetentionPolicy'] : [])],
    }, ...assume(o.roleArn)]);
  }

  /** Amazon S3 (`s3`). */
  public static s3(o: FluentBitS3Options): FluentBitOutput {
    return new FluentBitOutput('s3', o, {
      bucket: o.bucket,
      region: o.region,
      total_file_size: `${o.totalFileSizeMebibytes ?? 50}M`,
      upload_timeout: `${o.uploadTimeoutSeconds ?? 600}s`,
      s3_key_format: o.s3KeyFormat,
      // The plugin buffers objects in store_dir, default /tmp/fluent-bit/s3, and fails to start
      // when it cannot create it (plugins/out_s3/s3.c, s3_store_init: "Failed to initialize S3
      // storage"): the root filesystem is read-only, so the buffer goes on the state volume.
      store_dir: `${STATE_DIR}/s3`,
      compression: o.compression,
      role_arn: o.roleArn,
    }, [{ provider: CloudProvider.AWS, actions: ['s3:PutObject'], resources: [`arn:aws:s3:::${o.bucket}/*`] }, ...assume(o.roleArn)]);
  }

  /** Forward protocol (`forward`). */
  public static forward(o: FluentBitForwardOptions): FluentBitOutput {
    return new FluentBitOutput('forward', o, {
      host: o.host,
      port: o.port ?? 24224,
      shared_key: secret(o.sharedKey, 'sharedKey'),
      self_hostname: o.selfHostname,
      tls: o.tls !== undefined ? onOff(o.tls) : undefined,
    });
  }

  /** HTTP (`http`). */
  public static http(o: FluentBitHttpOptions): FluentBitOutput {
    const header = headerEntries(o.headers, o.secretHeaders);
    return new FluentBitOutput('http', o, {
      host: o.host,
      port: o.port ?? 443,
      uri: o.uri ?? '/',
      format: o.format ?? 'json',
      tls: onOff(o.tls ?? true),
      header: header.length ? header : undefined,
      http_user: o.httpUser,
      http_passwd: secret(o.httpPassword, 'httpPassword'),
      compress: o.compress,
    });
  }

  /** OpenTelemetry OTLP/HTTP (`opentelemetry`). */
  public static openTelemetry(o: FluentBitOpenTelemetryOptions): FluentBitOutput {
    const header = headerEntries(o.headers, o.secretHeaders);
    return new FluentBitOutput('opentelemetry', o, {
      host: o.host,
      port: o.port ?? 4318,
      logs_uri: o.logsUri ?? '/v1/logs',
      tls: onOff(o.tls ?? false),
      header: header.length ? header : undefined,
    });
  }

  /** Datadog (`datadog`). */
  public static datadog(o: FluentBitDatadogOptions): FluentBitOutput {
    return new FluentBitOutput('datadog', o, {
      host: o.host ?? 'http-intake.logs.datadoghq.com',
      tls: 'on',
      compress: 'gzip',
      apikey: secret(o.apiKey, 'apiKey'),
      dd_service: o.service,
      dd_source: o.source,
      dd_tags: o.tags,
    });
  }

  /** Splunk HTTP Event Collector (`splunk`). */
  public static splunk(o: FluentBitSplunkOptions): FluentBitOutput {
    return new FluentBitOutput('splunk', o, {
      host: o.host,
      port: o.port ?? 8088,
      tls: onOff(o.tls ?? true),
      splunk_token: secret(o.token, 'token'),
      event_index: o.index,
    });
  }

  /** Apache Kafka (`kafka`). */
  public static kafka(o: FluentBitKafkaOptions): FluentBitOutput {
    const sasl = o.saslUsername !== undefined || o.saslPassword !== undefined;
    const tls = o.tls ?? sasl;
    return new FluentBitOutput('kafka', o, {
      'brokers': Array.isArray(o.brokers) ? o.brokers.join(',') : undefined,
      'topics': Array.isArray(o.topics) ? o.topics.join(',') : undefined,
      ...(sasl || tls ? { 'rdkafka.security.protocol': sasl ? (tls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : 'SSL' } : {}),
      ...(sasl ? { 'rdkafka.sasl.mechanisms': o.saslMechanism ?? 'PLAIN' } : {}),
      'rdkafka.sasl.username': o.saslUsername,
      'rdkafka.sasl.password': secret(o.saslPassword, 'saslPassword'),
    });
  }

  /** Amazon Data Firehose (`kinesis_firehose`). */
  public static kinesisFirehose(o: FluentBitKinesisFirehoseOptions): FluentBitOutput {
    return new FluentBitOutput('kinesis_firehose', o, { region: o.region, delivery_stream: o.deliveryStream, role_arn: o.roleArn },
      [{ provider: CloudProvider.AWS, actions: ['firehose:PutRecordBatch'] }, ...assume(o.roleArn)]);
  }

  /** Amazon Kinesis Data Streams (`kinesis_streams`). */
  public static kinesisStreams(o: FluentBitKinesisStreamsOptions): FluentBitOutput {
    return new FluentBitOutput('kinesis_streams', o, { region: o.region, stream: o.stream, role_arn: o.roleArn },
      [{ provider: CloudProvider.AWS, actions: ['kinesis:PutRecords'] }, ...assume(o.roleArn)]);
  }

  /** Azure Log Analytics (`azure`). */
  public static azureLogAnalytics(o: FluentBitAzureLogAnalyticsOptions): FluentBitOutput {
    return new FluentBitOutput('azure', o, { customer_id: o.customerId, shared_key: secret(o.sharedKey, 'sharedKey'), log_type: o.logType ?? 'fluentbit' });
  }

  /** Azure Blob Storage (`azure_blob`). */
  public static azureBlob(o: FluentBitAzureBlobOptions): FluentBitOutput {
    return new FluentBitOutput('azure_blob', o, {
      account_name: o.accountName,
      shared_key: secret(o.sharedKey, 'sharedKey'),
      container_name: o.containerName,
      auto_create_container: onOff(o.autoCreateContainer ?? true),
      tls: 'on',
    });
  }

  /**
   * Google Cloud Logging (`stackdriver`), with the metadata server's credentials or a service
   * account key from a secret (`credentialsSecret`).
   */
  public static stackdriver(o: FluentBitStackdriverOptions = {}): FluentBitOutput {
    return new FluentBitOutput('stackdriver', o, {
      resource: o.resource ?? 'global',
      export_to_project_id: o.exportToProjectId,
      labels: typeof o.labels === 'object' && o.labels !== null ? Object.entries(o.labels).map(([k, v]) => `${k}=${v}`).join(',') : undefined,
    });
  }

  /** Standard output of the sidecar (`stdout`). */
  public static stdout(options: FluentBitOutputOptions = {}): FluentBitOutput {
    return new FluentBitOutput('stdout', options, { format: 'json_lines' });
  }

  /** Plugin name. */
  public readonly plugin: string;
  private readonly settings: Settings;

  private constructor(plugin: string, private readonly options: FluentBitOutputOptions, settings: Settings,
    private readonly permissions: CloudPermission[] = []) {
    this.plugin = plugin;
    this.settings = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  }

  /**
   * Where this output connects, for the network policies generated around the pod: its `host`
   * and `port` (a plugin without a port setting uses its TLS default, 443, else 80, as Fluent
   * Bit's upstream does: fluent-bit src/flb_upstream.c), or Kafka's `host:port` brokers. The
   * cloud outputs (CloudWatch, S3, Kinesis, Firehose) reach their service's HTTPS endpoint,
   * which no host prop names. @internal
   */
  public _endpoints(prefix: string): NetworkEndpoint[] {
    const host = this.settings.host;
    if (typeof host === 'string') {
      const port = typeof this.settings.port === 'number' ? this.settings.port : this.settings.tls === 'on' ? 443 : 80;
      return endpoints(endpointOf(host, `${prefix}.host`, port));
    }
    const brokers = (this.options as FluentBitKafkaOptions).brokers;
    return this.plugin === 'kafka' && Array.isArray(brokers) ? endpoints(...brokers.map((b, i) => endpointOf(b, `${prefix}.brokers[${i}]`))) : [];
  }

  /**
   * The entries, in order; a secret value is written `${VAR}` with the variable `varFor`
   * names (the sidecar gives the Fluent Bit container that variable from the secret). @internal
   */
  public _entries(varFor: (s: SecretSetting) => string): RenderedEntry[] {
    const retry = this.options.retry instanceof RetryLimit ? this.options.retry._render() : this.options.retryLimit ?? 5;
    const o = this.options;
    const out: RenderedEntry[] = [
      ['name', this.plugin, 'plugin', false],
      o.matchRegex !== undefined ? ['match_regex', o.matchRegex, 'matchRegex', false] : ['match', o.match ?? '*', 'match', false],
      ['retry_limit', retry, 'retryLimit', false],
    ];
    for (const [key, v] of Object.entries(this.settings)) {
      for (const one of Array.isArray(v) ? v : [v!]) {
        if (typeof one === 'object') {
          out.push([key, `${one.prefix ?? ''}\${${varFor(one)}}`, one.field, true]);
        } else {
          out.push([key, one, outputField(key), false]);
        }
      }
    }
    if (o.workers !== undefined) { out.push(['workers', o.workers, 'workers', false]); }
    if (o.connectTimeoutSeconds !== undefined) { out.push(['net.connect_timeout', o.connectTimeoutSeconds, 'connectTimeoutSeconds', false]); }
    if (o.keepalive !== undefined) { out.push(['net.keepalive', onOff(o.keepalive), 'keepalive', false]); }
    if (o.ioTimeoutSeconds !== undefined) { out.push(['net.io_timeout', o.ioTimeoutSeconds, 'ioTimeoutSeconds', false]); }
    if (o.keepaliveIdleTimeoutSeconds !== undefined) { out.push(['net.keepalive_idle_timeout', o.keepaliveIdleTimeoutSeconds, 'keepaliveIdleTimeoutSeconds', false]); }
    if (o.keepaliveMaxRecycle !== undefined) { out.push(['net.keepalive_max_recycle', o.keepaliveMaxRecycle, 'keepaliveMaxRecycle', false]); }
    if (o.maxWorkerConnections !== undefined) { out.push(['net.max_worker_connections', o.maxWorkerConnections, 'maxWorkerConnections', false]); }
    if (o.dnsMode !== undefined) { out.push(['net.dns.mode', o.dnsMode, 'dnsMode', false]); }
    if (o.tlsVerify !== undefined) { out.push(['tls.verify', onOff(o.tlsVerify), 'tlsVerify', false]); }
    if (this.options.storageTotalLimitSizeMebibytes !== undefined) {
      out.push(['storage.total_limit_size', `${this.options.storageTotalLimitSizeMebibytes}M`, 'storageTotalLimitSizeMebibytes', false]);
    }
    return out;
  }

  /** The settings whose values come from secrets, in order. @internal */
  public _secrets(): SecretSetting[] {
    return Object.values(this.settings).flatMap(v => (Array.isArray(v) ? v : [v])).filter((x): x is SecretSetting => typeof x === 'object' && x !== null);
  }

  /** @internal */
  public _permissions(): CloudPermission[] {
    return this.permissions;
  }

  /** @internal */
  public _options(): FluentBitOutputOptions & { [key: string]: unknown } {
    return { ...this.options, ...this.settings };
  }

  /** The options as the user gave them. @internal */
  public _given(): { [key: string]: unknown } {
    return { ...this.options };
  }
}

/** The option an output setting comes from, e.g. `logGroupName` for `log_group_name`. */
export function outputField(key: string): string {
  return ({
    'total_file_size': 'totalFileSizeMebibytes',
    'upload_timeout': 'uploadTimeoutSeconds',
    'http_user': 'httpUser',
    'tenant_id': 'tenantId',
    'label_keys': 'labelKeys',
    'line_format': 'lineFormat',
    's3_key_format': 's3KeyFormat',
    'tls.verify': 'tlsVerify',
    'rdkafka.sasl.username': 'saslUsername',
    'rdkafka.sasl.mechanisms': 'saslMechanism',
    'rdkafka.security.protocol': 'tls',
    'dd_service': 'service',
    'dd_source': 'source',
    'dd_tags': 'tags',
    'event_index': 'index',
    'delivery_stream': 'deliveryStream',
    'customer_id': 'customerId',
    'account_name': 'accountName',
    'container_name': 'containerName',
    'header': 'headers',
    'logs_uri': 'logsUri',
    'aws_service_name': 'serverless',
  } as { [k: string]: string })[key]
    ?? key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Types of the options of each output factory, by plugin (retryLimit and retry have checks of their own in check()). */
const OUTPUT_COMMON: PropTypes = {
  match: 'string',
  workers: 'count',
  storageTotalLimitSizeMebibytes: 'count',
  matchRegex: 'string',
  connectTimeoutSeconds: 'count',
  keepalive: 'boolean',
  tlsVerify: 'boolean',
  tlsCaSecret: SECRET_REF,
  ioTimeoutSeconds: 'count',
  keepaliveIdleTimeoutSeconds: 'count',
  keepaliveMaxRecycle: 'count',
  maxWorkerConnections: 'count',
  dnsMode: 'string',
};
const SEARCH: PropTypes = {
  ...OUTPUT_COMMON,
  host: 'string',
  port: 'port',
  index: 'string',
  tls: 'boolean',
  httpUser: 'string',
  httpPassword: SECRET_REF,
  awsAuth: 'boolean',
  awsRegion: 'string',
  awsRoleArn: 'string',
  logstashFormat: 'boolean',
  logstashPrefix: 'string',
  replaceDots: 'boolean',
};
export const OUTPUT_OPTION_TYPES: { [plugin: string]: PropTypes } = {
  es: { ...SEARCH, apiKey: SECRET_REF, cloudId: 'string', cloudAuth: SECRET_REF },
  opensearch: { ...SEARCH, serverless: 'boolean' },
  loki: {
    ...OUTPUT_COMMON,
    host: 'string',
    port: 'port',
    labels: 'stringMap',
    tls: 'boolean',
    tenantId: 'string',
    httpUser: 'string',
    httpPassword: SECRET_REF,
    bearerToken: SECRET_REF,
    labelKeys: 'stringArray',
    lineFormat: 'string',
  },
  cloudwatch_logs: {
    ...OUTPUT_COMMON,
    region: 'string',
    logGroupName: 'string',
    logStreamPrefix: 'string',
    logStreamName: 'string',
    autoCreateGroup: 'boolean',
    logRetentionDays: 'count',
    roleArn: 'string',
    logFormat: 'string',
  },
  s3: { ...OUTPUT_COMMON, bucket: 'string', region: 'string', totalFileSizeMebibytes: 'count', uploadTimeoutSeconds: 'count', s3KeyFormat: 'string', compression: 'string', roleArn: 'string' },
  forward: { ...OUTPUT_COMMON, host: 'string', port: 'port', sharedKey: SECRET_REF, selfHostname: 'string', tls: 'boolean' },
  http: {
    ...OUTPUT_COMMON,
    host: 'string',
    port: 'port',
    uri: 'string',
    format: 'string',
    tls: 'boolean',
    headers: 'stringMap',
    secretHeaders: SECRET_REF_MAP,
    httpUser: 'string',
    httpPassword: SECRET_REF,
    compress: 'string',
  },
  opentelemetry: { ...OUTPUT_COMMON, host: 'string', port: 'port', logsUri: 'string', tls: 'boolean', headers: 'stringMap', secretHeaders: SECRET_REF_MAP },
  datadog: { ...OUTPUT_COMMON, apiKey: SECRET_REF, host: 'string', service: 'string', source: 'string', tags: 'string' },
  splunk: { ...OUTPUT_COMMON, host: 'string', token: SECRET_REF, port: 'port', tls: 'boolean', index: 'string' },
  kafka: { ...OUTPUT_COMMON, brokers: 'stringArray', topics: 'stringArray', saslUsername: 'string', saslPassword: SECRET_REF, saslMechanism: 'string', tls: 'boolean' },
  kinesis_firehose: { ...OUTPUT_COMMON, region: 'string', deliveryStream: 'string', roleArn: 'string' },
  kinesis_streams: { ...OUTPUT_COMMON, region: 'string', stream: 'string', roleArn: 'string' },
  azure: { ...OUTPUT_COMMON, customerId: 'string', sharedKey: SECRET_REF, logType: 'string' },
  azure_blob: { ...OUTPUT_COMMON, accountName: 'string', sharedKey: SECRET_REF, containerName: 'string', autoCreateContainer: 'boolean' },
  stackdriver: { ...OUTPUT_COMMON, resource: 'string', exportToProjectId: 'string', labels: 'stringMap', credentialsSecret: SECRET_REF },
  stdout: OUTPUT_COMMON,
};
export const OUTPUT_REQUIRED: { [plugin: string]: string[] } = {
  es: [],
  opensearch: ['host'],
  loki: ['host'],
  cloudwatch_logs: ['region', 'logGroupName'],
  s3: ['bucket', 'region'],
  forward: ['host'],
  http: ['host'],
  opentelemetry: ['host'],
  datadog: ['apiKey'],
  splunk: ['host', 'token'],
  kafka: ['brokers', 'topics'],
  kinesis_firehose: ['region', 'deliveryStream'],
  kinesis_streams: ['region', 'stream'],
  azure: ['customerId', 'sharedKey'],
  azure_blob: ['accountName', 'sharedKey', 'containerName'],
};

/**
 * Loki's `labels` is a comma-separated list of `name=value` items, each trimmed, and an item
 * starting with '$' is a record accessor (fluent/fluent-bit plugins/out_loki/loki.c: the
 * FLB_CONFIG_MAP_CLIST "labels" and parse_kv). A name must be a Loki label name
 * (https://grafana.com/docs/loki/latest/get-started/labels/: [a-zA-Z_][a-zA-Z0-9_]*); a value
 * cannot hold a comma (it would start another label) nor start or end with whitespace.
 */
export function checkLokiLabels(path: string, field: string, labels: unknown): void {
  if (labels === undefined) { return; }
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw Errors.invalidRole(path, field, labels, 'is not a map of label names to values', 'Give labels as { name: value }');
  }
  const fix = 'Use a label name of letters, digits and \'_\' (not starting with a digit), and a value without commas or surrounding whitespace';
  for (const [name, value] of Object.entries(labels)) {
    checkFluentBitValue(path, field, name);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw Errors.unrepresentableValue(path, field, name, 'Loki\'s labels setting', 'it is not a Loki label name', fix);
    }
    if (typeof value !== 'string' || value.length === 0) { throw Errors.invalidName(path, `${field}[${JSON.stringify(name)}]`, value, 'a non-empty label value'); }
    checkFluentBitValue(path, `${field}[${JSON.stringify(name)}]`, value);
    if (value.includes(',')) {
      throw Errors.unrepresentableValue(path, `${field}[${JSON.stringify(name)}]`, value, 'Loki\'s labels setting', 'a comma starts another label', fix);
    }
  }
}
