/**
 * The pod tier on Unix domain sockets (issue 12, "every socket connects"): a Deployment with
 * EnvoySidecar `unixSockets`, as the README documents it, run with podman and runc on this
 * machine's kernel. The Envoy stand-in (test/pods/standin/envoy.go) creates its `pipe`
 * listeners as Envoy does (bind under its own UID and GID, then chmod to the configured mode),
 * the app stand-in listens on APP_LISTEN_SOCKET, and every connect() below is the kernel's own
 * check of the socket file's mode against the caller's UID and groups.
 *
 * OPA is not part of this pod: OpaSidecar serves its API and diagnostics on TCP only (its
 * `--addr` is always host:port), so the library offers no OPA socket to connect to.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import * as fs from 'fs';
import * as path from 'path';
import { realTest } from '../prerequisites';
import { POD_TIMEOUT } from './examples';
import { RunningPod, runKubernetesPod } from './kubernetes';
import { APP_IMAGE_USER, Peer, eventually, podTierMissing, startPeer } from './podman';
import { EnvoySidecar, Sidecar } from '../../src';
import { KubernetesTarget, WorkloadSidecars } from '../../src/k8s';
import { newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateEnvoyBootstrap } from '../validate/envoy';

const podTest = realTest('pods/sockets.test.ts', podTierMissing());

/** A pod takes seconds to start: each test has minutes. */

/** The upstream the app's egress requests go to, through Envoy (a peer outside the pod). */
const UPSTREAM_PORT = 9090;
/** EnvoySidecar unixSockets.publicPort: inbound traffic for the app. */
const PUBLIC_PORT = 8443;

/**
 * A Deployment whose app talks to Envoy over Unix sockets only (the README's `unixSockets`),
 * with an egress route to `upstream`, and a second sidecar (a team's own image) in a pod
 * that shares one process namespace.
 */
function socketsPod(upstream: string): any[] {
  const chart = newChart('uds');
  KubernetesTarget.set(chart, '1.33');
  // The app declares no TCP port: it listens on APP_LISTEN_SOCKET.
  const api = rawDeployment(chart, 'api', [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }]);
  const envoy = new EnvoySidecar(chart, 'envoy', {
    unixSockets: { publicPort: PUBLIC_PORT },
    clusters: [{ name: 'backend', address: upstream, port: UPSTREAM_PORT }],
    routes: [{ pathPrefix: '/backend/', cluster: 'backend', prefixRewrite: '/' }],
  });
  const other = new Sidecar(chart, 'metrics', { image: 'ghcr.io/acme/metrics:1.0.0', shareProcessNamespace: true });
  WorkloadSidecars.of(api).add(envoy, other);
  const docs = synth(chart);
  validateEnvoyBootstrap(bootstrapOf(docs));
  return docs;
}

/** The Envoy bootstrap the library generated (the ConfigMap the Envoy container mounts). */
function bootstrapOf(docs: any[]): any {
  const cm = docs.find(d => d.kind === 'ConfigMap' && d.data?.['envoy.json']);
  if (!cm) { throw new Error('no ConfigMap with envoy.json'); }
  return JSON.parse(cm.data['envoy.json']);
}

/** Replaces the bootstrap in the ConfigMap (a copy of `docs`). */
function withBootstrap(docs: any[], edit: (b: any) => void): any[] {
  const copy = JSON.parse(JSON.stringify(docs));
  const cm = copy.find((d: any) => d.kind === 'ConfigMap' && d.data?.['envoy.json']);
  const b = JSON.parse(cm.data['envoy.json']);
  edit(b);
  cm.data['envoy.json'] = JSON.stringify(b, null, 2);
  return copy;
}

/** The pipe listener `name` of a bootstrap. */
function pipeListener(b: any, name: string): { path: string; mode?: number } {
  const l = b.static_resources.listeners.find((x: any) => x.name === name);
  expect(l?.address?.pipe).toBeDefined();
  return l.address.pipe;
}

/** The Envoy container of the pod spec. */
function envoyContainer(docs: any[]): any {
  const spec = podOf(docs.find(d => d.kind === 'Deployment')).spec;
  return [...(spec.initContainers ?? []), ...spec.containers].find((c: any) => c.name === 'envoy');
}

/** One HTTP GET over a Unix socket from `container`, as its own identity (the stand-in's uds-get client, in the image of a user's container). */
function udsGet(pod: RunningPod, container: string, socket: string, urlPath: string, user?: string) {
  return pod.exec(container, ['sh', '-c', '/usr/local/bin/stand-in uds-get "$0" "$1"', socket, urlPath], user);
}

/** Waits until `container`'s log matches (a request's log line comes after its response). */
async function logMatches(pod: RunningPod | Peer, pattern: RegExp, container?: string): Promise<string> {
  const logs = () => (container ? (pod as RunningPod).logs(container) : (pod as Peer).logs());
  const deadline = Date.now() + 10_000;
  while (!pattern.test(logs()) && Date.now() < deadline) { await new Promise(r => setTimeout(r, 200)); }
  return logs();
}

/**
 * Waits until `file` exists in `dir`: the app declares no probe, so the pod runner starts it and
 * does not wait for its listener, which the stand-in binds a moment later (under load, after the
 * test's first look: ENOENT once in CI).
 */
function appears(dir: string, file: string): void {
  eventually(`${file} in ${dir}`, () => fs.existsSync(path.join(dir, file)), 10);
}

async function withPod(docs: any[], fn: (pod: RunningPod) => Promise<void>, env?: NonNullable<Parameters<typeof runKubernetesPod>[2]>['env']): Promise<void> {
  const pod = runKubernetesPod(docs, docs.find(d => d.kind === 'Deployment'), { env });
  try { await fn(pod); } finally { pod.remove(); }
}

describe('unixSockets: every socket connects, for the containers the pod promises it to', () => {
  let peer: Peer;
  let docs: any[];
  beforeAll(() => {
    if (podTierMissing()) { return; }
    peer = startPeer('cdk-sidecars-uds-upstream', [UPSTREAM_PORT]);
    docs = socketsPod(peer.ip);
  }, POD_TIMEOUT);
  afterAll(() => peer?.remove());

  podTest('the sockets on disk have the owner and mode the config gives; the app reaches the upstream through egress.sock, and inbound traffic reaches the app through app.sock', async () => {
    const bootstrap = bootstrapOf(docs);
    const egress = pipeListener(bootstrap, 'egress');
    const envoySc = envoyContainer(docs).securityContext;
    await withPod(docs, async pod => {
      const app = podOf(docs.find(d => d.kind === 'Deployment')).spec.containers.find((c: any) => c.name === 'app');
      const env = Object.fromEntries(app.env.map((e: any) => [e.name, e.value]));
      // The app's environment names the socket of the egress listener.
      expect(env.ENVOY_EGRESS_SOCKET).toBe(egress.path);
      expect(path.dirname(env.APP_LISTEN_SOCKET)).toBe(path.dirname(egress.path));

      // On disk (the pod's socket volume): egress.sock is a socket owned by Envoy's
      // runAsUser/runAsGroup with the listener's `mode`; app.sock is the app's, 0666 as the
      // README asks of the app.
      const volume = pod.volumePath('envoy-uds');
      appears(volume, path.basename(egress.path));
      appears(volume, path.basename(env.APP_LISTEN_SOCKET));
      const st = (f: string) => {
        const s = fs.statSync(path.join(volume, f));
        return { socket: s.isSocket(), uid: s.uid, gid: s.gid, mode: (s.mode & 0o7777).toString(8) };
      };
      expect(st(path.basename(egress.path)))
        .toEqual({ socket: true, uid: envoySc.runAsUser, gid: envoySc.runAsGroup, mode: egress.mode!.toString(8) });
      expect(egress.mode).toBe(0o666);
      expect(st(path.basename(env.APP_LISTEN_SOCKET))).toEqual({ socket: true, uid: APP_IMAGE_USER.uid, gid: APP_IMAGE_USER.gid, mode: '666' });

      // Egress: the app (its own UID and groups, none of Envoy's) connects to egress.sock; Envoy
      // routes the request to the configured upstream, which answers.
      const got = udsGet(pod, 'app', env.ENVOY_EGRESS_SOCKET, '/backend/hello');
      expect(got).toMatchObject({ code: 0, stdout: '200 OK\nstand-in\n' });
      const upstreamLog = await logMatches(peer, /app: GET \/hello from /);
      expect(upstreamLog).toContain(`app: GET /hello from ${pod.ip()}:`);
      expect(pod.logs('envoy')).toContain(`envoy: egress: GET /backend/hello from unix(uid ${APP_IMAGE_USER.uid} gid ${APP_IMAGE_USER.gid}) `
        + `to unix:${egress.path} -> cluster backend (${peer.ip}:${UPSTREAM_PORT}/hello): 200`);

      // Inbound: a client outside the pod reaches the app only through Envoy's public port,
      // which connects (as UID 1337) to the app's socket.
      const inbound = peer.run(['wget', '-q', '-O-', `http://${pod.ip()}:${PUBLIC_PORT}/inbound`]);
      expect(inbound).toMatchObject({ code: 0, stdout: 'stand-in\n' });
      expect(await logMatches(pod, /app: GET \/inbound from unix /, 'app')).toContain(`app: GET /inbound from unix ${env.APP_LISTEN_SOCKET}`);
      expect(pod.logs('envoy')).toMatch(/envoy: inbound: GET \/inbound from [0-9.]+:[0-9]+ to [0-9.]+:8443 -> cluster app_uds \(unix:[^)]*app\.sock\/inbound\): 200/);

      // Another sidecar cannot connect: the socket volume is not mounted in it, and even
      // through the shared process namespace, /proc/<envoy>/root is refused by the kernel
      // (EACCES: a process of another UID without CAP_SYS_PTRACE may not follow it).
      expect(udsGet(pod, 'metrics', egress.path, '/backend/hello'))
        .toMatchObject({ code: 1, stdout: expect.stringContaining('connect: no such file or directory') });
      const envoyPid = 'for s in /proc/[0-9]*/status; do grep -q "^Name:[[:space:]]*envoy$" $s && p=${s%/status} && echo ${p#/proc/}; done';
      const pid = pod.exec('metrics', ['sh', '-c', envoyPid]).stdout.trim();
      expect(pid).toMatch(/^[0-9]+$/);
      expect(udsGet(pod, 'metrics', `/proc/${pid}/root${egress.path}`, '/backend/hello'))
        .toMatchObject({ code: 1, stdout: expect.stringContaining('connect: permission denied') });
    });
  }, POD_TIMEOUT);

  podTest('modes that leave a client out are refused by the kernel: egress.sock 0660 (before issue 9\'s fix) keeps the app out, an app.sock of 0600 keeps Envoy out', async () => {
    // The bootstrap as the library wrote it before the fix: Envoy (1337:1337) creates the
    // socket 0660, and the app is in none of Envoy's groups.
    const old = withBootstrap(docs, b => { b.static_resources.listeners.find((l: any) => l.name === 'egress').address.pipe.mode = 0o660; });
    const egress = pipeListener(bootstrapOf(old), 'egress');
    await withPod(old, async pod => {
      appears(pod.volumePath('envoy-uds'), path.basename(egress.path));
      const st = fs.statSync(path.join(pod.volumePath('envoy-uds'), path.basename(egress.path)));
      expect((st.mode & 0o7777).toString(8)).toBe('660');
      expect(udsGet(pod, 'app', egress.path, '/backend/hello')).toMatchObject({ code: 1, stdout: expect.stringContaining('connect: permission denied') });
      // The same socket takes Envoy's own UID and group: the mode, not the path, is what refused the app.
      expect(udsGet(pod, 'app', egress.path, '/backend/hello', '1337:1337')).toMatchObject({ code: 0, stdout: '200 OK\nstand-in\n' });

      // The app's own socket without write permission for others: Envoy's connect() is refused,
      // and the inbound request gets Envoy's 503.
      appears(pod.volumePath('envoy-uds'), 'app.sock');
      const inbound = peer.run(['wget', '-S', '-O-', `http://${pod.ip()}:${PUBLIC_PORT}/inbound`]);
      expect(`${inbound.stdout}${inbound.stderr}`).toContain('503');
      expect(pod.logs('envoy')).toMatch(/envoy: inbound: GET \/inbound .*-> cluster app_uds \(unix:\S*app\.sock\/inbound\): .*dial unix \S*app\.sock: connect: permission denied/);
      expect(pod.logs('app')).not.toContain('app: GET /inbound');
    }, { app: { STAND_IN_APP_SOCKET_MODE: '0600' } });
  }, POD_TIMEOUT);
});
