import { createHash } from 'crypto';
import { FieldOrigin } from './container';
import { literalParts, stringHasToken } from './tokens';
import { VolumeKind, VolumeSpec } from './volume';

/**
 * Syntax rules shared by the checks: names, image references, paths, Linux facts.
 */

/** RFC 1123 label, at most 63 characters (Kubernetes container and volume names). */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** IANA service name as Kubernetes checks it for port names. */
export function isPortName(name: string): boolean {
  return name.length >= 1 && name.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)
    && /[a-z]/.test(name) && !name.includes('--');
}

/** Environment variable names as Kubernetes (before 1.34) and ECS accept them. */
export const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A file name inside a config volume (also a valid ConfigMap key). */
export const FILE_NAME = /^[-._a-zA-Z0-9]+$/;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const IMAGE_REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}))?$`,
);

/**
 * An image reference as the distribution reference grammar defines it:
 * `[domain[:port]/]path[:tag][@digest]`. A first component without a dot, colon or
 * `localhost` is part of the repository path, which must be lowercase.
 */
export function isImageReference(ref: string): boolean {
  // A CDK token (e.g. ecr.Repository.repositoryUriForTag()) stands for a part known only at
  // deployment: the literal parts are checked, each token standing for one valid component.
  if (stringHasToken(ref)) { return isImageReference(literalParts(ref, 'x')); }
  if (ref.length === 0 || ref.length > 512 || !IMAGE_REFERENCE.test(ref)) { return false; }
  const nameEnd = ref.search(/[:@][^/]*$/);
  const name = nameEnd === -1 ? ref : ref.slice(0, nameEnd);
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasDomain = slash !== -1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['));
  const repository = hasDomain ? name.slice(slash + 1) : name;
  return repository.length <= 255 && repository === repository.toLowerCase();
}

/** An absolute, normalized POSIX path (no '.', '..', '//' or trailing '/'). */
export function pathProblem(p: string): string | undefined {
  if (!p.startsWith('/')) { return 'is not an absolute path'; }
  if (p === '/') { return 'is the root directory'; }
  if (p.endsWith('/')) { return 'ends with "/"'; }
  const parts = p.slice(1).split('/');
  if (parts.some(s => s === '' || s === '.' || s === '..')) { return 'is not normalized (empty, "." or ".." segment)'; }
  if (/[\0\n]/.test(p)) { return 'contains a NUL or newline'; }
  return undefined;
}

/** Linux capabilities (capabilities(7)), without the CAP_ prefix. */
export const LINUX_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_CONTROL', 'AUDIT_READ', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'BPF', 'CHECKPOINT_RESTORE', 'CHOWN',
  'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE',
  'LINUX_IMMUTABLE', 'MAC_ADMIN', 'MAC_OVERRIDE', 'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE',
  'NET_BROADCAST', 'NET_RAW', 'PERFMON', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_ADMIN',
  'SYS_BOOT', 'SYS_CHROOT', 'SYS_MODULE', 'SYS_NICE', 'SYS_PACCT', 'SYS_PTRACE', 'SYS_RAWIO',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'SYSLOG', 'WAKE_ALARM',
]);

/** Largest Linux user or group ID that Kubernetes accepts. */
export const MAX_LINUX_ID = 2147483647;

/**
 * Default UIDs worked out so far, by container name: every app of a process (a test suite, a watch
 * loop) defines its sidecars again, and a hash costs more than the lookup.
 */
const defaultUids = new Map<string, number>();
const MAX_DEFAULT_UIDS = 4096;

/**
 * The default UID of a sidecar without one: 10000 to 59999, derived from its first
 * container's name (sha256), so that it is stable across platforms and runs and
 * distinct between sidecars in all but rare cases, which the composition check reports.
 */
export function defaultUid(containerName: string): number {
  let uid = defaultUids.get(containerName);
  if (uid === undefined) {
    uid = 10000 + (createHash('sha256').update(containerName, 'utf-8').digest().readUInt32BE(0) % 50000);
    if (defaultUids.size < MAX_DEFAULT_UIDS) { defaultUids.set(containerName, uid); }
  }
  return uid;
}

/**
 * Names the binders give their own containers and volumes. Every one starts with
 * RESERVED_PREFIX, which sidecars may not use (resolve.ts refuses it), so no sidecar's
 * container or volume can take one of them now or when a binder adds another.
 */
export const LIBRARY_NAMES = {
  /** Kubernetes: the init container that installs the iptables rules (src/k8s/redirect.ts). */
  redirectContainer: 'cdk-sidecars-redirect',
  /** Kubernetes, CNI redirect mode: the unprivileged init container that checks the CNI plugin installed the rules. */
  redirectCheckContainer: 'cdk-sidecars-redirect-check',
  /** Kubernetes: the ConfigMap volume of the rules. */
  redirectVolume: 'cdk-sidecars-redirect',
  /** Kubernetes: scratch for the xtables lock of the redirect init container. */
  redirectRunVolume: 'cdk-sidecars-redirect-run',
  /** ECS: the init container that writes config files and prepares task volumes (src/ecs/task-sidecars.ts). */
  configWriter: 'cdk-sidecars-config',
  /** ECS: the AWS CLI's home of the config writer (S3 delivery). */
  configWriterHome: 'cdk-sidecars-config-home',
} as const;
/** Prefix of every name in LIBRARY_NAMES. */
export const RESERVED_PREFIX = 'cdk-sidecars';
export const LIBRARY_CONTAINER_NAMES: readonly string[] = [
  LIBRARY_NAMES.redirectContainer, LIBRARY_NAMES.redirectCheckContainer, LIBRARY_NAMES.configWriter,
];
export const LIBRARY_VOLUME_NAMES: readonly string[] = [
  LIBRARY_NAMES.redirectVolume, LIBRARY_NAMES.redirectRunVolume, LIBRARY_NAMES.configWriterHome,
];

/** Whether a container or volume name is the library's (`cdk-sidecars` or `cdk-sidecars-...`). */
export function isReservedName(name: string): boolean {
  return name === RESERVED_PREFIX || name.startsWith(`${RESERVED_PREFIX}-`);
}

/**
 * The numeric UID and GID of a "uid" or "uid:gid" user string (an ECS container's `user`, an
 * image's USER); each is undefined where the string names no number (no user, a user name).
 */
export function parseUser(user: unknown): { readonly uid?: number; readonly gid?: number } {
  const m = typeof user === 'string' ? /^(\d+)(?::(\d+))?$/.exec(user) : null;
  return m ? { uid: Number(m[1]), gid: m[2] !== undefined ? Number(m[2]) : undefined } : {};
}

/**
 * Origins of a container's ports, in order: the prop the user writes for each (`FieldOrigin`),
 * so that a port clash names `httpPort`, not `ports[0].port`. An undefined entry has none.
 */
export function portOrigins(props: Array<string | undefined>): FieldOrigin[] {
  return props.flatMap((prop, i) => (prop === undefined ? [] : [{ field: `ports[${i}].port`, prop }]));
}

/**
 * Every string among the values of a props object, with the path the user wrote it at
 * (`serviceName`, `resourceAttributes.team`, `auth[1].headerValue`): plain objects and arrays
 * walked, and objects made by a factory (VaultAuth.kubernetes(), FluentBitOutput.http())
 * through the options as given (`_given()`). Depth-first, in the order the props were written.
 */
export function propStrings(props: unknown): Array<[path: string, value: string]> {
  const out: Array<[string, string]> = [];
  const walk = (v: unknown, at: string, depth: number): void => {
    if (typeof v === 'string') {
      if (at) { out.push([at, v]); }
    } else if (Array.isArray(v) && depth < 8) {
      v.forEach((x, i) => walk(x, `${at}[${i}]`, depth + 1));
    } else if (v && typeof v === 'object' && depth < 8 && [Object.prototype, null].includes(Object.getPrototypeOf(v))) {
      for (const [k, x] of Object.entries(v)) { walk(x, at ? `${at}.${k}` : k, depth + 1); }
    } else if (v && typeof v === 'object' && depth < 8 && typeof (v as { _given?: unknown })._given === 'function') {
      walk((v as { _given: () => unknown })._given(), at, depth + 1);
    }
  };
  walk(props, '', 0);
  return out;
}

/**
 * The path of the longest string among the values of a props object (propStrings): what to
 * name when a file generated from the props is too large for a platform.
 */
export function largestValue(props: unknown): string | undefined {
  let best: [string, string] | undefined;
  for (const entry of propStrings(props)) {
    if (!best || entry[1].length > best[1].length) { best = entry; }
  }
  return best?.[0];
}

/**
 * Origins of the files a sidecar generates from its props (`volumes[i].files[j].content` of
 * each CONFIG_FILES volume): the prop with the largest value, so that a file too large for a
 * platform names what made it large.
 */
export function generatedFileOrigins(props: unknown, volumes: VolumeSpec[] | undefined): FieldOrigin[] {
  const prop = largestValue(props);
  if (prop === undefined) { return []; }
  return (volumes ?? []).flatMap((v, i) => (v.kind === VolumeKind.CONFIG_FILES ? (v.files ?? []).map((_, j) => ({ field: `volumes[${i}].files[${j}].content`, prop })) : []));
}

/** The origin of a sidecar container's UID: the sidecar's `uid` prop. */
export const UID_ORIGIN: FieldOrigin = { field: 'security.uid', prop: 'uid' };
