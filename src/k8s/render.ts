/**
 * Renders a composed pod (platform-neutral) into Kubernetes pod spec JSON.
 * Pure functions on plain JSON; no cdk8s import, so it is cheap and testable.
 */
import { createHash } from 'crypto';
import { AppInitContainerPlacement } from './placement';
import { REDIRECT_CHECK_CONTAINER, REDIRECT_CONTAINER, REDIRECT_VOLUME, cniAnnotations, redirectCheckContainer, redirectInitContainer, redirectVolumes, rewriteAppProbes, rulesByCni } from './redirect';
import { SidecarMode } from './target';
import { BATCH_KINDS, podTemplate } from './workload';
import { ComposedPod, ComposedVolume } from '../core/composition';
import { AppArmorProfile, AppArmorProfileType, EnvVarSpec, ImagePullPolicy, PodField, PortExposure, ResourceRequirements, SeccompProfile, StartupRole, WaitCondition } from '../core/container';
import { Errors } from '../core/errors';
import { KUBERNETES_PATCHES } from '../core/patch';
import { Probe, ProbeKind } from '../core/probe';
import { ResolvedContainer, isDeclared, patchRendered, userField } from '../core/resolve';
import { VolumeKind } from '../core/volume';

/** Annotation on the pod template: the containers injected by cdk-sidecars. */
export const INJECTED_ANNOTATION = 'cdk-sidecars.dev/injected';
/** Annotation on the pod template: the cdk-sidecars version that injected them. */
export const VERSION_ANNOTATION = 'cdk-sidecars.dev/version';
/** Annotation on the pod template: hash of the generated config files (a change rolls the pods). */
export const CONFIG_HASH_ANNOTATION = 'cdk-sidecars.dev/config-hash';
/** Annotation on the pod template: the SidecarInjector(s) that matched the workload. */
export const INJECTOR_ANNOTATION = 'cdk-sidecars.dev/injector';
/** Annotation (on the workload or its pod template) that opts out of SidecarInjector: "false". */
export const INJECT_ANNOTATION = 'cdk-sidecars.dev/inject';

const FIELD_PATHS: { [field in PodField]: string } = {
  [PodField.POD_NAME]: 'metadata.name',
  [PodField.POD_NAMESPACE]: 'metadata.namespace',
  [PodField.POD_IP]: 'status.podIP',
  [PodField.NODE_NAME]: 'spec.nodeName',
  [PodField.POD_UID]: 'metadata.uid',
};

export interface RenderSettings {
  readonly mode: SidecarMode;
  readonly appInitContainers: AppInitContainerPlacement;
  /** Name of the ConfigMap or Secret that holds each CONFIG_FILES volume. */
  readonly configObjectNames: ReadonlyMap<string, string>;
  readonly version: string;
  readonly injectors: readonly string[];
  /** The service account made for sidecars that read pod metadata, used when the pod names none. */
  readonly serviceAccountName?: string;
  /**
   * AppArmor profiles go in `securityContext.appArmorProfile` (target 1.30 or later, or none stated);
   * false: the beta annotation on the pod template (older targets).
   * @default true
   */
  readonly appArmorField?: boolean;
}

/** The first Kubernetes minor version with `securityContext.appArmorProfile` (AppArmor GA, kubernetes/enhancements#24). */
export const APPARMOR_FIELD_SINCE = 30;

/** Kubernetes' names of the AppArmor profile types (core/v1 AppArmorProfile.type). */
export const APPARMOR_TYPES: { [t in AppArmorProfileType]: string } = {
  [AppArmorProfileType.RUNTIME_DEFAULT]: 'RuntimeDefault',
  [AppArmorProfileType.LOCALHOST]: 'Localhost',
  [AppArmorProfileType.UNCONFINED]: 'Unconfined',
};

/**
 * The value of the beta annotation `container.apparmor.security.beta.kubernetes.io/<container>`
 * for Kubernetes before 1.30: `runtime/default`, `localhost/<profile>` or `unconfined`
 * (k8s.io/api core/v1 DeprecatedAppArmorBetaProfileRuntimeDefault, ...NamePrefix, ...Unconfined).
 */
export function appArmorAnnotation(profile: AppArmorProfile): string {
  switch (profile.type) {
    case AppArmorProfileType.RUNTIME_DEFAULT: return 'runtime/default';
    case AppArmorProfileType.LOCALHOST: return `localhost/${profile.localhostProfile}`;
    case AppArmorProfileType.UNCONFINED: return 'unconfined';
  }
}

/** The annotation key of a container's AppArmor profile before Kubernetes 1.30. */
export const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** The rendered seccompProfile of a container: Localhost (relative to the kubelet's seccomp root), Unconfined or RuntimeDefault. */
function renderSeccomp(s: ResolvedContainer['security']): any {
  if (s.localhostSeccompProfile) { return { type: 'Localhost', localhostProfile: s.localhostSeccompProfile.localhostProfile }; }
  return { type: s.seccompProfile === SeccompProfile.UNCONFINED ? 'Unconfined' : 'RuntimeDefault' };
}

export function cpuQuantity(millicores: number): string {
  return Number.isInteger(millicores) ? `${millicores}m` : `${Math.ceil(millicores)}m`;
}

export function memoryQuantity(mebibytes: number): string {
  return Number.isInteger(mebibytes) ? `${mebibytes}Mi` : `${Math.ceil(mebibytes * 1024)}Ki`;
}

function renderResources(r: ResourceRequirements): any {
  const requests: any = {};
  const limits: any = {};
  if (r.cpuRequestMillicores !== undefined) { requests.cpu = cpuQuantity(r.cpuRequestMillicores); }
  if (r.memoryRequestMebibytes !== undefined) { requests.memory = memoryQuantity(r.memoryRequestMebibytes); }
  if (r.cpuLimitMillicores !== undefined) { limits.cpu = cpuQuantity(r.cpuLimitMillicores); }
  if (r.memoryLimitMebibytes !== undefined) { limits.memory = memoryQuantity(r.memoryLimitMebibytes); }
  // kubernetes.io/docs/concepts/configuration/manage-resources-containers/#local-ephemeral-storage
  if (r.ephemeralStorageRequestMebibytes !== undefined) { requests['ephemeral-storage'] = memoryQuantity(r.ephemeralStorageRequestMebibytes); }
  if (r.ephemeralStorageLimitMebibytes !== undefined) { limits['ephemeral-storage'] = memoryQuantity(r.ephemeralStorageLimitMebibytes); }
  const out: any = {};
  if (Object.keys(requests).length) { out.requests = requests; }
  if (Object.keys(limits).length) { out.limits = limits; }
  return Object.keys(out).length ? out : undefined;
}

export function renderEnv(e: EnvVarSpec): any {
  if (e.secret) { return { name: e.name, valueFrom: { secretKeyRef: { name: e.secret.secretName, key: e.secret.key } } }; }
  if (e.podField) { return { name: e.name, valueFrom: { fieldRef: { fieldPath: FIELD_PATHS[e.podField] } } }; }
  return { name: e.name, value: e.value };
}

function renderProbe(c: ResolvedContainer, field: string, probe: Probe): any {
  const out: any = {};
  if (probe.kind === ProbeKind.EXEC) {
    out.exec = { command: probe.command };
  } else {
    const port = c.ports.find(p => p.port === probe.port);
    if (port && port.exposure === PortExposure.POD_LOCAL) {
      throw Errors.probeUnreachable(c.owner.path, `${c.field}${field}.port`, probe.port!);
    }
    out[probe.kind === ProbeKind.HTTP_GET ? 'httpGet' : 'tcpSocket'] = probe.kind === ProbeKind.HTTP_GET
      ? { path: probe.path, port: probe.port, scheme: probe.scheme }
      : { port: probe.port };
  }
  const t = probe.timing;
  if (t.initialDelaySeconds !== undefined) { out.initialDelaySeconds = t.initialDelaySeconds; }
  if (t.periodSeconds !== undefined) { out.periodSeconds = t.periodSeconds; }
  if (t.timeoutSeconds !== undefined) { out.timeoutSeconds = t.timeoutSeconds; }
  if (t.failureThreshold !== undefined) { out.failureThreshold = t.failureThreshold; }
  if (t.successThreshold !== undefined) { out.successThreshold = t.successThreshold; }
  return out;
}

/** Containers some other container (or the app) waits on until HEALTHY. */
function healthGated(pod: ComposedPod): Set<string> {
  const gated = new Set<string>();
  for (const c of pod.containers) {
    if (c.role === StartupRole.SIDECAR && c.appWaitsFor === WaitCondition.HEALTHY) { gated.add(c.name); }
    for (const d of c.dependsOn) {
      if (d.condition === WaitCondition.HEALTHY) { gated.add(d.container); }
    }
  }
  return gated;
}

export function renderContainer(c: ResolvedContainer, mode: SidecarMode, gated: boolean, appArmorField = true): any {
  const out: any = { name: c.name, image: c.image };
  if (c.imagePullPolicy) { out.imagePullPolicy = PULL_POLICIES[c.imagePullPolicy]; }
  if (c.command) { out.command = c.command; }
  if (c.args) { out.args = c.args; }
  if (c.workingDir) { out.workingDir = c.workingDir; }
  if (c.env.length) { out.env = c.env.map(renderEnv); }
  const ports = c.ports.filter(isDeclared)
    .map(p => (p.name ? { containerPort: p.port, name: p.name, protocol: p.protocol } : { containerPort: p.port, protocol: p.protocol }));
  if (ports.length) { out.ports = ports; }
  const resources = renderResources(c.resources);
  if (resources) { out.resources = resources; }
  const s = c.security;
  out.securityContext = {
    runAsUser: s.uid,
    runAsGroup: s.gid,
    runAsNonRoot: s.uid !== 0,
    allowPrivilegeEscalation: s.allowPrivilegeEscalation,
    privileged: s.privileged,
    readOnlyRootFilesystem: s.readOnlyRootFilesystem,
    capabilities: s.addCapabilities.length ? { drop: ['ALL'], add: s.addCapabilities } : { drop: ['ALL'] },
    seccompProfile: renderSeccomp(s),
  };
  if (s.appArmorProfile && appArmorField) {
    out.securityContext.appArmorProfile = {
      type: APPARMOR_TYPES[s.appArmorProfile.type],
      ...(s.appArmorProfile.localhostProfile !== undefined ? { localhostProfile: s.appArmorProfile.localhostProfile } : {}),
    };
  }
  const native = mode === SidecarMode.NATIVE && c.role === StartupRole.SIDECAR;
  // A native sidecar that others wait on until HEALTHY needs a startup probe: that is
  // what the kubelet waits on before it starts the next container.
  const startupProbe = c.startupProbe ?? (native && gated ? c.readinessProbe : undefined);
  if (startupProbe) { out.startupProbe = renderProbe(c, c.startupProbe ? 'startupProbe' : 'readinessProbe', startupProbe); }
  if (c.readinessProbe) { out.readinessProbe = renderProbe(c, 'readinessProbe', c.readinessProbe); }
  if (c.livenessProbe) { out.livenessProbe = renderProbe(c, 'livenessProbe', c.livenessProbe); }
  const mounts = [...c.volumeMounts, ...c.appVolumeMounts].map(m => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly }));
  if (c.identityToken) { mounts.push({ name: identityVolumeName(c.name), mountPath: tokenDir(c.identityToken.path), readOnly: true }); }
  if (mounts.length) { out.volumeMounts = mounts; }
  const lifecycle: any = {};
  if (c.shutdown.drainCommand) { lifecycle.preStop = { exec: { command: c.shutdown.drainCommand } }; }
  if (mode === SidecarMode.CLASSIC && gated && c.waitCommand) { lifecycle.postStart = { exec: { command: c.waitCommand } }; }
  if (Object.keys(lifecycle).length) { out.lifecycle = lifecycle; }
  if (native) { out.restartPolicy = 'Always'; }
  // The escape hatch (SidecarOverrides.kubernetesPatches), on the container as rendered.
  return patchRendered(c, out, KUBERNETES_PATCHES);
}

/** Kubernetes' names of the pull policies (core/v1 Container.imagePullPolicy). */
const PULL_POLICIES: { [p in ImagePullPolicy]: string } = {
  [ImagePullPolicy.ALWAYS]: 'Always',
  [ImagePullPolicy.IF_NOT_PRESENT]: 'IfNotPresent',
  [ImagePullPolicy.NEVER]: 'Never',
};

/** The directory a container's projected token is mounted at (the token file's directory). */
function tokenDir(tokenPath: string): string {
  return tokenPath.slice(0, tokenPath.lastIndexOf('/'));
}

/**
 * The projected-token volume of a container: `<container>-identity`, or for a container name
 * over 54 characters a shortened name with a hash of the whole name, so that two long names
 * with one prefix (a Vault agent and its `-init`) get two volumes, not one.
 */
export function identityVolumeName(container: string): string {
  if (container.length <= 54) { return `${container}-identity`; }
  const hash = createHash('sha256').update(container).digest('hex').slice(0, 6);
  return `${container.slice(0, 47).replace(/-+$/, '')}-${hash}-identity`;
}

/**
 * A projected service account token (with the cluster CA and the namespace), mounted only
 * into the container that asked, so the pod can keep automountServiceAccountToken off.
 */
export function identityVolume(c: ResolvedContainer): any {
  const tokenPath = c.identityToken!.path;
  const token: any = { path: tokenPath.slice(tokenPath.lastIndexOf('/') + 1), expirationSeconds: c.identityToken!.expirationSeconds };
  if (c.identityToken!.audience) { token.audience = c.identityToken!.audience; }
  return {
    name: identityVolumeName(c.name),
    projected: {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: token },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** Whether every mount of a volume in the pod (sidecars and app containers) is read-only. */
function mountedReadOnly(pod: ComposedPod, volume: string): boolean {
  const mounts = [...pod.containers.flatMap(c => c.volumeMounts), ...[...pod.appMounts.values()].flat()].filter(m => m.volume === volume);
  return mounts.length > 0 && mounts.every(m => m.readOnly);
}

/**
 * The pod volume of a sidecar's volume. `readOnly`: every mount of it is read-only, which a
 * claim or CSI volume then says too (a CSI driver such as the Secrets Store's refuses a
 * read-write volume: kubernetes-sigs/secrets-store-csi-driver docs, "readOnly: true").
 */
export function renderVolume(cv: ComposedVolume, configObjectNames: ReadonlyMap<string, string>, readOnly = false): any {
  const v = cv.volume;
  switch (v.kind) {
    // Field names: core/v1 PersistentVolumeClaimVolumeSource, CSIVolumeSource, EphemeralVolumeSource
    // (PersistentVolumeClaimTemplate), HostPathVolumeSource (the vendored Kubernetes OpenAPI,
    // test/validate/schemas/kubernetes/api__v1_openapi.json).
    case VolumeKind.PERSISTENT_CLAIM:
      return { name: v.name, persistentVolumeClaim: { claimName: v.claimName, ...(readOnly ? { readOnly: true } : {}) } };
    case VolumeKind.CSI:
      return {
        name: v.name,
        csi: {
          driver: v.csiDriver,
          ...(readOnly ? { readOnly: true } : {}),
          ...(v.fsType !== undefined ? { fsType: v.fsType } : {}),
          ...(v.csiAttributes !== undefined ? { volumeAttributes: { ...v.csiAttributes } } : {}),
        },
      };
    case VolumeKind.EPHEMERAL_CLAIM:
      return {
        name: v.name,
        ephemeral: {
          volumeClaimTemplate: {
            metadata: { labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } },
            spec: {
              // One pod's own claim: ReadWriteOnce, the mode every provisioner offers.
              accessModes: ['ReadWriteOnce'],
              ...(v.storageClassName !== undefined ? { storageClassName: v.storageClassName } : {}),
              resources: { requests: { storage: memoryQuantity(v.claimSizeMebibytes!) } },
            },
          },
        },
      };
    case VolumeKind.HOST_PATH:
      return { name: v.name, hostPath: { path: v.hostPath, ...(v.hostPathType !== undefined ? { type: v.hostPathType } : {}) } };
    case VolumeKind.SCRATCH:
      return { name: v.name, emptyDir: v.sizeLimitMebibytes ? { sizeLimit: memoryQuantity(v.sizeLimitMebibytes) } : {} };
    case VolumeKind.MEMORY:
      return { name: v.name, emptyDir: v.sizeLimitMebibytes ? { medium: 'Memory', sizeLimit: memoryQuantity(v.sizeLimitMebibytes) } : { medium: 'Memory' } };
    case VolumeKind.SECRET:
      // 0444: the kubelet writes the files as root, so 0440 would lock out every non-root
      // container unless the pod has an fsGroup; the volume is mounted only into the
      // containers that asked for it, which is what keeps the others out.
      return { name: v.name, secret: { secretName: v.secretName, defaultMode: 0o444 } };
    case VolumeKind.CONFIG_FILES: {
      const items = v.files.map(f => ({ key: f.name, path: f.name, mode: f.mode }));
      const objectName = configObjectNames.get(v.name)!;
      return v.sensitive
        ? { name: v.name, secret: { secretName: objectName, items } }
        : { name: v.name, configMap: { name: objectName, items } };
    }
  }
}

/** sha256 over every generated config file, in a stable order. */
export function configHash(pod: ComposedPod): string | undefined {
  const files = pod.volumes.filter(v => v.volume.kind === VolumeKind.CONFIG_FILES);
  if (files.length === 0) { return undefined; }
  const h = createHash('sha256');
  for (const v of files) {
    for (const f of v.volume.files) { h.update(`${v.volume.name}/${f.name}\0${f.mode}\0${f.content}\0`); }
  }
  return h.digest('hex').slice(0, 16);
}

/** Checks that a composed pod can be rendered in the chosen mode for this workload kind. */
export function checkMode(pod: ComposedPod, kind: string, mode: SidecarMode): void {
  if (mode !== SidecarMode.CLASSIC) { return; }
  const gated = healthGated(pod);
  const byName = new Map(pod.containers.map(c => [c.name, c]));
  for (const c of pod.containers) {
    if (c.role === StartupRole.SIDECAR && BATCH_KINDS.has(kind)) {
      throw Errors.jobNeedsNativeSidecars(pod.targetPath, kind, c.name, c.owner.path);
    }
    if (gated.has(c.name) && !c.waitCommand) {
      throw Errors.classicCannotWait(c.owner.path, userField(c.origins, c.field, 'waitCommand'), c.name, 'nothing can wait until this container is HEALTHY without a waitCommand');
    }
    c.dependsOn.forEach((d, i) => {
      if (c.role === StartupRole.INIT_STEP && byName.get(d.container)!.role === StartupRole.SIDECAR) {
        throw Errors.classicCannotWait(c.owner.path, `${c.field}dependsOn[${i}]`, c.name, `an init step cannot wait for the long-running container ${JSON.stringify(d.container)}, which starts after all init containers`);
      }
    });
  }
}

/**
 * What a set of sidecars needs checked and known per mode and kind of workload. Workloads
 * that share a set of sidecars share its start order (the same array), so this is
 * worked out once per set; the containers themselves are rendered fresh for each pod,
 * so that no two manifests share an object.
 */
const modeCache = new WeakMap<readonly ResolvedContainer[], Map<string, Set<string>>>();

function renderSidecarContainers(pod: ComposedPod, kind: string, mode: SidecarMode, appArmorField: boolean): { asInit: any[]; asClassic: any[] } {
  const key = `${mode}/${BATCH_KINDS.has(kind) ? 'batch' : 'service'}`;
  let byKey = modeCache.get(pod.containers);
  let gated = byKey?.get(key);
  if (gated === undefined) {
    checkMode(pod, kind, mode);
    gated = healthGated(pod);
    if (!byKey) {
      byKey = new Map();
      modeCache.set(pod.containers, byKey);
    }
    byKey.set(key, gated);
  }
  const asInit: any[] = [];
  const asClassic: any[] = [];
  for (const c of pod.containers) {
    const rendered = renderContainer(c, mode, gated.has(c.name), appArmorField);
    (mode === SidecarMode.CLASSIC && c.role === StartupRole.SIDECAR ? asClassic : asInit).push(rendered);
  }
  return { asInit, asClassic };
}

/**
 * Injects a composed pod into a workload's JSON (mutates and returns it).
 */
export function injectIntoWorkload(json: any, pod: ComposedPod, settings: RenderSettings): any {
  const template = podTemplate(json);
  const spec = template.spec = template.spec ?? {};
  const mode = settings.mode;
  const appArmorField = settings.appArmorField ?? true;
  const { asInit, asClassic } = renderSidecarContainers(pod, json.kind, mode, appArmorField);
  const interception = pod.trafficInterception;
  if (interception) {
    rewriteAppProbes(spec, interception, pod.targetPath);
    // The rules go in right before the proxy starts: in native mode just before the
    // proxy's own init entry, so the init steps before it still have a plain network and
    // the ones after it go through the running proxy; in classic mode after every init
    // step, because the proxy only starts with the app containers.
    // CNI mode: the node's CNI plugin installed the rules when the pod's network was made;
    // an unprivileged check takes the privileged init container's place.
    const byCni = rulesByCni(interception.spec);
    const redirect = byCni ? redirectCheckContainer(interception) : redirectInitContainer(interception);
    const proxyAt = asInit.findIndex(c => c.name === interception.spec.proxyContainer);
    if (mode === SidecarMode.NATIVE) {
      asInit.splice(proxyAt, 0, redirect);
    } else {
      if (settings.appInitContainers === AppInitContainerPlacement.AFTER_SIDECARS && (spec.initContainers ?? []).length) {
        throw Errors.invalidInterception(pod.targetPath, 'appInitContainers', AppInitContainerPlacement.AFTER_SIDECARS,
          `would run the workload's init containers after the redirect rules of ${interception.owner.path} but before its proxy starts (classic mode), without a network`,
          'Use AppInitContainerPlacement.BEFORE_SIDECARS, or native sidecars (Kubernetes >= 1.29)');
      }
      asInit.push(redirect);
    }
  }

  const userInit: any[] = spec.initContainers ?? [];
  const initContainers = settings.appInitContainers === AppInitContainerPlacement.AFTER_SIDECARS
    ? [...asInit, ...userInit] : [...userInit, ...asInit];
  if (initContainers.length) { spec.initContainers = initContainers; }

  const appContainers: any[] = (spec.containers ?? []).map((c: any) => {
    const env = pod.appEnv.get(c.name) ?? [];
    const mounts = pod.appMounts.get(c.name) ?? [];
    if (env.length === 0 && mounts.length === 0) { return c; }
    const out = { ...c };
    if (env.length) { out.env = [...(c.env ?? []), ...env.map(renderEnv)]; }
    if (mounts.length) {
      out.volumeMounts = [...(c.volumeMounts ?? []), ...mounts.map(m => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly }))];
    }
    return out;
  });
  spec.containers = [...asClassic, ...appContainers];

  const volumes = pod.volumes.map(v => renderVolume(v, settings.configObjectNames, mountedReadOnly(pod, v.volume.name)));
  if (interception && !rulesByCni(interception.spec)) {
    volumes.push(...redirectVolumes(settings.configObjectNames.get(REDIRECT_VOLUME)!, interception.spec.nativeNftables));
  }
  volumes.push(...pod.containers.filter(c => c.identityToken).map(identityVolume));
  // A pod naming its account (serviceAccountName, or the deprecated alias serviceAccount) keeps it.
  if (pod.readsPodMetadata.length && settings.serviceAccountName && !spec.serviceAccountName && !spec.serviceAccount) {
    spec.serviceAccountName = settings.serviceAccountName;
  }
  if (volumes.length) {
    spec.volumes = [...(spec.volumes ?? []), ...volumes];
  }
  if (pod.fileGroup) {
    // fsGroup: the kubelet makes the pod's volumes group-owned by it with the setgid bit
    // (files created in them inherit the group) and gives it to every container as a
    // supplementary group (PodSecurityContext.fsGroup in the Kubernetes API reference).
    // A group the user set already does both for every volume, so it is kept as it is.
    const securityContext = spec.securityContext = { ...(spec.securityContext ?? {}) };
    if (securityContext.fsGroup === undefined) { securityContext.fsGroup = pod.fileGroup.gid; }
  }
  if (pod.shareProcessNamespace) {
    if (spec.shareProcessNamespace === false) {
      const owner = pod.sidecars.find(s => s.shareProcessNamespace)!;
      throw Errors.invalidRole(owner.path, 'shareProcessNamespace', true, `conflicts with shareProcessNamespace: false set on ${pod.targetPath}`,
        'Remove the explicit false from the workload, or do without process sharing');
    }
    spec.shareProcessNamespace = true;
  }
  const graces = pod.containers.filter(c => c.role === StartupRole.SIDECAR && c.shutdown.gracePeriodSeconds !== undefined)
    .map(c => c.shutdown.gracePeriodSeconds!);
  if (graces.length) {
    const appGrace = spec.terminationGracePeriodSeconds ?? 30;
    // Native sidecars are stopped one after another, after the app: their times add up.
    // Classic sidecars stop together with the app.
    spec.terminationGracePeriodSeconds = mode === SidecarMode.NATIVE
      ? appGrace + graces.reduce((a, b) => a + b, 0)
      : Math.max(appGrace, ...graces);
  }

  const metadata = template.metadata = template.metadata ?? {};
  const annotations = metadata.annotations = { ...(metadata.annotations ?? {}) };
  const wanted = [...pod.annotations];
  if (!appArmorField) {
    for (const c of pod.containers.filter(x => x.security.appArmorProfile)) {
      wanted.push([`${APPARMOR_ANNOTATION_PREFIX}${c.name}`, { value: appArmorAnnotation(c.security.appArmorProfile!), owner: c.owner }] as typeof wanted[number]);
    }
  }
  if (interception && rulesByCni(interception.spec)) {
    wanted.push(...Object.entries(cniAnnotations(interception))
      .map(([key, value]) => [key, { value, owner: interception.owner }] as typeof wanted[number]));
  }
  for (const [key, { value, owner }] of wanted) {
    if (annotations[key] !== undefined && annotations[key] !== value) {
      throw Errors.alreadySet(owner.path, `pod.annotations[${JSON.stringify(key)}]`, annotations[key],
        `on the pod template of ${pod.targetPath}, and the sidecar needs ${JSON.stringify(value)}`);
    }
    annotations[key] = value;
  }
  // kubectl logs / exec / attach pick this container when none is named (kubectl's
  // podcmd.FindOrDefaultContainerByName reads kubectl.kubernetes.io/default-container;
  // default-logs-container is the older key kubectl logs read). Without it kubectl takes the
  // first container, a classic sidecar here. Istio's injection-template.yaml sets both to the
  // first app container unless the pod sets them.
  const firstApp = appContainers[0]?.name;
  if (typeof firstApp === 'string') {
    for (const key of ['kubectl.kubernetes.io/default-container', 'kubectl.kubernetes.io/default-logs-container']) {
      if (annotations[key] === undefined) { annotations[key] = firstApp; }
    }
  }
  annotations[INJECTED_ANNOTATION] = [...(interception ? [rulesByCni(interception.spec) ? REDIRECT_CHECK_CONTAINER : REDIRECT_CONTAINER] : []),
    ...pod.containers.map(c => c.name)].join(',');
  annotations[VERSION_ANNOTATION] = settings.version;
  const hash = configHash(pod);
  if (hash) { annotations[CONFIG_HASH_ANNOTATION] = hash; }
  if (settings.injectors.length) { annotations[INJECTOR_ANNOTATION] = settings.injectors.join(','); }
  return json;
}
