/**
 * Neutral sidecar containers to Google Cloud Run containers (`serving.knative.dev/v1` Service as
 * Cloud Run takes it), as plain JSON. Knows Cloud Run, nothing about any particular sidecar;
 * loads neither cdk8s nor aws-cdk-lib.
 *
 * Facts (Cloud Run Admin API v1 discovery document `run:v1`, revision 20260612, vendored as
 * test/validate/schemas/knative-cloudrun/cloud-run-v1-run-api.json, and
 * cloud.google.com/run/docs/configuring/healthchecks):
 * - `Container.securityContext` and `Probe.exec` are "Not supported by Cloud Run";
 * - `Container.command`/`args`: "Variable references are not supported in Cloud Run";
 * - `Container.ports`: only one container of a revision may have a port (the ingress container);
 * - probes: startup probes are HTTP, TCP or gRPC, liveness probes HTTP or gRPC (no TCP);
 *   `initialDelaySeconds` and `periodSeconds` at most 240 for a startup probe and 3600 for a
 *   liveness probe, `timeoutSeconds` 1-3600 and below `periodSeconds`, `successThreshold` 1;
 * - `SecretKeySelector`: `name` is a Secret Manager secret, `key` its version ('latest' or a number).
 */
import { EnvVarSpec, StartupRole } from '../core/container';
import { Errors } from '../core/errors';
import { expandKubernetesReferences } from '../core/expansion';
import { Probe, ProbeKind } from '../core/probe';
import { LimitReport, ResolvedContainer, renamedError, reportLimit, userField } from '../core/resolve';

export const PLATFORM = 'Google Cloud Run';

/** A Kubernetes-style secret key (secretName/key) as the Secret Manager secret that holds it. */
export function secretManagerName(secretName: string, key: string): string {
  return `${secretName}-${key}`.replace(/[^A-Za-z0-9_-]/g, '-');
}

/** CPU as Cloud Run takes it: whole cores as "1", "2"; otherwise millicores ("500m"). */
export function cpuQuantity(millicores: number): string {
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

export function renderEnv(path: string, field: string, env: EnvVarSpec[]): any[] {
  return env.map((e, i) => {
    if (e.value !== undefined) { return { name: e.name, value: e.value }; }
    if (e.secret) {
      return { name: e.name, valueFrom: { secretKeyRef: { name: secretManagerName(e.secret.secretName, e.secret.key), key: 'latest' } } };
    }
    throw Errors.unsupportedOnPlatform(path, `${field}[${i}].podField`, e.podField, PLATFORM, `Cloud Run has no downward API for pod fields (variable ${e.name})`,
      'Pass the value as a literal, or read what Cloud Run sets (K_SERVICE, K_REVISION, K_CONFIGURATION) in the container');
  });
}

/** Limits of one probe field: [min, max] for startup and liveness probes. */
const LIMITS: Record<string, { startup: [number, number]; liveness: [number, number] }> = {
  initialDelaySeconds: { startup: [0, 240], liveness: [0, 3600] },
  periodSeconds: { startup: [1, 240], liveness: [1, 3600] },
  timeoutSeconds: { startup: [1, 3600], liveness: [1, 3600] },
  failureThreshold: { startup: [1, 2147483647], liveness: [1, 2147483647] },
};

/**
 * A Probe as Cloud Run takes it, or an error naming `field` of `path`. `kind` is the Cloud Run
 * probe it becomes (a sidecar's readiness probe becomes its startup probe).
 */
export function cloudRunProbe(path: string, field: string, probe: Probe, kind: 'startup' | 'liveness'): any {
  const out: any = {};
  if (probe.kind === ProbeKind.EXEC) {
    throw Errors.unsupportedOnPlatform(path, field, 'EXEC', PLATFORM, 'Cloud Run probes are HTTP GET, TCP (startup only) or gRPC: exec probes are not supported',
      'Use Probe.httpGet() or Probe.tcpSocket() for this container');
  }
  if (probe.kind === ProbeKind.TCP_SOCKET) {
    if (kind === 'liveness') {
      throw Errors.unsupportedOnPlatform(path, field, 'TCP_SOCKET', PLATFORM, 'Cloud Run liveness probes are HTTP GET or gRPC only (TCP is for startup probes)',
        'Use Probe.httpGet() for the liveness probe, or make it the startup probe');
    }
    out.tcpSocket = { port: probe.port };
  } else {
    out.httpGet = { path: probe.path, port: probe.port };
    if (probe.scheme === 'HTTPS') {
      throw Errors.unsupportedOnPlatform(path, `${field}.scheme`, 'HTTPS', PLATFORM, 'Cloud Run sends probes over plain HTTP inside the instance',
        'Serve the health endpoint over HTTP on a port of the container');
    }
  }
  const t = probe.timing;
  for (const key of ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const) {
    const v = t[key];
    if (v === undefined) { continue; }
    const [min, max] = LIMITS[key][kind];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw Errors.invalidProbe(path, `${field}.${key}`, v, `is outside ${min}-${max}, what Cloud Run takes for a ${kind} probe`,
        `Give ${key} an integer from ${min} to ${max}`);
    }
    out[key] = v;
  }
  const period = t.periodSeconds ?? 10;
  if (t.timeoutSeconds !== undefined && t.timeoutSeconds >= period) {
    throw Errors.invalidProbe(path, `${field}.timeoutSeconds`, t.timeoutSeconds, `is not below periodSeconds (${period}), which Cloud Run requires`,
      'Make timeoutSeconds smaller than periodSeconds');
  }
  if (t.successThreshold !== undefined && t.successThreshold !== 1) {
    throw Errors.invalidProbe(path, `${field}.successThreshold`, t.successThreshold, 'is not 1, the only value Cloud Run takes',
      'Leave successThreshold out (or 1)');
  }
  return out;
}

/** The probe of a sidecar container, or undefined with a note/warning where Cloud Run cannot run it. */
function sidecarProbe(c: ResolvedContainer, field: string, probe: Probe, kind: 'startup' | 'liveness', say: LimitReport): any {
  if (probe.kind === ProbeKind.EXEC || (probe.kind === ProbeKind.TCP_SOCKET && kind === 'liveness')) {
    reportLimit(say, c.owner, field, `${c.field}${field} (${probe.kind}) is not rendered: Cloud Run ${kind} probes are `
      + `${kind === 'startup' ? 'HTTP GET, TCP or gRPC' : 'HTTP GET or gRPC'}`, p => `leave ${p} out on Cloud Run to silence this`);
    return undefined;
  }
  try { return cloudRunProbe(c.owner.path, `${c.field}${field}`, probe, kind); } catch (e) { throw renamedError(e, c.origins, c.field); }
}

export interface RenderOptions extends LimitReport {
  /** The container takes the ingress port (declared as its one container port). */
  readonly ingressPort?: number;
}

/** A long-running sidecar container as a Cloud Run container. */
export function renderContainer(c: ResolvedContainer, o: RenderOptions): any {
  const path = c.owner.path;
  if (c.role !== StartupRole.SIDECAR) { throw new Error('internal: not a long-running container'); }
  if (c.security.privileged) {
    throw Errors.unsupportedOnPlatform(path, userField(c.origins, c.field, 'security.privileged'), true, PLATFORM,
      'Cloud Run runs every container in its sandbox, never privileged', 'Leave the privileged container out on Cloud Run');
  }
  for (const [field, v] of [...(c.command ?? []).map((x, i) => [`command[${i}]`, x]), ...(c.args ?? []).map((x, i) => [`args[${i}]`, x])]) {
    const e = expandKubernetesReferences(v, c.env);
    if (e.runtimeVariable !== undefined || e.value !== v) {
      throw Errors.unsupportedOnPlatform(path, `${c.field}${field}`, v, PLATFORM, 'Kubernetes expands $(VAR) and $$ there; Cloud Run does not support variable references',
        'Let a shell expand the variable at run time, e.g. command: ["sh", "-c", "exec /app --flag \\"$VAR\\""]');
    }
  }
  const out: any = { name: c.name, image: c.image };
  if (c.command) { out.command = [...c.command]; }
  if (c.args) { out.args = [...c.args]; }
  if (c.workingDir) { out.workingDir = c.workingDir; }
  if (o.ingressPort !== undefined) { out.ports = [{ name: 'http1', containerPort: o.ingressPort }]; }
  if (c.env.length) {
    try { out.env = renderEnv(path, `${c.field}env`, c.env); } catch (e) { throw renamedError(e, c.origins, c.field); }
  }
  const r = c.resources;
  // Cloud Run needs a CPU limit on every container of a multi-container service.
  const cpu = r.cpuLimitMillicores ?? r.cpuRequestMillicores ?? 250;
  const memory = r.memoryLimitMebibytes ?? r.memoryRequestMebibytes ?? 128;
  if (r.cpuLimitMillicores === undefined || r.memoryLimitMebibytes === undefined) {
    o.note(path, `${c.field}resources: Cloud Run needs limits on every container; ${c.name} gets cpu ${cpuQuantity(cpu)} and memory ${memory}Mi `
      + '(its request, or 250m and 128Mi)');
  }
  out.resources = { limits: { cpu: cpuQuantity(cpu), memory: `${memory}Mi` } };
  for (const key of ['ephemeralStorageRequestMebibytes', 'ephemeralStorageLimitMebibytes'] as const) {
    if (r[key] !== undefined) {
      o.warn(path, `${c.field}resources.${key} ${r[key]} is not rendered: Cloud Run containers have no ephemeral storage setting `
        + '(the writable filesystem is in memory and counts against the memory limit); leave it out on Cloud Run to silence this');
    }
  }
  const mounts = [...c.volumeMounts, ...c.appVolumeMounts];
  if (mounts.length) { out.volumeMounts = mounts.map(m => ({ name: m.volume, mountPath: m.path, ...(m.readOnly ? { readOnly: true } : {}) })); }
  // Cloud Run's startup probe says "started and ready for traffic": a sidecar's readiness
  // probe becomes its startup probe when it has none Cloud Run can run (an exec probe).
  const runnable = (p?: Probe) => p !== undefined && p.kind !== ProbeKind.EXEC;
  const startup = runnable(c.startupProbe) ? ['startupProbe', c.startupProbe!] as const
    : runnable(c.readinessProbe) ? ['readinessProbe', c.readinessProbe!] as const : undefined;
  if (startup) { out.startupProbe = sidecarProbe(c, startup[0], startup[1], 'startup', o); }
  for (const [field, p] of [['startupProbe', c.startupProbe], ['readinessProbe', c.readinessProbe]] as const) {
    if (p === undefined || field === startup?.[0]) { continue; }
    reportLimit(o, c.owner, field, p.kind === ProbeKind.EXEC
      ? `${c.field}${field} (EXEC) is not rendered: Cloud Run probes are HTTP GET, TCP or gRPC${startup ? ` (the ${startup[0]} is the startup probe)` : ''}`
      : `${c.field}${field} is not rendered: a Cloud Run service has startup and liveness probes (the ${startup![0]} is the startup probe)`,
    q => `leave ${q} out on Cloud Run to silence this`);
  }
  if (c.livenessProbe) {
    const p = sidecarProbe(c, 'livenessProbe', c.livenessProbe, 'liveness', o);
    if (p) { out.livenessProbe = p; }
  }
  if (c.shutdown.drainCommand || c.shutdown.gracePeriodSeconds !== undefined) {
    reportLimit(o, c.owner, c.shutdown.drainCommand ? 'drainCommand' : 'terminationGracePeriodSeconds',
      `${c.field}shutdown is not rendered: Cloud Run has no pre-stop hook or grace period setting; the container gets SIGTERM, then SIGKILL 10 seconds later`,
      p => `leave ${p} out on Cloud Run to silence this`);
  }
  if (c.imagePullPolicy !== undefined) {
    o.warn(path, `${userField(c.origins, c.field, 'imagePullPolicy')} ${c.imagePullPolicy} is not rendered: Cloud Run resolves the image to a digest when it `
      + 'deploys a revision; leave it out on Cloud Run to silence this');
  }
  return out;
}
