import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, AspectPriority, Aspects, IAspect, Stack, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import { SidecarContainerOptions, applyContainerOptions, checkContainerOptions, mergeContainerOptions } from './container-options';
import { MIN_CONTAINER_MEMORY, PLATFORM, condition, cpuUnits, renderContainer, renderEnv } from './render';
import { fargateRuntime } from './runtime';
import { SecretSource } from './secrets';
import { TaskPlans } from './task-plans';
import { AppContainerModel, ComposedPod, composePod, sidecarPath } from '../core/composition';
import { Protocol, StartupRole, WaitCondition } from '../core/container';
import { checkCommandsInImage, checkRuntimeContract } from '../core/contract';
import { ISidecar, LogRouterType, RedirectMode, WorkloadIdentity } from '../core/contribution';
import { attachSidecars } from '../core/document-binders';
import { Errors } from '../core/errors';
import { imageArchitectures } from '../core/image-facts';
import { checkImagePinned } from '../core/image-policy';
import { LIBRARY_NAMES, isReservedName, largestValue, parseUser } from '../core/names';
import { ECS_PATCHES } from '../core/patch';
import { checkArray, checkEnum, checkMap, checkString, isPlainMap, sameValue, givenProps } from '../core/prop-types';
import { ResolvedContainer, ResolvedMount, ResolvedVolume, isDeclared, patchRendered, reportLimit, userField } from '../core/resolve';
import { shellWord } from '../core/shell-words';
import { hideTokens, stringHasToken } from '../core/tokens';
import { VolumeKind } from '../core/volume';

/** Where FireLens writes the log router's generated main configuration (Fluent Bit). */
const FIRELENS_MAIN_CONFIG = '/fluent-bit/etc/fluent-bit.conf';

/**
 * FireLens needs its router to run as UID 0: the router creates the unix socket the app
 * containers' log driver connects to in a directory the ECS agent makes for root
 * (aws/containers-roadmap#2122; aws/aws-for-fluent-bit#713, "In FireLens, we need to run FLB
 * as root"; ecs-service-extensions runs its FireLens router as 0:1338). The router keeps its
 * own GID, a read-only root filesystem and no capability at all: as the owner of that
 * directory it needs none.
 */
const FIRELENS_ROUTER_UID = 0;

/**
 * How generated config files reach the containers on ECS, which has no ConfigMap.
 */
export enum ConfigFileDelivery {
  /**
   * A non-essential init container writes the files into task volumes before any
   * container that mounts them starts; their content travels in its environment
   * (base64). No external service; up to 32 KiB of config per task.
   */
  INIT_CONTAINER = 'INIT_CONTAINER',
  /**
   * Each file becomes an SSM String parameter (advanced tier above 4 KiB, at most 8 KiB);
   * the init container receives them through `secrets` and writes them.
   */
  SSM_PARAMETERS = 'SSM_PARAMETERS',
  /**
   * Each file becomes an S3 asset; the init container (AWS CLI image) copies them with
   * the task role, which is granted read access to the assets.
   */
  S3 = 'S3',
}

/**
 * What to do with memory-backed (tmpfs) volumes, which Fargate does not offer.
 */
export enum MemoryVolumeHandling {
  /** Refuse them with an error. */
  REJECT = 'REJECT',
  /**
   * Use task storage instead (on disk; Fargate encrypts task storage at rest with
   * AES-256 on platform version 1.4.0 and later). A note (an info annotation) says so for each volume.
   */
  TASK_STORAGE = 'TASK_STORAGE',
}

/**
 * Options of the sidecars of one ECS task definition.
 */
export interface TaskSidecarsOptions {
  /**
   * Where each secret named by the sidecars (`secretName`) comes from.
   * @default - none: a sidecar that takes a secret is an error
   */
  readonly secrets?: { [secretName: string]: SecretSource };
  /**
   * How generated config files are delivered.
   * @default ConfigFileDelivery.INIT_CONTAINER
   */
  readonly configDelivery?: ConfigFileDelivery;
  /**
   * Image of the init container that writes config files. Needs `sh` and `base64`
   * (INIT_CONTAINER, SSM_PARAMETERS) or the AWS CLI (S3).
   * @default - public.ecr.aws/docker/library/busybox:1.37, or public.ecr.aws/aws-cli/aws-cli:2.27.50 for S3
   */
  readonly configWriterImage?: string;
  /**
   * Memory-backed volumes on Fargate.
   * @default MemoryVolumeHandling.REJECT
   */
  readonly memoryVolumes?: MemoryVolumeHandling;
  /**
   * Log driver of the sidecar containers.
   * @default - awslogs into one log group per task definition (retention one month), stream prefix = container name
   */
  readonly logging?: ecs.LogDriver;
  /**
   * Names of the app containers (the ones the sidecars serve and that wait for them).
   * @default - every container of the task definition that is not a sidecar
   */
  readonly appContainers?: string[];
  /**
   * ECS images of sidecar containers, by container name, in place of the image reference the
   * sidecar names: an image built from a local Dockerfile (`ecs.ContainerImage.fromAsset`), an
   * ECR repository (`fromEcrRepository`) or a private registry. Each is bound as aws-cdk-lib binds
   * a container's image: an ECR or asset image gives the execution role pull rights. The
   * library's checks of what an image ships then treat the image as unknown.
   * @default - each sidecar container runs the image reference its sidecar names
   */
  readonly images?: { [containerName: string]: ecs.ContainerImage };
  /**
   * ECS settings of sidecar containers, by container name (restart policy, ulimits, system
   * controls, start timeout, init process, Docker labels, version consistency, app protocols of
   * named ports). Each entry overrides `sidecarDefaults` field by field.
   * @default - none
   */
  readonly containerOptions?: { [containerName: string]: SidecarContainerOptions };
  /**
   * ECS settings applied to every sidecar container the library adds (not to the config writer).
   * @default - none
   */
  readonly sidecarDefaults?: SidecarContainerOptions;
}

/**
 * What `TaskSidecars.serviceConnect()` puts in the `ServiceConnectProps` of the service that runs
 * the task: ECS Service Connect, the ECS-managed proxy, as the alternative to a self-managed
 * proxy that intercepts the task's traffic.
 */
export interface TaskServiceConnectOptions {
  /**
   * Names of the task's port mappings to offer to other services (one Service Connect service
   * each, discovered under the port name): named ports of the app containers
   * (`portMappings[].name`) or of sidecar containers (ContainerPortSpec.name).
   * @default - none: the service is a Service Connect client only
   */
  readonly portMappingNames?: string[];
  /**
   * The Service Connect services in full (discovery name, client alias port, timeouts, TLS), in
   * place of `portMappingNames`; their `portMappingName`s are checked the same way.
   * @default - one service per name of `portMappingNames`
   */
  readonly services?: ecs.ServiceConnectService[];
  /**
   * The Cloud Map namespace (name or ARN).
   * @default - the cluster's default Cloud Map namespace
   */
  readonly namespace?: string;
  /**
   * Log driver of the Service Connect proxy.
   * @default - none
   */
  readonly logDriver?: ecs.LogDriver;
  /**
   * Access logs of the Service Connect proxy.
   * @default - none
   */
  readonly accessLogConfiguration?: ecs.ServiceConnectAccessLogConfiguration;
}

/**
 * The writer's default image. docker-library/busybox builds busybox with `make defconfig` and
 * installs every applet into /bin (`busybox --install /bin`, latest-1/musl/Dockerfile.builder and the glibc one):
 * `sh`, `base64`, `printf`, `chmod` and `chown`, all the writer runs.
 */
const BUSYBOX = 'public.ecr.aws/docker/library/busybox:1.37';
const AWS_CLI = 'public.ecr.aws/aws-cli/aws-cli:2.27.50';
const WRITER = LIBRARY_NAMES.configWriter;
/** What the runtime contract sees of an image given as an ecs.ContainerImage: a name no image fact matches. */
const UNKNOWN_IMAGE = 'cdk-sidecars/ecs-container-image';
const CONFIG_ROOT = '/cdk-sidecars';
const MAX_INLINE_BYTES = 32 * 1024;
const EGRESS_IGNORED = ['169.254.170.2', '169.254.169.254'];
/** Memory limit of the writer (MiB): busybox, or the AWS CLI for S3. */
const WRITER_MEMORY = { busybox: 32, awsCli: 256 };
/**
 * The Docker default capability set, which Fargate gives a container that drops nothing. A
 * Fargate task can add only SYS_PTRACE, so a container that needs one of these keeps it by
 * dropping all the others.
 */
const DEFAULT_CAPABILITIES: ecs.Capability[] = [
  ecs.Capability.AUDIT_WRITE, ecs.Capability.CHOWN, ecs.Capability.DAC_OVERRIDE, ecs.Capability.FOWNER, ecs.Capability.FSETID,
  ecs.Capability.KILL, ecs.Capability.MKNOD, ecs.Capability.NET_BIND_SERVICE, ecs.Capability.NET_RAW, ecs.Capability.SETFCAP,
  ecs.Capability.SETGID, ecs.Capability.SETPCAP, ecs.Capability.SETUID, ecs.Capability.SYS_CHROOT,
];

/** What the writer does to one empty task volume before anyone mounts it. */
export interface VolumePreparation {
  /** The volume. */
  readonly volume: string;
  /** The directory's mode, in octal (e.g. '0755', or '1777' for writers of several UIDs). */
  readonly mode: string;
  /** `uid[:gid]` the directory is given to (needs CAP_CHOWN), when one UID writes it. */
  readonly owner?: string;
}

/**
 * The shell lines that prepare task volumes mounted at `<root>/<volume>` (POSIX sh with the
 * chmod and chown of busybox or coreutils). chmod comes first, while the directory is still
 * root's: a root process with no capability may change the mode of what it owns; the chown
 * then needs CAP_CHOWN only.
 */
export function volumePreparationScript(preparations: readonly VolumePreparation[], root: string = CONFIG_ROOT): string[] {
  return preparations.flatMap(p => [
    `chmod ${p.mode} ${shellWord(`${root}/${p.volume}`)}`,
    ...(p.owner ? [`chown ${p.owner} ${shellWord(`${root}/${p.volume}`)}`] : []),
  ]);
}

/** What a task that passed its checks leaves for the next one alike (task-plans.ts). */
interface TaskChecks {
  readonly writerPlan: WriterPlan | undefined;
}

interface WriterPlan {
  /** Config volumes with their files (the log router's include file added). */
  readonly configVolumes: ResolvedVolume[];
  readonly preparations: VolumePreparation[];
  readonly s3: boolean;
  readonly memoryMiB: number;
}

/** The options' runtime types (they come from JavaScript, JSON and jsii languages too). */
function checkOptions(at: string, options: TaskSidecarsOptions): void {
  if (!isPlainMap(options)) { throw Errors.invalidType(at, 'options', options, 'a TaskSidecarsOptions object'); }
  checkEnum(at, 'configDelivery', options.configDelivery, ConfigFileDelivery, 'ConfigFileDelivery');
  checkEnum(at, 'memoryVolumes', options.memoryVolumes, MemoryVolumeHandling, 'MemoryVolumeHandling');
  checkString(at, 'configWriterImage', options.configWriterImage);
  checkArray(at, 'appContainers', options.appContainers).forEach((name, i) => checkString(at, `appContainers[${i}]`, name ?? null));
  if (Array.isArray(options.secrets)) { throw Errors.invalidType(at, 'secrets', options.secrets, 'a map of secret names to SecretSource'); }
  for (const [name, source] of checkMap(at, 'secrets', options.secrets)) {
    if (!(source instanceof SecretSource)) {
      throw Errors.invalidType(at, `secrets.${name}`, source, 'a SecretSource (SecretSource.fromSecretsManager() or SecretSource.fromSsmParameters())');
    }
  }
  for (const [name, image] of checkMap(at, 'images', options.images)) {
    // By shape, not instanceof: an app may load a second copy of aws-cdk-lib.
    if (typeof (image as { bind?: unknown } | null)?.bind !== 'function') {
      throw Errors.invalidType(at, `images.${name}`, image, 'an ecs.ContainerImage, e.g. ecs.ContainerImage.fromEcrRepository(repository, "1.0.0")');
    }
  }
  if (options.sidecarDefaults !== undefined) { checkContainerOptions(at, 'sidecarDefaults', options.sidecarDefaults); }
  for (const [name, o] of checkMap(at, 'containerOptions', options.containerOptions)) {
    checkContainerOptions(at, `containerOptions.${name}`, o);
  }
  // By shape, not instanceof: an app may load a second copy of aws-cdk-lib.
  if (options.logging !== undefined && typeof (options.logging as { bind?: unknown } | null)?.bind !== 'function') {
    throw Errors.invalidType(at, 'logging', options.logging, 'an ecs.LogDriver, e.g. ecs.LogDrivers.awsLogs({ streamPrefix: "sidecars" })');
  }
}

const attachments = new WeakMap<ecs.TaskDefinition, TaskSidecars>();

/**
 * The sidecars of one ECS task definition (Fargate or awsvpc), rendered when the app
 * is synthesized:
 *
 * - each sidecar container becomes a container definition (image, command, env and
 *   secrets, port mappings, `user` uid:gid, read-only root filesystem, all capabilities
 *   dropped, cpu units, memory reservation and limit, essential flag, stop timeout,
 *   health check from healthCommand or an exec probe, awslogs);
 * - start order becomes `dependsOn`: the app waits for init steps to SUCCEED, for
 *   long-running sidecars to START, or to be HEALTHY when asked. ECS stops containers
 *   in reverse dependency order, so sidecars stop after the app;
 * - scratch volumes become task volumes; config files are written by an init
 *   container (or come from SSM or S3); secrets come from `secrets`, only into the
 *   containers that take them;
 * - traffic interception becomes the task's `proxyConfiguration` (type APPMESH, the ECS
 *   redirect mechanism, usable with a self-managed Envoy).
 */
export class TaskSidecars extends Construct {
  /**
   * The sidecars of `taskDefinition`, created on first use (idempotent).
   */
  public static of(taskDefinition: ecs.TaskDefinition, options?: TaskSidecarsOptions): TaskSidecars {
    const existing = attachments.get(taskDefinition);
    if (existing) {
      // Equal options (a second call with the same literal) are the same request.
      if (options !== undefined && !sameValue(options, existing.options)) {
        throw Errors.alreadySet(existing.node.path, 'options', Object.keys(options), 'by an earlier TaskSidecars.of(); give the options once');
      }
      return existing;
    }
    return new TaskSidecars(taskDefinition, options ?? {});
  }

  /** The task definition. */
  public readonly taskDefinition: ecs.TaskDefinition;
  private readonly options: TaskSidecarsOptions;
  private readonly attached: ISidecar[] = [];
  private readonly ours = new Set<ecs.ContainerDefinition>();
  /** Container name -> construct path of the sidecar that added it (the config writer: this construct's). */
  private readonly owners = new Map<string, string>();
  private readonly withHealthCheck = new Set<string>();
  private rendered = false;
  /** The port mapping names given to Service Connect (serviceConnect()), with the field that named each. */
  private serviceConnectPorts?: Array<{ name: string; field: string }>;

  private constructor(taskDefinition: ecs.TaskDefinition, options: TaskSidecarsOptions) {
    super(taskDefinition, 'CdkSidecars');
    this.taskDefinition = taskDefinition;
    checkOptions(this.node.path, options);
    this.options = options;
    attachments.set(taskDefinition, this);
    // Sidecars log with awslogs and take secrets, which need the execution role. Made
    // now: creating an IAM role inside an aspect adds an aspect, which makes aws-cdk-lib
    // restart its aspect pass, and an app with more than 100 task definitions would
    // then hit its loop limit.
    if (!options.logging || options.secrets || options.configDelivery === ConfigFileDelivery.SSM_PARAMETERS) {
      taskDefinition.obtainExecutionRole();
    }
    // The task is rendered when aws-cdk-lib's aspect pass reaches the task definition, before
    // any construct under it: aspects order by priority only on one construct, so a read-only
    // aspect (e.g. cdk-nag) on the CfnTaskDefinition must find the sidecars there. Applied on
    // this construct instead, it saved about 85 µs a task in the 500-task benchmark (aws-cdk-lib
    // asks every construct under an aspect about it), but the CfnTaskDefinition, an earlier
    // child, was then read before the render.
    const self = this;
    const aspect: IAspect = {
      visit(node: IConstruct) {
        if (node === taskDefinition && !self.rendered) {
          self.rendered = true;
          self.render();
        }
      },
    };
    Aspects.of(taskDefinition).add(aspect, { priority: AspectPriority.MUTATING });
  }

  /**
   * The containers the sidecars added to the task, by name, with the construct path of the
   * sidecar that added each; undefined until the task is rendered (at synthesis). @internal
   */
  public _sidecarContainers(): ReadonlyMap<string, string> | undefined {
    return this.rendered ? new Map(this.owners) : undefined;
  }

  /** The attached sidecars, in attachment order. */
  public get sidecars(): ISidecar[] {
    return [...this.attached];
  }

  /** Attaches sidecars (a sidecar already attached is skipped). */
  public add(...sidecars: ISidecar[]): TaskSidecars {
    attachSidecars(this.node.path, this.attached, sidecars);
    return this;
  }

  /**
   * The `serviceConnectConfiguration` for the ECS service (`FargateService`) that runs this task
   * definition: Service Connect lives on the service, not on the task. When the app is
   * synthesized, each `portMappingName` must name a port mapping of the task (an app
   * container's or a sidecar's named port), and no sidecar may intercept the task's traffic
   * (a proxy's `proxyConfiguration`): Service Connect's own proxy handles that traffic, and
   * the two are one or the other.
   *
   * @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-connect.html
   */
  public serviceConnect(options: TaskServiceConnectOptions = {}): ecs.ServiceConnectProps {
    const at = this.node.path;
    if (!isPlainMap(options)) { throw Errors.invalidType(at, 'serviceConnect options', options, 'a TaskServiceConnectOptions object'); }
    checkString(at, 'serviceConnect.namespace', options.namespace);
    const names = checkArray(at, 'serviceConnect.portMappingNames', options.portMappingNames);
    names.forEach((n, i) => {
      if (typeof n !== 'string' || n.length === 0) { throw Errors.invalidType(at, `serviceConnect.portMappingNames[${i}]`, n, 'a port mapping name'); }
    });
    const services = checkArray(at, 'serviceConnect.services', options.services);
    services.forEach((svc, i) => {
      if (!isPlainMap(svc) || typeof svc.portMappingName !== 'string') {
        throw Errors.invalidType(at, `serviceConnect.services[${i}]`, svc, 'an ecs.ServiceConnectService with a portMappingName');
      }
    });
    if (names.length && services.length) {
      throw Errors.alreadySet(at, 'serviceConnect.services', `${services.length} services`, 'with serviceConnect.portMappingNames; give one of the two');
    }
    if (options.logDriver !== undefined && typeof (options.logDriver as { bind?: unknown } | null)?.bind !== 'function') {
      throw Errors.invalidType(at, 'serviceConnect.logDriver', options.logDriver, 'an ecs.LogDriver');
    }
    if (this.serviceConnectPorts) {
      throw Errors.alreadySet(at, 'serviceConnect', 'called', 'by an earlier serviceConnect(); a task definition\'s ports are given to Service Connect once');
    }
    this.serviceConnectPorts = services.length
      ? (services as ecs.ServiceConnectService[]).map((svc, i) => ({ name: svc.portMappingName, field: `serviceConnect.services[${i}].portMappingName` }))
      : (names as string[]).map((name, i) => ({ name, field: `serviceConnect.portMappingNames[${i}]` }));
    // aws-cdk-lib looks each name up when the service is made (BaseService, PortMappingDoesExist),
    // before the sidecar containers exist (they are added at synthesis): only the app containers'
    // named ports can be offered.
    const appNames = this.taskDefinition.node.children
      .filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition)
      .flatMap(c => c.portMappings.map(p => p.name).filter((n): n is string => typeof n === 'string'));
    for (const p of this.serviceConnectPorts) {
      if (!appNames.includes(p.name)) {
        throw Errors.unknownReference(at, p.field, p.name, 'port mapping',
          `the app containers of ${this.taskDefinition.node.path} (aws-cdk-lib checks each name when the service is made, before the sidecar containers are added at synthesis, so a sidecar's port cannot be offered)`,
          appNames);
      }
    }
    return {
      namespace: (options as TaskServiceConnectOptions).namespace,
      services: services.length ? [...(services as ecs.ServiceConnectService[])] : (names as string[]).map(portMappingName => ({ portMappingName })),
      logDriver: (options as TaskServiceConnectOptions).logDriver,
      accessLogConfiguration: (options as TaskServiceConnectOptions).accessLogConfiguration,
    };
  }

  /**
   * An ARM64 task (runtimePlatform.cpuArchitecture) runs only images published for arm64: a
   * sidecar image known (core/image-facts.ts) not to be is an error, one whose architectures are
   * unknown is a warning. The config writer's image is checked the same way.
   */
  private checkArchitecture(pod: ComposedPod, cfn: ecs.CfnTaskDefinition, images: { [name: string]: ecs.ContainerImage },
    writer: WriterPlan | undefined,
    warn: (at: string, m: string) => void): void {
    const platform = Stack.of(this).resolve(cfn.runtimePlatform) as { cpuArchitecture?: unknown } | undefined;
    const arch = platform?.cpuArchitecture;
    if (arch !== ecs.CpuArchitecture.ARM64._cpuArchitecture) { return; }
    const want = 'arm64';
    const check = (at: string, field: string, image: string, given: boolean) => {
      const known = given && image === UNKNOWN_IMAGE ? undefined : imageArchitectures(image);
      if (!known) {
        warn(at, `${field} ${given && image === UNKNOWN_IMAGE ? '(an ecs.ContainerImage)' : JSON.stringify(image)} is not known to be published for arm64, and ${this.taskDefinition.node.path} `
          + 'runs on ARM64 (runtimePlatform.cpuArchitecture): check that the image has a linux/arm64 variant, or the task stops with an exec format error');
      } else if (!known.architectures.includes(want)) {
        throw Errors.unsupportedOnPlatform(at, field, image, PLATFORM,
          `${this.taskDefinition.node.path} runs on ARM64 (runtimePlatform.cpuArchitecture), and the image is published for ${known.architectures.join(', ')} only (${known.source})`,
          'Use an image with a linux/arm64 variant, or run the task on X86_64');
      }
    };
    for (const c of pod.containers) {
      const given = images[c.name];
      check(c.owner.path, given ? `images.${c.name}` : userField(c.origins, c.field, 'image'), given ? contractImage(given) : c.image, given !== undefined);
    }
    if (writer) { check(this.node.path, 'configWriterImage', this.options.configWriterImage ?? (writer.s3 ? AWS_CLI : BUSYBOX), false); }
  }

  /** Service Connect (serviceConnect()) against the composed task: named ports exist, no proxyConfiguration. */
  private checkServiceConnect(pod: Pick<ComposedPod, 'trafficInterception' | 'containers'>,
    rendered: Map<ecs.ContainerDefinition, ecs.CfnTaskDefinition.ContainerDefinitionProperty>): void {
    const ports = this.serviceConnectPorts;
    if (!ports) { return; }
    const i = pod.trafficInterception;
    if (i) {
      throw Errors.invalidRole(i.owner.path, 'pod.trafficInterception', i.spec.proxyContainer,
        `intercepts the traffic of ${this.taskDefinition.node.path} with the task's proxyConfiguration, and ${this.node.path}.serviceConnect() gives the task to ECS Service Connect, `
        + 'whose ECS-managed proxy handles the same traffic: a task has one or the other',
        `Use one of the two: ${i.spec.disableHint ?? 'turn off the sidecar\'s traffic interception'}, or do not call serviceConnect()`);
    }
    const named = new Set<string>([
      ...[...rendered.values()].flatMap(d => ((d.portMappings as any[] | undefined) ?? []).map(p => p.name).filter((n: unknown): n is string => typeof n === 'string')),
      ...pod.containers.flatMap(c => c.ports.filter(isDeclared).map(p => p.name).filter((n): n is string => n !== undefined)),
    ]);
    for (const p of ports) {
      if (!named.has(p.name)) {
        throw Errors.unknownReference(this.node.path, p.field, p.name, 'port mapping', `the port mappings of ${this.taskDefinition.node.path}`, [...named]);
      }
    }
  }

  private warn(at: string, message: string): void {
    // A value known only at deployment is named, never printed as its token text.
    Annotations.of(this.taskDefinition).addWarningV2(`cdk-sidecars:${at}`, hideTokens(`${at}: ${message}`));
  }

  /** Where ECS differs from what a sidecar asked and nothing is to be done: an info annotation (`cdk synth` prints it). */
  private note(at: string, message: string): void {
    Annotations.of(this.taskDefinition).addInfo(`${at}: ${message}`);
  }

  private render(): void {
    const td = this.taskDefinition;
    if (this.attached.length === 0) {
      const all = td.node.children.filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition);
      this.checkServiceConnect({ trafficInterception: undefined, containers: [] },
        new Map(all.map(c => [c, Stack.of(td).resolve(c.renderContainerDefinition()) as ecs.CfnTaskDefinition.ContainerDefinitionProperty])));
      return;
    }
    const tdPath = td.node.path;
    const warn = (at: string, message: string) => this.warn(at, message);
    const note = (at: string, message: string) => this.note(at, message);
    if (td.networkMode !== ecs.NetworkMode.AWS_VPC) {
      throw Errors.unsupportedOnPlatform(tdPath, 'networkMode', td.networkMode, PLATFORM,
        'sidecars talk to the app on localhost, which containers share only in awsvpc mode', 'Use a FargateTaskDefinition or NetworkMode.AWS_VPC');
    }
    const fargate = td.isFargateCompatible;
    const allContainers = td.node.children.filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition);
    const names = allContainers.map(c => c.containerName);
    for (const c of allContainers) {
      if (isReservedName(c.containerName)) { throw Errors.reservedName(c.node.path, 'containerName', c.containerName, 'the containers it adds to the task'); }
    }
    const appContainers = this.options.appContainers
      ? this.options.appContainers.map((name, i) => {
        const found = allContainers.find(c => c.containerName === name);
        if (!found) { throw Errors.unknownAppContainer(this.node.path, `appContainers[${i}]`, name, tdPath, names); }
        return found;
      })
      : allContainers;
    const stack = Stack.of(td);
    // The app containers as they stand: rendered, with lazy lists resolved.
    const rendered = new Map(appContainers.map(c =>
      [c, stack.resolve(c.renderContainerDefinition()) as ecs.CfnTaskDefinition.ContainerDefinitionProperty]));
    const cfn = td.node.defaultChild as ecs.CfnTaskDefinition;
    const appVolumes: string[] = (stack.resolve(cfn.volumes) ?? []).map((v: any) => String(v.name));
    // A task with the same app containers and sidecars as one rendered before reuses its
    // composition and the checks it passed (task-plans.ts).
    const plans = TaskPlans.of<TaskChecks>(td, this.attached);
    const appKey = plans ? JSON.stringify([appVolumes, appContainers.map(c => rendered.get(c))]) : '';
    const known = plans?.find(appKey, this.attached);
    const pod: ComposedPod = known ? { ...known.pod, targetPath: tdPath } : composePod(tdPath, {
      containers: appContainers.map(c => readAppContainer(c.containerName, rendered.get(c)!)),
      initContainers: [],
      volumes: appVolumes,
    }, this.attached, WorkloadIdentity.AWS_IAM_ROLE);
    // A Kubernetes Service a sidecar asks for (e.g. Dapr's `<appId>-dapr`, PodRequirements.services).
    for (const owner of pod.sidecars) {
      for (const [k, svc] of owner.services.entries()) {
        throw Errors.unsupportedOnPlatform(owner.path, `pod.services[${k}]`, svc.name, PLATFORM,
          'ECS tasks have no Kubernetes Services (use ECS Service Connect or Cloud Map to reach the task)', 'Use this sidecar in a mode that needs no Kubernetes Service on ECS');
      }
    }
    for (const [key, { owner, value }] of pod.annotations) {
      throw Errors.unsupportedOnPlatform(owner.path, `pod.annotations[${JSON.stringify(key)}]`, value, PLATFORM,
        'ECS tasks have no pod annotations', 'Use this sidecar in a mode that needs no Kubernetes annotation on ECS');
    }
    // The users the containers run as on ECS: their own, but the FireLens router as root.
    const routerName = pod.logRouter?.spec.container;
    const users = new Map(pod.containers.map(c => [c.name,
      { uid: c.name === routerName ? FIRELENS_ROUTER_UID : c.security.uid, gid: c.security.gid }]));
    // Containers that bypass the proxy run with its group (ignoredGID), as the ECS service
    // extensions run their FireLens router and CloudWatch agent (user 0:1338, ignoredGID 1338:
    // cdklabs/cdk-ecs-service-extensions src/extensions/firelens.ts, appmesh.ts); the aws-appmesh
    // CNI plugin exempts that group's packets by owner (aws/amazon-ecs-cni-plugins, plugins/aws-appmesh).
    for (const c of pod.containers) {
      const own = this.options.containerOptions?.[c.name]?.bypassProxy;
      const bypass = own ?? this.options.sidecarDefaults?.bypassProxy;
      if (!bypass) { continue; }
      const field = own !== undefined ? `containerOptions.${c.name}.bypassProxy` : 'sidecarDefaults.bypassProxy';
      const i = pod.trafficInterception;
      if (!i) {
        throw Errors.ineffectiveSetting(this.node.path, field, true, `no sidecar of ${tdPath} intercepts its traffic, so there is no proxy to bypass`, `Leave ${field} out`);
      }
      if (c.name === i.spec.proxyContainer) { continue; }
      if (i.spec.proxyGid === undefined) {
        throw Errors.ineffectiveSetting(this.node.path, field, true, `the proxy of ${i.owner.path} exempts no group from redirection (no ignoredGID), only its UID`,
          `Give the interception a proxyGid, or leave ${field} out`);
      }
      users.set(c.name, { uid: users.get(c.name)!.uid, gid: i.spec.proxyGid });
      note(c.owner.path, `container ${JSON.stringify(c.name)} runs with group ${i.spec.proxyGid}, the proxy's (${field}): the task's proxyConfiguration (ignoredGID) does not redirect its traffic`);
    }
    const firelensRouter = pod.containers.find(c => c.name === routerName);
    if (firelensRouter && firelensRouter.security.uid !== FIRELENS_ROUTER_UID) {
      // Said, not silently replaced: the sidecar's UID still applies on Kubernetes and ACI.
      note(firelensRouter.owner.path, `container ${JSON.stringify(firelensRouter.name)} runs as UID ${FIRELENS_ROUTER_UID} (group ${firelensRouter.security.gid}) on ECS, not as its UID `
        + `${firelensRouter.security.uid}: FireLens needs the log router to run as root (aws/containers-roadmap#2122, aws/aws-for-fluent-bit#713); `
        + 'it keeps a read-only root filesystem and no capability');
    }
    const images = this.options.images ?? {};
    Object.keys(images).forEach(name => {
      if (!pod.containers.some(c => c.name === name)) {
        throw Errors.unknownReference(this.node.path, `images.${name}`, name, 'sidecar container', tdPath, pod.containers.map(c => c.name));
      }
      // ImagePolicy.requireDigests: an ecs.ContainerImage judged by its name's literal end (an ECR
      // repository image given a digest renders `<token>@sha256:...`, aws-cdk-lib EcrImage).
      const imageName = (images[name] as { imageName?: unknown }).imageName;
      const owner = pod.containers.find(c => c.name === name)?.owner.path;
      checkImagePinned([this, ...this.attached.filter(a => sidecarPath(a) === owner)], this.node.path, `images.${name}`,
        typeof imageName === 'string' ? imageName : '(an ecs.ContainerImage without an image name, e.g. an asset)');
    });
    const containerOptions = this.options.containerOptions ?? {};
    Object.keys(containerOptions).forEach(name => {
      if (!pod.containers.some(c => c.name === name)) {
        throw Errors.unknownReference(this.node.path, `containerOptions.${name}`, name, 'sidecar container', tdPath, pod.containers.map(c => c.name));
      }
    });
    this.checkServiceConnect(pod, rendered);
    const storage = fargate ? stack.resolve(cfn.ephemeralStorage) as { sizeInGiB?: unknown } | undefined : undefined;
    // Everything else the checks below read: the users (bypassProxy), the images given, the
    // config delivery, the task's size and storage.
    const checksKey = plans ? JSON.stringify([[...users], Object.keys(images).map(name => [name, contractImage(images[name])]),
      this.options.configDelivery, cfn.cpu, cfn.memory, fargate, storage]) : '';
    const checked = known?.checked.get(checksKey);
    const writerPlan = checked ? checked.writerPlan : this.planWriter(pod, users, appContainers, rendered);
    this.checkArchitecture(pod, cfn, images, writerPlan, warn);
    if (!checked) {
      // Before any container is added (aws-cdk-lib checks the CPU sum as they are added).
      this.checkTaskSize(cfn, appContainers, rendered, pod.containers, writerPlan);
      if (fargate) { checkEphemeralStorage(storage, pod.containers); }
    }

    // Volumes.
    for (const { volume, owners } of pod.volumes) {
      const owner = owners[0].path;
      if (volume.sizeLimitMebibytes !== undefined && (volume.kind === VolumeKind.SCRATCH || volume.kind === VolumeKind.MEMORY)) {
        // A task volume is a bind mount of the task's storage, which ECS cannot limit per volume.
        reportLimit({ warn, note }, owners[0], 'volumes', `volume ${JSON.stringify(volume.name)} sizeLimitMebibytes ${volume.sizeLimitMebibytes} is not enforced: an ECS task volume `
          + 'is a bind mount of the task\'s storage, which has no per-volume size limit (the task\'s ephemeral storage is the limit)',
        p => `leave sizeLimitMebibytes out of ${p} on ECS to silence this`);
      }
      switch (volume.kind) {
        case VolumeKind.MEMORY:
          if (fargate && (this.options.memoryVolumes ?? MemoryVolumeHandling.REJECT) === MemoryVolumeHandling.REJECT) {
            throw Errors.unsupportedOnPlatform(owner, 'volumes', volume.name, PLATFORM, 'Fargate has no memory-backed (tmpfs) volumes',
              'Set memoryVolumes: MemoryVolumeHandling.TASK_STORAGE to use encrypted task storage instead, or keep the data out of files');
          }
          // Asked for with memoryVolumes: MemoryVolumeHandling.TASK_STORAGE, so said as a note.
          if (fargate) { note(owner, `volume ${JSON.stringify(volume.name)} is on task storage (encrypted at rest), not in memory (memoryVolumes: TASK_STORAGE): Fargate has no tmpfs volumes`); }
          td.addVolume({ name: volume.name });
          break;
        case VolumeKind.SECRET: {
          // Named as the prop that asked for the secret files (e.g. Envoy's mtls), with a fix
          // that fits it; secretEnv is the generic Sidecar's.
          const at = owners[0].volumes.findIndex(v => v.name === volume.name);
          const origin = owners[0].origins.get(`volumes[${at}]`);
          throw Errors.unsupportedOnPlatform(owner, origin?.prop ?? `volumes[${at}]`, origin ? volume.secretName : volume.name, PLATFORM,
            `ECS cannot mount a secret as files (secret ${JSON.stringify(volume.secretName)})`,
            origin?.alternative ? `Leave ${origin.prop} out on ECS and use ${origin.alternative}`
              : 'Give the secret as environment (secretEnv), which ECS fills from Secrets Manager or SSM through `secrets`');
        }
        case VolumeKind.CONFIG_FILES:
          if (volume.sensitive) {
            throw Errors.unsupportedOnPlatform(owner, 'configFiles (sensitive)', volume.name, PLATFORM,
              'ECS would carry the content in clear in the task definition, SSM String parameters or S3',
              'Keep the secret in Secrets Manager and give it as environment (secretEnv)');
          }
          td.addVolume({ name: volume.name });
          break;
        case VolumeKind.PERSISTENT_CLAIM:
        case VolumeKind.CSI:
        case VolumeKind.EPHEMERAL_CLAIM:
        case VolumeKind.HOST_PATH: {
          // A Fargate task has no claims, CSI drivers or host directories: "With Fargate, only
          // temporary volumes on the host and directories shared from a container running in the
          // same task can be bind-mounted"; persistent storage is EFS (efsVolumeConfiguration,
          // platform version 1.4.0 or later). https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_data_volumes.html
          const at = owners[0].volumes.findIndex(v => v.name === volume.name);
          const origin = owners[0].origins.get(`volumes[${at}]`);
          // Named as the prop that asked for it (Fluent Bit's hostLogDirectory: its value), or as the volume.
          throw Errors.unsupportedOnPlatform(owner, origin?.prop ?? `volumes[${at}]`, origin && volume.hostPath ? volume.hostPath : volume.name, PLATFORM,
            `ECS has no ${volume.kind} volumes (Kubernetes only)`,
            'Declare the storage on the task definition (e.g. an EFS volume: addVolume({ name, efsVolumeConfiguration })) and mount it into the sidecar with overrides.appVolumeMounts');
        }
        default:
          td.addVolume({ name: volume.name });
      }
    }
    // Up to aws-cdk-lib 2.253 (before the live list of aws-cdk-lib 2.254.0,
    // aws-ecs/lib/base/task-definition.ts), the task definition's `volumes` is a cached
    // Lazy.any: resolved above (appVolumes), it keeps that value, and the volumes just added
    // would be left out of the template. Then the property is set to the app's volumes as
    // resolved plus the sidecars' own.
    const added = pod.volumes.map(v => v.volume.name);
    const resolvedNow: any[] = stack.resolve(cfn.volumes) ?? [];
    if (added.some(name => !resolvedNow.some(v => v?.name === name))) {
      cfn.volumes = [...resolvedNow, ...added.filter(name => !resolvedNow.some(v => v?.name === name)).map(name => ({ name }))];
    }


    // Sidecar containers.
    const gated = new Set<string>();
    for (const c of pod.containers) {
      if (c.role === StartupRole.SIDECAR && c.appWaitsFor === WaitCondition.HEALTHY) { gated.add(c.name); }
      c.dependsOn.filter(d => d.condition === WaitCondition.HEALTHY).forEach(d => gated.add(d.container));
    }
    const given = this.options.logging;
    const logging = given ? () => given : this.defaultLogging();
    const defs = new Map<string, ecs.ContainerDefinition>();
    for (const c of pod.containers) {
      const ecsOptions = mergeContainerOptions(this.options.sidecarDefaults, containerOptions[c.name]);
      const rendered0 = renderContainer(c, {
        scope: this,
        fargate,
        secrets: this.options.secrets ?? {},
        target: tdPath,
        healthRequired: gated.has(c.name),
        logging: logging(c.name),
        warn,
        note,
        initProcessEnabled: ecsOptions.initProcessEnabled,
      });
      const user = users.get(c.name)!;
      const optionsField = containerOptions[c.name] ? `containerOptions.${c.name}` : 'sidecarDefaults';
      const options: ecs.ContainerDefinitionOptions = { ...applyContainerOptions(c, rendered0, ecsOptions, this.node.path, optionsField), image: images[c.name] ?? rendered0.image, user: `${user.uid}:${user.gid}` };
      if (options.healthCheck) { this.withHealthCheck.add(c.name); }
      const router = pod.logRouter?.spec.container === c.name ? pod.logRouter.spec : undefined;
      const def = router
        // The pod's log router becomes the task's FireLens router; our config file is included.
        ? td.addFirelensLogRouter(`Sidecar-${c.name}`, {
          ...options,
          // FireLens generates the router's main configuration and includes ours: the
          // router runs that one.
          command: router.configFlag ? firelensArgs(c.args ?? [], router.configFlag) : undefined,
          firelensConfig: {
            type: router.type === LogRouterType.FLUENTD ? ecs.FirelensLogRouterType.FLUENTD : ecs.FirelensLogRouterType.FLUENTBIT,
            options: {
              enableECSLogMetadata: router.enableMetadata,
              ...(router.configFile ? { configFileType: ecs.FirelensConfigFileType.FILE, configFileValue: router.configFile } : {}),
            },
          },
        })
        : td.addContainer(`Sidecar-${c.name}`, options);
      def.addMountPoints(...[...c.volumeMounts, ...c.appVolumeMounts].map(mountPoint));
      this.ours.add(def);
      this.owners.set(c.name, c.owner.path);
      defs.set(c.name, def);
    }
    for (const c of pod.containers) {
      defs.get(c.name)!.addContainerDependencies(...c.dependsOn.map(d => ({ container: defs.get(d.container)!, condition: condition(d.condition) })));
    }
    // Init steps run one after the other, in the composed start order, as Kubernetes and ACI
    // run init containers: each waits for the previous one to succeed.
    const inits = pod.containers.filter(c => c.role === StartupRole.INIT_STEP);
    inits.slice(1).forEach((c, i) => {
      if (!c.dependsOn.some(d => d.container === inits[i].name)) {
        defs.get(c.name)!.addContainerDependencies({ container: defs.get(inits[i].name)!, condition: ecs.ContainerDependencyCondition.SUCCESS });
      }
    });
    this.waitForProxy(pod, defs);

    // App containers: requests, and the start order.
    for (const container of appContainers) {
      const name = container.containerName;
      const env = pod.appEnv.get(name) ?? [];
      const { environment, secrets } = renderEnv(pod.sidecars[0].path, 'appRequests.env', env, this.options.secrets ?? {}, tdPath);
      Object.entries(environment).forEach(([k, v]) => container.addEnvironment(k, v));
      Object.entries(secrets).forEach(([k, v]) => container.addSecret(k, v));
      container.addMountPoints(...(pod.appMounts.get(name) ?? []).map(mountPoint));
      container.addContainerDependencies(...pod.containers.map(c => ({ container: defs.get(c.name)!, condition: condition(c.appWaitsFor) })));
    }

    // What the pod needs at run time, once ECS's own refusals are out of the way.
    // An ECS image given in `images` is checked as what it is: a registry image by its name (the
    // image facts know it when its tag is known), an ECR or asset image as an unknown image.
    const contractPod: ComposedPod = {
      ...pod,
      containers: pod.containers.map(c => (images[c.name] ? { ...c, image: contractImage(images[c.name]) } : c)),
    };
    if (!checked) {
      checkRuntimeContract(contractPod, fargateRuntime(appContainers.map(c => ({ name: c.containerName, def: rendered.get(c)! })),
        writerPlan?.preparations ?? [], users));
    }
    if (writerPlan) { this.renderWriter(pod, writerPlan, defs, appContainers, logging(WRITER)); }
    this.renderProcessSharing(pod, cfn);
    this.renderLogRouting(pod, appContainers);
    for (const { owner, permission } of pod.cloudPermissions) {
      td.addToTaskRolePolicy(new iam.PolicyStatement({ actions: permission.actions, resources: permission.resources }));
      void owner;
    }
    for (const s of pod.readsPodMetadata) {
      warn(s.path, 'reads its pod\'s metadata from the Kubernetes API, which ECS does not have; the sidecar gets none');
    }
    for (const w of pod.warnings) { warn(w.slice(0, w.indexOf(': ')), w.slice(w.indexOf(': ') + 2)); }
    this.renderInterception(pod, cfn, defs, appContainers);
    this.renderPatches(pod, cfn);
    if (plans && !checked) { plans.remember(appKey, this.attached, known?.pod ?? pod, checksKey, { writerPlan }); }
  }

  /**
   * The escape hatch (SidecarOverrides.ecsPatches): each patched container is taken as the
   * template will have it (the CloudFormation ContainerDefinitions entry), patched, and each
   * top-level field the patches changed is written back as a property override.
   */
  private renderPatches(pod: ComposedPod, cfn: ecs.CfnTaskDefinition): void {
    const patched = pod.containers.filter(c => c.ecsPatches.length > 0);
    if (patched.length === 0) { return; }
    const template: any = Stack.of(cfn).resolve((cfn as any)._toCloudFormation());
    const resource: any = Object.values(template?.Resources ?? {})[0];
    const defs: any[] = resource?.Properties?.ContainerDefinitions ?? [];
    for (const c of patched) {
      const index = defs.findIndex(d => d?.Name === c.name);
      if (index < 0) { continue; }
      const before = defs[index];
      const after = patchRendered(c, before, ECS_PATCHES);
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (JSON.stringify(before[key]) === JSON.stringify(after[key])) { continue; }
        // addPropertyOverride splits its path at "." and drops a backslash before any character (aws-cdk-lib
        // core/lib/cfn-resource.ts splitOnPeriods): both are escaped, so the field is written under the name the
        // checked patch gave it, never as a nested path or another field.
        const at = `ContainerDefinitions.${index}.${key.replace(/[\\.]/g, '\\$&')}`;
        if (after[key] === undefined) {
          cfn.addPropertyDeletionOverride(at);
        } else {
          cfn.addPropertyOverride(at, after[key]);
        }
      }
    }
  }

  private defaultLogging(): (container: string) => ecs.LogDriver {
    let group: logs.LogGroup | undefined;
    return container => {
      group = group ?? new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
      return ecs.LogDrivers.awsLogs({ logGroup: group, streamPrefix: container });
    };
  }

  /**
   * What the writer container must do, or undefined when nothing: write the config files,
   * and prepare each empty task volume that a non-root container writes. Fargate creates task
   * volumes as root-owned bind mounts (aws/containers-roadmap#938, #863), where a non-root
   * container cannot create a file. A volume written by one non-root UID is given to that
   * UID (mode 0755: the others keep reading it); one written by several UIDs, or by an app
   * container whose UID ECS does not know (no numeric `user`), becomes 1777 (any UID may
   * create files, none may remove another's). Volumes only root writes are left as they are.
   */
  private planWriter(pod: ComposedPod, users: ReadonlyMap<string, { uid: number; gid: number }>, appContainers: ecs.ContainerDefinition[],
    rendered: Map<ecs.ContainerDefinition, ecs.CfnTaskDefinition.ContainerDefinitionProperty>): WriterPlan | undefined {
    const include = pod.logRouter?.spec.includeFile;
    const configVolumes = pod.volumes
      .filter(v => v.volume.kind === VolumeKind.CONFIG_FILES && !v.volume.sensitive)
      .map(v => (include?.volume === v.volume.name
        ? { ...v.volume, files: [...v.volume.files, { name: include.name, content: include.content }] }
        : v.volume));
    const preparations: VolumePreparation[] = [];
    for (const { volume } of pod.volumes) {
      if (volume.kind !== VolumeKind.SCRATCH && volume.kind !== VolumeKind.MEMORY) { continue; }
      const writers: Array<{ uid?: number; gid?: number }> = [
        ...pod.containers.filter(c => c.volumeMounts.some(m => m.volume === volume.name && !m.readOnly)).map(c => users.get(c.name)!),
        ...appContainers.filter(a => (pod.appMounts.get(a.containerName) ?? []).some(m => m.volume === volume.name && !m.readOnly))
          .map(a => parseUser(rendered.get(a)!.user)),
      ];
      const nonRoot = writers.filter(w => w.uid !== 0);
      if (nonRoot.length === 0) { continue; }
      const uids = new Set(nonRoot.map(w => w.uid));
      if (uids.has(undefined) || uids.size > 1) {
        preparations.push({ volume: volume.name, mode: '1777' });
      } else {
        const gids = new Set(nonRoot.map(w => w.gid));
        const gid = gids.size === 1 ? [...gids][0] : undefined;
        preparations.push({ volume: volume.name, mode: '0755', owner: gid === undefined ? `${[...uids][0]}` : `${[...uids][0]}:${gid}` });
      }
    }
    if (configVolumes.length === 0 && preparations.length === 0) { return undefined; }
    const s3 = configVolumes.length > 0 && (this.options.configDelivery ?? ConfigFileDelivery.INIT_CONTAINER) === ConfigFileDelivery.S3;
    return { configVolumes, preparations, s3, memoryMiB: s3 ? WRITER_MEMORY.awsCli : WRITER_MEMORY.busybox };
  }

  /**
   * The writer: a non-essential root container that exits before any container that mounts
   * one of its volumes starts (dependsOn SUCCESS). It keeps no capability, or only CHOWN when
   * it gives a volume to a non-root UID.
   */
  private renderWriter(pod: ComposedPod, plan: WriterPlan, defs: Map<string, ecs.ContainerDefinition>,
    appContainers: ecs.ContainerDefinition[], logging: ecs.LogDriver): void {
    const td = this.taskDefinition;
    const delivery = this.options.configDelivery ?? ConfigFileDelivery.INIT_CONTAINER;
    const environment: { [name: string]: string } = {};
    const secrets: { [name: string]: ecs.Secret } = {};
    const steps: string[] = ['set -eu', ...volumePreparationScript(plan.preparations)];
    let inlineBytes = 0;
    // The largest file, named by the prop that made it large (FieldOrigin), where the total is too much.
    let largest: { owner: string; field: string; file: string; bytes: number } | undefined;
    let n = 0;
    for (const v of plan.configVolumes) {
      for (const f of v.files) {
        const variable = `CDK_SIDECARS_FILE_${n}`;
        const target = `${CONFIG_ROOT}/${v.name}/${f.name}`;
        const bytes = Buffer.byteLength(f.content, 'utf-8');
        const sidecar = pod.volumes.find(x => x.volume.name === v.name)!.owners[0];
        const owner = sidecar.path;
        const at = sidecar.volumes.findIndex(x => x.name === v.name);
        const index = at < 0 ? -1 : sidecar.volumes[at].files.findIndex(x => x.name === f.name);
        // A file the binder adds for the sidecar (FireLens's pipeline.conf) is named by the
        // sidecar's prop with the largest value, as generated files are (core/names.ts largestValue).
        const construct = this.attached.find(s => s.node.path === owner);
        const field = index < 0 ? largestValue(construct ? givenProps(construct) : undefined) ?? `config file ${v.name}/${f.name}`
          : userField(sidecar.origins, '', `volumes[${at}].files[${index}].content`);
        if (!largest || bytes > largest.bytes) { largest = { owner, field, file: `${v.name}/${f.name}`, bytes }; }
        switch (delivery) {
          case ConfigFileDelivery.INIT_CONTAINER:
            inlineBytes += bytes;
            if (stringHasToken(f.content)) {
              // Content with values known only at deployment (CDK tokens): carried as text, which
              // aws-cdk-lib renders as Fn::Join, so CloudFormation writes the real values in
              // (base64 would encode the token's placeholder). ECS passes any text but NUL in
              // an environment value; the sidecar that wrote the file decided that the token's
              // value needs no escaping there (README, "CDK tokens").
              environment[variable] = f.content;
              steps.push(`printf '%s' "$${variable}" > ${shellWord(target)}`);
            } else {
              environment[variable] = Buffer.from(f.content, 'utf-8').toString('base64');
              steps.push(`printf '%s' "$${variable}" | base64 -d > ${shellWord(target)}`);
            }
            break;
          case ConfigFileDelivery.SSM_PARAMETERS: {
            if (bytes > 8192) {
              throw Errors.fileTooLarge(owner, field, `${v.name}/${f.name}`, bytes, PLATFORM,
                'an SSM parameter holds at most 8 KiB', `Use configDelivery: ConfigFileDelivery.S3, or shorten ${field}`);
            }
            const parameter = new ssm.StringParameter(this, `Config${n}`, {
              stringValue: f.content,
              tier: bytes > 4096 ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
              description: `cdk-sidecars: ${v.name}/${f.name} for ${td.node.path}`,
            });
            secrets[variable] = ecs.Secret.fromSsmParameter(parameter);
            steps.push(`printf '%s' "$${variable}" > ${shellWord(target)}`);
            break;
          }
          case ConfigFileDelivery.S3: {
            if (stringHasToken(f.content)) {
              throw Errors.tokenNotSupported(owner, `config file ${v.name}/${f.name} content`,
                'with configDelivery S3 the file is uploaded as an asset at synthesis, before CloudFormation knows the value',
                'Use configDelivery: ConfigFileDelivery.INIT_CONTAINER or ConfigFileDelivery.SSM_PARAMETERS (rendered by CloudFormation), or pass literal content');
            }
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-config-'));
            const file = path.join(dir, f.name);
            fs.writeFileSync(file, f.content);
            const asset = new s3assets.Asset(this, `Config${n}`, { path: file });
            asset.grantRead(td.taskRole);
            environment[`${variable}_URL`] = asset.s3ObjectUrl;
            steps.push(`aws s3 cp --only-show-errors "$${variable}_URL" ${shellWord(target)}`);
            break;
          }
        }
        steps.push(`chmod ${(f.mode ?? 0o444).toString(8).padStart(4, '0')} ${shellWord(target)}`);
        n++;
      }
    }
    if (inlineBytes > MAX_INLINE_BYTES && largest) {
      throw Errors.fileTooLarge(largest.owner, largest.field, largest.file, largest.bytes, PLATFORM,
        `the config files of ${pod.targetPath} come to ${inlineBytes} bytes, more than the ${MAX_INLINE_BYTES / 1024} KiB the task definition can carry (limit 64 KiB in all)`,
        `Use configDelivery: ConfigFileDelivery.SSM_PARAMETERS or ConfigFileDelivery.S3, or shorten ${largest.field}`);
    }
    const s3 = plan.s3;
    if (s3 && pod.trafficInterception) {
      throw Errors.unsupportedOnPlatform(pod.trafficInterception.owner.path, 'configDelivery', delivery, PLATFORM,
        'the S3 config writer needs the network before the proxy runs, but the task\'s traffic is redirected to the proxy from the start',
        'Use ConfigFileDelivery.INIT_CONTAINER or ConfigFileDelivery.SSM_PARAMETERS (fetched by the ECS agent, not the container)');
    }
    const linuxParameters = new ecs.LinuxParameters(this, `${WRITER}-linux`, {});
    if (plan.preparations.some(p => p.owner)) {
      // Keeps CHOWN by dropping every other default capability (Fargate lets a task add none but SYS_PTRACE).
      linuxParameters.dropCapabilities(...DEFAULT_CAPABILITIES.filter(c => c !== ecs.Capability.CHOWN));
    } else {
      linuxParameters.dropCapabilities(ecs.Capability.ALL);
    }
    if (s3) { td.addVolume({ name: LIBRARY_NAMES.configWriterHome }); }
    const writerImage = this.options.configWriterImage ?? (s3 ? AWS_CLI : BUSYBOX);
    checkImagePinned([this], this.node.path, 'configWriterImage', writerImage);
    // The runtime contract's binaries check, for the container the binder itself adds.
    checkCommandsInImage(pod.targetPath, WRITER, writerImage, [{ field: 'configWriterImage', argv: ['sh', '-c', steps.join('\n')] }], true);
    const writer = td.addContainer('Sidecar-config-writer', {
      containerName: WRITER,
      image: ecs.ContainerImage.fromRegistry(writerImage),
      entryPoint: ['sh', '-c'],
      command: [steps.join('\n')],
      environment: s3 ? { ...environment, HOME: '/home/writer' } : (Object.keys(environment).length ? environment : undefined),
      secrets: Object.keys(secrets).length ? secrets : undefined,
      // Root: task volumes are created owned by root. It exits before any other container mounts them.
      user: '0:0',
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters,
      essential: false,
      memoryLimitMiB: plan.memoryMiB,
      logging,
    });
    const volumes = [...plan.preparations.map(p => p.volume), ...plan.configVolumes.map(v => v.name)];
    writer.addMountPoints(...volumes.map(v => ({ sourceVolume: v, containerPath: `${CONFIG_ROOT}/${v}`, readOnly: false })));
    if (s3) { writer.addMountPoints({ sourceVolume: `${WRITER}-home`, containerPath: '/home/writer', readOnly: false }); }
    this.ours.add(writer);
    this.owners.set(writer.containerName, this.node.path);
    const names = new Set(volumes);
    const waitForWriter = { container: writer, condition: ecs.ContainerDependencyCondition.SUCCESS };
    for (const c of pod.containers) {
      if (c.volumeMounts.some(m => names.has(m.volume))) { defs.get(c.name)!.addContainerDependencies(waitForWriter); }
    }
    for (const container of appContainers) {
      if ((pod.appMounts.get(container.containerName) ?? []).some(m => names.has(m.volume))) { container.addContainerDependencies(waitForWriter); }
    }
  }

  /**
   * With interception, the task's traffic is redirected to the proxy from the moment the
   * task starts: every other sidecar container (init steps too) that the proxy does not
   * itself wait for starts after the proxy (HEALTHY when it has a health check).
   */
  private waitForProxy(pod: ComposedPod, defs: Map<string, ecs.ContainerDefinition>): void {
    const i = pod.trafficInterception;
    if (!i) { return; }
    const proxyName = i.spec.proxyContainer;
    const proxy = defs.get(proxyName)!;
    const healthy = this.withHealthCheck.has(proxyName);
    // Init steps run in order: one before an init step the proxy waits for runs before the proxy too.
    const inits = pod.containers.filter(c => c.role === StartupRole.INIT_STEP).map(c => c.name);
    const lastBeforeProxy = Math.max(-1, ...inits.map((n, k) => (i.proxyWaitsFor.has(n) ? k : -1)));
    for (const c of pod.containers) {
      if (c.name === proxyName || i.proxyWaitsFor.has(c.name) || c.dependsOn.some(d => d.container === proxyName)) { continue; }
      if (inits.indexOf(c.name) >= 0 && inits.indexOf(c.name) < lastBeforeProxy) { continue; }
      defs.get(c.name)!.addContainerDependencies({
        container: proxy,
        condition: healthy ? ecs.ContainerDependencyCondition.HEALTHY : ecs.ContainerDependencyCondition.START,
      });
    }
  }

  /**
   * FireLens: the app containers log through the pod's log router (driver awsfirelens).
   * An app container that already chose a log driver keeps it, and that is an error,
   * because its logs would bypass the router silently.
   */
  private renderLogRouting(pod: ComposedPod, appContainers: ecs.ContainerDefinition[]): void {
    const router = pod.logRouter;
    if (!router) { return; }
    for (const container of appContainers) {
      if (container.logDriverConfig !== undefined) {
        throw Errors.alreadySet(router.owner.path, `logging of app container ${JSON.stringify(container.containerName)}`, container.logDriverConfig.logDriver,
          `on ${this.taskDefinition.node.path}, and ${router.owner.path} is the task's log router (FireLens); remove the container's logging`);
      }
      const driver = ecs.LogDrivers.firelens({ options: Object.keys(router.spec.appLogOptions).length ? router.spec.appLogOptions : undefined });
      (container as { logDriverConfig?: ecs.LogDriverConfig }).logDriverConfig = driver.bind(this, container);
    }
  }

  private renderProcessSharing(pod: ComposedPod, cfn: ecs.CfnTaskDefinition): void {
    if (pod.fileGroup) {
      // The sidecars were told (CompositionContext.fileGroups false) that ECS has no pod file group.
      throw Errors.unsupportedOnPlatform(pod.fileGroup.owner.path, 'pod.fileGroup', pod.fileGroup.gid, PLATFORM,
        'ECS has no pod-wide file group (no fsGroup, no supplementary groups in a container definition)',
        'Write shared files with a world-readable mode and mount the volume only into the containers that need it');
    }
    if (!pod.shareProcessNamespace) { return; }
    const owner = pod.sidecars.find(s => s.shareProcessNamespace)!.path;
    if (cfn.pidMode !== undefined && cfn.pidMode !== 'task') {
      throw Errors.alreadySet(owner, 'pidMode', cfn.pidMode, `on ${this.taskDefinition.node.path}, but the sidecar needs pidMode "task" to share processes`);
    }
    cfn.pidMode = 'task';
  }

  private renderInterception(pod: ComposedPod, cfn: ecs.CfnTaskDefinition, defs: Map<string, ecs.ContainerDefinition>,
    appContainers: ecs.ContainerDefinition[]): void {
    const i = pod.trafficInterception;
    if (!i) { return; }
    if (cfn.proxyConfiguration !== undefined) {
      throw Errors.alreadySet(i.owner.path, 'proxyConfiguration', 'set', `on ${this.taskDefinition.node.path}, and ${i.owner.path} intercepts the task's traffic`);
    }
    // The task's proxyConfiguration (type APPMESH) is already applied by a CNI plugin of the platform
    // (aws/amazon-ecs-cni-plugins, plugins/aws-appmesh), not by a container of the task: there is no other to choose.
    if (i.spec.redirectMode === RedirectMode.CNI) {
      throw Errors.unsupportedOnPlatform(i.owner.path, 'pod.trafficInterception.redirectMode', i.spec.redirectMode, PLATFORM,
        'the task proxyConfiguration is ECS\'s only redirect mechanism, and it is already applied by the platform\'s CNI plugin (aws-appmesh), with no privileged container in the task',
        'Leave redirectMode out on ECS (RedirectMode.INIT_CONTAINER renders the proxyConfiguration)');
    }
    if (i.spec.nativeNftables) {
      throw Errors.unsupportedOnPlatform(i.owner.path, 'pod.trafficInterception.nativeNftables', true, PLATFORM,
        'the rules of the task proxyConfiguration are installed by the platform\'s CNI plugin, which chooses its own backend', 'Leave nativeNftables out on ECS');
    }
    if (i.spec.rerouteVirtualInterfaces.length) {
      throw Errors.unsupportedOnPlatform(i.owner.path, 'pod.trafficInterception.rerouteVirtualInterfaces', i.spec.rerouteVirtualInterfaces, PLATFORM,
        'the task proxyConfiguration has no interface rerouting, and a task has no virtual interfaces', 'Leave rerouteVirtualInterfaces out on ECS');
    }
    if (i.spec.excludeInterfaces.length) {
      throw Errors.unsupportedOnPlatform(i.owner.path, 'pod.trafficInterception.excludeInterfaces', i.spec.excludeInterfaces, PLATFORM,
        'the task proxyConfiguration has no interface exclusion (AppPorts, ProxyIngressPort, ProxyEgressPort, IgnoredUID, IgnoredGID, EgressIgnoredIPs, EgressIgnoredPorts only)',
        'Leave excludeInterfaces out on ECS');
    }
    for (const key of ['includeOutboundPorts', 'includeOutboundCidrs'] as const) {
      if (i.spec[key] !== undefined) {
        throw Errors.unsupportedOnPlatform(i.owner.path, `pod.trafficInterception.${key}`, i.spec[key], PLATFORM,
          'the task proxyConfiguration captures all egress except EgressIgnoredIPs and EgressIgnoredPorts', 'List what to leave out instead (excludeOutboundPorts, excludeOutboundCidrs)');
      }
    }
    // The proxy captures the app's ports and Envoy derives its inbound clusters from them, at
    // synthesis: a port known only at deployment cannot be captured (nor checked as left out).
    for (const container of appContainers) {
      const mappings = (Stack.of(this).resolve(container.portMappings) ?? []) as Array<{ containerPort?: unknown }>;
      mappings.forEach((m, k) => {
        if (typeof m.containerPort !== 'number') {
          throw Errors.tokenNotSupported(this.taskDefinition.node.path, `app container ${JSON.stringify(container.containerName)} portMappings[${k}].containerPort`,
            `${i.owner.path} intercepts the task's traffic, and the proxy configuration (AppPorts) and the proxy's inbound listeners are built from the app's ports at synthesis`,
            'Pass a literal containerPort (e.g. 8080) to the app container');
        }
      });
    }
    if (i.appPorts.length === 0) {
      throw Errors.invalidInterception(i.owner.path, 'pod.trafficInterception.appPorts', [], 'is empty: the app containers expose no TCP port to capture',
        'Give appPorts, or give the app containers port mappings');
    }
    cfn.proxyConfiguration = ecs.ProxyConfigurations.appMeshProxyConfiguration({
      containerName: defs.get(i.spec.proxyContainer)!.containerName,
      properties: {
        appPorts: i.appPorts,
        proxyIngressPort: i.spec.inboundPort,
        proxyEgressPort: i.spec.outboundPort,
        ignoredUID: i.spec.proxyUid,
        ignoredGID: i.spec.proxyGid,
        // IPv4 and IPv6 both: the aws-appmesh CNI plugin splits the list by family and applies
        // the IPv6 ones with ip6tables (aws/amazon-ecs-cni-plugins, plugins/aws-appmesh/config, separateIPs).
        egressIgnoredIPs: [...new Set([...EGRESS_IGNORED, ...i.spec.excludeOutboundCidrs])],
        egressIgnoredPorts: i.spec.excludeOutboundPorts.length ? i.spec.excludeOutboundPorts : undefined,
      },
    }).bind(Stack.of(this), this.taskDefinition);
  }

  /**
   * The containers must fit in the task's CPU and memory (when those are known numbers), by
   * ECS's rules (ECS API reference, ContainerDefinition cpu, memory, memoryReservation): the
   * CPU units of all containers together are at most the task's; the memory reserved by all
   * containers together (memoryReservation, else memory) is at most the task's; no
   * container's memory or memoryReservation exceeds the task's ("the hard limit for each
   * container must not exceed the memory configured at the task level", Amazon Fargate Quick
   * Start Guide, compute resources); each is at least 6 MiB. aws-cdk-lib's own check
   * (ContainerValuesCannotGreater) allows the CPU sum to equal the task's, and so does this.
   * Every container counts: app containers, long-running sidecars, init steps and the writer.
   */
  private checkTaskSize(cfn: ecs.CfnTaskDefinition, appContainers: ecs.ContainerDefinition[],
    rendered: Map<ecs.ContainerDefinition, ecs.CfnTaskDefinition.ContainerDefinitionProperty>, sidecars: ResolvedContainer[],
    writer: WriterPlan | undefined): void {
    const target = this.taskDefinition.node.path;
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const ceil = (v: number | undefined) => (v === undefined ? undefined : Math.ceil(v));
    const shares: Array<{ name: string; path: string; fields: [string, string]; cpu?: number; memory?: number; reservation?: number }> = [
      ...appContainers.map(c => {
        const d = rendered.get(c)!;
        return { name: c.containerName, path: target, fields: [`app container ${JSON.stringify(c.containerName)} memory`, `app container ${JSON.stringify(c.containerName)} memoryReservation`] as [string, string], cpu: num(d.cpu), memory: num(d.memory), reservation: num(d.memoryReservation) };
      }),
      ...sidecars.map(c => ({
        name: c.name,
        path: c.owner.path,
        fields: [userField(c.origins, c.field, 'resources.memoryLimitMebibytes'), userField(c.origins, c.field, 'resources.memoryRequestMebibytes')] as [string, string],
        cpu: c.resources.cpuRequestMillicores !== undefined ? cpuUnits(c.resources.cpuRequestMillicores) : undefined,
        memory: ceil(c.resources.memoryLimitMebibytes),
        reservation: ceil(c.resources.memoryRequestMebibytes),
      })),
      ...(writer ? [{ name: WRITER, path: target, fields: [`${WRITER} memory`, `${WRITER} memoryReservation`] as [string, string], memory: writer.memoryMiB }] : []),
    ];
    for (const s of shares) {
      for (const [field, v] of [[s.fields[0], s.memory], [s.fields[1], s.reservation]] as const) {
        if (v !== undefined && !Token.isUnresolved(v) && v < MIN_CONTAINER_MEMORY) {
          throw Errors.unsupportedOnPlatform(s.path, field, v, PLATFORM,
            `ECS gives a container at least ${MIN_CONTAINER_MEMORY} MiB (memory and memoryReservation)`, `Use at least ${MIN_CONTAINER_MEMORY} MiB`);
        }
      }
    }
    const known = (limit: string | undefined) => limit !== undefined && !Token.isUnresolved(limit);
    const check = (field: string, limit: number, parts: Array<[string, number]>, unit: string, at = target) => {
      const total = parts.reduce((a, [, v]) => a + v, 0);
      if (total > limit) {
        throw Errors.resourcesExceedTask(at, field, total, limit, unit, parts.map(([n, v]) => `${n} ${v}`).join(', '));
      }
    };
    if (known(cfn.cpu)) {
      check('cpu', Number(cfn.cpu), shares.map((s): [string, number] => [s.name, s.cpu ?? 0]), 'CPU units');
    }
    if (known(cfn.memory)) {
      const memory = Number(cfn.memory);
      check('memory', memory, shares.map((s): [string, number] => [s.name, s.reservation ?? s.memory ?? 0]), 'MiB');
      for (const s of shares) {
        const most = Math.max(s.memory ?? 0, s.reservation ?? 0);
        // One container larger than the whole task: named as its own field (a sidecar's prop, e.g. Fluent Bit's memBufLimitMebibytes).
        const own = s.reservation !== undefined && s.reservation >= (s.memory ?? 0) ? s.fields[1] : s.fields[0];
        if (most > memory) { check(s.path === target ? `memory of container ${JSON.stringify(s.name)}` : own, memory, [[s.name, most]], 'MiB', s.path); }
      }
    }
  }
}

/**
 * The sidecars' declared ephemeral storage (resources.ephemeralStorage*Mebibytes, not rendered per
 * container on ECS) must fit in the Fargate task's storage (`storage`, the task definition's
 * resolved ephemeralStorage): ephemeralStorageGiB, 20 GiB when the task does not set it
 * (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-storage.html). A sum above it
 * is an error naming the sidecar that passes it; the app containers' use is unknown.
 */
function checkEphemeralStorage(storage: { sizeInGiB?: unknown } | undefined, sidecars: ResolvedContainer[]): void {
  const sizeGiB = storage?.sizeInGiB ?? 20;
  if (typeof sizeGiB !== 'number') { return; }
  let total = 0;
  for (const c of sidecars) {
    const declared = c.resources.ephemeralStorageLimitMebibytes ?? c.resources.ephemeralStorageRequestMebibytes;
    if (declared === undefined) { continue; }
    total += declared;
    if (total > sizeGiB * 1024) {
      const key = c.resources.ephemeralStorageLimitMebibytes !== undefined ? 'ephemeralStorageLimitMebibytes' : 'ephemeralStorageRequestMebibytes';
      throw Errors.invalidResources(c.owner.path, userField(c.origins, c.field, `resources.${key}`), declared,
        `brings the sidecars' ephemeral storage to ${total} MiB, more than the task's ${sizeGiB} GiB (${sizeGiB * 1024} MiB) of Fargate task storage`
        + `${storage?.sizeInGiB === undefined ? ' (the default: the task sets no ephemeralStorageGiB)' : ''}`,
        'Raise the task definition\'s ephemeralStorageGiB (21 to 200), or lower the sidecars\' ephemeral storage');
    }
  }
}

/**
 * The reference the runtime contract checks for an image given as an ecs.ContainerImage: the
 * name of a registry image (aws-cdk-lib RepositoryImage keeps it as `imageName`), or a name no
 * image fact matches when it is known only at deployment (ECR, asset: a token).
 */
function contractImage(image: ecs.ContainerImage): string {
  const name = (image as { imageName?: unknown }).imageName;
  return typeof name === 'string' && !stringHasToken(name) ? name : UNKNOWN_IMAGE;
}

function mountPoint(m: ResolvedMount): ecs.MountPoint {
  return { sourceVolume: m.volume, containerPath: m.path, readOnly: m.readOnly };
}

/** The app side of one container, read from its rendered definition. */
function readAppContainer(name: string, def: ecs.CfnTaskDefinition.ContainerDefinitionProperty): AppContainerModel {
  const env = new Map<string, string | undefined>();
  for (const e of (def.environment as any[] | undefined) ?? []) { env.set(String(e.name), typeof e.value === 'string' ? e.value : undefined); }
  for (const s of (def.secrets as any[] | undefined) ?? []) { env.set(String(s.name), undefined); }
  const { uid, gid } = parseUser(def.user);
  return {
    name,
    // A port only known at deployment (a CfnParameter, a Lazy: `{ Ref: ... }` once resolved) is
    // left out: the checks run on the literal ones, and renderInterception refuses it where the
    // proxy needs it (tokenPorts).
    ports: ((def.portMappings as any[] | undefined) ?? []).filter(p => typeof p.containerPort === 'number').map(p => ({
      port: p.containerPort as number,
      protocol: String(p.protocol ?? 'tcp').toUpperCase() === 'UDP' ? Protocol.UDP : Protocol.TCP,
    })),
    env,
    uid,
    gid,
    mountPaths: ((def.mountPoints as any[] | undefined) ?? []).map(m => String(m.containerPath)),
  };
}

/**
 * The FireLens router's arguments: its own, with the value of its config flag replaced by the
 * configuration FireLens generates (which includes ours), so that other arguments (such as
 * SidecarOverrides.extraArgs) are kept.
 */
function firelensArgs(args: string[], flag: string): string[] {
  const at = args.indexOf(flag);
  return at >= 0 && at + 1 < args.length
    ? [...args.slice(0, at + 1), FIRELENS_MAIN_CONFIG, ...args.slice(at + 2)]
    : [flag, FIRELENS_MAIN_CONFIG, ...args];
}
