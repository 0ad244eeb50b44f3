import { Construct } from 'constructs';
import { PodTransform } from './pod-transform';
import { rulesByCni } from './redirect';
import { APPARMOR_FIELD_SINCE, APPARMOR_TYPES, identityVolume, identityVolumeName } from './render';
import { claimSeccompProfile } from './seccomp-profile-object';
import { KubernetesTarget, parseVersion, targetAtLeast } from './target';
import { podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { ComposedPod } from '../core/composition';
import { AppArmorProfile, AppArmorProfileType } from '../core/container';
import { Errors } from '../core/errors';
import { checkPropTypes } from '../core/prop-types';
import { LocalhostSeccompProfile } from '../core/seccomp';

/**
 * How the kubelet changes the ownership of the pod's volumes to `fsGroup`
 * (core/v1 PodSecurityContext.fsGroupChangePolicy).
 */
export enum FsGroupChangePolicy {
  /** Change ownership and permissions every time a volume is mounted (Kubernetes' default). */
  ALWAYS = 'ALWAYS',
  /** Only when the volume's root directory does not already match: faster for large volumes. */
  ON_ROOT_MISMATCH = 'ON_ROOT_MISMATCH',
}

/**
 * A service account token projected into one app container (for an app that calls the
 * Kubernetes API or another service that takes Kubernetes tokens), while the pod keeps
 * `automountServiceAccountToken: false`.
 */
export interface AppServiceAccountToken {
  /** The app container's name. */
  readonly container: string;
  /**
   * The token's audience.
   * @default - the API server's (the token is for the Kubernetes API)
   */
  readonly audience?: string;
  /**
   * How long the token is valid; the kubelet renews it at 80% of that (or after 24 hours).
   * At least 600 (the API server's minimum).
   * @default 3600
   */
  readonly expirationSeconds?: number;
  /**
   * The directory the token (`token`), the cluster CA (`ca.crt`) and the namespace (`namespace`)
   * are mounted at.
   * @default '/var/run/secrets/kubernetes.io/serviceaccount' (where client libraries look)
   */
  readonly mountPath?: string;
}

/**
 * Props of {@link PodHardening}.
 */
export interface PodHardeningProps {
  /** The sidecars of the workload to harden (`WorkloadSidecars.of(workload)`). */
  readonly sidecars: WorkloadSidecars;
  /**
   * Run the pod in its own user namespace (`hostUsers: false`): UID 0 in a container is an
   * unprivileged UID on the node, and capabilities count only inside the pod. Kubernetes 1.30 or
   * later (beta, behind the UserNamespacesSupport feature gate until it was on by default in
   * 1.33; GA in 1.36), Linux 6.3 or later with idmap mounts, containerd 2.0+ or CRI-O 1.25+.
   * The redirect init step's iptables rules work inside it (its NET_ADMIN counts in the pod's
   * network namespace); a CNI-installed redirect needs a CNI plugin that supports it.
   * @default false (the pod shares the node's user namespace, as Kubernetes defaults)
   */
  readonly userNamespace?: boolean;
  /**
   * `fsGroup` of the pod: volumes are made group-owned by it and every container gets it as a
   * supplementary group. Must equal the file group the sidecars ask for, if any (the library sets
   * that one itself otherwise).
   * @default - the sidecars' file group, or none
   */
  readonly fsGroup?: number;
  /**
   * `fsGroupChangePolicy` of the pod. It replaces an `Always` on the workload (Kubernetes' default,
   * which cdk8s-plus writes on every pod); another value there is a conflict.
   * @default - Kubernetes' default (ALWAYS)
   */
  readonly fsGroupChangePolicy?: FsGroupChangePolicy;
  /**
   * Supplementary groups of the first process of every container (added to the workload's own).
   * @default - none
   */
  readonly supplementalGroups?: number[];
  /**
   * Whether Kubernetes mounts the service account token into every container. Off: sidecars that
   * call the API get their own projected token (each asks for it), and apps get one through
   * `appServiceAccountTokens`.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Projected service account tokens for the app containers that call the API.
   * @default - none
   */
  readonly appServiceAccountTokens?: AppServiceAccountToken[];
  /**
   * A Localhost seccomp profile for the pod (`securityContext.seccompProfile`): it applies to every
   * container without one of its own, i.e. the app's containers (each sidecar sets its own:
   * RuntimeDefault, or its `localhostSeccompProfile`).
   * @default - none: each container's own, else the runtime's default (the kubelet's seccompDefault)
   */
  readonly seccompProfile?: LocalhostSeccompProfile;
  /**
   * An AppArmor profile for the pod (`securityContext.appArmorProfile`, Kubernetes 1.30 or later):
   * it applies to every container without one of its own.
   * @default - none: the node's default
   */
  readonly appArmorProfile?: AppArmorProfile;
}

/** The token directory client libraries read (client-go rest.InClusterConfig, the kubelet's automount). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** One hour, as the sidecars' own projected tokens (IdentityTokenSpec.expirationSeconds) and Kubernetes' default for a projection. */
const DEFAULT_EXPIRATION = 3600;
/** ServiceAccountTokenProjection.expirationSeconds: "must be at least 10 minutes" (core/v1, vendored OpenAPI). */
const MIN_EXPIRATION = 600;
/** First minor version with hostUsers in beta (KEP-127: alpha 1.25, beta 1.30, on by default 1.33, GA 1.36). */
export const USER_NAMESPACES_SINCE = 30;
/** First minor version with UserNamespacesSupport on by default. */
const USER_NAMESPACES_DEFAULT_ON = 33;
/** Host namespaces the API server refuses with hostUsers: false (pkg/apis/core/validation validateHostUsers, kubernetes/kubernetes#111090). */
const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'];

/**
 * Pod-level hardening of a workload with sidecars: a user namespace, the pod's file groups, and
 * service account tokens only where they are used (the pod's `automountServiceAccountToken`
 * off; sidecars that call the API already get their own projected token; app containers that
 * do name themselves in `appServiceAccountTokens`). Applied to the workload's pod template at
 * synthesis, after the sidecars are injected, and checked against them.
 *
 * @example
 * new PodHardening(chart, 'hardening', { sidecars: WorkloadSidecars.of(deployment), userNamespace: true });
 */
export class PodHardening extends Construct {
  /** What the last synthesis wants said (also printed to stderr). */
  public readonly warnings: string[] = [];
  private readonly props: PodHardeningProps;

  constructor(scope: Construct, id: string, props: PodHardeningProps) {
    super(scope, id);
    const path = this.node.path;
    checkPropTypes(path, props, {
      sidecars: 'object',
      userNamespace: 'boolean',
      fsGroup: 'count',
      fsGroupChangePolicy: { enum: FsGroupChangePolicy },
      supplementalGroups: 'array',
      automountServiceAccountToken: 'boolean',
      appServiceAccountTokens: { each: { container: 'string', audience: 'string', expirationSeconds: 'count', mountPath: 'string' }, required: ['container'] },
      seccompProfile: 'object',
      appArmorProfile: { struct: { type: { enum: AppArmorProfileType }, localhostProfile: 'string' }, required: ['type'] },
    }, ['sidecars']);
    if (props.seccompProfile !== undefined && !(props.seccompProfile instanceof LocalhostSeccompProfile)) {
      throw Errors.invalidType(path, 'seccompProfile', props.seccompProfile, 'a LocalhostSeccompProfile');
    }
    const appArmor = props.appArmorProfile;
    if (appArmor && (appArmor.type === AppArmorProfileType.LOCALHOST) !== (appArmor.localhostProfile !== undefined)) {
      // core/v1 AppArmorProfile.localhostProfile: "Must be set if and only if type is \"Localhost\"".
      throw Errors.invalidRole(path, 'appArmorProfile.localhostProfile', appArmor.localhostProfile,
        appArmor.type === AppArmorProfileType.LOCALHOST ? 'is missing for type LOCALHOST' : `is set for type ${appArmor.type}`,
        appArmor.type === AppArmorProfileType.LOCALHOST ? 'Name the profile loaded on the node' : 'Leave localhostProfile out, or use AppArmorProfileType.LOCALHOST');
    }
    if (appArmor?.localhostProfile !== undefined && !/^[^\s/][^\s]{0,252}$/.test(appArmor.localhostProfile)) {
      throw Errors.invalidName(path, 'appArmorProfile.localhostProfile', appArmor.localhostProfile,
        'the name of an AppArmor profile loaded on the node, without spaces, e.g. "k8s-deny-write"');
    }
    if (!(props.sidecars instanceof WorkloadSidecars)) {
      throw Errors.invalidType(path, 'sidecars', props.sidecars, 'a WorkloadSidecars (WorkloadSidecars.of(workload))');
    }
    (props.supplementalGroups ?? []).forEach((g, i) => {
      if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g > 2147483647) { throw Errors.invalidId(path, `supplementalGroups[${i}]`, g); }
    });
    const tokens = props.appServiceAccountTokens ?? [];
    tokens.forEach((t, i) => {
      if (t.expirationSeconds !== undefined && t.expirationSeconds < MIN_EXPIRATION) {
        throw Errors.invalidNumber(path, `appServiceAccountTokens[${i}].expirationSeconds`, t.expirationSeconds,
          `at least ${MIN_EXPIRATION} (the API server refuses a projected token valid for less than 10 minutes)`);
      }
      const dir = t.mountPath ?? SERVICE_ACCOUNT_DIR;
      if (!/^\/([^/\0]+\/)*[^/\0]+$/.test(dir) || dir.split('/').some(s => s === '.' || s === '..')) {
        throw Errors.invalidPath(path, `appServiceAccountTokens[${i}].mountPath`, dir, 'is not an absolute, normalized directory');
      }
      const first = tokens.findIndex(x => x.container === t.container);
      if (first !== i) {
        throw Errors.alreadySet(path, `appServiceAccountTokens[${i}].container`, t.container, `by appServiceAccountTokens[${first}]: one token per container`);
      }
    });
    this.props = props;
    const transform: PodTransform = {
      path,
      apply: (json, pod) => this.apply(json, pod),
    };
    props.sidecars._setPodTransform(transform);
  }

  private warn(message: string): void {
    if (this.warnings.includes(message)) { return; }
    this.warnings.push(message);
    process.stderr.write(`[cdk-sidecars] warning: ${message}\n`);
  }

  /** Lays the hardening over the injected pod template (mutates and returns the workload JSON). */
  private apply(json: any, pod: ComposedPod | undefined): any {
    const p = this.props;
    const path = this.node.path;
    const workload = p.sidecars.workload.node.path;
    const template = podTemplate(json);
    const spec = template.spec = template.spec ?? {};
    const on = `on the pod template of ${workload}`;

    if (p.userNamespace) {
      const version = KubernetesTarget.versionOf(this);
      if (!targetAtLeast(this, path, USER_NAMESPACES_SINCE)) {
        throw Errors.unsupportedOnPlatform(path, 'userNamespace', true, `Kubernetes ${version}`,
          'pods get their own user namespace (hostUsers: false) from Kubernetes 1.30 (beta; alpha 1.25-1.29 needs a feature gate and only some volume types)',
          'Target Kubernetes 1.30 or later, or leave userNamespace out');
      }
      for (const field of HOST_NAMESPACES) {
        if (spec[field] === true) {
          throw Errors.invalidRole(path, 'userNamespace', true, `conflicts with ${field}: true ${on}: the API server refuses hostUsers: false with a host namespace`,
            `Leave userNamespace out, or drop ${field} from the workload`);
        }
      }
      if (spec.hostUsers === true) { throw Errors.alreadySet(path, 'userNamespace', true, `as hostUsers: true ${on}`); }
      spec.hostUsers = false;
      if (version !== undefined && parseVersion(path, 'target Kubernetes version', version)[1] < USER_NAMESPACES_DEFAULT_ON && parseVersion(path, 'target Kubernetes version', version)[0] === 1) {
        this.warn(`${path}: userNamespace needs the UserNamespacesSupport feature gate on the API server and the kubelets of Kubernetes ${version} (on by default from 1.33); `
          + 'without it the API server drops hostUsers and the pod runs in the node\'s user namespace');
      }
      const interception = pod?.trafficInterception;
      if (interception && rulesByCni(interception.spec)) {
        // istio/istio#58750: rules a CNI plugin installs from the node's user namespace do not match the
        // pod's mapped UIDs; Istio's CNI plugin handles it since istio/istio#59448 (iptables) and its nftables backend did already (#61173).
        this.warn(`${interception.owner.path}: the CNI plugin installs the redirect rules from the node's user namespace; with userNamespace its owner match on UID `
          + `${interception.spec.proxyUid} must be made inside the pod's (Istio CNI from istio/istio#59448, or its nftables backend): check your CNI plugin, or use the init-container redirect`);
      }
      for (const c of pod?.containers.filter(x => x.security.privileged) ?? []) {
        this.warn(`${c.owner.path}: container ${c.name} is privileged, but in a user namespace its capabilities count only inside the pod: `
          + 'what needs the node (eBPF programs, host devices, kernel modules) fails; leave userNamespace out for this workload');
      }
    }

    const securityContext = spec.securityContext = { ...(spec.securityContext ?? {}) };
    if (p.fsGroup !== undefined) {
      const fileGroup = pod?.fileGroup;
      if (fileGroup && fileGroup.gid !== p.fsGroup) {
        throw Errors.alreadySet(path, 'fsGroup', p.fsGroup, `while ${fileGroup.owner.path} needs the pod's file group ${fileGroup.gid} (it reads files the kubelet writes as that group): `
          + `set fsGroup to ${fileGroup.gid} or leave it out`);
      }
      const own = securityContext.fsGroup;
      if (own !== undefined && own !== p.fsGroup && (!fileGroup || own !== fileGroup.gid)) {
        throw Errors.alreadySet(path, 'fsGroup', p.fsGroup, `as ${own} ${on}`);
      }
      securityContext.fsGroup = p.fsGroup;
    }
    if (p.fsGroupChangePolicy !== undefined) {
      const value = p.fsGroupChangePolicy === FsGroupChangePolicy.ALWAYS ? 'Always' : 'OnRootMismatch';
      // 'Always' on the workload is Kubernetes' default written out (cdk8s-plus writes it on every pod:
      // cdk8s-plus-27 PodSecurityContext defaults fsGroupChangePolicy to ALWAYS), so it may be replaced.
      const own = securityContext.fsGroupChangePolicy;
      if (own !== undefined && own !== value && own !== 'Always') {
        throw Errors.alreadySet(path, 'fsGroupChangePolicy', p.fsGroupChangePolicy, `as ${own} ${on}`);
      }
      if (securityContext.fsGroup === undefined) {
        throw Errors.invalidRole(path, 'fsGroupChangePolicy', p.fsGroupChangePolicy, 'has no effect without an fsGroup, and the pod has none', 'Set fsGroup, or leave fsGroupChangePolicy out');
      }
      securityContext.fsGroupChangePolicy = value;
    }
    if (p.supplementalGroups?.length) {
      const own: number[] = securityContext.supplementalGroups ?? [];
      securityContext.supplementalGroups = [...own, ...p.supplementalGroups.filter(g => !own.includes(g))];
    }
    if (p.seccompProfile) {
      claimSeccompProfile(this, p.seccompProfile, path, 'seccompProfile');
      const value = { type: 'Localhost', localhostProfile: p.seccompProfile.localhostProfile };
      const own = securityContext.seccompProfile;
      if (own !== undefined && JSON.stringify(own) !== JSON.stringify(value)) {
        throw Errors.alreadySet(path, 'seccompProfile', p.seccompProfile.name, `as ${JSON.stringify(own)} ${on}`);
      }
      securityContext.seccompProfile = value;
    }
    if (p.appArmorProfile) {
      if (!targetAtLeast(this, path, APPARMOR_FIELD_SINCE)) {
        throw Errors.unsupportedOnPlatform(path, 'appArmorProfile', p.appArmorProfile.type, `Kubernetes ${KubernetesTarget.versionOf(this)}`,
          'the pod-level appArmorProfile field came with 1.30, and the older annotations name containers one by one',
          'Target Kubernetes 1.30 or later, or set appArmorProfile per sidecar (overrides.appArmorProfile)');
      }
      const local = p.appArmorProfile.localhostProfile;
      const value = { type: APPARMOR_TYPES[p.appArmorProfile.type], ...(local !== undefined ? { localhostProfile: local } : {}) };
      const own = securityContext.appArmorProfile;
      if (own !== undefined && JSON.stringify(own) !== JSON.stringify(value)) {
        throw Errors.alreadySet(path, 'appArmorProfile', p.appArmorProfile.type, `as ${JSON.stringify(own)} ${on}`);
      }
      securityContext.appArmorProfile = value;
    }
    if (Object.keys(securityContext).length) { spec.securityContext = securityContext; } else { delete spec.securityContext; }

    const automount = p.automountServiceAccountToken ?? false;
    if (spec.automountServiceAccountToken !== undefined && spec.automountServiceAccountToken !== automount) {
      throw Errors.alreadySet(path, 'automountServiceAccountToken', automount, `as ${spec.automountServiceAccountToken} ${on}`);
    }
    spec.automountServiceAccountToken = automount;

    const tokens = p.appServiceAccountTokens ?? [];
    const containers: any[] = spec.containers ?? [];
    const apps = containers.filter(c => !pod?.containers.some(s => s.name === c.name));
    tokens.forEach((t, i) => {
      const at = containers.findIndex(c => c.name === t.container);
      if (at < 0 || !apps.includes(containers[at])) {
        throw Errors.unknownAppContainer(path, `appServiceAccountTokens[${i}].container`, t.container, workload, apps.map(c => c.name));
      }
      const dir = t.mountPath ?? SERVICE_ACCOUNT_DIR;
      const c = containers[at];
      const taken = (c.volumeMounts ?? []).find((m: any) => m.mountPath === dir || m.mountPath.startsWith(`${dir}/`) || dir.startsWith(`${m.mountPath}/`));
      if (taken) {
        throw Errors.alreadySet(path, `appServiceAccountTokens[${i}].mountPath`, dir, `by the mount of volume ${JSON.stringify(taken.name)} at ${taken.mountPath} in container ${t.container}`);
      }
      const volume = identityVolume({
        name: t.container,
        identityToken: { path: `${dir}/token`, expirationSeconds: t.expirationSeconds ?? DEFAULT_EXPIRATION, ...(t.audience ? { audience: t.audience } : {}) },
      } as any);
      const name = identityVolumeName(t.container);
      if ((spec.volumes ?? []).some((v: any) => v.name === name)) {
        throw Errors.alreadySet(path, `appServiceAccountTokens[${i}].container`, t.container, `as the volume name ${JSON.stringify(name)} ${on}`);
      }
      spec.volumes = [...(spec.volumes ?? []), volume];
      containers[at] = { ...c, volumeMounts: [...(c.volumeMounts ?? []), { name, mountPath: dir, readOnly: true }] };
    });
    return json;
  }
}
