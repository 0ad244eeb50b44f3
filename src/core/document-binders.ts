/**
 * What the binders that write a whole platform document at synthesis share (Azure Container
 * Instances, Google Cloud Run, Docker Compose): the warnings and notes of a synthesis, the app
 * containers as the composition sees them, what such a platform refuses of a Kubernetes pod
 * (Services, annotations, a pod file group, a shared process namespace, transparent
 * redirection), the identity of a container whose security context is not applied, checks of
 * the app containers' props, and the app's synth loop. The texts that name a platform stay in
 * its binder; nothing here loads a platform library (an internal module: not exported).
 */
import * as fs from 'fs';
import { dirname, join } from 'path';
import { Construct } from 'constructs';
import { ComposedPod, checkSidecars } from './composition';
import { EnvVarSpec } from './container';
import { FileAccess, ProcessIdentity, RUNTIME_DEFAULT_CAPABILITIES, RuntimePlatform } from './contract';
import { ISidecar } from './contribution';
import { Errors } from './errors';
import { imageFacts } from './image-facts';
import { ENV_NAME, parseUser, pathProblem } from './names';
import { checkArray, checkBoolean, checkMap, isPlainMap } from './prop-types';
import { LimitReport, ResolvedContainer, ResolvedSidecar, ResolvedVolume } from './resolve';

/**
 * The fields every app volume mount of these binders has (AciVolumeMount, CloudRunVolumeMount,
 * ComposeVolumeMount add the volume, named after their platform's volumes). jsii erases this base
 * (internal): each struct keeps these properties, docs and defaults as its own.
 * @internal
 */
export interface _AppMountFields {
  /** Absolute path in the container. */
  readonly path: string;
  /**
   * Read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * Starts the warnings and notes of a synthesis: empties both lists and returns what adds to
 * them, as "<construct path>: <message>", each text once.
 */
export function startDiagnostics(warnings: string[], notes: string[]): LimitReport {
  warnings.length = 0;
  notes.length = 0;
  const say = (list: string[]) => (at: string, message: string) => {
    const text = `${at}: ${message}`;
    if (!list.includes(text)) { list.push(text); }
  };
  return { warn: say(warnings), note: say(notes) };
}

/** The warnings and notes as lines of a generated file's header. */
export function diagnosticLines(warnings: readonly string[], notes: readonly string[]): string[] {
  return [...warnings.map(w => `warning: ${w}`), ...notes.map(n => `note: ${n}`)];
}

/** The document's name (group, service, project): `name`, else the construct id; checked against `pattern`. */
export function documentName(path: string, name: unknown, id: string, pattern: RegExp, expected: string): string {
  const value = name ?? id;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw Errors.invalidName(path, name === undefined ? 'name (taken from the construct id)' : 'name', value, expected);
  }
  return value;
}

/** Attaches sidecars to a list (a sidecar already attached is skipped). */
export function attachSidecars(path: string, attached: ISidecar[], sidecars: readonly ISidecar[]): void {
  checkSidecars(sidecars, () => path);
  for (const s of sidecars) {
    if (!attached.includes(s)) { attached.push(s); }
  }
}

/** An app container's env as the composition sees it: literal values, and secret variables (value unknown). */
export function appEnvModel(environment: { [name: string]: string } | undefined,
  secretEnvironment: { [name: string]: unknown } | undefined): Map<string, string | undefined> {
  return new Map<string, string | undefined>([
    ...Object.entries(environment ?? {}),
    ...Object.keys(secretEnvironment ?? {}).map((k): [string, undefined] => [k, undefined]),
  ]);
}

/** The env the sidecars ask of one app container, each with the construct path of the sidecar that asks. */
export function requestedAppEnv(pod: ComposedPod, appName: string): Array<{ readonly path: string; readonly env: EnvVarSpec }> {
  return (pod.appEnv.get(appName) ?? []).map(env => ({ path: pod.sidecars.find(s => s.appRequests.env.includes(env))!.path, env }));
}

/** Refuses the Kubernetes Services sidecars ask for (PodRequirements.services, e.g. Dapr's `<appId>-dapr`). */
export function refuseKubernetesServices(pod: ComposedPod, platform: string, reason: string, fix: string): void {
  for (const owner of pod.sidecars) {
    for (const [k, svc] of owner.services.entries()) {
      throw Errors.unsupportedOnPlatform(owner.path, `pod.services[${k}]`, svc.name, platform, reason, fix);
    }
  }
}

/** Refuses the pod annotations sidecars ask for. */
export function refusePodAnnotations(pod: ComposedPod, platform: string, reason: string, fix: string): void {
  for (const [key, { owner, value }] of pod.annotations) {
    throw Errors.unsupportedOnPlatform(owner.path, `pod.annotations[${JSON.stringify(key)}]`, value, platform, reason, fix);
  }
}

/** Refuses a pod-wide file group (fsGroup) a sidecar asks for. */
export function refuseFileGroup(pod: ComposedPod, platform: string, reason: string, fix: string): void {
  if (pod.fileGroup) {
    throw Errors.unsupportedOnPlatform(pod.fileGroup.owner.path, 'pod.fileGroup', pod.fileGroup.gid, platform, reason, fix);
  }
}

/** Refuses a process namespace shared by the pod's containers. */
export function refuseSharedProcessNamespace(pod: ComposedPod, platform: string, reason: string): void {
  if (pod.shareProcessNamespace) {
    throw Errors.unsupportedOnPlatform(pod.sidecars.find(s => s.shareProcessNamespace)!.path, 'shareProcessNamespace', true, platform,
      reason, 'Have the app watch the file the sidecar writes instead of waiting for a signal');
  }
}

/**
 * Refuses transparent redirection (it needs NET_ADMIN in the pod's network namespace): the fix
 * is the proxy as an explicit proxy (with the sidecar's own hint), then `how`.
 */
export function refuseTrafficInterception(pod: ComposedPod, platform: string, reason: string, how: string): void {
  const i = pod.trafficInterception;
  if (i) {
    throw Errors.unsupportedOnPlatform(i.owner.path, 'pod.trafficInterception', i.spec.proxyContainer, platform, reason,
      `Run the proxy as an explicit proxy${i.spec.disableHint ? ` (${i.spec.disableHint})` : ''}: ${how}`);
  }
}

/** Passes the composition's warnings ("<path>: <message>") on. */
export function forwardPodWarnings(pod: ComposedPod, warn: LimitReport['warn']): void {
  for (const w of pod.warnings) { warn(w.slice(0, w.indexOf(': ')), w.slice(w.indexOf(': ') + 2)); }
}

/**
 * Warns about what sidecars need of Kubernetes or a cloud that the platform (`name`) does not
 * give: cloud permissions (`denied` says what comes of it) and the pod's metadata.
 */
export function warnMissingPodServices(pod: ComposedPod, warn: LimitReport['warn'], name: string, denied: string): void {
  for (const { owner, permission } of pod.cloudPermissions) {
    warn(owner.path, `needs ${permission.provider} permissions ${permission.actions.join(', ')}, ${denied}`);
  }
  for (const s of pod.readsPodMetadata) {
    warn(s.path, `reads its pod's metadata from the Kubernetes API, which ${name} does not have; the sidecar gets none`);
  }
}

/** Warns about the config files whose mode (other than 0444) the platform does not render; `why` ends the message. */
export function warnUnrenderedFileModes(volume: ResolvedVolume, owner: string, warn: LimitReport['warn'], why: string): void {
  for (const f of volume.files.filter(x => x.mode !== undefined && x.mode !== 0o444)) {
    warn(owner, `config file ${JSON.stringify(f.name)} has mode ${f.mode!.toString(8).padStart(4, '0')}, which is not rendered: ${why}`);
  }
}

/**
 * The error for a sidecar volume of a kind the platform does not have, named as the prop that
 * asked for it (Fluent Bit's hostLogDirectory: its value), or as the volume.
 */
export function unsupportedVolume(owner: ResolvedSidecar, volume: ResolvedVolume, platform: string, reason: string, fix: string): Error {
  const at = owner.volumes.findIndex(v => v.name === volume.name);
  const origin = owner.origins.get(`volumes[${at}]`);
  return Errors.unsupportedOnPlatform(owner.path, origin?.prop ?? `volumes[${at}]`, origin && volume.hostPath ? volume.hostPath : volume.name, platform, reason, fix);
}

/** The identity of a process: root keeps the runtime's default capabilities. */
function processIdentity(uid: number | undefined, gid: number | undefined): ProcessIdentity {
  return { uid, gid, groups: [], capabilities: new Set(uid === 0 ? RUNTIME_DEFAULT_CAPABILITIES : []) };
}

/**
 * The identity of a container whose security context the platform does not apply: its image's
 * user, where the image facts table knows the image (a known image without USER runs as root).
 */
function imageIdentity(image: string): ProcessIdentity {
  const facts = imageFacts(image);
  if (!facts) { return processIdentity(undefined, undefined); }
  const { uid, gid } = parseUser(facts.user ?? '0:0');
  return processIdentity(uid, gid);
}

/**
 * The runtime (core/contract.ts) of a platform these binders write for: no pod-wide groups (no
 * fsGroup) and no identity token files; config files, secret files and scratch directories are
 * root's, of the modes given (`configFileMode` undefined: the config file's own mode); a file
 * created in a volume gets its creator's group. With `imageUsers` the platform does not apply the
 * containers' security contexts, and each sidecar runs as its image's user.
 */
export function documentRuntime(name: string, options: {
  readonly configFileMode?: number;
  readonly secretFileMode: number;
  readonly scratchDirMode: number;
  readonly canShareProcessNamespace: boolean;
  readonly imageUsers: boolean;
  readonly apps: ReadonlyArray<{ readonly name: string; readonly uid?: number; readonly gid?: number }>;
}): RuntimePlatform {
  const root = (mode: number): FileAccess => ({ uid: 0, gid: 0, mode });
  return {
    name,
    podGroups: [],
    configFile: (_volume, _file, mode) => root(options.configFileMode ?? mode),
    secretFile: () => root(options.secretFileMode),
    scratchDir: () => root(options.scratchDirMode),
    createdFileGroup: (_volume, gid) => gid,
    identityTokens: false,
    canShareProcessNamespace: options.canShareProcessNamespace,
    apps: options.apps.map(a => ({ name: a.name, identity: processIdentity(a.uid, a.gid) })),
    ...(options.imageUsers ? { sidecarIdentity: (c: ResolvedContainer) => imageIdentity(c.image) } : {}),
  };
}

/** An app container's command or args: a non-empty list of non-empty strings. */
export function checkCommandList(path: string, field: string, value: unknown): void {
  if (value !== undefined && (!Array.isArray(value) || value.length === 0 || value.some(v => typeof v !== 'string' || v.length === 0))) {
    throw Errors.invalidCommand(path, field, value);
  }
}

/** An app container's `environment` (under `field`): variable names and string values. The names. */
export function checkAppEnvironment(path: string, field: string, environment: unknown): Set<string> {
  const names = new Set<string>();
  for (const [name, value] of checkMap(path, `${field}.environment`, environment)) {
    const ef = `${field}.environment[${JSON.stringify(name)}]`;
    if (!ENV_NAME.test(name)) { throw Errors.invalidEnv(path, ef, name, 'is not a valid variable name'); }
    if (typeof value !== 'string') { throw Errors.invalidEnv(path, ef, value, 'is not a string'); }
    names.add(name);
  }
  return names;
}

/**
 * The secret variables of an app container (its `key` prop under `field`), one by one as the
 * loop asks: each name checked (a variable name, not also in `environment`), with its field for
 * the checks of the reference.
 */
export function* checkSecretEnvNames<T = unknown>(path: string, field: string, key: string, secrets: unknown,
  environment: ReadonlySet<string>): Generator<[string, T, string]> {
  for (const [name, ref] of checkMap(path, `${field}.${key}`, secrets)) {
    const ef = `${field}.${key}[${JSON.stringify(name)}]`;
    if (!ENV_NAME.test(name)) { throw Errors.invalidEnv(path, ef, name, 'is not a valid variable name'); }
    if (environment.has(name)) { throw Errors.duplicateEnv(path, `${field}.${key} (and environment)`, name); }
    yield [name, ref as T, ef];
  }
}

/** An app container's volume mounts (under `field`): volumes of the document (`volumes`), absolute paths. */
export function checkAppVolumeMounts(path: string, field: string, mounts: unknown, volumes: ReadonlySet<string>, typeName: string): void {
  checkArray(path, field, mounts).forEach((m, j) => {
    const mf = `${field}[${j}]`;
    if (!isPlainMap(m)) { throw Errors.invalidType(path, mf, m, typeName); }
    if (typeof m.volume !== 'string' || !volumes.has(m.volume)) { throw Errors.unknownVolume(path, `${mf}.volume`, m.volume, [...volumes]); }
    const problem = typeof m.path === 'string' ? pathProblem(m.path) : 'is not a string';
    if (problem) { throw Errors.invalidPath(path, `${mf}.path`, m.path, problem); }
    checkBoolean(path, `${mf}.readOnly`, m.readOnly);
  });
}

/**
 * The root of an app of these binders (AciApp, CloudRunApp, ComposeApp): the output folder, from
 * the props, else the environment variable `variable`, else "dist". jsii erases this base
 * (internal): each app class keeps `outdir` as its own.
 * @internal
 */
export abstract class _DocumentApp extends Construct {
  /** Output folder. */
  public readonly outdir: string;

  protected constructor(outdir: string | undefined, variable: string) {
    super(undefined as any, '');
    this.outdir = outdir ?? process.env[variable] ?? 'dist';
  }
}

/** The constructs of one class in an app (groups, services, projects), in the tree's order. */
export function documentsOf<T>(app: Construct, type: new (...args: any[]) => T): T[] {
  return app.node.findAll().filter(c => c instanceof type) as unknown[] as T[];
}

/**
 * An app's synth: for each document (group, service, project) in order, `write` writes its files
 * (name relative to `outdir`, and mode), then its warnings and notes go to stderr.
 * @returns the files written
 */
export function synthDocuments<T extends { readonly warnings: readonly string[]; readonly notes: readonly string[] }>(
  outdir: string, documents: readonly T[],
  write: (document: T, file: (name: string, content: string, mode?: number) => void) => void): string[] {
  fs.mkdirSync(outdir, { recursive: true });
  const files: string[] = [];
  for (const d of documents) {
    write(d, (name, content, mode) => {
      const target = join(outdir, name);
      fs.mkdirSync(dirname(target), { recursive: true });
      fs.writeFileSync(target, content, mode !== undefined ? { mode } : undefined);
      files.push(target);
    });
    for (const w of d.warnings) { process.stderr.write(`[cdk-sidecars] warning: ${w}\n`); }
    for (const n of d.notes) { process.stderr.write(`[cdk-sidecars] note: ${n}\n`); }
  }
  return files;
}
