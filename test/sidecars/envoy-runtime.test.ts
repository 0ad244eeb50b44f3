/**
 * The commands the library runs inside the Envoy image, run for real: the ECS health
 * check, the classic-mode postStart wait and the preStop drain are executed with bash
 * (what the Ubuntu-based envoyproxy/envoy image ships; no curl there, envoyproxy/envoy#31614)
 * against a small HTTP server on 127.0.0.1 that stands in for Envoy's readiness and admin
 * listeners, on random ports wired through the props.
 */
import { execFile, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { EnvoySidecar, EnvoySidecarProps } from '../../src';
import { ContainerSpec } from '../../src/core/container';
import { ErrorCode } from '../../src/core/errors';
import { expectError } from '../errors';
import { newChart } from '../k8s/util';
import { missingPrerequisite, realTest } from '../prerequisites';

interface Seen { readonly method: string; readonly url: string }

/** A stand-in for Envoy's readiness or admin listener: answers with `status()` and records every request. */
async function standIn(status: () => number): Promise<{ port: number; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url! });
    req.resume();
    req.on('end', () => { res.statusCode = status(); res.end('stand-in\n'); });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise(r => server.close(() => r())) };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = await standIn(() => 200);
  await s.close();
  return s.port;
}

function envoyContainer(props: EnvoySidecarProps): ContainerSpec {
  const envoy = new EnvoySidecar(newChart(), 'envoy', props);
  return envoy.contribute({ targetPath: 'test', appContainers: [] }).containers[0];
}

/**
 * A PATH with only what the Ubuntu base of envoyproxy/envoy has (bash, dash as sh and
 * coreutils), so a command that needs curl or wget fails here as it would in the image.
 */
const IMAGE_TOOLS = ['bash', 'sh', 'sleep', 'cat', 'timeout', 'printf', 'head', 'tr', 'true', 'false', 'env'];
const imagePath = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-image-path-'));
for (const tool of IMAGE_TOOLS) {
  const real = execFileSync('sh', ['-c', `command -v ${tool} || true`], { encoding: 'utf-8' }).trim();
  if (real.startsWith('/')) { fs.symlinkSync(real, path.join(imagePath, tool)); }
}
afterAll(() => fs.rmSync(imagePath, { recursive: true, force: true }));

/** Runs a generated command (argv) as a process with the image's tools only; resolves with its exit code. */
function run(argv: string[], timeoutMs = 10_000): Promise<number> {
  return new Promise(resolve => {
    execFile(argv[0], argv.slice(1), { timeout: timeoutMs, env: { PATH: imagePath } }, (error) => {
      resolve(error ? (typeof error.code === 'number' ? error.code : 124) : 0);
    });
  });
}

describe('the commands Envoy runs need no curl and work with bash alone', () => {
  let ready = 200;
  let readiness: Awaited<ReturnType<typeof standIn>>;
  let admin: Awaited<ReturnType<typeof standIn>>;
  let c: ContainerSpec;
  beforeAll(async () => {
    readiness = await standIn(() => ready);
    admin = await standIn(() => 200);
    c = envoyContainer({ readinessPort: readiness.port, adminPort: admin.port, drainSeconds: 0 });
  });
  afterAll(async () => { await readiness.close(); await admin.close(); });
  beforeEach(() => { ready = 200; readiness.seen.length = 0; admin.seen.length = 0; });

  test('no generated command calls curl (the default image has none)', () => {
    for (const cmd of [c.healthCommand!, c.waitCommand!, c.shutdown!.drainCommand!]) {
      expect(cmd[0]).toBe('bash');
      expect(cmd.join(' ')).not.toMatch(/\bcurl\b|\bwget\b/);
    }
  });

  test('health command: exit 0 when /healthz/ready answers 200', async () => {
    expect(await run(c.healthCommand!)).toBe(0);
    expect(readiness.seen).toEqual([{ method: 'GET', url: '/healthz/ready' }]);
  });

  test('health command: non-zero when /healthz/ready answers 503', async () => {
    ready = 503;
    expect(await run(c.healthCommand!)).not.toBe(0);
  });

  test('health command: non-zero when nothing listens', async () => {
    const port = await closedPort();
    expect(await run(envoyContainer({ readinessPort: port, adminPort: admin.port }).healthCommand!)).not.toBe(0);
  });

  test('wait command: returns 0 once ready, and keeps waiting while not ready', async () => {
    expect(await run(c.waitCommand!)).toBe(0);
    ready = 503;
    const waiting = run(c.waitCommand!, 15_000);
    await new Promise(r => setTimeout(r, 2500));
    expect(readiness.seen.length).toBeGreaterThanOrEqual(2);
    ready = 200;
    expect(await waiting).toBe(0);
  }, 20_000);

  test('drain command: POSTs /drain_listeners?graceful&inboundonly to the admin port', async () => {
    expect(await run(c.shutdown!.drainCommand!)).toBe(0);
    expect(admin.seen).toEqual([{ method: 'POST', url: '/drain_listeners?graceful&inboundonly' }]);
  });
});

describe('a distroless Envoy image cannot run the commands', () => {
  test('refused with the image, the missing shell and the fix', () => {
    expectError(() => new EnvoySidecar(newChart(), 'envoy', { image: 'envoyproxy/envoy:distroless-v1.39.1' }), ErrorCode.IMAGE_LACKS_BINARY,
      'web/envoy: image "envoyproxy/envoy:distroless-v1.39.1" has no shell (bash)', 'Use the Ubuntu-based image');
  });
});

/**
 * Unix domain sockets with real processes: Envoy (UID/GID 1337) creates the egress socket
 * with the mode of the rendered `pipe.mode` (Envoy chmods the socket after bind), and the
 * app, another UID in none of Envoy's groups, must be able to connect to it.
 */
describe('the app can connect to the egress socket Envoy creates', () => {
  const PROXY = 1337;
  // App identities: a common non-root UID, and distroless' "nonroot".
  const APPS = [[1000, 1000], [65532, 65532]];
  const rootTest = realTest('envoy-runtime.test.ts (Unix sockets)',
    missingPrerequisite({ root: 'switching UIDs needs root', commands: ['setpriv'], install: 'install util-linux' }));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-uds-'));
  fs.chmodSync(dir, 0o755);
  const SERVER = path.join(dir, 'server.js');
  const CLIENT = path.join(dir, 'client.js');
  fs.writeFileSync(SERVER, `
const fs = require('fs');
const net = require('net');
const [file, mode] = process.argv.slice(2);
net.createServer(s => s.end('envoy')).listen(file, () => { fs.chmodSync(file, Number(mode)); process.stdout.write('ready\\n'); });
`, { mode: 0o644 });
  fs.writeFileSync(CLIENT, `
const s = require('net').connect(process.argv[2]);
s.on('data', d => process.stdout.write(String(d)));
s.on('error', e => process.stdout.write('error:' + e.code));
`, { mode: 0o644 });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Starts Envoy's stand-in as the proxy UID in a fresh socket directory (an emptyDir: mode 0777); returns the socket path and a stop function. */
  async function listenAsProxy(mode: number): Promise<{ socket: string; stop: () => void }> {
    const volume = fs.mkdtempSync(path.join(dir, 'vol-'));
    fs.chmodSync(volume, 0o777);
    const socket = path.join(volume, 'egress.sock');
    const child = spawn('setpriv', [`--reuid=${PROXY}`, `--regid=${PROXY}`, '--clear-groups', process.execPath, SERVER, socket, String(mode)],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', d => { if (String(d).includes('ready')) { resolve(); } });
      child.on('exit', code => reject(new Error(`stand-in exited with ${code}`)));
    });
    return { socket, stop: () => child.kill('SIGKILL') };
  }

  function connectAs(uid: number, gid: number, socket: string): string {
    return execFileSync('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', process.execPath, CLIENT, socket], { encoding: 'utf-8' });
  }

  function renderedMode(): number {
    const contribution = new EnvoySidecar(newChart(), 'envoy', { unixSockets: { publicPort: 8443 } }).contribute({ targetPath: 'test', appContainers: [] });
    const files = contribution.volumes!.find(v => v.name === 'envoy-config')!.files!;
    const bootstrap = JSON.parse(files.find(f => f.name === 'envoy.json')!.content);
    return bootstrap.static_resources.listeners.find((l: any) => l.name === 'egress').address.pipe.mode;
  }

  rootTest('with the rendered mode, the app (another UID, not in group 1337) connects', async () => {
    const mode = renderedMode();
    const envoy = await listenAsProxy(mode);
    try {
      const stat = fs.statSync(envoy.socket);
      expect([stat.uid, stat.gid, stat.mode % 0o1000]).toEqual([PROXY, PROXY, mode]);
      for (const [uid, gid] of APPS) { expect(connectAs(uid, gid, envoy.socket)).toBe('envoy'); }
    } finally { envoy.stop(); }
  });

  rootTest('with the old mode 0660 the same connect fails with EACCES', async () => {
    const envoy = await listenAsProxy(0o660);
    try {
      for (const [uid, gid] of APPS) { expect(connectAs(uid, gid, envoy.socket)).toBe('error:EACCES'); }
    } finally { envoy.stop(); }
  });
});

/**
 * exitOnZeroActiveConnections: the preStop script drains, then reads the listeners'
 * downstream_cx_active from the admin stats until they reach 0 (or drainSeconds pass).
 * The stand-in answers as Envoy's admin does: one "name: value" line per stat, the
 * listeners named listener.<address>_<port> (no stat prefix), admin's own http.admin stats beside them.
 */
describe('drain until no connection is left (Istio EXIT_ON_ZERO_ACTIVE_CONNECTIONS)', () => {
  /** The stand-in admin; it answers the stats `delayMs` late, as a busy Envoy (or a loaded node) may. */
  async function adminWith(active: () => number, delayMs = 0): Promise<{ port: number; seen: Seen[]; close: () => Promise<void> }> {
    const seen: Seen[] = [];
    const server = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url! });
      req.resume();
      req.on('end', () => setTimeout(() => {
        res.end(req.url!.startsWith('/stats')
          ? `http.admin.downstream_cx_active: 1\nlistener.0.0.0.0_15006.downstream_cx_active: ${active()}\nlistener.0.0.0.0_15001.downstream_cx_active: 0\nlistener.0.0.0.0_15021.downstream_cx_active: 3\n`
          : 'OK\n');
      }, req.url!.startsWith('/stats') ? delayMs : 0));
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise(r => server.close(() => r())) };
  }

  test('returns once the inbound and outbound listeners have no connection, long before drainSeconds', async () => {
    let calls = 0;
    const admin = await adminWith(() => Math.max(0, 2 - calls++));
    try {
      const c = envoyContainer({ adminPort: admin.port, drainSeconds: 30, exitOnZeroActiveConnections: true });
      const started = Date.now();
      expect(await run(c.shutdown!.drainCommand!, 20_000)).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(admin.seen[0]).toEqual({ method: 'POST', url: '/drain_listeners?graceful&inboundonly' });
      expect(admin.seen.slice(1).map(s => s.url)).toEqual(['/stats?filter=downstream_cx_active', '/stats?filter=downstream_cx_active', '/stats?filter=downstream_cx_active']);
    } finally { await admin.close(); }
  }, 25_000);

  /** Resolves at `fraction` of the next wall-clock second: where a clock of whole seconds is most wrong. */
  function atFractionOfSecond(fraction: number): Promise<void> {
    const ms = Date.now() % 1000;
    return new Promise(r => setTimeout(r, (fraction * 1000 - ms + 1000) % 1000));
  }

  /**
   * Runs the drain (drainSeconds 2) against an admin that always has one connection and
   * answers the stats 300 ms late; resolves with the exit code and the milliseconds it took.
   */
  async function giveUp(fraction: number, wrap: (script: string) => string = s => s): Promise<{ code: number; ms: number }> {
    const admin = await adminWith(() => 1, 300);
    try {
      const argv = envoyContainer({ adminPort: admin.port, drainSeconds: 2, exitOnZeroActiveConnections: true }).shutdown!.drainCommand!;
      await atFractionOfSecond(fraction);
      const started = Date.now();
      const code = await run([argv[0], argv[1], wrap(argv[2])], 20_000);
      return { code, ms: Date.now() - started };
    } finally { await admin.close(); }
  }

  // bash's SECONDS counts whole wall-clock seconds since the shell started. With a deadline of
  // SECONDS + 2 set at x.8 and a round (admin call, sleep 1) of 1.3 s, the second round began at
  // x+2.1, past the deadline: the drain gave up after 1.3 s (CI once saw 1,161 ms). The script's
  // clock is EPOCHREALTIME and its last sleep is cut to the time left: drainSeconds from any start.
  test.each([0.05, 0.5, 0.8])('gives up after drainSeconds (not before, nor a second later) while connections stay open, started at %s of a second', async (fraction) => {
    const { code, ms } = await giveUp(fraction);
    expect(code).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(3000);
  }, 25_000);

  // A bash older than 5.0 has no EPOCHREALTIME; `unset` takes its special meaning away in this one.
  test.each([0.05, 0.8])('without EPOCHREALTIME (bash before 5.0) it still never gives up early, started at %s of a second', async (fraction) => {
    const { code, ms } = await giveUp(fraction, s => `unset EPOCHREALTIME; ${s}`);
    expect(code).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(ms).toBeLessThan(4500);
  }, 25_000);
});
