/**
 * Neutral containers to ECS container options. Knows ECS and Fargate, nothing about
 * any particular sidecar.
 */
import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { SecretSource } from './secrets';
import { EnvVarSpec, Protocol, SeccompProfile, StartupRole, WaitCondition } from '../core/container';
import { Errors } from '../core/errors';
import { expandKubernetesReferences } from '../core/expansion';
import { Probe, ProbeKind } from '../core/probe';
import { LimitReport, ResolvedContainer, isDeclared, renamedError, reportLimit, userField } from '../core/resolve';

export const PLATFORM = 'ECS Fargate';

/** The only capability Fargate lets a task add. */
const FARGATE_ADDABLE = new Set(['SYS_PTRACE']);

/** ECS health check limits (seconds, count). */
const LIMITS = { interval: [5, 300], timeout: [2, 60], retries: [1, 10], startPeriod: [0, 300] } as const;

/** Fargate's limit on stopTimeout. */
export const FARGATE_MAX_STOP_TIMEOUT = 120;

/**
 * The least memory (MiB) ECS lets a container have (`memory` and `memoryReservation`): the
 * Docker 20.10 daemon reserves 6 MiB per container (ECS ContainerDefinition API reference,
 * "memory": "don't specify less than 6 MiB of memory for your containers").
 */
export const MIN_CONTAINER_MEMORY = 6;

/**
 * Seconds a restarted container must run before ECS restarts it again: the least ECS allows
 * (ECS API reference, ContainerRestartPolicy.restartAttemptPeriod: 60 to 1800, default 300).
 */
const RESTART_ATTEMPT_PERIOD = 60;

export interface Warn { (path: string, message: string): void }

/**
 * Kubernetes expands `$(NAME)` in command and args with the container's variable NAME and
 * turns `$$` into `$` (kubernetes/kubernetes third_party/forked/golang/expansion/expand.go);
 * ECS passes both literally. Where the result is known at synthesis (a literal variable, or
 * no variable of that name, which Kubernetes leaves as written) the same string is rendered;
 * a variable whose value ECS only knows at run time (a secret) is refused.
 */
export function expandReferences(path: string, field: string, values: string[] | undefined, env: EnvVarSpec[]): string[] | undefined {
  return values?.map((value, i) => {
    const { value: expanded, runtimeVariable: name } = expandKubernetesReferences(value, env);
    if (name !== undefined) {
      throw Errors.unsupportedOnPlatform(path, `${field}[${i}]`, value, PLATFORM,
        `Kubernetes replaces $(${name}) with the variable's value, but ${PLATFORM} passes it literally and ${name} is only known at run time`,
        `Let a shell expand it at run time on every platform, e.g. command: ["sh", "-c", "exec /app --flag \\"$${name}\\""]`);
    }
    return expanded;
  });
}

/** ECS CPU units (1024 per vCPU) for millicores. */
export function cpuUnits(millicores: number): number {
  return Math.max(1, Math.round(millicores * 1024 / 1000));
}

/** Splits env into literal environment and ECS secrets; pod fields have no ECS equivalent. */
export function renderEnv(path: string, field: string, env: EnvVarSpec[], secrets: { [name: string]: SecretSource }, target: string):
{ environment: { [name: string]: string }; secrets: { [name: string]: ecs.Secret } } {
  const environment: { [name: string]: string } = {};
  const out: { [name: string]: ecs.Secret } = {};
  env.forEach((e, i) => {
    if (e.value !== undefined) {
      environment[e.name] = e.value;
    } else if (e.secret) {
      const source = secrets[e.secret.secretName];
      if (!source) {
        throw Errors.missingSecretSource(path, `${field}[${i}] (${e.name})`, e.secret.secretName, target,
          `TaskSidecars.of(taskDefinition, { secrets: { '${e.secret.secretName}': SecretSource.fromSecretsManager(secret) } })`);
      }
      const secret = source._secret(e.secret.key);
      if (!secret) {
        throw Errors.missingSecretSource(path, `${field}[${i}] (${e.name})`, `${e.secret.secretName}/${e.secret.key}`, `${source._describe()}`,
          `a parameter for key '${e.secret.key}'`);
      }
      out[e.name] = secret;
    } else {
      throw Errors.unsupportedOnPlatform(path, `${field}[${i}].podField`, e.podField, PLATFORM, `ECS has no downward API for pod fields (variable ${e.name})`,
        'Read the task metadata endpoint ($ECS_CONTAINER_METADATA_URI_V4) in the container instead');
    }
  });
  return { environment, secrets: out };
}

function clamp(c: ResolvedContainer, probe: string, field: string, value: number, [min, max]: readonly [number, number], say: LimitReport): number {
  if (value < min || value > max) {
    const fixed = Math.min(max, Math.max(min, value));
    reportLimit(say, c.owner, probe, `${field} ${value} is outside ECS's health check range ${min}..${max}; ${fixed} is used`,
      p => `keep the timing of ${p} within the range to silence this`);
    return fixed;
  }
  return value;
}

/**
 * The container health check: ECS runs a command inside the container. It comes from
 * `healthCommand`, else from an exec probe. `required` is true when something waits
 * for the container to be HEALTHY.
 */
export function renderHealthCheck(c: ResolvedContainer, required: boolean, say: LimitReport): ecs.HealthCheck | undefined {
  const path = c.owner.path;
  const probes: Array<[string, Probe | undefined]> = required
    ? [['startupProbe', c.startupProbe], ['readinessProbe', c.readinessProbe], ['livenessProbe', c.livenessProbe]]
    : [['livenessProbe', c.livenessProbe], ['readinessProbe', c.readinessProbe], ['startupProbe', c.startupProbe]];
  const chosen = probes.find(([, p]) => p !== undefined);
  const execProbe = probes.find(([, p]) => p?.kind === ProbeKind.EXEC);
  const command = c.healthCommand ?? execProbe?.[1]?.command;
  if (!command) {
    // Fixes name only the props the sidecar has (ContainerSpec.origins): not every sidecar has
    // a healthCommand or appWaitsFor prop.
    const health = c.origins.get('healthCommand');
    const ways = [
      ...(health ? [`set ${health.prop} (a command the image can run, exit 0 = healthy)`] : []),
      ...(health?.alternative ? [`set ${health.alternative}`] : []),
    ];
    if (required) {
      // Named as the wait (appWaitsFor HEALTHY) that needs the health check, not as the
      // healthCommand the sidecar may not even have.
      const waits = c.appWaitsFor === WaitCondition.HEALTHY;
      const wait = c.origins.get('appWaitsFor');
      const fixes = [...ways, ...(waits && wait ? [`set ${wait.prop}: WaitCondition.STARTED`] : []), ...(waits ? [] : ['wait for STARTED in the dependsOn that waits for it'])];
      throw Errors.unsupportedOnPlatform(path, waits ? wait?.prop ?? userField(c.origins, c.field, 'appWaitsFor') : `dependsOn on ${JSON.stringify(c.name)}`, WaitCondition.HEALTHY, PLATFORM,
        `${waits ? 'the app waits' : 'another container waits'} for ${JSON.stringify(c.name)} to be HEALTHY, which ECS checks only with a command run inside the container, `
        + `and the container has ${chosen ? `only ${chosen[1]!.kind} probes` : 'no probe'} and no health command`,
        fixes.length ? fixes.join(', or ').replace(/^s/, 'S') : 'Do not wait for it to be HEALTHY on ECS: this sidecar has no health command ECS could run');
    }
    if (chosen) {
      // Nothing waits for the container to be healthy. A warning with the props that give it a
      // health check where the user wrote the probe and the sidecar has such a prop
      // (ContainerSpec.origins); a note otherwise (its probes are the sidecar's own defaults).
      const message = `${c.field}${chosen[0]} (${chosen[1]!.kind}) is not rendered: ECS health checks run a command inside the container, so ECS does not check ${JSON.stringify(c.name)}`;
      if (c.owner.userWritten && ways.length) {
        say.warn(c.owner.path, `${message}; ${ways.join(', or ')} to have one`);
      } else {
        say.note(c.owner.path, message);
      }
    }
    return undefined;
  }
  const probe = (c.healthCommand ? chosen?.[1] : execProbe?.[1]);
  const t = probe?.timing ?? {};
  const probeProp = (c.healthCommand ? chosen?.[0] : execProbe?.[0]) ?? 'healthCommand';
  const field = `${c.field}${probeProp}`;
  const period = t.periodSeconds ?? 30;
  const failures = t.failureThreshold ?? 3;
  const isStartup = probe !== undefined && probe === c.startupProbe;
  const startPeriod = (t.initialDelaySeconds ?? 0) + (isStartup ? period * failures : 0);
  return {
    command: ['CMD', ...command],
    interval: Duration.seconds(clamp(c, probeProp, `${field}.periodSeconds`, period, LIMITS.interval, say)),
    timeout: Duration.seconds(clamp(c, probeProp, `${field}.timeoutSeconds`, t.timeoutSeconds ?? 5, LIMITS.timeout, say)),
    retries: clamp(c, probeProp, `${field}.failureThreshold`, failures, LIMITS.retries, say),
    startPeriod: startPeriod > 0 ? Duration.seconds(clamp(c, probeProp, `${field} start period`, startPeriod, LIMITS.startPeriod, say)) : undefined,
  };
}

export interface RenderContainerOptions {
  readonly scope: Construct;
  readonly fargate: boolean;
  readonly secrets: { [name: string]: SecretSource };
  readonly target: string;
  readonly healthRequired: boolean;
  readonly logging?: ecs.LogDriver;
  readonly warn: Warn;
  /** What ECS does differently from what the sidecar asked, where nothing is to be done (CDK info annotations). */
  readonly note: Warn;
  /** Run an init process as PID 1 (`linuxParameters.initProcessEnabled`; SidecarContainerOptions). */
  readonly initProcessEnabled?: boolean;
}

/**
 * What renderContainer gives: none of the fields that only SidecarContainerOptions set
 * (applyContainerOptions writes those before the rendered fields, so one given here would win).
 */
export type RenderedContainer = Omit<ecs.ContainerDefinitionOptions,
'restartIgnoredExitCodes' | 'ulimits' | 'systemControls' | 'startTimeout' | 'dockerLabels' | 'versionConsistency' | 'environmentFiles'>;

/** ECS container options for one neutral container (mounts and dependencies are added by the caller). */
export function renderContainer(c: ResolvedContainer, o: RenderContainerOptions): RenderedContainer {
  const path = c.owner.path;
  const s = c.security;
  if (s.seccompProfile === SeccompProfile.UNCONFINED) {
    throw Errors.unsupportedOnPlatform(path, userField(c.origins, c.field, 'security.seccompProfile'), s.seccompProfile, PLATFORM,
      'Fargate always applies the container runtime\'s default seccomp profile and cannot turn it off', 'Leave seccompProfile at RUNTIME_DEFAULT');
  }
  if (s.localhostSeccompProfile) {
    // No custom seccomp profile on ECS: dockerSecurityOptions takes none and Fargate refuses dockerSecurityOptions
    // altogether (aws/containers-roadmap#1782, open request); Fargate applies the runtime's default profile.
    throw Errors.unsupportedOnPlatform(path, userField(c.origins, c.field, 'security.localhostSeccompProfile'), s.localhostSeccompProfile.name, PLATFORM,
      'task definitions have no seccomp setting: Fargate applies the container runtime\'s default profile', 'Leave localhostSeccompProfile out on ECS Fargate');
  }
  if (s.appArmorProfile) {
    // AppArmor on Fargate is an open request (aws/containers-roadmap#2128).
    throw Errors.unsupportedOnPlatform(path, userField(c.origins, c.field, 'security.appArmorProfile'), s.appArmorProfile.type, PLATFORM,
      'Fargate takes no AppArmor profile', 'Leave appArmorProfile out on ECS Fargate');
  }
  if (s.privileged) {
    // ContainerDefinition.Privileged: "This parameter is not supported for Windows containers or tasks run on Fargate" (AWS::ECS::TaskDefinition docs).
    throw Errors.unsupportedOnPlatform(path, userField(c.origins, c.field, 'security.privileged'), true, PLATFORM,
      'Fargate does not run privileged containers', 'Leave the privileged container out on ECS Fargate');
  }
  if (o.fargate) {
    s.addCapabilities.forEach((cap, i) => {
      if (!FARGATE_ADDABLE.has(cap)) {
        throw Errors.unsupportedOnPlatform(path, userField(c.origins, c.field, `security.addCapabilities[${i}]`), cap, PLATFORM,
          'Fargate lets tasks add only SYS_PTRACE', cap === 'NET_ADMIN' || cap === 'NET_RAW'
            ? 'Traffic redirection on Fargate uses the task proxyConfiguration (interceptTraffic), not iptables'
            : 'Remove the capability, or run on ECS with EC2 capacity');
      }
    });
  }
  if (o.fargate && c.shutdown.gracePeriodSeconds !== undefined && c.shutdown.gracePeriodSeconds > FARGATE_MAX_STOP_TIMEOUT) {
    // Named as the prop the user wrote (e.g. Envoy's drainSeconds, which the grace period adds
    // seconds to), with the prop's value and the limit for the prop.
    const origin = c.origins.get('shutdown.gracePeriodSeconds');
    const offset = origin?.offset ?? 0;
    const field = userField(c.origins, c.field, 'shutdown.gracePeriodSeconds');
    const why = offset
      ? `the container's stop timeout is ${field} + ${offset} = ${c.shutdown.gracePeriodSeconds} seconds, and Fargate's stopTimeout is at most ${FARGATE_MAX_STOP_TIMEOUT} seconds`
      : `Fargate's stopTimeout is at most ${FARGATE_MAX_STOP_TIMEOUT} seconds`;
    throw Errors.unsupportedOnPlatform(path, field, c.shutdown.gracePeriodSeconds - offset, PLATFORM, why,
      `Set ${field} to at most ${FARGATE_MAX_STOP_TIMEOUT - offset}`);
  }
  const say: LimitReport = { warn: o.warn, note: o.note };
  if (c.shutdown.drainCommand) {
    reportLimit(say, c.owner, 'drainCommand',
      `${userField(c.origins, c.field, 'shutdown.drainCommand')} is not run: ECS has no pre-stop hook. ECS sends SIGTERM in reverse dependency order and waits stopTimeout; the sidecar must drain on SIGTERM`,
      p => `leave ${p} out on ECS to silence this`);
  }
  if (c.resources.cpuLimitMillicores !== undefined) {
    reportLimit(say, c.owner, 'resources',
      `${c.field}resources.cpuLimitMillicores is not enforced per container on ECS: the container's cpu units are a reservation and the task's CPU is the limit`,
      p => `leave cpuLimitMillicores out of ${p} on ECS to silence this`);
  }
  if (c.imagePullPolicy !== undefined) {
    // ECS pulls by the agent's setting (ECS_IMAGE_PULL_BEHAVIOR, EC2 and external instances only:
    // docs.aws.amazon.com/AmazonECS/latest/developerguide/pull-behavior.html); a container definition has no pull policy.
    o.warn(path, `${userField(c.origins, c.field, 'imagePullPolicy')} ${c.imagePullPolicy} is not rendered: an ECS container definition has no image pull policy `
      + '(Fargate pulls the image at every task start); leave it out on ECS to silence this');
  }
  for (const key of ['ephemeralStorageRequestMebibytes', 'ephemeralStorageLimitMebibytes'] as const) {
    if (c.resources[key] !== undefined) {
      o.warn(path, `${c.field}resources.${key} ${c.resources[key]} is not rendered: ECS has no per-container ephemeral storage; `
        + 'the task\'s storage is sized as a whole (FargateTaskDefinition ephemeralStorageGiB, 21 to 200 GiB), and on Fargate the sidecars\' sum is checked against it; '
        + 'leave it out on ECS to silence this');
    }
  }
  const { environment, secrets } = named(c, () => renderEnv(path, `${c.field}env`, c.env, o.secrets, o.target));
  const longRunning = c.role === StartupRole.SIDECAR;
  const linuxParameters = new ecs.LinuxParameters(o.scope, `${c.name}-linux`, { initProcessEnabled: o.initProcessEnabled });
  linuxParameters.dropCapabilities(ecs.Capability.ALL);
  if (s.addCapabilities.length) { linuxParameters.addCapabilities(...s.addCapabilities.map(cap => cap as ecs.Capability)); }
  return {
    containerName: c.name,
    image: ecs.ContainerImage.fromRegistry(c.image),
    entryPoint: expandReferences(path, userField(c.origins, c.field, 'command'), c.command, c.env),
    command: expandReferences(path, userField(c.origins, c.field, 'args'), c.args, c.env),
    workingDirectory: c.workingDir,
    environment: Object.keys(environment).length ? environment : undefined,
    secrets: Object.keys(secrets).length ? secrets : undefined,
    portMappings: c.ports.filter(isDeclared).map(p => ({
      containerPort: p.port,
      protocol: p.protocol === Protocol.UDP ? ecs.Protocol.UDP : ecs.Protocol.TCP,
      name: p.name,
    })),
    user: `${s.uid}:${s.gid}`,
    readonlyRootFilesystem: s.readOnlyRootFilesystem,
    privileged: false,
    linuxParameters,
    cpu: c.resources.cpuRequestMillicores !== undefined ? cpuUnits(c.resources.cpuRequestMillicores) : undefined,
    memoryReservationMiB: c.resources.memoryRequestMebibytes !== undefined ? Math.ceil(c.resources.memoryRequestMebibytes) : undefined,
    memoryLimitMiB: c.resources.memoryLimitMebibytes !== undefined ? Math.ceil(c.resources.memoryLimitMebibytes) : undefined,
    essential: c.essential,
    // A non-essential long-running sidecar that exits would stay down for the life of the
    // task: ECS restarts it (container restart policy, aws/containers-roadmap#326), as
    // Kubernetes and ACI restart their sidecars.
    enableRestartPolicy: longRunning && !c.essential ? true : undefined,
    restartAttemptPeriod: longRunning && !c.essential ? Duration.seconds(RESTART_ATTEMPT_PERIOD) : undefined,
    stopTimeout: c.shutdown.gracePeriodSeconds !== undefined ? Duration.seconds(c.shutdown.gracePeriodSeconds) : undefined,
    healthCheck: longRunning ? renderHealthCheck(c, o.healthRequired, say) : undefined,
    logging: o.logging,
  };
}

/** The ECS dependency condition for a neutral wait condition. */
export function condition(wait: WaitCondition): ecs.ContainerDependencyCondition {
  switch (wait) {
    case WaitCondition.COMPLETED: return ecs.ContainerDependencyCondition.SUCCESS;
    case WaitCondition.HEALTHY: return ecs.ContainerDependencyCondition.HEALTHY;
    default: return ecs.ContainerDependencyCondition.START;
  }
}

/** `fn()`, whose errors name the prop the user wrote for a field of `c` (e.g. overrides.env[0].podField). */
function named<T>(c: ResolvedContainer, fn: () => T): T {
  try { return fn(); } catch (e) { throw renamedError(e, c.origins, c.field); }
}
