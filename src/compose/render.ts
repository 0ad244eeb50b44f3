/**
 * Neutral sidecar containers to Compose services (compose-spec, compose-go v2.13.0
 * schema/compose-spec.json). Knows Compose, nothing about any particular sidecar.
 */
import { PortExposure, StartupRole, WaitCondition } from '../core/container';
import { RuntimePlatform, checkCommandsInImage } from '../core/contract';
import { documentRuntime } from '../core/document-binders';
import { Errors } from '../core/errors';
import { expandKubernetesReferences } from '../core/expansion';
import { imageFacts } from '../core/image-facts';
import { LIBRARY_NAMES } from '../core/names';
import { Probe, ProbeKind } from '../core/probe';
import { LimitReport, ResolvedContainer, reportLimit, userField } from '../core/resolve';
import { shellWord } from '../core/shell-words';

export const COMPOSE_PLATFORM = 'Docker Compose';

/** The service that holds the pod's namespaces (a library name: sidecars cannot take it). */
export const PAUSE_SERVICE = `${LIBRARY_NAMES.redirectContainer.split('-redirect')[0]}-pod`;

/** The Compose `depends_on` condition for a wait (compose-spec 05-services.md, depends_on long syntax). */
export function dependsOnEntry(condition: WaitCondition | string): { condition: string } {
  switch (condition) {
    case WaitCondition.COMPLETED: return { condition: 'service_completed_successfully' };
    case WaitCondition.HEALTHY: return { condition: 'service_healthy' };
    default: return { condition: 'service_started' };
  }
}

/**
 * What a sidecar container waits for: its own dependsOn, and (as Kubernetes runs init
 * containers one after the other) every init step before it, to completion.
 */
export function serviceDependencies(c: ResolvedContainer, all: readonly ResolvedContainer[],
  byName: ReadonlyMap<string, ResolvedContainer>): { [name: string]: { condition: string } } {
  const out: { [name: string]: { condition: string } } = {};
  for (const before of all.slice(0, all.indexOf(c))) {
    if (before.role === StartupRole.INIT_STEP) { out[before.name] = dependsOnEntry(WaitCondition.COMPLETED); }
  }
  for (const d of c.dependsOn) {
    const target = byName.get(d.container);
    out[d.container] = dependsOnEntry(target?.role === StartupRole.INIT_STEP ? WaitCondition.COMPLETED : d.condition);
  }
  return out;
}

/** The variable that carries a secret key for Compose's interpolation, e.g. db-creds/password -> DB_CREDS_PASSWORD. */
export function secretVariable(secretName: string, key: string): string {
  return `${secretName}_${key}`.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toUpperCase();
}

const OWN = '\u0000cdk-sidecars-ref:';
/** The library's own interpolation reference to a variable (kept when the document is escaped). */
export function secretReference(variable: string): string {
  return `${OWN}${variable}\u0000`;
}

/**
 * Compose interpolates `$VAR` and `${VAR}` in every value of the file
 * (docs.docker.com/compose/compose-file/12-interpolation: `$$` for a literal `$`,
 * `${VAR:?error}` for a required variable), so every string is written with `$` doubled,
 * except the library's own references, written last as `${VAR:?...}` (an error at `up` when unset).
 */
export function escapeDoc(value: any): any {
  if (typeof value === 'string') {
    return value.replace(/\$/g, '$$$$').replace(new RegExp(`${OWN}([A-Z0-9_]+)\u0000`, 'g'), (_m, v) => `\${${v}:?set ${v}, a secret value}`);
  }
  if (Array.isArray(value)) { return value.map(escapeDoc); }
  if (value && typeof value === 'object') { return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDoc(v)])); }
  return value;
}

function seconds(n: number): string {
  return `${n}s`;
}

function has(image: string, binary: string): boolean {
  const facts = imageFacts(image);
  return Boolean(facts?.binaries.some(b => b === binary || b.endsWith(`/${binary}`)));
}

/**
 * A probe as a command run inside the container (Compose health checks are commands,
 * compose-spec 05-services.md healthcheck): exec probes as they are; HTTP and TCP probes
 * only through a client the image is known to ship (core/image-facts.ts).
 */
function probeCommand(c: ResolvedContainer, probe: Probe): string[] | undefined {
  if (probe.kind === ProbeKind.EXEC) { return [...probe.command!]; }
  const facts = imageFacts(c.image);
  if (probe.kind === ProbeKind.HTTP_GET) {
    const url = `${probe.scheme === 'HTTPS' ? 'https' : 'http'}://127.0.0.1:${probe.port}${probe.path ?? '/'}`;
    if (has(c.image, 'curl')) { return ['curl', '-fsS', ...(probe.scheme === 'HTTPS' ? ['-k'] : []), '-o', '/dev/null', url]; }
    if (has(c.image, 'wget') && probe.scheme !== 'HTTPS') { return ['wget', '-q', '-O', '/dev/null', url]; }
    return undefined;
  }
  if (has(c.image, 'nc')) { return ['nc', '-z', '127.0.0.1', String(probe.port)]; }
  if (facts?.bash) { return ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${probe.port}`]; }
  return undefined;
}

/**
 * The health check: `healthCommand`, else the first probe (startup first when something waits
 * for the container to be healthy). `required`: something waits for service_healthy.
 */
function healthcheck(c: ResolvedContainer, required: boolean, say: LimitReport): any {
  const probes: Array<[string, Probe | undefined]> = required
    ? [['startupProbe', c.startupProbe], ['readinessProbe', c.readinessProbe], ['livenessProbe', c.livenessProbe]]
    : [['readinessProbe', c.readinessProbe], ['livenessProbe', c.livenessProbe], ['startupProbe', c.startupProbe]];
  const chosen = probes.find(([, p]) => p !== undefined);
  let command = c.healthCommand ? [...c.healthCommand] : undefined;
  let field = userField(c.origins, c.field, 'healthCommand');
  if (!command && chosen) {
    command = probeCommand(c, chosen[1]!);
    field = `${c.field}${chosen[0]}`;
  }
  if (!command) {
    // An HTTP (not HTTPS) or TCP probe: a wait service in the pod's network namespace checks it
    // from an image that has the client (waitService below), so only other cases are refused.
    if (required && chosen && waitable(chosen[1]!)) { return undefined; }
    if (required) {
      const kind = chosen ? chosen[1]!.kind : 'none';
      throw Errors.imageLacksBinary(c.owner.path, chosen ? `${c.field}${chosen[0]}` : userField(c.origins, c.field, 'appWaitsFor'), c.image,
        kind === ProbeKind.TCP_SOCKET ? 'nc or bash' : 'curl or wget', `the Compose health check of ${JSON.stringify(c.name)}, which the app waits for (service_healthy)`,
        'Give the sidecar an exec probe or healthCommand the image can run, use an image that ships curl, wget or nc, or let the app wait only until the sidecar has started (WaitCondition.STARTED)');
    }
    if (chosen) {
      reportLimit(say, c.owner, chosen[0], `${c.field}${chosen[0]} (${chosen[1]!.kind}) is not rendered: Compose health checks run a command inside the container, `
        + `and the image ${c.image} is not known to ship an HTTP or TCP client`, p => `give an exec probe in ${p} to get a health check`);
    }
    return undefined;
  }
  checkCommandsInImage(c.owner.path, c.name, c.image, [{ field, argv: command }]);
  const p = chosen?.[1];
  const t = p?.timing ?? {};
  return {
    test: ['CMD', ...command],
    ...(t.periodSeconds !== undefined ? { interval: seconds(t.periodSeconds) } : {}),
    ...(t.timeoutSeconds !== undefined ? { timeout: seconds(t.timeoutSeconds) } : {}),
    ...(t.failureThreshold !== undefined ? { retries: t.failureThreshold } : {}),
    ...(t.initialDelaySeconds !== undefined ? { start_period: seconds(t.initialDelaySeconds) } : {}),
    // Docker checks every start_interval during the start period (Docker Engine 25+), so a
    // waiting app starts soon after the sidecar is healthy.
    start_interval: '1s',
  };
}

function waitable(p: Probe): boolean {
  return p.kind === ProbeKind.TCP_SOCKET || (p.kind === ProbeKind.HTTP_GET && p.scheme !== 'HTTPS');
}

/**
 * The image of the wait services: BusyBox 1.37, whose wget and nc applets the image facts
 * confirm (docker-library/busybox, core/image-facts.ts).
 */
export const WAIT_IMAGE = 'busybox:1.37';

/** Name of the wait service of a container (a library name: sidecars cannot take it). */
export function waitServiceName(container: string): string {
  return `${PAUSE_SERVICE.replace(/-pod$/, '')}-wait-${container}`;
}

/**
 * For a container that others wait for until HEALTHY but whose image has no client for its
 * HTTP or TCP probe (distroless images: the OTel Collector contrib image, daprd), a one-shot
 * service in the pod's network namespace that polls the probe from BusyBox (as the kubelet
 * would, from outside the container) and exits 0 once it passes; the waiting services depend on
 * it with service_completed_successfully. It fails after the probe's failure threshold (the
 * startup probe's, else 120 tries).
 */
export function waitService(c: ResolvedContainer): any | undefined {
  const probe = [c.startupProbe, c.readinessProbe, c.livenessProbe].find(p => p !== undefined);
  if (!probe || !waitable(probe)) { return undefined; }
  const t = probe.timing;
  const period = t.periodSeconds ?? 1;
  const timeout = t.timeoutSeconds ?? 1;
  const tries = (t.failureThreshold ?? 120) + Math.ceil((t.initialDelaySeconds ?? 0) / period);
  const check = probe.kind === ProbeKind.HTTP_GET
    ? `wget -q -T ${timeout} -O /dev/null ${shellWord(`http://127.0.0.1:${probe.port}${probe.path ?? '/'}`)}`
    : `nc -z -w ${timeout} 127.0.0.1 ${probe.port}`;
  const script = [
    'i=0',
    `until ${check}; do`,
    '  i=$((i+1))',
    `  if [ "$i" -ge ${tries} ]; then echo ${shellWord(`cdk-sidecars: ${c.name} did not pass its ${probe.kind} probe`)} >&2; exit 1; fi`,
    `  sleep ${period}`,
    'done',
  ].join('\n');
  checkCommandsInImage(c.owner.path, waitServiceName(c.name), WAIT_IMAGE, [{ field: 'waitService', argv: ['sh', '-c', script] }]);
  return {
    image: WAIT_IMAGE,
    entrypoint: ['sh', '-c', script],
    user: '65534:65534',
    read_only: true,
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
    restart: 'no',
  };
}

/**
 * Kubernetes expands `$(NAME)` in command and args with the container's variable NAME and turns
 * `$$` into `$` (kubernetes/kubernetes third_party/forked/golang/expansion/expand.go); Compose
 * interpolates only `${VAR}` / `$VAR` from the shell that runs it, never the container's own
 * environment, and Docker passes the strings to the process as they are
 * (docs.docker.com/reference/compose-file/interpolation). Where the result is known at synthesis
 * the string Kubernetes would run is rendered; a variable known only at run time (a secret,
 * filled from the shell) is refused.
 */
function expandReferences(c: ResolvedContainer, prop: 'command' | 'args', values: readonly string[]): string[] {
  return values.map((value, i) => {
    const { value: expanded, runtimeVariable: name } = expandKubernetesReferences(value, c.env);
    if (name !== undefined) {
      throw Errors.unsupportedOnPlatform(c.owner.path, `${userField(c.origins, c.field, prop)}[${i}]`, value, COMPOSE_PLATFORM,
        `Kubernetes replaces $(${name}) with the variable's value, but Compose passes it literally and ${name} is only known at run time`,
        `Let a shell expand it at run time on every platform, e.g. command: ["sh", "-c", "exec /app --flag \\"$${name}\\""]`);
    }
    return expanded;
  });
}

/** A sidecar container (init step or long-running) as a Compose service, without network_mode, mounts and depends_on. */
export function renderSidecarService(c: ResolvedContainer, healthRequired: boolean, say: LimitReport): any {
  const path = c.owner.path;
  const s = c.security;
  const out: any = { image: c.image };
  // Kubernetes command = the image's ENTRYPOINT, args = its CMD (compose-spec: entrypoint and command),
  // with Kubernetes' $(VAR) expansion done here: Docker passes them literally.
  if (c.command) { out.entrypoint = expandReferences(c, 'command', c.command); }
  if (c.args) { out.command = expandReferences(c, 'args', c.args); }
  if (c.workingDir) { out.working_dir = c.workingDir; }
  if (c.env.length) {
    const env: { [k: string]: string } = {};
    c.env.forEach((e, i) => {
      if (e.value !== undefined) {
        env[e.name] = e.value;
      } else if (e.secret) {
        env[e.name] = secretReference(secretVariable(e.secret.secretName, e.secret.key));
      } else {
        throw Errors.unsupportedOnPlatform(path, userField(c.origins, c.field, `env[${i}].podField`), e.podField, COMPOSE_PLATFORM,
          `Compose has no downward API for pod fields (variable ${e.name})`, 'Pass the value as a literal');
      }
    });
    out.environment = env;
  }
  out.user = `${s.uid}:${s.gid}`;
  if (s.privileged) { out.privileged = true; }
  out.read_only = s.readOnlyRootFilesystem;
  out.cap_drop = ['ALL'];
  if (s.addCapabilities.length) { out.cap_add = [...s.addCapabilities]; }
  out.security_opt = [...(s.allowPrivilegeEscalation ? [] : ['no-new-privileges:true']), ...(s.seccompProfile === 'UNCONFINED' ? ['seccomp=unconfined'] : [])];
  if (!out.security_opt.length) { delete out.security_opt; }
  const r = c.resources;
  const limits: any = {};
  const reservations: any = {};
  if (r.cpuLimitMillicores !== undefined) { limits.cpus = String(r.cpuLimitMillicores / 1000); }
  if (r.memoryLimitMebibytes !== undefined) { limits.memory = `${r.memoryLimitMebibytes}m`; }
  if (r.cpuRequestMillicores !== undefined) { reservations.cpus = String(r.cpuRequestMillicores / 1000); }
  if (r.memoryRequestMebibytes !== undefined) { reservations.memory = `${r.memoryRequestMebibytes}m`; }
  if (Object.keys(limits).length || Object.keys(reservations).length) {
    out.deploy = { resources: { ...(Object.keys(limits).length ? { limits } : {}), ...(Object.keys(reservations).length ? { reservations } : {}) } };
  }
  for (const key of ['ephemeralStorageRequestMebibytes', 'ephemeralStorageLimitMebibytes'] as const) {
    if (r[key] !== undefined) {
      say.warn(path, `${c.field}resources.${key} ${r[key]} is not rendered: Compose has no ephemeral storage setting; leave it out with Compose to silence this`);
    }
  }
  if (c.role === StartupRole.INIT_STEP) {
    out.restart = 'no';
    return out;
  }
  // A long-running sidecar: restarted like a Kubernetes native sidecar.
  out.restart = 'unless-stopped';
  const check = healthcheck(c, healthRequired, say);
  if (check) { out.healthcheck = check; }
  if (c.shutdown.gracePeriodSeconds !== undefined) { out.stop_grace_period = seconds(c.shutdown.gracePeriodSeconds); }
  if (c.shutdown.drainCommand) {
    // Compose lifecycle hooks (compose-spec 05-services.md pre_stop; docker compose 2.30+).
    checkCommandsInImage(path, c.name, c.image, [{ field: userField(c.origins, c.field, 'shutdown.drainCommand'), argv: c.shutdown.drainCommand }]);
    out.pre_stop = [{ command: [...c.shutdown.drainCommand] }];
  }
  const exposed = c.ports.filter(p => p.exposure === PortExposure.EXPOSED);
  if (exposed.length) {
    say.note(path, `${c.field}ports ${exposed.map(p => p.port).join(', ')} (EXPOSED) are reachable on the pod's localhost and from the project network, not published on the host (only PUBLIC ports are)`);
  }
  return out;
}

/**
 * How Compose runs the pod, for the runtime contract check (core/contract.ts):
 * - services run as `user` "uid:gid" with every capability dropped but the ones added;
 * - configs (inline content) and secrets are files of mode 0444 owned by root (compose-spec
 *   08-configs.md and 09-secrets.md: mode defaults to 0444);
 * - SCRATCH and MEMORY volumes are tmpfs volumes of mode 1777 (project.ts);
 * - the process namespace can be shared (`pid: "service:<pause>"`).
 */
export function composeRuntime(apps: ReadonlyArray<{ readonly name: string; readonly uid?: number; readonly gid?: number }>): RuntimePlatform {
  return documentRuntime(COMPOSE_PLATFORM, {
    configFileMode: 0o444,
    secretFileMode: 0o444,
    scratchDirMode: 0o1777,
    canShareProcessNamespace: true,
    imageUsers: false,
    apps,
  });
}
