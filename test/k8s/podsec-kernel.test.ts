/**
 * Pod hardening on the real kernel (issue 14, podsec), as root with Debian's runc, busybox
 * (static), iproute2, iptables, util-linux and python3:
 * - a generated Localhost seccomp profile is exactly the OCI runtime-spec `linux.seccomp` that
 *   runc (the runtime containerd and CRI-O start) takes from a bundle's config.json: the test
 *   puts it there verbatim and runs busybox as UID 1000; what the profile allows works, a denied
 *   call (mkdir, listed in denySyscalls) and a call Docker's default allows only with
 *   CAP_SYS_ADMIN (unshare) fail with EPERM; the same bundle without the profile does all three;
 * - with PodHardening's user namespace, the redirect init step's script, run on exactly the
 *   rules of its ConfigMap inside a user namespace that maps the pod's UIDs 0-65535 to the
 *   unprivileged host UIDs 200000-265535 and owns the pod's network namespace (as a
 *   `hostUsers: false` pod's does, istio/istio#58750), installs them (its NET_ADMIN counts
 *   there) and they work: the app's (UID 1000) outbound connection reaches Envoy's port 15001,
 *   Envoy's (UID 1337, matched in the pod's namespace) does not. The same host UID without the
 *   user namespace cannot install them.
 * Skips with the reason without root or the tools (fails under CI).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvoySidecar, LocalhostSeccompProfile } from '../../src';
import { PodHardening, WorkloadSidecars } from '../../src/k8s';
import { missingPrerequisite, realTest } from '../prerequisites';
import { findDoc, newChart, podOf, rawDeployment, synth } from './util';
import { validateSeccompProfile } from '../validate/seccomp';

const reason = missingPrerequisite({
  root: 'runc bundles, user and network namespaces need root',
  commands: ['runc', 'busybox', 'ip', 'iptables-restore', 'setpriv', 'python3', 'sh'],
  install: 'install runc, busybox-static, iproute2, iptables, util-linux and python3',
});
const kernelTest = realTest('k8s/podsec-kernel.test.ts', reason);

const dirs: string[] = [];
function tmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}
afterAll(() => { for (const d of dirs) { fs.rmSync(d, { recursive: true, force: true }); } });

/** Runs `script` with busybox's sh as UID 1000 in a runc bundle, with `seccomp` as linux.seccomp (or none). */
function runInBundle(script: string, seccomp: any | undefined): { code: number; output: string } {
  const bundle = tmp('cdk-sidecars-seccomp-');
  fs.mkdirSync(path.join(bundle, 'rootfs', 'bin'), { recursive: true });
  fs.mkdirSync(path.join(bundle, 'rootfs', 'tmp'), { mode: 0o1777 });
  fs.chmodSync(path.join(bundle, 'rootfs', 'tmp'), 0o1777);
  const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf-8' }).trim();
  fs.copyFileSync(busybox, path.join(bundle, 'rootfs', 'bin', 'busybox'));
  fs.chmodSync(path.join(bundle, 'rootfs', 'bin', 'busybox'), 0o755);
  execFileSync('runc', ['spec'], { cwd: bundle });
  const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf-8'));
  config.process.terminal = false;
  config.process.user = { uid: 1000, gid: 1000 };
  config.process.args = ['/bin/busybox', 'sh', '-c', script];
  config.process.env = ['PATH=/bin'];
  config.root.readonly = false;
  if (seccomp === undefined) { delete config.linux.seccomp; } else { config.linux.seccomp = seccomp; }
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
  const r = spawnSync('runc', ['run', `cdk-sidecars-seccomp-${process.pid}-${dirs.length}`], { cwd: bundle, encoding: 'utf-8', timeout: 60_000 });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

const PROBE = [
  'busybox echo allowed',
  'busybox mkdir /tmp/d && busybox echo mkdir-ok',
  'busybox unshare -U busybox true && busybox echo unshare-ok',
  'busybox true',
].join('; ');

kernelTest('runc enforces a generated Localhost profile: allowed calls work, denied ones fail with EPERM; without it they all work', () => {
  const profile = LocalhostSeccompProfile.dockerDefault('probe', { denySyscalls: ['mkdir', 'mkdirat'] });
  const file = profile.writeTo(tmp('cdk-sidecars-profile-'));
  // The file as the nodes get it, checked by the OCI validator, then used verbatim.
  const json = validateSeccompProfile(fs.readFileSync(file, 'utf-8'));

  const confined = runInBundle(PROBE, json);
  expect(confined.output).toContain('allowed');
  expect(confined.output).toMatch(/mkdir: can't create directory '\/tmp\/d': Operation not permitted/);
  expect(confined.output).toMatch(/unshare\(0x10000000\): Operation not permitted/);
  expect(confined.output).not.toContain('mkdir-ok');
  expect(confined.output).not.toContain('unshare-ok');

  const control = runInBundle(PROBE, undefined);
  expect(control.output).toContain('allowed');
  expect(control.output).toContain('mkdir-ok');
  expect(control.output).toContain('unshare-ok');
});

/** Forks, unshares a user and a network namespace, maps inner 0-65535 to outer 200000-265535, becomes inner root, execs argv. */
const USERNS_PY = `
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
r, w = os.pipe(); r2, w2 = os.pipe()
pid = os.fork()
if pid == 0:
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0: os._exit(100)
    os.write(w, b'u'); os.read(r2, 1)
    os.setresgid(0, 0, 0); os.setgroups([]); os.setresuid(0, 0, 0)
    os.execvp(sys.argv[1], sys.argv[1:])
os.read(r, 1)
for f in ('uid_map', 'gid_map'):
    with open('/proc/%d/%s' % (pid, f), 'w') as fh: fh.write('0 200000 65536\\n')
os.write(w2, b'g')
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
`;

kernelTest('in a user namespace (hostUsers: false) the redirect init step installs the rules and the owner match sees the pod\'s UIDs', () => {
  const chart = newChart();
  const d = rawDeployment(chart, 'api');
  const sidecars = WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', {}));
  new PodHardening(chart, 'hardening', { sidecars, userNamespace: true });
  const docs = synth(chart);
  const spec = podOf(findDoc(docs, 'Deployment')).spec;
  expect(spec.hostUsers).toBe(false);
  const init = spec.initContainers.find((c: any) => c.name === 'cdk-sidecars-redirect');
  const rulesDir = init.volumeMounts.find((m: any) => m.name === 'cdk-sidecars-redirect').mountPath;
  const cm = docs.find(x => x.kind === 'ConfigMap' && x.data?.['rules.v4']);
  const dir = tmp('cdk-sidecars-userns-');
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'rules.v4'), cm.data['rules.v4']);
  fs.writeFileSync(path.join(dir, 'rules.v6'), cm.data['rules.v6']);
  // Exactly the init container's script, on the test's copy of its ConfigMap.
  const initScript = (init.command[2] as string).split(rulesDir).join(dir);
  fs.writeFileSync(path.join(dir, 'userns.py'), USERNS_PY);
  fs.writeFileSync(path.join(dir, 'pod.sh'), [
    'set -e',
    'echo "uid_map: $(cat /proc/self/uid_map)"',
    'ip link set lo up',
    'ip link add p0 type veth peer name p1 && ip link set p1 up',
    'ip addr add 10.9.0.2/24 dev p0 && ip link set p0 up',
    initScript,
    // Envoy's outbound listener stands in as a one-line server on 15001.
    '(busybox nc -l -p 15001 -e busybox echo reached-15001 &)',
    'busybox sleep 0.5',
    'echo "app: $(setpriv --reuid 1000 --regid 1000 --clear-groups busybox nc -w 2 10.9.0.1 80 </dev/null 2>&1 || true)"',
    'echo "proxy: $(setpriv --reuid 1337 --regid 1337 --clear-groups busybox nc -w 2 10.9.0.1 80 </dev/null 2>&1 || true)"',
  ].join('\n'));

  const inPod = spawnSync('python3', [path.join(dir, 'userns.py'), 'sh', path.join(dir, 'pod.sh')], { encoding: 'utf-8', timeout: 60_000 });
  const out = `${inPod.stdout}${inPod.stderr}`;
  expect(inPod.status).toBe(0);
  expect(out).toMatch(/uid_map:\s+0\s+200000\s+65536/);
  expect(out).toMatch(/^app: reached-15001$/m);
  expect(out).toMatch(/^proxy: (?!reached)/m);

  // The same unprivileged host UID without the user namespace cannot install them.
  const outside = spawnSync('setpriv', ['--reuid', '200000', '--regid', '200000', '--clear-groups', 'iptables-restore', '--noflush', path.join(dir, 'rules.v4')], { encoding: 'utf-8' });
  expect(outside.status).not.toBe(0);
  expect(`${outside.stdout}${outside.stderr}`).toMatch(/Permission denied|must be root/);
});
