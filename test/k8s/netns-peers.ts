/**
 * TCP listeners and clients for the real-kernel redirect tests (iptables and nftables): each
 * listener answers with its own name, so a test sees which one a connection reached after the
 * redirect rules of a network namespace.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface NetnsPeers {
  /** A world-readable scratch directory (the rules files go there too). */
  readonly dir: string;
  /** Starts listeners given as `name@host@port`, in the namespace or on the host; resolves when all listen. */
  startServer(inNamespace: boolean, specs: string[]): Promise<void>;
  /** Connects from inside the namespace as `uid` and returns the name of the listener that answered. */
  connectFromPod(uid: number, host: string, port: number): string;
  /** Connects from outside the namespace (another host on the network). */
  connectFromOutside(host: string, port: number): string;
  /** Kills every listener and removes the directory. */
  stop(): void;
}

export function netnsPeers(ns: string, prefix: string): NetnsPeers {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  const server = path.join(dir, 'server.js');
  const client = path.join(dir, 'client.js');
  fs.writeFileSync(server, `
const net = require('net');
const specs = process.argv.slice(2);
let ready = 0;
for (const spec of specs) {
  const [name, host, port] = spec.split('@');
  net.createServer(s => { s.on('error', () => {}); s.end(name); }).listen(Number(port), host, () => {
    if (++ready === specs.length) process.stdout.write('ready\\n');
  });
}
`);
  fs.writeFileSync(client, `
const net = require('net');
const s = net.connect(Number(process.argv[3]), process.argv[2]);
let data = '';
s.setTimeout(3000, () => { process.stdout.write('timeout'); s.destroy(); });
s.on('data', d => data += d);
s.on('end', () => process.stdout.write(data));
s.on('error', e => process.stdout.write('error:' + e.code));
`);
  fs.chmodSync(server, 0o644);
  fs.chmodSync(client, 0o644);
  const servers: ChildProcess[] = [];
  return {
    dir,
    startServer(inNamespace, specs) {
      const cmd = inNamespace ? ['ip', 'netns', 'exec', ns, process.execPath, server, ...specs] : [process.execPath, server, ...specs];
      const child = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(child);
      return new Promise((resolve, reject) => {
        child.stdout!.on('data', d => { if (String(d).includes('ready')) { resolve(); } });
        child.on('exit', code => reject(new Error(`server exited with ${code}`)));
      });
    },
    connectFromPod: (uid, host, port) => execFileSync('ip', ['netns', 'exec', ns, 'setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups',
      process.execPath, client, host, String(port)], { encoding: 'utf-8' }),
    connectFromOutside: (host, port) => execFileSync(process.execPath, [client, host, String(port)], { encoding: 'utf-8' }),
    stop() {
      for (const s of servers) { s.kill('SIGKILL'); }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
