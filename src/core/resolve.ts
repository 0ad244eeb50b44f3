import { isIP } from 'net';
/**
 * Field checks and defaults for one sidecar's contribution. Runs when a sidecar
 * is constructed (cheap checks, early errors) and again when a pod is composed.
 * Internal: not part of the jsii API.
 */
import {
  AppArmorProfile, AppArmorProfileType, ContainerDependency, ContainerPatch, ImagePullPolicy, ContainerPortSpec, ContainerSpec, EnvVarSpec,
  FieldOrigin, PodField, PortExposure, Protocol,
  ResourceRequirements, SeccompProfile, ShutdownSpec, StartupRole, WaitCondition,
} from './container';
import { AppRequests, CloudProvider, LogRouterType, NetworkEndpoint, PodServiceSpec, RedirectMode, SidecarContribution, TrafficInterceptionSpec } from './contribution';
import { Errors, KUBELET_DOT_DOT, SidecarError } from './errors';
import {
  DNS_LABEL, ENV_NAME, FILE_NAME, LINUX_CAPABILITIES, MAX_LINUX_ID, defaultUid, isImageReference, isPortName, isReservedName, pathProblem,
} from './names';
import { ACI_PATCHES, ECS_PATCHES, KUBERNETES_PATCHES, PatchPlatform, applyPatches, checkPatches } from './patch';
import { Probe, ProbeKind } from './probe';
import { checkArray, checkBoolean, checkPropTypes } from './prop-types';
import { LocalhostSeccompProfile } from './seccomp';
import { ConfigFileSpec, HostPathType, VolumeKind, VolumeMountSpec, VolumeSpec } from './volume';

/** The port is declared on the platform (EXPOSED or PUBLIC): a containerPort, a port mapping, an ACI container port. */
export function isDeclared(port: ResolvedPort): boolean {
  return port.exposure !== PortExposure.POD_LOCAL;
}

export interface ResolvedPort {
  readonly port: number;
  readonly name?: string;
  readonly protocol: Protocol;
  /** Who can reach the port; PUBLIC is declared like EXPOSED everywhere (see `isDeclared`). */
  readonly exposure: PortExposure;
  /** Field of the port, for messages. */
  readonly field: string;
  /** HTTP path of the Prometheus metrics the port serves (ContainerPortSpec.metricsPath). */
  readonly metricsPath?: string;
}

export interface ResolvedSecurity {
  readonly uid: number;
  readonly gid: number;
  readonly allowRootUser: boolean;
  readonly readOnlyRootFilesystem: boolean;
  readonly allowPrivilegeEscalation: boolean;
  readonly addCapabilities: string[];
  readonly seccompProfile: SeccompProfile;
  /** A Localhost seccomp profile, which takes the place of seccompProfile (Kubernetes only). */
  readonly localhostSeccompProfile?: LocalhostSeccompProfile;
  /** The AppArmor profile, where one was asked for (Kubernetes only). */
  readonly appArmorProfile?: AppArmorProfile;
  /** The app container whose UID this container shares on purpose (ContainerSecurity.sameUserAs). */
  readonly sameUserAs?: string;
  /** Privileged (Kubernetes only). */
  readonly privileged: boolean;
}

export interface ResolvedMount {
  readonly volume: string;
  readonly path: string;
  readonly readOnly: boolean;
}

export interface ResolvedContainer {
  /** The sidecar this container belongs to. */
  readonly owner: ResolvedSidecar;
  /** Prefix of this container's fields in messages ('' when the sidecar has one container). */
  readonly field: string;
  readonly name: string;
  readonly image: string;
  readonly role: StartupRole;
  readonly appWaitsFor: WaitCondition;
  readonly command?: string[];
  readonly args?: string[];
  readonly workingDir?: string;
  readonly env: EnvVarSpec[];
  readonly ports: ResolvedPort[];
  readonly security: ResolvedSecurity;
  readonly resources: ResourceRequirements;
  readonly startupProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly healthCommand?: string[];
  readonly waitCommand?: string[];
  readonly volumeMounts: ResolvedMount[];
  readonly dependsOn: ContainerDependency[];
  readonly shutdown: ShutdownSpec;
  readonly essential: boolean;
  readonly identityToken?: { readonly audience?: string; readonly expirationSeconds: number; readonly path: string };
  readonly createsFiles: ReadonlyArray<{ readonly volume: string; readonly mode: number; readonly sockets: boolean; readonly field: string }>;
  readonly readsPaths: string[];
  readonly writesPaths: string[];
  readonly signals: string[];
  /** When the platform pulls the image (overrides.imagePullPolicy). */
  readonly imagePullPolicy?: ImagePullPolicy;
  /** Volumes of the workload itself mounted into this container (the binders check the pod has them). */
  readonly appVolumeMounts: ResolvedMount[];
  /** JSON patches per platform, checked against the fields the checks rely on (core/patch.ts). */
  readonly kubernetesPatches: ContainerPatch[];
  readonly ecsPatches: ContainerPatch[];
  readonly aciPatches: ContainerPatch[];
  /** The props the user wrote for fields of this container (relative fields, e.g. `ports[0].port`). */
  readonly origins: Origins;
}

/** The origins of fields (relative to a container or a contribution), by field. */
export type Origins = ReadonlyMap<string, FieldOrigin>;

/** The name of a field for messages: the prop the user wrote for it, else the field with its prefix. */
export function userField(origins: Origins, prefix: string, field: string): string {
  return origins.get(field)?.prop ?? `${prefix}${field}`;
}

/**
 * The error `e` naming the prop the user wrote where it names a field that one of `origins`
 * comes from (with the value the user wrote, where the field adds an offset to it).
 */
export function renamedError(e: unknown, origins: Origins, prefix: string): unknown {
  if (!(e instanceof SidecarError) || typeof e.field !== 'string' || !e.field.startsWith(prefix)) { return e; }
  const o = origins.get(e.field.slice(prefix.length));
  if (!o) { return e; }
  const offset = o.offset ?? 0;
  return e._renamed(o.prop, offset ? v => (typeof v === 'number' ? v - offset : v) : undefined);
}

function renaming<T>(origins: Origins, prefix: string, fn: () => T): T {
  try { return fn(); } catch (e) { throw renamedError(e, origins, prefix); }
}

function originsOf(path: string, field: string, list: FieldOrigin[] | undefined): Origins {
  const out = new Map<string, FieldOrigin>();
  if (list === undefined) { return out; }
  if (!Array.isArray(list)) { throw Errors.invalidType(path, field, list, 'a list of { field, prop }'); }
  list.forEach((o, i) => {
    if (!o || typeof o.field !== 'string' || typeof o.prop !== 'string' || (o.offset !== undefined && !Number.isFinite(o.offset))) {
      throw Errors.invalidType(path, `${field}[${i}]`, o, 'a FieldOrigin { field, prop, offset? }');
    }
    out.set(o.field, o);
  });
  return out;
}

export interface ResolvedInterception {
  readonly proxyContainer: string;
  readonly proxyUid: number;
  readonly proxyGid?: number;
  readonly inboundPort: number;
  readonly outboundPort: number;
  readonly appPorts?: number[];
  readonly excludeInboundPorts: number[];
  readonly excludeOutboundPorts: number[];
  readonly excludeOutboundCidrs: string[];
  readonly includeOutboundPorts?: number[];
  readonly includeOutboundCidrs?: string[];
  readonly probeRedirect?: { readonly port: number; readonly pathPrefix: string };
  readonly redirectImage?: string;
  readonly redirectMode: RedirectMode;
  readonly excludeInterfaces: string[];
  readonly rerouteVirtualInterfaces: string[];
  readonly nativeNftables: boolean;
  readonly disableHint?: string;
}

export interface ResolvedVolume {
  readonly name: string;
  readonly kind: VolumeKind;
  readonly sizeLimitMebibytes?: number;
  readonly files: ConfigFileSpec[];
  readonly sensitive: boolean;
  readonly secretName?: string;
  readonly claimName?: string;
  readonly csiDriver?: string;
  readonly csiAttributes?: { readonly [key: string]: string };
  readonly fsType?: string;
  readonly claimSizeMebibytes?: number;
  readonly storageClassName?: string;
  readonly hostPath?: string;
  readonly hostPathType?: HostPathType;
}

/** DNS-1123 subdomain: names of PersistentVolumeClaims and StorageClasses (Kubernetes object names). */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/**
 * A CSI driver name: at most 63 characters, alphanumerics at both ends, '-', '.' and
 * alphanumerics between (Kubernetes CSIDriver object name rule; CSI spec GetPluginInfo "name").
 */
const CSI_DRIVER = /^[a-zA-Z0-9]([-a-zA-Z0-9.]{0,61}[a-zA-Z0-9])?$/;

/** The Secrets Store CSI driver's name (https://secrets-store-csi-driver.sigs.k8s.io/). */
const SECRETS_STORE_CSI_DRIVER = 'secrets-store.csi.k8s.io';

/** Fields of VolumeSpec that belong to one kind each: field -> kinds. */
const KIND_FIELDS: ReadonlyArray<readonly [keyof VolumeSpec, readonly VolumeKind[]]> = [
  ['claimName', [VolumeKind.PERSISTENT_CLAIM]],
  ['csiDriver', [VolumeKind.CSI]],
  ['csiAttributes', [VolumeKind.CSI]],
  ['fsType', [VolumeKind.CSI]],
  ['claimSizeMebibytes', [VolumeKind.EPHEMERAL_CLAIM]],
  ['storageClassName', [VolumeKind.EPHEMERAL_CLAIM]],
  ['hostPath', [VolumeKind.HOST_PATH]],
  ['hostPathType', [VolumeKind.HOST_PATH]],
  ['allowHostPath', [VolumeKind.HOST_PATH]],
];

export interface ResolvedAppRequests {
  readonly env: EnvVarSpec[];
  readonly mounts: ResolvedMount[];
  readonly containers?: string[];
}

export interface ResolvedSidecar {
  /** Construct path of the sidecar. */
  readonly path: string;
  readonly containers: ResolvedContainer[];
  readonly volumes: ResolvedVolume[];
  readonly appRequests: ResolvedAppRequests;
  readonly shareProcessNamespace: boolean;
  readonly trafficInterception?: ResolvedInterception;
  readonly consumes: string[];
  readonly readsPodMetadata: boolean;
  readonly cloudPermissions: Array<{ readonly provider: CloudProvider; readonly actions: string[]; readonly resources: string[] }>;
  readonly logRouter?: {
    readonly container: string;
    readonly type: LogRouterType;
    readonly configFile?: string;
    /** With `configFileContent`: the file to add to a config volume where the platform includes it. */
    readonly includeFile?: { readonly volume: string; readonly name: string; readonly content: string };
    readonly configFlag?: string;
    readonly appLogOptions: { [key: string]: string };
    readonly enableMetadata: boolean;
  };
  /** Pod annotations the sidecar needs (Kubernetes). */
  readonly annotations: { readonly [key: string]: string };
  /** Kubernetes Services that select the pod (PodRequirements.services). */
  readonly services: PodServiceSpec[];
  readonly warnings: string[];
  /** Props of the sidecar a binder may suggest, as `<props interface>.<prop>` (SidecarContribution.settableProps). */
  readonly settableProps: string[];
  /** Containers and volumes written by the user field by field (SidecarContribution.userWritten). */
  readonly userWritten: boolean;
  /** The file group the sidecar needs on the pod's shared volumes (Kubernetes fsGroup). */
  readonly fileGroup?: number;
  /** Destinations the sidecar connects to (PodRequirements.egress). */
  readonly egress: Array<{ readonly host: string; readonly port: number; readonly protocol: Protocol; readonly prop: string }>;
  /** Exposed ports other workloads call (PodRequirements.callerPorts). */
  readonly callerPorts: number[];
  /** The props the user wrote for `volumes` and `appRequests` fields. */
  readonly origins: Origins;
}

function checkInt(path: string, field: string, value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) { return; }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw Errors.invalidNumber(path, field, value, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
  }
}

function checkCommand(path: string, field: string, value: string[] | undefined): void {
  if (value === undefined) { return; }
  if (!Array.isArray(value) || value.length === 0 || value.some(v => typeof v !== 'string' || v.length === 0)) {
    throw Errors.invalidCommand(path, field, value);
  }
}

function checkStrings(path: string, field: string, value: string[] | undefined): void {
  if (value === undefined) { return; }
  if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
    throw Errors.invalidCommand(path, field, value);
  }
}

/** Checks a list of environment variables; returns it unchanged. */
export function checkEnv(path: string, field: string, env: EnvVarSpec[] | undefined): EnvVarSpec[] {
  const seen = new Set<string>();
  (env ?? []).forEach((e, i) => {
    const f = `${field}[${i}]`;
    if (typeof e.name !== 'string' || !ENV_NAME.test(e.name)) {
      throw Errors.invalidEnv(path, `${f}.name`, e.name, 'is not a valid variable name');
    }
    const sources = [e.value !== undefined, e.secret !== undefined, e.podField !== undefined].filter(Boolean).length;
    if (sources !== 1) {
      throw Errors.invalidEnv(path, `${f} (${e.name})`, e.name, `has ${sources} value sources`);
    }
    if (e.value !== undefined && typeof e.value !== 'string') {
      throw Errors.invalidEnv(path, `${f}.value`, e.value, `(the value of ${e.name}) is not a string`, 'Give the value as a string, e.g. "8080" for a number');
    }
    if (e.secret && (!DNS_LABEL.test(e.secret.secretName ?? '') && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(e.secret.secretName ?? ''))) {
      throw Errors.invalidEnv(path, `${f}.secret.secretName`, e.secret.secretName, `(the secret of ${e.name}) is not a valid secret name`,
        'Name the secret as the platform has it: lowercase letters, digits, \'-\' and \'.\', e.g. "db-credentials"');
    }
    if (e.secret && (typeof e.secret.key !== 'string' || !FILE_NAME.test(e.secret.key))) {
      throw Errors.invalidEnv(path, `${f}.secret.key`, e.secret.key, `(the secret key of ${e.name}) is not a valid secret key`,
        'Use the key as the secret has it: letters, digits, \'-\', \'_\' and \'.\', e.g. "password"');
    }
    if (e.podField !== undefined && !Object.values(PodField).includes(e.podField)) {
      throw Errors.invalidEnv(path, `${f}.podField`, e.podField, `(the value of ${e.name}) is not a PodField`, 'Use PodField.POD_NAME, POD_NAMESPACE, POD_IP, NODE_NAME or POD_UID');
    }
    if (seen.has(e.name)) { throw Errors.duplicateEnv(path, field, e.name); }
    seen.add(e.name);
  });
  return [...(env ?? [])];
}

function resolvePorts(path: string, prefix: string, ports: ContainerPortSpec[] | undefined, origins: Origins): ResolvedPort[] {
  const seen = new Map<string, string>();
  const names = new Set<string>();
  return (ports ?? []).map((p, i) => {
    const field = `${prefix}ports[${i}]`;
    if (typeof p.port !== 'number' || !Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      throw Errors.invalidPort(path, `${field}.port`, p.port);
    }
    if (p.name !== undefined && (typeof p.name !== 'string' || !isPortName(p.name))) {
      throw Errors.invalidPortName(path, `${field}.name`, p.name);
    }
    if (p.name !== undefined) {
      if (names.has(p.name)) { throw Errors.invalidPortName(path, `${field}.name`, p.name); }
      names.add(p.name);
    }
    const protocol = p.protocol ?? Protocol.TCP;
    if (!Object.values(Protocol).includes(protocol)) {
      throw Errors.invalidType(path, `${field}.protocol`, protocol, `one of ${Object.values(Protocol).map(x => JSON.stringify(x)).join(', ')} (Protocol.TCP, Protocol.UDP)`);
    }
    const exposure = p.exposure ?? PortExposure.POD_LOCAL;
    if (!Object.values(PortExposure).includes(exposure)) {
      throw Errors.invalidType(path, `${field}.exposure`, exposure, `one of ${Object.values(PortExposure).map(x => JSON.stringify(x)).join(', ')} (PortExposure.POD_LOCAL, EXPOSED, PUBLIC)`);
    }
    const key = `${p.port}/${protocol}`;
    const other = seen.get(key);
    if (other) { throw Errors.duplicatePort(path, `${field}.port`, p.port, protocol, other); }
    seen.set(key, `${field}.port`);
    const metricsPath = resolveMetricsPath(path, field, p, protocol, exposure);
    return { port: p.port, name: p.name, protocol, exposure, field: userField(origins, prefix, `ports[${i}].port`), ...(metricsPath ? { metricsPath } : {}) };
  });
}

/**
 * The metrics path of a port: an HTTP path (what Prometheus' `metrics_path` and a PodMonitor's
 * `path` take: no query, no fragment), on a named, declared TCP port, since a PodMonitor names
 * the port it scrapes (prometheus-operator PodMetricsEndpoint.port: "Name of the Pod port") and
 * a scraper outside the pod cannot reach a POD_LOCAL port.
 */
function resolveMetricsPath(path: string, field: string, p: ContainerPortSpec, protocol: Protocol, exposure: PortExposure): string | undefined {
  const value = p.metricsPath;
  if (value === undefined) { return undefined; }
  if (typeof value !== 'string') { throw Errors.invalidType(path, `${field}.metricsPath`, value, 'a string'); }
  if (!/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/.test(value)) {
    throw Errors.invalidPath(path, `${field}.metricsPath`, value, 'is not an HTTP path (it must start with "/" and have no space, query or fragment)',
      'Give the path the port serves its metrics at, e.g. "/metrics"');
  }
  if (p.name === undefined) {
    throw Errors.missingSetting(path, `${field}.name`, 'a metrics port is scraped by its name (a PodMonitor names the port), and this one has none',
      'Name the port, e.g. name: "http-metrics"');
  }
  if (exposure === PortExposure.POD_LOCAL || protocol !== Protocol.TCP) {
    throw Errors.ineffectiveSetting(path, `${field}.metricsPath`, value,
      protocol !== Protocol.TCP ? 'the port is UDP, and Prometheus scrapes over HTTP (TCP)'
        : 'the port is POD_LOCAL (not declared on the platform), so a scraper outside the pod cannot reach it',
      'Set exposure: PortExposure.EXPOSED on a TCP port, or leave metricsPath out');
  }
  return value;
}

function resolveSecurity(path: string, prefix: string, c: ContainerSpec, fallbackUid: () => number): ResolvedSecurity {
  const s = c.security ?? {};
  const uid = s.uid ?? fallbackUid();
  const gid = s.gid ?? uid;
  checkId(path, `${prefix}security.uid`, uid);
  checkId(path, `${prefix}security.gid`, gid);
  const allowRootUser = s.allowRootUser ?? false;
  if (uid === 0 && !allowRootUser) { throw Errors.rootNotAllowed(path, `${prefix}security.uid`); }
  if (gid === 0 && !allowRootUser) { throw Errors.rootNotAllowed(path, `${prefix}security.gid`); }
  const addCapabilities = [...(s.addCapabilities ?? [])];
  addCapabilities.forEach((cap, i) => {
    if (typeof cap !== 'string' || !LINUX_CAPABILITIES.has(cap) || addCapabilities.indexOf(cap) !== i) {
      throw Errors.unknownCapability(path, `${prefix}security.addCapabilities[${i}]`, cap);
    }
  });
  const allowPrivilegeEscalation = s.allowPrivilegeEscalation ?? false;
  if (addCapabilities.includes('SYS_ADMIN') && !allowPrivilegeEscalation) {
    throw Errors.invalidRole(path, `${prefix}security.addCapabilities`, addCapabilities, 'adds SYS_ADMIN while allowPrivilegeEscalation is false, which Kubernetes rejects',
      'Drop SYS_ADMIN (almost never needed by a sidecar), or set security.allowPrivilegeEscalation: true');
  }
  const privileged = s.privileged ?? false;
  if (privileged && !allowPrivilegeEscalation) {
    // Kubernetes validation: "cannot set `allowPrivilegeEscalation` to false and `privileged` to true".
    throw Errors.invalidRole(path, `${prefix}security.privileged`, privileged, 'is true while allowPrivilegeEscalation is false, which Kubernetes rejects',
      'Set security.allowPrivilegeEscalation: true too, or leave privileged out');
  }
  const seccompProfile = s.seccompProfile ?? SeccompProfile.RUNTIME_DEFAULT;
  if (!Object.values(SeccompProfile).includes(seccompProfile)) {
    throw Errors.invalidRole(path, `${prefix}security.seccompProfile`, seccompProfile, 'is not a SeccompProfile', 'Use SeccompProfile.RUNTIME_DEFAULT');
  }
  const localhostSeccompProfile = s.localhostSeccompProfile;
  if (localhostSeccompProfile !== undefined) {
    if (!(localhostSeccompProfile instanceof LocalhostSeccompProfile)) {
      throw Errors.invalidType(path, `${prefix}security.localhostSeccompProfile`, localhostSeccompProfile, 'a LocalhostSeccompProfile');
    }
    if (s.seccompProfile !== undefined) {
      throw Errors.invalidRole(path, `${prefix}security.seccompProfile`, s.seccompProfile, `is set together with localhostSeccompProfile ${JSON.stringify(localhostSeccompProfile.name)}, and a container has one seccomp profile`,
        'Leave seccompProfile out (the Localhost profile takes its place), or leave localhostSeccompProfile out');
    }
  }
  const appArmorProfile = s.appArmorProfile;
  if (appArmorProfile !== undefined) {
    checkPropTypes(path, appArmorProfile, { type: { enum: AppArmorProfileType }, localhostProfile: 'string' }, ['type'], `${prefix}security.appArmorProfile.`);
    const local = appArmorProfile.type === AppArmorProfileType.LOCALHOST;
    if (local !== (appArmorProfile.localhostProfile !== undefined)) {
      // core/v1 AppArmorProfile.localhostProfile: "Must be set if and only if type is \"Localhost\"".
      throw Errors.invalidRole(path, `${prefix}security.appArmorProfile.localhostProfile`, appArmorProfile.localhostProfile,
        local ? 'is missing for type LOCALHOST' : `is set for type ${appArmorProfile.type}`,
        local ? 'Name the profile loaded on the node' : 'Leave localhostProfile out, or use AppArmorProfileType.LOCALHOST');
    }
    if (local && !/^[^\s/][^\s]{0,252}$/.test(appArmorProfile.localhostProfile!)) {
      throw Errors.invalidName(path, `${prefix}security.appArmorProfile.localhostProfile`, appArmorProfile.localhostProfile,
        'the name of an AppArmor profile loaded on the node, without spaces, e.g. "k8s-deny-write"');
    }
  }
  return {
    uid,
    gid,
    allowRootUser,
    ...(s.sameUserAs !== undefined ? { sameUserAs: s.sameUserAs } : {}),
    readOnlyRootFilesystem: s.readOnlyRootFilesystem ?? true,
    allowPrivilegeEscalation,
    addCapabilities,
    seccompProfile,
    ...(localhostSeccompProfile ? { localhostSeccompProfile } : {}),
    ...(appArmorProfile ? {
      appArmorProfile: {
        type: appArmorProfile.type,
        ...(appArmorProfile.localhostProfile !== undefined ? { localhostProfile: appArmorProfile.localhostProfile } : {}),
      },
    } : {}),
    privileged,
  };
}

function checkId(path: string, field: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_LINUX_ID) {
    throw Errors.invalidId(path, field, value);
  }
}

function checkResources(path: string, prefix: string, r: ResourceRequirements | undefined): ResourceRequirements {
  const res = r ?? {};
  const entries: Array<[keyof ResourceRequirements, number | undefined]> = [
    ['cpuRequestMillicores', res.cpuRequestMillicores], ['cpuLimitMillicores', res.cpuLimitMillicores],
    ['memoryRequestMebibytes', res.memoryRequestMebibytes], ['memoryLimitMebibytes', res.memoryLimitMebibytes],
    ['ephemeralStorageRequestMebibytes', res.ephemeralStorageRequestMebibytes], ['ephemeralStorageLimitMebibytes', res.ephemeralStorageLimitMebibytes],
  ];
  for (const [key, value] of entries) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      throw Errors.invalidResources(path, `${prefix}resources.${key}`, value, 'is not a positive number');
    }
  }
  if (res.cpuRequestMillicores !== undefined && res.cpuLimitMillicores !== undefined && res.cpuRequestMillicores > res.cpuLimitMillicores) {
    throw Errors.invalidResources(path, `${prefix}resources.cpuRequestMillicores`, res.cpuRequestMillicores, `is above the limit ${res.cpuLimitMillicores}`);
  }
  if (res.memoryRequestMebibytes !== undefined && res.memoryLimitMebibytes !== undefined && res.memoryRequestMebibytes > res.memoryLimitMebibytes) {
    throw Errors.invalidResources(path, `${prefix}resources.memoryRequestMebibytes`, res.memoryRequestMebibytes, `is above the limit ${res.memoryLimitMebibytes}`);
  }
  if (res.ephemeralStorageRequestMebibytes !== undefined && res.ephemeralStorageLimitMebibytes !== undefined
    && res.ephemeralStorageRequestMebibytes > res.ephemeralStorageLimitMebibytes) {
    throw Errors.invalidResources(path, `${prefix}resources.ephemeralStorageRequestMebibytes`, res.ephemeralStorageRequestMebibytes,
      `is above the limit ${res.ephemeralStorageLimitMebibytes}`);
  }
  return { ...res };
}

function checkProbe(path: string, field: string, probe: Probe | undefined, ports: ResolvedPort[], container: string,
  successMustBeOne: boolean): void {
  if (probe === undefined) { return; }
  if (!(probe instanceof Probe)) {
    throw Errors.invalidProbe(path, field, probe, 'is not a Probe', 'Make it with Probe.httpGet(), Probe.tcpSocket() or Probe.exec()');
  }
  const t = probe.timing;
  checkInt(path, `${field}.initialDelaySeconds`, t.initialDelaySeconds, 0);
  checkInt(path, `${field}.periodSeconds`, t.periodSeconds, 1);
  checkInt(path, `${field}.timeoutSeconds`, t.timeoutSeconds, 1);
  checkInt(path, `${field}.failureThreshold`, t.failureThreshold, 1);
  checkInt(path, `${field}.successThreshold`, t.successThreshold, 1);
  if (successMustBeOne && t.successThreshold !== undefined && t.successThreshold !== 1) {
    throw Errors.invalidProbe(path, `${field}.successThreshold`, t.successThreshold, 'must be 1 for startup and liveness probes', 'Leave successThreshold out or set it to 1');
  }
  if (probe.kind === ProbeKind.EXEC) {
    checkCommand(path, `${field}.command`, probe.command);
    return;
  }
  if (typeof probe.port !== 'number' || !Number.isInteger(probe.port) || probe.port < 1 || probe.port > 65535) {
    throw Errors.invalidPort(path, `${field}.port`, probe.port);
  }
  if (!ports.some(p => p.port === probe.port && p.protocol === Protocol.TCP)) {
    throw Errors.probePortNotDeclared(path, `${field}.port`, probe.port, container);
  }
  if (probe.kind === ProbeKind.HTTP_GET && (typeof probe.path !== 'string' || !probe.path.startsWith('/') || /\s/.test(probe.path))) {
    throw Errors.invalidProbe(path, `${field}.path`, probe.path, 'is not an HTTP path', 'Use a path starting with "/", e.g. "/healthz"');
  }
}

function resolveMounts(path: string, field: string, mounts: VolumeMountSpec[] | undefined, volumes: Map<string, VolumeSpec>,
  container: string): ResolvedMount[] {
  const seen = new Set<string>();
  return (mounts ?? []).map((m, i) => {
    const f = `${field}[${i}]`;
    const vol = volumes.get(m.volume);
    if (!vol) { throw Errors.unknownVolume(path, `${f}.volume`, m.volume, [...volumes.keys()]); }
    const problem = typeof m.path === 'string' ? pathProblem(m.path) : 'is not a string';
    if (problem) { throw Errors.invalidPath(path, `${f}.path`, m.path, problem); }
    if (seen.has(m.path)) { throw Errors.duplicateMountPath(path, `${f}.path`, m.path, container); }
    seen.add(m.path);
    const fixedReadOnly = vol.kind === VolumeKind.CONFIG_FILES || vol.kind === VolumeKind.SECRET;
    if (fixedReadOnly && m.readOnly === false) {
      throw Errors.invalidVolume(path, `${f}.readOnly`, false, `cannot be false: ${vol.kind} volumes are always read-only`, 'Leave readOnly out, or write into a SCRATCH or MEMORY volume');
    }
    // The Secrets Store CSI driver refuses to publish a volume that is not read-only ("Readonly is
    // not true in request": kubernetes-sigs/secrets-store-csi-driver pkg/secrets-store/nodeserver.go
    // NodePublishVolume), and the kubelet passes the volume's readOnly, which the binder sets only
    // when every mount is read-only: the pod would never start.
    const readOnlyCsi = vol.kind === VolumeKind.CSI && vol.csiDriver === SECRETS_STORE_CSI_DRIVER;
    if (readOnlyCsi && m.readOnly === false) {
      throw Errors.invalidVolume(path, `${f}.readOnly`, false, `cannot be false: the Secrets Store CSI driver (${SECRETS_STORE_CSI_DRIVER}) publishes read-only volumes only`,
        'Leave readOnly out or set it to true');
    }
    // A directory of the node is mounted read-only unless asked otherwise (its files are root's).
    return { volume: m.volume, path: m.path, readOnly: m.readOnly ?? (fixedReadOnly || readOnlyCsi || vol.kind === VolumeKind.HOST_PATH) };
  });
}

function resolveVolumes(path: string, volumes: VolumeSpec[] | undefined): ResolvedVolume[] {
  const seen = new Set<string>();
  return (volumes ?? []).map((v, i) => {
    const f = `volumes[${i}]`;
    if (typeof v.name !== 'string' || !DNS_LABEL.test(v.name)) {
      throw Errors.invalidName(path, `${f}.name`, v.name, 'a DNS label of at most 63 characters');
    }
    if (isReservedName(v.name)) { throw Errors.reservedName(path, `${f}.name`, v.name, 'its own volumes'); }
    if (seen.has(v.name)) { throw Errors.duplicateVolume(path, 'volumes', v.name); }
    seen.add(v.name);
    if (!Object.values(VolumeKind).includes(v.kind)) {
      throw Errors.invalidVolume(path, `${f}.kind`, v.kind, 'is not a VolumeKind',
        'Use VolumeKind.SCRATCH, MEMORY, CONFIG_FILES, SECRET, PERSISTENT_CLAIM, CSI, EPHEMERAL_CLAIM or HOST_PATH');
    }
    const external = resolveExternalVolume(path, f, v);
    const scratch = v.kind === VolumeKind.SCRATCH || v.kind === VolumeKind.MEMORY;
    if (v.sizeLimitMebibytes !== undefined && !scratch) {
      throw Errors.invalidVolume(path, `${f}.sizeLimitMebibytes`, v.sizeLimitMebibytes, `applies only to SCRATCH and MEMORY volumes, not ${v.kind}`, 'Leave it out');
    }
    if (v.sizeLimitMebibytes !== undefined) { checkInt(path, `${f}.sizeLimitMebibytes`, v.sizeLimitMebibytes, 1); }
    if (v.files !== undefined && v.kind !== VolumeKind.CONFIG_FILES) {
      throw Errors.invalidVolume(path, `${f}.files`, v.files.map(x => x.name), `apply only to CONFIG_FILES volumes, not ${v.kind}`, 'Use VolumeKind.CONFIG_FILES');
    }
    if (v.sensitive !== undefined && v.kind !== VolumeKind.CONFIG_FILES) {
      throw Errors.invalidVolume(path, `${f}.sensitive`, v.sensitive, `applies only to CONFIG_FILES volumes, not ${v.kind}`, 'Leave it out');
    }
    if (v.kind === VolumeKind.CONFIG_FILES && (!v.files || v.files.length === 0)) {
      throw Errors.invalidVolume(path, `${f}.files`, v.files ?? [], 'is empty', 'Give at least one file');
    }
    if ((v.secretName !== undefined) !== (v.kind === VolumeKind.SECRET)) {
      throw Errors.invalidVolume(path, `${f}.secretName`, v.secretName, v.kind === VolumeKind.SECRET ? 'is required for SECRET volumes' : `applies only to SECRET volumes, not ${v.kind}`,
        v.kind === VolumeKind.SECRET ? 'Name the secret' : 'Leave it out');
    }
    if (v.secretName !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(v.secretName)) {
      throw Errors.invalidVolume(path, `${f}.secretName`, v.secretName, 'is not a valid secret name', 'Use lowercase letters, digits, \'-\' and \'.\'');
    }
    const names = new Set<string>();
    const files = (v.files ?? []).map((file, j) => {
      const ff = `${f}.files[${j}]`;
      if (typeof file.name !== 'string' || !FILE_NAME.test(file.name) || file.name === '.' || file.name === '..' || file.name.length > 253) {
        throw Errors.invalidConfigFile(path, `${ff}.name`, file.name, 'is not a valid file name');
      }
      if (file.name.startsWith('..')) { throw Errors.invalidConfigFile(path, `${ff}.name`, file.name, KUBELET_DOT_DOT); }
      if (names.has(file.name)) { throw Errors.invalidConfigFile(path, `${ff}.name`, file.name, 'appears twice in the volume'); }
      names.add(file.name);
      if (typeof file.content !== 'string') { throw Errors.invalidConfigFile(path, `${ff}.content`, file.content, 'is not a string', 'Give the file\'s content as a string'); }
      checkInt(path, `${ff}.mode`, file.mode, 0, 0o777);
      return { name: file.name, content: file.content, mode: file.mode ?? 0o444 };
    });
    const sensitive = v.sensitive ?? false;
    return { name: v.name, kind: v.kind, sizeLimitMebibytes: v.sizeLimitMebibytes, files, sensitive, secretName: v.secretName, ...external };
  });
}

/**
 * The fields of a PERSISTENT_CLAIM, CSI, EPHEMERAL_CLAIM or HOST_PATH volume, checked: each
 * field belongs to one kind, the kind's required fields are there, names follow Kubernetes'
 * rules, and HOST_PATH is opted in to.
 */
function resolveExternalVolume(path: string, f: string, v: VolumeSpec): Partial<ResolvedVolume> {
  for (const [field, kinds] of KIND_FIELDS) {
    if (v[field] !== undefined && !kinds.includes(v.kind)) {
      throw Errors.invalidVolume(path, `${f}.${field}`, v[field], `applies only to ${kinds.join(', ')} volumes, not ${v.kind}`, 'Leave it out');
    }
  }
  const name = (field: 'claimName' | 'storageClassName', value: unknown, required: boolean) => {
    if (value === undefined && !required) { return; }
    if (typeof value !== 'string' || !DNS_SUBDOMAIN.test(value)) {
      throw Errors.invalidVolume(path, `${f}.${field}`, value, value === undefined ? `is required for ${v.kind} volumes` : 'is not a valid Kubernetes object name',
        'Use lowercase letters, digits, \'-\' and \'.\' (at most 253 characters)');
    }
  };
  switch (v.kind) {
    case VolumeKind.PERSISTENT_CLAIM:
      name('claimName', v.claimName, true);
      return { claimName: v.claimName };
    case VolumeKind.CSI: {
      if (typeof v.csiDriver !== 'string' || !CSI_DRIVER.test(v.csiDriver)) {
        throw Errors.invalidVolume(path, `${f}.csiDriver`, v.csiDriver, v.csiDriver === undefined ? 'is required for CSI volumes' : 'is not a CSI driver name',
          'Name the driver as registered in the cluster (at most 63 characters: letters, digits, \'-\' and \'.\'), e.g. "secrets-store.csi.k8s.io"');
      }
      const attributes = v.csiAttributes;
      if (attributes !== undefined) {
        if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
          throw Errors.invalidType(path, `${f}.csiAttributes`, attributes, 'a map of string to string');
        }
        for (const [k, value] of Object.entries(attributes)) {
          if (typeof value !== 'string') { throw Errors.invalidType(path, `${f}.csiAttributes[${JSON.stringify(k)}]`, value, 'a string'); }
        }
      }
      if (v.fsType !== undefined && (typeof v.fsType !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,31}$/.test(v.fsType))) {
        throw Errors.invalidVolume(path, `${f}.fsType`, v.fsType, 'is not a file system type', 'Use a type such as "ext4" or "xfs", or leave it out');
      }
      return { csiDriver: v.csiDriver, csiAttributes: attributes ? { ...attributes } : undefined, fsType: v.fsType };
    }
    case VolumeKind.EPHEMERAL_CLAIM:
      if (v.claimSizeMebibytes === undefined) {
        throw Errors.invalidVolume(path, `${f}.claimSizeMebibytes`, v.claimSizeMebibytes, 'is required for EPHEMERAL_CLAIM volumes', 'Give the size of the claim in MiB, e.g. 1024');
      }
      checkInt(path, `${f}.claimSizeMebibytes`, v.claimSizeMebibytes, 1);
      name('storageClassName', v.storageClassName, false);
      return { claimSizeMebibytes: v.claimSizeMebibytes, storageClassName: v.storageClassName };
    case VolumeKind.HOST_PATH: {
      if (v.allowHostPath !== true) {
        checkBoolean(path, `${f}.allowHostPath`, v.allowHostPath);
        throw Errors.invalidVolume(path, `${f}.allowHostPath`, v.allowHostPath, 'is not true, and a HOST_PATH volume gives the pod a directory of the node '
          + '(Pod Security baseline and restricted forbid it: pod-security-admission check_hostPathVolumes)',
        'Set allowHostPath: true to opt in, or use another volume kind');
      }
      const problem = typeof v.hostPath === 'string' ? pathProblem(v.hostPath) : v.hostPath === undefined ? 'is required for HOST_PATH volumes' : 'is not a string';
      if (problem) { throw Errors.invalidPath(path, `${f}.hostPath`, v.hostPath, problem); }
      if (v.hostPathType !== undefined && !Object.values(HostPathType).includes(v.hostPathType)) {
        throw Errors.invalidType(path, `${f}.hostPathType`, v.hostPathType, 'a HostPathType (DIRECTORY_OR_CREATE, DIRECTORY, FILE_OR_CREATE, FILE, SOCKET, CHAR_DEVICE, BLOCK_DEVICE)');
      }
      return { hostPath: v.hostPath, hostPathType: v.hostPathType };
    }
    default:
      return {};
  }
}

function resolveAppRequests(path: string, req: AppRequests | undefined, volumes: Map<string, VolumeSpec>): ResolvedAppRequests {
  const env = checkEnv(path, 'appRequests.env', req?.env);
  const mounts = resolveMounts(path, 'appRequests.mounts', req?.mounts, volumes, 'app');
  (req?.containers ?? []).forEach((name, i) => {
    if (typeof name !== 'string' || !DNS_LABEL.test(name)) {
      throw Errors.invalidName(path, `appRequests.containers[${i}]`, name, 'a DNS label of at most 63 characters');
    }
  });
  return { env, mounts, containers: req?.containers ? [...req.containers] : undefined };
}

function resolveContainer(path: string, owner: ResolvedSidecar, c: ContainerSpec, prefix: string,
  volumes: Map<string, VolumeSpec>, fallbackUid: () => number): ResolvedContainer {
  if (typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) {
    throw Errors.invalidName(path, `${prefix}name`, c.name, 'a DNS label of at most 63 characters');
  }
  if (isReservedName(c.name)) { throw Errors.reservedName(path, `${prefix}name`, c.name, 'its own containers (the redirect and config-writer init containers)'); }
  if (typeof c.image !== 'string' || !isImageReference(c.image)) {
    throw Errors.invalidImage(path, `${prefix}image`, c.image);
  }
  if (!Object.values(StartupRole).includes(c.role)) {
    throw Errors.invalidRole(path, `${prefix}role`, c.role, 'is not a StartupRole', 'Use StartupRole.INIT_STEP or StartupRole.SIDECAR');
  }
  checkCommand(path, `${prefix}command`, c.command);
  checkStrings(path, `${prefix}args`, c.args);
  if (c.workingDir !== undefined) {
    const problem = pathProblem(c.workingDir);
    if (problem) { throw Errors.invalidPath(path, `${prefix}workingDir`, c.workingDir, problem); }
  }
  const env = checkEnv(path, `${prefix}env`, c.env);
  const origins = originsOf(path, `${prefix}origins`, c.origins);
  const ports = resolvePorts(path, prefix, c.ports, origins);
  const security = resolveSecurity(path, prefix, c, fallbackUid);
  const resources = checkResources(path, prefix, c.resources);
  checkProbe(path, `${prefix}startupProbe`, c.startupProbe, ports, c.name, true);
  checkProbe(path, `${prefix}readinessProbe`, c.readinessProbe, ports, c.name, false);
  checkProbe(path, `${prefix}livenessProbe`, c.livenessProbe, ports, c.name, true);
  checkCommand(path, `${prefix}healthCommand`, c.healthCommand);
  checkCommand(path, `${prefix}waitCommand`, c.waitCommand);
  const volumeMounts = resolveMounts(path, `${prefix}volumeMounts`, c.volumeMounts, volumes, c.name);
  checkCommand(path, `${prefix}shutdown.drainCommand`, c.shutdown?.drainCommand);
  checkInt(path, `${prefix}shutdown.gracePeriodSeconds`, c.shutdown?.gracePeriodSeconds, 0);

  if (c.essential !== undefined && typeof c.essential !== 'boolean') {
    throw Errors.invalidRole(path, `${prefix}essential`, c.essential, 'is not a boolean', 'Use true or false');
  }
  if (c.role === StartupRole.INIT_STEP && c.essential === true) {
    throw Errors.invalidRole(path, `${prefix}essential`, true, 'is set on an init step, which exits when done (an essential container that exits stops the task)',
      'Leave essential out for init steps');
  }
  let appWaitsFor: WaitCondition;
  if (c.role === StartupRole.INIT_STEP) {
    if (c.appWaitsFor !== undefined && c.appWaitsFor !== WaitCondition.COMPLETED) {
      throw Errors.invalidRole(path, `${prefix}appWaitsFor`, c.appWaitsFor, 'does not fit an init step, which always runs to completion before the app',
        'Leave appWaitsFor out (or COMPLETED), or make the container a SIDECAR');
    }
    if (ports.length > 0) {
      throw Errors.invalidRole(path, `${prefix}ports`, ports.map(p => p.port), 'are declared on an init step, which exits before the app starts',
        'Remove the ports, or make the container a long-running SIDECAR');
    }
    const probe = c.startupProbe ? 'startupProbe' : c.readinessProbe ? 'readinessProbe' : c.livenessProbe ? 'livenessProbe' : c.waitCommand ? 'waitCommand' : undefined;
    if (probe) {
      throw Errors.invalidRole(path, `${prefix}${probe}`, probe, 'is set on an init step; init steps are judged by their exit code',
        'Remove the probe, or make the container a long-running SIDECAR');
    }
    appWaitsFor = WaitCondition.COMPLETED;
  } else {
    if (c.appWaitsFor === WaitCondition.COMPLETED) {
      throw Errors.invalidRole(path, `${prefix}appWaitsFor`, c.appWaitsFor, 'does not fit a long-running sidecar, which never completes',
        'Wait for STARTED or HEALTHY, or make the container an INIT_STEP');
    }
    if (c.appWaitsFor !== undefined && !Object.values(WaitCondition).includes(c.appWaitsFor)) {
      throw Errors.invalidRole(path, `${prefix}appWaitsFor`, c.appWaitsFor, 'is not a WaitCondition', 'Use WaitCondition.STARTED or WaitCondition.HEALTHY');
    }
    if (c.appWaitsFor === WaitCondition.STARTED && c.startupProbe) {
      throw Errors.invalidRole(path, `${prefix}appWaitsFor`, c.appWaitsFor, 'conflicts with the startupProbe, which makes the app wait until the container is healthy',
        'Set appWaitsFor to HEALTHY, or use a readinessProbe instead of the startupProbe');
    }
    appWaitsFor = c.appWaitsFor ?? (c.startupProbe ? WaitCondition.HEALTHY : WaitCondition.STARTED);
    if (appWaitsFor === WaitCondition.HEALTHY && !c.startupProbe && !c.readinessProbe) {
      throw Errors.healthyNeedsProbe(path, `${prefix}appWaitsFor`, c.name);
    }
    if (c.waitCommand && appWaitsFor === WaitCondition.STARTED) {
      // The wait command holds the app only where it waits for HEALTHY (classic mode's
      // postStart hook): with STARTED it would be dropped without a word.
      throw Errors.invalidRole(path, `${prefix}waitCommand`, c.waitCommand, 'holds the app until the container is healthy, but the app waits only until it has STARTED',
        'Set appWaitsFor: WaitCondition.HEALTHY (with a startupProbe or readinessProbe), or leave waitCommand out');
    }
  }

  const dependsOn = (c.dependsOn ?? []).map((d, i) => {
    const f = `${prefix}dependsOn[${i}]`;
    if (typeof d.container !== 'string' || !DNS_LABEL.test(d.container)) {
      throw Errors.invalidName(path, `${f}.container`, d.container, 'a DNS label of at most 63 characters');
    }
    if (d.container === c.name) {
      throw Errors.dependencyCycle(path, [c.name, c.name], path);
    }
    if (!Object.values(WaitCondition).includes(d.condition)) {
      throw Errors.invalidRole(path, `${f}.condition`, d.condition, 'is not a WaitCondition', 'Use STARTED, HEALTHY or COMPLETED');
    }
    return { container: d.container, condition: d.condition };
  });

  return {
    owner,
    field: prefix,
    name: c.name,
    image: c.image,
    role: c.role,
    appWaitsFor,
    command: c.command ? [...c.command] : undefined,
    args: c.args ? [...c.args] : undefined,
    workingDir: c.workingDir,
    env,
    ports,
    security,
    resources,
    startupProbe: c.startupProbe,
    readinessProbe: c.readinessProbe,
    livenessProbe: c.livenessProbe,
    healthCommand: c.healthCommand ? [...c.healthCommand] : undefined,
    waitCommand: c.waitCommand ? [...c.waitCommand] : undefined,
    volumeMounts,
    dependsOn,
    shutdown: {
      drainCommand: c.shutdown?.drainCommand ? [...c.shutdown.drainCommand] : undefined,
      gracePeriodSeconds: c.shutdown?.gracePeriodSeconds,
    },
    essential: c.essential ?? c.role === StartupRole.SIDECAR,
    identityToken: resolveIdentityToken(path, prefix, c, volumeMounts),
    ...resolveEscapeHatch(path, prefix, c, volumeMounts),
    ...resolveRuntimeNeeds(path, prefix, c, volumes, volumeMounts),
    origins,
  };
}

/** What the escape hatch (SidecarOverrides, core/overrides.ts) set on a container beyond the common fields. */
function resolveEscapeHatch(path: string, prefix: string, c: ContainerSpec, mounts: ResolvedMount[]) {
  if (c.imagePullPolicy !== undefined && !Object.values(ImagePullPolicy).includes(c.imagePullPolicy)) {
    throw Errors.invalidType(path, `${prefix}imagePullPolicy`, c.imagePullPolicy, 'one of ImagePullPolicy.ALWAYS, IF_NOT_PRESENT, NEVER');
  }
  const paths = new Set(mounts.map(m => m.path));
  if (c.appVolumeMounts !== undefined && !Array.isArray(c.appVolumeMounts)) {
    throw Errors.invalidType(path, `${prefix}appVolumeMounts`, c.appVolumeMounts, 'a list of { volume, path, readOnly? }');
  }
  const appVolumeMounts = (c.appVolumeMounts ?? []).map((m, i) => {
    const f = `${prefix}appVolumeMounts[${i}]`;
    if (typeof m?.volume !== 'string' || !DNS_LABEL.test(m.volume)) { throw Errors.invalidName(path, `${f}.volume`, m?.volume, 'a DNS label of at most 63 characters'); }
    const problem = typeof m.path === 'string' ? pathProblem(m.path) : 'is not a string';
    if (problem) { throw Errors.invalidPath(path, `${f}.path`, m.path, problem); }
    if (paths.has(m.path)) { throw Errors.duplicateMountPath(path, `${f}.path`, m.path, c.name); }
    paths.add(m.path);
    checkBoolean(path, `${f}.readOnly`, m.readOnly);
    return { volume: m.volume, path: m.path, readOnly: m.readOnly ?? false };
  });
  return {
    imagePullPolicy: c.imagePullPolicy,
    appVolumeMounts,
    kubernetesPatches: checkPatches(path, `${prefix}kubernetesPatches`, c.kubernetesPatches, KUBERNETES_PATCHES),
    ecsPatches: checkPatches(path, `${prefix}ecsPatches`, c.ecsPatches, ECS_PATCHES),
    aciPatches: checkPatches(path, `${prefix}aciPatches`, c.aciPatches, ACI_PATCHES),
  };
}

/** The run-time needs a container declares (checked against the pod by the runtime contract). */
function resolveRuntimeNeeds(path: string, prefix: string, c: ContainerSpec, volumes: Map<string, VolumeSpec>, mounts: ResolvedMount[]) {
  const paths = (field: string, value: string[] | undefined): string[] => {
    if (value === undefined) { return []; }
    if (!Array.isArray(value)) { throw Errors.invalidPath(path, `${prefix}${field}`, value, 'is not a list of paths'); }
    return value.map((p, i) => {
      const problem = typeof p === 'string' ? pathProblem(p) : 'is not a string';
      if (problem) { throw Errors.invalidPath(path, `${prefix}${field}[${i}]`, p, problem); }
      return p;
    });
  };
  if (c.createsFiles !== undefined && !Array.isArray(c.createsFiles)) {
    throw Errors.invalidVolume(path, `${prefix}createsFiles`, c.createsFiles, 'is not a list', 'Give a list of { volume, mode }');
  }
  const createsFiles = (c.createsFiles ?? []).map((f, i) => {
    const field = `${prefix}createsFiles[${i}]`;
    const vol = volumes.get(f?.volume);
    if (!vol) { throw Errors.unknownVolume(path, `${field}.volume`, f?.volume, [...volumes.keys()]); }
    if (vol.kind === VolumeKind.CONFIG_FILES || vol.kind === VolumeKind.SECRET) {
      throw Errors.invalidVolume(path, `${field}.volume`, f.volume, `is a ${vol.kind} volume, which the platform fills read-only`,
        'Create files only in SCRATCH, MEMORY, PERSISTENT_CLAIM, CSI, EPHEMERAL_CLAIM or HOST_PATH volumes');
    }
    if (!mounts.some(m => m.volume === f.volume && !m.readOnly)) {
      throw Errors.invalidVolume(path, `${field}.volume`, f.volume, `is not mounted read-write into ${JSON.stringify(c.name)}, which creates files in it`, 'Mount the volume read-write into the container that creates the files');
    }
    checkInt(path, `${field}.mode`, f.mode, 0, 0o777);
    if (f.mode === undefined) { throw Errors.invalidNumber(path, `${field}.mode`, f.mode, 'a file mode from 0 to 0o777'); }
    if (f.sockets !== undefined && typeof f.sockets !== 'boolean') {
      throw Errors.invalidVolume(path, `${field}.sockets`, f.sockets, 'is not a boolean', 'Use true or false');
    }
    return { volume: f.volume, mode: f.mode, sockets: f.sockets ?? false, field };
  });
  const signals = (() => {
    if (c.signals === undefined) { return []; }
    if (!Array.isArray(c.signals)) { throw Errors.invalidName(path, `${prefix}signals`, c.signals, 'a list of container names'); }
    return c.signals.map((name, i) => {
      if (typeof name !== 'string' || !DNS_LABEL.test(name)) {
        throw Errors.invalidName(path, `${prefix}signals[${i}]`, name, 'a DNS label of at most 63 characters');
      }
      return name;
    });
  })();
  return { createsFiles, readsPaths: paths('readsPaths', c.readsPaths), writesPaths: paths('writesPaths', c.writesPaths), signals };
}

/** Where Kubernetes mounts a service account token (and clients look for it). */
export const DEFAULT_TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function resolveIdentityToken(path: string, prefix: string, c: ContainerSpec, mounts: ResolvedMount[]): ResolvedContainer['identityToken'] {
  const t = c.identityToken;
  if (!t) { return undefined; }
  checkInt(path, `${prefix}identityToken.expirationSeconds`, t.expirationSeconds, 600, 86400 * 2);
  if (t.audience !== undefined && (typeof t.audience !== 'string' || t.audience.length === 0 || /\s/.test(t.audience))) {
    throw Errors.invalidName(path, `${prefix}identityToken.audience`, t.audience, 'a token audience without spaces');
  }
  const tokenPath = t.path ?? DEFAULT_TOKEN_PATH;
  const problem = typeof tokenPath === 'string' ? pathProblem(tokenPath) : 'is not a string';
  if (problem) { throw Errors.invalidPath(path, `${prefix}identityToken.path`, tokenPath, problem); }
  // The token's directory becomes a mount of its own: it must not be, hold or sit in another mount.
  const dir = tokenPath.slice(0, tokenPath.lastIndexOf('/'));
  if (dir === '') {
    throw Errors.invalidPath(path, `${prefix}identityToken.path`, tokenPath, 'is directly under "/"; the token needs a directory of its own');
  }
  if (['ca.crt', 'namespace'].includes(tokenPath.slice(dir.length + 1))) {
    throw Errors.invalidPath(path, `${prefix}identityToken.path`, tokenPath, 'names a file the token\'s directory already holds (ca.crt, namespace)');
  }
  const clash = mounts.find(m => m.path === dir || m.path.startsWith(`${dir}/`) || dir.startsWith(`${m.path}/`));
  if (clash) {
    throw Errors.invalidPath(path, `${prefix}identityToken.path`, tokenPath, `is in directory ${JSON.stringify(dir)}, which overlaps the mount of volume ${JSON.stringify(clash.volume)} at ${JSON.stringify(clash.path)}`);
  }
  return { audience: t.audience, expirationSeconds: t.expirationSeconds ?? 3600, path: tokenPath };
}

/** An IPv4 or IPv6 address with an optional prefix length, e.g. "10.0.0.0/8" or "fd00::/8". */
export function isCidr(value: string): boolean {
  if (typeof value !== 'string') { return false; }
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) { return false; }
  if (prefix === undefined) { return true; }
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

function resolveInterception(path: string, spec: TrafficInterceptionSpec | undefined,
  containers: ResolvedContainer[]): ResolvedInterception | undefined {
  if (spec === undefined) { return undefined; }
  const f = 'pod.trafficInterception';
  const proxy = containers.find(c => c.name === spec.proxyContainer);
  if (!proxy || proxy.role !== StartupRole.SIDECAR) {
    throw Errors.invalidInterception(path, `${f}.proxyContainer`, spec.proxyContainer, 'is not a long-running container of this sidecar',
      `Name one of: ${containers.filter(c => c.role === StartupRole.SIDECAR).map(c => c.name).join(', ') || 'none'}`);
  }
  checkId(path, `${f}.proxyUid`, spec.proxyUid);
  if (spec.proxyUid !== proxy.security.uid) {
    throw Errors.invalidInterception(path, `${f}.proxyUid`, spec.proxyUid, `differs from the UID ${proxy.security.uid} the proxy container runs as, so the proxy's own traffic would be redirected back to it`,
      'Use the proxy container\'s UID');
  }
  if (spec.proxyGid !== undefined) {
    checkId(path, `${f}.proxyGid`, spec.proxyGid);
    if (spec.proxyGid !== proxy.security.gid) {
      throw Errors.invalidInterception(path, `${f}.proxyGid`, spec.proxyGid, `differs from the GID ${proxy.security.gid} the proxy container runs as`, 'Use the proxy container\'s GID');
    }
  }
  for (const key of ['inboundPort', 'outboundPort'] as const) {
    const port = spec[key];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) { throw Errors.invalidPort(path, `${f}.${key}`, port); }
    if (!proxy.ports.some(p => p.port === port && p.protocol === Protocol.TCP)) {
      throw Errors.invalidInterception(path, `${f}.${key}`, port, `is not a TCP port of the proxy container ${JSON.stringify(proxy.name)}`,
        'Declare it in the proxy container\'s ports (POD_LOCAL is fine)');
    }
  }
  if (spec.inboundPort === spec.outboundPort) {
    throw Errors.invalidInterception(path, `${f}.outboundPort`, spec.outboundPort, 'equals inboundPort', 'Use two different proxy ports');
  }
  const portList = (key: 'appPorts' | 'excludeInboundPorts' | 'excludeOutboundPorts' | 'includeOutboundPorts') => (spec[key] ?? []).map((port, i) => {
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) { throw Errors.invalidPort(path, `${f}.${key}[${i}]`, port); }
    return port;
  });
  const cidrList = (key: 'excludeOutboundCidrs' | 'includeOutboundCidrs') => (spec[key] ?? []).map((cidr, i) => {
    if (!isCidr(cidr)) {
      throw Errors.invalidInterception(path, `${f}.${key}[${i}]`, cidr, 'is not an IP address or CIDR', 'Use for example "10.0.0.0/8", "169.254.169.254" or "fd00::/8"');
    }
    return cidr;
  });
  const appPorts = spec.appPorts ? portList('appPorts') : undefined;
  const excludeInboundPorts = portList('excludeInboundPorts');
  // The proxy's own ports are never captured: a capture of one would loop traffic into the proxy.
  for (const own of proxy.ports.filter(p => p.protocol === Protocol.TCP).map(p => p.port)) {
    if (appPorts?.includes(own)) {
      throw Errors.invalidInterception(path, `${f}.appPorts`, appPorts, `captures the proxy's own port ${own}`, 'Remove the proxy\'s ports from appPorts');
    }
  }
  let probeRedirect: ResolvedInterception['probeRedirect'];
  if (spec.probeRedirect) {
    const port = spec.probeRedirect.port;
    if (!proxy.ports.some(p => p.port === port && p.protocol === Protocol.TCP)) {
      throw Errors.invalidInterception(path, `${f}.probeRedirect.port`, port, `is not a TCP port of the proxy container ${JSON.stringify(proxy.name)}`,
        'Declare it in the proxy container\'s ports (EXPOSED: the kubelet must reach it)');
    }
    const prefix = spec.probeRedirect.pathPrefix ?? '/app-health';
    if (!/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(prefix)) {
      throw Errors.invalidInterception(path, `${f}.probeRedirect.pathPrefix`, prefix, 'is not a path prefix', 'Use a path like "/app-health"');
    }
    probeRedirect = { port, pathPrefix: prefix };
  }
  if (spec.redirectImage !== undefined && !isImageReference(spec.redirectImage)) {
    throw Errors.invalidImage(path, `${f}.redirectImage`, spec.redirectImage);
  }
  const redirectMode = spec.redirectMode ?? RedirectMode.INIT_CONTAINER;
  if (!Object.values(RedirectMode).includes(redirectMode)) {
    throw Errors.invalidInterception(path, `${f}.redirectMode`, redirectMode, 'is not a RedirectMode', `Use one of ${Object.values(RedirectMode).join(', ')}`);
  }
  // Linux interface names: at most 15 characters (IFNAMSIZ - 1); the characters istio/istio pkg/util/net/ip.go
  // ValidateInterfaceNames accepts, which are also safe in an iptables rule and an annotation value.
  const interfaces = (key: 'excludeInterfaces' | 'rerouteVirtualInterfaces') => (spec[key] ?? []).map((name, i) => {
    if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(name)) {
      throw Errors.invalidInterception(path, `${f}.${key}[${i}]`, name, 'is not a network interface name',
        'Give a name of at most 15 letters, digits, \'_\', \'.\' and \'-\', starting with a letter, e.g. "net1"');
    }
    return name;
  });
  const excludeInterfaces = interfaces('excludeInterfaces');
  const rerouteVirtualInterfaces = interfaces('rerouteVirtualInterfaces');
  if (spec.nativeNftables !== undefined && typeof spec.nativeNftables !== 'boolean') {
    throw Errors.invalidInterception(path, `${f}.nativeNftables`, spec.nativeNftables, 'is not a boolean', 'Use true or false');
  }
  if (spec.nativeNftables && redirectMode === RedirectMode.CNI) {
    throw Errors.invalidInterception(path, `${f}.nativeNftables`, true, 'has no effect with RedirectMode.CNI: the node\'s CNI plugin chooses iptables or nftables (its own nativeNftables setting)',
      'Leave nativeNftables out, or use RedirectMode.INIT_CONTAINER');
  }
  const both = rerouteVirtualInterfaces.find(n => excludeInterfaces.includes(n));
  if (both !== undefined) {
    throw Errors.invalidInterception(path, `${f}.rerouteVirtualInterfaces`, both, 'is in excludeInterfaces too', 'Either reroute an interface or exclude it');
  }
  return {
    proxyContainer: proxy.name,
    proxyUid: spec.proxyUid,
    proxyGid: spec.proxyGid,
    inboundPort: spec.inboundPort,
    outboundPort: spec.outboundPort,
    appPorts,
    excludeInboundPorts,
    excludeOutboundPorts: portList('excludeOutboundPorts'),
    excludeOutboundCidrs: cidrList('excludeOutboundCidrs'),
    includeOutboundPorts: spec.includeOutboundPorts ? portList('includeOutboundPorts') : undefined,
    includeOutboundCidrs: spec.includeOutboundCidrs ? cidrList('includeOutboundCidrs') : undefined,
    probeRedirect,
    redirectImage: spec.redirectImage,
    redirectMode,
    excludeInterfaces,
    rerouteVirtualInterfaces,
    nativeNftables: spec.nativeNftables === true,
    disableHint: spec.disableHint,
  };
}

const resolvedCache = new WeakMap<SidecarContribution, Map<string, ResolvedSidecar>>();

/** Kubernetes annotation keys: an optional DNS subdomain prefix and '/', then a name of up to 63 characters. */
const ANNOTATION_KEY = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function resolveAnnotations(path: string, annotations: { [key: string]: string } | undefined, prefix = 'pod.annotations'): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const field = `${prefix}[${JSON.stringify(key)}]`;
    if (!ANNOTATION_KEY.test(key) || (key.includes('/') && key.indexOf('/') > 253)) {
      throw Errors.invalidAnnotation(path, field, key, 'is not a valid annotation key');
    }
    if (typeof value !== 'string') { throw Errors.invalidAnnotation(path, field, value, 'is not a string value'); }
    out[key] = value;
  }
  return out;
}

function resolveEgress(path: string, egress: NetworkEndpoint[] | undefined): ResolvedSidecar['egress'] {
  return (checkArray(path, 'pod.egress', egress) as NetworkEndpoint[]).map((e, i) => {
    const field = `pod.egress[${i}]`;
    if (typeof e?.host !== 'string' || e.host === '') { throw Errors.invalidType(path, `${field}.host`, e?.host, 'a host name or IP address'); }
    checkInt(path, `${field}.port`, e.port, 1, 65535);
    if (typeof e.port !== 'number') { throw Errors.invalidPort(path, `${field}.port`, e.port); }
    if (e.protocol !== undefined && !Object.values(Protocol).includes(e.protocol)) {
      throw Errors.invalidType(path, `${field}.protocol`, e.protocol, `one of ${Object.values(Protocol).join(', ')}`);
    }
    if (typeof e.prop !== 'string') { throw Errors.invalidType(path, `${field}.prop`, e.prop, 'a string'); }
    return { host: e.host, port: e.port, protocol: e.protocol ?? Protocol.TCP, prop: e.prop };
  });
}

function resolveServices(path: string, services: PodServiceSpec[] | undefined): PodServiceSpec[] {
  return (checkArray(path, 'pod.services', services) as PodServiceSpec[]).map((svc, i) => {
    const field = `pod.services[${i}]`;
    if (typeof svc?.name !== 'string' || !/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(svc.name)) {
      throw Errors.invalidName(path, `${field}.name`, svc?.name, 'a Service name (a DNS label starting with a letter)');
    }
    const ports = checkArray(path, `${field}.ports`, svc.ports) as PodServiceSpec['ports'];
    if (ports.length === 0) { throw Errors.invalidPort(path, `${field}.ports`, ports); }
    ports.forEach((p, j) => {
      if (typeof p?.name !== 'string' || !/^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/.test(p.name) || !/[a-z]/.test(p.name)) {
        throw Errors.invalidPortName(path, `${field}.ports[${j}].name`, p?.name);
      }
      checkInt(path, `${field}.ports[${j}].port`, p.port, 1, 65535);
      checkInt(path, `${field}.ports[${j}].targetPort`, p.targetPort, 1, 65535);
    });
    const annotations = resolveAnnotations(path, svc.annotations, `${field}.annotations`);
    checkBoolean(path, `${field}.headless`, svc.headless);
    const resolvedPorts = ports.map(p => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port }));
    return { name: svc.name, ports: resolvedPorts, annotations, headless: svc.headless ?? false };
  });
}

/**
 * Checks every field of a contribution and fills in the defaults. A contribution
 * object that a sidecar hands out again (the generic sidecar always does) is resolved
 * once; the result is immutable and shared by every pod it joins.
 * @param path construct path of the sidecar, for messages
 */
export function resolveContribution(path: string, contribution: SidecarContribution): ResolvedSidecar {
  let byPath = resolvedCache.get(contribution);
  const cached = byPath?.get(path);
  if (cached) { return cached; }
  const resolved = resolveUncached(path, contribution);
  if (!byPath) {
    byPath = new Map();
    resolvedCache.set(contribution, byPath);
  }
  byPath.set(path, resolved);
  return resolved;
}

function resolveUncached(path: string, contribution: SidecarContribution): ResolvedSidecar {
  const containers = contribution.containers ?? [];
  if (!Array.isArray(containers) || containers.length === 0) { throw Errors.noContainers(path); }
  const origins = originsOf(path, 'origins', contribution.origins);
  const volumes = renaming(origins, '', () => resolveVolumes(path, contribution.volumes));
  const volumeMap = new Map((contribution.volumes ?? []).map(v => [v.name, v]));
  const owner: { -readonly [K in keyof ResolvedSidecar]: ResolvedSidecar[K] } = {
    path,
    containers: [],
    volumes,
    appRequests: renaming(origins, '', () => resolveAppRequests(path, contribution.appRequests, volumeMap)),
    origins,
    shareProcessNamespace: contribution.pod?.shareProcessNamespace ?? false,
    consumes: [...(contribution.consumes ?? [])],
    readsPodMetadata: contribution.pod?.readsPodMetadata ?? false,
    cloudPermissions: [],
    annotations: resolveAnnotations(path, contribution.pod?.annotations),
    services: resolveServices(path, contribution.pod?.services),
    egress: resolveEgress(path, contribution.pod?.egress),
    callerPorts: checkArray(path, 'pod.callerPorts', contribution.pod?.callerPorts).map((p, i) => {
      checkInt(path, `pod.callerPorts[${i}]`, p as number, 1, 65535);
      if (typeof p !== 'number') { throw Errors.invalidPort(path, `pod.callerPorts[${i}]`, p); }
      return p;
    }),
    warnings: (contribution.warnings ?? []).map(w => String(w)),
    settableProps: checkArray(path, 'settableProps', contribution.settableProps).map((p, i) => {
      if (typeof p !== 'string') { throw Errors.invalidType(path, `settableProps[${i}]`, p, 'a string'); }
      return p;
    }),
    userWritten: contribution.userWritten === true,
  };
  checkBoolean(path, 'userWritten', contribution.userWritten);
  if (contribution.pod?.fileGroup !== undefined) {
    checkId(path, 'pod.fileGroup', contribution.pod.fileGroup);
    if (contribution.pod.fileGroup === 0) {
      throw Errors.invalidRole(path, 'pod.fileGroup', 0, 'is the root group, which would become a supplementary group of every container of the pod', 'Use a non-zero GID');
    }
    owner.fileGroup = contribution.pod.fileGroup;
  }
  const names = new Set<string>();
  let uid: number | undefined;
  const fallbackUid = () => (uid = uid ?? defaultUid(String(containers[0]?.name)));
  containers.forEach((c, i) => {
    const prefix = containers.length === 1 ? '' : `containers[${i}](${c.name}).`;
    // Errors about a field the user set through a prop name the prop (ContainerSpec.origins).
    const resolved = renaming(originsOf(path, `${prefix}origins`, c?.origins), prefix, () => resolveContainer(path, owner, c, prefix, volumeMap, fallbackUid));
    if (names.has(resolved.name)) { throw Errors.duplicateContainerName(path, resolved.name, path, 'this sidecar'); }
    names.add(resolved.name);
    owner.containers.push(resolved);
  });
  owner.trafficInterception = resolveInterception(path, contribution.pod?.trafficInterception, owner.containers);
  owner.cloudPermissions = (contribution.pod?.cloudPermissions ?? []).map((cp, i) => {
    const f = `pod.cloudPermissions[${i}]`;
    if (!Object.values(CloudProvider).includes(cp.provider)) {
      throw Errors.invalidRole(path, `${f}.provider`, cp.provider, 'is not a CloudProvider', 'Use CloudProvider.AWS');
    }
    if (!Array.isArray(cp.actions) || cp.actions.length === 0 || cp.actions.some(a => typeof a !== 'string' || !/^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(a))) {
      throw Errors.invalidRole(path, `${f}.actions`, cp.actions, 'are not IAM actions like "xray:PutTraceSegments"', 'Give service:Action names');
    }
    const resources = cp.resources ?? ['*'];
    if (resources.length === 0 || resources.some(r => typeof r !== 'string' || r.length === 0)) {
      throw Errors.invalidRole(path, `${f}.resources`, resources, 'are empty', 'Give ARNs or "*"');
    }
    return { provider: cp.provider, actions: [...cp.actions], resources: [...resources] };
  });
  const router = contribution.pod?.logRouter;
  if (router) {
    const c = owner.containers.find(x => x.name === router.container);
    if (!c || c.role !== StartupRole.SIDECAR) {
      throw Errors.invalidRole(path, 'pod.logRouter.container', router.container, 'is not a long-running container of this sidecar', 'Name the router container');
    }
    if (!Object.values(LogRouterType).includes(router.type)) {
      throw Errors.invalidRole(path, 'pod.logRouter.type', router.type, 'is not a LogRouterType', 'Use LogRouterType.FLUENT_BIT or FLUENTD');
    }
    if (router.configFile !== undefined) {
      const problem = pathProblem(router.configFile);
      if (problem) { throw Errors.invalidPath(path, 'pod.logRouter.configFile', router.configFile, problem); }
    }
    let includeFile: { volume: string; name: string; content: string } | undefined;
    if (router.configFileContent !== undefined) {
      if (typeof router.configFileContent !== 'string' || router.configFile === undefined) {
        throw Errors.invalidRole(path, 'pod.logRouter.configFileContent', typeof router.configFileContent, 'needs a string and pod.logRouter.configFile',
          'Give configFile (the path the platform includes) with its content');
      }
      const dir = router.configFile.slice(0, router.configFile.lastIndexOf('/')) || '/';
      const name = router.configFile.slice(router.configFile.lastIndexOf('/') + 1);
      const mount = c.volumeMounts.find(m => m.path === dir && owner.volumes.some(v => v.name === m.volume && v.kind === VolumeKind.CONFIG_FILES));
      if (!mount) {
        throw Errors.invalidRole(path, 'pod.logRouter.configFile', router.configFile, `is not in a CONFIG_FILES volume that container ${JSON.stringify(c.name)} mounts at ${JSON.stringify(dir)}`,
          'Mount a CONFIG_FILES volume of the sidecar at the file\'s directory in the router container');
      }
      if (owner.volumes.find(v => v.name === mount.volume)!.files.some(f => f.name === name)) {
        throw Errors.invalidRole(path, 'pod.logRouter.configFile', router.configFile, `is also one of volume ${JSON.stringify(mount.volume)}'s own files`,
          'Give the file once: either in the volume or as configFileContent');
      }
      includeFile = { volume: mount.volume, name, content: router.configFileContent };
    }
    if (router.configFlag !== undefined && !/^--?[A-Za-z][-A-Za-z0-9]*$/.test(router.configFlag)) {
      throw Errors.invalidRole(path, 'pod.logRouter.configFlag', router.configFlag, 'is not a command-line flag',
        'Give the flag that names the configuration file, e.g. "-c"');
    }
    owner.logRouter = {
      container: router.container,
      type: router.type,
      configFile: router.configFile,
      includeFile,
      configFlag: router.configFlag,
      appLogOptions: { ...router.appLogOptions },
      enableMetadata: router.enableMetadata ?? true,
    };
  }
  return owner;
}

/**
 * The prop of a sidecar that sets `prop` (e.g. `DaprSidecarProps.appWaitsFor` for
 * 'appWaitsFor'), when the sidecar has one; binders name only such props in their advice.
 */
export function settableProp(owner: ResolvedSidecar, prop: string): string | undefined {
  return owner.settableProps.find(p => p.endsWith(`.${prop}`));
}

/** Something a sidecar asked that a platform does not honour: said to the user in one of two ways. */
export interface LimitReport {
  /** Said as a warning (the user wrote it): `silence` is the advice that names the prop. */
  readonly warn: (path: string, message: string) => void;
  /** Said as a note (the sidecar's own default: nothing to be done). */
  readonly note: (path: string, message: string) => void;
}

/**
 * Says that a platform does not honour `prop` of a sidecar: a warning ending with the advice
 * that silences it when the user wrote the value (the generic Sidecar) and the sidecar has the
 * prop, else a note (a default the user never set).
 */
export function reportLimit(say: LimitReport, owner: ResolvedSidecar, prop: string, message: string,
  silence: (qualifiedProp: string) => string): void {
  const qualified = settableProp(owner, prop);
  if (owner.userWritten && qualified) {
    say.warn(owner.path, `${message}; ${silence(qualified)}`);
  } else {
    say.note(owner.path, message);
  }
}

/**
 * A sidecar's resources: its defaults, overridden by what the user gave. A request above its
 * limit where one of the two is a default the user never set is reported at the value the user
 * set, naming the default and the prop to set.
 */
export function withDefaultResources(path: string, defaults: ResourceRequirements, given: ResourceRequirements | undefined, field = 'resources'): ResourceRequirements {
  const merged: ResourceRequirements = { ...defaults, ...given };
  const set = (key: keyof ResourceRequirements) => given?.[key] !== undefined;
  for (const [request, limit] of [['cpuRequestMillicores', 'cpuLimitMillicores'], ['memoryRequestMebibytes', 'memoryLimitMebibytes'],
    ['ephemeralStorageRequestMebibytes', 'ephemeralStorageLimitMebibytes']] as const) {
    const r = merged[request];
    const l = merged[limit];
    if (typeof r !== 'number' || typeof l !== 'number' || r <= l || set(request) === set(limit)) { continue; }
    if (set(limit)) {
      throw Errors.invalidResources(path, `${field}.${limit}`, l, `is below this sidecar's default ${request} of ${r}, which was not set`,
        `Set ${field}.${request} to at most ${l} too, or raise ${field}.${limit} to at least ${r}`);
    }
    throw Errors.invalidResources(path, `${field}.${request}`, r, `is above this sidecar's default ${limit} of ${l}, which was not set`,
      `Set ${field}.${limit} to at least ${r} too, or lower ${field}.${request} to at most ${l}`);
  }
  return merged;
}

/**
 * A rendered container with the container's patches for `platform` applied (SidecarOverrides
 * kubernetesPatches / ecsPatches / aciPatches); errors name the prop the user wrote.
 */
export function patchRendered(c: ResolvedContainer, rendered: any, platform: PatchPlatform): any {
  const patches = c[platform.key];
  if (patches.length === 0) { return rendered; }
  return renaming(c.origins, c.field, () => applyPatches(c.owner.path, `${c.field}${platform.key}`, rendered, patches, platform));
}
