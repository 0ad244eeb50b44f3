import { Construct } from 'constructs';
import { declareDeterministic } from '../core/composition';
import {
  AppArmorProfileType, ContainerDependency, ContainerPortSpec, ContainerSecurity, ContainerSpec, EnvVarSpec, FieldOrigin, PortExposure, Protocol,
  ResourceRequirements,
  SeccompProfile, SecretKeyReference, StartupRole, WaitCondition,
} from '../core/container';
import { CompositionContext, ISidecar, SidecarContribution } from '../core/contribution';
import { Errors, KUBELET_DOT_DOT } from '../core/errors';
import { DNS_LABEL, FILE_NAME, defaultUid, pathProblem } from '../core/names';
import { BuiltInSidecarProps, applyOverrides, checkOverrideTypes } from '../core/overrides';
import { Probe, checkProbe } from '../core/probe';
import { PropTypes, RESOURCE_TYPES, SECRET_REF_MAP, VOLUME_TYPES, checkPropTypes, checkSecretRef, rememberProps } from '../core/prop-types';
import { resolveContribution, withDefaultResources } from '../core/resolve';
import { HostPathType, VolumeKind, VolumeMountSpec, VolumeSpec } from '../core/volume';

/**
 * A file whose content is given inline and delivered to the sidecar: a ConfigMap
 * (or Secret, when sensitive) on Kubernetes, a config volume on ECS and ACI.
 */
export interface SidecarConfigFile {
  /** Absolute path of the file inside the sidecar, e.g. `/etc/fluent-bit/fluent-bit.yaml`. */
  readonly path: string;
  /** Content of the file. */
  readonly content: string;
  /**
   * File mode.
   * @default 0o444 (the platform writes the files as root: only the containers that mount them can read them)
   */
  readonly mode?: number;
  /**
   * The content is secret (a Kubernetes Secret instead of a ConfigMap).
   * All files of one directory must agree.
   * @default false
   */
  readonly sensitive?: boolean;
}

/**
 * A volume of a generic sidecar: scratch space on disk, in memory, a secret, or (Kubernetes
 * only) a claim, a CSI volume, a generic ephemeral volume or a directory of the node.
 * Config files have their own prop (`configFiles`).
 */
export interface SidecarVolume {
  /** Volume name, unique in the pod (DNS label). Two sidecars share a volume by declaring it identically. */
  readonly name: string;
  /**
   * What the volume holds: SCRATCH, MEMORY, SECRET, PERSISTENT_CLAIM, CSI, EPHEMERAL_CLAIM or HOST_PATH.
   * @default VolumeKind.SCRATCH
   */
  readonly kind?: VolumeKind;
  /** Where the sidecar sees the volume. */
  readonly mountPath: string;
  /**
   * Mount read-only in the sidecar.
   * @default false (true for SECRET and HOST_PATH volumes and Secrets Store CSI volumes)
   */
  readonly readOnly?: boolean;
  /**
   * Size limit of SCRATCH and MEMORY volumes, in MiB.
   * @default - no limit
   */
  readonly sizeLimitMebibytes?: number;
  /**
   * Secret whose keys become files (SECRET volumes; on Kubernetes an existing Secret).
   * @default - none
   */
  readonly secretName?: string;
  /**
   * Name of the existing PersistentVolumeClaim of a PERSISTENT_CLAIM volume (Kubernetes only).
   * @default - none (required for PERSISTENT_CLAIM)
   */
  readonly claimName?: string;
  /**
   * CSI driver of a CSI volume (Kubernetes only), e.g. `secrets-store.csi.k8s.io`.
   * @default - none (required for CSI)
   */
  readonly csiDriver?: string;
  /**
   * Driver-specific attributes of a CSI volume (Kubernetes `volumeAttributes`).
   * @default - none
   */
  readonly csiAttributes?: { [key: string]: string };
  /**
   * File system type of a CSI volume, e.g. `ext4`.
   * @default - the driver's default
   */
  readonly fsType?: string;
  /**
   * Size of an EPHEMERAL_CLAIM volume's claim, in MiB (Kubernetes only).
   * @default - none (required for EPHEMERAL_CLAIM)
   */
  readonly claimSizeMebibytes?: number;
  /**
   * Storage class of an EPHEMERAL_CLAIM volume's claim.
   * @default - the cluster's default storage class
   */
  readonly storageClassName?: string;
  /**
   * Path on the node of a HOST_PATH volume (Kubernetes only).
   * @default - none (required for HOST_PATH)
   */
  readonly hostPath?: string;
  /**
   * What the kubelet checks at `hostPath` before mounting it.
   * @default - no check
   */
  readonly hostPathType?: HostPathType;
  /**
   * Opt in to a HOST_PATH volume (Pod Security baseline and restricted forbid hostPath volumes).
   * @default false
   */
  readonly allowHostPath?: boolean;
  /**
   * Also mount the volume into the app containers at this path (e.g. a shared log directory).
   * @default - not mounted into the app
   */
  readonly appMountPath?: string;
  /**
   * Mount read-only in the app containers.
   * @default false (true for SECRET and HOST_PATH volumes and Secrets Store CSI volumes, which are read-only)
   */
  readonly appReadOnly?: boolean;
}

/**
 * Transparent interception of the app's TCP traffic through this sidecar, which must
 * then be a proxy listening on both ports.
 */
export interface InterceptTrafficOptions {
  /** Port where the sidecar takes redirected inbound traffic (declare it in `ports`). */
  readonly inboundPort: number;
  /** Port where the sidecar takes redirected outbound traffic (declare it in `ports`). */
  readonly outboundPort: number;
  /**
   * Inbound ports to capture.
   * @default - every TCP port of the app containers
   */
  readonly appPorts?: number[];
  /**
   * Inbound ports never captured.
   * @default - none
   */
  readonly excludeInboundPorts?: number[];
  /**
   * Outbound destination ports never captured.
   * @default - none
   */
  readonly excludeOutboundPorts?: number[];
  /**
   * Outbound destinations (IP addresses or CIDRs) never captured.
   * @default - none (the platform's metadata endpoints are always excluded)
   */
  readonly excludeOutboundCidrs?: string[];
  /**
   * Network interfaces whose traffic is never captured (Kubernetes only).
   * @default - none
   */
  readonly excludeInterfaces?: string[];
  /**
   * Network interfaces whose inbound TCP traffic is captured as outbound traffic, e.g. a
   * KubeVirt virtual machine's bridge (Kubernetes only).
   * @default - none
   */
  readonly rerouteVirtualInterfaces?: string[];
}

/**
 * Props of a generic sidecar.
 */
export interface SidecarProps extends BuiltInSidecarProps {
  /**
   * Container name, unique in the pod (DNS label).
   * @default - the construct id
   */
  readonly name?: string;
  /** Image reference, e.g. `fluent/fluent-bit:4.0.3` or pinned with `@sha256:<digest>`. */
  readonly image: string;
  /**
   * Startup role: a long-running sidecar, or an init step that runs to completion before the app.
   * @default StartupRole.SIDECAR
   */
  readonly role?: StartupRole;
  /**
   * What the app waits for before it starts.
   * @default - COMPLETED for init steps; HEALTHY for sidecars with a startupProbe, else STARTED
   */
  readonly appWaitsFor?: WaitCondition;
  /**
   * Entrypoint.
   * @default - the image's
   */
  readonly command?: string[];
  /**
   * Arguments.
   * @default - the image's
   */
  readonly args?: string[];
  /**
   * Working directory.
   * @default - the image's
   */
  readonly workingDir?: string;
  /**
   * Environment variables of the sidecar.
   * @default - none
   */
  readonly env?: { [name: string]: string };
  /**
   * Environment variables of the sidecar taken from secrets (given to this container only).
   * @default - none
   */
  readonly secretEnv?: { [name: string]: SecretKeyReference };
  /**
   * Ports the sidecar listens on.
   * @default - none
   */
  readonly ports?: ContainerPortSpec[];
  /**
   * Startup probe; the app then waits until it passes.
   * @default - none
   */
  readonly startupProbe?: Probe;
  /**
   * Readiness probe.
   * @default - none
   */
  readonly readinessProbe?: Probe;
  /**
   * Liveness probe.
   * @default - none
   */
  readonly livenessProbe?: Probe;
  /**
   * One-shot health command for platforms that check health inside the container (ECS).
   * @default - derived from an exec probe, if any
   */
  readonly healthCommand?: string[];
  /**
   * Command that blocks until the sidecar is healthy (Kubernetes classic mode postStart hook).
   * @default - none
   */
  readonly waitCommand?: string[];
  /**
   * CPU and memory. Fields left out take the defaults.
   * @default - requests 50m CPU and 64 MiB, memory limit 128 MiB, no CPU limit
   */
  readonly resources?: ResourceRequirements;
  /**
   * Security settings; the defaults are non-root with a UID derived from the name,
   * read-only root filesystem, no privilege escalation, all capabilities dropped,
   * seccomp RuntimeDefault.
   * @default - the secure defaults
   */
  readonly security?: ContainerSecurity;
  /**
   * Scratch, memory and secret volumes.
   * @default - none
   */
  readonly volumes?: SidecarVolume[];
  /**
   * Files with inline content, mounted read-only at their paths. Files are grouped by
   * directory: each directory becomes one volume that replaces the directory's content.
   * @default - none
   */
  readonly configFiles?: SidecarConfigFile[];
  /**
   * Environment variables given to the app containers.
   * @default - none
   */
  readonly appEnv?: { [name: string]: string };
  /**
   * Names of the app containers that get `appEnv` and `appMountPath` mounts.
   * @default - every app container
   */
  readonly appContainers?: string[];
  /**
   * Containers of other sidecars in the pod that this one waits for.
   * @default - none
   */
  readonly dependsOn?: ContainerDependency[];
  /**
   * Command run when the sidecar is asked to stop, before SIGTERM.
   * @default - none
   */
  readonly drainCommand?: string[];
  /**
   * Seconds the sidecar needs to stop.
   * @default - the platform default
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * The pod's containers share one process namespace.
   * @default false
   */
  readonly shareProcessNamespace?: boolean;
  /**
   * The task or pod fails when this sidecar stops (ECS `essential`).
   * @default true for long-running sidecars, false for init steps
   */
  readonly essential?: boolean;
  /**
   * Send the app's TCP traffic through this sidecar (a proxy) without the app knowing.
   * @default - no interception
   */
  readonly interceptTraffic?: InterceptTrafficOptions;
}

const DEFAULT_RESOURCES: ResourceRequirements = {
  cpuRequestMillicores: 50,
  memoryRequestMebibytes: 64,
  memoryLimitMebibytes: 128,
};

/**
 * The runtime types of SidecarProps (checkPropTypes), made once: a literal in the constructor was
 * copied, nested tables and all, for every sidecar.
 */
const SIDECAR_PROP_TYPES: PropTypes = {
  name: 'string',
  image: 'string',
  role: { enum: StartupRole },
  appWaitsFor: { enum: WaitCondition },
  command: 'stringArray',
  args: 'stringArray',
  workingDir: 'string',
  env: 'stringMap',
  secretEnv: 'objectMap',
  ports: 'objectArray',
  startupProbe: 'object',
  readinessProbe: 'object',
  livenessProbe: 'object',
  healthCommand: 'stringArray',
  waitCommand: 'stringArray',
  resources: 'object',
  security: 'object',
  volumes: 'objectArray',
  configFiles: 'objectArray',
  appEnv: 'stringMap',
  appContainers: 'stringArray',
  dependsOn: 'objectArray',
  drainCommand: 'stringArray',
  terminationGracePeriodSeconds: 'count',
  shareProcessNamespace: 'boolean',
  essential: 'boolean',
  interceptTraffic: 'object',
};

const SECURITY_PROP_TYPES: PropTypes = {
  uid: 'number',
  gid: 'number',
  allowRootUser: 'boolean',
  readOnlyRootFilesystem: 'boolean',
  allowPrivilegeEscalation: 'boolean',
  addCapabilities: 'stringArray',
  seccompProfile: { enum: SeccompProfile },
  localhostSeccompProfile: 'object',
  appArmorProfile: { struct: { type: { enum: AppArmorProfileType }, localhostProfile: 'string' }, required: ['type'] },
};

const INTERCEPT_PROP_TYPES: PropTypes = {
  inboundPort: 'port',
  outboundPort: 'port',
  appPorts: 'portArray',
  excludeInboundPorts: 'portArray',
  excludeOutboundPorts: 'portArray',
  excludeOutboundCidrs: 'stringArray',
  excludeInterfaces: 'stringArray',
  rerouteVirtualInterfaces: 'stringArray',
};

/**
 * Nested fields, named as the user wrote them (issue 10, section 2): a wrong type here would
 * otherwise be reported under the model's names (volumeMounts[0].path), crash, or render
 * `readOnly: "false"`, which the platforms refuse.
 */
const SIDECAR_NESTED_TYPES: PropTypes = {
  ports: { each: { port: 'port', name: 'string', protocol: { enum: Protocol }, exposure: { enum: PortExposure }, metricsPath: 'string' }, required: ['port'] },
  resources: { struct: RESOURCE_TYPES },
  // A size limit of 0 passes here and is refused by the model (core/resolve.ts), as it always was.
  volumes: { each: { ...VOLUME_TYPES, sizeLimitMebibytes: 'count', appMountPath: 'string', appReadOnly: 'boolean' }, required: ['name', 'mountPath'] },
  configFiles: { each: { path: 'string', content: 'string', mode: 'count', sensitive: 'boolean' }, required: ['path', 'content'] },
  secretEnv: SECRET_REF_MAP,
  dependsOn: { each: { container: 'string', condition: { enum: WaitCondition } }, required: ['container', 'condition'] },
};

/**
 * A generic sidecar: any image, described once and rendered on Kubernetes, ECS
 * Fargate and Azure Container Instances by the platform binders.
 *
 * @example
 * const shipper = new Sidecar(chart, 'log-shipper', {
 *   image: 'fluent/fluent-bit:4.0.3',
 *   ports: [{ port: 2020 }],
 *   readinessProbe: Probe.exec({ command: ['/fluent-bit/bin/fluent-bit', '--version'] }),
 * });
 */
export class Sidecar extends Construct implements ISidecar {
  /** Name of the sidecar's container. */
  public readonly name: string;
  /** Image of the sidecar. */
  public readonly image: string;
  /** UID the sidecar runs as. */
  public readonly uid: number;
  /** Startup role. */
  public readonly role: StartupRole;

  private readonly contribution: SidecarContribution;

  constructor(scope: Construct, id: string, props: SidecarProps) {
    super(scope, id);
    rememberProps(this, props);
    const path = this.node.path;
    checkOverrideTypes(path, props);
    checkPropTypes(path, props, SIDECAR_PROP_TYPES, ['image']);
    if (props.security !== undefined) {
      // allowRootUser: 'false' would be truthy and render runAsUser 0 (issue 10, section 2).
      checkPropTypes(path, props.security, SECURITY_PROP_TYPES, [], 'security.');
    }
    if (props.interceptTraffic !== undefined) {
      checkPropTypes(path, props.interceptTraffic, INTERCEPT_PROP_TYPES, ['inboundPort', 'outboundPort'], 'interceptTraffic.');
    }
    checkPropTypes(path, props, SIDECAR_NESTED_TYPES);
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) { checkProbe(path, probe, props[probe]); }
    for (const [name, ref] of Object.entries(props.secretEnv ?? {})) { checkSecretRef(path, `secretEnv.${name}`, ref); }
    (props.volumes ?? []).forEach((v, i) => {
      for (const field of ['mountPath', 'appMountPath'] as const) {
        const problem = v[field] === undefined ? undefined : pathProblem(v[field]!);
        if (problem) { throw Errors.invalidPath(path, `volumes[${i}].${field}`, v[field], problem); }
      }
    });
    this.name = props.name ?? id;
    if (typeof this.name !== 'string' || !DNS_LABEL.test(this.name)) {
      throw Errors.invalidName(path, props.name === undefined ? 'name (taken from the construct id)' : 'name', this.name, 'a DNS label of at most 63 characters');
    }
    this.image = props.image;
    this.role = props.role ?? StartupRole.SIDECAR;
    this.uid = props.security?.uid ?? defaultUid(this.name);

    const volumes: VolumeSpec[] = [];
    const mounts: VolumeMountSpec[] = [];
    const appMounts: VolumeMountSpec[] = [];
    // Errors about the model's fields name the props written here (e.g. volumes[0].mountPath, not volumeMounts[0].path).
    const origins: FieldOrigin[] = [];
    const contributionOrigins: FieldOrigin[] = [];
    for (const v of props.volumes ?? []) {
      if (v.kind === VolumeKind.CONFIG_FILES) {
        throw Errors.invalidVolume(path, `volumes[${volumes.length}].kind`, v.kind, 'is not a kind for the volumes prop', 'Give generated files in the configFiles prop');
      }
      volumes.push({
        name: v.name,
        kind: v.kind ?? VolumeKind.SCRATCH,
        sizeLimitMebibytes: v.sizeLimitMebibytes,
        secretName: v.secretName,
        claimName: v.claimName,
        csiDriver: v.csiDriver,
        csiAttributes: v.csiAttributes,
        fsType: v.fsType,
        claimSizeMebibytes: v.claimSizeMebibytes,
        storageClassName: v.storageClassName,
        hostPath: v.hostPath,
        hostPathType: v.hostPathType,
        allowHostPath: v.allowHostPath,
      });
      const at = `volumes[${volumes.length - 1}]`;
      origins.push({ field: `volumeMounts[${mounts.length}].path`, prop: `${at}.mountPath` }, { field: `volumeMounts[${mounts.length}].readOnly`, prop: `${at}.readOnly` });
      mounts.push({ volume: v.name, path: v.mountPath, readOnly: v.readOnly });
      if (v.appMountPath !== undefined) {
        contributionOrigins.push({ field: `appRequests.mounts[${appMounts.length}].path`, prop: `${at}.appMountPath` },
          { field: `appRequests.mounts[${appMounts.length}].readOnly`, prop: `${at}.appReadOnly` });
        appMounts.push({ volume: v.name, path: v.appMountPath, readOnly: v.appReadOnly });
      } else if (v.appReadOnly !== undefined) {
        throw Errors.invalidVolume(path, `volumes[${volumes.length - 1}].appReadOnly`, v.appReadOnly, 'is set without appMountPath', 'Set appMountPath too, or leave appReadOnly out');
      }
    }
    this.addConfigFiles(path, props.configFiles ?? [], volumes, mounts, contributionOrigins);
    if (props.interceptTraffic) {
      contributionOrigins.push({ field: 'pod.trafficInterception.appPorts', prop: 'interceptTraffic.appPorts' });
    }

    const env: EnvVarSpec[] = [
      ...Object.entries(props.env ?? {}).map(([name, value]) => ({ name, value })),
      ...Object.entries(props.secretEnv ?? {}).map(([name, secret]) => ({ name, secret })),
    ];
    env.forEach((e, i) => {
      const prop = `${e.secret ? 'secretEnv' : 'env'}.${e.name}`;
      origins.push({ field: `env[${i}].name`, prop }, { field: `env[${i}].value`, prop },
        { field: `env[${i}].secret.secretName`, prop: `${prop}.secretName` }, { field: `env[${i}].secret.key`, prop: `${prop}.key` });
    });
    origins.push({ field: 'shutdown.gracePeriodSeconds', prop: 'terminationGracePeriodSeconds' }, { field: 'shutdown.drainCommand', prop: 'drainCommand' },
      { field: 'healthCommand', prop: 'healthCommand' }, { field: 'appWaitsFor', prop: 'appWaitsFor' });
    const appEnv = Object.entries(props.appEnv ?? {}).map(([name, value]) => ({ name, value }));
    appEnv.forEach((e, i) => contributionOrigins.push(
      { field: `appRequests.env[${i}]`, prop: `appEnv.${e.name}` }, { field: `appRequests.env[${i}].name`, prop: `appEnv.${e.name}` },
      { field: `appRequests.env[${i}].value`, prop: `appEnv.${e.name}` }));
    const container: ContainerSpec = {
      name: this.name,
      image: props.image,
      role: this.role,
      appWaitsFor: props.appWaitsFor,
      command: props.command,
      args: props.args,
      workingDir: props.workingDir,
      env,
      ports: props.ports,
      security: { ...props.security, uid: this.uid },
      resources: withDefaultResources(path, DEFAULT_RESOURCES, props.resources),
      startupProbe: props.startupProbe,
      readinessProbe: props.readinessProbe,
      livenessProbe: props.livenessProbe,
      healthCommand: props.healthCommand,
      waitCommand: props.waitCommand,
      volumeMounts: mounts,
      dependsOn: props.dependsOn,
      shutdown: { drainCommand: props.drainCommand, gracePeriodSeconds: props.terminationGracePeriodSeconds },
      essential: props.essential,
      origins,
    };
    const gid = props.security?.gid ?? this.uid;
    this.contribution = {
      settableProps: ['appWaitsFor', 'healthCommand', 'drainCommand', 'terminationGracePeriodSeconds', 'resources', 'volumes', 'ports',
        'startupProbe', 'readinessProbe', 'livenessProbe'].map(p => `SidecarProps.${p}`),
      userWritten: true,
      containers: [container],
      volumes,
      origins: contributionOrigins,
      appRequests: {
        env: appEnv,
        mounts: appMounts,
        containers: props.appContainers,
      },
      pod: {
        shareProcessNamespace: props.shareProcessNamespace,
        trafficInterception: props.interceptTraffic
          ? { ...props.interceptTraffic, proxyContainer: this.name, proxyUid: this.uid, proxyGid: gid }
          : undefined,
      },
    };
    this.contribution = applyOverrides(path, this.contribution, props.overrides);
    // Field checks now, so that a bad prop fails where it was written.
    resolveContribution(path, this.contribution);
  }

  /**
   * Describes the sidecar. The generic sidecar does not depend on the pod.
   */
  public contribute(_context: CompositionContext): SidecarContribution {
    return this.contribution;
  }

  private addConfigFiles(path: string, files: SidecarConfigFile[], volumes: VolumeSpec[], mounts: VolumeMountSpec[], origins: FieldOrigin[]): void {
    const byDir = new Map<string, { sensitive: boolean; files: SidecarConfigFile[]; indexes: number[] }>();
    const seen = new Set<string>();
    files.forEach((f, i) => {
      const problem = typeof f.path === 'string' ? pathProblem(f.path) : 'is not a string';
      if (problem) { throw Errors.invalidPath(path, `configFiles[${i}].path`, f.path, problem); }
      if (seen.has(f.path)) { throw Errors.invalidConfigFile(path, `configFiles[${i}].path`, f.path, 'appears twice'); }
      seen.add(f.path);
      const slash = f.path.lastIndexOf('/');
      const dir = slash === 0 ? '/' : f.path.slice(0, slash);
      if (dir === '/') { throw Errors.invalidConfigFile(path, `configFiles[${i}].path`, f.path, 'is in the root directory, which a volume cannot replace'); }
      if (f.mode !== undefined && (!Number.isInteger(f.mode) || f.mode < 0 || f.mode > 0o777)) {
        throw Errors.invalidNumber(path, `configFiles[${i}].mode`, `0o${Number(f.mode).toString(8)}`, 'a file mode from 0o000 to 0o777');
      }
      // eslint-disable-next-line no-bitwise
      if (f.mode !== undefined && (f.mode & 0o444) === 0) {
        // A config file no one may read (the owner is root, other containers read it by group or others).
        throw Errors.invalidNumber(path, `configFiles[${i}].mode`, `0o${f.mode.toString(8).padStart(3, '0')}`,
          'a file mode that lets someone read the file (e.g. 0o444, or 0o440 for the pod\'s file group)');
      }
      const name = f.path.slice(slash + 1);
      if (!FILE_NAME.test(name)) { throw Errors.invalidConfigFile(path, `configFiles[${i}].path`, f.path, 'has a file name that is not letters, digits, \'-\', \'_\' and \'.\''); }
      if (name.startsWith('..')) { throw Errors.invalidConfigFile(path, `configFiles[${i}].path`, f.path, KUBELET_DOT_DOT); }
      const group = byDir.get(dir) ?? { sensitive: f.sensitive ?? false, files: [], indexes: [] };
      if (group.sensitive !== (f.sensitive ?? false)) {
        throw Errors.invalidConfigFile(path, `configFiles[${i}].sensitive`, f.sensitive ?? false, `differs from other files in ${dir}, which become one volume`);
      }
      group.files.push(f);
      group.indexes.push(i);
      byDir.set(dir, group);
    });
    let n = 0;
    for (const [dir, group] of byDir) {
      n++;
      const volumeName = configVolumeName(this.name, n);
      group.indexes.forEach((i, j) => origins.push(
        { field: `volumes[${volumes.length}].files[${j}].content`, prop: `configFiles[${i}].content` },
        { field: `volumes[${volumes.length}].files[${j}].name`, prop: `configFiles[${i}].path` },
        { field: `volumes[${volumes.length}].files[${j}].mode`, prop: `configFiles[${i}].mode` }));
      volumes.push({
        name: volumeName,
        kind: VolumeKind.CONFIG_FILES,
        sensitive: group.sensitive ? true : undefined,
        files: group.files.map(f => ({ name: f.path.slice(f.path.lastIndexOf('/') + 1), content: f.content, mode: f.mode })),
      });
      mounts.push({ volume: volumeName, path: dir, readOnly: true });
    }
  }
}

/** `<name>-config`, `<name>-config-2`, ... kept within 63 characters. */
function configVolumeName(name: string, n: number): string {
  const suffix = n === 1 ? '-config' : `-config-${n}`;
  return `${name.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
}

// Names context.targetPath only in errors: composed once per distinct pod (declareDeterministic).
declareDeterministic(Sidecar.prototype.contribute);
