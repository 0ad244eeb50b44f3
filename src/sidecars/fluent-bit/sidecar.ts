import { Construct } from 'constructs';
import { CONFIG_DIR, onOff, STATE_DIR } from './common';
import { FILTER_OPTION_TYPES, FILTER_REQUIRED, FluentBitFilter, FluentBitMultilineMode } from './filters';
import { FluentBitInput, INPUT_FIELDS, INPUT_OPTION_TYPES } from './inputs/network';
import { FluentBitDbSync, FluentBitTailOptions, TAIL_FIELDS, tailInput } from './inputs/tail';
import { checkLokiLabels, FluentBitOutput, OUTPUT_OPTION_TYPES, OUTPUT_REQUIRED, RenderedEntry, RetryLimit, SecretSetting } from './outputs';
import { BUILT_IN_MULTILINE, FluentBitMultilineParser, FluentBitParser, KUBE_TAG_PARSER, kubeTagParser } from './parsers';
import { declareDeterministic } from '../../core/composition';
import { ContainerSpec, EnvVarSpec, PodField, SecretKeyReference, PortExposure, ResourceRequirements, StartupRole, WaitCondition } from '../../core/container';
import { CloudPermission, CompositionContext, ISidecar, LogRouterType, SidecarContribution, WorkloadIdentity } from '../../core/contribution';
import { Errors } from '../../core/errors';
import { checkFluentBitValue, classicEntry, classicValueProblem, configComment, refuseClassicValue, slistTokenProblem, slistTokens, tokenProblem } from '../../core/escape-fluent-bit';
import { DNS_LABEL, generatedFileOrigins, isImageReference, pathProblem, portOrigins, UID_ORIGIN } from '../../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../../core/overrides';
import { Probe } from '../../core/probe';
import { RESOURCE_TYPES, checkPropTypes, checkSecretRef, rememberProps } from '../../core/prop-types';
import { DEFAULT_TOKEN_PATH, resolveContribution } from '../../core/resolve';
import { literalPartsPass } from '../../core/tokens';
import { HostPathType, VolumeKind, VolumeSpec } from '../../core/volume';
import { toYamlText } from '../../core/yaml-writer';

/** Format of the generated Fluent Bit configuration. */
export enum FluentBitConfigFormat {
  /** The YAML format (Fluent Bit >= 3.2 reads everything in it). */
  YAML = 'YAML',
  /** The classic `[SECTION]` format. */
  CLASSIC = 'CLASSIC',
}

/** SQLite-free filesystem buffering of Fluent Bit (chunks on a scratch volume of the sidecar). */
export interface FluentBitStorageOptions {
  /**
   * Size limit of the scratch volume holding the chunks, in MiB (`storage.path` is on it).
   * @default 512
   */
  readonly sizeLimitMebibytes?: number;
  /**
   * `storage.sync`: 'normal' or 'full' (sync every write).
   * @default 'normal'
   */
  readonly sync?: string;
  /**
   * CRC32 checks of chunks (`storage.checksum`).
   * @default false
   */
  readonly checksum?: boolean;
  /**
   * Memory for chunks loaded back from disk after a restart, in MiB (`storage.backlog.mem_limit`).
   * @default 5
   */
  readonly backlogMemLimitMebibytes?: number;
  /**
   * Chunks kept up in memory (`storage.max_chunks_up`).
   * @default 128
   */
  readonly maxChunksUp?: number;
  /**
   * Flush the backlog on shutdown (`storage.backlog.flush_on_shutdown`).
   * @default false
   */
  readonly backlogFlushOnShutdown?: boolean;
  /**
   * Storage metrics on the HTTP server (`storage.metrics`).
   * @default false
   */
  readonly metrics?: boolean;
  /**
   * Keep chunks that could not be delivered (dead letter queue, `storage.keep.rejected`).
   * @default false
   */
  readonly keepRejected?: boolean;
  /**
   * Delete chunks that cannot be read (`storage.delete_irrecoverable_chunks`).
   * @default false
   */
  readonly deleteIrrecoverableChunks?: boolean;
  /**
   * Pause the tail input when maxChunksUp is reached (`storage.pause_on_chunks_overlimit`).
   * @default false
   */
  readonly pauseOnChunksOverlimit?: boolean;
}

/** Thresholds of Fluent Bit's health endpoint (`/api/v1/health`, probed through `/api/v2/health`). */
export interface FluentBitHealthCheckOptions {
  /**
   * Output errors within the period that make it unhealthy (`hc_errors_count`).
   * @default 5
   */
  readonly errorsCount?: number;
  /**
   * Failed retries within the period that make it unhealthy (`hc_retry_failure_count`).
   * @default 5
   */
  readonly retryFailureCount?: number;
  /**
   * Period in seconds (`hc_period`).
   * @default 60
   */
  readonly periodSeconds?: number;
}

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
   * @default '*.log' ('containers/*.log' with hostLogDirectory)
   */
  readonly logFiles?: string;
  /**
   * Tail logs of the node instead of the app's: this directory of the node is mounted read-only
   * at the same path (a hostPath volume; the same path, because the node's
   * `/var/log/containers/*.log` are symlinks into `/var/log/pods`), e.g. `/var/log` in a
   * DaemonSet. Replaces logDirectory; needs `allowHostPath: true`. The container runtime writes
   * container logs as root with mode 0640 (containerd) or 0600 (CRI-O before conmon 2.1.13), so
   * Fluent Bit then runs as root (every capability still dropped) unless `uid` says otherwise,
   * which the runtime contract refuses. Kubernetes only.
   * @default - the app's logs (logDirectory)
   */
  readonly hostLogDirectory?: string;
  /**
   * Opt in to the hostPath volume of hostLogDirectory (Pod Security baseline and restricted
   * forbid hostPath volumes: a namespace that enforces either is refused at synthesis).
   * @default false
   */
  readonly allowHostPath?: boolean;
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
  /**
   * Tuning of the tail input (exclusions, tag, offsets database, buffers, multiline and
   * line parsers, record keys).
   * @default - Fluent Bit's defaults, refresh_interval 5
   */
  readonly tail?: FluentBitTailOptions;
  /**
   * Inputs the app sends logs to over the pod's localhost (forward, OpenTelemetry, TCP),
   * besides the tail input; each gets the same memory buffer limit (and filesystem buffering
   * with `storage`). On ECS, ports 24224 and 8877 are taken by FireLens's own inputs.
   * @default - none: the tail input only
   */
  readonly inputs?: FluentBitInput[];
  /**
   * Filesystem buffering: chunks are written to a scratch volume (`storage.path`) and the
   * tail input uses `storage.type filesystem`. Not on ECS (FireLens writes the service section).
   * @default - memory buffering only
   */
  readonly storage?: FluentBitStorageOptions;
  /**
   * Seconds Fluent Bit keeps flushing on exit (`grace`); the container's termination grace
   * period (Kubernetes) / stop timeout (ECS, at most 120 s on Fargate) is this + 5.
   * @default 5
   */
  readonly graceSeconds?: number;
  /**
   * Health check thresholds.
   * @default - 5 errors, 5 retry failures, 60 s period
   */
  readonly healthCheck?: FluentBitHealthCheckOptions;
  /**
   * Base of the retry backoff, in seconds (`scheduler.base`).
   * @default 5
   */
  readonly schedulerBaseSeconds?: number;
  /**
   * Longest wait between retries, in seconds (`scheduler.cap`).
   * @default 2000
   */
  readonly schedulerCapSeconds?: number;
  /**
   * DNS transport (`dns.mode`): 'UDP' or 'TCP'.
   * @default 'UDP'
   */
  readonly dnsMode?: string;
  /**
   * DNS resolver (`dns.resolver`): 'LEGACY' or 'ASYNC'.
   * @default - Fluent Bit's
   */
  readonly dnsResolver?: string;
  /**
   * Prefer IPv4 answers (`dns.prefer_ipv4`).
   * @default false
   */
  readonly dnsPreferIpv4?: boolean;
}

const DEFAULT_IMAGE = 'fluent/fluent-bit:5.0.8';
/** Base memory of Fluent Bit beyond its buffers (MiB), and the headroom the check asks for. */
const BASE_MEMORY = 48;
const MIN_HEADROOM = 32;
const STORAGE_DIR = '/var/lib/fluent-bit-storage';
/**
 * Output settings that name a file, filled from a secret key mounted as a file into the Fluent
 * Bit container: the option, its key, the volume/directory kind (mounted at
 * /etc/cdk-sidecars/fluent-bit-<kind>/<output index>) and what to use where the platform cannot
 * mount secrets as files (ECS).
 */
const SECRET_FILE_OPTIONS: Array<{ option: string; key: string; kind: string; alternative: string }> = [
  { option: 'tlsCaSecret', key: 'tls.ca_file', kind: 'ca', alternative: 'a server certificate from a public CA, or an image whose trust store has your CA' },
  { option: 'credentialsSecret', key: 'google_service_credentials', kind: 'gcp', alternative: 'credentials from the metadata server (leave credentialsSecret out)' },
];

/** One secret file of an output. */
interface SecretFile {
  readonly output: number;
  readonly option: string;
  readonly key: string;
  readonly kind: string;
  readonly alternative: string;
  readonly ref: SecretKeyReference;
}
/** Seconds the container's grace adds to Fluent Bit's own `grace`. */
const GRACE_MARGIN = 5;

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
      hostLogDirectory: 'string',
      allowHostPath: 'boolean',
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
      inputs: 'objectArray',
      tail: {
        struct: {
          excludePaths: 'stringArray',
          tag: 'string',
          tagRegex: 'string',
          dbSync: { enum: FluentBitDbSync },
          dbLocking: 'boolean',
          dbJournalMode: 'string',
          dbCompareFilename: 'boolean',
          bufferChunkSizeKibibytes: 'count',
          bufferMaxSizeKibibytes: 'count',
          skipEmptyLines: 'boolean',
          refreshIntervalSeconds: 'count',
          rotateWaitSeconds: 'count',
          readFromHead: 'boolean',
          ignoreOlderMinutes: 'count',
          multilineParsers: 'objectArray',
          parser: 'object',
          key: 'string',
          pathKey: 'string',
          offsetKey: 'string',
          threaded: 'boolean',
        },
      },
      storage: {
        struct: {
          sizeLimitMebibytes: 'count',
          sync: 'string',
          checksum: 'boolean',
          backlogMemLimitMebibytes: 'count',
          maxChunksUp: 'count',
          backlogFlushOnShutdown: 'boolean',
          metrics: 'boolean',
          keepRejected: 'boolean',
          deleteIrrecoverableChunks: 'boolean',
          pauseOnChunksOverlimit: 'boolean',
        },
      },
      graceSeconds: 'count',
      healthCheck: { struct: { errorsCount: 'count', retryFailureCount: 'count', periodSeconds: 'count' } },
      schedulerBaseSeconds: 'count',
      schedulerCapSeconds: 'count',
      dnsMode: 'string',
      dnsResolver: 'string',
      dnsPreferIpv4: 'boolean',
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
      if (options !== undefined) { checkPropTypes(this.node.path, options, FILTER_OPTION_TYPES[f.plugin] ?? {}, FILTER_REQUIRED[f.plugin] ?? [], `filters[${i}].`); }
    });
    (props.inputs ?? []).forEach((x, i) => {
      const options = given(x);
      if (options !== undefined) { checkPropTypes(this.node.path, options, INPUT_OPTION_TYPES[(x as FluentBitInput).plugin] ?? {}, [], `inputs[${i}].`); }
    });
    checkPropTypes(this.node.path, props, { resources: { struct: RESOURCE_TYPES } });
    this.props = props;
    rememberProps(this, props);
    checkOverrideTypes(this.node.path, props);
    this.name = props.name ?? 'fluent-bit';
    // Container logs on the node are root's, 0640 (see hostLogDirectory).
    this.uid = props.uid ?? (props.hostLogDirectory !== undefined ? 0 : 10001);
    this.check(this.node.path);
    resolveContribution(this.node.path, this.contribute({ targetPath: this.node.path, appContainers: [] }));
  }

  /** The memory limit in effect, in MiB. */
  public get memoryLimitMebibytes(): number {
    return this.props.resources?.memoryLimitMebibytes ?? Math.ceil((2 * this.buffers() + BASE_MEMORY) / 16) * 16;
  }

  public contribute(context: CompositionContext): SidecarContribution {
    const p = this.props;
    const logDir = this.logDir();
    const hostLogs = p.hostLogDirectory !== undefined;
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
    const warnings: string[] = [];
    const files0 = this.secretFiles();
    // FireLens's generated main configuration listens with forward on 24224 and tcp on 8877
    // (its health check input): aws/amazon-ecs-agent agent/taskresource/firelens tests' expected configs.
    if (context.identity === WorkloadIdentity.AWS_IAM_ROLE) {
      this.networkInputs().forEach((x, i) => {
        if (x.port === 24224 || x.port === 8877) {
          throw Errors.unsupportedOnPlatform(this.node.path, `inputs[${i}].port`, x.port, `${context.targetPath}, an ECS task whose Fluent Bit is the FireLens router`,
            `FireLens's own inputs listen on port ${x.port} (forward on 24224, its health check on 8877)`, 'Give the input another port');
        }
      });
    }
    const classic = (p.configFormat ?? FluentBitConfigFormat.YAML) === FluentBitConfigFormat.CLASSIC;
    const files = [
      classic ? { name: 'fluent-bit.conf', content: this.classic(true) } : { name: 'fluent-bit.yaml', content: this.yaml() },
      ...(classic ? [{ name: 'parsers.conf', content: this.classicParsers() }] : []),
      ...this.luaFiles(),
    ];
    const limit = this.memoryLimitMebibytes;
    if (p.resources?.memoryLimitMebibytes !== undefined && limit < 2 * this.buffers() + MIN_HEADROOM) {
      warnings.push(`resources.memoryLimitMebibytes ${limit} leaves too little room above memBufLimitMebibytes ${this.memBuf()}`
        + `${this.networkInputs().length ? ` (x ${1 + this.networkInputs().length} inputs)` : ''}: `
        + `a log storm can get Fluent Bit OOM-killed instead of pausing its input. Give FluentBitSidecarProps.resources at least ${2 * this.buffers() + MIN_HEADROOM} MiB, `
        + 'or lower FluentBitSidecarProps.memBufLimitMebibytes');
    }
    const container: ContainerSpec = {
      name: this.name,
      image: p.image ?? DEFAULT_IMAGE,
      role: StartupRole.SIDECAR,
      appWaitsFor: WaitCondition.STARTED,
      command: ['/fluent-bit/bin/fluent-bit'],
      args: ['-c', `${CONFIG_DIR}/${classic ? 'fluent-bit.conf' : 'fluent-bit.yaml'}`],
      env: [
        ...(k8sFilter ? [{ name: 'POD_NAME', podField: PodField.POD_NAME }, { name: 'POD_NAMESPACE', podField: PodField.POD_NAMESPACE }] : []),
        // Credentials of the outputs: in this container only, referred to as ${NAME} in the config.
        ...this.secretEnv().map(([name, s]): EnvVarSpec => ({ name, secret: s.secret })),
      ],
      ports: [
        // The HTTP server is always on (service(): http_server on, 0.0.0.0); Prometheus text at /api/v2/metrics/prometheus
        // (fluent/fluent-bit src/http_server/api/v2/metrics.c, api_v2_metrics registers it).
        { port: p.httpPort ?? 2020, name: 'http-metrics', exposure: PortExposure.EXPOSED, metricsPath: '/api/v2/metrics/prometheus' },
        // The app sends to these on localhost: not declared on the platform.
        ...this.networkInputs().map((x, i) => ({ port: x.port, name: `in-${i}-${x.plugin.slice(0, 4)}`, exposure: PortExposure.POD_LOCAL })),
      ],
      origins: [...portOrigins(['httpPort', ...this.networkInputs().map((_, i) => `inputs[${i}].port`)]), UID_ORIGIN, { field: 'shutdown.gracePeriodSeconds', prop: 'graceSeconds', offset: GRACE_MARGIN },
        // A derived memory limit too large for a platform (an ECS task) names the prop it comes from.
        ...(p.resources?.memoryLimitMebibytes === undefined
          ? [{ field: 'resources.memoryLimitMebibytes', prop: 'resources.memoryLimitMebibytes (derived: 2 x memBufLimitMebibytes per input + 48 MiB)' }] : [])],
      security: { uid: this.uid, ...(hostLogs && this.uid === 0 ? { allowRootUser: true } : {}) },
      resources: { cpuRequestMillicores: 50, memoryRequestMebibytes: Math.min(64, limit), ...p.resources, memoryLimitMebibytes: limit },
      readinessProbe: Probe.httpGet({ port: p.httpPort ?? 2020, path: '/api/v2/health', periodSeconds: 10 }),
      livenessProbe: Probe.httpGet({ port: p.httpPort ?? 2020, path: '/api/v2/health', periodSeconds: 30, failureThreshold: 3 }),
      volumeMounts: [
        { volume: `${this.name}-config`, path: CONFIG_DIR, readOnly: true },
        { volume: `${this.name}-logs`, path: logDir, readOnly: true },
        { volume: `${this.name}-state`, path: STATE_DIR },
        ...(p.storage ? [{ volume: `${this.name}-storage`, path: STORAGE_DIR }] : []),
        ...files0.map(s => ({ volume: `${this.name}-${s.kind}-${s.output}`, path: secretFileDir(s), readOnly: true })),
      ],
      identityToken: k8sFilter ? {} : undefined,
      // For the runtime contract: the tail DB it keeps, and the token the kubernetes filter
      // reads (its kube_token_file default, the service account token path).
      writesPaths: [`${STATE_DIR}/tail.db`, ...(this.s3Buffer() ? [`${STATE_DIR}/s3`] : []), ...(p.storage ? [STORAGE_DIR] : [])],
      readsPaths: [...(k8sFilter ? [DEFAULT_TOKEN_PATH] : []), ...files0.map(secretFilePath), ...(hostLogs ? [`${logDir}/${this.logFilesGlob()}`] : [])],
      // A log shipper that stops must not take the app down.
      essential: false,
      shutdown: { gracePeriodSeconds: (p.graceSeconds ?? 5) + GRACE_MARGIN },
    };
    const volumes: VolumeSpec[] = [
      { name: `${this.name}-config`, kind: VolumeKind.CONFIG_FILES, files },
      hostLogs
        ? { name: `${this.name}-logs`, kind: VolumeKind.HOST_PATH, hostPath: logDir, hostPathType: HostPathType.DIRECTORY, allowHostPath: p.allowHostPath }
        : { name: `${this.name}-logs`, kind: VolumeKind.SCRATCH },
      { name: `${this.name}-state`, kind: VolumeKind.SCRATCH, sizeLimitMebibytes: 64 + this.s3Buffer() },
      ...(p.storage ? [{ name: `${this.name}-storage`, kind: VolumeKind.SCRATCH, sizeLimitMebibytes: p.storage.sizeLimitMebibytes ?? 512 }] : []),
      ...files0.map(s => ({ name: `${this.name}-${s.kind}-${s.output}`, kind: VolumeKind.SECRET, secretName: s.ref.secretName })),
    ];
    // A platform that cannot mount a secret as files names the output's option (ECS).
    const caOrigins = files0.map((s, k) => ({
      field: `volumes[${volumes.length - files0.length + k}]`, prop: `outputs[${s.output}].${s.option}`, alternative: s.alternative,
    }));
    return applyOverrides(this.node.path, {
      containers: [container],
      volumes,
      // A generated file too large for a platform is named by the prop with the largest value.
      origins: [...generatedFileOrigins(p, volumes), ...caOrigins,
        // The node's log directory (hostLogDirectory) is the logs volume, named as the props that made it.
        ...(hostLogs ? [{ field: 'volumes[1]', prop: 'hostLogDirectory' }, { field: 'volumes[1].hostPath', prop: 'hostLogDirectory' },
          { field: 'volumes[1].allowHostPath', prop: 'allowHostPath' }] : [])],
      // The app shares its log directory; the node's is not the app's to write.
      appRequests: { mounts: hostLogs ? [] : [{ volume: `${this.name}-logs`, path: logDir }] },
      pod: {
        readsPodMetadata: k8sFilter && (p.createRbac ?? true) ? true : undefined,
        cloudPermissions: mergePermissions(p.outputs.flatMap(o => o._permissions())),
        egress: p.outputs.flatMap((o, i) => o._endpoints(`outputs[${i}]`)),
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

  /** Room the S3 outputs' store_dir needs on the state volume, in MiB: two objects each (one filling, one uploading). */
  private s3Buffer(): number {
    return this.props.outputs.filter(o => o instanceof FluentBitOutput && o.plugin === 's3')
      .reduce((sum, o) => sum + 2 * ((o._given().totalFileSizeMebibytes as number | undefined) ?? 50), 0);
  }

  /** The memory buffers of all inputs, in MiB. */
  private buffers(): number {
    return this.memBuf() * (1 + this.networkInputs().length);
  }

  private networkInputs(): FluentBitInput[] {
    return (this.props.inputs ?? []).filter(x => x instanceof FluentBitInput);
  }

  /** The network inputs' settings, with the buffer limit and storage type the tail input has. */
  private networkInputSettings(): Array<{ [key: string]: string | number }> {
    return this.networkInputs().map(x => ({
      ...x._settings(),
      mem_buf_limit: `${this.memBuf()}MB`,
      ...(this.props.storage ? { 'storage.type': 'filesystem' } : {}),
    }));
  }
  /** The directory tailed, as Fluent Bit sees it: the node's (mounted at the same path) or the one shared with the app. */
  private logDir(): string {
    return this.props.hostLogDirectory ?? this.props.logDirectory ?? '/var/log/app';
  }

  /** The files tailed in logDir: the node's container logs by default (/var/log/containers/*.log). */
  private logFilesGlob(): string {
    return this.props.logFiles ?? (this.props.hostLogDirectory !== undefined ? 'containers/*.log' : '*.log');
  }

  private tail(): { [key: string]: string | number } {
    const p = this.props;
    return tailInput({
      kubeTag: (p.filters ?? []).some(f => f.plugin === 'kubernetes'),
      logDirectory: this.logDir(),
      logFiles: this.logFilesGlob(),
      memBufLimitMebibytes: this.memBuf(),
      skipLongLines: p.skipLongLines ?? true,
      options: p.tail ?? {},
      storage: p.storage ? { pauseOnChunksOverlimit: p.storage.pauseOnChunksOverlimit } : undefined,
    });
  }

  /** The environment variable of each secret setting of the outputs, in order. */
  private secretEnv(): Array<[string, SecretSetting]> {
    return this.props.outputs.flatMap((o, i) => o._secrets().map((s, j): [string, SecretSetting] => [`FLB_OUTPUT_${i}_SECRET_${j}`, s]));
  }

  /** The outputs' entries, secrets as ${VAR}. */
  private outputEntries(): RenderedEntry[][] {
    const env = this.secretEnv();
    const files = this.secretFiles();
    return this.props.outputs.map((o, i) => [
      ...o._entries(s => env.find(([, x]) => x === s)![0]),
      ...files.filter(s => s.output === i).map((s): RenderedEntry => [s.key, secretFilePath(s), s.option, false]),
    ]);
  }

  /** The outputs' settings that name a file filled from a secret (SECRET_FILE_OPTIONS). */
  private secretFiles(): SecretFile[] {
    return this.props.outputs.flatMap((o, i) => SECRET_FILE_OPTIONS.flatMap(f => {
      const ref = o._given()[f.option] as SecretKeyReference | undefined;
      return ref === undefined ? [] : [{ ...f, output: i, ref }];
    }));
  }

  /** The user's parsers (tail.parser, parser filters), each name once. */
  private userParsers(): FluentBitParser[] {
    const all = [...(this.props.tail?.parser ? [this.props.tail.parser] : []), ...(this.props.filters ?? []).flatMap(f => f._parsers())];
    return all.filter((x, i) => x instanceof FluentBitParser && all.findIndex(y => y.name === x.name) === i);
  }

  /** The custom multiline parsers (tail and multiline filters), each name once. */
  private customMultiline(): FluentBitMultilineParser[] {
    const all = [...(this.props.tail?.multilineParsers ?? []), ...(this.props.filters ?? []).flatMap(f => f._multilineParsers())];
    return all.filter((x, i) => x instanceof FluentBitMultilineParser && x._custom() !== undefined && all.findIndex(y => y.name === x.name) === i);
  }

  private parsers(withKube = true): Array<{ [key: string]: string }> {
    return [
      ...(withKube && (this.props.filters ?? []).some(f => f.plugin === 'kubernetes') ? [kubeTagParser()] : []),
      ...this.userParsers().map(x => Object.fromEntries(x._definition().map(([k, v]) => [k, v]))),
    ];
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
      hc_errors_count: p.healthCheck?.errorsCount ?? 5,
      hc_retry_failure_count: p.healthCheck?.retryFailureCount ?? 5,
      hc_period: p.healthCheck?.periodSeconds ?? 60,
      grace: p.graceSeconds ?? 5,
      ...(p.schedulerBaseSeconds !== undefined ? { 'scheduler.base': p.schedulerBaseSeconds } : {}),
      ...(p.schedulerCapSeconds !== undefined ? { 'scheduler.cap': p.schedulerCapSeconds } : {}),
      ...(p.dnsMode !== undefined ? { 'dns.mode': p.dnsMode } : {}),
      ...(p.dnsResolver !== undefined ? { 'dns.resolver': p.dnsResolver } : {}),
      ...(p.dnsPreferIpv4 !== undefined ? { 'dns.prefer_ipv4': onOff(p.dnsPreferIpv4) } : {}),
      ...(this.storageService()),
    };
  }

  private storageService(): { [key: string]: string | number } {
    const st = this.props.storage;
    if (!st) { return {}; }
    const out: { [key: string]: string | number | undefined } = {
      'storage.path': `${STORAGE_DIR}/`,
      'storage.sync': st.sync,
      'storage.checksum': st.checksum !== undefined ? onOff(st.checksum) : undefined,
      'storage.backlog.mem_limit': st.backlogMemLimitMebibytes !== undefined ? `${st.backlogMemLimitMebibytes}M` : undefined,
      'storage.max_chunks_up': st.maxChunksUp,
      'storage.backlog.flush_on_shutdown': st.backlogFlushOnShutdown !== undefined ? onOff(st.backlogFlushOnShutdown) : undefined,
      'storage.metrics': st.metrics !== undefined ? onOff(st.metrics) : undefined,
      'storage.keep.rejected': st.keepRejected !== undefined ? onOff(st.keepRejected) : undefined,
      'storage.delete_irrecoverable_chunks': st.deleteIrrecoverableChunks !== undefined ? onOff(st.deleteIrrecoverableChunks) : undefined,
    };
    return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as { [key: string]: string | number };
  }

  /** The custom multiline parsers for YAML (`rules:` as a list of maps). */
  private yamlMultiline(): Array<{ [key: string]: unknown }> {
    return this.customMultiline().map(m => {
      const c = m._custom()!;
      return {
        name: c.name,
        type: 'regex',
        ...(c.flushTimeoutMillis !== undefined ? { flush_timeout: c.flushTimeoutMillis } : {}),
        ...(c.keyContent !== undefined ? { key_content: c.keyContent } : {}),
        ...(c.parser !== undefined ? { parser: c.parser } : {}),
        rules: c.rules.map(r => ({ state: r.state, regex: r.regex, next_state: r.nextState })),
      };
    });
  }

  /**
   * The `[PARSER]` and `[MULTILINE_PARSER]` sections of the classic format. A rule is one
   * `rule "state" "regex" "next"` line: Fluent Bit splits it with flb_slist_split_tokens, where a
   * token in double quotes runs to the next '"' not preceded by a backslash, and '\"' inside
   * becomes '"' (fluent/fluent-bit src/flb_slist.c, token_retrieve and token_unescape).
   */
  private classicParserSections(withKube: boolean): string[] {
    const path = this.node.path;
    return [
      ...this.parsers(withKube).map(x => ['[PARSER]', ...Object.entries(x).map(([k, v]) => classicEntry(path, k === 'name' || k === 'format' ? 'parser' : k, k, v, { width: 10 })), ''].join('\n')),
      ...this.customMultiline().map(m => {
        const c = m._custom()!;
        const f = `multiline parser ${JSON.stringify(c.name)}`;
        return ['[MULTILINE_PARSER]',
          classicEntry(path, `${f}.name`, 'name', c.name, { width: 13 }),
          classicEntry(path, f, 'type', 'regex', { width: 13 }),
          ...(c.flushTimeoutMillis !== undefined ? [classicEntry(path, `${f}.flushTimeoutMillis`, 'flush_timeout', c.flushTimeoutMillis, { width: 13 })] : []),
          ...(c.keyContent !== undefined ? [classicEntry(path, `${f}.keyContent`, 'key_content', c.keyContent, { width: 13 })] : []),
          ...(c.parser !== undefined ? [classicEntry(path, `${f}.parser`, 'parser', c.parser, { width: 13 })] : []),
          ...c.rules.map((r, j) => classicEntry(path, `${f}.rules[${j}]`, 'rule', slistTokens([r.state, r.regex, r.nextState], true), { width: 13 })),
          ''].join('\n');
      }),
    ];
  }

  /** A filter's settings and rules, with the path of a lua filter's script file. */
  private filterRender(f: FluentBitFilter, i: number): { settings: { [key: string]: string }; rules: Array<[string, string, string]> } {
    const r = f._render();
    return f.plugin === 'lua' && this.luaScript(f) !== undefined ? { ...r, settings: { ...r.settings, script: `${CONFIG_DIR}/${luaFile(i)}` } } : r;
  }

  private luaScript(f: FluentBitFilter): string | undefined {
    const s = (f._given() as { script?: unknown }).script;
    return typeof s === 'string' ? s : undefined;
  }

  /** The lua filters' script files, written into the config volume. */
  private luaFiles(): Array<{ name: string; content: string }> {
    return (this.props.filters ?? []).flatMap((f, i) => {
      const s = f instanceof FluentBitFilter && f.plugin === 'lua' ? this.luaScript(f) : undefined;
      return s === undefined ? [] : [{ name: luaFile(i), content: s }];
    });
  }

  /** The YAML configuration. */
  private yaml(): string {
    const filters = (this.props.filters ?? []).map((f, i) => {
      const { settings, rules } = this.filterRender(f, i);
      const out: { [key: string]: string | string[] } = { ...settings };
      for (const [key, value] of rules) {
        const existing = out[key];
        out[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
      }
      return out;
    });
    const outputs = this.outputEntries().map(entries => {
      const out: { [key: string]: string | number | Array<string | number> } = {};
      for (const [key, value] of entries) {
        const existing = out[key];
        out[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
      }
      return out;
    });
    const multiline = this.yamlMultiline();
    const doc: any = {
      service: this.service(),
      ...(this.parsers().length ? { parsers: this.parsers() } : {}),
      ...(multiline.length ? { multiline_parsers: multiline } : {}),
      pipeline: {
        inputs: [this.tail(), ...this.networkInputSettings()],
        ...(filters.length ? { filters } : {}),
        outputs,
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
    const section = (name: string, entries: Array<[string, string | number, string?, boolean?]>) =>
      [`[${name}]`, ...entries.map(([k, v, field, secretRef]) => classicEntry(path, field ?? k, k, v,
        { expandsEnv: secretRef === true || (name === 'INPUT' && k === 'tag' && this.props.tail?.tag === undefined) })), ''].join('\n');
    const parts: string[] = [configComment(`Fluent Bit configuration generated by cdk-sidecars for ${path}${main ? '' : ' (input, filters and outputs, included by the platform)'}`), ''];
    if (main) {
      const parsersFile = this.parsers().length || this.customMultiline().length;
      parts.push(section('SERVICE', [...withFields(this.service(), SERVICE_FIELDS), ...(parsersFile ? [['parsers_file', `${CONFIG_DIR}/parsers.conf`] as [string, string]] : [])]));
    } else {
      // The main configuration ECS generates for FireLens has no [SERVICE] section (inputs,
      // the metadata filter, an @INCLUDE of ours, outputs: aws/amazon-ecs-agent
      // agent/taskresource/firelens/firelensconfig_unix.go, generateConfig, and the expected
      // configs of its tests), and Fluent Bit takes the first [SERVICE] it reads, included
      // files too (src/config_format/flb_config_format.c, flb_cf_section_create sets
      // cf->service once). So ours, written here, is the router's: flush, log level, HTTP
      // server, health thresholds, grace and storage apply on ECS as elsewhere.
      parts.push(section('SERVICE', withFields(this.service(), SERVICE_FIELDS)));
      // The included file carries the user's parsers itself: Fluent Bit loads [PARSER] and
      // [MULTILINE_PARSER] sections from the main configuration and what it includes
      // (fluent/fluent-bit src/flb_config.c, flb_parser_load_parser_definitions and
      // flb_parser_load_multiline_parser_definitions on the whole config format).
      parts.push(...this.classicParserSections(false));
    }
    // The app's log files are tailed under FireLens too (the platform's config includes this
    // file with @INCLUDE; aws-samples/amazon-ecs-firelens-under-the-hood): the platform ships
    // stdout, this input ships the files the app writes to the shared log volume.
    parts.push(section('INPUT', withFields(this.tail(), { ...TAIL_FIELDS, path: this.props.logFiles !== undefined ? 'logFiles' : 'logDirectory' })));
    this.networkInputSettings().forEach((settings, i) => {
      parts.push(section('INPUT', Object.entries(settings).map(([k, v]): [string, string | number, string] => [k, v, `inputs[${i}].${INPUT_FIELDS[k] ?? k}`])));
    });
    (this.props.filters ?? []).forEach((f, i) => {
      if (!main && f.plugin === 'kubernetes') { return; }
      const { settings, rules } = this.filterRender(f, i);
      parts.push(section('FILTER', [
        ...Object.entries(settings).map(([k, v]): [string, string, string] => [k, v, `filters[${i}].${k}`]),
        ...rules.map(([k, v, field]): [string, string, string] => [k, v, `filters[${i}].${field}`]),
      ]));
    });
    this.outputEntries().forEach((entries, i) => {
      parts.push(section('OUTPUT', entries.map(([k, v, field, secretRef]): [string, string | number, string, boolean] => [k, v, `outputs[${i}].${field}`, secretRef])));
    });
    return parts.join('\n');
  }

  private classicParsers(): string {
    return this.classicParserSections(true).join('\n');
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
      if (['modify', 'grep', 'record_modifier', 'rewrite_tag'].includes(f.plugin) && rules.length === 0) {
        throw Errors.invalidRole(path, `filters[${i}]`, f.plugin, 'has no rules and would do nothing',
          'Give add/remove/rename (modify), regex/exclude (grep), records/removeKeys/allowlistKeys (recordModifier) or rules (rewriteTag)');
      }
      const match = f._match();
      if (match !== undefined && (typeof match !== 'string' || match.length === 0 || /\s/.test(match))) {
        throw Errors.invalidName(path, `filters[${i}].match`, match, 'a tag pattern such as "*" or "app*"');
      }
      if (match !== undefined) { checkFluentBitValue(path, `filters[${i}].match`, match); }
      for (const r of f._rules()) {
        const [key, value] = r.tokens;
        const name = r.field ?? r.rule;
        const keyField = r.index !== undefined ? `filters[${i}].${name}[${r.index}]` : `filters[${i}].${name}`;
        const valueField = `filters[${i}].${name}[${JSON.stringify(key)}]`;
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
        if (f.plugin === 'record_modifier' && r.tokens.length > 1) {
          const problem = slistTokenProblem(value);
          if (problem) { throw Errors.unrepresentableValue(path, valueField, value, 'a record_modifier record', problem, 'End the value with another character'); }
        }
        if (f.plugin === 'grep' || f.plugin === 'record_modifier') {
          if (/\s/.test(key)) {
            // record_modifier splits `record KEY VALUE` the same way (plugins/filter_record_modifier/filter_modifier.c, flb_utils_split(value, ' ', 1)).
            throw Errors.unrepresentableValue(path, keyField, key, `a ${f.plugin} filter rule`, `the ${f.plugin} filter reads the record key up to the first space, without quoting`,
              'Use a key without whitespace (a record accessor such as $log works)');
          }
          // what the line carries is "key regex": only the regex's end can be trimmed away
          const problem = classicValueProblem(`${key} ${value}`);
          if (problem) { throw refuseClassicValue(path, valueField, value, problem); }
        }
      }
    });
    this.checkMore(path);
    if ((p.filters ?? []).filter(f => f.plugin === 'kubernetes').length > 1) {
      throw Errors.invalidRole(path, 'filters', 'kubernetes', 'is given twice', 'Give the kubernetes filter once');
    }
    for (const [name, value] of [['logDirectory', p.logDirectory], ['logFiles', p.logFiles], ['hostLogDirectory', p.hostLogDirectory]] as const) {
      if (typeof value === 'string') { checkFluentBitValue(path, name, value); }
    }
    if (p.hostLogDirectory !== undefined) {
      if (p.logDirectory !== undefined) {
        throw Errors.alreadySet(path, 'logDirectory', p.logDirectory, 'with hostLogDirectory, which is the directory tailed then; give one of the two');
      }
      const hostProblem = pathProblem(p.hostLogDirectory);
      if (hostProblem) { throw Errors.invalidPath(path, 'hostLogDirectory', p.hostLogDirectory, hostProblem); }
      if (p.hostLogDirectory === '/' || [CONFIG_DIR, STATE_DIR, STORAGE_DIR, '/fluent-bit'].some(d => p.hostLogDirectory === d || p.hostLogDirectory!.startsWith(`${d}/`))) {
        throw Errors.invalidPath(path, 'hostLogDirectory', p.hostLogDirectory, 'is a directory Fluent Bit uses itself (or the root)', 'Give the node\'s log directory, e.g. "/var/log"');
      }
    } else if (p.allowHostPath !== undefined) {
      throw Errors.ineffectiveSetting(path, 'allowHostPath', p.allowHostPath, 'applies to hostLogDirectory, which is not set', 'Set hostLogDirectory too, or leave allowHostPath out');
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

  /** Checks of the tail, storage, service, parser, filter and output options added for issue 13. */
  private checkMore(path: string): void {
    const p = this.props;
    const strings = (field: string, value: unknown) => {
      if (typeof value === 'string') { checkFluentBitValue(path, field, value); }
      if (Array.isArray(value)) { value.forEach((v, j) => { if (typeof v === 'string') { checkFluentBitValue(path, `${field}[${j}]`, v); } }); }
    };
    const oneOf = (field: string, value: string | undefined, allowed: string[]) => {
      if (value !== undefined && !allowed.includes(value)) { throw Errors.invalidName(path, field, value, `one of ${allowed.join(', ')}`); }
    };
    const recordKey = (field: string, value: string | undefined) => {
      if (value !== undefined && (value.length === 0 || /\s/.test(value))) { throw Errors.invalidName(path, field, value, 'a record key without whitespace'); }
    };
    // Network inputs.
    (p.inputs ?? []).forEach((x, i) => {
      if (!(x instanceof FluentBitInput)) { throw Errors.invalidRole(path, `inputs[${i}]`, x, 'is not a FluentBitInput', 'Make it with FluentBitInput.forward(), .openTelemetry() or .tcp()'); }
      const g = x._given() as { tag?: string; format?: string };
      if (g.tag !== undefined && (g.tag.length === 0 || /\s/.test(g.tag))) { throw Errors.invalidName(path, `inputs[${i}].tag`, g.tag, 'a tag without white space'); }
      if (g.tag !== undefined) { checkFluentBitValue(path, `inputs[${i}].tag`, g.tag); }
      oneOf(`inputs[${i}].format`, g.format, ['json', 'none']);
      const other = [p.httpPort ?? 2020, ...(p.inputs ?? []).slice(0, i).map(y => (y as FluentBitInput).port)].indexOf(x.port);
      if (other >= 0) {
        throw Errors.alreadySet(path, `inputs[${i}].port`, x.port, `by ${other === 0 ? 'httpPort' : `inputs[${other - 1}].port`}; give each input its own port`);
      }
    });
    // Tail (fluent/fluent-bit-docs pipeline/inputs/tail.md).
    const t = p.tail ?? {};
    for (const [name, value] of Object.entries(t)) { strings(`tail.${name}`, value); }
    (t.excludePaths ?? []).forEach((x, j) => {
      // exclude_path is one comma-separated list (plugins/in_tail/tail_config.c, FLB_CONFIG_MAP_CLIST).
      if (x.length === 0 || x.includes(',') || /\s/.test(x)) { throw Errors.invalidName(path, `tail.excludePaths[${j}]`, x, 'a file pattern without commas or white space'); }
    });
    if (t.tag !== undefined && (t.tag.length === 0 || /\s/.test(t.tag))) { throw Errors.invalidName(path, 'tail.tag', t.tag, 'a tag without white space'); }
    if (t.tag !== undefined && (p.filters ?? []).some(f => f.plugin === 'kubernetes')) {
      throw Errors.alreadySet(path, 'tail.tag', t.tag, 'by FluentBitFilter.kubernetes(), which needs the tag kube.<namespace>.<pod>.app; leave tail.tag out or drop that filter');
    }
    if (t.tagRegex !== undefined && t.tag === undefined) {
      throw Errors.ineffectiveSetting(path, 'tail.tagRegex', t.tagRegex, 'its named groups only fill <name> parts of tail.tag', 'Give tail.tag too, e.g. "app.<file>"');
    }
    oneOf('tail.dbJournalMode', t.dbJournalMode, ['WAL', 'DELETE', 'TRUNCATE', 'PERSIST', 'MEMORY', 'OFF']);
    if (t.bufferChunkSizeKibibytes !== undefined && t.bufferChunkSizeKibibytes < 1) { throw Errors.invalidNumber(path, 'tail.bufferChunkSizeKibibytes', t.bufferChunkSizeKibibytes, 'a whole number >= 1'); }
    if (t.bufferMaxSizeKibibytes !== undefined && t.bufferMaxSizeKibibytes < 1) { throw Errors.invalidNumber(path, 'tail.bufferMaxSizeKibibytes', t.bufferMaxSizeKibibytes, 'a whole number >= 1'); }
    if (t.bufferChunkSizeKibibytes !== undefined && t.bufferMaxSizeKibibytes !== undefined && t.bufferChunkSizeKibibytes > t.bufferMaxSizeKibibytes) {
      throw Errors.invalidRange(path, 'tail.bufferChunkSizeKibibytes', t.bufferChunkSizeKibibytes, 'tail.bufferMaxSizeKibibytes', t.bufferMaxSizeKibibytes);
    }
    if (t.refreshIntervalSeconds === 0) { throw Errors.invalidNumber(path, 'tail.refreshIntervalSeconds', 0, 'a whole number >= 1'); }
    if (t.ignoreOlderMinutes === 0) { throw Errors.invalidNumber(path, 'tail.ignoreOlderMinutes', 0, 'a whole number >= 1'); }
    for (const k of ['key', 'pathKey', 'offsetKey'] as const) { recordKey(`tail.${k}`, t[k]); }
    if (t.parser !== undefined && !(t.parser instanceof FluentBitParser)) {
      throw Errors.invalidRole(path, 'tail.parser', t.parser, 'is not a FluentBitParser', 'Make it with FluentBitParser.json(), .logfmt() or .regex()');
    }
    this.checkMultiline(path, 'tail.multilineParsers', t.multilineParsers);
    // One definition per custom multiline parser name, across the tail input and the multiline filters.
    const customs: Array<[FluentBitMultilineParser, string]> = [
      ...(Array.isArray(t.multilineParsers) ? t.multilineParsers : []).map((m, j): [FluentBitMultilineParser, string] => [m, `tail.multilineParsers[${j}]`]),
      ...(p.filters ?? []).flatMap((f, i) => (f instanceof FluentBitFilter ? f._multilineParsers() : [])
        .map((m, j): [FluentBitMultilineParser, string] => [m, `filters[${i}].parsers[${j}]`])),
    ].filter(([m]) => m instanceof FluentBitMultilineParser && m._custom() !== undefined);
    for (const [m, field] of customs) {
      const other = customs.find(([y]) => y !== m && y.name === m.name && JSON.stringify(y._custom()) !== JSON.stringify(m._custom()));
      if (other) { throw Errors.alreadySet(path, `${field}.name`, m.name, `by ${other[1]}, a different multiline parser of the same name; give each its own name`); }
    }
    // Parsers: one definition per name.
    const parsers: Array<[FluentBitParser, string]> = [
      ...(t.parser instanceof FluentBitParser ? [[t.parser, 'tail.parser'] as [FluentBitParser, string]] : []),
      ...(p.filters ?? []).flatMap((f, i) => (f instanceof FluentBitFilter ? f._parsers() : []).map((x, j): [FluentBitParser, string] => [x, `filters[${i}].parsers[${j}]`])),
    ];
    for (const [x, field] of parsers) {
      if (!(x instanceof FluentBitParser)) { throw Errors.invalidRole(path, field, x, 'is not a FluentBitParser', 'Make it with FluentBitParser.json(), .logfmt() or .regex()'); }
      checkPropTypes(path, x._given(), { name: 'string', regex: 'string', timeKey: 'string', timeFormat: 'string', timeKeep: 'boolean' }, [], `${field}.`);
      if (!/^[A-Za-z0-9_.-]+$/.test(x.name) || x.name === KUBE_TAG_PARSER) {
        throw Errors.invalidName(path, `${field}.name`, x.name, `letters, digits, '_', '.' and '-', not ${KUBE_TAG_PARSER} (the library's own)`);
      }
      for (const [k, v, f] of x._definition()) { if (k !== 'format') { checkFluentBitValue(path, `${field}.${f}`, v); } }
      const other = parsers.find(([y]) => y !== x && y instanceof FluentBitParser && y.name === x.name
        && JSON.stringify(y._definition()) !== JSON.stringify(x._definition()));
      if (other) { throw Errors.alreadySet(path, `${field}.name`, x.name, `by ${other[1]}, a different parser of the same name; give each parser its own name`); }
    }
    // Storage and service (fluent/fluent-bit-docs administration/configuring-fluent-bit/yaml/service-section.md).
    const st = p.storage;
    if (st !== undefined) {
      oneOf('storage.sync', st.sync, ['normal', 'full']);
      if (st.sizeLimitMebibytes !== undefined && st.sizeLimitMebibytes < 1) { throw Errors.invalidNumber(path, 'storage.sizeLimitMebibytes', st.sizeLimitMebibytes, 'a whole number >= 1'); }
      if (st.maxChunksUp === 0) { throw Errors.invalidNumber(path, 'storage.maxChunksUp', 0, 'a whole number >= 1'); }
    }
    p.outputs.forEach((o, i) => {
      const lim = o._given().storageTotalLimitSizeMebibytes;
      if (lim !== undefined && st === undefined) {
        throw Errors.ineffectiveSetting(path, `outputs[${i}].storageTotalLimitSizeMebibytes`, lim, 'it limits the chunks buffered on disk, and storage is not set', 'Set FluentBitSidecarProps.storage too');
      }
    });
    oneOf('dnsMode', p.dnsMode, ['UDP', 'TCP']);
    oneOf('dnsResolver', p.dnsResolver, ['LEGACY', 'ASYNC']);
    if (p.schedulerBaseSeconds === 0) { throw Errors.invalidNumber(path, 'schedulerBaseSeconds', 0, 'a whole number >= 1'); }
    if (p.schedulerBaseSeconds !== undefined && p.schedulerCapSeconds !== undefined && p.schedulerBaseSeconds > p.schedulerCapSeconds) {
      throw Errors.invalidRange(path, 'schedulerBaseSeconds', p.schedulerBaseSeconds, 'schedulerCapSeconds', p.schedulerCapSeconds);
    }
    for (const k of ['errorsCount', 'retryFailureCount', 'periodSeconds'] as const) {
      if (p.healthCheck?.[k] === 0) { throw Errors.invalidNumber(path, `healthCheck.${k}`, 0, 'a whole number >= 1'); }
    }
    // Filters added for issue 13.
    (p.filters ?? []).forEach((f, i) => {
      const g = f._given() as { [key: string]: any };
      if (f.plugin === 'kubernetes') { recordKey(`filters[${i}].mergeLogKey`, g.mergeLogKey); }
      // A lua script is a file of its own (written through the platform's file delivery), not a config value.
      for (const [name, value] of Object.entries(g)) { if (name !== 'match' && !(f.plugin === 'lua' && name === 'script')) { strings(`filters[${i}].${name}`, value); } }
      if (f.plugin === 'parser') { recordKey(`filters[${i}].keyName`, g.keyName); if (!g.parsers.length) { throw Errors.missingSetting(path, `filters[${i}].parsers`, 'the parser filter needs a parser', 'Give parsers: [FluentBitParser.json()]'); } }
      if (f.plugin === 'multiline') {
        recordKey(`filters[${i}].keyContent`, g.keyContent);
        this.checkMultiline(path, `filters[${i}].parsers`, g.parsers);
        if ((g.mode ?? FluentBitMultilineMode.PARSER) === FluentBitMultilineMode.PARSER && !(g.parsers ?? []).length) {
          throw Errors.missingSetting(path, `filters[${i}].parsers`, 'mode PARSER joins lines with multiline parsers', 'Give parsers, e.g. [FluentBitMultilineParser.java()], or mode PARTIAL_MESSAGE');
        }
      }
      if (f.plugin === 'nest') {
        if (g.operation === 'nest' && (!(g.wildcards ?? []).length || g.nestUnder === undefined)) {
          throw Errors.missingSetting(path, `filters[${i}].${g.nestUnder === undefined ? 'nestUnder' : 'wildcards'}`, 'operation NEST needs wildcards and nestUnder', 'Give both');
        }
        if (g.operation === 'lift' && g.nestedUnder === undefined) {
          throw Errors.missingSetting(path, `filters[${i}].nestedUnder`, 'operation LIFT needs the key to lift', 'Give nestedUnder');
        }
      }
      if (f.plugin === 'lua' && (g.code === undefined) === (g.script === undefined)) {
        throw g.code === undefined
          ? Errors.missingSetting(path, `filters[${i}].code`, 'the lua filter needs its code', 'Give code (one line) or script')
          : Errors.alreadySet(path, `filters[${i}].script`, '(script)', `by filters[${i}].code; give one of the two`);
      }
      if (f.plugin === 'lua' && g.script === '') { throw Errors.missingSetting(path, `filters[${i}].script`, 'the script is empty', 'Give the Lua code'); }
      if (f.plugin === 'throttle' && g.rate === 0) { throw Errors.invalidNumber(path, `filters[${i}].rate`, 0, 'a whole number >= 1'); }
      if (f.plugin === 'rewrite_tag') {
        // Each rule is split at spaces into KEY REGEX NEW_TAG KEEP (plugins/filter_rewrite_tag/rewrite_tag.c, flb_utils_split).
        (g.rules as any[]).forEach((r, j) => {
          for (const k of ['key', 'regex', 'newTag']) {
            const v = r[k];
            if (typeof v !== 'string' || v.length === 0 || /\s/.test(v)) { throw Errors.invalidName(path, `filters[${i}].rules[${j}].${k}`, v, 'a value without white space (the rule is split at spaces)'); }
            checkFluentBitValue(path, `filters[${i}].rules[${j}].${k}`, v);
          }
        });
      }
    });
    // Outputs.
    p.outputs.forEach((o, i) => {
      const g = o._given() as { [key: string]: any };
      const f = `outputs[${i}]`;
      for (const [name, value] of Object.entries(g)) { if (Array.isArray(value)) { strings(`${f}.${name}`, value); } }
      for (const s of o._secrets()) { checkSecretRef(path, `${f}.${s.field}`, s.secret); }
      for (const k of ['headers', 'secretHeaders']) {
        for (const [name, value] of Object.entries(g[k] ?? {})) {
          if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) { throw Errors.invalidName(path, `${f}.${k}`, name, 'an HTTP header name'); }
          if (k === 'headers') { checkFluentBitValue(path, `${f}.headers[${JSON.stringify(name)}]`, value as string); }
          if (k === 'secretHeaders' && g.headers?.[name] !== undefined) { throw Errors.alreadySet(path, `${f}.secretHeaders[${JSON.stringify(name)}]`, name, `in ${f}.headers`); }
        }
      }
      if (o.plugin === 'es' && g.host === undefined && g.cloudId === undefined) {
        throw Errors.missingSetting(path, `${f}.host`, 'Elasticsearch needs a host or an Elastic Cloud id', 'Give host, or cloudId');
      }
      if ((g.awsRegion !== undefined || g.awsRoleArn !== undefined || g.serverless !== undefined) && !g.awsAuth) {
        throw Errors.ineffectiveSetting(path, `${f}.${g.awsRegion !== undefined ? 'awsRegion' : g.awsRoleArn !== undefined ? 'awsRoleArn' : 'serverless'}`,
          g.awsRegion ?? g.awsRoleArn ?? g.serverless, 'it only applies to SigV4 signing', 'Set awsAuth: true too');
      }
      if (g.awsAuth && g.awsRegion === undefined) { throw Errors.missingSetting(path, `${f}.awsRegion`, 'aws_auth signs requests for a region', 'Give awsRegion'); }
      if ((g.httpUser === undefined) !== (g.httpPassword === undefined)) {
        throw Errors.missingSetting(path, `${f}.${g.httpUser === undefined ? 'httpUser' : 'httpPassword'}`, 'basic auth needs both a user and a password', 'Give httpUser and httpPassword');
      }
      if ((g.saslUsername === undefined) !== (g.saslPassword === undefined)) {
        throw Errors.missingSetting(path, `${f}.${g.saslUsername === undefined ? 'saslUsername' : 'saslPassword'}`, 'SASL needs both a user name and a password', 'Give saslUsername and saslPassword');
      }
      if (o.plugin === 'kafka') {
        oneOf(`${f}.saslMechanism`, g.saslMechanism, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
        for (const k of ['brokers', 'topics']) {
          if (!g[k].length) { throw Errors.missingSetting(path, `${f}.${k}`, `Kafka needs at least one of ${k}`, `Give ${k}`); }
          (g[k] as string[]).forEach((x, j) => { if (x.length === 0 || /[,\s]/.test(x)) { throw Errors.invalidName(path, `${f}.${k}[${j}]`, x, 'a value without commas or white space'); } });
        }
      }
      if (g.labelKeys !== undefined) { (g.labelKeys as string[]).forEach((x, j) => { if (x.length === 0 || /[,\s]/.test(x)) { throw Errors.invalidName(path, `${f}.labelKeys[${j}]`, x, 'a record accessor without commas or white space'); } }); }
      oneOf(`${f}.lineFormat`, g.lineFormat, ['json', 'key_value']);
      if (o.plugin === 's3') {
        oneOf(`${f}.compression`, g.compression, ['gzip', 'zstd', 'snappy', 'arrow']);
        // plugins/out_s3/s3.c: "'s3_key_format' must start with a '/'"
        if (g.s3KeyFormat !== undefined && !String(g.s3KeyFormat).startsWith('/')) {
          throw Errors.invalidName(path, `${f}.s3KeyFormat`, g.s3KeyFormat, 'an object key format starting with \'/\'');
        }
      }
      if (o.plugin === 'stackdriver') {
        // fluent-bit-docs pipeline/outputs/stackdriver.md, `resource`
        oneOf(`${f}.resource`, g.resource, ['global', 'generic_node', 'generic_task', 'k8s_container', 'k8s_pod', 'k8s_node', 'gce_instance']);
        // `labels` is a comma-separated list of key=value (plugins/out_stackdriver, FLB_CONFIG_MAP_CLIST)
        for (const [k, v] of Object.entries(g.labels ?? {})) {
          if (!/^[A-Za-z0-9_.\/-]+$/.test(k)) { throw Errors.invalidName(path, `${f}.labels`, k, 'a label key of letters, digits, \'_\', \'.\', \'/\' and \'-\''); }
          if (typeof v === 'string' && (v.includes(',') || v.length === 0)) { throw Errors.invalidName(path, `${f}.labels[${JSON.stringify(k)}]`, v, 'a non-empty value without commas'); }
          if (typeof v === 'string') { checkFluentBitValue(path, `${f}.labels[${JSON.stringify(k)}]`, v); }
        }
      }
      if (o.plugin === 'http') { oneOf(`${f}.compress`, g.compress, ['gzip', 'snappy', 'zstd']); }
      if (g.logStreamName !== undefined && g.logStreamPrefix !== undefined) { throw Errors.alreadySet(path, `${f}.logStreamName`, g.logStreamName, `by ${f}.logStreamPrefix; give one of the two`); }
      if (g.logRetentionDays !== undefined && !g.autoCreateGroup) {
        throw Errors.ineffectiveSetting(path, `${f}.logRetentionDays`, g.logRetentionDays, 'Fluent Bit sets the retention of a group it creates', 'Set autoCreateGroup: true too');
      }
      const tls = o._entries(() => 'X').find(([k]) => k === 'tls')?.[1];
      if (g.tlsCaSecret !== undefined && tls !== 'on') {
        throw Errors.ineffectiveSetting(path, `${f}.tlsCaSecret`, g.tlsCaSecret, 'TLS is off for this output', 'Set tls: true too, or leave tlsCaSecret out');
      }
      if (g.tlsCaSecret !== undefined) { checkSecretRef(path, `${f}.tlsCaSecret`, g.tlsCaSecret); }
      if (g.credentialsSecret !== undefined) { checkSecretRef(path, `${f}.credentialsSecret`, g.credentialsSecret); }
      if (g.tlsVerify !== undefined && tls !== 'on') { throw Errors.ineffectiveSetting(path, `${f}.tlsVerify`, g.tlsVerify, 'TLS is off for this output', 'Set tls: true too, or leave tlsVerify out'); }
      if (g.matchRegex !== undefined) {
        if (g.match !== undefined) { throw Errors.alreadySet(path, `${f}.matchRegex`, g.matchRegex, `by ${f}.match; give one of the two`); }
        try { new RegExp(g.matchRegex); } catch { throw Errors.invalidName(path, `${f}.matchRegex`, g.matchRegex, 'a regular expression'); }
        checkFluentBitValue(path, `${f}.matchRegex`, g.matchRegex);
      }
      for (const k of ['connectTimeoutSeconds', 'keepaliveIdleTimeoutSeconds', 'keepaliveMaxRecycle']) {
        if (g[k] === 0) { throw Errors.invalidNumber(path, `${f}.${k}`, 0, 'a whole number >= 1'); }
      }
      // fluent-bit-docs administration/networking.md: net.dns.mode TCP or UDP
      oneOf(`${f}.dnsMode`, g.dnsMode, ['UDP', 'TCP']);
      if (g.workers === 0) { throw Errors.invalidNumber(path, `${f}.workers`, 0, 'a whole number >= 1'); }
    });
  }

  /** Multiline parsers: built-in names or custom regex definitions with valid rules. */
  private checkMultiline(path: string, field: string, list: unknown): void {
    if (list === undefined) { return; }
    const all = Array.isArray(list) ? list : [];
    all.forEach((m, j) => {
      const at = `${field}[${j}]`;
      if (!(m instanceof FluentBitMultilineParser)) {
        throw Errors.invalidRole(path, at, m, 'is not a FluentBitMultilineParser', 'Make it with FluentBitMultilineParser.java(), .python(), ... or .regex({ ... })');
      }
      const c = m._custom();
      if (c === undefined) { return; }
      checkPropTypes(path, c, {
        name: 'string',
        rules: { each: { state: 'string', regex: 'string', nextState: 'string' }, required: ['state', 'regex', 'nextState'] },
        flushTimeoutMillis: 'count',
        keyContent: 'string',
        parser: 'string',
      }, ['name', 'rules'], `${at}.`);
      if (!/^[A-Za-z0-9_.-]+$/.test(c.name) || BUILT_IN_MULTILINE.includes(c.name)) {
        throw Errors.invalidName(path, `${at}.name`, c.name, `letters, digits, '_', '.' and '-', not a built-in parser's name (${BUILT_IN_MULTILINE.join(', ')})`);
      }
      for (const k of ['keyContent', 'parser'] as const) { if (c[k] !== undefined) { checkFluentBitValue(path, `${at}.${k}`, c[k]!); } }
      if (c.rules.length === 0) { throw Errors.missingSetting(path, `${at}.rules`, 'a regex multiline parser needs rules', 'Give rules, the first with state "start_state"'); }
      // The first state is start_state, and every next state must be a rule's state
      // (fluent/fluent-bit src/multiline/flb_ml_rule.c, flb_ml_rule_init maps them).
      if (c.rules[0].state !== 'start_state') {
        throw Errors.invalidName(path, `${at}.rules[0].state`, c.rules[0].state, 'the first rule\'s state must be "start_state"');
      }
      const states = new Set(c.rules.map(r => r.state));
      c.rules.forEach((r, k) => {
        if (!states.has(r.nextState)) { throw Errors.invalidName(path, `${at}.rules[${k}].nextState`, r.nextState, `a state of a rule (${[...states].join(', ')})`); }
        for (const key of ['state', 'regex', 'nextState'] as const) {
          const v = r[key];
          checkFluentBitValue(path, `${at}.rules[${k}].${key}`, v);
          // A classic rule token in double quotes ends at a '"' not preceded by a backslash
          // (src/flb_slist.c, token_retrieve): a trailing backslash would swallow the closing quote.
          const problem = slistTokenProblem(v);
          if (problem) { throw Errors.unrepresentableValue(path, `${at}.rules[${k}].${key}`, v, 'a classic multiline rule', problem, 'End the value with another character'); }
          if (key !== 'regex' && !/^[A-Za-z0-9_.-]+$/.test(v)) { throw Errors.invalidName(path, `${at}.rules[${k}].${key}`, v, 'a state name of letters, digits, \'_\', \'.\' and \'-\''); }
        }
      });
    });
    for (const [j, m] of all.entries()) {
      const twin = all.findIndex((x: FluentBitMultilineParser) => x.name === m.name);
      if (twin !== j) { throw Errors.alreadySet(path, `${field}[${j}]`, m.name, `by ${field}[${twin}]`); }
    }
  }
}

/** Where a secret file's volume is mounted. */
function secretFileDir(s: SecretFile): string {
  return `/etc/cdk-sidecars/fluent-bit-${s.kind}/${s.output}`;
}

/** The path of a secret file. */
function secretFilePath(s: SecretFile): string {
  return `${secretFileDir(s)}/${s.ref.key}`;
}

/** The file of the lua filter at position i (in the config directory). */
function luaFile(i: number): string {
  return `filter-${i}.lua`;
}

/** The props the service settings come from. */
const SERVICE_FIELDS: { [key: string]: string } = {
  'flush': 'flushSeconds',
  'log_level': 'logLevel',
  'http_port': 'httpPort',
  'grace': 'graceSeconds',
  'scheduler.base': 'schedulerBaseSeconds',
  'scheduler.cap': 'schedulerCapSeconds',
  'dns.mode': 'dnsMode',
  'dns.resolver': 'dnsResolver',
  'storage.sync': 'storage.sync',
};

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

// Names context.targetPath only in errors: composed once per distinct pod (declareDeterministic).
declareDeterministic(FluentBitSidecar.prototype.contribute);
