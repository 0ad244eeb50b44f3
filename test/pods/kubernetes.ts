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
 *   RuntimeDefault as podman's default profile, Localhost as the file in `options.seccompRoot`;
 * - the start order of the kubelet: init containers one after another, each run to its exit
 *   (a failure stops the pod), a native sidecar (restartPolicy: Always) started and, when it
 *   has a startup probe, waited for until the probe passes; then the app containers;
 * - shareProcessNamespace as one PID namespace for the pod (the pause process is PID 1);
 * - termination (RunningPod.terminate) in the kubelet's order: preStop hooks, SIGTERM with
 *   what is left of the grace period, SIGKILL; regular containers at once, native sidecars
 *   after them in reverse start order, each container's exit time from podman's FinishedAt.
 *
 * Where it differs from a node, documented in the README's pod tier section: images are local
 * stand-ins (podman.ts imageArgs: a library image holds only what its facts row lists, with the
 * host's dash as every shell, no program the stand-ins cannot provide, and its USER with the
 * group of the same number; other images a full busybox image); an app image's USER is
 * unknown, so an app container with no runAsUser runs as APP_IMAGE_USER (podman.ts,
 * 25000:26000, a UID and GID no sidecar of the library uses), listening on the declared
 * ports and on APP_LISTEN_SOCKET (mode 0666, what the README asks of an app beside Envoy's
 * unixSockets; the tests' Unix socket client is the stand-in's `uds-get`, found in the user's
 * images only); the projected service
 * account token, CA and namespace are stand-in contents (one distinct token per projected
 * volume, as each is its own TokenRequest); probes and preStop httpGet hooks are run from the
 * pod's network namespace (the kubelet probes the pod IP from the node); there is no Vault
 * server: STAND_IN_VAULT_CHANGE_SECONDS makes the stood-in secret change; reads by
 * assertReaders are the tester's busybox (/.pod-tier/busybox, on no PATH), and an init
 * container that already completed reads from a new container with its identity and mounts;
 * the pod's network is podman's bridge (dualStackNetwork for IPv6), not a cluster network
 * with Services; a generic Sidecar's own image (unknown here) is the app stand-in,
 * listening on its declared ports and the ports its probes name; postStart hooks are not run;
 * a non-root container that adds capabilities runs as root until the stand-in's `drop-to` sets
 * its user (podman.ts containerArgs; podman would make the adds effective, containerd leaves
 * them in the bounding set only), and commands exec'd into it drop the same way; an env
 * secretKeyRef takes its value from a Secret passed among the docs (the team's own Secret),
 * else a stand-in value; there is no CNI plugin: a test that needs one (the Istio CNI's
 * redirect rules) applies it through the `cni` option in the pod's network namespace before
 * any container starts, as the kubelet's RunPodSandbox would.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import { execFile, execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { APP_IMAGE_USER, CONTAINERS_CONF, IMAGE_ENTRYPOINTS, Result, TIER_BUSYBOX, containerArgs, execArgs, imageUser, neutralProbe, podman, standInImage, toolExec, uniqueName, waitForProbe } from './podman';
import { podOf } from '../k8s/util';

export { APP_IMAGE_USER };

/** How long the app of a Job works before it exits 0. */
const JOB_SECONDS = 3;

const READ_ONLY_MASK = 0o440;
const READ_WRITE_MASK = 0o660;

/** A container as it ended: when (podman's State.FinishedAt, in ms) and with which code. */
export interface ContainerExit {
  readonly name: string;
  readonly finishedAt: number;
  readonly exitCode: number;
}

/** A lifecycle hook the runner ran, with its outcome (a failed preStop does not stop the termination). */
export interface HookRun {
  readonly container: string;
  readonly hook: string;
  readonly code: number;
  readonly output: string;
  /** When the hook started and returned (ms). */
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface Termination {
  /** Every container that ran, by the time it finished. */
  readonly exits: ContainerExit[];
  /** The preStop hooks run, in the order they started. */
  readonly hooks: HookRun[];
  /** The containers sent SIGTERM, in order (a step of several containers at once is one entry joined with "+"). */
  readonly steps: string[];
}

export interface RunningPod {
  readonly name: string;
  /** Every container of the pod spec, init containers first (the order of the spec). */
  readonly containers: string[];
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
  /**
   * Runs `command` as container `container`'s identity (user, groups, capabilities, read-only
   * root, mounts): in the container when it is running, else (an init container that
   * completed) in a new container of the pod made with the same options.
   */
  as(container: string, command: string[]): Result;
  /** The pod's IPv4 address on its network. */
  ip(): string;
  /** The pod's global IPv6 address on its network ('' without one). */
  ip6(): string;
  /**
   * Stops the pod as the kubelet does (pkg/kubelet/kuberuntime/kuberuntime_container.go
   * killContainer, kuberuntime_manager.go killContainersWithSyncResult): each container's
   * preStop hook, then SIGTERM with what is left of terminationGracePeriodSeconds (at least
   * 2 s after the hook), then SIGKILL. The regular containers (classic sidecars among them)
   * all at once; native sidecars only once every regular container has exited, one by one
   * in the reverse order of their start (KEP-753, kubernetes/enhancements
   * keps/sig-node/753-sidecar-containers, "Termination"). The pod stays until remove().
   */
  terminate(): Promise<Termination>;
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
  /** A podman network to put the pod on (e.g. one with an IPv6 subnet). @default podman's default network */
  readonly network?: string;
  /** Extra environment of containers by name: the stand-ins' knobs (STAND_IN_DRAIN_SECONDS ...), not the pod's. */
  readonly env?: { readonly [container: string]: { readonly [name: string]: string } };
  /** For a Job: run it to completion (its app exits after a few seconds), or keep its app running for checks. @default true */
  readonly complete?: boolean;
  /** How long a startup or readiness probe may take to pass before the pod fails. @default 30 */
  readonly probeSeconds?: number;
  /**
   * What a CNI plugin does to the pod's network namespace when the sandbox is made, before any
   * container starts (e.g. the Istio CNI plugin's redirect rules): called with the PID of the
   * pod's infra (pause) process, whose namespaces the containers join.
   * @default - nothing
   */
  readonly cni?: (infraPid: string) => void;
  /**
   * The node's seccomp root (the kubelet's `<root-dir>/seccomp`): a container with a Localhost
   * seccompProfile runs with the file `localhostProfile` names there, which runc loads as
   * linux.seccomp. Without it such a container is refused, as a node without the file refuses it.
   * @default - none
   */
  readonly seccompRoot?: string;
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
  // shareProcessNamespace: the containers see each other's processes, the pause process is PID 1.
  const share = spec.shareProcessNamespace ? 'net,ipc,uts,pid' : 'net,ipc,uts';
  podman(['pod', 'create', '--name', name, '--share', share, ...(options.network ? ['--network', options.network] : []),
    '--infra-image', standInImage(), '--infra-command', '/pause']);
  /** Each container's identity: the `podman run` options before the image (no name, no detach). */
  const identities = new Map<string, string[]>();
  const started: string[] = [];
  const completed: Array<{ name: string; output: string }> = [];
  const stopped: string[] = [];

  const remove = () => {
    podman(['pod', 'rm', '-f', '-t', '0', name], { check: false });
    for (const m of mounts.reverse()) { spawnSync('umount', [m]); }
    fs.rmSync(root, { recursive: true, force: true });
  };

  try {
    if (options.cni) {
      // The kubelet runs the CNI plugins when it makes the sandbox (RunPodSandbox), before any container.
      podman(['pod', 'start', name]);
      const infra = podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim();
      options.cni(podman(['inspect', '--format', '{{.State.Pid}}', infra]).stdout.trim());
    }
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
            // Each projected volume holds its own token (the kubelet makes one TokenRequest per
            // volume source, pkg/volume/projected/projected.go collectData): contents differ.
            files.push({ path: s.serviceAccountToken.path, content: Buffer.from(`stand-in service account token of volume ${v.name} (audience ${s.serviceAccountToken.audience ?? 'api'})`), mode: defaultMode });
          }
          for (const i of s.configMap?.items ?? []) { files.push({ path: i.path, content: Buffer.from(`stand-in ${s.configMap.name}/${i.key}`), mode: i.mode ?? defaultMode }); }
          for (const i of s.downwardAPI?.items ?? []) {
            const value = i.fieldRef?.fieldPath === 'metadata.namespace' ? namespace : `stand-in ${i.fieldRef?.fieldPath ?? i.resourceFieldRef?.resource}`;
            files.push({ path: i.path, content: Buffer.from(value), mode: i.mode ?? defaultMode });
          }
        }
        fs.chmodSync(dir, 0o777);
        writeAtomic(dir, files);
      } else if (v.persistentVolumeClaim || v.ephemeral || v.hostPath || v.csi) {
        // Storage a node provides: a claim's root (a fresh volume is root 0755; the kubelet gives it
        // to the fsGroup, as for an emptyDir), a host directory (root 0755; the kubelet never
        // changes its ownership: kubernetes pkg/volume/hostpath SetUpAt), a CSI volume (its driver
        // decides; stand-in: root 0755, no fsGroup, as for a driver whose fsGroupPolicy is None).
        readOnly = !!(v.persistentVolumeClaim?.readOnly || v.csi?.readOnly);
        fs.chmodSync(dir, 0o755);
        if (v.hostPath || v.csi) { continue; }
      } else {
        throw new Error(`pod ${name}: volume ${v.name}: kind not translated by the pod tier (${Object.keys(v).join(', ')})`);
      }
      if (podSecurity.fsGroup !== undefined) { applyFsGroup(dir, podSecurity.fsGroup, readOnly); }
    }

    const run = (c: any, detached: boolean, app: boolean): Result => {
      const sc = c.securityContext ?? {};
      // Without runAsUser a container runs as its image's USER: the app stand-in as
      // APP_IMAGE_USER, a library image as the USER of its facts row (podman takes it from the
      // image, as containerd does), root where the row gives none.
      const runAsUser = sc.runAsUser ?? podSecurity.runAsUser;
      const runAsGroup = sc.runAsGroup ?? podSecurity.runAsGroup;
      const uid = runAsUser ?? (app ? APP_IMAGE_USER.uid : imageUser(c.image) ?? 0);
      // Without runAsGroup the runtime takes the group of the UID in the image's /etc/passwd,
      // or 0 for a UID it does not list (the stand-in images list root, nobody and their USER).
      const gid = runAsGroup ?? (app && runAsUser === undefined ? APP_IMAGE_USER.gid : undefined);
      if ((sc.runAsNonRoot ?? podSecurity.runAsNonRoot) && uid === 0) {
        throw new Error(`pod ${name}: container ${c.name}: runAsNonRoot and UID 0: the kubelet refuses to start it (CreateContainerConfigError)`);
      }
      const args = ['run', '--pod', name, '--name', `${name}-${c.name}`, '--user', gid === undefined ? String(uid) : `${uid}:${gid}`];
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
      if (seccomp === 'Localhost') {
        const profile = (sc.seccompProfile ?? podSecurity.seccompProfile).localhostProfile;
        const file = options.seccompRoot ? path.join(options.seccompRoot, profile) : undefined;
        if (!file || !fs.existsSync(file)) {
          throw new Error(`pod ${name}: container ${c.name}: seccomp profile ${profile} is not in the node's seccomp root ${options.seccompRoot ?? '(none given)'}: `
            + 'the kubelet cannot start it (CreateContainerError)');
        }
        args.push('--security-opt', `seccomp=${file}`);
      }
      for (const e of c.env ?? []) {
        if (e.value !== undefined) { args.push('--env', `${e.name}=${e.value}`); } else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') {
          args.push('--env', `${e.name}=${namespace}`);
        } else if (e.valueFrom?.secretKeyRef && byName('Secret', e.valueFrom.secretKeyRef.name)?.data?.[e.valueFrom.secretKeyRef.key] !== undefined) {
          // The kubelet resolves secretKeyRef from the Secret (pkg/kubelet/kubelet_pods.go makeEnvironmentVariables).
          args.push('--env', `${e.name}=${Buffer.from(byName('Secret', e.valueFrom.secretKeyRef.name).data[e.valueFrom.secretKeyRef.key], 'base64').toString('utf-8')}`);
        } else {
          args.push('--env', `${e.name}=stand-in ${JSON.stringify(e.valueFrom)}`);
        }
      }
      for (const m of c.volumeMounts ?? []) {
        const host = volumes.get(m.name);
        if (!host) { throw new Error(`pod ${name}: container ${c.name} mounts ${m.name}, which is not a pod volume`); }
        args.push('--volume', `${m.subPath ? path.join(host, m.subPath) : host}:${m.mountPath}:${m.readOnly ? 'ro' : 'rw'}`);
      }
      const image = IMAGE_ENTRYPOINTS.find(([i]) => i.test(c.image));
      const entrypoint = c.command?.length ? c.command : image?.[1];
      // The app stand-in listens on the app's declared TCP ports; standing in for a generic
      // Sidecar's own image (no command the stand-in image knows), also on the ports its
      // probes name: that image serves what its probes check.
      const tcpPorts = new Set<number>((c.ports ?? []).filter((p: any) => (p.protocol ?? 'TCP') === 'TCP').map((p: any) => Number(p.containerPort)));
      if (!app && !entrypoint) {
        for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
          const port = p?.tcpSocket?.port ?? p?.httpGet?.port;
          if (port !== undefined) { tcpPorts.add(Number(port)); }
        }
      }
      if ((app || !entrypoint) && tcpPorts.size) {
        args.push('--env', `STAND_IN_APP_PORTS=${[...tcpPorts].join(' ')}`);
      }
      if (c.workingDir) { args.push('--workdir', c.workingDir); }
      for (const [k, v] of Object.entries(options.env?.[c.name] ?? {})) { args.push('--env', `${k}=${v}`); }
      identities.set(c.name, args.slice(args.indexOf('--user')));
      if (detached) { args.push('--detach'); }
      // The user's containers run the app stand-in (their images are unknown: a one-shot
      // init step exits 0, an app keeps running), given their command and args to print; the
      // library's containers run their own command, found in the stand-in image.
      let argv: string[];
      // A generic Sidecar with the team's own image (e.g. a migration step) runs the app stand-in too.
      if (app || !entrypoint) {
        if (!detached) { args.push('--env', 'STAND_IN_ONE_SHOT=1'); }
        // A Job's own containers finish their work; its sidecars keep running.
        if (detached && job && app) { args.push('--env', `STAND_IN_RUN_SECONDS=${JOB_SECONDS}`); }
        argv = ['/usr/local/bin/app', ...(c.command ?? []), ...(c.args ?? [])];
      } else {
        argv = [...entrypoint!, ...(c.args ?? (c.command?.length ? [] : image?.[2] ?? []))];
      }
      started.push(c.name);
      return podman(containerArgs(args, c.image, argv), { check: false });
    };

    const waitFor = (c: any, p: any, kind: string) => waitForProbe(`${name}-${c.name}`, neutralProbe(`pod ${name}: container ${c.name}`, p), kind, options.probeSeconds);

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
      // Classic sidecars are regular containers the library added: they run their own program.
      const r = run(c, true, users(c));
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

  const allContainers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const running = (c: string) => podman(['inspect', '--format', '{{.State.Running}}', `${name}-${c}`], { check: false }).stdout.trim() === 'true';
  const networkOf = (field: string) => {
    const infra = podman(['pod', 'inspect', '--format', '{{.InfraContainerID}}', name]).stdout.trim();
    return podman(['inspect', '--format', `{{range .NetworkSettings.Networks}}{{.${field}}}{{end}}`, infra]).stdout.trim();
  };

  const terminate = async (): Promise<Termination> => {
    const hooks: HookRun[] = [];
    const steps: string[] = [];
    const grace = spec.terminationGracePeriodSeconds ?? 30;
    const begun = Date.now();
    /** preStop, then SIGTERM with the rest of the grace period (podman stop -t: SIGTERM, then SIGKILL). */
    const kill = async (c: any): Promise<void> => {
      const cname = `${name}-${c.name}`;
      if (!running(c.name)) { return; }
      const pre = c.lifecycle?.preStop;
      if (pre?.exec) {
        hooks.push(await hookRun(c.name, 'preStop exec', execArgs(cname, pre.exec.command)));
      } else if (pre?.httpGet) {
        // The kubelet sends the GET from the node to the pod IP; here from the pod's network namespace.
        const pid = podman(['inspect', '--format', '{{.State.Pid}}', cname]).stdout.trim();
        const url = `http://127.0.0.1:${Number(pre.httpGet.port)}${pre.httpGet.path ?? '/'}`;
        hooks.push(await hookRun(c.name, `preStop httpGet ${url}`, ['nsenter', '-t', pid, '-n', 'busybox', 'wget', '-q', '-O', '/dev/null', url], 'nsenter'));
      } else if (pre?.sleep) {
        const startedAt = Date.now();
        await new Promise(r => setTimeout(r, Number(pre.sleep.seconds) * 1000));
        hooks.push({ container: c.name, hook: `preStop sleep ${pre.sleep.seconds}`, code: 0, output: '', startedAt, endedAt: Date.now() });
      }
      // kubelet: after the hook, at least minimumGracePeriodInSeconds (2) remain.
      const left = Math.max(2, Math.ceil(grace - (Date.now() - begun) / 1000));
      await podmanAsync(['stop', '-t', String(left), cname]);
    };
    const regular = (spec.containers ?? []) as any[];
    steps.push(regular.filter(c => running(c.name)).map(c => c.name).join('+'));
    await Promise.all(regular.map(kill));
    const natives = (spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always').reverse();
    for (const c of natives) {
      if (!running(c.name)) { continue; }
      steps.push(c.name);
      await kill(c);
    }
    const exits: ContainerExit[] = [];
    for (const c of allContainers) {
      const r = podman(['inspect', '--format', '{{.State.FinishedAt.UnixNano}} {{.State.ExitCode}}', `${name}-${c.name}`], { check: false });
      const [ns, code] = r.stdout.trim().split(' ');
      if (r.code === 0 && Number(ns) > 0) {
        exits.push({ name: c.name, finishedAt: Number(BigInt(ns) / BigInt(1_000_000)), exitCode: Number(code) });
      }
    }
    exits.sort((a, b) => a.finishedAt - b.finishedAt);
    return { exits, hooks, steps };
  };

  return {
    name,
    containers: allContainers.map(c => c.name),
    started,
    completed,
    stopped,
    exec: (container, command, user) => toolExec(`${name}-${container}`, command, user),
    as: (container, command) => {
      if (running(container)) { return toolExec(`${name}-${container}`, command); }
      const identity = identities.get(container);
      if (!identity) { throw new Error(`pod ${name}: no container ${container} was started`); }
      return podman(containerArgs(['run', '--rm', '--pod', name, '--name', uniqueName(`${name}-as-${container}`).slice(0, 60), ...identity],
        allContainers.find(c => c.name === container).image, [TIER_BUSYBOX, ...command]), { check: false });
    },
    volumePath: v => volumes.get(v)!,
    logs: container => { const r = podman(['logs', `${name}-${container}`], { check: false }); return r.stdout + r.stderr; },
    ip: () => networkOf('IPAddress'),
    ip6: () => networkOf('GlobalIPv6Address'),
    terminate,
    remove,
  };
}

/** Runs podman without blocking the event loop (containers stopped side by side). */
export function podmanAsync(args: string[], program = 'podman'): Promise<Result> {
  return new Promise(resolve => {
    execFile(program, args, { env: { ...process.env, CONTAINERS_CONF }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof (error as any).code === 'number' ? (error as any).code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function hookRun(container: string, hook: string, args: string[], program = 'podman'): Promise<HookRun> {
  const startedAt = Date.now();
  const r = await podmanAsync(args, program);
  return { container, hook, code: r.code, output: `${r.stdout}${r.stderr}`, startedAt, endedAt: Date.now() };
}

/**
 * What each container of `pod` reads at each of `files`, trying as its own identity
 * (RunningPod.as: one run per container for all the files, with the tester's busybox `sh`
 * and `base64`): container -> file -> content, a file missing where the read failed (not
 * mounted there, no permission).
 */
export function readsOf(pod: RunningPod, files: string[]): Map<string, Map<string, string>> {
  const script = 'for f in "$@"; do printf "==%s\\n" "$f"; base64 "$f" 2>/dev/null || echo "!"; done';
  const out = new Map<string, Map<string, string>>();
  for (const c of pod.containers) {
    const r = pod.as(c, ['sh', '-c', script, 'sh', ...files]);
    const reads = new Map<string, string>();
    for (const part of r.stdout.split(/^==/m).slice(1)) {
      const [file, ...lines] = part.split('\n');
      if (lines[0] !== '!') { reads.set(file, Buffer.from(lines.join(''), 'base64').toString('utf-8')); }
    }
    out.set(c, reads);
  }
  return out;
}

/**
 * The names of the containers of `pod` that can read `file` as their own identity; a
 * container that does not mount the file's volume cannot. With `content`, only a read that
 * returns exactly it counts (the same path in two containers may be two volumes, e.g. each
 * container's own projected token).
 */
export function readersOf(pod: RunningPod, file: string, content?: string, reads = readsOf(pod, [file])): string[] {
  return pod.containers.filter(c => {
    const got = reads.get(c)?.get(file);
    return got !== undefined && (content === undefined || got === content);
  });
}

/**
 * Asserts that exactly `readers` (in any order) of the pod's containers can read `file`
 * (with `content`, when given). `reads` (from readsOf) saves the runs when several files are checked.
 */
export function assertReaders(pod: RunningPod, file: string, readers: string[], content?: string, reads?: Map<string, Map<string, string>>): void {
  expect({ file, readers: readersOf(pod, file, content, reads).sort() }).toEqual({ file, readers: [...readers].sort() });
}
