/**
 * The runtime contract's word on claims and host paths, checked against the real kernel: for
 * each file or directory as the Kubernetes runtime model says the node gives it (a node's
 * container log, a claim's root with and without an fsGroup, a hostPath directory), the test
 * makes it with that owner and mode, runs a process with the identity of a container the
 * library renders (setpriv: UID, GID, supplementary groups, every capability dropped as
 * `drop: [ALL]` leaves it), and the kernel's answer must be the contract's (`allowed`).
 * Skips with a printed reason where it cannot get root or setpriv.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FileAccess, ProcessIdentity, allowed } from '../../src/core/contract';
import { VolumeKind } from '../../src/core/volume';
import { kubernetesRuntime } from '../../src/k8s/runtime';
import { missingPrerequisite, realTest } from '../prerequisites';

const reason = missingPrerequisite({
  root: 'files of other owners and setpriv to other users need root',
  commands: ['setpriv', 'sh', 'cat', 'touch'],
  install: 'install util-linux and coreutils',
});
const kernelTest = realTest('volumes-kernel.test.ts', reason);

const R = 4;
/** Write and search (W | X): what creating a file in a directory takes. */
const WX = 3;

/** Runs `argv` as `who` with no capability at all; true when it succeeds. */
function kernelAllows(who: ProcessIdentity, argv: string[]): boolean {
  const groups = who.groups.length ? [`--groups=${who.groups.join(',')}`] : ['--clear-groups'];
  try {
    execFileSync('setpriv', [`--reuid=${who.uid}`, `--regid=${who.gid}`, ...groups, '--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all', ...argv],
      { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function make(dir: string, access: FileAccess, kind: 'file' | 'dir'): string {
  const p = path.join(dir, kind === 'file' ? 'f' : 'd');
  if (kind === 'file') { fs.writeFileSync(p, 'line\n'); } else { fs.mkdirSync(p); }
  fs.chownSync(p, access.uid, access.gid);
  fs.chmodSync(p, access.mode);
  return p;
}

const root: ProcessIdentity = { uid: 0, gid: 0, groups: [], capabilities: new Set() };
const fluentBitDefault: ProcessIdentity = { uid: 10001, gid: 10001, groups: [], capabilities: new Set() };

describe('the contract agrees with the kernel on node files and claim directories', () => {
  let tmp: string;
  beforeEach(() => {
    if (reason) { return; }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-volumes-'));
    fs.chmodSync(tmp, 0o755);
  });
  afterEach(() => { if (tmp) { fs.rmSync(tmp, { recursive: true, force: true }); } });

  const noFsGroup = kubernetesRuntime({}, undefined);
  const withFsGroup = kubernetesRuntime({}, 3000);

  // [case, identity, what the contract and the kernel must both say]
  const reads: Array<[string, ProcessIdentity, boolean]> = [
    ['root with every capability dropped (Fluent Bit with hostLogDirectory)', root, true],
    ['UID 10001 (Fluent Bit\'s default)', fluentBitDefault, false],
  ];
  kernelTest.each(reads)('reading a node container log (hostFile) as %s', (_name, who, expected) => {
    const access = noFsGroup.hostFile!('logs');
    const file = make(tmp, access, 'file');
    expect(allowed(who, access, R)).toBe(expected);
    expect(kernelAllows(who, ['cat', file])).toBe(expected);
  });

  const writes: Array<[string, FileAccess | undefined, ProcessIdentity, boolean]> = [
    ['a claim without fsGroup, UID 2000', noFsGroup.externalDir!('data', VolumeKind.PERSISTENT_CLAIM), { uid: 2000, gid: 2000, groups: [], capabilities: new Set() }, false],
    ['a claim with fsGroup 3000, UID 2000 in it', withFsGroup.externalDir!('data', VolumeKind.PERSISTENT_CLAIM), { uid: 2000, gid: 2000, groups: [3000], capabilities: new Set() }, true],
    ['an ephemeral claim with fsGroup 3000, UID 2000 in it', withFsGroup.externalDir!('data', VolumeKind.EPHEMERAL_CLAIM), { uid: 2000, gid: 2000, groups: [3000], capabilities: new Set() }, true],
    ['a hostPath directory, UID 2000 with the fsGroup', withFsGroup.externalDir!('data', VolumeKind.HOST_PATH), { uid: 2000, gid: 2000, groups: [3000], capabilities: new Set() }, false],
    ['a hostPath directory, root with every capability dropped', noFsGroup.externalDir!('data', VolumeKind.HOST_PATH), root, true],
  ];
  kernelTest.each(writes)('creating a file in %s', (_name, access, who, expected) => {
    expect(access).toBeDefined();
    const dir = make(tmp, access!, 'dir');
    expect(allowed(who, access!, WX)).toBe(expected);
    expect(kernelAllows(who, ['touch', path.join(dir, 'out')])).toBe(expected);
  });

  test('a CSI volume\'s directory is the driver\'s: the model does not claim to know it', () => {
    expect(noFsGroup.externalDir!('data', VolumeKind.CSI)).toBeUndefined();
  });
});
