/**
 * The Pod Security Standards, evaluated at synthesis on the pods the library renders, as the
 * Pod Security admission controller evaluates them.
 *
 * Every check, its level, the Kubernetes versions where it (or a variant) applies and which
 * baseline check a restricted check replaces come from kubernetes/pod-security-admission
 * policy/check_*.go @ 8f84a87c7f617f64a4ddc1aea24aeeb7a2e07cb8 (cited per check below);
 * containers are visited as policy/visitor.go does (init, regular, ephemeral), and the
 * user-namespace relaxation is helpers.go relaxPolicyForUserNamespacePod (hostUsers: false).
 */
import * as fs from 'fs';
import { join as joinPath } from 'path';
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { KubernetesTarget, parseVersion } from './target';
import { podTemplate } from './workload';
import { WorkloadSidecars } from './workload-sidecars';
import { Errors } from '../core/errors';
import { LIBRARY_NAMES } from '../core/names';
import { checkEnum, checkPropTypes } from '../core/prop-types';

/** A Pod Security Standards level (kubernetes.io/docs/concepts/security/pod-security-standards). */
export enum PodSecurityLevel {
  /** Unrestricted. */
  PRIVILEGED = 'privileged',
  /** Prevents known privilege escalations. */
  BASELINE = 'baseline',
  /** Current pod hardening best practices. */
  RESTRICTED = 'restricted',
}

/** One failed Pod Security Standards check. */
export interface PodSecurityViolation {
  /** The upstream check ID (kubernetes/pod-security-admission policy), e.g. "capabilities_baseline". */
  readonly check: string;
  /** The level the check belongs to: BASELINE (so the pod also fails RESTRICTED) or RESTRICTED. */
  readonly level: PodSecurityLevel;
  /** Short reason, e.g. "non-default capabilities". */
  readonly reason: string;
  /** What is forbidden, and where. */
  readonly detail: string;
  /** The pod field that fails, e.g. `containers "cdk-sidecars-redirect" securityContext.capabilities.add`. */
  readonly field: string;
  /** The offending value, as JSON (e.g. `["NET_ADMIN","NET_RAW"]`, `0`, `null` for a field left unset). */
  readonly value: string;
  /** Containers that fail (empty for a pod-level field). */
  readonly containers: string[];
  /** Of `containers`, those the library injected (sidecars, the redirect init container). */
  readonly sidecarContainers: string[];
}

/** The Pod Security Standards evaluation of one pod. */
export interface PodSecurityEvaluation {
  /** The strictest level the pod passes. */
  readonly level: PodSecurityLevel;
  /** Every failed check (baseline and restricted). */
  readonly violations: PodSecurityViolation[];
  /** The version of the standards evaluated: "latest" or "v1.<minor>". */
  readonly version: string;
  /** Documented exceptions and what to do about them (e.g. the redirect init container). */
  readonly notes: string[];
}

/** The Pod Security Standards evaluation of a workload's pod as deployed (sidecars injected). */
export interface WorkloadPodSecurity extends PodSecurityEvaluation {
  /** The workload's construct path. */
  readonly workload: string;
  /** The workload's kind and name, e.g. "Deployment/api". */
  readonly name: string;
  /**
   * The workload's namespace, if it names one.
   * @default - none (the workload names no namespace)
   */
  readonly namespace?: string;
}

/** Newest Kubernetes minor version with a check variant in the upstream snapshot cited above (sysctls 1.37). */
const LATEST_MINOR = 37;

interface Found {
  readonly reason: string;
  readonly detail: string;
  readonly field: string;
  readonly value: unknown;
  readonly containers: string[];
}

type CheckFn = (meta: any, spec: any, minor: number) => Found | undefined;

interface Check {
  readonly id: string;
  readonly level: PodSecurityLevel;
  /** First minor version (of 1.x) where the check applies. */
  readonly since: number;
  /** Baseline check this restricted check replaces where it applies. */
  readonly overrides?: string;
  readonly fn: CheckFn;
  /** Where it comes from. */
  readonly source: string;
}

function containersOf(spec: any): any[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])];
}
const sc = (c: any) => c?.securityContext ?? undefined;
const windows = (spec: any) => spec?.os?.name === 'windows';
const userNamespace = (spec: any) => spec?.hostUsers === false;
const quote = (names: readonly string[]) => names.map(n => JSON.stringify(n)).join(', ');
const where = (names: readonly string[], field: string) => `containers ${quote(names)} ${field}`;

/** Containers failing `bad`; with their offending values. */
function failing(spec: any, bad: (c: any) => unknown[] | undefined): { names: string[]; values: unknown[] } {
  const names: string[] = [];
  const values: unknown[] = [];
  for (const c of containersOf(spec)) {
    const v = bad(c);
    if (v && v.length) {
      names.push(c.name);
      for (const x of v) { if (!values.some(y => JSON.stringify(y) === JSON.stringify(x))) { values.push(x); } }
    }
  }
  return { names, values };
}

/** Baseline's allowed added capabilities (check_capabilities_baseline.go, capabilities_allowed_1_0). */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

/** Safe sysctls per version (check_sysctls.go: 1.0, then additions in 1.27, 1.29, 1.32 and 1.37). */
const SYSCTLS: ReadonlyArray<[number, readonly string[]]> = [
  [0, ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start']],
  [27, ['net.ipv4.ip_local_reserved_ports']],
  [29, ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes']],
  [32, ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem']],
  [37, ['net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_notsent_lowat']],
];

/** Volume sources restricted allows (check_restrictedVolumes.go). */
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret']);

const SELINUX_TYPES_1_0 = ['', 'container_t', 'container_init_t', 'container_kvm_t'];

function podOrContainers(spec: any, pick: (s: any) => unknown, bad: (v: any) => boolean, field: string):
{ setters: string[]; names: string[]; values: unknown[] } {
  const setters: string[] = [];
  const values: unknown[] = [];
  const podValue = pick(spec?.securityContext);
  if (podValue !== undefined && podValue !== null && bad(podValue)) {
    setters.push(`securityContext.${field} of the pod`);
    values.push(podValue);
  }
  const f = failing(spec, c => {
    const v = pick(sc(c));
    return v !== undefined && v !== null && bad(v) ? [v] : undefined;
  });
  if (f.names.length) { setters.push(where(f.names, `securityContext.${field}`)); }
  for (const v of f.values) { if (!values.includes(v)) { values.push(v); } }
  return { setters, names: f.names, values };
}

const PSA = 'kubernetes/pod-security-admission policy';

const CHECKS: readonly Check[] = [
  {
    id: 'windowsHostProcess',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_windowsHostProcess.go`,
    fn: (_m, spec) => {
      const r = podOrContainers(spec, s => s?.windowsOptions?.hostProcess, v => v === true, 'windowsOptions.hostProcess');
      return r.setters.length ? { reason: 'hostProcess', detail: `${r.setters.join(' and ')} must not be true`, field: r.setters[0], value: true, containers: r.names } : undefined;
    },
  },
  {
    id: 'hostNamespaces',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_hostNamespaces.go`,
    fn: (_m, spec) => {
      const set = ['hostNetwork', 'hostPID', 'hostIPC'].filter(k => spec?.[k] === true);
      return set.length ? { reason: 'host namespaces', detail: `${set.join(', ')} must not be true`, field: set[0], value: true, containers: [] } : undefined;
    },
  },
  {
    id: 'privileged',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_privileged.go`,
    fn: (_m, spec) => {
      const f = failing(spec, c => (sc(c)?.privileged === true ? [true] : undefined));
      return f.names.length ? {
        reason: 'privileged',
        detail: `${where(f.names, 'securityContext.privileged')} must not be true`,
        field: where(f.names, 'securityContext.privileged'),
        value: true,
        containers: f.names,
      } : undefined;
    },
  },
  {
    id: 'capabilities_baseline',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_capabilities_baseline.go`,
    fn: (_m, spec) => {
      const f = failing(spec, c => (sc(c)?.capabilities?.add ?? []).filter((x: string) => !BASELINE_CAPABILITIES.has(x)));
      return f.names.length ? {
        reason: 'non-default capabilities',
        detail: `${where(f.names, 'securityContext.capabilities.add')} must not include ${quote(f.values as string[])}`,
        field: where(f.names, 'securityContext.capabilities.add'),
        value: f.values,
        containers: f.names,
      } : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_hostPathVolumes.go`,
    fn: (_m, spec) => {
      const bad = (spec?.volumes ?? []).filter((v: any) => v.hostPath !== undefined && v.hostPath !== null).map((v: any) => v.name);
      return bad.length ? { reason: 'hostPath volumes', detail: `volumes ${quote(bad)} must not use hostPath`, field: `volumes ${quote(bad)} hostPath`, value: bad, containers: [] } : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_hostPorts.go`,
    fn: (_m, spec) => {
      const f = failing(spec, c => (c.ports ?? []).map((p: any) => p.hostPort).filter((h: any) => h !== undefined && h !== 0));
      return f.names.length ? {
        reason: 'hostPort',
        detail: `${where(f.names, 'ports[*].hostPort')} must be unset or 0`,
        field: where(f.names, 'ports[*].hostPort'),
        value: f.values,
        containers: f.names,
      } : undefined;
    },
  },
  {
    id: 'appArmorProfile',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_appArmorProfile.go`,
    fn: (meta, spec) => {
      const r = podOrContainers(spec, s => s?.appArmorProfile?.type, v => v !== 'RuntimeDefault' && v !== 'Localhost', 'appArmorProfile.type');
      const prefix = 'container.apparmor.security.beta.kubernetes.io/';
      const annotations = Object.entries(meta?.annotations ?? {})
        .filter(([k, v]) => k.startsWith(prefix) && !(v === '' || v === 'runtime/default' || String(v).startsWith('localhost/')));
      if (annotations.length) { r.setters.push(`annotations ${annotations.map(([k]) => k).join(', ')}`); }
      return r.setters.length ? {
        reason: 'forbidden AppArmor profile',
        detail: `${r.setters.join(' and ')} must be RuntimeDefault or Localhost`,
        field: r.setters[0],
        value: [...r.values, ...annotations.map(([, v]) => v)][0],
        containers: r.names,
      } : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_seLinuxOptions.go (container_engine_t allowed from 1.31)`,
    fn: (_m, spec, minor) => {
      const types = minor >= 31 ? [...SELINUX_TYPES_1_0, 'container_engine_t'] : SELINUX_TYPES_1_0;
      const bad = (o: any) => !types.includes(o.type ?? '') || !!o.user || !!o.role;
      const r = podOrContainers(spec, s => s?.seLinuxOptions, bad, 'seLinuxOptions');
      return r.setters.length ? {
        reason: 'seLinuxOptions',
        detail: `${r.setters.join(' and ')}: type must be one of ${quote(types)}, user and role unset`,
        field: r.setters[0],
        value: r.values[0],
        containers: r.names,
      } : undefined;
    },
  },
  {
    id: 'procMount',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_procMount_baseline.go (any value in a user namespace from 1.35)`,
    fn: (_m, spec, minor) => (minor >= 35 && userNamespace(spec) ? undefined : procMount(spec)),
  },
  {
    id: 'seccompProfile_baseline',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_seccompProfile_baseline.go (annotations before 1.19, fields from 1.19)`,
    fn: (meta, spec, minor) => {
      if (minor < 19) {
        const ok = (v: string) => v === 'runtime/default' || v === 'docker/default' || v.startsWith('localhost/');
        const keys = ['seccomp.security.alpha.kubernetes.io/pod', ...containersOf(spec).map(c => `container.seccomp.security.alpha.kubernetes.io/${c.name}`)];
        const bad = keys.filter(k => meta?.annotations?.[k] !== undefined && !ok(String(meta.annotations[k])));
        return bad.length ? { reason: 'seccompProfile', detail: `annotations ${bad.join(', ')} are forbidden`, field: `annotations ${bad[0]}`, value: meta.annotations[bad[0]], containers: [] } : undefined;
      }
      const r = podOrContainers(spec, s => s?.seccompProfile?.type, v => v !== 'RuntimeDefault' && v !== 'Localhost', 'seccompProfile.type');
      return r.setters.length ? {
        reason: 'seccompProfile',
        detail: `${r.setters.join(' and ')} must be RuntimeDefault or Localhost`,
        field: r.setters[0],
        value: r.values[0],
        containers: r.names,
      } : undefined;
    },
  },
  {
    id: 'sysctls',
    level: PodSecurityLevel.BASELINE,
    since: 0,
    source: `${PSA}/check_sysctls.go`,
    fn: (_m, spec, minor) => {
      const safe = new Set(SYSCTLS.filter(([v]) => v <= minor).flatMap(([, names]) => names));
      const bad = (spec?.securityContext?.sysctls ?? []).map((s: any) => s.name).filter((n: string) => !safe.has(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: `securityContext.sysctls of the pod must not set ${quote(bad)}`, field: 'securityContext.sysctls of the pod', value: bad, containers: [] } : undefined;
    },
  },
  {
    id: 'hostProbesAndHostLifecycle',
    level: PodSecurityLevel.BASELINE,
    since: 34,
    source: `${PSA}/check_hostProbesAndhostLifecycle.go`,
    fn: (_m, spec) => {
      const hosts = (h: any) => [h?.httpGet?.host, h?.tcpSocket?.host].filter(x => typeof x === 'string' && x !== '');
      const f = failing(spec, c => [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].flatMap(hosts));
      return f.names.length ? {
        reason: 'probe or lifecycle host',
        detail: `${where(f.names, 'probes and lifecycle handlers')} must not set host`,
        field: where(f.names, 'probe or lifecycle host'),
        value: f.values,
        containers: f.names,
      } : undefined;
    },
  },
  // Restricted.
  {
    id: 'restrictedVolumes',
    level: PodSecurityLevel.RESTRICTED,
    since: 0,
    overrides: 'hostPathVolumes',
    source: `${PSA}/check_restrictedVolumes.go`,
    fn: (_m, spec) => {
      const bad = (spec?.volumes ?? []).filter((v: any) => !Object.keys(v).some(k => k !== 'name' && RESTRICTED_VOLUMES.has(k) && v[k] !== null && v[k] !== undefined));
      const kinds = bad.map((v: any) => Object.keys(v).find(k => k !== 'name') ?? 'unknown');
      return bad.length ? {
        reason: 'restricted volume types',
        detail: `volumes ${quote(bad.map((v: any) => v.name))} use ${quote(kinds)}, which restricted does not allow`,
        field: `volumes ${quote(bad.map((v: any) => v.name))}`,
        value: kinds,
        containers: [],
      } : undefined;
    },
  },
  {
    id: 'allowPrivilegeEscalation',
    level: PodSecurityLevel.RESTRICTED,
    since: 8,
    source: `${PSA}/check_allowPrivilegeEscalation.go (Windows pods exempt from 1.25)`,
    fn: (_m, spec, minor) => {
      if (minor >= 25 && windows(spec)) { return undefined; }
      const f = failing(spec, c => (sc(c)?.allowPrivilegeEscalation === false ? undefined : [sc(c)?.allowPrivilegeEscalation ?? null]));
      return f.names.length ? {
        reason: 'allowPrivilegeEscalation != false',
        detail: `${where(f.names, 'securityContext.allowPrivilegeEscalation')} must be false`,
        field: where(f.names, 'securityContext.allowPrivilegeEscalation'),
        value: f.values[0],
        containers: f.names,
      } : undefined;
    },
  },
  {
    id: 'runAsNonRoot',
    level: PodSecurityLevel.RESTRICTED,
    since: 0,
    source: `${PSA}/check_runAsNonRoot.go (relaxed in a user namespace from 1.35)`,
    fn: (_m, spec, minor) => {
      if (minor >= 35 && userNamespace(spec)) { return undefined; }
      const pod = spec?.securityContext?.runAsNonRoot;
      const f = failing(spec, c => {
        const v = sc(c)?.runAsNonRoot;
        if (v === undefined || v === null) { return pod === true ? undefined : [null]; }
        return v === true ? undefined : [v];
      });
      if (pod === false) { return { reason: 'runAsNonRoot != true', detail: 'securityContext.runAsNonRoot of the pod must not be false', field: 'securityContext.runAsNonRoot of the pod', value: false, containers: f.names }; }
      return f.names.length ? {
        reason: 'runAsNonRoot != true',
        detail: `${where(f.names, 'securityContext.runAsNonRoot')} (or the pod's) must be true`,
        field: where(f.names, 'securityContext.runAsNonRoot'),
        value: f.values.includes(false) ? false : null,
        containers: f.names,
      } : undefined;
    },
  },
  {
    id: 'runAsUser',
    level: PodSecurityLevel.RESTRICTED,
    since: 23,
    source: `${PSA}/check_runAsUser.go (relaxed in a user namespace from 1.35)`,
    fn: (_m, spec, minor) => {
      if (minor >= 35 && userNamespace(spec)) { return undefined; }
      const r = podOrContainers(spec, s => s?.runAsUser, v => v === 0, 'runAsUser');
      return r.setters.length ? { reason: 'runAsUser=0', detail: `${r.setters.join(' and ')} must not be 0`, field: r.setters[0], value: 0, containers: r.names } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: PodSecurityLevel.RESTRICTED,
    since: 19,
    overrides: 'seccompProfile_baseline',
    source: `${PSA}/check_seccompProfile_restricted.go (Windows pods exempt from 1.25)`,
    fn: (_m, spec, minor) => {
      if (minor >= 25 && windows(spec)) { return undefined; }
      const valid = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
      const podType = spec?.securityContext?.seccompProfile?.type;
      const f = failing(spec, c => {
        const t = sc(c)?.seccompProfile?.type;
        if (sc(c)?.seccompProfile) { return valid(t) ? undefined : [t ?? null]; }
        return valid(podType) ? undefined : [null];
      });
      const podBad = spec?.securityContext?.seccompProfile !== undefined && !valid(podType);
      if (!podBad && !f.names.length) { return undefined; }
      return {
        reason: 'seccompProfile',
        detail: `${podBad ? 'securityContext.seccompProfile.type of the pod, and ' : ''}${f.names.length ? where(f.names, 'securityContext.seccompProfile.type') : ''} must be RuntimeDefault or Localhost (set on the pod or on every container)`,
        field: podBad ? 'securityContext.seccompProfile.type of the pod' : where(f.names, 'securityContext.seccompProfile.type'),
        value: podBad ? podType : f.values[0],
        containers: f.names,
      };
    },
  },
  {
    id: 'capabilities_restricted',
    level: PodSecurityLevel.RESTRICTED,
    since: 22,
    overrides: 'capabilities_baseline',
    source: `${PSA}/check_capabilities_restricted.go (Windows pods exempt from 1.25)`,
    fn: (_m, spec, minor) => {
      if (minor >= 25 && windows(spec)) { return undefined; }
      const noDrop = failing(spec, c => ((sc(c)?.capabilities?.drop ?? []).includes('ALL') ? undefined : [sc(c)?.capabilities?.drop ?? null]));
      const added = failing(spec, c => (sc(c)?.capabilities?.add ?? []).filter((x: string) => x !== 'NET_BIND_SERVICE'));
      if (!noDrop.names.length && !added.names.length) { return undefined; }
      const parts = [
        ...(noDrop.names.length ? [`${where(noDrop.names, 'securityContext.capabilities.drop')} must include "ALL"`] : []),
        ...(added.names.length ? [`${where(added.names, 'securityContext.capabilities.add')} may add only "NET_BIND_SERVICE", not ${quote(added.values as string[])}`] : []),
      ];
      return {
        reason: 'unrestricted capabilities',
        detail: parts.join('; '),
        field: added.names.length ? where(added.names, 'securityContext.capabilities.add') : where(noDrop.names, 'securityContext.capabilities.drop'),
        value: added.names.length ? added.values : noDrop.values[0],
        containers: [...new Set([...noDrop.names, ...added.names])],
      };
    },
  },
  {
    id: 'procMount_restricted',
    level: PodSecurityLevel.RESTRICTED,
    since: 35,
    overrides: 'procMount',
    source: `${PSA}/check_procMount_restricted.go`,
    fn: (_m, spec) => procMount(spec),
  },
];

function procMount(spec: any): Found | undefined {
  const f = failing(spec, c => (sc(c)?.procMount === undefined || sc(c)?.procMount === null || sc(c)?.procMount === 'Default' ? undefined : [sc(c).procMount]));
  return f.names.length ? {
    reason: 'procMount',
    detail: `${where(f.names, 'securityContext.procMount')} must be unset or Default`,
    field: where(f.names, 'securityContext.procMount'),
    value: f.values[0],
    containers: f.names,
  } : undefined;
}

/** The minor version of "latest", "v1.30", "1.30" or "1.30.2". */
function minorOf(path: string, field: string, version: string): number {
  if (version === 'latest') { return LATEST_MINOR; }
  return parseVersion(path, field, version)[1];
}

/** "latest" or "v1.<minor>", as the pod-security.kubernetes.io/<mode>-version labels spell it. */
export function versionLabel(path: string, field: string, version: string | undefined): string {
  if (version === undefined || version === 'latest') { return 'latest'; }
  const [major, minor] = parseVersion(path, field, version);
  // Pod Security admission reads "latest" or "v1.<minor>" only (pod-security-admission api/helpers.go ParseVersion).
  if (major !== 1) { throw Errors.invalidKubernetesVersion(path, field, version); }
  return `v1.${minor}`;
}

/** The checks of a level at a version: baseline's, and at restricted, restricted's less the baseline checks they replace. */
function checksAt(level: PodSecurityLevel, minor: number): Check[] {
  const applying = CHECKS.filter(c => c.since <= minor);
  if (level === PodSecurityLevel.BASELINE) { return applying.filter(c => c.level === PodSecurityLevel.BASELINE); }
  const replaced = new Set(applying.filter(c => c.overrides).map(c => c.overrides));
  return applying.filter(c => !replaced.has(c.id));
}

/**
 * Istio's own injection does the same: istio-init adds NET_ADMIN and NET_RAW and runs as UID 0 with
 * runAsNonRoot false, while with the CNI plugin istio-validation runs as 1337, runAsNonRoot, every
 * capability dropped (istio/istio manifests/charts/istio-control/istio-discovery/files/injection-template.yaml
 * @ 29bcc3ca14c02eae571c3f8a879ecb5f0e03c45a); NET_RAW and NET_ADMIN are not in baseline's list
 * (check_capabilities_baseline.go).
 */
const REDIRECT_NOTE = `${LIBRARY_NAMES.redirectContainer} is the documented exception: it installs the iptables redirect rules, which needs `
  + 'NET_ADMIN and NET_RAW and root (as Istio\'s istio-init), so the pod fails baseline (capabilities_baseline) and restricted '
  + '(runAsNonRoot, runAsUser, capabilities_restricted). Use redirectMode: RedirectMode.CNI (the rules are installed by the Istio CNI node agent; '
  + `the pod then runs only the unprivileged ${LIBRARY_NAMES.redirectCheckContainer}) to pass restricted`;

/**
 * Evaluates a pod (metadata and spec as JSON) against the Pod Security Standards.
 * @param path construct path used in messages
 */
export function evaluatePodJson(path: string, meta: any, spec: any, version: string | undefined,
  injected: ReadonlySet<string>): PodSecurityEvaluation {
  const label = versionLabel(path, 'version', version);
  const minor = minorOf(path, 'version', label === 'latest' ? 'latest' : label);
  const violations: PodSecurityViolation[] = [];
  const seen = new Set<string>();
  for (const level of [PodSecurityLevel.BASELINE, PodSecurityLevel.RESTRICTED]) {
    for (const check of checksAt(level, minor)) {
      if (seen.has(check.id)) { continue; }
      seen.add(check.id);
      const found = check.fn(meta ?? {}, spec ?? {}, minor);
      if (!found) { continue; }
      violations.push({
        check: check.id,
        level: check.level,
        reason: found.reason,
        detail: found.detail,
        field: found.field,
        value: JSON.stringify(found.value ?? null),
        containers: found.containers,
        sidecarContainers: found.containers.filter(c => injected.has(c)),
      });
    }
  }
  const level = violations.some(v => v.level === PodSecurityLevel.BASELINE) ? PodSecurityLevel.PRIVILEGED
    : violations.length ? PodSecurityLevel.BASELINE : PodSecurityLevel.RESTRICTED;
  const notes = violations.some(v => v.containers.includes(LIBRARY_NAMES.redirectContainer)) ? [REDIRECT_NOTE] : [];
  return { level, violations, version: label, notes };
}

const ORDER = [PodSecurityLevel.PRIVILEGED, PodSecurityLevel.BASELINE, PodSecurityLevel.RESTRICTED];

/** Whether `level` is at least as strict as `than`. */
export function atLeast(level: PodSecurityLevel, than: PodSecurityLevel): boolean {
  return ORDER.indexOf(level) >= ORDER.indexOf(than);
}

/** The least strict of levels (RESTRICTED when there are none). */
export function weakest(levels: readonly PodSecurityLevel[]): PodSecurityLevel {
  return levels.reduce((a, b) => (ORDER.indexOf(a) <= ORDER.indexOf(b) ? a : b), PodSecurityLevel.RESTRICTED);
}

/** The first violation of `result` at `level` as a catalogued error. */
export function violationError(path: string, result: PodSecurityEvaluation, level: PodSecurityLevel, why: string) {
  const failed = result.violations.filter(v => level === PodSecurityLevel.RESTRICTED || v.level === PodSecurityLevel.BASELINE);
  const v = failed[0];
  const redirect = v.containers.includes(LIBRARY_NAMES.redirectContainer);
  return Errors.podSecurityViolation(path, v.field, JSON.parse(v.value), level, `${v.check}: ${v.detail}`,
    `${why}. ${redirect ? 'Use redirectMode: RedirectMode.CNI for the proxy (the CNI node agent installs the rules), or ask for a level the pod passes'
      : `Change the pod so that it passes (${v.reason}), or ask for ${result.level.toUpperCase()}, the strictest level it passes`}`
      + (failed.length > 1 ? ` (${failed.length - 1} more failed check${failed.length > 2 ? 's' : ''}: ${failed.slice(1).map(f => f.check).join(', ')})` : ''));
}

/** The names of the containers the library injected into a workload. */
function injectedNames(sidecars: WorkloadSidecars, rendered: any): Set<string> {
  const own = podTemplate(sidecars._originalJson()).spec ?? {};
  const ownNames = new Set([...(own.initContainers ?? []), ...(own.containers ?? [])].map((c: any) => c.name));
  const spec = podTemplate(rendered).spec ?? {};
  return new Set([...(spec.initContainers ?? []), ...(spec.containers ?? [])].map((c: any) => c.name).filter((n: string) => !ownNames.has(n)));
}

/**
 * Evaluates pods against the Pod Security Standards as the Pod Security admission controller
 * does (kubernetes/pod-security-admission), at synthesis.
 */
export class PodSecurityStandards {
  /**
   * Evaluates a workload's pod as it will be deployed (with its sidecars injected). Call it at
   * synthesis or after (e.g. after `app.synth()`), when the pod is final.
   *
   * @param sidecars the workload's sidecars (`WorkloadSidecars.of(workload)`)
   * @param version the version of the standards: "latest" or "1.<minor>"
   * @default version - the workload's KubernetesTarget version, else "latest"
   */
  public static evaluate(sidecars: WorkloadSidecars, version?: string): WorkloadPodSecurity {
    if (!(sidecars instanceof WorkloadSidecars)) {
      throw Errors.invalidType('PodSecurityStandards', 'sidecars', sidecars, 'a WorkloadSidecars (WorkloadSidecars.of(workload))');
    }
    const workload = sidecars.workload;
    const path = workload.node.path;
    const json = sidecars._rendered().json;
    const pod = podTemplate(json);
    const result = evaluatePodJson(path, pod.metadata, pod.spec, version ?? KubernetesTarget.versionOf(workload), injectedNames(sidecars, json));
    return {
      ...result,
      workload: path,
      name: `${json.kind}/${json.metadata?.name ?? workload.name}`,
      ...(json.metadata?.namespace ? { namespace: json.metadata.namespace } : {}),
    };
  }

  /**
   * Evaluates a pod given as JSON (its spec, and optionally its metadata for the annotation
   * checks): for pods the library did not render.
   *
   * @param spec a PodSpec as JSON
   * @param metadata the pod's metadata as JSON
   * @param version "latest" or "1.<minor>"
   * @default metadata - none; version - "latest"
   */
  public static evaluatePodSpec(spec: any, metadata?: any, version?: string): PodSecurityEvaluation {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw Errors.invalidType('PodSecurityStandards', 'spec', spec, 'a PodSpec as a JSON object');
    }
    return evaluatePodJson('PodSecurityStandards', metadata, spec, version, new Set());
  }

  private constructor() {}
}

/** Props of {@link PodSecurityCheck}. */
export interface PodSecurityCheckProps {
  /**
   * The workloads to check.
   * @default - every workload with sidecars in the chart
   */
  readonly workloads?: WorkloadSidecars[];
  /**
   * A level every checked pod must pass: a pod that fails it is an error at synthesis
   * (POD_SECURITY_VIOLATION) instead of a warning.
   * @default - none: failures are warnings on stderr
   */
  readonly require?: PodSecurityLevel;
  /**
   * The version of the standards, "latest" or "1.<minor>".
   * @default - each workload's KubernetesTarget version, else "latest"
   */
  readonly version?: string;
}

/** Every WorkloadSidecars under `scope`. */
export function workloadsIn(scope: IConstruct): WorkloadSidecars[] {
  return WorkloadSidecars.allIn(scope);
}

/**
 * Checks the pods of workloads against the Pod Security Standards at synthesis: the strictest
 * level each passes is printed to stderr (a note), each failure a warning, or an error where
 * `require` asks for a level the pod does not pass. Generates no Kubernetes object.
 */
export class PodSecurityCheck extends Construct {
  private readonly props: PodSecurityCheckProps;
  private last: WorkloadPodSecurity[] = [];
  private readonly said = new Set<string>();

  constructor(scope: Construct, id: string, props: PodSecurityCheckProps = {}) {
    super(scope, id);
    checkPropTypes(this.node.path, props, { workloads: 'objectArray', require: { enum: PodSecurityLevel }, version: 'string' });
    checkEnum(this.node.path, 'require', props.require, PodSecurityLevel, 'PodSecurityLevel');
    (props.workloads ?? []).forEach((w, i) => {
      if (!(w instanceof WorkloadSidecars)) { throw Errors.invalidType(this.node.path, `workloads[${i}]`, w, 'a WorkloadSidecars (WorkloadSidecars.of(workload))'); }
    });
    if (props.version !== undefined) { versionLabel(this.node.path, 'version', props.version); }
    this.props = { ...props };
    this.node.addValidation({ validate: () => { this.run(); return []; } });
  }

  /** The results of the last synthesis (or of an evaluation now when there was none). */
  public get results(): WorkloadPodSecurity[] {
    return this.last.length ? [...this.last] : this.evaluateAll();
  }

  /**
   * Writes the results (of the last synthesis, or evaluated now) as JSON to
   * `<dir>/<chart id>.pod-security.json`: `{ "workloads": [ <WorkloadPodSecurity>, ... ] }`.
   * @param dir the output directory, e.g. the app's outdir
   * @returns the file written
   */
  public writeReport(dir: string): string {
    if (typeof dir !== 'string' || dir === '') { throw Errors.invalidType(this.node.path, 'dir', dir, 'a directory path'); }
    const file = joinPath(dir, `${Chart.of(this).node.id}.pod-security.json`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ workloads: this.results }, undefined, 2)}\n`);
    return file;
  }

  private evaluateAll(): WorkloadPodSecurity[] {
    const workloads = this.props.workloads ?? workloadsIn(Chart.of(this));
    return workloads.map(w => PodSecurityStandards.evaluate(w, this.props.version));
  }

  private run(): void {
    this.last = this.evaluateAll();
    // cdk8s validates an app once per synthesis and again per chart: say each message once.
    const say = (line: string) => {
      if (this.said.has(line)) { return; }
      this.said.add(line);
      process.stderr.write(line);
    };
    for (const r of this.last) {
      if (this.props.require && !atLeast(r.level, this.props.require)) {
        throw violationError(r.workload, r, this.props.require, `${this.node.path} requires ${this.props.require}`);
      }
      say(`[cdk-sidecars] note: ${r.workload}: ${r.name} passes the Pod Security Standards ${r.level} level (${r.version})\n`);
      for (const v of r.violations) {
        say(`[cdk-sidecars] warning: ${r.workload}: fails ${v.level} check ${v.check}: ${v.detail}\n`);
      }
      for (const n of r.notes) { say(`[cdk-sidecars] note: ${r.workload}: ${n}\n`); }
    }
  }
}
