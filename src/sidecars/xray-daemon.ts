import { Construct } from 'constructs';
import { declareDeterministic } from '../core/composition';
import { ContainerSpec, Protocol, ResourceRequirements, StartupRole, WaitCondition } from '../core/container';
import { CloudPermission, CloudProvider, CompositionContext, ISidecar, SidecarContribution } from '../core/contribution';
import { Errors } from '../core/errors';
import { DNS_LABEL, isImageReference, portOrigins, UID_ORIGIN } from '../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../core/overrides';
import { RESOURCE_TYPES, checkPropTypes, rememberProps } from '../core/prop-types';
import { resolveContribution, withDefaultResources } from '../core/resolve';

/** Log level of the X-Ray daemon, from most verbose to least. */
export enum XRayDaemonLogLevel {
  /** dev */
  DEV = 'dev',
  /** debug */
  DEBUG = 'debug',
  /** info */
  INFO = 'info',
  /** warn */
  WARN = 'warn',
  /** error */
  ERROR = 'error',
  /** prod (the daemon's default) */
  PROD = 'prod',
}

/** Props of an AWS X-Ray daemon sidecar. */
export interface XRayDaemonSidecarProps extends BuiltInSidecarProps {
  /** AWS region the daemon sends segments to (`--region`), e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * Container name.
   * @default 'xray-daemon'
   */
  readonly name?: string;
  /**
   * Image (pin a digest here).
   * @default 'amazon/aws-xray-daemon:3.7.0'
   */
  readonly image?: string;
  /**
   * UID and GID of the daemon.
   * @default 2000
   */
  readonly uid?: number;
  /**
   * Port of the daemon on 127.0.0.1: UDP for segments (`--bind`), TCP for the sampling
   * proxy the SDKs call (`--bind-tcp`).
   * @default 2000
   */
  readonly port?: number;
  /**
   * Memory the daemon may use for segment buffers, MB (`--buffer-memory`, at least 3).
   * Without it the daemon takes 1 % of the host's memory, which in a container with a
   * limit can exceed the limit.
   * @default - half the container memory limit
   */
  readonly bufferMemoryMegabytes?: number;
  /**
   * Skip the EC2 instance metadata check (`--local-mode`).
   * @default false
   */
  readonly localMode?: boolean;
  /**
   * ARN of the AWS resource running the daemon, added to the segments (`--resource-arn`).
   * @default - none
   */
  readonly resourceArn?: string;
  /**
   * IAM role the daemon assumes to upload segments to another account (`--role-arn`);
   * the pod's identity is then also given `sts:AssumeRole` on it.
   * @default - the pod's own identity
   */
  readonly roleArn?: string;
  /**
   * Log level (`--log-level`).
   * @default - the daemon's (prod)
   */
  readonly logLevel?: XRayDaemonLogLevel;
  /**
   * Give the app containers `AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:<port>`. An app container
   * that sets it to something else is a composition error.
   * @default true
   */
  readonly appEnv?: boolean;
  /**
   * App containers that get the environment.
   * @default - every app container
   */
  readonly appContainers?: string[];
  /**
   * CPU and memory.
   * @default - requests 50m and 64 MiB, memory limit 128 MiB, no CPU limit
   */
  readonly resources?: ResourceRequirements;
}

/** @see https://github.com/aws/aws-xray-daemon/releases (3.7.0, newest tag checked 2026-11-26) */
const DEFAULT_IMAGE = 'amazon/aws-xray-daemon:3.7.0';
/**
 * The AWSXrayWriteOnlyAccess managed policy: segments, telemetry, and the sampling calls
 * the daemon proxies for the SDKs on its TCP port.
 */
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
  'xray:GetSamplingStatisticSummaries'];
const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:\S+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/**
 * The deprecation every pod with the daemon is told about at synthesis.
 * @see https://docs.aws.amazon.com/xray/latest/devguide/xray-daemon-eos.html
 */
const DEPRECATION = 'the AWS X-Ray daemon is in maintenance mode (critical security fixes only) and reaches end of support on 2027-02-25 '
  + '(https://docs.aws.amazon.com/xray/latest/devguide/xray-daemon-eos.html). Migrate to OpenTelemetry: an OtelCollectorSidecar with '
  + 'awsXrayExporter sends traces to X-Ray, and the app sends them with an OpenTelemetry SDK instead of the X-Ray SDK';

/**
 * The AWS X-Ray daemon beside the app (legacy): the X-Ray SDK in the app sends segments
 * over UDP to 127.0.0.1:2000 (`AWS_XRAY_DAEMON_ADDRESS`) and asks for sampling rules over
 * TCP on the same port; the daemon uploads to X-Ray with the pod's AWS identity, which
 * needs the X-Ray write permissions the sidecar declares (ECS grants them to the task
 * role; on Kubernetes and ACI give the pod AWS credentials yourself, e.g. EKS Pod
 * Identity or IRSA).
 *
 * The daemon is in maintenance mode with end of support on 2027-02-25: every synthesis
 * warns, pointing to `OtelCollectorSidecar` with `awsXrayExporter`.
 *
 * The daemon has no health endpoint and its image has no shell, so the app waits only for
 * it to start.
 *
 * @see https://docs.aws.amazon.com/xray/latest/devguide/xray-daemon.html
 */
export class XRayDaemonSidecar extends Construct implements ISidecar {
  /** Container name. */
  public readonly name: string;
  /** UID (and GID) of the daemon. */
  public readonly uid: number;
  /** Port of the daemon (UDP segments, TCP sampling proxy). */
  public readonly port: number;
  /** The address the app containers get, `127.0.0.1:<port>`. */
  public readonly daemonAddress: string;

  private readonly contribution: SidecarContribution;

  constructor(scope: Construct, id: string, props: XRayDaemonSidecarProps) {
    super(scope, id);
    rememberProps(this, props);
    checkOverrideTypes(this.node.path, props);
    // Runtime types first (issue 10, section 2): a wrong type is a catalogued error naming the prop, never a TypeError.
    checkPropTypes(this.node.path, props, {
      region: 'string',
      name: 'string',
      image: 'string',
      uid: 'number',
      port: 'port',
      bufferMemoryMegabytes: 'number',
      localMode: 'boolean',
      resourceArn: 'string',
      roleArn: 'string',
      logLevel: { enum: XRayDaemonLogLevel },
      appEnv: 'boolean',
      appContainers: 'stringArray',
      resources: 'object',
    });
    // Nested fields, named as the user wrote them (issue 10, section 2).
    checkPropTypes(this.node.path, props, { resources: { struct: RESOURCE_TYPES } });
    const path = this.node.path;
    const p = props;
    this.name = p.name ?? 'xray-daemon';
    this.uid = p.uid ?? 2000;
    this.port = p.port ?? 2000;
    this.daemonAddress = `127.0.0.1:${this.port}`;
    this.check(path, p);
    const resources: ResourceRequirements = withDefaultResources(path,
      { cpuRequestMillicores: 50, memoryRequestMebibytes: 64, memoryLimitMebibytes: 128 }, p.resources);
    const limit = resources.memoryLimitMebibytes;
    const buffer = p.bufferMemoryMegabytes ?? (limit !== undefined ? Math.max(3, Math.floor(limit / 2)) : undefined);
    if (buffer === undefined) {
      throw Errors.invalidResources(path, 'resources.memoryLimitMebibytes', undefined,
        'is not set, and without it or bufferMemoryMegabytes the daemon would size its buffers at 1 % of the host\'s memory (set either)');
    }
    if (p.bufferMemoryMegabytes !== undefined && limit !== undefined && p.bufferMemoryMegabytes >= limit) {
      throw Errors.invalidNumber(path, 'bufferMemoryMegabytes', p.bufferMemoryMegabytes,
        `a whole number of MB from 3 to ${Math.ceil(limit) - 1} (below resources.memoryLimitMebibytes, which the daemon also needs for itself)`);
    }
    const args = [
      '--bind', this.daemonAddress,
      '--bind-tcp', this.daemonAddress,
      '--region', p.region,
      '--buffer-memory', String(buffer),
      ...(p.localMode ? ['--local-mode'] : []),
      ...(p.resourceArn !== undefined ? ['--resource-arn', p.resourceArn] : []),
      ...(p.roleArn !== undefined ? ['--role-arn', p.roleArn] : []),
      ...(p.logLevel !== undefined ? ['--log-level', p.logLevel] : []),
    ];
    const container: ContainerSpec = {
      name: this.name,
      image: p.image ?? DEFAULT_IMAGE,
      role: StartupRole.SIDECAR,
      appWaitsFor: WaitCondition.STARTED,
      command: ['/xray'],
      args,
      ports: [
        { port: this.port, name: 'xray-udp', protocol: Protocol.UDP },
        { port: this.port, name: 'xray-tcp', protocol: Protocol.TCP },
      ],
      origins: [...portOrigins(['port', 'port']), UID_ORIGIN],
      security: { uid: this.uid, gid: this.uid },
      resources,
    };
    const permissions: CloudPermission[] = [{ provider: CloudProvider.AWS, actions: [...XRAY_ACTIONS] }];
    if (p.roleArn !== undefined) {
      permissions.push({ provider: CloudProvider.AWS, actions: ['sts:AssumeRole'], resources: [p.roleArn] });
    }
    const appEnv = p.appEnv ?? true;
    this.contribution = {
      containers: [container],
      appRequests: {
        env: appEnv ? [{ name: 'AWS_XRAY_DAEMON_ADDRESS', value: this.daemonAddress }] : [],
        containers: p.appContainers,
      },
      pod: { cloudPermissions: permissions },
      warnings: [DEPRECATION],
    };
    this.contribution = applyOverrides(path, this.contribution, props.overrides);
    // Every field check of the neutral model, now.
    resolveContribution(path, this.contribution);
  }

  /** Describes the daemon; it does not depend on the pod. */
  public contribute(_context: CompositionContext): SidecarContribution {
    return this.contribution;
  }

  private check(path: string, p: XRayDaemonSidecarProps): void {
    if (typeof this.name !== 'string' || !DNS_LABEL.test(this.name)) {
      throw Errors.invalidName(path, 'name', this.name, 'a DNS label of at most 63 characters');
    }
    if (p.image !== undefined && !isImageReference(p.image)) { throw Errors.invalidImage(path, 'image', p.image); }
    if (typeof p.region !== 'string' || !AWS_REGION.test(p.region)) {
      throw Errors.invalidName(path, 'region', p.region, 'an AWS region such as "eu-west-1"');
    }
    if (typeof this.port !== 'number' || !Number.isInteger(this.port) || this.port < 1 || this.port > 65535) {
      throw Errors.invalidPort(path, 'port', this.port);
    }
    if (p.bufferMemoryMegabytes !== undefined && (!Number.isInteger(p.bufferMemoryMegabytes) || p.bufferMemoryMegabytes < 3)) {
      throw Errors.invalidNumber(path, 'bufferMemoryMegabytes', p.bufferMemoryMegabytes, 'a whole number of MB >= 3');
    }
    if (p.resourceArn !== undefined && (typeof p.resourceArn !== 'string' || !ARN.test(p.resourceArn))) {
      throw Errors.invalidName(path, 'resourceArn', p.resourceArn, 'an ARN such as "arn:aws:ecs:eu-west-1:123456789012:service/shop/api"');
    }
    if (p.roleArn !== undefined && (typeof p.roleArn !== 'string' || !ROLE_ARN.test(p.roleArn))) {
      throw Errors.invalidName(path, 'roleArn', p.roleArn, 'an IAM role ARN such as "arn:aws:iam::123456789012:role/xray-writer"');
    }
    if (p.logLevel !== undefined && !Object.values(XRayDaemonLogLevel).includes(p.logLevel)) {
      throw Errors.invalidRole(path, 'logLevel', p.logLevel, 'is not an XRayDaemonLogLevel', 'Use XRayDaemonLogLevel.INFO, for example');
    }
    if (p.appEnv === false && p.appContainers !== undefined) {
      throw Errors.ineffectiveSetting(path, 'appContainers', p.appContainers, 'appEnv is false, so the app containers get nothing', 'Leave appContainers out, or appEnv');
    }
  }
}

// Names context.targetPath only in errors: composed once per distinct pod (declareDeterministic).
declareDeterministic(XRayDaemonSidecar.prototype.contribute);
