import { Construct } from 'constructs';
import { ContainerSpec, PodField, PortExposure, ResourceRequirements, StartupRole, WaitCondition } from '../core/container';
import { CloudPermission, CloudProvider, CompositionContext, ISidecar, LogRouterType, SidecarContribution, WorkloadIdentity } from '../core/contribution';
import { Errors } from '../core/errors';
import { checkFluentBitValue, classicEntry, classicValueProblem, configComment, modifyRule, refuseClassicValue, tokenProblem } from '../core/escape-fluent-bit';
import { DNS_LABEL, generatedFileOrigins, isImageReference, pathProblem, portOrigins, UID_ORIGIN } from '../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../core/overrides';
import { Probe } from '../core/probe';
import { PropTypes, RESOURCE_TYPES, checkPropTypes, isPlainMap, rememberProps } from '../core/prop-types';
import { DEFAULT_TOKEN_PATH, resolveContribution } from '../core/resolve';
import { literalPartsPass } from '../core/tokens';
import { VolumeKind, VolumeSpec } from '../core/volume';
import { toYamlText } from '../core/yaml-writer';

/** Format of the generated Fluent Bit configuration. */
export enum FluentBitConfigFormat {
  /** The YAML format (Fluent Bit >= 3.2 reads everything in it). */
  YAML = 'YAML',
  /** The classic `[SECTION]` format. */
  CLASSIC = 'CLASSIC',
}

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
function outputField(key: string): string {
  return ({ total_file_size: 'totalFileSizeMebibytes', upload_timeout: 'uploadTimeoutSeconds' } as { [k: string]: string })[key]
    ?? key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Options of the kubernetes filter. */
export interface FluentBitKubernetesFilterOptions {
  /**
   * Parse the `log` field as JSON and merge it into the record.
   * @default true
   */
  readonly mergeLog?: boolean;
  /**
   * Keep the original `log` field after merging.
   * @default false
   */
  readonly keepLog?: boolean;
  /**
   * Add the pod's labels.
   * @default true
   */
  readonly labels?: boolean;
  /**
   * Add the pod's annotations.
   * @default false
   */
  readonly annotations?: boolean;
}

/** Options of the modify filter. */
export interface FluentBitModifyFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /**
   * Keys to add (when missing).
   * @default - none
   */
  readonly add?: { [key: string]: string };
  /**
   * Keys to remove.
   * @default - none
   */
  readonly remove?: string[];
  /**
   * Keys to rename (old -> new).
   * @default - none
   */
  readonly rename?: { [key: string]: string };
}

/** Options of the grep filter. */
export interface FluentBitGrepFilterOptions {
  /**
   * Tag pattern.
   * @default '*'
   */
  readonly match?: string;
  /**
   * Keep only records whose key matches the regular expression.
   * @default - none
   */
  readonly regex?: { [key: string]: string };
  /**
   * Drop records whose key matches the regular expression.
   * @default - none
   */
  readonly exclude?: { [key: string]: string };
}

/** A filter of the pipeline. */
export class FluentBitFilter {
  /**
   * Kubernetes metadata of the pod (needs read access to pods: the library makes a Role
   * and RoleBinding unless `createRbac` is false). Kubernetes only.
   */
  public static kubernetes(options: FluentBitKubernetesFilterOptions = {}): FluentBitFilter {
    return new FluentBitFilter('kubernetes', options, [{
      name: 'kubernetes',
      match: 'kube.*',
      kube_tag_prefix: 'kube.',
      regex_parser: KUBE_TAG_PARSER,
      merge_log: onOff(options.mergeLog ?? true),
      keep_log: onOff(options.keepLog ?? false),
      labels: onOff(options.labels ?? true),
      annotations: onOff(options.annotations ?? false),
    }]);
  }

  /** Adds, removes or renames keys (`modify`). */
  public static modify(options: FluentBitModifyFilterOptions): FluentBitFilter {
    // Options of the wrong runtime type are kept as given and named by the sidecar's type check.
    const rules: FilterRule[] = [
      ...mapEntries(options.add).map(([k, v]): FilterRule => ({ rule: 'add', tokens: [k, v] })),
      ...(Array.isArray(options.remove) ? options.remove : []).map((k, j): FilterRule => ({ rule: 'remove', tokens: [k], index: j })),
      ...mapEntries(options.rename).map(([k, v]): FilterRule => ({ rule: 'rename', tokens: [k, v] })),
    ];
    return new FluentBitFilter('modify', options, [{ name: 'modify', match: options.match ?? '*' }], rules, options.match);
  }

  /** Keeps or drops records by regular expressions (`grep`). */
  public static grep(options: FluentBitGrepFilterOptions): FluentBitFilter {
    const rules: FilterRule[] = [
      ...mapEntries(options.regex).map(([k, v]): FilterRule => ({ rule: 'regex', tokens: [k, v] })),
      ...mapEntries(options.exclude).map(([k, v]): FilterRule => ({ rule: 'exclude', tokens: [k, v] })),
    ];
    return new FluentBitFilter('grep', options, [{ name: 'grep', match: options.match ?? '*' }], rules, options.match);
  }

  /** Plugin name. */
  public readonly plugin: string;

  private constructor(
    plugin: string,
    private readonly given: object,
    private readonly sections: Array<{ [key: string]: string }>,
    private readonly rules: FilterRule[] = [],
    private readonly match?: string,
  ) {
    this.plugin = plugin;
  }

  /** Settings, and repeated rules (key, value, the option it comes from). @internal */
  public _render(): { settings: { [key: string]: string }; rules: Array<[string, string, string]> } {
    return {
      settings: this.sections[0],
      rules: this.rules.map(r => [r.rule, this.plugin === 'modify' ? modifyRule(r.tokens) : r.tokens.join(' '), ruleField(r)]),
    };
  }

  /** The options as the user gave them, for the sidecar's runtime type check. @internal */
  public _given(): object {
    return this.given;
  }

  /** The rules as given. @internal */
  public _rules(): Array<{ readonly rule: string; readonly tokens: string[]; readonly index?: number }> {
    return this.rules;
  }

  /** The match pattern as given. @internal */
  public _match(): string | undefined {
    return this.match;
  }
}

/** A rule of a modify or grep filter, as the user gave it. */
interface FilterRule {
  /** add, remove, rename, regex, exclude. */
  readonly rule: string;
  /** The record key, then the value, new name or regex. */
  readonly tokens: string[];
  /** The position in `remove`. */
  readonly index?: number;
}

/** The option a rule's value comes from, relative to the filter: `add["env"]`, `remove[0]`. */
function ruleField(r: FilterRule): string {
  return r.index !== undefined ? `${r.rule}[${r.index}]` : `${r.rule}[${JSON.stringify(r.tokens[0])}]`;
}

/** Types of the options of each output factory, by plugin (retryLimit and retry have checks of their own in check()). */
const OUTPUT_COMMON: PropTypes = { match: 'string' };
const OUTPUT_OPTION_TYPES: { [plugin: string]: PropTypes } = {
  es: { ...OUTPUT_COMMON, host: 'string', port: 'port', index: 'string', tls: 'boolean' },
  loki: { ...OUTPUT_COMMON, host: 'string', port: 'port', labels: 'stringMap', tls: 'boolean' },
  cloudwatch_logs: { ...OUTPUT_COMMON, region: 'string', logGroupName: 'string', logStreamPrefix: 'string', autoCreateGroup: 'boolean' },
  s3: { ...OUTPUT_COMMON, bucket: 'string', region: 'string', totalFileSizeMebibytes: 'count', uploadTimeoutSeconds: 'count' },
  forward: { ...OUTPUT_COMMON, host: 'string', port: 'port' },
  http: { ...OUTPUT_COMMON, host: 'string', port: 'port', uri: 'string', format: 'string', tls: 'boolean' },
  stdout: OUTPUT_COMMON,
};
const OUTPUT_REQUIRED: { [plugin: string]: string[] } = {
  es: ['host'], loki: ['host'], cloudwatch_logs: ['region', 'logGroupName'], s3: ['bucket', 'region'], forward: ['host'], http: ['host'],
};
/** Types of the options of each filter factory, by plugin. */
const FILTER_OPTION_TYPES: { [plugin: string]: PropTypes } = {
  kubernetes: { mergeLog: 'boolean', keepLog: 'boolean', labels: 'boolean', annotations: 'boolean' },
  modify: { match: 'string', add: 'stringMap', remove: 'stringArray', rename: 'stringMap' },
  grep: { match: 'string', regex: 'stringMap', exclude: 'stringMap' },
};

/** Props of a Fluent Bit sidecar. */
export interface FluentBitSidecarProps extends BuiltInSidecarProps {
  /** Where the logs go. */
  readonly outputs: FluentBitOutput[];
  /**
   * Filters, in order.
   * @default - none
   */
  readonly filters?: FluentBitFilter[];
  /**
   * Directory where the app writes its log files: a volume shared with the app
   * (writable there, read-only in Fluent Bit).
   * @default '/var/log/app'
   */
  readonly logDirectory?: string;
  /**
   * Files tailed, relative to logDirectory (glob).
   * @default '*.log'
   */
  readonly logFiles?: string;
  /**
   * Memory the tail input may buffer before it pauses, in MiB (`mem_buf_limit`).
   * @default 5
   */
  readonly memBufLimitMebibytes?: number;
  /**
   * Skip lines longer than the buffer instead of stopping on them.
   * @default true
   */
  readonly skipLongLines?: boolean;
  /**
   * Seconds between flushes.
   * @default 1
   */
  readonly flushSeconds?: number;
  /**
   * Log level of Fluent Bit itself.
   * @default 'info'
   */
  readonly logLevel?: string;
  /**
   * Format of the generated configuration.
   * @default FluentBitConfigFormat.YAML
   */
  readonly configFormat?: FluentBitConfigFormat;
  /**
   * With the kubernetes filter, make the Role and RoleBinding that let Fluent Bit read its
   * pod (get/list/watch pods). False when you bind the permissions yourself.
   * @default true
   */
  readonly createRbac?: boolean;
  /**
   * Port of the HTTP server (health and metrics).
   * @default 2020
   */
  readonly httpPort?: number;
  /**
   * CPU and memory. The memory limit must leave room above the buffer limits: a log storm
   * then pauses the input instead of killing the sidecar.
   * @default - requests 50m and 64 MiB (at most the limit); memory limit 2 x memBufLimit + 48 MiB, rounded up to 16 MiB
   */
  readonly resources?: ResourceRequirements;
  /**
   * Image.
   * @default 'fluent/fluent-bit:5.0.8'
   */
  readonly image?: string;
  /**
   * Container name.
   * @default 'fluent-bit'
   */
  readonly name?: string;
  /**
   * UID.
   * @default 10001
   */
  readonly uid?: number;
}

const DEFAULT_IMAGE = 'fluent/fluent-bit:5.0.8';
const CONFIG_DIR = '/etc/cdk-sidecars/fluent-bit';
const STATE_DIR = '/var/lib/fluent-bit';
const KUBE_TAG_PARSER = 'cdk_sidecars_kube_tag';
/** Base memory of Fluent Bit beyond its buffers (MiB), and the headroom the check asks for. */
const BASE_MEMORY = 48;
const MIN_HEADROOM = 32;

/** The entries of a map option; a value that is not a map has none (the sidecar's type check names it). */
function mapEntries(map: { [key: string]: string } | undefined): Array<[string, string]> {
  return isPlainMap(map) ? Object.entries(map) as Array<[string, string]> : [];
}

function onOff(b: boolean): string {
  return b ? 'on' : 'off';
}

/**
 * Fluent Bit beside the app, tailing the log files the app writes to a shared volume,
 * with a generated configuration (YAML or classic): service with the HTTP server on 2020
 * (health and metrics), a tail input with a memory buffer limit and an offsets database,
 * filters (kubernetes, modify, grep) and outputs (es, loki, cloudwatch_logs, s3, forward,
 * http, stdout) with retry limits.
 *
 * Where the platform routes container output to a log router (ECS FireLens), Fluent Bit is
 * the task's router: the platform's generated configuration includes the filters and
 * outputs, and the app containers log through it.
 */
export class FluentBitSidecar extends Construct implements ISidecar {
  /** Container name. */
  public readonly name: string;
  /** UID. */
  public readonly uid: number;
  private readonly props: FluentBitSidecarProps;

  constructor(scope: Construct, id: string, props: FluentBitSidecarProps) {
    super(scope, id);
    // Runtime types first (issue 10, section 2): a wrong type is a catalogued error naming the prop, never a TypeError.
    checkPropTypes(this.node.path, props, {
      outputs: 'objectArray',
      filters: 'objectArray',
      logDirectory: 'string',
      logFiles: 'string',
      memBufLimitMebibytes: 'number',
      skipLongLines: 'boolean',
      flushSeconds: 'number',
      logLevel: 'string',
      configFormat: { enum: FluentBitConfigFormat },
      createRbac: 'boolean',
      httpPort: 'port',
      resources: 'object',
      image: 'string',
      name: 'string',
      uid: 'number',
    }, ['outputs']);
    // Nested fields, named as the user wrote them (issue 10, section 2): the options given to
    // each output and filter factory, checked before any setting is rendered.
    const given = (x: unknown): object | undefined => typeof (x as any)?._given === 'function' ? (x as any)._given() : undefined;
    props.outputs.forEach((o, i) => {
      const options = given(o);
      if (options !== undefined) { checkPropTypes(this.node.path, options, OUTPUT_OPTION_TYPES[o.plugin] ?? {}, OUTPUT_REQUIRED[o.plugin] ?? [], `outputs[${i}].`); }
    });
    (props.filters ?? []).forEach((f, i) => {
      const options = given(f);
      if (options !== undefined) { checkPropTypes(this.node.path, options, FILTER_OPTION_TYPES[f.plugin] ?? {}, [], `filters[${i}].`); }
    });
    checkPropTypes(this.node.path, props, { resources: { struct: RESOURCE_TYPES } });
    this.props = props;
    rememberProps(this, props);
    checkOverrideTypes(this.node.path, props);
    this.name = props.name ?? 'fluent-bit';
    this.uid = props.uid ?? 10001;
    this.check(this.node.path);
    resolveContribution(this.node.path, this.contribute({ targetPath: this.node.path, appContainers: [] }));
  }

  /** The memory limit in effect, in MiB. */
  public get memoryLimitMebibytes(): number {
    return this.props.resources?.memoryLimitMebibytes ?? Math.ceil((2 * this.memBuf() + BASE_MEMORY) / 16) * 16;
  }

  public contribute(context: CompositionContext): SidecarContribution {
    const p = this.props;
    const logDir = p.logDirectory ?? '/var/log/app';
    const k8sFilter = (p.filters ?? []).some(f => f.plugin === 'kubernetes');
    // The kubernetes filter asks the Kubernetes API server for the pod's metadata
    // (fluent/fluent-bit plugins/filter_kubernetes): named as the filter the user added, not as
    // the pod fields and token it needs, where the pod is not on Kubernetes.
    if (k8sFilter && context.identity !== undefined && context.identity !== WorkloadIdentity.KUBERNETES_SERVICE_ACCOUNT) {
      const k = p.filters!.findIndex(f => f.plugin === 'kubernetes');
      throw Errors.unsupportedOnPlatform(this.node.path, `filters[${k}]`, 'FluentBitFilter.kubernetes()', `${context.targetPath}, which is not a Kubernetes pod`,
        'the kubernetes filter reads the pod\'s labels and annotations from the Kubernetes API server, which ECS tasks and ACI container groups do not have',
        'Leave FluentBitFilter.kubernetes() out here (it works on Kubernetes only); add the fields you need with FluentBitFilter.modify({ add: { ... } })');
    }
    const classic = (p.configFormat ?? FluentBitConfigFormat.YAML) === FluentBitConfigFormat.CLASSIC;
    const files = [
      classic ? { name: 'fluent-bit.conf', content: this.classic(true) } : { name: 'fluent-bit.yaml', content: this.yaml() },
      ...(classic ? [{ name: 'parsers.conf', content: this.classicParsers() }] : []),
    ];
    const warnings: string[] = [];
    const limit = this.memoryLimitMebibytes;
    if (p.resources?.memoryLimitMebibytes !== undefined && limit < 2 * this.memBuf() + MIN_HEADROOM) {
      warnings.push(`resources.memoryLimitMebibytes ${limit} leaves too little room above memBufLimitMebibytes ${this.memBuf()}: `
        + `a log storm can get Fluent Bit OOM-killed instead of pausing its input. Give FluentBitSidecarProps.resources at least ${2 * this.memBuf() + MIN_HEADROOM} MiB, `
        + 'or lower FluentBitSidecarProps.memBufLimitMebibytes');
    }
    const container: ContainerSpec = {
      name: this.name,
      image: p.image ?? DEFAULT_IMAGE,
      role: StartupRole.SIDECAR,
      appWaitsFor: WaitCondition.STARTED,
      command: ['/fluent-bit/bin/fluent-bit'],
      args: ['-c', `${CONFIG_DIR}/${classic ? 'fluent-bit.conf' : 'fluent-bit.yaml'}`],
      env: k8sFilter ? [{ name: 'POD_NAME', podField: PodField.POD_NAME }, { name: 'POD_NAMESPACE', podField: PodField.POD_NAMESPACE }] : [],
      ports: [{ port: p.httpPort ?? 2020, name: 'http-metrics', exposure: PortExposure.EXPOSED }],
      origins: [...portOrigins(['httpPort']), UID_ORIGIN],
      security: { uid: this.uid },
      resources: { cpuRequestMillicores: 50, memoryRequestMebibytes: Math.min(64, limit), ...p.resources, memoryLimitMebibytes: limit },
      readinessProbe: Probe.httpGet({ port: p.httpPort ?? 2020, path: '/api/v2/health', periodSeconds: 10 }),
      livenessProbe: Probe.httpGet({ port: p.httpPort ?? 2020, path: '/api/v2/health', periodSeconds: 30, failureThreshold: 3 }),
      volumeMounts: [
        { volume: `${this.name}-config`, path: CONFIG_DIR, readOnly: true },
        { volume: `${this.name}-logs`, path: logDir, readOnly: true },
        { volume: `${this.name}-state`, path: STATE_DIR },
      ],
      identityToken: k8sFilter ? {} : undefined,
      // For the runtime contract: the tail DB it keeps, and the token the kubernetes filter
      // reads (its kube_token_file default, the service account token path).
      writesPaths: [`${STATE_DIR}/tail.db`],
      readsPaths: k8sFilter ? [DEFAULT_TOKEN_PATH] : undefined,
      // A log shipper that stops must not take the app down.
      essential: false,
      shutdown: { gracePeriodSeconds: 10 },
    };
    const volumes: VolumeSpec[] = [
      { name: `${this.name}-config`, kind: VolumeKind.CONFIG_FILES, files },
      { name: `${this.name}-logs`, kind: VolumeKind.SCRATCH },
      { name: `${this.name}-state`, kind: VolumeKind.SCRATCH, sizeLimitMebibytes: 64 },
    ];
    return applyOverrides(this.node.path, {
      containers: [container],
      volumes,
      // A generated file too large for a platform is named by the prop with the largest value.
      origins: generatedFileOrigins(p, volumes),
      appRequests: { mounts: [{ volume: `${this.name}-logs`, path: logDir }] },
      pod: {
        readsPodMetadata: k8sFilter && (p.createRbac ?? true) ? true : undefined,
        cloudPermissions: mergePermissions(p.outputs.flatMap(o => o._permissions())),
        logRouter: {
          container: this.name,
          type: LogRouterType.FLUENT_BIT,
          // What a platform-generated main config includes (ECS FireLens): written only there.
          configFile: `${CONFIG_DIR}/pipeline.conf`,
          configFileContent: this.classic(false),
          configFlag: '-c',
          enableMetadata: true,
        },
      },
      warnings,
    }, p.overrides);
  }

  private memBuf(): number {
    return this.props.memBufLimitMebibytes ?? 5;
  }

  private tail(): { [key: string]: string | number } {
    const p = this.props;
    const k8sFilter = (p.filters ?? []).some(f => f.plugin === 'kubernetes');
    return {
      name: 'tail',
      // With the kubernetes filter the tag carries the pod's identity (from env), parsed by our parser.
      tag: k8sFilter ? 'kube.${POD_NAMESPACE}.${POD_NAME}.app' : 'app',
      path: `${p.logDirectory ?? '/var/log/app'}/${p.logFiles ?? '*.log'}`,
      db: `${STATE_DIR}/tail.db`,
      mem_buf_limit: `${this.memBuf()}MB`,
      skip_long_lines: onOff(p.skipLongLines ?? true),
      refresh_interval: 5,
    };
  }

  private parsers(): Array<{ [key: string]: string }> {
    return (this.props.filters ?? []).some(f => f.plugin === 'kubernetes')
      ? [{ name: KUBE_TAG_PARSER, format: 'regex', regex: '^(?<namespace_name>[^.]+)\\.(?<pod_name>[^.]+)\\.(?<container_name>.+)$' }]
      : [];
  }

  private service(): { [key: string]: string | number } {
    const p = this.props;
    return {
      flush: p.flushSeconds ?? 1,
      log_level: p.logLevel ?? 'info',
      http_server: 'on',
      http_listen: '0.0.0.0',
      http_port: p.httpPort ?? 2020,
      health_check: 'on',
      hc_errors_count: 5,
      hc_retry_failure_count: 5,
      hc_period: 60,
    };
  }

  /** The YAML configuration. */
  private yaml(): string {
    const filters = (this.props.filters ?? []).map(f => {
      const { settings, rules } = f._render();
      const out: { [key: string]: string | string[] } = { ...settings };
      for (const [key, value] of rules) {
        const existing = out[key];
        out[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
      }
      return out;
    });
    const doc: any = {
      service: this.service(),
      ...(this.parsers().length ? { parsers: this.parsers() } : {}),
      pipeline: {
        inputs: [this.tail()],
        ...(filters.length ? { filters } : {}),
        outputs: this.props.outputs.map(o => o._render()),
      },
    };
    return toYamlText(doc, [`Fluent Bit configuration generated by cdk-sidecars for ${this.node.path}`]);
  }

  /**
   * The classic configuration: all of it, or only what a platform-generated main config includes.
   * Every line goes through classicEntry, which refuses what the format cannot carry; the third
   * member of an entry names the prop its value comes from.
   */
  private classic(main: boolean): string {
    const path = this.node.path;
    const section = (name: string, entries: Array<[string, string | number, string?]>) =>
      [`[${name}]`, ...entries.map(([k, v, field]) => classicEntry(path, field ?? k, k, v, { expandsEnv: name === 'INPUT' && k === 'tag' })), ''].join('\n');
    const parts: string[] = [configComment(`Fluent Bit configuration generated by cdk-sidecars for ${path}${main ? '' : ' (input, filters and outputs, included by the platform)'}`), ''];
    if (main) {
      parts.push(section('SERVICE', [...withFields(this.service(), SERVICE_FIELDS), ...(this.parsers().length ? [['parsers_file', `${CONFIG_DIR}/parsers.conf`] as [string, string]] : [])]));
    }
    // The app's log files are tailed under FireLens too (the platform's config includes this
    // file with @INCLUDE; aws-samples/amazon-ecs-firelens-under-the-hood): the platform ships
    // stdout, this input ships the files the app writes to the shared log volume.
    parts.push(section('INPUT', withFields(this.tail(), { path: this.props.logFiles !== undefined ? 'logFiles' : 'logDirectory', mem_buf_limit: 'memBufLimitMebibytes', skip_long_lines: 'skipLongLines' })));
    (this.props.filters ?? []).forEach((f, i) => {
      if (!main && f.plugin === 'kubernetes') { return; }
      const { settings, rules } = f._render();
      parts.push(section('FILTER', [
        ...Object.entries(settings).map(([k, v]): [string, string, string] => [k, v, `filters[${i}].${k}`]),
        ...rules.map(([k, v, field]): [string, string, string] => [k, v, `filters[${i}].${field}`]),
      ]));
    });
    this.props.outputs.forEach((o, i) => {
      parts.push(section('OUTPUT', Object.entries(o._render()).map(([k, v]): [string, string | number, string] => [k, v, `outputs[${i}].${outputField(k)}`])));
    });
    return parts.join('\n');
  }

  private classicParsers(): string {
    return this.parsers().map(p => ['[PARSER]', ...Object.entries(p).map(([k, v]) => classicEntry(this.node.path, k, k, v, { width: 10 })), ''].join('\n')).join('\n');
  }

  private check(path: string): void {
    const p = this.props;
    if (!DNS_LABEL.test(this.name) || this.name.length > 56) { throw Errors.invalidName(path, 'name', this.name, 'a DNS label of at most 56 characters'); }
    if (p.image !== undefined && !isImageReference(p.image)) { throw Errors.invalidImage(path, 'image', p.image); }
    if (!Array.isArray(p.outputs) || p.outputs.length === 0) {
      throw Errors.invalidRole(path, 'outputs', [], 'is empty: the logs would go nowhere', 'Give at least one output, e.g. FluentBitOutput.stdout()');
    }
    p.outputs.forEach((o, i) => {
      if (!(o instanceof FluentBitOutput)) { throw Errors.invalidRole(path, `outputs[${i}]`, o, 'is not a FluentBitOutput', 'Make it with FluentBitOutput.loki(), .elasticsearch(), ...'); }
      const opts = o._options();
      // Fluent Bit takes a positive number, no_retries or no_limits, and replaces 0 or less by 1
      // (fluent/fluent-bit src/flb_output.c, flb_output_set_property, "retry_limit").
      if (opts.retryLimit !== undefined && (typeof opts.retryLimit !== 'number' || !Number.isInteger(opts.retryLimit) || opts.retryLimit < 1)) {
        throw Errors.invalidNumber(path, `outputs[${i}].retryLimit`, opts.retryLimit,
          'a whole number >= 1 (for no retry use retry: RetryLimit.none(), for no limit RetryLimit.unlimited())');
      }
      if (opts.retry !== undefined) {
        if (!(opts.retry instanceof RetryLimit)) {
          throw Errors.invalidRole(path, `outputs[${i}].retry`, opts.retry, 'is not a RetryLimit', 'Make it with RetryLimit.retries(n), RetryLimit.none() or RetryLimit.unlimited()');
        }
        if (opts.retryLimit !== undefined) { throw Errors.alreadySet(path, `outputs[${i}].retry`, opts.retry.value, `by outputs[${i}].retryLimit (${opts.retryLimit}); give one of the two`); }
        const count = opts.retry._count();
        if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
          throw Errors.invalidNumber(path, `outputs[${i}].retry`, count,
            'a whole number >= 1 (for no retry use RetryLimit.none(), for no limit RetryLimit.unlimited())');
        }
      }
      // A host or bucket from another construct (a CDK token) is checked on its literal parts.
      if (typeof opts.host === 'string' && !literalPartsPass(opts.host, h => /^[A-Za-z0-9.:-]+$/.test(h))) {
        throw Errors.invalidName(path, `outputs[${i}].host`, opts.host, 'a host name or IP address');
      }
      if (opts.port !== undefined && (typeof opts.port !== 'number' || !Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535)) {
        throw Errors.invalidPort(path, `outputs[${i}].port`, opts.port);
      }
      if (opts.match !== undefined && (typeof opts.match !== 'string' || opts.match.length === 0 || /\s/.test(opts.match))) {
        throw Errors.invalidName(path, `outputs[${i}].match`, opts.match, 'a tag pattern such as "*" or "app*"');
      }
      // Every string the user gave is written as a value of both formats (and of the classic
      // pipeline.conf that FireLens loads): refused here, with the prop's name, when it cannot be.
      for (const [name, value] of Object.entries(o._given())) {
        if (typeof value === 'string') { checkFluentBitValue(path, `outputs[${i}].${name}`, value); }
      }
      if (o.plugin === 'loki') { checkLokiLabels(path, `outputs[${i}].labels`, o._given().labels); }
      // S3 bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html):
      // the name is also written into the IAM policy's resource ARN, where "*" would grant every bucket.
      if (o.plugin === 's3' && !(typeof opts.bucket === 'string' && literalPartsPass(opts.bucket, b => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b), 'xxx'))) {
        throw Errors.invalidName(path, `outputs[${i}].bucket`, opts.bucket, 'an S3 bucket name: 3 to 63 lowercase letters, digits, \'.\' and \'-\'');
      }
    });
    (p.filters ?? []).forEach((f, i) => {
      if (!(f instanceof FluentBitFilter)) { throw Errors.invalidRole(path, `filters[${i}]`, f, 'is not a FluentBitFilter', 'Make it with FluentBitFilter.kubernetes(), .modify() or .grep()'); }
      const { rules } = f._render();
      if (f.plugin !== 'kubernetes' && rules.length === 0) {
        throw Errors.invalidRole(path, `filters[${i}]`, f.plugin, 'has no rules and would do nothing', 'Give add/remove/rename (modify) or regex/exclude (grep)');
      }
      const match = f._match();
      if (match !== undefined && (typeof match !== 'string' || match.length === 0 || /\s/.test(match))) {
        throw Errors.invalidName(path, `filters[${i}].match`, match, 'a tag pattern such as "*" or "app*"');
      }
      if (match !== undefined) { checkFluentBitValue(path, `filters[${i}].match`, match); }
      for (const r of f._rules()) {
        const [key, value] = r.tokens;
        const keyField = r.index !== undefined ? `filters[${i}].${r.rule}[${r.index}]` : `filters[${i}].${r.rule}`;
        const valueField = `filters[${i}].${r.rule}[${JSON.stringify(key)}]`;
        if (typeof key !== 'string' || key.length === 0) { throw Errors.invalidName(path, keyField, key, 'a record key'); }
        if (r.tokens.length > 1 && (typeof value !== 'string' || value.length === 0)) {
          throw Errors.invalidName(path, valueField, value, r.rule === 'rename' ? 'a new record key' : 'a non-empty value');
        }
        // modify quotes its tokens (core/escape-fluent-bit.ts, modifyRule): anything but a control
        // character or "${" is carried. grep splits its value at the first space, with no quoting
        // (fluent/fluent-bit plugins/filter_grep/grep.c, flb_utils_split(value, ' ', 1)): the key
        // cannot hold whitespace; the regex is the rest of the line.
        for (const [token, field] of [[key, keyField], ...(r.tokens.length > 1 ? [[value, valueField]] : [])]) {
          const problem = tokenProblem(token);
          if (problem) { throw refuseClassicValue(path, field, token, problem); }
        }
        if (f.plugin === 'grep') {
          if (/\s/.test(key)) {
            throw Errors.unrepresentableValue(path, keyField, key, 'a grep filter rule', 'the grep filter reads the record key up to the first space, without quoting',
              'Use a key without whitespace (a record accessor such as $log works)');
          }
          // what the line carries is "key regex": only the regex's end can be trimmed away
          const problem = classicValueProblem(`${key} ${value}`);
          if (problem) { throw refuseClassicValue(path, valueField, value, problem); }
        }
      }
    });
    if ((p.filters ?? []).filter(f => f.plugin === 'kubernetes').length > 1) {
      throw Errors.invalidRole(path, 'filters', 'kubernetes', 'is given twice', 'Give the kubernetes filter once');
    }
    for (const [name, value] of [['logDirectory', p.logDirectory], ['logFiles', p.logFiles]] as const) {
      if (typeof value === 'string') { checkFluentBitValue(path, name, value); }
    }
    const problem = p.logDirectory !== undefined ? pathProblem(p.logDirectory) : undefined;
    if (problem) { throw Errors.invalidPath(path, 'logDirectory', p.logDirectory, problem); }
    if (p.logDirectory && ['/', CONFIG_DIR, STATE_DIR, '/fluent-bit', '/fluent-bit/etc'].some(d => p.logDirectory === d || p.logDirectory!.startsWith(`${CONFIG_DIR}/`))) {
      throw Errors.invalidPath(path, 'logDirectory', p.logDirectory, 'is a directory Fluent Bit uses itself', 'Give the directory the app writes its logs to, e.g. "/var/log/app"');
    }
    if (p.logFiles !== undefined && (p.logFiles.includes('..') || p.logFiles.startsWith('/') || /\s/.test(p.logFiles))) {
      throw Errors.invalidPath(path, 'logFiles', p.logFiles, 'is not a file pattern inside logDirectory',
        'Give a file name or wildcard pattern relative to logDirectory, without ".." or white space, e.g. "*.log"');
    }
    // Fluent Bit reads mem_buf_limit into a signed 64-bit byte count (fluent/fluent-bit
    // src/flb_utils.c, flb_utils_size_to_bytes returns int64_t): more MiB than fit there is refused.
    const MAX_MIB = Math.floor(Number.MAX_SAFE_INTEGER / 1024);
    for (const [key, value, min, max] of [['memBufLimitMebibytes', p.memBufLimitMebibytes, 1, MAX_MIB], ['flushSeconds', p.flushSeconds, 1, undefined]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < min)) { throw Errors.invalidNumber(path, key, value, `a whole number >= ${min}`); }
      if (value !== undefined && max !== undefined && value > max) { throw Errors.invalidNumber(path, key, value, `a whole number from ${min} to ${max}`); }
    }
    if (p.logLevel !== undefined && !['off', 'error', 'warn', 'info', 'debug', 'trace'].includes(p.logLevel)) {
      throw Errors.invalidName(path, 'logLevel', p.logLevel, 'one of off, error, warn, info, debug, trace');
    }
  }
}

/**
 * Loki's `labels` is a comma-separated list of `name=value` items, each trimmed, and an item
 * starting with '$' is a record accessor (fluent/fluent-bit plugins/out_loki/loki.c: the
 * FLB_CONFIG_MAP_CLIST "labels" and parse_kv). A name must be a Loki label name
 * (https://grafana.com/docs/loki/latest/get-started/labels/: [a-zA-Z_][a-zA-Z0-9_]*); a value
 * cannot hold a comma (it would start another label) nor start or end with whitespace.
 */
function checkLokiLabels(path: string, field: string, labels: unknown): void {
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

/** The props the service settings come from. */
const SERVICE_FIELDS: { [key: string]: string } = { flush: 'flushSeconds', log_level: 'logLevel', http_port: 'httpPort' };

/** Entries with the prop each comes from (the key itself for what the library sets). */
function withFields(settings: { [key: string]: string | number }, fields: { [key: string]: string }): Array<[string, string | number, string]> {
  return Object.entries(settings).map(([k, v]) => [k, v, fields[k] ?? k]);
}

/** One permission per distinct action set (outputs of one kind repeat them). */
function mergePermissions(ps: CloudPermission[]): CloudPermission[] {
  const seen = new Map<string, CloudPermission>();
  for (const p of ps) { seen.set(JSON.stringify(p), p); }
  return [...seen.values()];
}
