/**
 * The pod tier's container runtime: podman (Debian's 4.3) with runc, run as root with the
 * repository's own containers.conf. Images cannot be pulled here: every image of a pod is
 * replaced by a local image built from busybox-static, host programs and the stand-in binary
 * (test/pods/standin), cached by the hash of what it is made of (imageArgs).
 *
 * Where these images differ from the real ones (also in the README's pod tier section): an
 * image of the facts table (src/core/image-facts.ts) holds only what its row lists, but every
 * shell is the host's dash (Alpine's is busybox ash, Chainguard's busybox sh), the listed
 * programs no stand-in provides (su-exec, dumb-init, docker-entrypoint.sh, curl, jq, aws,
 * busybox applets Debian's busybox lacks such as pkill) are absent, and its USER's group is
 * the same number as the UID. Every container also has the tester's busybox at TIER_BUSYBOX.
 */
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ImageFacts, imageFacts } from '../../src/core/image-facts';
import { GOPATH, buildGo, missingPrerequisite } from '../prerequisites';

const HERE = __dirname;
export const CONTAINERS_CONF = path.join(HERE, 'containers.conf');
const CACHE = path.join(os.tmpdir(), 'cdk-sidecars-pod-tier');

/** Why the pod tier cannot run here, or undefined. */
export function podTierMissing(): string | undefined {
  const missing = missingPrerequisite({
    root: 'podman runs the pods as root',
    commands: ['podman', 'runc', 'busybox', 'go', 'nsenter'],
    install: 'apt-get install podman runc busybox-static golang-go golang-github-hashicorp-hcl-dev golang-gopkg-yaml.v2-dev util-linux',
  });
  if (missing) { return missing; }
  if (!fs.existsSync(path.join(GOPATH, 'src/github.com/hashicorp/hcl'))) { return 'no hashicorp/hcl v1 source (apt-get install golang-github-hashicorp-hcl-dev)'; }
  if (!fs.existsSync(path.join(GOPATH, 'src/gopkg.in/yaml.v2'))) { return 'no go-yaml v2 source (apt-get install golang-gopkg-yaml.v2-dev)'; }
  return undefined;
}

/**
 * The UID and GID a user's container runs as when its pod gives no runAsUser (its image's
 * USER is unknown here), shared by every runner (kubernetes.ts, aci.ts): cdk8s-plus's own
 * default user and group (ContainerSecurityContext: user 25000, group 26000), which no
 * sidecar of the library uses: not Envoy 1337, the Vault agent 100:1000, OPA 1111 (image
 * USER 1000), Dapr 1500, X-Ray 2000, the ADOT collector 4317, Fluent Bit and the contrib
 * collector 10001, distroless 65532, nobody 65534. (1000:1000, the earlier default, shared
 * the Vault agent's GID and OPA's image UID, which once hid a secret the app could not read.)
 * A generic Sidecar's UID derived from its name (src/core/names.ts defaultUid) lies in
 * 10000-59999 and could in theory be 25000: the pods of the tier use none that is.
 */
export const APP_IMAGE_USER = { uid: 25000, gid: 26000 };

export interface Result { readonly code: number; readonly stdout: string; readonly stderr: string }

/** Runs podman with the tier's configuration. */
export function podman(args: string[], options: { input?: string; check?: boolean } = {}): Result {
  const r = spawnSync('podman', args, {
    env: { ...process.env, CONTAINERS_CONF },
    input: options.input,
    encoding: 'utf-8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const result = { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
  if (options.check !== false && result.code !== 0) {
    throw new Error(`podman ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result;
}

/** Paths of the real programs, each made a link to the stand-in (dispatch on the name it is called by). */
export const STAND_IN_LINKS = ['/bin/vault', '/opa', '/fluent-bit/bin/fluent-bit', '/usr/local/bin/envoy', '/bin/statsd_exporter', '/usr/local/bin/app',
  // otel/opentelemetry-collector-contrib Dockerfile: ENTRYPOINT ["/otelcol-contrib"]; the ADOT
  // collector image (aws-observability/aws-otel-collector cmd/awscollector/Dockerfile): ENTRYPOINT ["/awscollector"].
  '/otelcol-contrib', '/awscollector',
  // daprio/daprd (dapr/dapr docker/Dockerfile: the release binaries copied to /, no ENTRYPOINT).
  '/daprd',
  // amazon/aws-xray-daemon (aws/aws-xray-daemon Dockerfile): ENTRYPOINT ["/xray", "-t", "0.0.0.0:2000", "-b", "0.0.0.0:2000"].
  '/xray',
  // aws-otel-collector's health check program (the same Dockerfile: /healthcheck beside /awscollector).
  '/healthcheck'];

/**
 * Names of the real programs the stand-in is put in place of, in an image of the facts table
 * (test/pods/standin/main.go dispatches on them; one it has no case for fails with "no
 * stand-in for", not with a missing file).
 */
const STAND_IN_NAMES = new Set(['vault', 'opa', 'fluent-bit', 'envoy', 'statsd_exporter', 'otelcol-contrib', 'awscollector', 'daprd', 'xray', 'healthcheck', 'pilot-agent',
  // registry.k8s.io/pause (the Compose binder's namespace holder): /pause sleeps until stopped.
  'pause']);

/**
 * Programs that run other programs: the host's own (GNU) binary is copied for them, never a
 * busybox applet, because Debian's busybox-static runs its applets in-process whatever the
 * PATH (FEATURE_PREFER_APPLETS, FEATURE_SH_STANDALONE: `busybox sh -c wget`, `env wget` and
 * `timeout 1 wget` all run its wget in an empty root), which would lend an image programs it
 * does not ship. `sh` is the host's dash for the same reason.
 */
const HOST_PROGRAMS: { readonly [name: string]: string } = {
  sh: 'dash', bash: 'bash', env: 'env', timeout: 'timeout', xargs: 'xargs', find: 'find', nohup: 'nohup', nice: 'nice', setsid: 'setsid',
};

/**
 * Entrypoints (and CMDs) of the images the library's containers run without a command: the
 * kubelet (and ECS, and ACI) runs the image's ENTRYPOINT with the container's args, or with the
 * image's CMD when the container has no args either.
 */
export const IMAGE_ENTRYPOINTS: ReadonlyArray<readonly [RegExp, string[], string[]?]> = [
  // prometheus/statsd_exporter Dockerfile: ENTRYPOINT [ "/bin/statsd_exporter" ].
  [/^(docker\.io\/)?prom\/statsd-exporter:/, ['/bin/statsd_exporter']],
  // fluent/fluent-bit dockerfiles/Dockerfile: ENTRYPOINT [ "/fluent-bit/bin/fluent-bit" ],
  // CMD ["/fluent-bit/bin/fluent-bit", "-c", "/fluent-bit/etc/fluent-bit.conf"].
  [/^((docker\.io|cr\.fluentbit\.io)\/)?fluent\/fluent-bit:/, ['/fluent-bit/bin/fluent-bit'], ['/fluent-bit/bin/fluent-bit', '-c', '/fluent-bit/etc/fluent-bit.conf']],
];

/** Where the stand-in binary is in every image. */
const STAND_IN = '/usr/local/bin/stand-in';

/**
 * Where a family image keeps busybox for its applet links: off PATH and under a name that is
 * no applet, so that only the linked names run (`applets wget` fails: "applet not found").
 */
const APPLETS = '/usr/lib/pod-tier/applets';

/** The tester's busybox inside every container, read-only and on no PATH (toolExec runs it). */
export const TIER_BUSYBOX = '/.pod-tier/busybox';

/** The default PATH podman gives an image that sets none (the OCI runtime spec's Linux default). */
const DEFAULT_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** A host program's real path, with the shared libraries and loader it needs (ldd). */
function hostFiles(binary: string): string[] {
  const real = fs.realpathSync(binary);
  const libs = execFileSync('ldd', [real]).toString().split('\n')
    .map(l => /(\/\S+)\s+\(0x/.exec(l)?.[1]).filter((x): x is string => !!x);
  return [real, ...libs];
}

function onHostPath(name: string): string {
  return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim();
}

/** A host program's path, or undefined when the host has none of that name. */
function hostProgram(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf-8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The host's iptables (Debian's xtables multi-call binary, its libraries and its extension
 * modules), copied into the image so that the redirect init runs the real iptables-restore
 * and ip6tables-restore against the pod's network namespace.
 */
function iptablesFiles(): string[] {
  const binary = fs.realpathSync(onHostPath('iptables-restore'));
  const libs = (file: string) => execFileSync('ldd', [file]).toString().split('\n')
    .map(l => /(\/\S+)\s+\(0x/.exec(l)?.[1]).filter((x): x is string => !!x);
  const extensions = ['/usr/lib/x86_64-linux-gnu/xtables', '/usr/lib/xtables'].filter(d => fs.existsSync(d))
    .flatMap(d => fs.readdirSync(d).map(f => path.join(d, f)));
  return [...new Set([binary, ...libs(binary), ...extensions, ...extensions.flatMap(libs)])];
}

/**
 * The host's bash and its libraries: the envoyproxy/envoy image is Ubuntu-based and ships
 * bash, which the library's ECS health check of Envoy runs (`bash -c` with /dev/tcp).
 */
function bashFiles(): string[] {
  const binary = fs.realpathSync(execFileSync('sh', ['-c', 'command -v bash']).toString().trim());
  const libs = execFileSync('ldd', [binary]).toString().split('\n').map(l => /(\/\S+)\s+\(0x/.exec(l)?.[1]).filter((x): x is string => !!x);
  return [binary, ...libs];
}

let built: string | undefined;
const families = new Map<ImageFacts, string>();

/**
 * The `podman run` arguments that end with the local image standing in for `reference` (an
 * image a pod names): options first, the image last, so the caller appends the command's
 * arguments. Every runner (the Kubernetes, ECS and ACI translations) asks here, so that each
 * container gets what its real image ships: an image of the facts table (src/core/image-facts.ts)
 * is replaced by an image of that row alone (familyImage); any other image (the user's apps,
 * busybox) by the full stand-in image. Every container also gets the tester's busybox,
 * read-only at TIER_BUSYBOX, on no PATH.
 */
export function imageArgs(reference: string): string[] {
  const facts = imageFacts(reference);
  const known = facts && !/(^|\/)busybox$/.test(facts.repository);
  return ['--volume', `${hostBusybox()}:${TIER_BUSYBOX}:ro`, known ? familyImage(facts) : standInImage()];
}

/**
 * The numeric UID an image runs as without runAsUser (the Dockerfile's USER, from the facts
 * table), or undefined for root / an image the table does not know.
 */
export function imageUser(reference: string): number | undefined {
  const user = imageFacts(reference)?.user;
  return user === undefined ? undefined : Number(user);
}

/**
 * Runs a test's command (busybox applets: cat, wget, sh, nc ...) inside a running container, as
 * that container's user, groups and capabilities, or as `user`. This is the tester's tool, not
 * the image's: the tester's busybox mounted at TIER_BUSYBOX runs it, so that a container whose
 * image has no shell or no `cat` can still be inspected (its own programs are what probes and
 * the pod's commands run). Every runner's exec goes through here.
 */
export function toolExec(container: string, command: string[], user?: string): Result {
  return podman(execArgs(container, [TIER_BUSYBOX, ...command], user), { check: false });
}

/**
 * podman's default capability set on this machine (podman 4.3, no default_capabilities in the
 * tier's containers.conf: CapBnd 00000000a80425fb of a root container), the base of
 * --cap-drop and --cap-add.
 */
const PODMAN_DEFAULT_CAPS = new Set(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'NET_BIND_SERVICE', 'NET_RAW', 'SYS_CHROOT', 'MKNOD', 'AUDIT_WRITE', 'SETFCAP']);

/** The capabilities the drop step itself needs (linux/capability.h numbers), removed from the bounding set when the container does not have them. */
const DROP_STEP_CAPS: { readonly [name: string]: number } = { SETGID: 6, SETUID: 7, SETPCAP: 8 };

/** The label of a container started as root to drop to its user (containerArgs): "UID GID GROUPS BOUNDING-DROP". */
export const DROP_LABEL = 'cdk-sidecars.pod-tier.drop-to';

/** The stand-in binary, mounted read-only into a container that drops to its user (on no PATH). */
const TIER_STAND_IN = '/.pod-tier/stand-in';

/**
 * The rest of a `podman run` after `options` (every runner's `--user`, `--group-add`,
 * `--cap-drop`, `--cap-add` ...): `--entrypoint`, the image (imageArgs) and the arguments,
 * running `argv` in the image.
 *
 * A container whose user is not root and that adds capabilities differs between podman and the
 * platforms' runtimes: podman puts the added capabilities in a non-root process's ambient set,
 * so they are effective (containers/podman#7399, #8217); containerd (the kubelet) and Docker
 * (the ECS agent, ACI) set no ambient capabilities, so the added ones are only in the bounding
 * set and permitted/effective are empty after exec (kubernetes/kubernetes#56374). Such a
 * container is therefore started as root with the capabilities (plus SETUID, SETGID and SETPCAP
 * for the step when it lacks them) and its argv run through `stand-in drop-to` (standin/dropto.go:
 * bounding extras dropped, setgroups, setgid, setuid, ambient and inheritable cleared, exec),
 * which leaves containerd's result; the label DROP_LABEL records the identity for execArgs.
 */
export function containerArgs(options: string[], image: string, argv: string[]): string[] {
  const plain = () => [...options, '--entrypoint', JSON.stringify([argv[0]]), ...imageArgs(image), ...argv.slice(1)];
  let user: string | undefined;
  const groups: string[] = [];
  const adds = new Set<string>();
  const drops = new Set<string>();
  const rest: string[] = [];
  const cap = (c: string) => c.toUpperCase().replace(/^CAP_/, '');
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    if (o === '--privileged') { return plain(); }
    if (o === '--user') { user = options[++i]; continue; }
    if (o === '--group-add') { groups.push(options[++i]); continue; }
    if (o === '--cap-add') { adds.add(cap(options[i + 1])); } else if (o === '--cap-drop') { drops.add(cap(options[i + 1])); }
    rest.push(o);
  }
  const [uidText, gidText] = (user ?? String(imageUser(image) ?? 0)).split(':');
  if (!/^[0-9]+$/.test(uidText) || (gidText !== undefined && !/^[0-9]+$/.test(gidText))) {
    throw new Error(`podman run ${options.join(' ')}: user ${user}: only "uid" or "uid:gid" is translated`);
  }
  if (Number(uidText) === 0 || adds.size === 0) { return plain(); }
  const has = (c: string) => adds.has(c) || (!drops.has('ALL') && !drops.has(c) && PODMAN_DEFAULT_CAPS.has(c));
  const extra = Object.keys(DROP_STEP_CAPS).filter(c => !has(c));
  const spec = [uidText, gidText ?? '-', groups.length ? groups.join(',') : '-', extra.length ? extra.map(c => DROP_STEP_CAPS[c]).join(',') : '-'];
  return [...rest, '--user', '0:0', ...extra.flatMap(c => ['--cap-add', c]), '--label', `${DROP_LABEL}=${spec.join(' ')}`,
    '--volume', `${standInBinary().path}:${TIER_STAND_IN}:ro`,
    '--entrypoint', JSON.stringify([TIER_STAND_IN]), ...imageArgs(image), 'drop-to', ...spec, '--', ...argv];
}

/**
 * The `podman exec` arguments that run `command` in a running container as its user (or as
 * `user`): a container that drops to its user (containerArgs) is entered as root and dropped
 * the same way, so the command has the container's identity and capability sets.
 */
export function execArgs(container: string, command: string[], user?: string): string[] {
  if (user) { return ['exec', '--user', user, container, ...command]; }
  const spec = podman(['inspect', '--format', `{{index .Config.Labels "${DROP_LABEL}"}}`, container], { check: false }).stdout.trim();
  if (!/^[0-9]+ /.test(spec)) { return ['exec', container, ...command]; }
  return ['exec', '--user', '0:0', container, TIER_STAND_IN, 'drop-to', ...spec.split(' '), '--', ...command];
}

/** A probe in platform-neutral form: a command run in the container, an HTTP GET or a TCP connect on the pod's localhost. */
export interface NeutralProbe {
  readonly exec?: readonly string[];
  readonly http?: { readonly port: number; readonly path?: string };
  readonly tcp?: number;
}

/**
 * A Kubernetes-shaped probe (the kubelet's, and ACI's, which has the same exec and httpGet
 * fields) in the tier's neutral form; `where` names the container in errors.
 */
export function neutralProbe(where: string, p: any): NeutralProbe {
  if (p.exec) { return { exec: p.exec.command }; }
  if (p.httpGet) {
    if ((p.httpGet.scheme ?? 'http').toLowerCase() !== 'http') { throw new Error(`${where}: httpGet scheme ${p.httpGet.scheme} not translated`); }
    return { http: { port: Number(p.httpGet.port), path: p.httpGet.path } };
  }
  if (p.tcpSocket) { return { tcp: Number(p.tcpSocket.port) }; }
  throw new Error(`${where}: probe kind not translated (${Object.keys(p).join(', ')})`);
}

/** Waits until `fn` is true (a log line, a file), or fails after `seconds`. */
export function eventually(what: string, fn: () => boolean, seconds = 15): void {
  const deadline = Date.now() + seconds * 1000;
  while (!fn()) {
    if (Date.now() > deadline) { throw new Error(`never: ${what}`); }
    execFileSync('sleep', ['0.2']);
  }
}

/**
 * Runs a probe against a running container: commands inside it (podman exec, as the container's
 * user), HTTP and TCP from the pod's network namespace (nsenter with the host's busybox wget and
 * bash /dev/tcp; the kubelet probes the pod IP from the node, ECS and ACI agents probe inside).
 */
export function probeContainer(container: string, p: NeutralProbe): boolean {
  if (p.exec) { return podman(execArgs(container, [...p.exec]), { check: false }).code === 0; }
  const pid = podman(['inspect', '--format', '{{.State.Pid}}', container]).stdout.trim();
  if (p.http) {
    return spawnSync('nsenter', ['-t', pid, '-n', 'busybox', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${p.http.port}${p.http.path ?? '/'}`]).status === 0;
  }
  if (p.tcp !== undefined) {
    return spawnSync('nsenter', ['-t', pid, '-n', 'bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${Number(p.tcp)}`]).status === 0;
  }
  throw new Error(`container ${container}: probe kind not translated (${Object.keys(p).join(', ')})`);
}

/** Probes until the probe passes, or throws with the container's logs after `seconds`. */
export function waitForProbe(container: string, p: NeutralProbe, kind: string, seconds = 30): void {
  const deadline = Date.now() + seconds * 1000;
  while (!probeContainer(container, p)) {
    if (Date.now() > deadline) {
      const logs = podman(['logs', container], { check: false });
      throw new Error(`${container}: ${kind} probe never passed; logs:\n${logs.stdout}${logs.stderr}`);
    }
    execFileSync('sleep', ['0.2']);
  }
}

/**
 * A name unique to this test process (jest runs files in parallel workers, and helpers may run
 * the tier side by side): `base` with the process id, cut to fit podman's name limits.
 */
export function uniqueName(base: string): string {
  const suffix = `-${process.pid}`;
  return `${base.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 50 - suffix.length)}${suffix}`;
}

let busyboxPath: string | undefined;
/** The host's static busybox (a single file: bind-mounted into every container as the tester's tool). */
function hostBusybox(): string {
  busyboxPath ??= fs.realpathSync(onHostPath('busybox'));
  return busyboxPath;
}

let standIn: { path: string; hash: string } | undefined;
/** The stand-in binary, built once per content of test/pods/standin into the tier's cache. */
function standInBinary(): { path: string; hash: string } {
  if (standIn) { return standIn; }
  const hash = createHash('sha256');
  for (const f of fs.readdirSync(path.join(HERE, 'standin')).sort()) { hash.update(f).update(fs.readFileSync(path.join(HERE, 'standin', f))); }
  const digest = hash.digest('hex').slice(0, 16);
  const output = path.join(CACHE, `stand-in-${digest}`);
  if (!fs.existsSync(output)) {
    fs.mkdirSync(CACHE, { recursive: true });
    const partial = `${output}.${process.pid}`;
    const failed = buildGo(path.join(HERE, 'standin'), partial,
      [['github.com/hashicorp/hcl', 'golang-github-hashicorp-hcl-dev'], ['gopkg.in/yaml.v2', 'golang-gopkg-yaml.v2-dev']],
      path.join(CACHE, 'go-cache'), { CGO_ENABLED: '0' });
    if (failed) { throw new Error(`the stand-in binary: ${failed}`); }
    fs.renameSync(partial, output);
  }
  standIn = { path: output, hash: digest };
  return standIn;
}

/** Copies a host file into the rootfs at the same path (mode 0755). */
function copyHostFile(rootfs: string, file: string): void {
  const target = path.join(rootfs, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(fs.realpathSync(file), target);
  fs.chmodSync(target, 0o755);
}

/** A link at `at` in the rootfs, replacing what was there. */
function linkAt(rootfs: string, at: string, target: string): void {
  fs.mkdirSync(path.dirname(path.join(rootfs, at)), { recursive: true });
  fs.rmSync(path.join(rootfs, at), { force: true });
  fs.symlinkSync(target, path.join(rootfs, at));
}

/** The directories every image has (the mount points the runtime needs, /tmp for everyone). */
function baseRootfs(rootfs: string, users: string): void {
  for (const d of ['bin', 'usr/local/bin', 'etc', 'tmp', 'home', 'var/run', path.dirname(TIER_BUSYBOX).slice(1)]) { fs.mkdirSync(path.join(rootfs, d), { recursive: true }); }
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  fs.writeFileSync(path.join(rootfs, TIER_BUSYBOX), '');
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n${users}`);
  fs.writeFileSync(path.join(rootfs, 'etc/group'), `root:x:0:\nnogroup:x:65534:\n${users.split('\n').filter(Boolean).map(u => `${u.split(':')[0]}:x:${u.split(':')[3]}:`).join('\n')}${users ? '\n' : ''}`);
}

/** What one path of a family image is: the stand-in, a busybox applet, or a copied host program. */
type Source = { readonly standIn: string } | { readonly applet: string } | { readonly host: string } | { readonly iptables: string };

/**
 * What the image of a facts row holds, path by path: the stand-in at the real program's paths,
 * the host's dash at the shell's path (only where the row has a shell), the host's bash where
 * the row has bash, the host's iptables for the iptables names, a busybox applet for each other
 * name busybox has; a listed program none of these provides (su-exec, dumb-init, curl, jq, aws
 * ...) is left out, so a command that needs it fails here. Bare names are put in /bin (or
 * /usr/sbin for iptables) unless the row gives their path; a path off the default PATH that a
 * bare name needs (OPA's `/`, the Dockerfile's ENV PATH=$PATH:/) is appended to PATH.
 */
function familyLayout(facts: ImageFacts): { files: Array<readonly [string, Source]>; left: string[]; pathDirs: string[] } {
  const applets = new Set(execFileSync(hostBusybox(), ['--list']).toString().split('\n').filter(Boolean));
  const files = new Map<string, Source>();
  const left: string[] = [];
  const pathDirs = [...DEFAULT_PATH];
  const listed = [...facts.binaries, ...(facts.shell ? [facts.shell] : []), ...(facts.bash ? ['/bin/bash'] : [])];
  for (const b of listed) {
    const name = path.basename(b);
    const placed = listed.filter(o => o.startsWith('/') && path.basename(o) === name);
    if (!b.startsWith('/') && placed.length) {
      for (const dir of placed.map(o => path.dirname(o))) { if (!pathDirs.includes(dir)) { pathDirs.push(dir); } }
      continue;
    }
    const iptables = /^ip6?tables(-|$)/.test(name);
    const at = b.startsWith('/') ? b : `${iptables ? '/usr/sbin' : '/bin'}/${name}`;
    let source: Source | undefined;
    if (STAND_IN_NAMES.has(name)) {
      source = { standIn: name };
    } else if (name === 'sh') {
      if (facts.shell) { source = { host: HOST_PROGRAMS.sh }; }
    } else if (HOST_PROGRAMS[name]) {
      if (name !== 'bash' || facts.bash) { source = { host: HOST_PROGRAMS[name] }; }
    } else if (iptables) {
      if (hostProgram(name)) { source = { iptables: name }; }
    } else if (applets.has(name)) {
      source = { applet: name };
    }
    if (source) { files.set(at, source); } else { left.push(b); }
  }
  return { files: [...files.entries()].sort(([x], [y]) => x.localeCompare(y)), left, pathDirs };
}

/**
 * The image standing in for one row of the facts table: only what the real image ships (see
 * familyLayout) and its USER; built once per content and kept in podman's storage.
 */
export function familyImage(facts: ImageFacts): string {
  const cached = families.get(facts);
  if (cached) { return cached; }
  const layout = familyLayout(facts);
  const binary = standInBinary();
  const hostPrograms = [...new Set(layout.files.flatMap(([, s]) => 'host' in s ? [s.host] : []))];
  const hostCopies = hostPrograms.flatMap(p => hostFiles(onHostPath(p)));
  const iptablesNames = layout.files.flatMap(([, s]) => 'iptables' in s ? [s.iptables] : []);
  const iptables = iptablesNames.length ? [...new Set([...iptablesFiles(), ...iptablesNames.flatMap(n => hostFiles(onHostPath(n)))])] : [];
  const users = facts.user ? `u${facts.user}:x:${facts.user}:${facts.user}:image user:/home:/bin/false\n` : '';
  // The recipe's own code is part of the content: a change in how the image is laid out builds it anew.
  const hash = createHash('sha256').update(binary.hash).update(hostBusybox())
    .update([familyImage, familyLayout, baseRootfs, copyHostFile, linkAt].map(f => f.toString()).join('\n'))
    .update(JSON.stringify({ layout, users }))
    .update([...hostCopies, ...iptables].map(f => `${f} ${fs.statSync(f).size} ${fs.statSync(f).mtimeMs}`).join('\n'));
  const slug = facts.repository.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const tag = `localhost/cdk-sidecars-image-${slug}:${hash.digest('hex').slice(0, 16)}`;
  if (podman(['image', 'exists', tag], { check: false }).code !== 0) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-image-'));
    try {
      const rootfs = path.join(work, 'rootfs');
      baseRootfs(rootfs, users);
      if (layout.files.some(([, s]) => 'standIn' in s)) {
        fs.copyFileSync(binary.path, path.join(rootfs, STAND_IN));
        fs.chmodSync(path.join(rootfs, STAND_IN), 0o755);
      }
      if (layout.files.some(([, s]) => 'applet' in s)) {
        fs.mkdirSync(path.dirname(path.join(rootfs, APPLETS)), { recursive: true });
        fs.copyFileSync(hostBusybox(), path.join(rootfs, APPLETS));
        fs.chmodSync(path.join(rootfs, APPLETS), 0o755);
      }
      for (const f of [...hostCopies, ...iptables]) { copyHostFile(rootfs, f); }
      for (const [at, s] of layout.files) {
        if ('standIn' in s) {
          linkAt(rootfs, at, STAND_IN);
        } else if ('applet' in s) {
          linkAt(rootfs, at, APPLETS);
        } else if ('host' in s) {
          linkAt(rootfs, at, fs.realpathSync(onHostPath(s.host)));
        } else {
          linkAt(rootfs, at, fs.realpathSync(onHostPath(s.iptables)));
        }
      }
      // The stand-in and busybox dispatch on the name they are called by: every link above
      // keeps its own name (a link named `vault` to the binary runs the Vault stand-in).
      execFileSync('tar', ['-C', rootfs, '-cf', path.join(work, 'rootfs.tar'), '.']);
      podman(['import', '-q',
        '--change', `ENV PATH=${layout.pathDirs.join(':')}`,
        ...(facts.user ? ['--change', `USER ${facts.user}`] : []),
        path.join(work, 'rootfs.tar'), tag]);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  families.set(facts, tag);
  return tag;
}

/** The stand-in image, built once per content and kept in podman's storage (looked up once per process). */
export function standInImage(): string {
  built ??= buildStandInImage();
  return built;
}

function buildStandInImage(): string {
  const sources = [Buffer.from(standInBinary().hash)];
  const busybox = fs.readFileSync(execFileSync('sh', ['-c', 'command -v busybox']).toString().trim());
  const hash = createHash('sha256');
  const iptables = iptablesFiles();
  const bash = bashFiles();
  for (const part of [...sources, busybox, Buffer.from(STAND_IN_LINKS.join('\n')), Buffer.from([...iptables, ...bash].join('\n'))]) { hash.update(part); }
  const tag = `localhost/cdk-sidecars-stand-in:${hash.digest('hex').slice(0, 16)}`;
  if (podman(['image', 'exists', tag], { check: false }).code === 0) { return tag; }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-stand-in-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    for (const d of ['bin', 'usr/local/bin', 'etc', 'tmp', 'home', 'var/run']) { fs.mkdirSync(path.join(rootfs, d), { recursive: true }); }
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    fs.copyFileSync(standInBinary().path, path.join(rootfs, STAND_IN));
    fs.chmodSync(path.join(rootfs, STAND_IN), 0o755);
    fs.copyFileSync(execFileSync('sh', ['-c', 'command -v busybox']).toString().trim(), path.join(rootfs, 'bin/busybox'));
    fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
    for (const applet of execFileSync(path.join(rootfs, 'bin/busybox'), ['--list']).toString().split('\n').filter(Boolean)) {
      const link = path.join(rootfs, 'bin', applet);
      if (!fs.existsSync(link)) { fs.symlinkSync('busybox', link); }
    }
    for (const l of STAND_IN_LINKS) {
      fs.mkdirSync(path.dirname(path.join(rootfs, l)), { recursive: true });
      fs.rmSync(path.join(rootfs, l), { force: true });
      fs.symlinkSync('/usr/local/bin/stand-in', path.join(rootfs, l));
    }
    for (const f of [...iptables, ...bash]) {
      const target = path.join(rootfs, f);
      fs.rmSync(target, { force: true });
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(fs.realpathSync(f), target);
      fs.chmodSync(target, 0o755);
    }
    if (bash[0] !== '/bin/bash') { fs.rmSync(path.join(rootfs, 'bin/bash'), { force: true }); fs.symlinkSync(bash[0], path.join(rootfs, 'bin/bash')); }
    const xtables = iptables[0];
    for (const n of ['iptables', 'iptables-restore', 'iptables-save', 'ip6tables', 'ip6tables-restore', 'ip6tables-save']) {
      fs.symlinkSync(path.basename(xtables), path.join(rootfs, path.dirname(xtables), n));
    }
    // The pod sandbox's process (Kubernetes' pause): sleeps until killed.
    fs.writeFileSync(path.join(rootfs, 'pause'), '#!/bin/sh\ntrap "exit 0" TERM INT\nwhile :; do sleep 3600 & wait $!; done\n', { mode: 0o755 });
    fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    execFileSync('tar', ['-C', rootfs, '-cf', path.join(work, 'rootfs.tar'), '.']);
    podman(['import', '-q', path.join(work, 'rootfs.tar'), tag]);
    return tag;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A container's address of one kind on whichever podman network it is on ('' when none). */
export function containerAddress(id: string, field: 'IPAddress' | 'GlobalIPv6Address'): string {
  return podman(['inspect', '--format', `{{range .NetworkSettings.Networks}}{{.${field}}} {{end}}`, id]).stdout.trim().split(' ')[0] ?? '';
}

/** A container outside the pod, task or group (see startPeer). */
export interface Peer {
  /** Its podman container name. */
  readonly name: string;
  readonly ip: string;
  /** Its global IPv6 address ('' on a network without IPv6). */
  readonly ip6: string;
  run(command: string[]): Result;
  /** Its output: the app stand-in logs every request with the peer address it came from. */
  logs(): string;
  remove(): void;
}

/**
 * A peer outside the pod (or task, or group): a container in its own network namespace on podman's network (or
 * `network`), running the app stand-in on `ports`.
 */
export function startPeer(base: string, ports: number[], network?: string): Peer {
  const name = uniqueName(base);
  podman(['rm', '-f', '-t', '0', name], { check: false });
  podman(['run', '--detach', '--name', name, ...(network ? ['--network', network] : []), '--user', '4000:4000', '--cap-drop', 'ALL',
    '--sysctl', 'net.ipv4.ip_unprivileged_port_start=0', '--env', `STAND_IN_APP_PORTS=${ports.join(' ')}`,
    '--entrypoint', '["/usr/local/bin/app"]', ...imageArgs('cdk-sidecars/pod-tier-peer')]);
  return {
    name,
    ip: containerAddress(name, 'IPAddress'),
    ip6: containerAddress(name, 'GlobalIPv6Address'),
    run: command => toolExec(name, command),
    logs: () => { const r = podman(['logs', name], { check: false }); return r.stdout + r.stderr; },
    remove: () => { podman(['rm', '-f', '-t', '0', name], { check: false }); },
  };
}

/**
 * A podman network with an IPv4 and an IPv6 subnet (the pod tier's dual-stack cluster
 * network), named through uniqueName; `remove` deletes it.
 */
export function dualStackNetwork(base: string): { name: string; remove(): void } {
  const name = uniqueName(base);
  // Subnets derived from the process id, so that networks of runs side by side do not overlap.
  const n = process.pid % 250;
  podman(['network', 'rm', '-f', name], { check: false });
  podman(['network', 'create', '--ipv6', '--subnet', `fd42:cd5:${n.toString(16)}::/64`, '--subnet', `10.${200 + (n % 50)}.${n}.0/24`, name]);
  return { name, remove: () => { podman(['network', 'rm', '-f', name], { check: false }); } };
}
