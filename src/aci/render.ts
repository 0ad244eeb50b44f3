/**
 * Neutral containers to the Azure Container Instances model (API 2025-09-01), as
 * plain JSON. Knows ACI, nothing about any particular sidecar; loads neither cdk8s
 * nor aws-cdk-lib.
 */
import { EnvVarSpec, PortExposure, Protocol, StartupRole } from '../core/container';
import { RUNTIME_DEFAULT_CAPABILITIES } from '../core/contract';
import { Errors } from '../core/errors';
import { ACI_PATCHES } from '../core/patch';
import { Probe, ProbeKind } from '../core/probe';
import { ResolvedContainer, isDeclared, patchRendered, renamedError, reportLimit, userField } from '../core/resolve';

export const PLATFORM = 'Azure Container Instances';
export const API_VERSION = '2025-09-01';

/** Receives a secure value's ARM parameter name and returns what to write in its place. */
export interface SecureValues {
  /** The ARM parameter (type securestring) that carries this secret key. */
  parameterFor(secretName: string, key: string): string;
  /** How a secure value is written: an ARM expression, or a placeholder in the YAML. */
  render(parameter: string): string;
}

export interface Warn { (path: string, message: string): void }

/** Cores for millicores (ACI takes decimal cores). */
export function cores(millicores: number): number {
  return Math.ceil(millicores / 10) / 100;
}

/** GB (ACI's memoryInGB, in steps of 0.1) for MiB. */
export function gigabytes(mebibytes: number): number {
  return Math.ceil(mebibytes / 1024 * 10) / 10;
}

/** How a secret key is written: an ARM parameter reference, or a YAML placeholder. */
export function secureRef(secure: SecureValues, secretName: string, key: string): string {
  return secure.render(secure.parameterFor(secretName, key));
}

export function renderEnv(path: string, field: string, env: EnvVarSpec[], secure: SecureValues): any[] {
  return env.map((e, i) => {
    if (e.value !== undefined) { return { name: e.name, value: e.value }; }
    if (e.secret) { return { name: e.name, secureValue: secureRef(secure, e.secret.secretName, e.secret.key) }; }
    throw Errors.unsupportedOnPlatform(path, `${field}[${i}].podField`, e.podField, PLATFORM, `ACI has no downward API for pod fields (variable ${e.name})`,
      'Pass the value as a literal, or read it from the environment ACI sets (e.g. Fabric_* variables) in the container');
  });
}

function renderProbe(c: ResolvedContainer, field: string, probe: Probe): any {
  const path = c.owner.path;
  const out: any = {};
  if (probe.kind === ProbeKind.EXEC) {
    out.exec = { command: probe.command };
  } else if (probe.kind === ProbeKind.HTTP_GET) {
    const port = c.ports.find(p => p.port === probe.port)!;
    if (port.exposure === PortExposure.POD_LOCAL) {
      throw Errors.probeUnreachable(path, `${c.field}${field}.port`, probe.port!);
    }
    out.httpGet = { path: probe.path, port: probe.port, scheme: probe.scheme === 'HTTPS' ? 'https' : 'http' };
  } else {
    throw Errors.unsupportedOnPlatform(path, `${c.field}${field}`, 'TCP_SOCKET', PLATFORM, 'ACI probes are HTTP GET or exec only',
      'Use Probe.httpGet() or Probe.exec() for this sidecar');
  }
  return { ...out, ...probeTiming(probe) };
}

/** The timing fields a probe sets (the others take ACI's defaults). */
export function probeTiming(p: Probe): any {
  return Object.fromEntries(Object.entries(p.timing).filter(([, v]) => v !== undefined));
}

/** ACI runs `command` instead of the image's entrypoint and has no separate arguments. */
function command(c: ResolvedContainer): string[] | undefined {
  if (c.args && !c.command) {
    throw Errors.unsupportedOnPlatform(c.owner.path, userField(c.origins, c.field, 'args'), c.args, PLATFORM,
      'ACI has only `command`, which replaces the image entrypoint, so arguments cannot be passed on their own',
      'Give the entrypoint in command too (command: ["/entrypoint", ...], args: [...])');
  }
  return c.command ? [...c.command, ...(c.args ?? [])] : undefined;
}

/**
 * The only security context ARM accepts: on the Confidential SKU every field but `privileged`
 * is refused with SecurityContextNotSupported ("Only the \"Privileged\" flag is supported",
 * MicrosoftDocs/azure-docs#123837), although the REST spec (2025-09-01) declares runAsUser,
 * runAsGroup, capabilities, allowPrivilegeEscalation and seccompProfile. The binder says in a
 * warning what is then not enforced.
 */
function securityContext(): any {
  return { privileged: false };
}

export interface RenderOptions {
  readonly secure: SecureValues;
  /** Render the security context (`privileged: false`, the one field ARM accepts; Confidential SKU). */
  readonly securityContext: boolean;
  readonly warn: Warn;
  /** What ACI does differently from what the sidecar asked, where nothing is to be done (notes, not warnings). */
  readonly note: Warn;
}

/** An init step: an ACI init container (no ports, probes or resources of its own). */
/** ACI groups run in hypervisor-isolated hosts the library does not hand to a container: no privileged containers. */
function refusePrivileged(c: ResolvedContainer): void {
  // Seccomp and AppArmor: the one security field ARM accepts is `privileged` (see securityContext above).
  if (c.security.localhostSeccompProfile) {
    throw Errors.unsupportedOnPlatform(c.owner.path, userField(c.origins, c.field, 'security.localhostSeccompProfile'), c.security.localhostSeccompProfile.name, PLATFORM,
      'ARM refuses every container security field but privileged (MicrosoftDocs/azure-docs#123837), so no custom seccomp profile can be given',
      'Leave localhostSeccompProfile out on ACI');
  }
  if (c.security.appArmorProfile) {
    throw Errors.unsupportedOnPlatform(c.owner.path, userField(c.origins, c.field, 'security.appArmorProfile'), c.security.appArmorProfile.type, PLATFORM,
      'container groups have no AppArmor setting', 'Leave appArmorProfile out on ACI');
  }
  if (c.security.privileged) {
    throw Errors.unsupportedOnPlatform(c.owner.path, userField(c.origins, c.field, 'security.privileged'), true, PLATFORM,
      'the library renders every ACI container unprivileged (container groups run on shared, hypervisor-isolated hosts)',
      'Leave the privileged container out on ACI');
  }
  // No container security context is applied (see securityContext above) and ACI has no privileged
  // containers (MicrosoftDocs/azure-docs#59569): a container runs with the runtime's default
  // capabilities at most, so one beyond them would be asked for and silently not had.
  const extra = c.security.addCapabilities.findIndex(cap => !RUNTIME_DEFAULT_CAPABILITIES.includes(cap));
  if (extra >= 0) {
    throw Errors.unsupportedOnPlatform(c.owner.path, `${userField(c.origins, c.field, 'security.addCapabilities')}[${extra}]`, c.security.addCapabilities[extra], PLATFORM,
      'ACI applies no container security context, so a capability beyond the container runtime\'s defaults is not granted',
      'Leave the capability out, or the sidecar out on ACI');
  }
}

export function renderInitContainer(c: ResolvedContainer, o: RenderOptions): any {
  refusePrivileged(c);
  const r = c.resources;
  if (Object.values(r).some(v => v !== undefined)) {
    o.note(c.owner.path, `${c.field}resources are not rendered: ACI init containers have no resources of their own and run within the group's`);
  }
  if (c.workingDir) {
    throw Errors.unsupportedOnPlatform(c.owner.path, userField(c.origins, c.field, 'workingDir'), c.workingDir, PLATFORM, 'ACI containers have no working directory setting',
      'Change directory in the command, or leave workingDir out');
  }
  const properties: any = { image: c.image };
  const cmd = command(c);
  if (cmd) { properties.command = cmd; }
  if (c.env.length) { properties.environmentVariables = named(c, () => renderEnv(c.owner.path, `${c.field}env`, c.env, o.secure)); }
  const mounts = [...c.volumeMounts, ...c.appVolumeMounts];
  if (mounts.length) { properties.volumeMounts = mounts.map(m => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly })); }
  if (o.securityContext) { properties.securityContext = securityContext(); }
  warnEscapeHatch(c, o);
  return { name: c.name, properties: patchRendered(c, properties, ACI_PATCHES) };
}

/** What the escape hatch asks that ACI has no per-container setting for: a warning each. */
function warnEscapeHatch(c: ResolvedContainer, o: RenderOptions): void {
  if (c.origins.get('shutdown.gracePeriodSeconds')?.prop === 'overrides.gracePeriodSeconds') {
    o.warn(c.owner.path, `overrides.gracePeriodSeconds ${c.shutdown.gracePeriodSeconds} is not rendered: ACI has no grace period setting `
      + '(the container gets SIGTERM when the group stops); leave it out on ACI to silence this');
  }
  if (c.imagePullPolicy !== undefined) {
    o.warn(c.owner.path, `${userField(c.origins, c.field, 'imagePullPolicy')} ${c.imagePullPolicy} is not rendered: an ACI container has no image pull policy `
      + '(ACI pulls the image when the group starts); leave it out on ACI to silence this');
  }
  for (const key of ['ephemeralStorageRequestMebibytes', 'ephemeralStorageLimitMebibytes'] as const) {
    if (c.resources[key] !== undefined) {
      o.warn(c.owner.path, `${c.field}resources.${key} ${c.resources[key]} is not rendered: ACI containers have no ephemeral storage setting `
        + '(ContainerInstance API 2025-09-01 ResourceRequests: cpu, memoryInGB, gpu); leave it out on ACI to silence this');
    }
  }
}

/** A long-running sidecar: an ACI container of the group. */
export function renderContainer(c: ResolvedContainer, o: RenderOptions): any {
  const path = c.owner.path;
  refusePrivileged(c);
  if (c.workingDir) {
    throw Errors.unsupportedOnPlatform(path, userField(c.origins, c.field, 'workingDir'), c.workingDir, PLATFORM, 'ACI containers have no working directory setting',
      'Change directory in the command, or leave workingDir out');
  }
  if (c.shutdown.drainCommand || c.shutdown.gracePeriodSeconds !== undefined) {
    reportLimit(o, c.owner, c.shutdown.drainCommand ? 'drainCommand' : 'terminationGracePeriodSeconds',
      `${c.field}shutdown is not rendered: ACI has no pre-stop hook or grace period setting; the container gets SIGTERM when the group stops`,
      p => `leave ${p} out on ACI to silence this`);
  }
  const r = c.resources;
  const requests = {
    cpu: cores(r.cpuRequestMillicores ?? r.cpuLimitMillicores ?? 100),
    memoryInGB: gigabytes(r.memoryRequestMebibytes ?? r.memoryLimitMebibytes ?? 128),
  };
  const limits: any = {};
  if (r.cpuLimitMillicores !== undefined) { limits.cpu = cores(r.cpuLimitMillicores); }
  if (r.memoryLimitMebibytes !== undefined) { limits.memoryInGB = gigabytes(r.memoryLimitMebibytes); }
  const properties: any = { image: c.image };
  const cmd = command(c);
  if (cmd) { properties.command = cmd; }
  const ports = c.ports.filter(isDeclared).map(p => ({ port: p.port, protocol: p.protocol === Protocol.UDP ? 'UDP' : 'TCP' }));
  if (ports.length) { properties.ports = ports; }
  if (c.env.length) { properties.environmentVariables = named(c, () => renderEnv(path, `${c.field}env`, c.env, o.secure)); }
  properties.resources = Object.keys(limits).length ? { requests, limits } : { requests };
  const mounts = [...c.volumeMounts, ...c.appVolumeMounts];
  if (mounts.length) { properties.volumeMounts = mounts.map(m => ({ name: m.volume, mountPath: m.path, readOnly: m.readOnly })); }
  if (c.livenessProbe) { properties.livenessProbe = renderProbe(c, 'livenessProbe', c.livenessProbe); }
  if (c.readinessProbe) {
    properties.readinessProbe = renderProbe(c, 'readinessProbe', c.readinessProbe);
    if (c.startupProbe) {
      reportLimit(o, c.owner, 'startupProbe', `${c.field}startupProbe is not rendered: ACI has no startup probes (the readiness probe is)`,
        p => `leave ${p} out on ACI to silence this`);
    }
  } else if (c.startupProbe) {
    // The nearest ACI meaning of "healthy once started": ready when the startup probe passes.
    properties.readinessProbe = renderProbe(c, 'startupProbe', c.startupProbe);
  }
  if (o.securityContext) { properties.securityContext = securityContext(); }
  if (c.role !== StartupRole.SIDECAR) { throw new Error('internal: not a long-running container'); }
  warnEscapeHatch(c, o);
  return { name: c.name, properties: patchRendered(c, properties, ACI_PATCHES) };
}

/** `fn()`, whose errors name the prop the user wrote for a field of `c` (e.g. overrides.env[0].podField). */
function named<T>(c: ResolvedContainer, fn: () => T): T {
  try { return fn(); } catch (e) { throw renamedError(e, c.origins, c.field); }
}
