import { Construct } from 'constructs';
import { CONFIG_DIR, STATE_DIR } from './common';
import { FILTER_OPTION_TYPES, FluentBitFilter } from './filters';
import { tailInput } from './inputs/tail';
import { checkLokiLabels, FluentBitOutput, OUTPUT_OPTION_TYPES, OUTPUT_REQUIRED, outputField, RetryLimit } from './outputs';
import { kubeTagParser } from './parsers';
import { ContainerSpec, PodField, PortExposure, ResourceRequirements, StartupRole, WaitCondition } from '../../core/container';
import { CloudPermission, CompositionContext, ISidecar, LogRouterType, SidecarContribution, WorkloadIdentity } from '../../core/contribution';
import { Errors } from '../../core/errors';
import { checkFluentBitValue, classicEntry, classicValueProblem, configComment, refuseClassicValue, tokenProblem } from '../../core/escape-fluent-bit';
import { DNS_LABEL, generatedFileOrigins, isImageReference, pathProblem, portOrigins, UID_ORIGIN } from '../../core/names';
import { Probe } from '../../core/probe';
import { RESOURCE_TYPES, checkPropTypes, rememberProps } from '../../core/prop-types';
import { DEFAULT_TOKEN_PATH, resolveContribution } from '../../core/resolve';
import { literalPartsPass } from '../../core/tokens';
import { VolumeKind, VolumeSpec } from '../../core/volume';
import { toYamlText } from '../../core/yaml-writer';

/** Format of the generated Fluent Bit configuration. */
export enum FluentBitConfigFormat {
  /** The YAML format (Fluent Bit >= 3.2 reads everything in it). */
  YAML = 'YAML',
  /** The classic `[SECTION]` format. */
  CLASSIC = 'CLASSIC',
}

/** Props of a Fluent Bit sidecar. */
export interface FluentBitSidecarProps {
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
/** Base memory of Fluent Bit beyond its buffers (MiB), and the headroom the check asks for. */
const BASE_MEMORY = 48;
const MIN_HEADROOM = 32;

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
    return {
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
    };
  }

  private memBuf(): number {
    return this.props.memBufLimitMebibytes ?? 5;
  }
  private tail(): { [key: string]: string | number } {
    const p = this.props;
    return tailInput({
      kubeTag: (p.filters ?? []).some(f => f.plugin === 'kubernetes'),
      logDirectory: p.logDirectory ?? '/var/log/app',
      logFiles: p.logFiles ?? '*.log',
      memBufLimitMebibytes: this.memBuf(),
      skipLongLines: p.skipLongLines ?? true,
    });
  }

  private parsers(): Array<{ [key: string]: string }> {
    return (this.props.filters ?? []).some(f => f.plugin === 'kubernetes') ? [kubeTagParser()] : [];
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
