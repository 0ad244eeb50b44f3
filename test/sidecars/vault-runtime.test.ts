/**
 * What the Vault agent promises at run time: the init step renders only (no reload
 * command), the reload reaches the app without a signal, the app can read its secrets
 * (and only the containers that asked mount them), and the Kubernetes auth token is
 * mounted where the agent reads it. Where a real kernel can prove it (root, setpriv and
 * busybox on the machine), real processes do.
 */
import { spawn } from 'child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'fs';
import { createServer } from 'http';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { VaultAgentSidecar, VaultAgentSidecarProps, VaultAuth, VaultReload, VaultReloadMethod } from '../../src';
import { AciApp } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { MemoryVolumeHandling, TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { identityGroupWith } from '../aci/util';
import { container, fargateTask, synthTemplate } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { missingPrerequisite, realTest } from '../prerequisites';
import { validateAgentConfig } from '../validate/vault';

const AUTH = [VaultAuth.kubernetes({ role: 'shop' }), VaultAuth.aws({ role: 'shop' }), VaultAuth.azure({ role: 'shop' })];

function vault(scope: any, extra: Partial<VaultAgentSidecarProps> = {}): VaultAgentSidecar {
  return new VaultAgentSidecar(scope, 'vault', {
    address: 'https://vault.vault.svc:8200',
    auth: AUTH,
    secrets: [{ path: 'secret/data/shop/db', file: 'db.json' }],
    ...extra,
  });
}

/** A Deployment (app UID 1001) with the agent; the pod, both agent configs parsed and checked. */
async function onKubernetes(extra: Partial<VaultAgentSidecarProps> = {}, podSpec: any = {}) {
  const chart = newChart();
  const d = rawDeployment(chart, 'api', [
    { name: 'app', image: 'ghcr.io/acme/app:1', ports: [{ containerPort: 8080 }], securityContext: { runAsUser: 1001, runAsGroup: 1001 } },
    { name: 'worker', image: 'ghcr.io/acme/worker:1', securityContext: { runAsUser: 1002, runAsGroup: 1002 } },
  ], podSpec);
  WorkloadSidecars.of(d).add(vault(chart, extra));
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const cm = docs.find(x => x.kind === 'ConfigMap' && x.data?.['agent.hcl']);
  return {
    pod,
    init: await validateAgentConfig(cm.data['agent-init.hcl']),
    agent: cm.data['agent.hcl'] ? await validateAgentConfig(cm.data['agent.hcl']) : undefined,
  };
}

const RELOAD = VaultReload.http({ port: 8080, path: '/-/reload' });

describe('the init step renders only', () => {
  test('a template command runs in the long-running agent, never in agent-init.hcl (the app is not running yet)', async () => {
    const { init, agent } = await onKubernetes({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', command: ['/bin/sh', '-c', 'date > /vault/secrets/.rendered'] }] });
    expect(init.template[0].exec).toBeUndefined();
    expect(agent.template[0].exec[0].command).toEqual(['/bin/sh', '-c', 'date > /vault/secrets/.rendered']);
  });

  test('a reload in the init step would be refused too: init has no exec, the agent has the HTTP reload', async () => {
    const { init, agent } = await onKubernetes({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', reload: RELOAD }] });
    expect(init.template[0].exec).toBeUndefined();
    expect(agent.template[0].exec[0]).toEqual({
      command: ['sh', '-c', 'wget -q -O /dev/null --post-data= \'http://127.0.0.1:8080/-/reload\' || echo "cdk-sidecars: the reload call to "\'http://127.0.0.1:8080/-/reload\'" failed; the new files are rendered" >&2'],
      timeout: '30s',
    });
  });
});

describe('the reload reaches the app without a signal', () => {
  test('no KILL capability and no shared process namespace: an HTTP reload needs neither', async () => {
    const reload = VaultReload.http({ port: 8080, path: '/reload', method: VaultReloadMethod.GET });
    const { pod } = await onKubernetes({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', reload }] });
    const agent = pod.spec.initContainers.find((c: any) => c.name === 'vault-agent');
    expect(agent.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(agent.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(pod.spec.shareProcessNamespace).toBeUndefined();
  });

  test.each([
    [['pkill', '-HUP', 'nginx']],
    [['/usr/bin/kill', '-HUP', '1']],
    [['killall', '-USR1', 'app']],
    [['/bin/sh', '-c', 'pkill -HUP nginx || true']],
    [['busybox', 'kill', '-HUP', '7']],
  ])('a signal-sending command %j is refused, naming the HTTP reload', (command) => {
    expectError(() => vault(newChart(), { secrets: [{ path: 'secret/data/x', file: 'x', command }] }), ErrorCode.SIGNAL_NOT_DELIVERABLE,
      'web/vault: secrets[0].command', 'UID 100', 'kubernetes/kubernetes#56374', 'VaultReload.http(');
  });

  test.each<[string, Partial<VaultAgentSidecarProps>, ErrorCode, string]>([
    ['command and reload together', { secrets: [{ path: 'secret/data/x', file: 'x', command: ['true'], reload: RELOAD }] },
      ErrorCode.INVALID_ROLE, 'web/vault: secrets[0].reload'],
    ['a reload with prePopulateOnly', { prePopulateOnly: true, secrets: [{ path: 'secret/data/x', file: 'x', reload: RELOAD }] },
      ErrorCode.INEFFECTIVE_SETTING, 'web/vault: secrets[0].reload'],
    ['a command with prePopulateOnly', { prePopulateOnly: true, secrets: [{ path: 'secret/data/x', file: 'x', command: ['true'] }] },
      ErrorCode.INEFFECTIVE_SETTING, 'web/vault: secrets[0].command'],
    ['a reload port of 0', { secrets: [{ path: 'secret/data/x', file: 'x', reload: VaultReload.http({ port: 0, path: '/r' }) }] },
      ErrorCode.INVALID_PORT, 'web/vault: secrets[0].reload.port 0'],
    ['a reload path with a space', { secrets: [{ path: 'secret/data/x', file: 'x', reload: VaultReload.http({ port: 8080, path: '/a b' }) }] },
      ErrorCode.INVALID_URL, 'web/vault: secrets[0].reload.path "/a b"'],
    ['a reload that is not a VaultReload', { secrets: [{ path: 'secret/data/x', file: 'x', reload: { port: 8080, path: '/r' } as any }] },
      ErrorCode.INVALID_ROLE, 'web/vault: secrets[0].reload {"port":8080,"path":"/r"} is not a VaultReload'],
    ['a reload object without its path', { secrets: [{ path: 'secret/data/x', file: 'x', reload: { port: 8080 } as any }] },
      ErrorCode.INVALID_TYPE, 'web/vault: secrets[0].reload.path undefined'],
    ['cachePort without cache', { cachePort: 8300 }, ErrorCode.INEFFECTIVE_SETTING, 'web/vault: cachePort 8300 would have no effect'],
  ])('%s is refused', (_t, props, code, part) => {
    expectError(() => vault(newChart(), props), code, part);
  });
});

/** Unix permission check: owner bits for the owner, else group bits for a member, else other bits. */
function canRead(file: { uid: number; gid: number; mode: number }, proc: { uid: number; gid: number; groups: number[] }): boolean {
  const bit = (b: number) => Math.floor(file.mode / b) % 2 === 1;
  if (proc.uid === 0) { return true; }
  if (proc.uid === file.uid) { return bit(0o400); }
  if (proc.gid === file.gid || proc.groups.includes(file.gid)) { return bit(0o040); }
  return bit(0o004);
}

describe('the app can read its secrets; containers that did not ask do not mount them', () => {
  test('Kubernetes: fsGroup = the agent\'s GID, files 0440; readable by the asking app through fsGroup, and by the agent', async () => {
    const { pod, agent } = await onKubernetes({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', appContainers: ['app'] }] });
    expect(pod.spec.securityContext.fsGroup).toBe(1000);
    expect(agent.template[0].perms).toBe('0440');
    const mode = parseInt(agent.template[0].perms, 8);
    // Files the agent (100:1000) creates in the setgid emptyDir get the fsGroup.
    const file = { uid: 100, gid: pod.spec.securityContext.fsGroup, mode };
    const app = pod.spec.containers.find((c: any) => c.name === 'app');
    const appProcess = { uid: app.securityContext.runAsUser, gid: app.securityContext.runAsGroup, groups: [pod.spec.securityContext.fsGroup] };
    expect(canRead(file, appProcess)).toBe(true);
    expect(canRead(file, { uid: 100, gid: 1000, groups: [] })).toBe(true);
    // The old rendering (no fsGroup, file group = the agent's 1000) left the app out.
    expect(canRead({ uid: 100, gid: 1000, mode }, { uid: 1001, gid: 1001, groups: [] })).toBe(false);
    // Exactly the containers that asked mount the volume.
    const volume = app.volumeMounts.find((m: any) => m.mountPath === '/vault/secrets').name;
    const mounting = [...pod.spec.initContainers, ...pod.spec.containers]
      .filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === volume)).map((c: any) => c.name);
    expect(mounting.sort()).toEqual(['app', 'vault-agent', 'vault-agent-init']);
  });

  test('Kubernetes: a user-set fsGroup is kept (it makes the volume group-owned and is given to every container alike)', async () => {
    const { pod } = await onKubernetes({}, { securityContext: { fsGroup: 4000, runAsNonRoot: true } });
    expect(pod.spec.securityContext).toEqual({ fsGroup: 4000, runAsNonRoot: true });
  });

  test('Kubernetes: perms the app cannot read, or the agent cannot re-read, are refused', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(vault(chart, { secrets: [{ path: 'secret/data/x', file: 'x', perms: 0o400 }] }));
    expectError(() => Testing.synth(chart), ErrorCode.INVALID_ROLE, 'web/vault: secrets[0].perms "0400"', 'Use 0o440');
    const chart2 = newChart();
    WorkloadSidecars.of(rawDeployment(chart2, 'api')).add(vault(chart2, { secrets: [{ path: 'secret/data/x', file: 'x', perms: 0o044 }] }));
    expectError(() => Testing.synth(chart2), ErrorCode.INVALID_ROLE, 'web/vault: secrets[0].perms "0044"', 'owner-read');
  });

  test('ECS: no fsGroup on ECS, so the files are 0444, mounted only into the agent and the asking app', async () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(vault(f.stack));
    const t = synthTemplate(f.stack);
    const writer = container(t, 'cdk-sidecars-config');
    const variable = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '\/cdk-sidecars\/vault-agent-config\/agent.hcl'/.exec(writer.Command[0])![1];
    const hcl = await validateAgentConfig(Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString());
    expect(hcl.template[0].perms).toBe('0444');
    expect(canRead({ uid: 100, gid: 1000, mode: 0o444 }, { uid: 1001, gid: 1001, groups: [] })).toBe(true);
    const mounting = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions
      .filter((c: any) => (c.MountPoints ?? []).some((m: any) => m.SourceVolume === 'vault-agent-secrets')).map((c: any) => c.Name);
    // The root writer mounts the volume too, only to give the empty directory to the agent
    // (Fargate makes it root-owned 0755), and exits before the agent starts.
    expect(mounting.sort()).toEqual(['app', 'cdk-sidecars-config', 'vault-agent', 'vault-agent-init']);
    expect(writer.Command[0]).toContain("chown 100:1000 '/cdk-sidecars/vault-agent-secrets'");
    expect(container(t, 'vault-agent-init').DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'cdk-sidecars-config', Condition: 'SUCCESS' }]));
  });

  test('ECS: perms without the world-read bit are refused (no group can carry them)', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(vault(f.stack, { secrets: [{ path: 'secret/data/x', file: 'x', perms: 0o440 }] }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.INVALID_ROLE, 'Shop/vault: secrets[0].perms "0440"', 'Use 0o444');
  });

  test('ACI: no fsGroup either, files 0444', async () => {
    const app = new AciApp();
    const { resource } = identityGroupWith(app, vault(app));
    const cfg = resource.properties.volumes.find((v: any) => v.name === 'vault-agent-config').secret;
    const agent = await validateAgentConfig(Buffer.from(cfg['agent.hcl'], 'base64').toString());
    expect(agent.template[0].perms).toBe('0444');
  });
});

describe('Kubernetes auth: the token is mounted where the agent reads it, with its audience', () => {
  test('a custom tokenPath and audience: a projected token at that path, only in the agent containers', async () => {
    const auth = [VaultAuth.kubernetes({ role: 'shop', tokenPath: '/var/run/secrets/vault/token', audience: 'vault' })];
    const { pod, agent } = await onKubernetes({ auth });
    expect(agent.auto_auth[0].method.kubernetes[0].config.token_path).toBe('/var/run/secrets/vault/token');
    for (const name of ['vault-agent-init', 'vault-agent']) {
      const c = pod.spec.initContainers.find((x: any) => x.name === name);
      const mount = c.volumeMounts.find((m: any) => m.mountPath === '/var/run/secrets/vault');
      expect(mount).toEqual({ name: `${name}-identity`, mountPath: '/var/run/secrets/vault', readOnly: true });
      const volume = pod.spec.volumes.find((v: any) => v.name === mount.name);
      expect(volume.projected.sources[0]).toEqual({ serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'vault' } });
    }
    for (const c of pod.spec.containers) { expect(c.volumeMounts ?? []).not.toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/var/run/secrets/vault' })])); }
  });

  test('a tokenPath inside a directory the agent already mounts is refused', () => {
    expectError(() => vault(newChart(), { auth: [VaultAuth.kubernetes({ role: 'shop', tokenPath: '/vault/secrets/token' })] }), ErrorCode.INVALID_PATH,
      'web/vault: auth[0].tokenPath "/vault/secrets/token"');
  });
});

// --- real processes ---------------------------------------------------------------

const realProcessTest = realTest('vault-runtime.test.ts (real processes)', missingPrerequisite({
  root: 'switching UIDs needs root', commands: ['setpriv', 'busybox'], install: 'apt-get install util-linux busybox-static',
}));

/** Runs `args` as uid:gid with the given supplementary groups and no capabilities (like a non-root container). */
function asUser(uid: number, gid: number, groups: number[], args: string[],
  opts: { inheritKill?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  const priv = ['--reuid', String(uid), '--regid', String(gid), ...(groups.length ? ['--groups', groups.join(',')] : ['--clear-groups']),
    `--inh-caps=${opts.inheritKill ? '-all,+kill' : '-all'}`, '--'];
  return new Promise(resolve => {
    const p = spawn('setpriv', [...priv, ...args]);
    let out = '';
    let err = '';
    p.stdout.on('data', d => { out += d; });
    p.stderr.on('data', d => { err += d; });
    p.on('close', code => resolve({ code: code ?? -1, out, err }));
  });
}

describe('real processes', () => {
  realProcessTest('the old design: a non-root agent (UID 100), even with KILL added, cannot signal the app (another UID): EPERM', async () => {
    const app = spawn('setpriv', ['--reuid', '1001', '--regid', '1001', '--clear-groups', '--', 'sleep', '30']);
    try {
      await new Promise(r => setTimeout(r, 200));
      const plain = await asUser(100, 1000, [], ['busybox', 'kill', '-HUP', String(app.pid)]);
      expect(plain.code).not.toBe(0);
      expect(plain.err).toMatch(/Operation not permitted/);
      // add: [KILL] on a non-root container: the capability is not in effect for its process (kubernetes/kubernetes#56374).
      const withKill = await asUser(100, 1000, [], ['busybox', 'kill', '-HUP', String(app.pid)], { inheritKill: true });
      expect(withKill.code).not.toBe(0);
      expect(withKill.err).toMatch(/Operation not permitted/);
    } finally {
      app.kill('SIGKILL');
    }
  });

  realProcessTest('the chosen mechanism: the generated reload command, run as UID 100 with no capabilities, reaches the app\'s endpoint', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => { seen.push(`${req.method} ${req.url}`); res.end('ok'); });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const { agent } = await onKubernetes({ secrets: [{ path: 'secret/data/shop/db', file: 'db.json', reload: VaultReload.http({ port, path: '/-/reload' }) }] });
      const command: string[] = agent.template[0].exec[0].command;
      expect(command.slice(0, 2)).toEqual(['sh', '-c']);
      // busybox stands in for the image's sh and wget, which are busybox's applets on Alpine.
      const script = command[2].replace(/^wget /, 'busybox wget ');
      const run = await asUser(100, 1000, [], ['busybox', 'sh', '-c', script]);
      expect(run).toMatchObject({ code: 0, err: '' });
      expect(seen).toEqual(['POST /-/reload']);
      // The app not listening (its port closed): said on stderr, and the template does not fail,
      // so the agent keeps running (on ECS an exiting agent, essential, would stop the task).
      server.close();
      await new Promise(r => setTimeout(r, 100));
      const refused = await asUser(100, 1000, [], ['busybox', 'sh', '-c', script]);
      expect(refused.code).toBe(0);
      expect(refused.err).toContain(`cdk-sidecars: the reload call to http://127.0.0.1:${port}/-/reload failed`);
    } finally {
      server.close();
    }
  });

  realProcessTest('file modes on a setgid fsGroup volume: the agent writes with the generated perms; the app reads through fsGroup; without it, EACCES', async () => {
    const { pod, agent } = await onKubernetes();
    const fsGroup: number = pod.spec.securityContext.fsGroup;
    const perms: string = agent.template[0].perms;
    const dir = mkdtempSync(join(tmpdir(), 'vault-fsgroup-'));
    const old = mkdtempSync(join(tmpdir(), 'vault-nofsgroup-'));
    try {
      // What the kubelet does to an emptyDir with fsGroup: group-owned, setgid, group rw.
      chownSync(dir, 0, fsGroup);
      chmodSync(dir, 0o2777);
      chmodSync(old, 0o777);
      for (const d of [dir, old]) {
        // consul-template writes the file, then sets the template's perms.
        const w = await asUser(100, 1000, [], ['busybox', 'sh', '-c', `umask 077 && echo s3cret > ${d}/db.json && chmod ${perms} ${d}/db.json`]);
        expect(w.code).toBe(0);
      }
      const app = pod.spec.containers.find((c: any) => c.name === 'app').securityContext;
      const reads = await asUser(app.runAsUser, app.runAsGroup, [fsGroup], ['busybox', 'cat', `${dir}/db.json`]);
      expect(reads).toMatchObject({ code: 0, out: 's3cret\n' });
      const agentReads = await asUser(100, 1000, [], ['busybox', 'cat', `${dir}/db.json`]);
      expect(agentReads.code).toBe(0);
      // Without fsGroup (the old rendering): the file's group is the agent's, the app is not in it.
      const denied = await asUser(app.runAsUser, app.runAsGroup, [], ['busybox', 'cat', `${old}/db.json`]);
      expect(denied.code).not.toBe(0);
      expect(denied.err).toMatch(/Permission denied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(old, { recursive: true, force: true });
    }
  });
});

void kplus;
