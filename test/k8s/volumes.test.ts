/**
 * Volumes a sidecar brings beyond scratch, memory, config files and secrets (issue 14): a
 * PersistentVolumeClaim, a CSI ephemeral volume, a generic ephemeral volume and (opted in) a
 * hostPath; a StatefulSet's claim templates mounted with overrides.appVolumeMounts. Rendered on
 * Kubernetes (every manifest through validateManifests), refused on ECS Fargate and ACI, and
 * checked by the runtime contract (who may write where).
 */
import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { newChart, podOf, rawDeployment, synth } from './util';
import {
  CompositionContext, ContainerSpec, FluentBitOutput, FluentBitSidecar, HostPathType, ISidecar, Sidecar, SidecarContribution, SidecarVolume,
  StartupRole, VolumeKind, VolumeSpec,
} from '../../src';
import { AciApp } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { appGroup, synthGroup } from '../aci/util';
import { fargateTask, synthTemplate } from '../ecs/util';
import { expectError } from '../errors';
import { validateFluentBitClassic, validateFluentBitYaml } from '../validate/fluent-bit';

const IMAGE = 'ghcr.io/acme/agent:1.0.0';

function sidecarWith(chart: Chart, volumes: SidecarVolume[], extra: any = {}): Sidecar {
  return new Sidecar(chart, 'agent', { image: IMAGE, volumes, ...extra });
}

/** Synthesizes a Deployment `web` with the sidecar's volumes; returns the pod. */
function podWith(volumes: SidecarVolume[], extra: any = {}): any {
  const chart = newChart('shop');
  const d = rawDeployment(chart, 'web');
  WorkloadSidecars.of(d).add(sidecarWith(chart, volumes, extra));
  return podOf(synth(chart).find(x => x.kind === 'Deployment'));
}

function agentOf(pod: any): any {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => c.name === 'agent');
}

const LOGS: SidecarVolume = { name: 'node-logs', kind: VolumeKind.HOST_PATH, hostPath: '/var/log', hostPathType: HostPathType.DIRECTORY, allowHostPath: true, mountPath: '/var/log' };

describe('Kubernetes renders the new volume kinds', () => {
  test('PERSISTENT_CLAIM: the claim, read-write; read-only on the volume when every mount is read-only', () => {
    const pod = podWith([{ name: 'buffer', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'log-buffer', mountPath: '/buffer' }]);
    expect(pod.spec.volumes).toContainEqual({ name: 'buffer', persistentVolumeClaim: { claimName: 'log-buffer' } });
    expect(agentOf(pod).volumeMounts).toContainEqual({ name: 'buffer', mountPath: '/buffer', readOnly: false });
    const ro = podWith([{ name: 'buffer', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'log-buffer', mountPath: '/buffer', readOnly: true }]);
    expect(ro.spec.volumes).toContainEqual({ name: 'buffer', persistentVolumeClaim: { claimName: 'log-buffer', readOnly: true } });
  });

  test('PERSISTENT_CLAIM shared with the app (appMountPath) stays read-write while the app writes', () => {
    const pod = podWith([{ name: 'data', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'data', mountPath: '/data', readOnly: true, appMountPath: '/srv/data' }]);
    expect(pod.spec.volumes).toContainEqual({ name: 'data', persistentVolumeClaim: { claimName: 'data' } });
    expect(pod.spec.containers.find((c: any) => c.name === 'app').volumeMounts).toContainEqual({ name: 'data', mountPath: '/srv/data', readOnly: false });
  });

  test('CSI: the Secrets Store CSI driver with its attributes, read-only', () => {
    const pod = podWith([{
      name: 'db-secrets',
      kind: VolumeKind.CSI,
      csiDriver: 'secrets-store.csi.k8s.io',
      csiAttributes: { secretProviderClass: 'vault-db' },
      mountPath: '/mnt/secrets',
      readOnly: true,
    }]);
    expect(pod.spec.volumes).toContainEqual({
      name: 'db-secrets', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'vault-db' } },
    });
    expect(agentOf(pod).volumeMounts).toContainEqual({ name: 'db-secrets', mountPath: '/mnt/secrets', readOnly: true });
  });

  test('CSI with fsType', () => {
    const pod = podWith([{ name: 'scratch', kind: VolumeKind.CSI, csiDriver: 'ebs.csi.aws.com', fsType: 'ext4', mountPath: '/scratch' }]);
    expect(pod.spec.volumes).toContainEqual({ name: 'scratch', csi: { driver: 'ebs.csi.aws.com', fsType: 'ext4' } });
  });

  test('EPHEMERAL_CLAIM: a claim template with size and storage class', () => {
    const pod = podWith([{ name: 'spool', kind: VolumeKind.EPHEMERAL_CLAIM, claimSizeMebibytes: 2048, storageClassName: 'gp3', mountPath: '/spool' }]);
    expect(pod.spec.volumes).toContainEqual({
      name: 'spool',
      ephemeral: {
        volumeClaimTemplate: {
          metadata: { labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '2048Mi' } } },
        },
      },
    });
  });

  test('HOST_PATH with allowHostPath: the node directory, mounted read-only by default', () => {
    const pod = podWith([LOGS], { security: { uid: 0, allowRootUser: true } });
    expect(pod.spec.volumes).toContainEqual({ name: 'node-logs', hostPath: { path: '/var/log', type: 'Directory' } });
    expect(agentOf(pod).volumeMounts).toContainEqual({ name: 'node-logs', mountPath: '/var/log', readOnly: true });
  });

  test('overrides.volumes on a built-in sidecar: a hostPath into Fluent Bit', () => {
    const chart = newChart('shop');
    const d = rawDeployment(chart, 'web');
    WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, 'logs', {
      outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })],
      overrides: { volumes: [{ name: 'node-logs', kind: VolumeKind.HOST_PATH, hostPath: '/var/log', allowHostPath: true, mountPath: '/var/log/host' }] },
    }));
    const pod = podOf(synth(chart).find(x => x.kind === 'Deployment'));
    expect(pod.spec.volumes).toContainEqual({ name: 'node-logs', hostPath: { path: '/var/log' } });
    const fb = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === 'node-logs'));
    expect(fb.volumeMounts).toContainEqual({ name: 'node-logs', mountPath: '/var/log/host', readOnly: true });
  });
});

describe('hostPath needs an opt-in and a namespace that admits it', () => {
  test('without allowHostPath it is refused, naming the field', () => {
    expectError(() => podWith([{ ...LOGS, allowHostPath: undefined }]), ErrorCode.INVALID_VOLUME,
      'shop/agent: volumes[0].allowHostPath undefined is not true', 'check_hostPathVolumes', 'Set allowHostPath: true');
  });

  /** A Deployment in namespace `logging`, whose Namespace object enforces `level`. */
  function inNamespace(level: string): () => any[] {
    return () => {
      const chart = newChart('shop');
      new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'logging', labels: { 'pod-security.kubernetes.io/enforce': level } } });
      const d = new ApiObject(chart, 'web', {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'web', namespace: 'logging' },
        spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }] } } },
      });
      WorkloadSidecars.of(d).add(sidecarWith(chart, [LOGS], { security: { uid: 0, allowRootUser: true } }));
      return synth(chart);
    };
  }

  test.each(['baseline', 'restricted'])('refused where the namespace enforces %s (pod-security-admission check_hostPathVolumes)', level => {
    expectError(inNamespace(level), ErrorCode.HOST_PATH_FORBIDDEN,
      `shop/agent: volumes[0].hostPath "/var/log" is a hostPath volume of shop/web, whose namespace "logging" (shop/ns) enforces Pod Security "${level}"`,
      'pod-security.kubernetes.io/enforce label is "privileged"');
  });

  test('a cdk8s-plus Namespace labelled baseline is read too', () => {
    const chart = newChart('shop');
    new kplus.Namespace(chart, 'ns', { metadata: { name: 'logging', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
    const d = new kplus.DaemonSet(chart, 'web', { metadata: { namespace: 'logging' }, containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }] });
    WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })], hostLogDirectory: '/var/log', allowHostPath: true }));
    expectError(() => Testing.synth(chart), ErrorCode.HOST_PATH_FORBIDDEN, 'shop/logs: hostLogDirectory "/var/log" is a hostPath volume of shop/web', 'enforces Pod Security "baseline"');
  });

  test('rendered where the namespace enforces privileged', () => {
    const docs = inNamespace('privileged')();
    expect(podOf(docs.find(x => x.kind === 'DaemonSet')).spec.volumes).toContainEqual({ name: 'node-logs', hostPath: { path: '/var/log', type: 'Directory' } });
  });

  test('overrides.volumes: the error names the override', () => {
    const chart = newChart('shop');
    new ApiObject(chart, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
    const d = new ApiObject(chart, 'web', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'prod' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0' }] } } },
    });
    WorkloadSidecars.of(d).add(new FluentBitSidecar(chart, 'logs', {
      outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })],
      overrides: { volumes: [{ name: 'node-logs', kind: VolumeKind.HOST_PATH, hostPath: '/var/log', allowHostPath: true, mountPath: '/var/log/host' }] },
    }));
    expectError(() => Testing.synth(chart), ErrorCode.HOST_PATH_FORBIDDEN, 'shop/logs: overrides.volumes[0].hostPath "/var/log" is a hostPath volume of shop/web');
  });
});

describe('bad volume fields name the field and the fix', () => {
  const cases: Array<[string, SidecarVolume, ErrorCode, string]> = [
    ['claimName missing', { name: 'v', kind: VolumeKind.PERSISTENT_CLAIM, mountPath: '/v' }, ErrorCode.INVALID_VOLUME,
      'volumes[0].claimName undefined is required for PERSISTENT_CLAIM volumes'],
    ['claimName not a name', { name: 'v', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'Bad_Name', mountPath: '/v' }, ErrorCode.INVALID_VOLUME,
      'volumes[0].claimName "Bad_Name" is not a valid Kubernetes object name'],
    ['claimName on SCRATCH', { name: 'v', kind: VolumeKind.SCRATCH, claimName: 'data', mountPath: '/v' }, ErrorCode.INVALID_VOLUME,
      'volumes[0].claimName "data" applies only to PERSISTENT_CLAIM volumes, not SCRATCH'],
    ['csiDriver missing', { name: 'v', kind: VolumeKind.CSI, mountPath: '/v' }, ErrorCode.INVALID_VOLUME, 'volumes[0].csiDriver undefined is required for CSI volumes'],
    ['csiDriver bad', { name: 'v', kind: VolumeKind.CSI, csiDriver: '-bad/driver', mountPath: '/v' }, ErrorCode.INVALID_VOLUME,
      'volumes[0].csiDriver "-bad/driver" is not a CSI driver name'],
    ['csiAttributes value not a string', { name: 'v', kind: VolumeKind.CSI, csiDriver: 'd.example.com', csiAttributes: { size: 3 as any }, mountPath: '/v' },
      ErrorCode.INVALID_TYPE, 'volumes[0].csiAttributes.size'],
    ['fsType bad', { name: 'v', kind: VolumeKind.CSI, csiDriver: 'd.example.com', fsType: 'EXT 4', mountPath: '/v' }, ErrorCode.INVALID_VOLUME,
      'volumes[0].fsType "EXT 4" is not a file system type'],
    ['claimSizeMebibytes missing', { name: 'v', kind: VolumeKind.EPHEMERAL_CLAIM, mountPath: '/v' }, ErrorCode.INVALID_VOLUME,
      'volumes[0].claimSizeMebibytes undefined is required for EPHEMERAL_CLAIM volumes'],
    ['storageClassName on CSI', { name: 'v', kind: VolumeKind.CSI, csiDriver: 'd.example.com', storageClassName: 'gp3', mountPath: '/v' }, ErrorCode.INVALID_VOLUME,
      'volumes[0].storageClassName "gp3" applies only to EPHEMERAL_CLAIM volumes, not CSI'],
    ['hostPath relative', { ...LOGS, hostPath: 'var/log' }, ErrorCode.INVALID_PATH, 'volumes[0].hostPath "var/log"'],
    ['hostPath missing', { ...LOGS, hostPath: undefined }, ErrorCode.INVALID_PATH, 'volumes[0].hostPath undefined is required for HOST_PATH volumes'],
    ['hostPathType not a member', { ...LOGS, hostPathType: 'Dir' as any }, ErrorCode.INVALID_TYPE, 'volumes[0].hostPathType "Dir"'],
    ['allowHostPath not a boolean', { ...LOGS, allowHostPath: 'yes' as any }, ErrorCode.INVALID_TYPE, 'volumes[0].allowHostPath "yes"'],
  ];
  test.each(cases)('%s', (_name, volume, code, part) => {
    expectError(() => podWith([volume]), code, `shop/agent: ${part}`);
  });
});

describe('a StatefulSet\'s claim templates are volumes of its pods', () => {
  function statefulSet(chart: Chart): ApiObject {
    return new ApiObject(chart, 'db', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'ghcr.io/acme/db:1.0.0', volumeMounts: [{ name: 'data', mountPath: '/var/lib/db' }] }] },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
      },
    });
  }

  test('a sidecar mounts one by name with overrides.appVolumeMounts', () => {
    const chart = newChart('shop');
    const db = statefulSet(chart);
    WorkloadSidecars.of(db).add(new Sidecar(chart, 'backup', { image: IMAGE, overrides: { appVolumeMounts: [{ volume: 'data', mountPath: '/backup/data', readOnly: true }] } }));
    const pod = podOf(synth(chart).find(x => x.kind === 'StatefulSet'));
    const backup = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => c.name === 'backup');
    expect(backup.volumeMounts).toContainEqual({ name: 'data', mountPath: '/backup/data', readOnly: true });
    expect(pod.spec.volumes ?? []).not.toContainEqual(expect.objectContaining({ name: 'data' }));
  });

  test('a sidecar volume named as a claim template is a conflict', () => {
    const chart = newChart('shop');
    const db = statefulSet(chart);
    WorkloadSidecars.of(db).add(new Sidecar(chart, 'backup', { image: IMAGE, volumes: [{ name: 'data', mountPath: '/scratch' }] }));
    expectError(() => Testing.synth(chart), ErrorCode.VOLUME_CONFLICT, 'shop/backup');
  });
});

describe('ECS Fargate and ACI have no claims, CSI volumes or host paths', () => {
  const kinds: SidecarVolume[] = [
    { name: 'v', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'data', mountPath: '/v' },
    { name: 'v', kind: VolumeKind.CSI, csiDriver: 'secrets-store.csi.k8s.io', mountPath: '/v', readOnly: true },
    { name: 'v', kind: VolumeKind.EPHEMERAL_CLAIM, claimSizeMebibytes: 512, mountPath: '/v' },
    { ...LOGS, name: 'v' },
  ];
  test.each(kinds.map(v => [v.kind, v] as const))('%s on ECS', (kind, volume) => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: IMAGE, volumes: [volume], ...(kind === VolumeKind.HOST_PATH ? { security: { uid: 0, allowRootUser: true } } : {}) }));
    expectError(() => synthTemplate(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, `Shop/agent: volumes[0] "v" cannot be rendered on ECS Fargate: ECS has no ${kind} volumes`,
      'efsVolumeConfiguration', 'overrides.appVolumeMounts');
  });
  test.each(kinds.map(v => [v.kind, v] as const))('%s on ACI', (kind, volume) => {
    const group = appGroup(new AciApp());
    group.addSidecars(new Sidecar(group, 'agent', { image: IMAGE, volumes: [volume], ...(kind === VolumeKind.HOST_PATH ? { security: { uid: 0, allowRootUser: true } } : {}) }));
    expectError(() => group.toArmTemplate(), ErrorCode.UNSUPPORTED_ON_PLATFORM, `shop/agent: volumes[0] "v" cannot be rendered on Azure Container Instances: ACI has no ${kind} volumes`,
      'azureFile', 'overrides.appVolumeMounts');
  });
});

/** A sidecar that contributes exactly what the test gives it. */
class RawSidecar extends Construct implements ISidecar {
  constructor(scope: Construct, id: string, private readonly contribution: SidecarContribution) { super(scope, id); }
  public contribute(_context: CompositionContext): SidecarContribution { return this.contribution; }
}

describe('the runtime contract knows who may write to claims and host paths', () => {
  function writer(volume: VolumeSpec, uid: number, extra: Partial<ContainerSpec> = {}): SidecarContribution {
    return {
      containers: [{
        name: 'writer',
        image: IMAGE,
        role: StartupRole.SIDECAR,
        security: { uid, gid: uid, ...(uid === 0 ? { allowRootUser: true } : {}) },
        volumeMounts: [{ volume: volume.name, path: '/data', readOnly: false }],
        writesPaths: ['/data/out'],
        ...extra,
      }],
      volumes: [volume],
    };
  }
  function synthWith(c: SidecarContribution, fsGroup?: number): any[] {
    const chart = newChart('shop');
    const d = rawDeployment(chart, 'web', undefined, fsGroup !== undefined ? { securityContext: { fsGroup } } : {});
    WorkloadSidecars.of(d).add(new RawSidecar(chart, 'w', c));
    return synth(chart);
  }
  const claim: VolumeSpec = { name: 'data', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'data' };

  test('a non-root writer to a claim needs the pod\'s fsGroup (the kubelet chowns the claim to it)', () => {
    expectError(() => synthWith(writer(claim, 2000)), ErrorCode.RUNTIME_UNWRITABLE, 'shop/w', 'writesPaths[0]', '/data/out', '0755 owned by 0:0');
    expect(() => synthWith(writer(claim, 2000), 3000)).not.toThrow();
  });

  test('a generic ephemeral claim is owned the same way', () => {
    const eph: VolumeSpec = { name: 'data', kind: VolumeKind.EPHEMERAL_CLAIM, claimSizeMebibytes: 64 };
    expectError(() => synthWith(writer(eph, 2000)), ErrorCode.RUNTIME_UNWRITABLE, '/data/out');
    expect(() => synthWith(writer(eph, 2000), 3000)).not.toThrow();
  });

  test('a host path is root\'s: a non-root writer is refused even with an fsGroup, root may write', () => {
    const host: VolumeSpec = { name: 'data', kind: VolumeKind.HOST_PATH, hostPath: '/var/lib/agent', hostPathType: HostPathType.DIRECTORY_OR_CREATE, allowHostPath: true };
    expectError(() => synthWith(writer(host, 2000), 3000), ErrorCode.RUNTIME_UNWRITABLE, '/data/out', '0755 owned by 0:0');
    expect(() => synthWith(writer(host, 0, { security: { uid: 0, gid: 0, allowRootUser: true, addCapabilities: ['DAC_OVERRIDE'] } }))).not.toThrow();
  });

  test('a read-only mount of a claim is not writable', () => {
    const c = writer(claim, 2000);
    const ro = { ...c, containers: [{ ...c.containers[0], volumeMounts: [{ volume: 'data', path: '/data', readOnly: true }] }] };
    expectError(() => synthWith(ro, 3000), ErrorCode.RUNTIME_UNWRITABLE, 'is mounted read-only at /data');
  });

  test('files read from a claim or CSI volume come from outside the pod: no creator needed', () => {
    for (const v of [claim, { name: 'data', kind: VolumeKind.CSI, csiDriver: 'secrets-store.csi.k8s.io' } as VolumeSpec]) {
      const reader: SidecarContribution = {
        containers: [{ name: 'reader', image: IMAGE, role: StartupRole.SIDECAR, security: { uid: 2000 }, volumeMounts: [{ volume: 'data', path: '/data', readOnly: true }], readsPaths: ['/data/db-password'] }],
        volumes: [v],
      };
      expect(() => synthWith(reader)).not.toThrow();
    }
  });
});

describe('Fluent Bit tails the node\'s logs (hostLogDirectory, a DaemonSet)', () => {
  function daemonSet(chart: Chart): ApiObject {
    return new ApiObject(chart, 'node-logs', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'node-logs' },
      spec: {
        selector: { matchLabels: { app: 'node-logs' } },
        template: { metadata: { labels: { app: 'node-logs' } }, spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }] } },
      },
    });
  }
  function synthFb(props: any): any[] {
    const chart = newChart('shop');
    WorkloadSidecars.of(daemonSet(chart)).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })], ...props }));
    return synth(chart);
  }

  test('the node directory, read-only at the same path, tailed as root; the app shares nothing', () => {
    const docs = synthFb({ hostLogDirectory: '/var/log', allowHostPath: true });
    const pod = podOf(docs.find(x => x.kind === 'DaemonSet'));
    expect(pod.spec.volumes).toContainEqual({ name: 'fluent-bit-logs', hostPath: { path: '/var/log', type: 'Directory' } });
    const fb = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => c.name === 'fluent-bit');
    expect(fb.volumeMounts).toContainEqual({ name: 'fluent-bit-logs', mountPath: '/var/log', readOnly: true });
    expect(fb.securityContext).toMatchObject({ runAsUser: 0, runAsGroup: 0, capabilities: { drop: ['ALL'] } });
    expect(pod.spec.containers.find((c: any) => c.name === 'pause').volumeMounts).toBeUndefined();
    const cm = docs.find(x => x.kind === 'ConfigMap' && x.metadata.name.endsWith('fluent-bit-config'));
    const text: string = cm.data['fluent-bit.conf'] ?? cm.data['fluent-bit.yaml'];
    const inputs = cm.data['fluent-bit.conf']
      ? validateFluentBitClassic(text).filter(x => x.name.toUpperCase() === 'INPUT').map(x => Object.fromEntries(x.entries))
      : validateFluentBitYaml(text).pipeline.inputs;
    expect(inputs.find((i: any) => i.name === 'tail').path).toBe('/var/log/containers/*.log');
  });

  test('without allowHostPath it is refused, naming the prop', () => {
    expectError(() => synthFb({ hostLogDirectory: '/var/log' }), ErrorCode.INVALID_VOLUME, 'shop/logs: allowHostPath undefined is not true');
  });

  test('a non-root uid cannot read the container logs (root:root 0640): the contract names uid', () => {
    expectError(() => synthFb({ hostLogDirectory: '/var/log', allowHostPath: true, uid: 10001 }), ErrorCode.RUNTIME_UNREADABLE,
      'shop/logs: uid: "/var/log/containers/*.log" cannot be read by container "fluent-bit"', '0640 owned by 0:0', 'Run the container as root');
  });

  test('logDirectory with hostLogDirectory, allowHostPath alone, a bad directory', () => {
    expectError(() => synthFb({ hostLogDirectory: '/var/log', allowHostPath: true, logDirectory: '/var/log/app' }), ErrorCode.ALREADY_SET, 'shop/logs: logDirectory is already set ("/var/log/app") with hostLogDirectory');
    expectError(() => synthFb({ allowHostPath: true }), ErrorCode.INEFFECTIVE_SETTING, 'shop/logs: allowHostPath true');
    expectError(() => synthFb({ hostLogDirectory: 'var/log', allowHostPath: true }), ErrorCode.INVALID_PATH, 'shop/logs: hostLogDirectory "var/log"');
    expectError(() => synthFb({ hostLogDirectory: '/', allowHostPath: true }), ErrorCode.INVALID_PATH, 'shop/logs: hostLogDirectory "/"');
  });

  test('ECS refuses it, naming hostLogDirectory', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new FluentBitSidecar(f.stack, 'logs', { outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })], hostLogDirectory: '/var/log', allowHostPath: true }));
    expectError(() => synthTemplate(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/logs: hostLogDirectory "/var/log" cannot be rendered on ECS Fargate: ECS has no HOST_PATH volumes');
  });
});

describe('the fixes the ECS and ACI refusals give work', () => {
  test('ECS: an EFS volume of the task definition, mounted into the sidecar with overrides.appVolumeMounts', () => {
    const f = fargateTask();
    f.td.addVolume({ name: 'shared', efsVolumeConfiguration: { fileSystemId: 'fs-0123456789abcdef0', transitEncryption: 'ENABLED' } });
    TaskSidecars.of(f.td).add(new Sidecar(f.stack, 'agent', { image: IMAGE, overrides: { appVolumeMounts: [{ volume: 'shared', mountPath: '/shared', readOnly: true }] } }));
    const t = synthTemplate(f.stack);
    const td = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
    expect(td.Volumes).toContainEqual(expect.objectContaining({ Name: 'shared', EFSVolumeConfiguration: expect.objectContaining({ FilesystemId: 'fs-0123456789abcdef0' }) }));
    expect(td.ContainerDefinitions.find((c: any) => c.Name === 'agent').MountPoints).toContainEqual({ SourceVolume: 'shared', ContainerPath: '/shared', ReadOnly: true });
  });

  test('ACI: an Azure Files share of the group, mounted into the sidecar with overrides.appVolumeMounts', () => {
    const group = appGroup(new AciApp(), {
      volumes: [{ name: 'shared', azureFile: { shareName: 'agent-data', storageAccountName: 'acmestorage', storageAccountKey: { secretName: 'storage', key: 'key' } } }],
    });
    group.addSidecars(new Sidecar(group, 'agent', { image: IMAGE, overrides: { appVolumeMounts: [{ volume: 'shared', mountPath: '/shared', readOnly: true }] } }));
    const { resource } = synthGroup(group);
    expect(resource.properties.volumes).toContainEqual(expect.objectContaining({ name: 'shared', azureFile: expect.objectContaining({ shareName: 'agent-data' }) }));
    expect(resource.properties.containers.find((c: any) => c.name === 'agent').properties.volumeMounts).toContainEqual({ name: 'shared', mountPath: '/shared', readOnly: true });
  });
});

describe('the Secrets Store CSI driver publishes read-only volumes only', () => {
  const store: SidecarVolume = { name: 'db', kind: VolumeKind.CSI, csiDriver: 'secrets-store.csi.k8s.io', csiAttributes: { secretProviderClass: 'db' }, mountPath: '/mnt/db' };

  test('mounts default to read-only, in the sidecar and the app, and so does the volume', () => {
    const pod = podWith([{ ...store, appMountPath: '/run/db' }]);
    expect(agentOf(pod).volumeMounts).toContainEqual({ name: 'db', mountPath: '/mnt/db', readOnly: true });
    expect(pod.spec.containers.find((c: any) => c.name === 'app').volumeMounts).toContainEqual({ name: 'db', mountPath: '/run/db', readOnly: true });
    expect(pod.spec.volumes).toContainEqual({ name: 'db', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'db' } } });
  });

  test('a read-write mount is refused: the driver answers "Readonly is not true in request" and the pod never starts', () => {
    expectError(() => podWith([{ ...store, readOnly: false }]), ErrorCode.INVALID_VOLUME,
      'shop/agent: volumes[0].readOnly false cannot be false: the Secrets Store CSI driver (secrets-store.csi.k8s.io) publishes read-only volumes only');
    expectError(() => podWith([{ ...store, appMountPath: '/run/db', appReadOnly: false }]), ErrorCode.INVALID_VOLUME, 'shop/agent: volumes[0].appReadOnly false cannot be false');
  });

  test('another CSI driver keeps read-write mounts', () => {
    const pod = podWith([{ name: 'scratch', kind: VolumeKind.CSI, csiDriver: 'ebs.csi.aws.com', mountPath: '/scratch' }]);
    expect(agentOf(pod).volumeMounts).toContainEqual({ name: 'scratch', mountPath: '/scratch', readOnly: false });
  });
});
