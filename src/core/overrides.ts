/**
 * The shared escape hatch of every built-in sidecar (issue 13, items 4 and 6): `overrides`
 * changes the sidecar's main container before the model checks it, so every composition check
 * (ports, UIDs, volumes, capabilities, the runtime contract) applies to what it adds.
 */
import {
  AppArmorProfile, AppArmorProfileType, ContainerPatch, ContainerPortSpec, ContainerSpec, EnvVarSpec, FieldOrigin, ImagePullPolicy,
  PatchOperation, PodField, PortExposure, Protocol,
  SeccompProfile, StartupRole,
} from './container';
import { SidecarContribution } from './contribution';
import { Errors } from './errors';
import { Probe, ProbeKind, ProbeTiming } from './probe';
import { NestedType, PropTypes, VOLUME_TYPES, checkPropTypes, isPlainMap } from './prop-types';
import { LocalhostSeccompProfile } from './seccomp';
import { HostPathType, VolumeKind, VolumeMountSpec, VolumeSpec } from './volume';

/**
 * An extra volume of a built-in sidecar, mounted into its main container: scratch space on
 * disk, in memory, the keys of a secret as files, or (Kubernetes only) a claim, a CSI volume,
 * a generic ephemeral volume or a directory of the node.
 */
export interface OverrideVolume {
  /** Volume name, unique in the pod (DNS label). */
  readonly name: string;
  /**
   * What the volume holds: SCRATCH, MEMORY, SECRET, PERSISTENT_CLAIM, CSI, EPHEMERAL_CLAIM or
   * HOST_PATH (CONFIG_FILES is refused: generated files belong to the sidecar's own props).
   * @default VolumeKind.SCRATCH
   */
  readonly kind?: VolumeKind;
  /** Absolute path where the sidecar's container sees the volume. */
  readonly mountPath: string;
  /**
   * Mount read-only.
   * @default false (true for SECRET and HOST_PATH volumes and Secrets Store CSI volumes)
   */
  readonly readOnly?: boolean;
  /**
   * Size limit of SCRATCH and MEMORY volumes, in MiB.
   * @default - no limit
   */
  readonly sizeLimitMebibytes?: number;
  /**
   * Secret whose keys become files (SECRET volumes only; on Kubernetes an existing Secret, on
   * ACI a secure value given to the container group; ECS refuses secret files).
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
}

/**
 * A volume that the workload itself declares (a Kubernetes pod volume, an ECS task volume, an
 * ACI group volume), mounted into the sidecar's main container.
 */
export interface AppVolumeMount {
  /** Name of the workload's volume. A pod without a volume of this name is an error. */
  readonly volume: string;
  /** Absolute path where the sidecar's container sees the volume. */
  readonly mountPath: string;
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * Changes to a built-in sidecar's main (long-running) container, for what the sidecar has no
 * prop of its own. Applied before the library's checks, so a port, UID, volume or capability
 * added here is checked against the rest of the pod like the sidecar's own.
 */
export interface SidecarOverrides {
  /**
   * Extra environment variables (literal, from a secret, or from the pod). A variable the
   * sidecar sets itself is refused (naming both): the sidecar's own value is what its
   * generated configuration relies on; use the sidecar's prop for it.
   * @default - none
   */
  readonly env?: EnvVarSpec[];
  /**
   * Extra volumes of the sidecar, mounted into its main container.
   * @default - none
   */
  readonly volumes?: OverrideVolume[];
  /**
   * Volumes of the workload mounted into the sidecar's main container.
   * @default - none
   */
  readonly appVolumeMounts?: AppVolumeMount[];
  /**
   * Arguments appended to the sidecar's own. On ACI, which has only `command`, they are
   * appended to the command line.
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * Entrypoint that replaces the sidecar's (its arguments are kept). The runtime contract
   * checks the new binary where it knows the image.
   * @default - the sidecar's
   */
  readonly command?: string[];
  /**
   * Extra ports the main container listens on (checked against every other port of the pod).
   * @default - none
   */
  readonly ports?: ContainerPortSpec[];
  /**
   * Linux capabilities added to the main container (after dropping ALL; names without `CAP_`).
   * ECS Fargate refuses all but SYS_PTRACE. A non-root process gets them in its bounding set
   * only (kubernetes/kubernetes#56374).
   * @default - none
   */
  readonly addCapabilities?: string[];
  /**
   * Seccomp profile of the main container (UNCONFINED is refused on ECS Fargate).
   * @default - the sidecar's (RUNTIME_DEFAULT)
   */
  readonly seccompProfile?: SeccompProfile;
  /**
   * A seccomp profile installed on the nodes for the main container (Kubernetes
   * `seccompProfile.type: Localhost`), in place of the sidecar's `seccompProfile`; refused with
   * `seccompProfile`, and on ECS Fargate and ACI (no custom seccomp profiles there).
   * @default - the sidecar's (RUNTIME_DEFAULT)
   */
  readonly localhostSeccompProfile?: LocalhostSeccompProfile;
  /**
   * The AppArmor profile of the main container (Kubernetes: `securityContext.appArmorProfile` from
   * 1.30, the beta annotation for older targets; refused on ECS Fargate and ACI).
   * @default - not rendered: the node's default
   */
  readonly appArmorProfile?: AppArmorProfile;
  /**
   * Timing laid over the sidecar's startup probe (fields left out keep the sidecar's values).
   * A sidecar without a startup probe refuses it.
   * @default - the sidecar's timing
   */
  readonly startupProbe?: ProbeTiming;
  /**
   * Timing laid over the sidecar's readiness probe. A sidecar without one refuses it.
   * @default - the sidecar's timing
   */
  readonly readinessProbe?: ProbeTiming;
  /**
   * Timing laid over the sidecar's liveness probe. A sidecar without one refuses it.
   * @default - the sidecar's timing
   */
  readonly livenessProbe?: ProbeTiming;
  /**
   * Image pull policy (Kubernetes `imagePullPolicy`; ECS and ACI have no per-container
   * setting: a warning).
   * @default - the platform default
   */
  readonly imagePullPolicy?: ImagePullPolicy;
  /**
   * Seconds the main container needs to stop (Kubernetes: added to the pod's termination
   * grace period; ECS: stopTimeout, at most 120 on Fargate; ACI: a warning).
   * @default - the sidecar's
   */
  readonly gracePeriodSeconds?: number;
  /**
   * JSON patches on the main container as the Kubernetes binder renders it (a pod spec
   * container, camelCase). Ignored on ECS and ACI.
   * @default - none
   */
  readonly kubernetesPatches?: ContainerPatch[];
  /**
   * JSON patches on the main container as the ECS binder renders it (the CloudFormation
   * `ContainerDefinitions` entry, PascalCase, e.g. `/Ulimits`). Ignored on Kubernetes and ACI.
   * @default - none
   */
  readonly ecsPatches?: ContainerPatch[];
  /**
   * JSON patches on the main container's `properties` as the ACI binder renders them
   * (e.g. `/resources/requests/gpu`). Ignored on Kubernetes and ECS.
   * @default - none
   */
  readonly aciPatches?: ContainerPatch[];
}

/** Props every built-in sidecar takes. */
export interface BuiltInSidecarProps {
  /**
   * Changes to the sidecar's main container for what it has no prop of its own (the escape hatch).
   * @default - none
   */
  readonly overrides?: SidecarOverrides;
}

const TIMING: PropTypes = { initialDelaySeconds: 'count', periodSeconds: 'count', timeoutSeconds: 'count', failureThreshold: 'count', successThreshold: 'count' };
const PATCH: NestedType = { each: { op: { enum: PatchOperation }, path: 'string' }, required: ['op', 'path'] };

/** Runtime types of `overrides`, named as the user wrote them (`overrides.env[0].name`). */
const OVERRIDES_TYPES: PropTypes = {
  overrides: {
    struct: {
      env: {
        each: {
          name: 'string',
          value: 'string',
          podField: { enum: PodField },
          secret: { struct: { secretName: 'string', key: 'string' }, required: ['secretName', 'key'] },
        },
        required: ['name'],
      },
      volumes: { each: VOLUME_TYPES, required: ['name', 'mountPath'] },
      appVolumeMounts: { each: { volume: 'string', mountPath: 'string', readOnly: 'boolean' }, required: ['volume', 'mountPath'] },
      extraArgs: 'stringArray',
      command: 'stringArray',
      ports: { each: { port: 'port', name: 'string', protocol: { enum: Protocol }, exposure: { enum: PortExposure } }, required: ['port'] },
      addCapabilities: 'stringArray',
      seccompProfile: { enum: SeccompProfile },
      localhostSeccompProfile: 'object',
      appArmorProfile: { struct: { type: { enum: AppArmorProfileType }, localhostProfile: 'string' }, required: ['type'] },
      startupProbe: { struct: TIMING },
      readinessProbe: { struct: TIMING },
      livenessProbe: { struct: TIMING },
      imagePullPolicy: { enum: ImagePullPolicy },
      gracePeriodSeconds: 'count',
      kubernetesPatches: PATCH,
      ecsPatches: PATCH,
      aciPatches: PATCH,
    },
  },
};

/** Checks the runtime types of `props.overrides` (every built-in sidecar calls it with its props). */
export function checkOverrideTypes(path: string, props: unknown): void {
  if (isPlainMap(props)) { checkPropTypes(path, props, OVERRIDES_TYPES); }
}

/**
 * The contribution with the sidecar's main container changed by `overrides`. The main container
 * is `containerName`, else the first long-running one, else the first. Returns `contribution`
 * itself when there is nothing to change (so the model's cache of it keeps working).
 */
export function applyOverrides(path: string, contribution: SidecarContribution, overrides: SidecarOverrides | undefined,
  containerName?: string): SidecarContribution {
  if (overrides === undefined) { return contribution; }
  checkOverrideTypes(path, { overrides });
  const o = overrides;
  const containers = contribution.containers ?? [];
  const named = containerName === undefined ? -1 : containers.findIndex(c => c.name === containerName);
  const index = named >= 0 ? named : Math.max(0, containers.findIndex(c => c.role === StartupRole.SIDECAR));
  const main = containers[index];
  if (!main) { return contribution; }
  const many = containers.length > 1;
  const at = (field: string) => (many ? `containers[${index}](${main.name}).${field}` : field);
  const origins: FieldOrigin[] = [...(main.origins ?? [])];
  const contributionOrigins: FieldOrigin[] = [...(contribution.origins ?? [])];
  const change: { -readonly [K in keyof ContainerSpec]?: ContainerSpec[K] } = {};
  const warnings: string[] = [...(contribution.warnings ?? [])];

  if (o.env !== undefined) {
    const own = main.env ?? [];
    o.env.forEach((e, j) => {
      const k = own.findIndex(x => x.name === e.name);
      if (k >= 0) {
        const ownField = origins.find(x => x.field === `env[${k}].name` || x.field === `env[${k}].value`)?.prop ?? at(`env[${k}]`);
        throw Errors.overrideConflict(path, `overrides.env[${j}].name`, e.name, `the sidecar sets it itself (${ownField}) for its own configuration`,
          `Leave ${e.name} out of overrides.env${ownField.startsWith('env[') || ownField.startsWith('containers[') ? '' : `, and set ${ownField} instead`}`);
      }
      const i = own.length + j;
      for (const f of ['name', 'value', 'podField', 'secret.secretName', 'secret.key']) {
        origins.push({ field: `env[${i}].${f}`, prop: `overrides.env[${j}].${f}` });
      }
      origins.push({ field: `env[${i}] (${e.name})`, prop: `overrides.env[${j}] (${e.name})` });
    });
    change.env = [...own, ...o.env];
    origins.push({ field: 'env', prop: 'overrides.env' });
  }
  if (o.volumes !== undefined) {
    const volumes: VolumeSpec[] = [...(contribution.volumes ?? [])];
    const mounts: VolumeMountSpec[] = [...(change.volumeMounts ?? main.volumeMounts ?? [])];
    o.volumes.forEach((v, j) => {
      const p = `overrides.volumes[${j}]`;
      if (v.kind === VolumeKind.CONFIG_FILES) {
        throw Errors.invalidVolume(path, `${p}.kind`, v.kind, 'is not a kind for overrides.volumes', 'Use SCRATCH, MEMORY or SECRET; generated files come from the sidecar\'s own props');
      }
      const vi = volumes.length;
      const fields = ['name', 'kind', 'sizeLimitMebibytes', 'secretName', 'claimName', 'csiDriver', 'csiAttributes', 'fsType', 'claimSizeMebibytes',
        'storageClassName', 'hostPath', 'hostPathType', 'allowHostPath'];
      for (const f of fields) { contributionOrigins.push({ field: `volumes[${vi}].${f}`, prop: `${p}.${f}` }); }
      contributionOrigins.push({ field: `volumes[${vi}]`, prop: p });
      const kind = v.kind ?? VolumeKind.SCRATCH;
      volumes.push({
        name: v.name,
        kind,
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
      origins.push({ field: `volumeMounts[${mounts.length}].path`, prop: `${p}.mountPath` }, { field: `volumeMounts[${mounts.length}].readOnly`, prop: `${p}.readOnly` },
        { field: `volumeMounts[${mounts.length}].volume`, prop: `${p}.name` });
      mounts.push({ volume: v.name, path: v.mountPath, readOnly: v.readOnly });
    });
    change.volumeMounts = mounts;
    contribution = { ...contribution, volumes };
  }
  if (o.appVolumeMounts !== undefined) {
    const own = main.appVolumeMounts ?? [];
    o.appVolumeMounts.forEach((_, j) => {
      const i = own.length + j;
      origins.push({ field: `appVolumeMounts[${i}].volume`, prop: `overrides.appVolumeMounts[${j}].volume` },
        { field: `appVolumeMounts[${i}].path`, prop: `overrides.appVolumeMounts[${j}].mountPath` });
    });
    change.appVolumeMounts = [...own, ...o.appVolumeMounts.map(m => ({ volume: m.volume, path: m.mountPath, readOnly: m.readOnly ?? false }))];
  }
  if (o.command !== undefined) {
    change.command = [...o.command];
    origins.push({ field: 'command', prop: 'overrides.command' });
  }
  if (o.extraArgs !== undefined) {
    change.args = [...(main.args ?? []), ...o.extraArgs];
    origins.push({ field: 'args', prop: 'overrides.extraArgs' });
  }
  if (o.ports !== undefined) {
    const own = main.ports ?? [];
    o.ports.forEach((_, j) => {
      for (const f of ['port', 'name', 'protocol', 'exposure']) { origins.push({ field: `ports[${own.length + j}].${f}`, prop: `overrides.ports[${j}].${f}` }); }
    });
    change.ports = [...own, ...o.ports];
  }
  if (o.addCapabilities !== undefined || o.seccompProfile !== undefined || o.localhostSeccompProfile !== undefined
    || o.appArmorProfile !== undefined) {
    const security = { ...main.security };
    if (o.addCapabilities !== undefined) {
      const own = security.addCapabilities ?? [];
      const added = o.addCapabilities.filter(cap => !own.includes(cap));
      added.forEach(cap => origins.push({ field: `security.addCapabilities[${own.length + added.indexOf(cap)}]`, prop: `overrides.addCapabilities[${o.addCapabilities!.indexOf(cap)}]` }));
      origins.push({ field: 'security.addCapabilities', prop: 'overrides.addCapabilities' });
      security.addCapabilities = [...own, ...added];
      const uid = security.uid;
      if (added.length && uid !== 0) {
        // Said, not refused: a binary with file capabilities (setcap) can still use them.
        warnings.push(`overrides.addCapabilities ${added.join(', ')} reach only the bounding set of container ${JSON.stringify(main.name)}: its process runs as `
          + `${uid === undefined ? 'a non-root UID' : `UID ${uid}`}, and no platform gives a non-root process ambient capabilities (kubernetes/kubernetes#56374), `
          + 'so they take effect only for a binary with file capabilities (setcap)');
      }
    }
    if (o.seccompProfile !== undefined) {
      security.seccompProfile = o.seccompProfile;
      origins.push({ field: 'security.seccompProfile', prop: 'overrides.seccompProfile' });
    }
    if (o.localhostSeccompProfile !== undefined) {
      if (!(o.localhostSeccompProfile instanceof LocalhostSeccompProfile)) {
        throw Errors.invalidType(path, 'overrides.localhostSeccompProfile', o.localhostSeccompProfile, 'a LocalhostSeccompProfile');
      }
      if (o.seccompProfile !== undefined) {
        throw Errors.overrideConflict(path, 'overrides.seccompProfile', o.seccompProfile, `is set together with overrides.localhostSeccompProfile ${JSON.stringify(o.localhostSeccompProfile.name)}, and a container has one seccomp profile`,
          'Leave overrides.seccompProfile out (the Localhost profile takes its place)');
      }
      // The Localhost profile takes the place of the sidecar's own seccompProfile.
      delete (security as { seccompProfile?: SeccompProfile }).seccompProfile;
      security.localhostSeccompProfile = o.localhostSeccompProfile;
      origins.push({ field: 'security.localhostSeccompProfile', prop: 'overrides.localhostSeccompProfile' });
    }
    if (o.appArmorProfile !== undefined) {
      security.appArmorProfile = o.appArmorProfile;
      origins.push({ field: 'security.appArmorProfile', prop: 'overrides.appArmorProfile' },
        { field: 'security.appArmorProfile.localhostProfile', prop: 'overrides.appArmorProfile.localhostProfile' });
    }
    change.security = security;
  }
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
    const timing = o[kind];
    if (timing === undefined) { continue; }
    const probe = main[kind];
    if (!probe) {
      throw Errors.overrideTargetMissing(path, `overrides.${kind}`, timing, `container ${JSON.stringify(main.name)} of this sidecar has no ${kind}`,
        `Leave overrides.${kind} out, or set the timing of the probes it has (${(['startupProbe', 'readinessProbe', 'livenessProbe'] as const).filter(k => main[k]).map(k => `overrides.${k}`).join(', ') || 'none'})`);
    }
    change[kind] = overlay(probe, timing);
    for (const f of Object.keys(TIMING)) { origins.push({ field: `${kind}.${f}`, prop: `overrides.${kind}.${f}` }); }
  }
  if (o.imagePullPolicy !== undefined) {
    change.imagePullPolicy = o.imagePullPolicy;
    origins.push({ field: 'imagePullPolicy', prop: 'overrides.imagePullPolicy' });
  }
  if (o.gracePeriodSeconds !== undefined) {
    change.shutdown = { ...main.shutdown, gracePeriodSeconds: o.gracePeriodSeconds };
    origins.push({ field: 'shutdown.gracePeriodSeconds', prop: 'overrides.gracePeriodSeconds' });
  }
  for (const key of ['kubernetesPatches', 'ecsPatches', 'aciPatches'] as const) {
    const patches = o[key];
    if (patches === undefined) { continue; }
    const own = main[key] ?? [];
    patches.forEach((_, j) => {
      for (const f of ['op', 'path', 'value']) { origins.push({ field: `${key}[${own.length + j}].${f}`, prop: `overrides.${key}[${j}].${f}` }); }
    });
    origins.push({ field: key, prop: `overrides.${key}` });
    change[key] = [...own, ...patches];
  }
  if (Object.keys(change).length === 0) { return contribution; }
  const changed: ContainerSpec = { ...main, ...change, origins };
  return {
    ...contribution,
    containers: containers.map((c, i) => (i === index ? changed : c)),
    origins: contributionOrigins,
    warnings,
  };
}

/** `probe` with `timing` laid over its own (fields left out keep the probe's). */
function overlay(probe: Probe, timing: ProbeTiming): Probe {
  const t = { ...probe.timing };
  for (const [k, v] of Object.entries(timing)) {
    if (v !== undefined) { (t as any)[k] = v; }
  }
  if (!(probe instanceof Probe)) { return probe; }
  switch (probe.kind) {
    case ProbeKind.EXEC: return Probe.exec({ ...t, command: probe.command! });
    case ProbeKind.TCP_SOCKET: return Probe.tcpSocket({ ...t, port: probe.port! });
    default: return Probe.httpGet({ ...t, port: probe.port!, path: probe.path, scheme: probe.scheme });
  }
}
