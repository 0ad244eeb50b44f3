/**
 * The pod tier's container runtime: podman (Debian's 4.3) with runc, run as root with the
 * repository's own containers.conf. Images cannot be pulled here: every image of a pod is
 * replaced by one local image built from busybox-static and the stand-in binary
 * (test/pods/standin), cached by the hash of what it is made of.
 */
import { execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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
const STAND_IN_LINKS = ['/bin/vault', '/opa', '/fluent-bit/bin/fluent-bit', '/usr/local/bin/envoy', '/bin/statsd_exporter', '/usr/local/bin/app',
  // daprio/daprd, aws-otel-collector (its /healthcheck too) and amazon/aws-xray-daemon keep their binaries at the root.
  '/daprd', '/awscollector', '/healthcheck', '/xray'];

/**
 * Entrypoints of the images the library's containers run without a command (the kubelet and
 * the ECS agent run the image's ENTRYPOINT with the container's args or Command).
 */
export const IMAGE_ENTRYPOINTS: ReadonlyArray<readonly [RegExp, string[]]> = [
  // prometheus/statsd_exporter Dockerfile: ENTRYPOINT [ "/bin/statsd_exporter" ].
  [/^(docker\.io\/)?prom\/statsd-exporter:/, ['/bin/statsd_exporter']],
  // fluent/fluent-bit dockerfiles/Dockerfile: ENTRYPOINT [ "/fluent-bit/bin/fluent-bit" ].
  [/^((docker\.io|cr\.fluentbit\.io)\/)?fluent\/fluent-bit:/, ['/fluent-bit/bin/fluent-bit']],
];

/**
 * The host's iptables (Debian's xtables multi-call binary, its libraries and its extension
 * modules), copied into the image so that the redirect init runs the real iptables-restore
 * and ip6tables-restore against the pod's network namespace.
 */
function iptablesFiles(): string[] {
  const binary = fs.realpathSync(execFileSync('sh', ['-c', 'command -v iptables-restore']).toString().trim());
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

/**
 * The `podman run` arguments that end with the local image standing in for `reference` (an
 * image a pod names): options first, the image last, so the caller appends the command's
 * arguments. Every runner (the Kubernetes, ECS and ACI translations) asks here, so that each
 * container gets what its real image ships.
 */
export function imageArgs(_reference: string): string[] {
  return [standInImage()];
}

/**
 * Runs a test's command (busybox applets: cat, wget, sh, nc ...) inside a running container, as
 * that container's user, groups and capabilities, or as `user`. This is the tester's tool, not
 * the image's: every runner's exec goes through here.
 */
export function toolExec(container: string, command: string[], user?: string): Result {
  return podman(['exec', ...(user ? ['--user', user] : []), container, ...command], { check: false });
}

/** A probe in platform-neutral form: a command run in the container, an HTTP GET or a TCP connect on the pod's localhost. */
export interface NeutralProbe {
  readonly exec?: readonly string[];
  readonly http?: { readonly port: number; readonly path?: string };
  readonly tcp?: number;
}

/**
 * Runs a probe against a running container: commands inside it (podman exec, as the container's
 * user), HTTP and TCP from the pod's network namespace (nsenter with the host's busybox wget and
 * bash /dev/tcp; the kubelet probes the pod IP from the node, ECS and ACI agents probe inside).
 */
export function probeContainer(container: string, p: NeutralProbe): boolean {
  if (p.exec) { return podman(['exec', container, ...p.exec], { check: false }).code === 0; }
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

/** The stand-in image, built once per content and kept in podman's storage (looked up once per process). */
export function standInImage(): string {
  built ??= buildStandInImage();
  return built;
}

function buildStandInImage(): string {
  const sources = fs.readdirSync(path.join(HERE, 'standin')).sort().map(f => fs.readFileSync(path.join(HERE, 'standin', f)));
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
    const failed = buildGo(path.join(HERE, 'standin'), path.join(rootfs, 'usr/local/bin/stand-in'),
      [['github.com/hashicorp/hcl', 'golang-github-hashicorp-hcl-dev'], ['gopkg.in/yaml.v2', 'golang-gopkg-yaml.v2-dev']],
      path.join(CACHE, 'go-cache'), { CGO_ENABLED: '0' });
    if (failed) { throw new Error(`the stand-in binary: ${failed}`); }
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
