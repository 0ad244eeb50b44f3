import { onOff } from './common';
import { CloudPermission, CloudProvider } from '../../core/contribution';
import { Errors } from '../../core/errors';
import { checkFluentBitValue } from '../../core/escape-fluent-bit';
import { PropTypes } from '../../core/prop-types';

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

/** Elasticsearch / OpenSearch output. */
export interface FluentBitElasticsearchOptions extends FluentBitOutputOptions {
  /** Host. */
  readonly host: string;
  /**
   * Port.
   * @default 9200
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
}

/** Amazon CloudWatch Logs output (needs the task role's logs permissions, granted on ECS). */
export interface FluentBitCloudWatchLogsOptions extends FluentBitOutputOptions {
  /** AWS region. */
  readonly region: string;
  /** Log group. */
  readonly logGroupName: string;
  /**
   * Prefix of the log stream names.
   * @default 'fluent-bit-'
   */
  readonly logStreamPrefix?: string;
  /**
   * Create the log group if missing.
   * @default false
   */
  readonly autoCreateGroup?: boolean;
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
}

/** Where logs go. */
export class FluentBitOutput {
  /** Elasticsearch or OpenSearch (`es`). */
  public static elasticsearch(o: FluentBitElasticsearchOptions): FluentBitOutput {
    return new FluentBitOutput('es', o, { host: o.host, port: o.port ?? 9200, index: o.index ?? 'fluent-bit', tls: onOff(o.tls ?? true), suppress_type_name: 'on' });
  }

  /** Grafana Loki (`loki`). */
  public static loki(o: FluentBitLokiOptions): FluentBitOutput {
    const labels = Object.entries(o.labels ?? { job: 'fluent-bit' }).map(([k, v]) => `${k}=${v}`).join(', ');
    return new FluentBitOutput('loki', o, { host: o.host, port: o.port ?? 3100, labels, tls: onOff(o.tls ?? false) });
  }

  /** Amazon CloudWatch Logs (`cloudwatch_logs`). */
  public static cloudWatchLogs(o: FluentBitCloudWatchLogsOptions): FluentBitOutput {
    return new FluentBitOutput('cloudwatch_logs', o, {
      region: o.region, log_group_name: o.logGroupName, log_stream_prefix: o.logStreamPrefix ?? 'fluent-bit-', auto_create_group: onOff(o.autoCreateGroup ?? false),
    }, [{ provider: CloudProvider.AWS, actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams', ...(o.autoCreateGroup ? ['logs:CreateLogGroup'] : [])] }]);
  }

  /** Amazon S3 (`s3`). */
  public static s3(o: FluentBitS3Options): FluentBitOutput {
    return new FluentBitOutput('s3', o, {
      bucket: o.bucket, region: o.region, total_file_size: `${o.totalFileSizeMebibytes ?? 50}M`, upload_timeout: `${o.uploadTimeoutSeconds ?? 600}s`,
    }, [{ provider: CloudProvider.AWS, actions: ['s3:PutObject'], resources: [`arn:aws:s3:::${o.bucket}/*`] }]);
  }

  /** Forward protocol (`forward`). */
  public static forward(o: FluentBitForwardOptions): FluentBitOutput {
    return new FluentBitOutput('forward', o, { host: o.host, port: o.port ?? 24224 });
  }

  /** HTTP (`http`). */
  public static http(o: FluentBitHttpOptions): FluentBitOutput {
    return new FluentBitOutput('http', o, { host: o.host, port: o.port ?? 443, uri: o.uri ?? '/', format: o.format ?? 'json', tls: onOff(o.tls ?? true) });
  }

  /** Standard output of the sidecar (`stdout`). */
  public static stdout(options: FluentBitOutputOptions = {}): FluentBitOutput {
    return new FluentBitOutput('stdout', options, { format: 'json_lines' });
  }

  /** Plugin name. */
  public readonly plugin: string;

  private constructor(plugin: string, private readonly options: FluentBitOutputOptions, private readonly settings: { [key: string]: string | number },
    private readonly permissions: CloudPermission[] = []) {
    this.plugin = plugin;
  }

  /** @internal */
  public _render(): { [key: string]: string | number } {
    const retry = this.options.retry instanceof RetryLimit ? this.options.retry._render() : this.options.retryLimit ?? 5;
    return { name: this.plugin, match: this.options.match ?? '*', retry_limit: retry, ...this.settings };
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
  return ({ total_file_size: 'totalFileSizeMebibytes', upload_timeout: 'uploadTimeoutSeconds' } as { [k: string]: string })[key]
    ?? key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Types of the options of each output factory, by plugin (retryLimit and retry have checks of their own in check()). */
const OUTPUT_COMMON: PropTypes = { match: 'string' };
export const OUTPUT_OPTION_TYPES: { [plugin: string]: PropTypes } = {
  es: { ...OUTPUT_COMMON, host: 'string', port: 'port', index: 'string', tls: 'boolean' },
  loki: { ...OUTPUT_COMMON, host: 'string', port: 'port', labels: 'stringMap', tls: 'boolean' },
  cloudwatch_logs: { ...OUTPUT_COMMON, region: 'string', logGroupName: 'string', logStreamPrefix: 'string', autoCreateGroup: 'boolean' },
  s3: { ...OUTPUT_COMMON, bucket: 'string', region: 'string', totalFileSizeMebibytes: 'count', uploadTimeoutSeconds: 'count' },
  forward: { ...OUTPUT_COMMON, host: 'string', port: 'port' },
  http: { ...OUTPUT_COMMON, host: 'string', port: 'port', uri: 'string', format: 'string', tls: 'boolean' },
  stdout: OUTPUT_COMMON,
};
export const OUTPUT_REQUIRED: { [plugin: string]: string[] } = {
  es: ['host'], loki: ['host'], cloudwatch_logs: ['region', 'logGroupName'], s3: ['bucket', 'region'], forward: ['host'], http: ['host'],
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
