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
import { PLATFORM, condition, cpuUnits, renderContainer, renderEnv } from './render';
import { fargateRuntime } from './runtime';
import { SecretSource } from './secrets';
import { AppContainerModel, ComposedPod, composePod } from '../core/composition';
import { Protocol, StartupRole, WaitCondition } from '../core/container';
import { checkRuntimeContract } from '../core/contract';
import { ISidecar, LogRouterType, WorkloadIdentity } from '../core/contribution';
import { Errors } from '../core/errors';
import { ResolvedContainer, ResolvedMount, ResolvedVolume } from '../core/resolve';
import { VolumeKind } from '../core/volume';

/** Where FireLens writes the log router's generated main configuration (Fluent Bit). */
const FIRELENS_MAIN_CONFIG = '/fluent-bit/etc/fluent-bit.conf';

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
   * AES-256 on platform version 1.4.0 and later). A warning says so for each volume.
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
}

const BUSYBOX = 'public.ecr.aws/docker/library/busybox:1.37';
const AWS_CLI = 'public.ecr.aws/aws-cli/aws-cli:2.27.50';
const WRITER = 'cdk-sidecars-config';
const CONFIG_ROOT = '/cdk-sidecars';
const MAX_INLINE_BYTES = 32 * 1024;
const EGRESS_IGNORED = ['169.254.170.2', '169.254.169.254'];

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
      if (options !== undefined && options !== existing.options) {
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
  private readonly withHealthCheck = new Set<string>();
  private rendered = false;

  private constructor(taskDefinition: ecs.TaskDefinition, options: TaskSidecarsOptions) {
    super(taskDefinition, 'CdkSidecars');
    this.taskDefinition = taskDefinition;
    this.options = options;
    attachments.set(taskDefinition, this);
    // Sidecars log with awslogs and take secrets, which need the execution role. Made
    // now: creating an IAM role inside an aspect adds an aspect, which makes aws-cdk-lib
    // restart its aspect pass, and an app with more than 100 task definitions would
    // then hit its loop limit.
    if (!options.logging || options.secrets || options.configDelivery === ConfigFileDelivery.SSM_PARAMETERS) {
      taskDefinition.obtainExecutionRole();
    }
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

  /** The attached sidecars, in attachment order. */
  public get sidecars(): ISidecar[] {
    return [...this.attached];
  }

  /** Attaches sidecars (a sidecar already attached is skipped). */
  public add(...sidecars: ISidecar[]): TaskSidecars {
    for (const s of sidecars) {
      if (!this.attached.includes(s)) { this.attached.push(s); }
    }
    return this;
  }

  private warn(at: string, message: string): void {
    Annotations.of(this.taskDefinition).addWarningV2(`cdk-sidecars:${at}`, `${at}: ${message}`);
  }

  private render(): void {
    if (this.attached.length === 0) { return; }
    const td = this.taskDefinition;
    const tdPath = td.node.path;
    const warn = (at: string, message: string) => this.warn(at, message);
    if (td.networkMode !== ecs.NetworkMode.AWS_VPC) {
      throw Errors.unsupportedOnPlatform(tdPath, 'networkMode', td.networkMode, PLATFORM,
        'sidecars talk to the app on localhost, which containers share only in awsvpc mode', 'Use a FargateTaskDefinition or NetworkMode.AWS_VPC');
    }
    const fargate = td.isFargateCompatible;
    const allContainers = td.node.children.filter((c): c is ecs.ContainerDefinition => c instanceof ecs.ContainerDefinition);
    const names = allContainers.map(c => c.containerName);
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
    const app = {
      containers: appContainers.map(c => readAppContainer(c.containerName, rendered.get(c)!)),
      initContainers: [],
      volumes: appVolumes,
    };
    const pod = composePod(tdPath, app, this.attached, WorkloadIdentity.AWS_IAM_ROLE);
    checkRuntimeContract(pod, fargateRuntime(appContainers.map(c => ({ name: c.containerName, def: rendered.get(c)! })), new Set()));
    for (const [key, { owner, value }] of pod.annotations) {
      throw Errors.unsupportedOnPlatform(owner.path, `pod.annotations[${JSON.stringify(key)}]`, value, PLATFORM,
        'ECS tasks have no pod annotations', 'Use this sidecar in a mode that needs no Kubernetes annotation on ECS');
    }
    // Before any container is added (aws-cdk-lib checks the CPU sum as they are added).
    this.checkTaskSize(cfn, appContainers, rendered, pod.containers);

    // Volumes.
    const configVolumes: ResolvedVolume[] = [];
    for (const { volume, owners } of pod.volumes) {
      const owner = owners[0].path;
      switch (volume.kind) {
        case VolumeKind.MEMORY:
          if (fargate && (this.options.memoryVolumes ?? MemoryVolumeHandling.REJECT) === MemoryVolumeHandling.REJECT) {
            throw Errors.unsupportedOnPlatform(owner, 'volumes', volume.name, PLATFORM, 'Fargate has no memory-backed (tmpfs) volumes',
              'Set memoryVolumes: MemoryVolumeHandling.TASK_STORAGE to use encrypted task storage instead, or keep the data out of files');
          }
          if (fargate) { warn(owner, `volume ${JSON.stringify(volume.name)} is on task storage (encrypted at rest), not in memory: Fargate has no tmpfs volumes`); }
          td.addVolume({ name: volume.name });
          break;
        case VolumeKind.SECRET:
          throw Errors.unsupportedOnPlatform(owner, 'volumes', volume.name, PLATFORM, 'ECS cannot mount a secret as files',
            'Give the secret as environment (secretEnv), which ECS fills from Secrets Manager or SSM through `secrets`');
        case VolumeKind.CONFIG_FILES:
          if (volume.sensitive) {
            throw Errors.unsupportedOnPlatform(owner, 'configFiles (sensitive)', volume.name, PLATFORM,
              'ECS would carry the content in clear in the task definition, SSM String parameters or S3',
              'Keep the secret in Secrets Manager and give it as environment (secretEnv)');
          }
          configVolumes.push(volume);
          td.addVolume({ name: volume.name });
          break;
        default:
          td.addVolume({ name: volume.name });
      }
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
      const options = renderContainer(c, {
        scope: this,
        fargate,
        secrets: this.options.secrets ?? {},
        target: tdPath,
        healthRequired: gated.has(c.name),
        logging: logging(c.name),
        warn,
      });
      if (options.healthCheck) { this.withHealthCheck.add(c.name); }
      const router = pod.logRouter?.spec.container === c.name ? pod.logRouter.spec : undefined;
      const def = router
        // The pod's log router becomes the task's FireLens router; our config file is included.
        ? td.addFirelensLogRouter(`Sidecar-${c.name}`, {
          ...options,
          // FireLens generates the router's main configuration and includes ours: the
          // router runs that one.
          command: router.configFlag ? [router.configFlag, FIRELENS_MAIN_CONFIG] : undefined,
          firelensConfig: {
            type: router.type === LogRouterType.FLUENTD ? ecs.FirelensLogRouterType.FLUENTD : ecs.FirelensLogRouterType.FLUENTBIT,
            options: {
              enableECSLogMetadata: router.enableMetadata,
              ...(router.configFile ? { configFileType: ecs.FirelensConfigFileType.FILE, configFileValue: router.configFile } : {}),
            },
          },
        })
        : td.addContainer(`Sidecar-${c.name}`, options);
      def.addMountPoints(...c.volumeMounts.map(mountPoint));
      this.ours.add(def);
      defs.set(c.name, def);
    }
    for (const c of pod.containers) {
      defs.get(c.name)!.addContainerDependencies(...c.dependsOn.map(d => ({ container: defs.get(d.container)!, condition: condition(d.condition) })));
    }
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

    if (configVolumes.length) { this.deliverConfig(pod, configVolumes, defs, appContainers, logging(WRITER)); }
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
    this.renderInterception(pod, cfn, defs);
  }

  private defaultLogging(): (container: string) => ecs.LogDriver {
    let group: logs.LogGroup | undefined;
    return container => {
      group = group ?? new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
      return ecs.LogDrivers.awsLogs({ logGroup: group, streamPrefix: container });
    };
  }

  /** Config files: a non-essential init container writes them into task volumes. */
  private deliverConfig(pod: ComposedPod, volumes: ResolvedVolume[], defs: Map<string, ecs.ContainerDefinition>,
    appContainers: ecs.ContainerDefinition[], logging: ecs.LogDriver): void {
    const td = this.taskDefinition;
    const delivery = this.options.configDelivery ?? ConfigFileDelivery.INIT_CONTAINER;
    const environment: { [name: string]: string } = {};
    const secrets: { [name: string]: ecs.Secret } = {};
    const steps: string[] = ['set -eu'];
    let inlineBytes = 0;
    let n = 0;
    for (const v of volumes) {
      for (const f of v.files) {
        const variable = `CDK_SIDECARS_FILE_${n}`;
        const target = `${CONFIG_ROOT}/${v.name}/${f.name}`;
        const bytes = Buffer.byteLength(f.content, 'utf-8');
        const owner = pod.volumes.find(x => x.volume.name === v.name)!.owners[0].path;
        switch (delivery) {
          case ConfigFileDelivery.INIT_CONTAINER:
            inlineBytes += bytes;
            environment[variable] = Buffer.from(f.content, 'utf-8').toString('base64');
            steps.push(`printf '%s' "$${variable}" | base64 -d > '${target}'`);
            break;
          case ConfigFileDelivery.SSM_PARAMETERS: {
            if (bytes > 8192) {
              throw Errors.unsupportedOnPlatform(owner, `config file ${v.name}/${f.name}`, `${bytes} bytes`, PLATFORM,
                'an SSM parameter holds at most 8 KiB', 'Use configDelivery: ConfigFileDelivery.S3');
            }
            const parameter = new ssm.StringParameter(this, `Config${n}`, {
              stringValue: f.content,
              tier: bytes > 4096 ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
              description: `cdk-sidecars: ${v.name}/${f.name} for ${td.node.path}`,
            });
            secrets[variable] = ecs.Secret.fromSsmParameter(parameter);
            steps.push(`printf '%s' "$${variable}" > '${target}'`);
            break;
          }
          case ConfigFileDelivery.S3: {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-config-'));
            const file = path.join(dir, f.name);
            fs.writeFileSync(file, f.content);
            const asset = new s3assets.Asset(this, `Config${n}`, { path: file });
            asset.grantRead(td.taskRole);
            environment[`${variable}_URL`] = asset.s3ObjectUrl;
            steps.push(`aws s3 cp --only-show-errors "$${variable}_URL" '${target}'`);
            break;
          }
        }
        steps.push(`chmod ${(f.mode ?? 0o444).toString(8).padStart(4, '0')} '${target}'`);
        n++;
      }
    }
    if (inlineBytes > MAX_INLINE_BYTES) {
      throw Errors.unsupportedOnPlatform(pod.targetPath, 'config files', `${inlineBytes} bytes`, PLATFORM,
        `more than ${MAX_INLINE_BYTES / 1024} KiB would be carried in the task definition (limit 64 KiB in all)`,
        'Use configDelivery: ConfigFileDelivery.SSM_PARAMETERS or ConfigFileDelivery.S3');
    }
    const s3 = delivery === ConfigFileDelivery.S3;
    if (s3 && pod.trafficInterception) {
      throw Errors.unsupportedOnPlatform(pod.trafficInterception.owner.path, 'configDelivery', delivery, PLATFORM,
        'the S3 config writer needs the network before the proxy runs, but the task\'s traffic is redirected to the proxy from the start',
        'Use ConfigFileDelivery.INIT_CONTAINER or ConfigFileDelivery.SSM_PARAMETERS (fetched by the ECS agent, not the container)');
    }
    const linuxParameters = new ecs.LinuxParameters(this, 'writer-linux', {});
    linuxParameters.dropCapabilities(ecs.Capability.ALL);
    if (s3) { td.addVolume({ name: `${WRITER}-home` }); }
    const writer = td.addContainer('Sidecar-config-writer', {
      containerName: WRITER,
      image: ecs.ContainerImage.fromRegistry(this.options.configWriterImage ?? (s3 ? AWS_CLI : BUSYBOX)),
      entryPoint: ['sh', '-c'],
      command: [steps.join('\n')],
      environment: s3 ? { ...environment, HOME: '/home/writer' } : environment,
      secrets: Object.keys(secrets).length ? secrets : undefined,
      // Root, but with every capability dropped: it writes into task volumes, which
      // Fargate creates owned by root. It exits before any other container mounts them.
      user: '0:0',
      readonlyRootFilesystem: true,
      privileged: false,
      linuxParameters,
      essential: false,
      memoryLimitMiB: s3 ? 256 : 32,
      logging,
    });
    writer.addMountPoints(...volumes.map(v => ({ sourceVolume: v.name, containerPath: `${CONFIG_ROOT}/${v.name}`, readOnly: false })));
    if (s3) { writer.addMountPoints({ sourceVolume: `${WRITER}-home`, containerPath: '/home/writer', readOnly: false }); }
    this.ours.add(writer);
    const names = new Set(volumes.map(v => v.name));
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
    for (const c of pod.containers) {
      if (c.name === proxyName || i.proxyWaitsFor.has(c.name) || c.dependsOn.some(d => d.container === proxyName)) { continue; }
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

  private renderInterception(pod: ComposedPod, cfn: ecs.CfnTaskDefinition, defs: Map<string, ecs.ContainerDefinition>): void {
    const i = pod.trafficInterception;
    if (!i) { return; }
    if (cfn.proxyConfiguration !== undefined) {
      throw Errors.alreadySet(i.owner.path, 'proxyConfiguration', 'set', `on ${this.taskDefinition.node.path}, and ${i.owner.path} intercepts the task's traffic`);
    }
    for (const key of ['includeOutboundPorts', 'includeOutboundCidrs'] as const) {
      if (i.spec[key] !== undefined) {
        throw Errors.unsupportedOnPlatform(i.owner.path, `pod.trafficInterception.${key}`, i.spec[key], PLATFORM,
          'the task proxyConfiguration captures all egress except EgressIgnoredIPs and EgressIgnoredPorts', 'List what to leave out instead (excludeOutboundPorts, excludeOutboundCidrs)');
      }
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

  /** The containers must fit in the task's CPU and memory (when those are known numbers). */
  private checkTaskSize(cfn: ecs.CfnTaskDefinition, appContainers: ecs.ContainerDefinition[],
    rendered: Map<ecs.ContainerDefinition, ecs.CfnTaskDefinition.ContainerDefinitionProperty>, sidecars: ResolvedContainer[]): void {
    const target = this.taskDefinition.node.path;
    const check = (field: string, limit: string | undefined, parts: Array<[string, number]>, unit: string) => {
      if (limit === undefined || Token.isUnresolved(limit)) { return; }
      const total = parts.reduce((a, [, v]) => a + v, 0);
      if (total > Number(limit)) {
        throw Errors.resourcesExceedTask(target, field, total, Number(limit), unit, parts.map(([n, v]) => `${n} ${v}`).join(', '));
      }
    };
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    const long = sidecars.filter(c => c.role === StartupRole.SIDECAR);
    check('cpu', cfn.cpu, [
      ...appContainers.map((c): [string, number] => [c.containerName, num(rendered.get(c)!.cpu)]),
      ...long.map((c): [string, number] => [c.name, c.resources.cpuRequestMillicores !== undefined ? cpuUnits(c.resources.cpuRequestMillicores) : 0]),
    ], 'CPU units');
    check('memory', cfn.memory, [
      ...appContainers.map((c): [string, number] => [c.containerName, num(rendered.get(c)!.memory) || num(rendered.get(c)!.memoryReservation)]),
      ...long.map((c): [string, number] => [c.name, Math.ceil(c.resources.memoryLimitMebibytes ?? c.resources.memoryRequestMebibytes ?? 0)]),
    ], 'MiB');
  }
}

function mountPoint(m: ResolvedMount): ecs.MountPoint {
  return { sourceVolume: m.volume, containerPath: m.path, readOnly: m.readOnly };
}

/** The app side of one container, read from its rendered definition. */
function readAppContainer(name: string, def: ecs.CfnTaskDefinition.ContainerDefinitionProperty): AppContainerModel {
  const env = new Map<string, string | undefined>();
  for (const e of (def.environment as any[] | undefined) ?? []) { env.set(String(e.name), typeof e.value === 'string' ? e.value : undefined); }
  for (const s of (def.secrets as any[] | undefined) ?? []) { env.set(String(s.name), undefined); }
  const user = typeof def.user === 'string' ? /^(\d+)(:\d+)?$/.exec(def.user) : null;
  return {
    name,
    ports: ((def.portMappings as any[] | undefined) ?? []).map(p => ({
      port: Number(p.containerPort),
      protocol: String(p.protocol ?? 'tcp').toUpperCase() === 'UDP' ? Protocol.UDP : Protocol.TCP,
    })),
    env,
    uid: user ? Number(user[1]) : undefined,
    gid: user?.[2] ? Number(user[2].slice(1)) : undefined,
    mountPaths: ((def.mountPoints as any[] | undefined) ?? []).map(m => String(m.containerPath)),
  };
}
