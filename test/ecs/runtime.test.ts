/**
 * What a Fargate task needs at run time beyond the shape of its template: init steps in
 * order, Kubernetes-only `$(VAR)` expansion, task volumes that their non-root writers can
 * write, ECS's task size rules, restart of non-essential sidecars, and size limits ECS cannot
 * enforce.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Lazy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { container, fargateTask, synthTemplate, taskDefinition, warnings } from './util';
import { Sidecar, SidecarProps, StartupRole, VolumeKind } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { MemoryVolumeHandling, SecretSource, TaskSidecars } from '../../src/ecs';
import { expectError } from '../errors';
import { missingPrerequisite, realTest } from '../prerequisites';

function init(scope: any, name: string, extra: Partial<SidecarProps> = {}): Sidecar {
  return new Sidecar(scope, name, { image: `ghcr.io/acme/${name}:1`, role: StartupRole.INIT_STEP, ...extra });
}

/** A stand-in for the Vault agent: UID 100, GID 1000, writing its token and secrets to task volumes. */
function agent(scope: any, extra: Partial<SidecarProps> = {}): Sidecar {
  return new Sidecar(scope, 'vault', {
    image: 'hashicorp/vault:1.20.4',
    security: { uid: 100, gid: 1000 },
    volumes: [
      { name: 'vault-secrets', kind: VolumeKind.MEMORY, mountPath: '/vault/secrets', appMountPath: '/vault/secrets', appReadOnly: true },
      { name: 'vault-home', mountPath: '/home/vault' },
    ],
    ...extra,
  });
}

describe('init steps run one after the other, as on Kubernetes and ACI', () => {
  test('each init step waits for the previous one to succeed, in the composed order', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(init(f.stack, 'migrate'), init(f.stack, 'seed'), init(f.stack, 'warm'));
    const t = synthTemplate(f.stack);
    expect(container(t, 'migrate').DependsOn).toBeUndefined();
    expect(container(t, 'seed').DependsOn).toEqual([{ ContainerName: 'migrate', Condition: 'SUCCESS' }]);
    expect(container(t, 'warm').DependsOn).toEqual([{ ContainerName: 'seed', Condition: 'SUCCESS' }]);
    expect(container(t, 'app').DependsOn).toEqual(['migrate', 'seed', 'warm'].map(n => ({ ContainerName: n, Condition: 'SUCCESS' })));
  });
});

describe('$(VAR) is Kubernetes expansion; ECS passes it literally', () => {
  test('rendered as Kubernetes would expand it when the value is known at synthesis', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', {
      image: 'ghcr.io/acme/agent:1',
      command: ['/bin/agent', '--region=$(REGION)'],
      args: ['--price=$$(cents)', '--other=$(UNDEFINED)', '--both=$(REGION)/$(REGION)', 'a$b'],
      env: { REGION: 'eu-west-1' },
    }));
    const a = container(synthTemplate(f.stack), 'agent');
    expect(a.EntryPoint).toEqual(['/bin/agent', '--region=eu-west-1']);
    expect(a.Command).toEqual(['--price=$(cents)', '--other=$(UNDEFINED)', '--both=eu-west-1/eu-west-1', 'a$b']);
  });

  test('a literal that Kubernetes would itself expand is refused too', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1', args: ['--x=$(B)'], env: { A: 'a', B: '$(A)b' } }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/agent: args[0] "--x=$(B)" cannot be rendered on ECS Fargate');
  });

  test('a variable ECS only knows at run time (a secret) is refused, with a shell as the fix', () => {
    const f = fargateTask();
    const secret = new secretsmanager.Secret(f.stack, 'Token');
    TaskSidecars.of(f.td, { secrets: { api: SecretSource.fromSecretsManager(secret) } }).add(new Sidecar(f.stack, 'agent', {
      image: 'ghcr.io/acme/agent:1',
      args: ['--token=$(TOKEN)'],
      secretEnv: { TOKEN: { secretName: 'api', key: 'token' } },
    }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: args[0] "--token=$(TOKEN)" cannot be rendered on ECS Fargate: Kubernetes replaces $(TOKEN)', '["sh", "-c", "exec /app --flag \\"$TOKEN\\""]');
  });
});

/** The agent on a task, synthesized once (lazily, so that each test fails on its own). */
const agentTask = (() => {
  let t: any;
  return () => {
    if (!t) {
      const f = fargateTask();
      TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(agent(f.stack));
      t = synthTemplate(f.stack);
    }
    return t;
  };
})();

describe('task volumes are made writable for their non-root writers (Fargate creates them root-owned)', () => {
  const writer = () => container(agentTask(), 'cdk-sidecars-config');
  const t = agentTask;

  test('the writer gives each volume to the one UID that writes it, before anyone mounts it', () => {
    const script = writer().Command[0].split('\n');
    expect(script).toEqual([
      'set -eu',
      "chmod 0755 '/cdk-sidecars/vault-secrets'",
      "chown 100:1000 '/cdk-sidecars/vault-secrets'",
      "chmod 0755 '/cdk-sidecars/vault-home'",
      "chown 100:1000 '/cdk-sidecars/vault-home'",
    ]);
    expect(writer().MountPoints).toEqual([
      { SourceVolume: 'vault-secrets', ContainerPath: '/cdk-sidecars/vault-secrets', ReadOnly: false },
      { SourceVolume: 'vault-home', ContainerPath: '/cdk-sidecars/vault-home', ReadOnly: false },
    ]);
    expect(container(t(), 'vault').DependsOn).toEqual([{ ContainerName: 'cdk-sidecars-config', Condition: 'SUCCESS' }]);
    expect(container(t(), 'app').DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'cdk-sidecars-config', Condition: 'SUCCESS' }]));
  });

  test('least privilege: root with CHOWN only (every other default capability dropped; Fargate cannot add one)', () => {
    expect(writer()).toMatchObject({ User: '0:0', Essential: false, ReadonlyRootFilesystem: true, Privileged: false, Image: 'public.ecr.aws/docker/library/busybox:1.37' });
    const drop: string[] = writer().LinuxParameters.Capabilities.Drop;
    expect(drop).not.toContain('CHOWN');
    expect(drop).not.toContain('ALL');
    expect(drop).toEqual(expect.arrayContaining(['DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID', 'KILL', 'NET_RAW']));
    expect(writer().LinuxParameters.Capabilities.Add).toBeUndefined();
  });

  test('several writer UIDs, or an app whose UID ECS does not know, get a sticky world-writable directory; root-only volumes are left alone', () => {
    const g = fargateTask();
    TaskSidecars.of(g.td).add(new Sidecar(g.stack, 'a', {
      image: 'ghcr.io/acme/a:1', security: { uid: 2001 }, volumes: [{ name: 'shared', mountPath: '/shared' }, { name: 'logs', mountPath: '/logs', readOnly: true, appMountPath: '/var/log/app' }],
    }), new Sidecar(g.stack, 'b', {
      image: 'ghcr.io/acme/b:1', security: { uid: 2002 }, volumes: [{ name: 'shared', mountPath: '/shared' }],
    }), new Sidecar(g.stack, 'c', {
      image: 'ghcr.io/acme/c:1', security: { uid: 0, allowRootUser: true }, volumes: [{ name: 'rootonly', mountPath: '/r' }],
    }));
    const w = container(synthTemplate(g.stack), 'cdk-sidecars-config');
    expect(w.Command[0].split('\n')).toEqual(['set -eu', "chmod 1777 '/cdk-sidecars/shared'", "chmod 1777 '/cdk-sidecars/logs'"]);
    // No chown: nothing kept.
    expect(w.LinuxParameters.Capabilities.Drop).toEqual(['ALL']);
  });
});

/**
 * The real kernel: the writer's generated preparation, run by busybox's sh (the writer's
 * default image is busybox: docker-library/busybox installs every defconfig applet, chmod
 * and chown included) with the capabilities the container keeps, on a directory owned by
 * root with mode 0755 like a fresh Fargate task volume. Before it, UID 100 cannot create a
 * file there; after it, it can.
 */
describe('on a real kernel', () => {
  const busybox = 'busybox';
  const setpriv = 'setpriv';
  const kernelTest = realTest('ecs/runtime.test.ts (volume preparation)', missingPrerequisite({
    root: 'changing ownership and switching UIDs need root', commands: [busybox, setpriv], install: 'apt-get install busybox-static util-linux',
  }));

  const script = () => String(container(agentTask(), 'cdk-sidecars-config').Command[0]);

  /** Runs the generated script against `root` instead of /cdk-sidecars, as root with the given capabilities only. */
  function prepare(root: string, caps: string): { status: number | null; stderr: string } {
    const r = spawnSync(setpriv!, ['--bounding-set', caps, '--inh-caps', '-all', busybox!, 'sh', '-c', script().split('/cdk-sidecars/').join(`${root}/`)], { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  }
  /** Creates a file as UID 100 / GID 1000 with no supplementary group, as the agent runs. */
  function writeAsAgent(dir: string): number | null {
    return spawnSync(setpriv!, ['--reuid', '100', '--regid', '1000', '--clear-groups', '--inh-caps', '-all', busybox!, 'sh', '-c', `echo token > '${dir}/token'`]).status;
  }
  function taskVolumes(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-vol-'));
    fs.chmodSync(root, 0o755);
    for (const v of ['vault-secrets', 'vault-home']) {
      fs.mkdirSync(path.join(root, v));
      fs.chmodSync(path.join(root, v), 0o755);
      fs.chownSync(path.join(root, v), 0, 0);
    }
    return root;
  }

  kernelTest('before: UID 100 cannot create a file in a root-owned 0755 directory; after the preparation it can', () => {
    const root = taskVolumes();
    try {
      expect(writeAsAgent(path.join(root, 'vault-secrets'))).not.toBe(0);
      const r = prepare(root, '-all,+chown');
      expect(r).toEqual({ status: 0, stderr: '' });
      for (const v of ['vault-secrets', 'vault-home']) {
        const st = fs.statSync(path.join(root, v));
        expect([st.uid, st.gid, st.mode.toString(8).slice(-4)]).toEqual([100, 1000, '0755']);
        expect(writeAsAgent(path.join(root, v))).toBe(0);
        expect(fs.statSync(path.join(root, v, 'token')).uid).toBe(100);
      }
    } finally {
      execFileSync('rm', ['-rf', root]);
    }
  });

  kernelTest('CHOWN is what it needs: with no capability at all the preparation fails', () => {
    const root = taskVolumes();
    try {
      expect(prepare(root, '-all').status).not.toBe(0);
      expect(fs.statSync(path.join(root, 'vault-secrets')).uid).toBe(0);
    } finally {
      execFileSync('rm', ['-rf', root]);
    }
  });
});

describe("the task fit check follows ECS's rules, init steps and the writer included", () => {
  test('a valid task is accepted: memory counts reservations, not hard limits', () => {
    // app 512 (memory, no reservation) + agent 64 (reservation; limit 1024) = 576 <= 1024
    const f = fargateTask({ cpu: 256, memoryLimitMiB: 1024 });
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1', resources: { memoryRequestMebibytes: 64, memoryLimitMebibytes: 1024 } }));
    expect(container(synthTemplate(f.stack), 'agent')).toMatchObject({ MemoryReservation: 64, Memory: 1024 });
  });

  test('init steps count for CPU: a catalogued error naming each share, not aws-cdk-lib\'s ContainerValuesCannotGreater', () => {
    const f = fargateTask({ cpu: 256, memoryLimitMiB: 1024 });
    TaskSidecars.of(f.td).add(init(f.stack, 'migrate', { resources: { cpuRequestMillicores: 500 } }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.RESOURCES_EXCEED_TASK,
      "Shop/Api: cpu: the containers need 512 CPU units (app 0, migrate 512), more than the task's 256 CPU units");
  });

  test('init steps and the writer count for memory', () => {
    const f = fargateTask({ cpu: 256, memoryLimitMiB: 1024 });
    TaskSidecars.of(f.td).add(init(f.stack, 'migrate', { resources: { memoryRequestMebibytes: 500, memoryLimitMebibytes: 500 }, configFiles: [{ path: '/etc/m/m.conf', content: 'x' }] }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.RESOURCES_EXCEED_TASK,
      "Shop/Api: memory: the containers need 1044 MiB (app 512, migrate 500, cdk-sidecars-config 32), more than the task's 1024 MiB");
  });

  test("no container's memory may exceed the task's", () => {
    const f = fargateTask({ cpu: 256, memoryLimitMiB: 1024 });
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1', resources: { memoryRequestMebibytes: 64, memoryLimitMebibytes: 2048 } }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.RESOURCES_EXCEED_TASK,
      'Shop/agent: resources.memoryLimitMebibytes: the containers need 2048 MiB (agent 2048), more than the task\'s 1024 MiB');
  });

  test('below ECS\'s 6 MiB minimum is refused', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1', resources: { memoryRequestMebibytes: 4, memoryLimitMebibytes: 5 } }));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Shop/agent: resources.memoryLimitMebibytes 5 cannot be rendered on ECS Fargate: ECS gives a container at least 6 MiB', 'Use at least 6 MiB');
  });
});

describe('other run-time behaviour', () => {
  test('a non-essential long-running sidecar is restarted when it exits; essential ones and init steps are not', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(
      new Sidecar(f.stack, 'shipper', { image: 'ghcr.io/acme/shipper:1', essential: false }),
      new Sidecar(f.stack, 'proxy', { image: 'ghcr.io/acme/proxy:1' }),
      init(f.stack, 'migrate'),
    );
    const t = synthTemplate(f.stack);
    expect(container(t, 'shipper').RestartPolicy).toEqual({ Enabled: true, RestartAttemptPeriod: 60 });
    expect(container(t, 'proxy').RestartPolicy).toBeUndefined();
    expect(container(t, 'migrate').RestartPolicy).toBeUndefined();
  });

  test('a volume size limit ECS cannot enforce is reported, not dropped silently', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1', volumes: [{ name: 'cache', mountPath: '/cache', sizeLimitMebibytes: 64 }] }));
    const t = synthTemplate(f.stack);
    expect(taskDefinition(t).Volumes).toEqual([{ Name: 'cache' }]);
    expect(warnings(f.stack).join('\n')).toContain('Shop/agent: volume "cache" sizeLimitMebibytes 64 is not enforced: an ECS task volume is a bind mount');
    expect(warnings(f.stack).join('\n')).toContain('leave sizeLimitMebibytes out of SidecarProps.volumes on ECS to silence this');
  });
});

describe('older aws-cdk-lib releases', () => {
  // Up to aws-cdk-lib 2.253 the task definition's `volumes` is a cached Lazy.any (2.254 made it a
  // live list): once resolved, volumes added later were left out of the template, so the sidecars'
  // task volumes vanished on the floor release 2.172.0. Emulated here on the newest release by a
  // cached Lazy in place of the live list.
  test('task volumes the sidecars add are rendered even when the volume list was a cached Lazy', () => {
    const f = fargateTask();
    f.td.addVolume({ name: 'data', host: { sourcePath: '/data' } });
    const cfn = f.td.node.defaultChild as any;
    const live = cfn.volumes;
    let produced = 0;
    cfn.volumes = Lazy.any({ produce: () => { produced++; return f.stack.resolve(live); } });
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: 'ghcr.io/acme/agent:1', volumes: [{ name: 'cache', mountPath: '/cache', appMountPath: '/cache' }] }));
    const t = synthTemplate(f.stack);
    expect(produced).toBe(1);
    expect(taskDefinition(t).Volumes).toEqual([{ Name: 'data', Host: { SourcePath: '/data' } }, { Name: 'cache' }]);
    expect(container(t, 'app').MountPoints).toEqual([{ SourceVolume: 'cache', ContainerPath: '/cache', ReadOnly: false }]);
  });
});
