/**
 * Runs a synthesized Kubernetes pod with podman the way the kubelet would, as a translation
 * of the pod spec (never a re-implementation of the library's own model):
 * - one podman pod per Kubernetes pod, sharing network, IPC and UTS namespaces (the sandbox);
 * - volumes made as the kubelet makes them: emptyDir a directory of mode 0777
 *   (pkg/volume/emptydir/empty_dir.go, setupDir), `medium: Memory` a tmpfs of sizeLimit;
 *   configMap, secret and projected volumes written as the kubelet's AtomicWriter does
 *   (pkg/volume/util/atomic_writer.go: a `..<timestamp>` directory of mode 0755 holding the
 *   files with their item mode or defaultMode, a `..data` link to it and one link per file),
 *   files owned by root; then fsGroup applied as pkg/volume/volume_linux.go
 *   SetVolumeOwnership does: group set to fsGroup, mode |= 0440 (read-only volumes:
 *   configMap, secret, projected) or 0660 (emptyDir), directories also setgid and g+x;
 * - each container with its securityContext: runAsUser/runAsGroup, fsGroup and
 *   supplementalGroups as supplementary groups, capabilities, readOnlyRootFilesystem (without
 *   podman's extra tmpfs mounts), allowPrivilegeEscalation: false as no_new_privs, seccomp
 *   RuntimeDefault as podman's default profile;
 * - the start order of the kubelet: init containers one after another, each run to its exit
 *   (a failure stops the pod), a native sidecar (restartPolicy: Always) started and, when it
 *   has a startup probe, waited for until the probe passes; then the app containers.
 *
 * Where it differs from a node, documented in the README's pod tier section: images are the
 * stand-in image (test/pods/standin); an app image's USER is unknown, so an app container with
 * no runAsUser runs as 1000:1000; the projected service account token, CA and namespace are
 * stand-in contents; probes are run from the pod's network namespace (the kubelet probes the
 * pod IP from the node).
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IMAGE_ENTRYPOINTS, NeutralProbe, Result, imageArgs, podman, standInImage, toolExec, uniqueName, waitForProbe } from './podman';
import { podOf } from '../k8s/util';


/** The UID and GID an app container without runAsUser runs as (its image's USER is unknown here). */
export const APP_IMAGE_USER = { uid: 1000, gid: 1000 };

/** How long the app of a Job works before it exits 0. */
const JOB_SECONDS = 3;

const READ_ONLY_MASK = 0o440;
const READ_WRITE_MASK = 0o660;

export interface RunningPod {
  readonly name: string;
  /** Containers in the order they were started. */
  readonly started: string[];
  /** Init containers that ran to completion (and, for a Job, its containers), with their output. */
  readonly completed: Array<{ readonly name: string; readonly output: string }>;
  /** Native sidecars stopped once a Job's containers completed, in stop order. */
  readonly stopped: string[];
  /** Runs a command in a running container as that container's user, groups and capabilities (or as `user`). */
  exec(container: string, command: string[], user?: string): Result;
  /** The host path of a pod volume (for checks of modes and owners). */
  volumePath(volume: string): string;
  logs(container: string): string;
  /** The pod's IPv4 address on podman's network. */
  ip(): string;
  /** Stops every container and removes the pod and its volumes. */
  remove(): void;
}

function writeAtomic(dir: string, files: Array<{ path: string; content: Buffer; mode: number }>): void {
  const stamp = '..2026_12_05_00_00_00.000000001';
  const data = path.join(dir, stamp);
  fs.mkdirSync(data, { mode: 0o755 });
  fs.chmodSync(data, 0o755);
  for (const f of files) {
    const target = path.join(data, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    fs.writeFileSync(target, f.content);
    fs.chmodSync(target, f.mode);
  }
  fs.symlinkSync(stamp, path.join(dir, '..data'));
  for (const top of new Set(files.map(f => f.path.split('/')[0]))) {
    fs.symlinkSync(path.join('..data', top), path.join(dir, top));
  }
}

/** SetVolumeOwnership: every file and directory (links excepted) gets group fsGroup and the mask. */
function applyFsGroup(dir: string, fsGroup: number, readOnly: boolean): void {
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) { return; }
    fs.chownSync(p, st.uid, fsGroup);
    let mode = (st.mode & 0o7777) | (readOnly ? READ_ONLY_MASK : READ_WRITE_MASK);
    if (st.isDirectory()) {
      mode |= 0o2000 | 0o110;
      fs.chmodSync(p, mode);
      for (const e of fs.readdirSync(p)) { walk(path.join(p, e)); }
    } else {
      fs.chmodSync(p, mode);
    }
  };
  walk(dir);
}

function quantityBytes(q: string | undefined): string | undefined {
  if (!q) { return undefined; }
  const m = /^([0-9]+)(Ki|Mi|Gi)?$/.exec(q);
  if (!m) { return undefined; }
  return String(Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 } as any)[m[2] ?? ''] || Number(m[1]));
}

/** Starts the pod of `workload` (a synthesized object) with the ConfigMaps and Secrets of `docs`. */
export function runKubernetesPod(docs: any[], workload: any, options: {
  readonly name?: string;
  /** For a Job: run it to completion (its app exits after a few seconds), or keep its app running for checks. @default true */
  readonly complete?: boolean;
} = {}): RunningPod {
  const template = podOf(workload);
  const spec = template.spec;
  const podSecurity = spec.securityContext ?? {};
  const name = options.name ?? uniqueName(`k8s-${workload.metadata.name}`);
  const namespace = workload.metadata.namespace ?? 'default';
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-sidecars-pod-${name}-`));
  const mounts: string[] = [];
  const volumes = new Map<string, string>();
  const byName = (kind: string, n: string) => docs.find(d => d.kind === kind && d.metadata?.name === n);
  const job = (workload.kind === 'Job' || workload.kind === 'CronJob') && options.complete !== false;

  podman(['pod', 'rm', '-f', '-t', '0', name], { check: false });
  podman(['pod', 'create', '--name', name, '--share', 'net,ipc,uts', '--infra-image', standInImage(), '--infra-command', '/pause']);
  const started: string[] = [];
  const completed: Array<{ name: string; output: string }> = [];
  const stopped: string[] = [];

  const remove = () => {
    podman(['pod', 'rm', '-f', '-t', '0', name], { check: false });
    for (const m of mounts.reverse()) { spawnSync('umount', [m]); }
    fs.rmSync(root, { recursive: true, force: true });
  };

  try {
    for (const v of spec.volumes ?? []) {
      const dir = path.join(root, 'volumes', v.name);
      fs.mkdirSync(dir, { recursive: true });
      volumes.set(v.name, dir);
      let readOnly = true;
      if (v.emptyDir) {
        readOnly = false;
        if (v.emptyDir.medium === 'Memory') {
          const size = quantityBytes(v.emptyDir.sizeLimit);
          execFileSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size ? `,size=${size}` : ''}`, 'tmpfs', dir]);
          mounts.push(dir);
        }
        fs.chmodSync(dir, 0o777);
      } else if (v.configMap || v.secret) {
        const source = v.configMap ? byName('ConfigMap', v.configMap.name) : byName('Secret', v.secret.secretName);
        if (!source) { throw new Error(`pod ${name}: volume ${v.name}: no ${v.configMap ? 'ConfigMap' : 'Secret'} among the synthesized objects`); }
        const data: { [k: string]: Buffer } = {};
        for (const [k, val] of Object.entries<string>(source.data ?? {})) { data[k] = v.secret ? Buffer.from(val, 'base64') : Buffer.from(val, 'utf-8'); }
        const defaultMode = (v.configMap ?? v.secret).defaultMode ?? 0o644;
        const items: any[] = (v.configMap ?? v.secret).items ?? Object.keys(data).map(key => ({ key, path: key }));
        fs.chmodSync(dir, 0o777);
        writeAtomic(dir, items.map(i => {
          if (!(i.key in data)) { throw new Error(`pod ${name}: volume ${v.name}: key ${i.key} is not in the object`); }
          return { path: i.path, content: data[i.key], mode: i.mode ?? defaultMode };
        }));
      } else if (v.projected) {
        const defaultMode = v.projected.defaultMode ?? 0o644;
        const files: Array<{ path: string; content: Buffer; mode: number }> = [];
        for (const s of v.projected.sources ?? []) {
          if (s.serviceAccountToken) {
            files.push({ path: s.serviceAccountToken.path, content: Buffer.from(`stand-in service account token (audience ${s.serviceAccountToken.audience ?? 'api'})`), mode: defaultMode });
          }
          for (const i of s.configMap?.items ?? []) { files.push({ path: i.path, content: Buffer.from(`stand-in ${s.configMap.name}/${i.key}`), mode: i.mode ?? defaultMode }); }
          for (const i of s.downwardAPI?.items ?? []) {
            const value = i.fieldRef?.fieldPath === 'metadata.namespace' ? namespace : `stand-in ${i.fieldRef?.fieldPath ?? i.resourceFieldRef?.resource}`;
            files.push({ path: i.path, content: Buffer.from(value), mode: i.mode ?? defaultMode });
          }
        }
        fs.chmodSync(dir, 0o777);
        writeAtomic(dir, files);
      } else {
        throw new Error(`pod ${name}: volume ${v.name}: kind not translated by the pod tier (${Object.keys(v).join(', ')})`);
      }
      if (podSecurity.fsGroup !== undefined) { applyFsGroup(dir, podSecurity.fsGroup, readOnly); }
    }

    const run = (c: any, detached: boolean, app: boolean): Result => {
      const sc = c.securityContext ?? {};
      const uid = sc.runAsUser ?? podSecurity.runAsUser ?? (app ? APP_IMAGE_USER.uid : 0);
      // Without runAsGroup the runtime takes the group of the image's USER, or 0 for a UID the
      // image's /etc/passwd does not list (the stand-in image lists none but root and nobody).
      const imageUser = app && (sc.runAsUser ?? podSecurity.runAsUser) === undefined;
      const gid = sc.runAsGroup ?? podSecurity.runAsGroup ?? (imageUser ? APP_IMAGE_USER.gid : 0);
      if ((sc.runAsNonRoot ?? podSecurity.runAsNonRoot) && uid === 0) {
        throw new Error(`pod ${name}: container ${c.name}: runAsNonRoot and UID 0: the kubelet refuses to start it (CreateContainerConfigError)`);
      }
      const args = ['run', '--pod', name, '--name', `${name}-${c.name}`, '--user', `${uid}:${gid}`];
      for (const g of [podSecurity.fsGroup, ...(podSecurity.supplementalGroups ?? [])]) {
        if (g !== undefined) { args.push('--group-add', String(g)); }
      }
      const caps = sc.capabilities ?? {};
      for (const d of caps.drop ?? []) { args.push('--cap-drop', d); }
      for (const a of caps.add ?? []) { args.push('--cap-add', a); }
      if (sc.readOnlyRootFilesystem) { args.push('--read-only', '--read-only-tmpfs=false'); }
      if (sc.allowPrivilegeEscalation === false) { args.push('--security-opt', 'no-new-privileges'); }
      if (sc.privileged) { args.push('--privileged'); }
      const seccomp = sc.seccompProfile?.type ?? podSecurity.seccompProfile?.type;
      if (seccomp === 'Unconfined') { args.push('--security-opt', 'seccomp=unconfined'); }
      for (const e of c.env ?? []) {
        if (e.value !== undefined) { args.push('--env', `${e.name}=${e.value}`); } else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') {
          args.push('--env', `${e.name}=${namespace}`);
        } else {
          args.push('--env', `${e.name}=stand-in ${JSON.stringify(e.valueFrom)}`);
        }
      }
      for (const m of c.volumeMounts ?? []) {
        const host = volumes.get(m.name);
        if (!host) { throw new Error(`pod ${name}: container ${c.name} mounts ${m.name}, which is not a pod volume`); }
        args.push('--volume', `${m.subPath ? path.join(host, m.subPath) : host}:${m.mountPath}:${m.readOnly ? 'ro' : 'rw'}`);
      }
      if (app && c.ports?.length) {
        // The app stand-in listens on the app's declared ports.
        args.push('--env', `STAND_IN_APP_PORTS=${c.ports.filter((p: any) => (p.protocol ?? 'TCP') === 'TCP').map((p: any) => p.containerPort).join(' ')}`);
      }
      if (c.workingDir) { args.push('--workdir', c.workingDir); }
      if (detached) { args.push('--detach'); }
      // The user's containers run the app stand-in (their images are unknown: a one-shot
      // init step exits 0, an app keeps running), given their command and args to print; the
      // library's containers run their own command, found in the stand-in image.
      let argv: string[];
      const entrypoint = c.command?.length ? c.command : IMAGE_ENTRYPOINTS.find(([i]) => i.test(c.image))?.[1];
      // A generic Sidecar with the team's own image (e.g. a migration step) runs the app stand-in too.
      if (app || !entrypoint) {
        if (!detached) { args.push('--env', 'STAND_IN_ONE_SHOT=1'); }
        if (detached && job) { args.push('--env', `STAND_IN_RUN_SECONDS=${JOB_SECONDS}`); }
        argv = ['/usr/local/bin/app', ...(c.command ?? []), ...(c.args ?? [])];
      } else {
        argv = [...entrypoint!, ...(c.args ?? [])];
      }
      args.push('--entrypoint', JSON.stringify([argv[0]]), ...imageArgs(c.image), ...argv.slice(1));
      started.push(c.name);
      return podman(args, { check: false });
    };

    /** A Kubernetes probe in the tier's neutral form. */
    const neutral = (c: any, p: any): NeutralProbe => {
      if (p.exec) { return { exec: p.exec.command }; }
      if (p.httpGet) { return { http: { port: Number(p.httpGet.port), path: p.httpGet.path } }; }
      if (p.tcpSocket) { return { tcp: Number(p.tcpSocket.port) }; }
      throw new Error(`pod ${name}: container ${c.name}: probe kind not translated (${Object.keys(p).join(', ')})`);
    };
    const waitFor = (c: any, p: any, kind: string) => waitForProbe(`${name}-${c.name}`, neutral(c, p), kind);

    // The containers the library added are listed in the pod's annotation; every other
    // container (the team's init steps and apps) runs as the stand-in of the user's image.
    const injected = new Set(String(template.metadata?.annotations?.['cdk-sidecars.dev/injected'] ?? '').split(',').filter(Boolean));
    const users = (c: any) => !injected.has(c.name);

    for (const c of spec.initContainers ?? []) {
      if (c.restartPolicy === 'Always') {
        const r = run(c, true, users(c));
        if (r.code !== 0) { throw new Error(`pod ${name}: native sidecar ${c.name} did not start: ${r.stderr}`); }
        if (c.startupProbe) { waitFor(c, c.startupProbe, 'startup'); }
      } else {
        const r = run(c, false, users(c));
        const output = `${r.stdout}${r.stderr}`;
        if (r.code !== 0) { throw new Error(`pod ${name}: init container ${c.name} exited ${r.code}:\n${output}`); }
        completed.push({ name: c.name, output });
      }
    }
    for (const c of spec.containers ?? []) {
      const r = run(c, true, true);
      if (r.code !== 0) { throw new Error(`pod ${name}: container ${c.name} did not start: ${r.stderr}`); }
    }
    for (const c of spec.containers ?? []) {
      if (c.startupProbe) { waitFor(c, c.startupProbe, 'startup'); }
      if (c.readinessProbe) { waitFor(c, c.readinessProbe, 'readiness'); }
    }
    if (job) {
      // A Job's pod completes when its regular containers have exited; the kubelet then stops
      // the native sidecars, in the reverse order of their start (KEP-753). A container that
      // is still running then (a classic sidecar) keeps the pod from ever completing.
      for (const c of spec.containers ?? []) {
        const code = Number(podman(['wait', `${name}-${c.name}`]).stdout.trim());
        completed.push({ name: c.name, output: `exit ${code}\n${podman(['logs', `${name}-${c.name}`], { check: false }).stdout}` });
        if (code !== 0) { throw new Error(`pod ${name}: Job container ${c.name} exited ${code}`); }
      }
      const natives = (spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always').reverse();
      for (const c of natives) {
        podman(['stop', '-t', String(spec.terminationGracePeriodSeconds ?? 30), `${name}-${c.name}`]);
        stopped.push(c.name);
      }
    }
  } catch (e) {
    remove();
    throw e;
  }

  return {
    name,
    started,
    completed,
    stopped,
    exec: (container, command, user) => toolExec(`${name}-${container}`, command, user),
    volumePath: v => volumes.get(v)!,
    logs: container => { const r = podman(['logs', `${name}-${container}`], { check: false }); return r.stdout + r.stderr; },
    ip: () => {
      const infra = podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim();
      return podman(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', infra]).stdout.trim();
    },
    remove,
  };
}

/**
 * A peer outside the pod: a container in its own network namespace on podman's network,
 * running the app stand-in on `ports`.
 */
export function startPeer(base: string, ports: number[]): { ip: string; run(command: string[]): Result; remove(): void } {
  const image = standInImage();
  const name = uniqueName(base);
  podman(['rm', '-f', '-t', '0', name], { check: false });
  podman(['run', '--detach', '--name', name, '--user', '4000:4000', '--cap-drop', 'ALL', '--sysctl', 'net.ipv4.ip_unprivileged_port_start=0',
    '--env', `STAND_IN_APP_PORTS=${ports.join(' ')}`,
    '--entrypoint', '["/usr/local/bin/app"]', image]);
  const ip = podman(['inspect', '--format', '{{.NetworkSettings.IPAddress}}', name]).stdout.trim();
  return {
    ip,
    run: command => toolExec(name, command),
    remove: () => { podman(['rm', '-f', '-t', '0', name], { check: false }); },
  };
}
