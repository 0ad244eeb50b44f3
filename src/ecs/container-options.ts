/**
 * ECS-only settings of the sidecar containers a TaskSidecars adds: container restart policy,
 * ulimits, system controls, start timeout, init process, Docker labels, version consistency and
 * the Service Connect application protocol of named ports. They have no Kubernetes or ACI
 * counterpart in a container (Kubernetes and ACI restart containers by the pod's or group's
 * policy; neither sets rlimits per container), so they live on the ECS binder, keyed by the
 * container's name.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { PLATFORM, RenderedContainer } from './render';
import { StartupRole } from '../core/container';
import { Errors } from '../core/errors';
import { checkArray, checkBoolean, checkEnum, checkMap, isPlainMap } from '../core/prop-types';
import { ResolvedContainer } from '../core/resolve';

/**
 * ECS settings of one sidecar container (`TaskSidecarsOptions.containerOptions`, or every
 * sidecar container with `TaskSidecarsOptions.sidecarDefaults`).
 */
export interface SidecarContainerOptions {
  /**
   * Restart the container in place when it exits (ECS container restart policy), instead of
   * leaving it stopped (non-essential) or stopping the task (essential).
   *
   * Not for init steps: the containers after an init step wait for it to succeed once.
   *
   * @default - true for a non-essential long-running sidecar (such as the FireLens router),
   *   which would otherwise stay down for the rest of the task (aws/containers-roadmap#326);
   *   false for the others
   * @see https://docs.aws.amazon.com/AmazonECS/latest/developerguide/container-restart-policy.html
   */
  readonly enableRestartPolicy?: boolean;
  /**
   * Exit codes after which ECS does not restart the container (at most 50).
   * Needs the restart policy.
   * @default - none: ECS restarts after any exit code
   */
  readonly restartIgnoredExitCodes?: number[];
  /**
   * How long a restarted container must run before ECS restarts it again: whole seconds from
   * 60 to 1800 (ECS API reference, ContainerRestartPolicy). Needs the restart policy.
   * @default - 60 seconds for the sidecars restarted by default; ECS's 300 seconds where the restart policy is asked for without a period
   */
  readonly restartAttemptPeriod?: Duration;
  /**
   * rlimits of the container, e.g. `{ name: ecs.UlimitName.NOFILE, softLimit: 1024000, hardLimit: 1024000 }`
   * for Envoy, as the ECS service extensions set it. Fargate's default `nofile` is 65535 (soft and hard).
   * @default - the platform's (Fargate: nofile 65535)
   * @see https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Ulimit.html
   */
  readonly ulimits?: ecs.Ulimit[];
  /**
   * Namespaced kernel parameters: the IPC ones (kernel.msgmax, kernel.msgmnb, kernel.msgmni,
   * kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni, kernel.shm_rmid_forced, fs.mqueue.*)
   * and the network ones (net.*), all of which Fargate supports (platform 1.4.0 and later). In
   * awsvpc mode a network one applies to every container of the task.
   * @default - none
   * @see https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_SystemControl.html
   */
  readonly systemControls?: ecs.SystemControl[];
  /**
   * How long the containers that wait for this one (dependsOn) wait for it to reach the
   * condition before ECS gives up and stops the task.
   * @default - ECS's (the agent's ECS_CONTAINER_START_TIMEOUT)
   */
  readonly startTimeout?: Duration;
  /**
   * Run an init process (tini) as PID 1 in the container, which forwards signals and reaps
   * zombies (`linuxParameters.initProcessEnabled`).
   * @default false
   */
  readonly initProcessEnabled?: boolean;
  /**
   * Docker labels of the container.
   * @default - none
   */
  readonly dockerLabels?: { [key: string]: string };
  /**
   * Whether ECS resolves the image tag to a digest when the task definition is registered and
   * runs that digest in every task (`versionConsistency`).
   * @default - ECS's default (enabled)
   */
  readonly versionConsistency?: ecs.VersionConsistency;
  /**
   * The Service Connect application protocol of the container's named ports, by port name
   * (`portMappings[].appProtocol`): what Service Connect's proxy parses and reports.
   * @default - none (TCP)
   */
  readonly portAppProtocols?: { [portName: string]: ecs.AppProtocol };
  /**
   * Environment files (S3 objects or assets) ECS loads into the container's environment.
   * Variables a sidecar sets itself are not to be overridden this way: ECS gives `environment`
   * precedence over the files.
   * @default - none
   */
  readonly environmentFiles?: ecs.EnvironmentFile[];
  /**
   * Run the container with the proxy's group so that the task's proxyConfiguration does not
   * redirect its traffic (`ignoredGID`), as the ECS service extensions run their FireLens router
   * and CloudWatch agent (user `0:1338`, ignoredGID 1338). Only with a sidecar that intercepts the
   * task's traffic; the container keeps its UID.
   * @default false
   */
  readonly bypassProxy?: boolean;
}

/** Seconds ECS lets a restart attempt period be (ECS API reference, ContainerRestartPolicy.restartAttemptPeriod). */
const RESTART_PERIOD = [60, 1800] as const;
/** "You can specify a maximum of 50 container exit codes" (ECS API reference, ContainerRestartPolicy.ignoredExitCodes). */
const MAX_IGNORED_EXIT_CODES = 50;
/**
 * The namespaced sysctls ECS takes, all supported on Fargate (ECS API reference, SystemControl.value:
 * the IPC ones listed, fs.mqueue.*, and net.*).
 */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);
const SYSCTL = /^(?:net|fs\.mqueue)\.[a-z0-9_]+(?:[./][a-z0-9_-]+)*$/;

function wholeSeconds(path: string, field: string, value: unknown, min: number, max?: number): number | undefined {
  if (value === undefined) { return undefined; }
  if (typeof (value as Duration | null)?.toSeconds !== 'function') {
    throw Errors.invalidType(path, field, value, 'a Duration, e.g. Duration.seconds(120)');
  }
  const d = value as Duration;
  if (d.isUnresolved()) { return undefined; }
  const s = d.toSeconds({ integral: false });
  if (!Number.isInteger(s) || s < min || (max !== undefined && s > max)) {
    throw Errors.invalidNumber(path, field, `${s} seconds`, `a whole number of seconds from ${min}${max !== undefined ? ` to ${max}` : ''}`);
  }
  return s;
}

function checkInteger(path: string, field: string, value: unknown, min: number): void {
  if (typeof value === 'number' && Token.isUnresolved(value)) { return; }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw Errors.invalidNumber(path, field, value, `an integer >= ${min}`);
  }
}

/** The runtime types and values of one SidecarContainerOptions (given as `field`). */
export function checkContainerOptions(path: string, field: string, o: unknown): void {
  if (!isPlainMap(o)) { throw Errors.invalidType(path, field, o, 'a SidecarContainerOptions object'); }
  const opts = o as SidecarContainerOptions;
  checkBoolean(path, `${field}.enableRestartPolicy`, opts.enableRestartPolicy);
  const codes = checkArray(path, `${field}.restartIgnoredExitCodes`, opts.restartIgnoredExitCodes);
  if (codes.length > MAX_IGNORED_EXIT_CODES) {
    throw Errors.invalidNumber(path, `${field}.restartIgnoredExitCodes`, `${codes.length} exit codes`, `at most ${MAX_IGNORED_EXIT_CODES} exit codes (ECS ContainerRestartPolicy.ignoredExitCodes)`);
  }
  codes.forEach((c, i) => checkInteger(path, `${field}.restartIgnoredExitCodes[${i}]`, c, 0));
  wholeSeconds(path, `${field}.restartAttemptPeriod`, opts.restartAttemptPeriod, RESTART_PERIOD[0], RESTART_PERIOD[1]);
  wholeSeconds(path, `${field}.startTimeout`, opts.startTimeout, 1);
  checkArray(path, `${field}.ulimits`, opts.ulimits).forEach((u, i) => {
    const f = `${field}.ulimits[${i}]`;
    if (!isPlainMap(u)) { throw Errors.invalidType(path, f, u, 'an ecs.Ulimit ({ name, softLimit, hardLimit })'); }
    if (checkEnum(path, `${f}.name`, u.name, ecs.UlimitName, 'ecs.UlimitName') === undefined) {
      throw Errors.invalidType(path, `${f}.name`, u.name, 'an ecs.UlimitName');
    }
    checkInteger(path, `${f}.softLimit`, u.softLimit, 0);
    checkInteger(path, `${f}.hardLimit`, u.hardLimit, 0);
    if (!Token.isUnresolved(u.softLimit) && !Token.isUnresolved(u.hardLimit) && (u.softLimit as number) > (u.hardLimit as number)) {
      throw Errors.invalidRange(path, `${f}.softLimit`, u.softLimit as number, `${f}.hardLimit`, u.hardLimit as number);
    }
  });
  const ulimitNames = (opts.ulimits ?? []).map(u => u.name);
  ulimitNames.forEach((n, i) => {
    if (ulimitNames.indexOf(n) !== i) { throw Errors.alreadySet(path, `${field}.ulimits[${i}].name`, n, `by ${field}.ulimits[${ulimitNames.indexOf(n)}]; give each ulimit once`); }
  });
  checkArray(path, `${field}.systemControls`, opts.systemControls).forEach((s, i) => {
    const f = `${field}.systemControls[${i}]`;
    if (!isPlainMap(s)) { throw Errors.invalidType(path, f, s, 'an ecs.SystemControl ({ namespace, value })'); }
    if (typeof s.namespace !== 'string') { throw Errors.invalidType(path, `${f}.namespace`, s.namespace, 'a string'); }
    if (typeof s.value !== 'string') { throw Errors.invalidType(path, `${f}.value`, s.value, 'a string'); }
    if (!Token.isUnresolved(s.namespace) && !IPC_SYSCTLS.has(s.namespace) && !SYSCTL.test(s.namespace)) {
      throw Errors.unsupportedOnPlatform(path, `${f}.namespace`, s.namespace, PLATFORM,
        'ECS sets only namespaced kernel parameters: kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni, '
        + 'kernel.shm_rmid_forced, fs.mqueue.* and net.* (ECS API reference, SystemControl)',
        'Use a namespaced parameter, e.g. net.ipv4.tcp_keepalive_time');
    }
  });
  checkBoolean(path, `${field}.initProcessEnabled`, opts.initProcessEnabled);
  for (const [key, value] of checkMap(path, `${field}.dockerLabels`, opts.dockerLabels)) {
    if (key.length === 0) { throw Errors.invalidType(path, `${field}.dockerLabels`, key, 'a label name of at least one character'); }
    if (typeof value !== 'string') { throw Errors.invalidType(path, `${field}.dockerLabels[${JSON.stringify(key)}]`, value, 'a string'); }
  }
  checkBoolean(path, `${field}.bypassProxy`, opts.bypassProxy);
  checkArray(path, `${field}.environmentFiles`, opts.environmentFiles).forEach((e, i) => {
    // By shape, not instanceof: an app may load a second copy of aws-cdk-lib.
    if (typeof (e as { bind?: unknown } | null)?.bind !== 'function') {
      throw Errors.invalidType(path, `${field}.environmentFiles[${i}]`, e, 'an ecs.EnvironmentFile, e.g. ecs.EnvironmentFile.fromBucket(bucket, "sidecar.env")');
    }
  });
  // ecs.VersionConsistency came with aws-cdk-lib 2.178.0; the peer floor (2.172.0) has no such enum and its
  // container definitions no such option, so a value given there (plain JavaScript) would be dropped.
  const versionConsistency = (ecs as { VersionConsistency?: { [key: string]: string } }).VersionConsistency;
  if (opts.versionConsistency !== undefined && versionConsistency === undefined) {
    throw Errors.unsupportedOnPlatform(path, `${field}.versionConsistency`, opts.versionConsistency, PLATFORM,
      'the aws-cdk-lib this app loads has no versionConsistency on container definitions (it came with aws-cdk-lib 2.178.0)',
      'Upgrade aws-cdk-lib to 2.178.0 or later, or leave versionConsistency out');
  }
  if (versionConsistency !== undefined) {
    checkEnum(path, `${field}.versionConsistency`, opts.versionConsistency, versionConsistency, 'ecs.VersionConsistency');
  }
  for (const [name, protocol] of checkMap(path, `${field}.portAppProtocols`, opts.portAppProtocols)) {
    // By shape, not instanceof: an app may load a second copy of aws-cdk-lib.
    const value = (protocol as { value?: unknown } | null)?.value;
    if (typeof value !== 'string' || !['http', 'http2', 'grpc'].includes(value)) {
      throw Errors.invalidType(path, `${field}.portAppProtocols[${JSON.stringify(name)}]`, protocol, 'an ecs.AppProtocol (ecs.AppProtocol.http, http2 or grpc)');
    }
  }
}

/** The options of one container: `sidecarDefaults` with its `containerOptions` entry over it, field by field. */
export function mergeContainerOptions(defaults: SidecarContainerOptions | undefined,
  own: SidecarContainerOptions | undefined): SidecarContainerOptions {
  const out: { [k: string]: unknown } = { ...(defaults ?? {}) };
  for (const [k, v] of Object.entries(own ?? {})) { if (v !== undefined) { out[k] = v; } }
  return out as SidecarContainerOptions;
}

/**
 * The container definition options `o` adds to a rendered sidecar container, and the ones it
 * changes: the restart policy (default on for a non-essential long-running sidecar), ulimits,
 * system controls, start timeout, labels, version consistency, and app protocols on the
 * rendered port mappings. `field` names where the options were given (for errors).
 */
export function applyContainerOptions(c: ResolvedContainer, rendered: RenderedContainer, o: SidecarContainerOptions,
  at: string, field: string): ecs.ContainerDefinitionOptions {
  const longRunning = c.role === StartupRole.SIDECAR;
  if (!longRunning && o.enableRestartPolicy) {
    throw Errors.invalidRole(at, `${field}.enableRestartPolicy`, true,
      `is set on ${JSON.stringify(c.name)}, an init step: ECS would restart it after it exits, but the containers after it wait for it to succeed once`,
      'Leave enableRestartPolicy out for init steps');
  }
  const restart = o.enableRestartPolicy ?? (longRunning && !c.essential);
  if (!restart) {
    for (const key of ['restartIgnoredExitCodes', 'restartAttemptPeriod'] as const) {
      if (o[key] !== undefined) {
        throw Errors.ineffectiveSetting(at, `${field}.${key}`, key === 'restartAttemptPeriod' ? `${o[key]!.toSeconds()} seconds` : o[key],
          `container ${JSON.stringify(c.name)} has no restart policy (${o.enableRestartPolicy === false ? 'enableRestartPolicy is false' : 'it is essential or an init step, where it is off by default'})`,
          `Set ${field}.enableRestartPolicy: true, or leave ${key} out`);
      }
    }
  }
  const names = new Set(c.ports.map(p => p.name).filter((n): n is string => n !== undefined));
  for (const name of Object.keys(o.portAppProtocols ?? {})) {
    if (!names.has(name)) {
      throw Errors.unknownReference(at, `${field}.portAppProtocols`, name, `port of container ${JSON.stringify(c.name)}`, 'its ports', [...names]);
    }
  }
  const protocols = o.portAppProtocols ?? {};
  // The fields `rendered` cannot have (RenderedContainer) come before it: V8 (Node 20) adds a
  // field that `{ ...x }` did not copy slowly, 1 to 2.5 µs a field (measured: 20 µs for this
  // object, under 1 µs in this order). Those after it replace rendered ones.
  return {
    restartIgnoredExitCodes: restart && o.restartIgnoredExitCodes?.length ? [...o.restartIgnoredExitCodes] : undefined,
    ulimits: o.ulimits?.length ? o.ulimits.map(u => ({ ...u })) : undefined,
    systemControls: o.systemControls?.length ? o.systemControls.map(s => ({ ...s })) : undefined,
    startTimeout: o.startTimeout,
    dockerLabels: o.dockerLabels && Object.keys(o.dockerLabels).length ? { ...o.dockerLabels } : undefined,
    versionConsistency: o.versionConsistency,
    environmentFiles: o.environmentFiles?.length ? [...o.environmentFiles] : undefined,
    ...rendered,
    enableRestartPolicy: restart ? true : undefined,
    restartAttemptPeriod: restart
      ? o.restartAttemptPeriod ?? (o.enableRestartPolicy === undefined ? rendered.restartAttemptPeriod : undefined)
      : undefined,
    portMappings: rendered.portMappings?.map(p => (p.name && protocols[p.name] ? { ...p, appProtocol: protocols[p.name] } : p)),
  };
}
