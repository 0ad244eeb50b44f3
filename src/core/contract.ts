/**
 * The runtime contract of a pod: what its containers need when they run, checked at
 * synth on every platform before anything is rendered. Schemas prove a file's shape;
 * this proves that
 * - every file a container must read (config files, secrets, files another container
 *   creates, tokens its configuration names) is mounted there and readable by its UID,
 *   GID and groups, with the mode and ownership the platform gives it;
 * - every path a container writes is writable by it with a read-only root filesystem;
 * - every Unix socket a container creates can be connected to by the containers that share it;
 * - every signal has a sender the kernel lets deliver it;
 * - every command the library runs inside a known third-party image uses only binaries
 *   that image ships (`image-facts.ts`; an image the table does not know is not checked).
 * Access is decided as the kernel does: owner, then group (primary and supplementary),
 * then others; root bypasses file modes only with CAP_DAC_OVERRIDE in effect.
 * Internal: not part of the jsii API.
 */
/* eslint-disable no-bitwise */ // file modes and access masks are bit sets
import { ComposedPod } from './composition';
import { Errors } from './errors';
import { ImageFacts, imageFacts } from './image-facts';
import { ProbeKind } from './probe';
import { ResolvedContainer, userField } from './resolve';
import { readShellScript, SHELL_BUILTINS } from './shell-words';
import { VolumeKind } from './volume';

/** Owner, group and mode of a file or directory as the platform makes it. */
export interface FileAccess {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

/** A process's identity as the kernel checks it. */
export interface ProcessIdentity {
  /** Undefined: the image's user, not known at synth. */
  readonly uid?: number;
  readonly gid?: number;
  readonly groups: readonly number[];
  /** Capabilities in effect (for root: those added after dropping; non-root: none, see kubernetes/kubernetes#56374). */
  readonly capabilities: ReadonlySet<string>;
}

/** An app container as the runtime contract sees it. */
export interface RuntimeAppContainer {
  readonly name: string;
  readonly identity: ProcessIdentity;
}

/** How a platform runs a pod, as far as the contract needs it. Given by each binder. */
export interface RuntimePlatform {
  /** Name for messages, e.g. 'Kubernetes'. */
  readonly name: string;
  /** Groups every container of the pod has as supplementary groups (Kubernetes fsGroup, supplementalGroups). */
  readonly podGroups: readonly number[];
  /**
   * The identity a sidecar container really runs with, where the platform does not apply
   * its security settings (ACI).
   * @default - the container's security settings
   */
  readonly sidecarIdentity?: (c: ResolvedContainer) => ProcessIdentity;
  /** A generated config file as it appears in a container. */
  readonly configFile: (volume: string, file: string, mode: number, sensitive: boolean) => FileAccess;
  /** A file of a SECRET volume. */
  readonly secretFile: (volume: string) => FileAccess;
  /** The directory of a SCRATCH or MEMORY volume when containers start. */
  readonly scratchDir: (volume: string) => FileAccess;
  /**
   * The root directory of a volume whose content comes from outside the pod (PERSISTENT_CLAIM,
   * CSI, EPHEMERAL_CLAIM, HOST_PATH) when containers start; undefined where the platform cannot
   * say (a CSI driver decides), which leaves writes to it unchecked.
   * @default - not known
   */
  readonly externalDir?: (volume: string, kind: VolumeKind) => FileAccess | undefined;
  /**
   * A file of a HOST_PATH volume that a container reads (`readsPaths`), as the node has it.
   * @default - not known (not checked)
   */
  readonly hostFile?: (volume: string) => FileAccess;
  /**
   * The group of files created in a scratch volume by a process of primary group `gid`
   * (a setgid directory passes its own group on: Kubernetes emptyDir with fsGroup).
   */
  readonly createdFileGroup: (volume: string, gid: number) => number;
  /** The platform projects an identity token file into the containers that ask (`identityToken`). */
  readonly identityTokens: boolean;
  /** The containers of a pod can share one process namespace. */
  readonly canShareProcessNamespace: boolean;
  /** App containers of the pod. */
  readonly apps: readonly RuntimeAppContainer[];
}

/**
 * The capabilities container runtimes give a container that drops none (moby
 * oci/caps/defaults.go; containerd and CRI-O use the same set): what a root app
 * container has unless its platform object says otherwise.
 */
export const RUNTIME_DEFAULT_CAPABILITIES: readonly string[] = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW',
  'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];

const R = 4;
const W = 2;
const X = 1;

/** Whether `who` has every bit of `want` (R, W, X) on `file`, as the kernel decides. */
export function allowed(who: ProcessIdentity, file: FileAccess, want: number): boolean {
  if (who.uid === 0 && who.capabilities.has('DAC_OVERRIDE')) {
    // Root with DAC_OVERRIDE reads and writes anything; executes if any x bit is set.
    return (want & X) === 0 || (file.mode & 0o111) !== 0;
  }
  if (who.uid !== undefined && who.uid === file.uid) { return ((file.mode >> 6) & want) === want; }
  const inGroup = (who.gid !== undefined && who.gid === file.gid) || who.groups.includes(file.gid);
  if (inGroup) { return ((file.mode >> 3) & want) === want; }
  return (file.mode & want) === want;
}

function sidecarIdentity(c: ResolvedContainer, platform: RuntimePlatform): ProcessIdentity {
  if (platform.sidecarIdentity) {
    const id = platform.sidecarIdentity(c);
    return { ...id, groups: [...id.groups, ...platform.podGroups] };
  }
  const s = c.security;
  // Capabilities added to a non-root container are not in effect for its process
  // (no ambient capabilities: kubernetes/kubernetes#56374).
  return { uid: s.uid, gid: s.gid, groups: platform.podGroups, capabilities: new Set(s.uid === 0 ? s.addCapabilities : []) };
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}

function describe(who: ProcessIdentity): string {
  const groups = who.groups.length ? ` and groups ${who.groups.join(',')}` : '';
  return `UID ${who.uid ?? '(the image\'s)'}, GID ${who.gid ?? '(the image\'s)'}${groups}`;
}

function describeFile(f: FileAccess): string {
  return `${octal(f.mode)} owned by ${f.uid}:${f.gid}`;
}

interface Party {
  readonly name: string;
  readonly path: string;
  readonly field: string;
  readonly identity: ProcessIdentity;
  /** Mount path -> volume name, readOnly. */
  readonly mounts: ReadonlyArray<{ readonly volume: string; readonly path: string; readonly readOnly: boolean }>;
  readonly readOnlyRoot: boolean;
  readonly container?: ResolvedContainer;
}

function within(path: string, dir: string): string | undefined {
  if (path === dir) { return ''; }
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : undefined;
}

/** The mount that holds `path` (the deepest one), and the path inside it. */
function mountOf(party: Party, path: string) {
  let best: { mount: Party['mounts'][number]; rest: string } | undefined;
  for (const m of party.mounts) {
    const rest = within(path, m.path);
    if (rest !== undefined && (!best || m.path.length > best.mount.path.length)) { best = { mount: m, rest }; }
  }
  return best;
}

/**
 * Checks the runtime contract of a composed pod on a platform. Throws the first breach,
 * naming the containers and the fix.
 */
export function checkRuntimeContract(pod: ComposedPod, platform: RuntimePlatform): void {
  const volumes = new Map(pod.volumes.map(v => [v.volume.name, v.volume]));
  const parties: Party[] = pod.containers.map(c => ({
    name: c.name,
    path: c.owner.path,
    field: c.field,
    identity: sidecarIdentity(c, platform),
    mounts: c.volumeMounts,
    readOnlyRoot: c.security.readOnlyRootFilesystem,
    container: c,
  }));
  for (const app of platform.apps) {
    parties.push({
      name: app.name,
      path: pod.targetPath,
      field: `app container ${JSON.stringify(app.name)}: `,
      identity: { ...app.identity, groups: [...new Set([...app.identity.groups, ...platform.podGroups])] },
      mounts: pod.appMounts.get(app.name) ?? [],
      readOnlyRoot: false,
    });
  }

  // Who creates files in which volume.
  const creators = new Map<string, Array<{ party: Party; mode: number; sockets: boolean; field: string }>>();
  for (const p of parties) {
    for (const f of p.container?.createsFiles ?? []) {
      const list = creators.get(f.volume) ?? [];
      list.push({ party: p, mode: f.mode, sockets: f.sockets, field: f.field });
      creators.set(f.volume, list);
    }
  }

  for (const p of parties) {
    for (const m of p.mounts) {
      const v = volumes.get(m.volume);
      if (!v) { continue; }
      if (v.kind === VolumeKind.CONFIG_FILES) {
        for (const f of v.files) {
          const access = platform.configFile(v.name, f.name, f.mode ?? 0o444, v.sensitive);
          checkDirAndFile(p, `${m.path}/${f.name}`, access, R, platform, `config file of volume ${JSON.stringify(v.name)}`);
        }
      } else if (v.kind === VolumeKind.SECRET) {
        checkDirAndFile(p, `${m.path}/*`, platform.secretFile(v.name), R, platform, `secret ${JSON.stringify(v.secretName)}`);
      }
    }
  }

  // Files created at run time: the creator can write the directory; every other container
  // that mounts the volume can read (or connect to) what it creates.
  for (const [volume, list] of creators) {
    const dir = volumeDir(volumes.get(volume), volume, platform);
    for (const { party, mode, sockets, field } of list) {
      // The image's user, unknown at synth (ACI runs containers as their image's user): who
      // owns what it creates cannot be known, so nothing about it can be proven either way.
      if (party.identity.uid === undefined || dir === undefined) { continue; }
      if (!allowed(party.identity, dir, W | X)) {
        throw Errors.runtimeUnwritable(party.path, `${party.field}${field.slice(party.field.length)}`, volume, party.name,
          `${platform.name} gives the volume's directory ${describeFile(dir)} and the container runs as ${describe(party.identity)}`,
          'Run the container with the volume\'s owner or group, or have the platform prepare the directory for it');
      }
      // The kubelet gives a hostPath no group (it is the node's directory): files keep the creator's group.
      const gid = volumes.get(volume)?.kind === VolumeKind.HOST_PATH
        ? party.identity.gid ?? 0
        : platform.createdFileGroup(volume, party.identity.gid ?? 0);
      const created: FileAccess = { uid: party.identity.uid, gid, mode };
      for (const reader of parties) {
        if (reader === party) { continue; }
        const m = reader.mounts.find(x => x.volume === volume);
        if (!m) { continue; }
        const want = sockets ? R | W : R;
        if (!allowed(reader.identity, dir, X) || !allowed(reader.identity, created, want)) {
          throw sockets
            ? Errors.runtimeSocketUnreachable(party.path, field, volume, party.name, reader.name,
              `the sockets are ${describeFile(created)} and ${reader.name} runs as ${describe(reader.identity)} on ${platform.name}`)
            : Errors.runtimeUnreadable(party.path, field, `${m.path}/*`, reader.name,
              `${party.name} creates the files ${describeFile(created)} and ${reader.name} runs as ${describe(reader.identity)} on ${platform.name}`,
              'Give the files a mode their readers can use (a group they share, e.g. the pod\'s fsGroup), or run the readers with that group');
        }
      }
    }
  }

  for (const p of parties) {
    const c = p.container;
    if (!c) { continue; }
    c.readsPaths.forEach((path, i) => checkReadsPath(p, path, `${c.field}readsPaths[${i}]`, volumes, creators, platform));
    c.writesPaths.forEach((path, i) => {
      const field = `${c.field}writesPaths[${i}]`;
      const at = mountOf(p, path);
      if (!at) {
        if (p.readOnlyRoot) {
          throw Errors.runtimeUnwritable(p.path, field, path, p.name, 'no volume is mounted there and the root filesystem is read-only',
            'Mount a SCRATCH or MEMORY volume read-write at that path or above it');
        }
        return;
      }
      const v = volumes.get(at.mount.volume);
      if (at.mount.readOnly || !v || v.kind === VolumeKind.CONFIG_FILES || v.kind === VolumeKind.SECRET) {
        throw Errors.runtimeUnwritable(p.path, field, path, p.name, `the volume ${JSON.stringify(at.mount.volume)} is mounted read-only at ${at.mount.path}`,
          'Mount a SCRATCH or MEMORY volume read-write at that path or above it');
      }
      const dir = volumeDir(v, v.name, platform);
      if (dir && !allowed(p.identity, dir, W | X)) {
        throw Errors.runtimeUnwritable(p.path, field, path, p.name,
          `${platform.name} gives the volume ${JSON.stringify(v.name)} the directory ${describeFile(dir)} and the container runs as ${describe(p.identity)}`,
          'Run the container with the volume\'s owner or group, or have the platform prepare the directory for it');
      }
    });
    c.signals.forEach((target, i) => checkSignal(p, target, `${c.field}signals[${i}]`, parties, pod, platform));
  }

  for (const c of pod.containers) { checkImageCommands(c); }
}

/**
 * The directory of a volume as containers find it: a scratch volume's, or the platform's word on
 * a claim, CSI or host volume (undefined when it cannot say).
 */
function volumeDir(v: ComposedPod['volumes'][number]['volume'] | undefined, name: string, platform: RuntimePlatform): FileAccess | undefined {
  if (v && v.kind !== VolumeKind.SCRATCH && v.kind !== VolumeKind.MEMORY) { return platform.externalDir?.(name, v.kind); }
  return platform.scratchDir(name);
}

function checkDirAndFile(p: Party, path: string, file: FileAccess, want: number, platform: RuntimePlatform, what: string): void {
  if (!allowed(p.identity, file, want)) {
    throw Errors.runtimeUnreadable(p.path, `${p.field}volumeMounts`, path, p.name,
      `the ${what} is ${describeFile(file)} on ${platform.name} and the container runs as ${describe(p.identity)}`,
      'Give the file a mode the container can read (e.g. 0444), or a group the container is in (the pod\'s fsGroup)');
  }
}

function checkReadsPath(p: Party, path: string, field: string, volumes: Map<string, ComposedPod['volumes'][number]['volume']>,
  creators: Map<string, Array<{ party: Party; mode: number }>>, platform: RuntimePlatform): void {
  const c = p.container!;
  if (platform.identityTokens && c.identityToken && within(path, c.identityToken.path.slice(0, c.identityToken.path.lastIndexOf('/'))) !== undefined) { return; }
  const at = mountOf(p, path);
  if (!at) {
    const token = path.startsWith('/var/run/secrets/') ? ` (${platform.name} ${platform.identityTokens ? 'mounts an identity token only into containers that ask for one (identityToken)' : 'gives containers no identity token file'})` : '';
    throw Errors.runtimeMissingFile(p.path, field, path, p.name, `nothing is mounted there${token}`,
      'Mount the volume that holds the file into this container, or point the setting at a mounted file');
  }
  const v = volumes.get(at.mount.volume);
  if (!v) { return; }
  if (v.kind === VolumeKind.CONFIG_FILES) {
    const file = v.files.find(f => f.name === at.rest);
    if (!file) {
      throw Errors.runtimeMissingFile(p.path, field, path, p.name, `the volume ${JSON.stringify(v.name)} mounted at ${at.mount.path} has no file ${JSON.stringify(at.rest)} (it has ${v.files.map(f => f.name).join(', ')})`,
        'Point the setting at a file of the volume');
    }
    checkDirAndFile(p, path, platform.configFile(v.name, file.name, file.mode ?? 0o444, v.sensitive), R, platform, `config file of volume ${JSON.stringify(v.name)}`);
  } else if (v.kind === VolumeKind.SECRET) {
    checkDirAndFile(p, path, platform.secretFile(v.name), R, platform, `secret ${JSON.stringify(v.secretName)}`);
  } else if (v.kind === VolumeKind.HOST_PATH) {
    const file = platform.hostFile?.(v.name);
    if (file && !allowed(p.identity, file, R)) {
      // Named as the container's user: that is what the fix changes (the node's files are not the pod's to change).
      throw Errors.runtimeUnreadable(p.path, userField(c.origins, c.field, 'security.uid'), path, p.name,
        `the files of the node under hostPath ${JSON.stringify(v.hostPath)} are ${describeFile(file)} (container logs as the runtime writes them) on ${platform.name} `
        + `and the container runs as ${describe(p.identity)}`,
        'Run the container as root (UID 0, every capability dropped is enough: root reads its own files by owner), or read files the app shares in a volume');
    }
  } else if (v.kind === VolumeKind.SCRATCH || v.kind === VolumeKind.MEMORY) {
    const made = (creators.get(v.name) ?? []).filter(x => x.party !== p);
    if (made.length === 0 && !(c.createsFiles.some(f => f.volume === v.name))) {
      throw Errors.runtimeMissingFile(p.path, field, path, p.name, `nothing in the pod creates files in the volume ${JSON.stringify(v.name)} mounted at ${at.mount.path}`,
        'Point the setting at a file that a container of the pod creates or the platform provides');
    }
  }
}

function checkSignal(p: Party, target: string, field: string, parties: Party[], pod: ComposedPod, platform: RuntimePlatform): void {
  const to = parties.find(x => x.name === target);
  if (!to) {
    throw Errors.unknownReference(p.path, field, target, 'container', pod.targetPath, parties.map(x => x.name));
  }
  if (!platform.canShareProcessNamespace) {
    throw Errors.runtimeSignalUndeliverable(p.path, field, p.name, target, `${platform.name} gives the containers of a pod no shared process namespace`,
      'Reload without a signal (e.g. an HTTP call to the app, or the app watching its files)');
  }
  if (!pod.shareProcessNamespace) {
    throw Errors.runtimeSignalUndeliverable(p.path, field, p.name, target, 'the pod does not share one process namespace',
      'Ask for pod.shareProcessNamespace in the sidecar that signals');
  }
  const from = p.identity;
  const sameUser = from.uid !== undefined && from.uid === to.identity.uid;
  const mayKill = from.uid === 0 && from.capabilities.has('KILL');
  if (!sameUser && !mayKill) {
    const why = from.uid !== 0 && p.container?.security.addCapabilities.includes('KILL')
      ? `${p.name} runs as UID ${from.uid}: the KILL capability added to a non-root container is not in effect for its process (kubernetes/kubernetes#56374)`
      : `${p.name} runs as ${describe(from)} and ${target} as ${describe(to.identity)}; the kernel lets a process signal another user's only with CAP_KILL in effect`;
    throw Errors.runtimeSignalUndeliverable(p.path, field, p.name, target, why,
      'Reload without a signal (an HTTP call to the app, or the app watching its files), or run the sender as root with every capability dropped but KILL');
  }
}

/** Every command the library runs inside the container's image, with the field it comes from. */
export function libraryCommands(c: ResolvedContainer): Array<{ field: string; argv: string[] }> {
  const out: Array<{ field: string; argv: string[] }> = [];
  if (c.command) { out.push({ field: 'command', argv: c.command }); }
  if (c.healthCommand) { out.push({ field: 'healthCommand', argv: c.healthCommand }); }
  if (c.waitCommand) { out.push({ field: 'waitCommand', argv: c.waitCommand }); }
  if (c.shutdown.drainCommand) { out.push({ field: 'shutdown.drainCommand', argv: c.shutdown.drainCommand }); }
  for (const [field, probe] of [['startupProbe', c.startupProbe], ['readinessProbe', c.readinessProbe], ['livenessProbe', c.livenessProbe]] as const) {
    if (probe?.kind === ProbeKind.EXEC) { out.push({ field: `${field}.command`, argv: probe.command! }); }
  }
  return out;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash']);

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Whether the image ships `binary` (a bare name on PATH, or an absolute path). */
export function ships(facts: ImageFacts, binary: string): boolean {
  if (binary.includes('/')) { return facts.binaries.includes(binary); }
  return facts.binaries.includes(binary) || facts.binaries.some(b => b.includes('/') && basename(b) === binary);
}

/**
 * Whether `binary` is known to be missing from the image: an image without a shell ships
 * nothing but its listed binaries; one with a shell lacks what its base is known not to have
 * (and bash where it has none). `strict`: anything not confirmed counts as missing (for the
 * commands the library writes itself, whose binaries the table lists).
 */
export function lacks(facts: ImageFacts, binary: string, strict: boolean): boolean {
  if (ships(facts, binary)) { return false; }
  if (strict || facts.shell === undefined) { return true; }
  const name = basename(binary);
  return (name === 'bash' && !facts.bash) || (facts.absent ?? []).some(a => a === binary || a === name);
}

/**
 * Images with the commands found to run in them (the image facts are fixed, so the answer is
 * too): a binder that checks its own container for every workload, as ECS does the config
 * writer of each task, asks the same question many times.
 */
const commandsRun = new Set<string>();
const COMMANDS_RUN_SIZE = 1024;

/**
 * Checks commands run inside `image` against what the image ships. The contract checks
 * every container of the pod this way; binders check the containers they add themselves
 * (the redirect init, the config writer) strictly.
 */
export function checkCommandsInImage(path: string, container: string, image: string, commands: Array<{ field: string; argv: string[] }>,
  strict = false): void {
  const facts = imageFacts(image);
  if (!facts) { return; }
  const key = JSON.stringify([image, strict, commands.map(c => c.argv)]);
  if (commandsRun.has(key)) { return; }
  checkCommands(path, container, image, facts, commands, strict);
  if (commandsRun.size < COMMANDS_RUN_SIZE) { commandsRun.add(key); }
}

function checkCommands(path: string, container: string, image: string, facts: ImageFacts, commands: Array<{ field: string; argv: string[] }>,
  strict: boolean): void {
  for (const { field, argv } of commands) {
    const first = argv[0];
    const missing = (binary: string, why?: string) => Errors.runtimeMissingBinary(path, field, binary, container, image,
      why ?? `the image ships no ${JSON.stringify(binary)} (${facts.source.split(',')[0]})`);
    if (lacks(facts, first, strict)) { throw missing(first); }
    const shell = basename(first);
    if (!SHELLS.has(shell)) { continue; }
    const script = argv[1] === '-c' ? argv[2] : undefined;
    if (script === undefined) { continue; }
    const reading = readShellScript(script);
    if (reading.unreadable && strict) {
      throw Errors.runtimeMissingBinary(path, field, first, container, image, `the script uses ${reading.unreadable}, which the check cannot follow`);
    }
    if (reading.needsBash && shell !== 'bash') {
      throw missing('bash', `the script uses /dev/tcp, which only bash provides, and runs under ${first}`);
    }
    for (const cmd of reading.commands) {
      if (SHELL_BUILTINS.has(cmd)) { continue; }
      if (lacks(facts, cmd, strict)) { throw missing(cmd); }
    }
  }
}

/** A container's commands against its image (checkCommandsInImage remembers the pairs that passed). */
function checkImageCommands(c: ResolvedContainer): void {
  checkCommandsInImage(c.owner.path, c.name, c.image, libraryCommands(c).map(x => ({ field: `${c.field}${x.field}`, argv: x.argv })));
}
