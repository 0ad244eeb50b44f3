/**
 * The shared escape hatch (SidecarOverrides, issue 13 items 4 and 6) on every built-in sidecar,
 * rendered on Kubernetes, ECS Fargate and ACI; each output goes through the platform's validator
 * (synth / synthTemplate / synthGroup call test/validate/k8s.ts, cloudformation.ts, azure.ts).
 */
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  ContainerSpec, DaprSidecar, EnvoySidecar, ImagePullPolicy, PatchOperation, PodField, PortExposure, Protocol, Sidecar, SidecarOverrides, VolumeKind,
  XRayDaemonSidecar,
  WorkloadIdentity,
} from '../../src';
import { AciApp, AciContainerGroup, AciMemoryVolumeHandling } from '../../src/aci';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { MemoryVolumeHandling, SecretSource, TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { KINDS } from '../bad-input/harness';
import { container as ecsContainer, fargateTask, synthTemplate, taskDefinition, warnings as ecsWarnings } from '../ecs/util';
import { newChart, podOf, rawDeployment, synth } from '../k8s/util';

const BUILT_IN = ['EnvoySidecar', 'VaultAgentSidecar', 'FluentBitSidecar', 'OpaSidecar', 'OtelCollectorSidecar', 'DaprSidecar', 'XRayDaemonSidecar'];
type ProbeName = 'startupProbe' | 'readinessProbe' | 'livenessProbe';

/** The sidecar's main container as it describes itself (the one the overrides change). */
function mainOf(kind: string): ContainerSpec {
  const scope = new Construct(undefined as any, 'probe');
  const sc: any = KINDS[kind].make(scope, 'sc', KINDS[kind].base);
  const containers: ContainerSpec[] = sc.contribute({ targetPath: 'x', appContainers: [], identity: WorkloadIdentity.NONE }).containers;
  return containers.find(c => c.role === 'SIDECAR') ?? containers[0];
}

/** The probes the sidecar's main container has (the timing overlays apply to each). */
function probesOf(main: ContainerSpec): ProbeName[] {
  return (['readinessProbe', 'livenessProbe', 'startupProbe'] as const).filter(p => main[p] !== undefined);
}

function overridesFor(probes: ProbeName[]): SidecarOverrides {
  return {
    env: [{ name: 'EXTRA_PLAIN', value: 'on' }, { name: 'EXTRA_SECRET', secret: { secretName: 'db', key: 'password' } }],
    volumes: [{ name: 'extra-cache', kind: VolumeKind.SCRATCH, mountPath: '/var/cache/extra', sizeLimitMebibytes: 32 }],
    extraArgs: ['--extra-flag'],
    ...Object.fromEntries(probes.map(p => [p, { periodSeconds: 17, failureThreshold: 4 }])),
    kubernetesPatches: [{ op: PatchOperation.ADD, path: '/terminationMessagePolicy', value: 'FallbackToLogsOnError' }],
    ecsPatches: [{ op: PatchOperation.ADD, path: '/Ulimits', value: [{ Name: 'nofile', SoftLimit: 65536, HardLimit: 65536 }] }],
    aciPatches: [{ op: PatchOperation.ADD, path: '/configMap', value: { keyValuePairs: { PATCHED: 'yes' } } }],
  };
}

function k8sPod(kind: string, overrides: SidecarOverrides, extra: any = {}): { pod: any; docs: any[] } {
  const chart = newChart('web');
  const d = rawDeployment(chart, 'api', undefined, extra);
  const sc: any = KINDS[kind].make(chart, 'sc', { ...KINDS[kind].base, overrides });
  WorkloadSidecars.of(d).add(sc);
  const docs = synth(chart);
  return { pod: podOf(docs.find(x => x.kind === 'Deployment')), docs };
}

function ecsTask(kind: string, overrides: SidecarOverrides, volumes: string[] = []) {
  const f = fargateTask();
  volumes.forEach(name => f.td.addVolume({ name }));
  const secret = new secretsmanager.Secret(f.stack, 'Db');
  const sc: any = KINDS[kind].make(f.stack, 'sc', { ...KINDS[kind].base, overrides });
  TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE, secrets: { db: SecretSource.fromSecretsManager(secret) } }).add(sc);
  return { template: synthTemplate(f.stack), stack: f.stack };
}

function aciGroup(kind: string, overrides: SidecarOverrides, volumes: string[] = []) {
  const app = new AciApp();
  const sc: any = KINDS[kind].make(app, 'sc', { ...KINDS[kind].base, overrides });
  const group = new AciContainerGroup(app, 'shop', {
    containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }],
    identity: { systemAssigned: true },
    memoryVolumes: AciMemoryVolumeHandling.DISK,
    volumes: volumes.map(name => ({ name })),
  });
  group.addSidecars(sc);
  return { ...synthGroup(group), group };
}

function thrown(fn: () => unknown): SidecarError {
  try { fn(); } catch (e) { if (e instanceof SidecarError) { return e; } throw e; }
  throw new Error('did not throw');
}

describe.each(BUILT_IN)('%s with overrides', kind => {
  const main = mainOf(kind);
  const probes = probesOf(main);
  const overrides = overridesFor(probes);

  test('Kubernetes: env (plain and secret), volume, args, probe timing and a patch on the main container', () => {
    const { pod } = k8sPod(kind, overrides);
    const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x: any) => x.name === main.name);
    expect(c.env).toEqual(expect.arrayContaining([
      { name: 'EXTRA_PLAIN', value: 'on' },
      { name: 'EXTRA_SECRET', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    ]));
    expect(c.volumeMounts).toContainEqual({ name: 'extra-cache', mountPath: '/var/cache/extra', readOnly: false });
    expect(pod.spec.volumes).toContainEqual({ name: 'extra-cache', emptyDir: { sizeLimit: '32Mi' } });
    expect(c.args[c.args.length - 1]).toBe('--extra-flag');
    for (const p of probes) { expect(c[p]).toMatchObject({ periodSeconds: 17, failureThreshold: 4 }); }
    expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  test('ECS: environment, secret, mount point, command, health check timing (where ECS has one) and a patch', () => {
    const { template } = ecsTask(kind, overrides);
    const c = ecsContainer(template, main.name);
    expect(c.Environment).toContainEqual({ Name: 'EXTRA_PLAIN', Value: 'on' });
    expect(c.Secrets.map((s: any) => s.Name)).toContain('EXTRA_SECRET');
    expect(c.MountPoints).toContainEqual({ SourceVolume: 'extra-cache', ContainerPath: '/var/cache/extra', ReadOnly: false });
    expect(taskDefinition(template).Volumes.map((v: any) => v.Name)).toContain('extra-cache');
    expect(c.Command[c.Command.length - 1]).toBe('--extra-flag');
    // ECS runs a command: the timing of the probe it takes the health check from.
    if (c.HealthCheck && probes.length) { expect(c.HealthCheck).toMatchObject({ Interval: 17, Retries: 4 }); }
    expect(c.Ulimits).toEqual([{ Name: 'nofile', SoftLimit: 65536, HardLimit: 65536 }]);
  });

  test('ACI: environment, secure value, mount, command line, probe timing and a patch', () => {
    const { resource } = aciGroup(kind, overrides);
    const c = [...(resource.properties.initContainers ?? []), ...resource.properties.containers].find((x: any) => x.name === main.name).properties;
    expect(c.environmentVariables).toContainEqual({ name: 'EXTRA_PLAIN', value: 'on' });
    expect(c.environmentVariables.find((e: any) => e.name === 'EXTRA_SECRET').secureValue).toBeDefined();
    expect(c.volumeMounts).toContainEqual({ name: 'extra-cache', mountPath: '/var/cache/extra', readOnly: false });
    expect(resource.properties.volumes).toContainEqual({ name: 'extra-cache', emptyDir: {} });
    expect(c.command[c.command.length - 1]).toBe('--extra-flag');
    for (const p of probes) { expect(p === 'livenessProbe' ? c.livenessProbe : c.readinessProbe).toMatchObject({ periodSeconds: 17, failureThreshold: 4 }); }
    expect(c.configMap).toEqual({ keyValuePairs: { PATCHED: 'yes' } });
  });

  test('a probe timing for a probe the sidecar lacks names the field and the container', () => {
    const missing = (['startupProbe', 'readinessProbe', 'livenessProbe'] as const).find(p => main[p] === undefined);
    if (!missing) { return; }
    const e = thrown(() => KINDS[kind].make(new AciApp(), 'sc', { ...KINDS[kind].base, overrides: { [missing]: { periodSeconds: 5 } } }));
    expect(e.code).toBe(ErrorCode.OVERRIDE_TARGET_MISSING);
    expect(e.message).toContain(`sc: overrides.${missing} {"periodSeconds":5} has nothing to apply to: container "${main.name}" of this sidecar has no ${missing}`);
  });
});

describe('overrides: the other fields, per platform', () => {
  const kind = 'OpaSidecar';
  const main = mainOf(kind);

  test('Kubernetes: appVolumeMounts, command, ports, capabilities, pull policy, grace period, ephemeral storage', () => {
    const { pod } = k8sPod(kind, {
      appVolumeMounts: [{ volume: 'shared-data', mountPath: '/data', readOnly: true }],
      command: ['/opa'],
      ports: [{ port: 9999, name: 'extra', exposure: PortExposure.EXPOSED }],
      addCapabilities: ['NET_BIND_SERVICE'],
      imagePullPolicy: ImagePullPolicy.IF_NOT_PRESENT,
      gracePeriodSeconds: 40,
      kubernetesPatches: [{ op: PatchOperation.ADD, path: '/lifecycle', value: { postStart: { exec: { command: ['/bin/true'] } } } }],
    }, { volumes: [{ name: 'shared-data', emptyDir: {} }] });
    const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x: any) => x.name === main.name);
    expect(c.volumeMounts).toContainEqual({ name: 'shared-data', mountPath: '/data', readOnly: true });
    expect(c.command).toEqual(['/opa']);
    expect(c.ports).toContainEqual({ containerPort: 9999, name: 'extra', protocol: 'TCP' });
    expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['NET_BIND_SERVICE'] });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c.lifecycle.postStart.exec.command).toEqual(['/bin/true']);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30 + 40);
  });

  test('Kubernetes: ephemeral storage requests and limits on every sidecar\'s resources', () => {
    const chart = newChart('web');
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { redirect: false, resources: { ephemeralStorageRequestMebibytes: 256, ephemeralStorageLimitMebibytes: 1024 } }));
    const c = podOf(synth(chart).find(x => x.kind === 'Deployment')).spec.initContainers.find((x: any) => x.name === 'envoy');
    expect(c.resources.requests['ephemeral-storage']).toBe('256Mi');
    expect(c.resources.limits['ephemeral-storage']).toBe('1Gi'.replace('1Gi', '1024Mi'));
  });

  test('ECS: appVolumeMounts to a task volume, pull policy and ephemeral storage are warnings', () => {
    const f = fargateTask();
    f.td.addVolume({ name: 'shared-data' });
    TaskSidecars.of(f.td).add(new DaprSidecar(f.stack, 'dapr', {
      ...KINDS.DaprSidecar.base,
      resources: { ephemeralStorageLimitMebibytes: 512 },
      overrides: { appVolumeMounts: [{ volume: 'shared-data', mountPath: '/data' }], imagePullPolicy: ImagePullPolicy.ALWAYS, gracePeriodSeconds: 20 },
    }));
    const t = synthTemplate(f.stack);
    const c = ecsContainer(t, 'daprd');
    expect(c.MountPoints).toContainEqual({ SourceVolume: 'shared-data', ContainerPath: '/data', ReadOnly: false });
    expect(c.StopTimeout).toBe(20);
    const w = ecsWarnings(f.stack).join('\n');
    expect(w).toContain('overrides.imagePullPolicy ALWAYS is not rendered');
    expect(w).toContain('resources.ephemeralStorageLimitMebibytes 512 is not rendered');
    expect(w).toContain('ephemeralStorageGiB');
  });

  test('ECS Fargate: the sidecars\' ephemeral storage must fit in the task\'s (20 GiB by default, else ephemeralStorageGiB)', () => {
    const attach = (f: ReturnType<typeof fargateTask>, mib: number[]) => {
      mib.forEach((m, i) => TaskSidecars.of(f.td).add(new XRayDaemonSidecar(f.stack, `xray${i}`,
        { region: 'eu-west-1', name: `xray-${i}`, uid: 2000 + i, port: 2000 + i, appEnv: i === 0, resources: { ephemeralStorageLimitMebibytes: m } })));
    };
    const ok = fargateTask();
    attach(ok, [10240, 10240]);
    expect(() => synthTemplate(ok.stack)).not.toThrow();
    const over = fargateTask();
    attach(over, [10240, 10241]);
    const e = thrown(() => synthTemplate(over.stack));
    expect(e.code).toBe(ErrorCode.INVALID_RESOURCES);
    expect(e.message).toContain('Shop/xray1: resources.ephemeralStorageLimitMebibytes 10241 brings the sidecars\' ephemeral storage to 20481 MiB, more than the task\'s 20 GiB (20480 MiB)');
    expect(e.message).toContain('ephemeralStorageGiB (21 to 200)');
    const bigger = fargateTask({ ephemeralStorageGiB: 21 });
    attach(bigger, [10240, 10241]);
    expect(() => synthTemplate(bigger.stack)).not.toThrow();
  });

  test('ACI: appVolumeMounts to a group volume; pull policy, grace period and ephemeral storage are warnings', () => {
    const { resource, group } = aciGroup(kind, {
      appVolumeMounts: [{ volume: 'shared-data', mountPath: '/data' }],
      imagePullPolicy: ImagePullPolicy.NEVER,
      gracePeriodSeconds: 20,
    }, ['shared-data']);
    const c = resource.properties.containers.find((x: any) => x.name === main.name).properties;
    expect(c.volumeMounts).toContainEqual({ name: 'shared-data', mountPath: '/data', readOnly: false });
    const w = group.warnings.join('\n');
    expect(w).toContain('overrides.imagePullPolicy NEVER is not rendered');
    expect(w).toContain('overrides.gracePeriodSeconds 20 is not rendered');
  });

  test('a mount of a volume the workload lacks is an error on each platform, naming the volume and the volumes it has', () => {
    const o: SidecarOverrides = { appVolumeMounts: [{ volume: 'nope', mountPath: '/data' }] };
    for (const e of [thrown(() => k8sPod(kind, o)), thrown(() => ecsTask(kind, o, ['other'])), thrown(() => aciGroup(kind, o, ['other']))]) {
      expect(e.code).toBe(ErrorCode.APP_VOLUME_MISSING);
      expect(e.message).toMatch(/sc: overrides\.appVolumeMounts\[0\]\.volume "nope" is not a volume of /);
    }
    expect(thrown(() => ecsTask(kind, o, ['other'])).message).toContain('which has "other"');
  });

  test('patches for another platform are ignored (each list is for its platform only)', () => {
    const o: SidecarOverrides = { ecsPatches: [{ op: PatchOperation.ADD, path: '/Ulimits', value: [] }], aciPatches: [{ op: PatchOperation.REMOVE, path: '/nothing' }] };
    const { pod } = k8sPod(kind, o);
    const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x: any) => x.name === main.name);
    expect(c.Ulimits).toBeUndefined();
  });

  test('ECS: patched container definitions pass aws-cdk-lib\'s own template validation too', () => {
    const f = fargateTask({ validation: true });
    TaskSidecars.of(f.td).add(KINDS.OpaSidecar.make(f.stack, 'sc', {
      overrides: {
        ecsPatches: [
          { op: PatchOperation.ADD, path: '/Ulimits', value: [{ Name: 'nofile', SoftLimit: 4096, HardLimit: 8192 }] },
          { op: PatchOperation.ADD, path: '/DockerLabels', value: { team: 'policy' } },
        ],
      },
    }) as any);
    const c = ecsContainer(synthTemplate(f.stack), 'opa');
    expect(c.DockerLabels).toEqual({ team: 'policy' });
    expect(c.Ulimits).toEqual([{ Name: 'nofile', SoftLimit: 4096, HardLimit: 8192 }]);
  });

  test('ECS: a REMOVE patch deletes the field from the container definition', () => {
    const { template } = ecsTask('OpaSidecar', { ecsPatches: [{ op: PatchOperation.REMOVE, path: '/Essential' }] });
    expect(ecsContainer(template, mainOf('OpaSidecar').name).Essential).toBeUndefined();
  });
});

describe('overrides: bad inputs', () => {
  const make = (overrides: unknown, kind = 'OpaSidecar') => () => KINDS[kind].make(new AciApp(), 'sc', { ...KINDS[kind].base, overrides });

  test.each<[string, unknown, string]>([
    ['not an object', 42, 'sc: overrides 42 (number) is not an object'],
    ['env not a list', { env: 'X=1' }, 'sc: overrides.env "X=1" (string) is not an array of objects'],
    ['env name not a string', { env: [{ name: 7, value: 'x' }] }, 'sc: overrides.env[0].name 7 (number) is not a string'],
    ['env value not a string', { env: [{ name: 'A', value: 1 }] }, 'sc: overrides.env[0].value 1 (number) is not a string'],
    ['volume without mountPath', { volumes: [{ name: 'v' }] }, 'sc: overrides.volumes[0].mountPath undefined (undefined) is not a string'],
    ['volume kind', { volumes: [{ name: 'v', mountPath: '/v', kind: 'DISK' }] }, 'sc: overrides.volumes[0].kind "DISK" (string) is not one of'],
    ['extraArgs', { extraArgs: [1] }, 'sc: overrides.extraArgs[0] 1 (number) is not a string'],
    ['port', { ports: [{ port: 70000 }] }, 'sc: overrides.ports[0].port 70000 is not a port number'],
    ['probe timing', { readinessProbe: { periodSeconds: -1 } }, 'sc: overrides.readinessProbe.periodSeconds -1 is not an integer from 0 to 2147483647'],
    ['pull policy', { imagePullPolicy: 'Always' }, 'sc: overrides.imagePullPolicy "Always" (string) is not one of'],
    ['grace period', { gracePeriodSeconds: '30' }, 'sc: overrides.gracePeriodSeconds "30" (string) is not an integer >= 0'],
    ['env with two sources', { env: [{ name: 'A', value: 'x', podField: PodField.POD_IP }] }, 'sc: overrides.env[0] (A) "A" has 2 value sources'],
    ['env twice', { env: [{ name: 'A', value: 'x' }, { name: 'A', value: 'y' }] }, 'sc: overrides.env sets "A" twice'],
    ['patch op', { kubernetesPatches: [{ op: 'add', path: '/x', value: 1 }] }, 'sc: overrides.kubernetesPatches[0].op "add" (string) is not one of'],
    ['patch without value', { kubernetesPatches: [{ op: PatchOperation.ADD, path: '/x' }] }, 'sc: overrides.kubernetesPatches[0].value undefined is missing for ADD'],
    ['patch path', { aciPatches: [{ op: PatchOperation.REMOVE, path: 'resources' }] }, 'sc: overrides.aciPatches[0].path "resources" is not a JSON Pointer'],
    // Review: a value that is not JSON (a function, NaN, a Date) was a SyntaxError from inside the library, or written as null.
    ['patch value a function', { kubernetesPatches: [{ op: PatchOperation.ADD, path: '/x', value: () => 1 }] }, 'sc: overrides.kubernetesPatches[0].value'],
    ['patch value NaN inside', { ecsPatches: [{ op: PatchOperation.ADD, path: '/Ulimits', value: [{ Name: 'nofile', SoftLimit: NaN }] }] },
      'sc: overrides.ecsPatches[0].value NaN (number) is not a JSON value (finite numbers only), at value[0].SoftLimit'],
    ['patch value a Date', { aciPatches: [{ op: PatchOperation.ADD, path: '/x', value: new Date(0) }] }, 'sc: overrides.aciPatches[0].value'],
  ])('%s', (_, overrides, message) => {
    expect(thrown(make(overrides)).message).toContain(message);
  });

  test('a variable the sidecar sets itself is refused, naming both', () => {
    const vaultMain = mainOf('VaultAgentSidecar');
    const own = vaultMain.env?.[0]?.name;
    expect(own).toBeDefined();
    const e = thrown(make({ env: [{ name: own, value: 'x' }] }, 'VaultAgentSidecar'));
    expect(e.code).toBe(ErrorCode.OVERRIDE_CONFLICT);
    expect(e.message).toContain(`sc: overrides.env[0].name ${JSON.stringify(own)} is refused: the sidecar sets it itself`);
  });

  test.each<[string, string, string]>([
    ['kubernetesPatches', '/securityContext/runAsUser', 'overrides.addCapabilities or overrides.seccompProfile'],
    ['kubernetesPatches', '/volumeMounts/-', 'overrides.volumes or overrides.appVolumeMounts'],
    ['kubernetesPatches', '/ports/0', 'overrides.ports'],
    ['ecsPatches', '/LinuxParameters/Capabilities', 'overrides.addCapabilities'],
    ['ecsPatches', '/User', 'the sidecar\'s uid prop'],
    ['ecsPatches', '/PortMappings', 'overrides.ports'],
    ['aciPatches', '/securityContext', 'overrides.addCapabilities'],
    // Review: a raw block device of a pod volume is a mount too; the app waits on the startup probe (native sidecars)
    // and on the health check (ECS dependsOn HEALTHY).
    ['kubernetesPatches', '/volumeDevices', 'overrides.appVolumeMounts'],
    ['kubernetesPatches', '/startupProbe', 'overrides.startupProbe'],
    ['ecsPatches', '/HealthCheck', 'overrides.startupProbe'],
    // The runtime contract checks the commands the library runs against the binaries the image ships.
    ['kubernetesPatches', '/image', 'the sidecar\'s image prop'],
    ['kubernetesPatches', '/command/0', 'overrides.command'],
    ['ecsPatches', '/Image', 'the sidecar\'s image prop'],
    ['ecsPatches', '/EntryPoint', 'overrides.command'],
    ['aciPatches', '/image', 'the sidecar\'s image prop'],
    ['aciPatches', '/command/0', 'overrides.command'],
    ['kubernetesPatches', '/resources/limits/memory', 'the sidecar\'s resources prop'],
    ['ecsPatches', '/Memory', 'the sidecar\'s resources prop'],
    ['ecsPatches', '/Cpu', 'the sidecar\'s resources prop'],
    ['aciPatches', '/resources/requests/memoryInGB', 'the sidecar\'s resources prop'],
  ])('a %s patch at %s is refused, naming the typed prop', (key, path, instead) => {
    const e = thrown(make({ [key]: [{ op: PatchOperation.REPLACE, path, value: 0 }] }));
    expect(e.code).toBe(ErrorCode.PROTECTED_PATCH);
    expect(e.message).toContain(`sc: overrides.${key}[0].path ${JSON.stringify(path)} patches`);
    expect(e.message).toContain(`Use ${instead}`);
  });

  test('a patch that changes a secret variable is refused (Kubernetes), naming overrides.env', () => {
    const e = thrown(() => k8sPod('OpaSidecar', {
      env: [{ name: 'TOKEN', secret: { secretName: 'db', key: 'token' } }],
      kubernetesPatches: [{ op: PatchOperation.REPLACE, path: '/env/0/valueFrom/secretKeyRef/name', value: 'other' }],
    }));
    expect(e.code).toBe(ErrorCode.PROTECTED_PATCH);
    expect(e.message).toContain('sc: overrides.kubernetesPatches "TOKEN" patches env (secret variable TOKEN)');
  });

  test('REPLACE or REMOVE of a path the rendered container lacks is an error on its platform', () => {
    const k = thrown(() => k8sPod('OpaSidecar', { kubernetesPatches: [{ op: PatchOperation.REMOVE, path: '/stdin' }] }));
    expect(k.code).toBe(ErrorCode.INVALID_PATCH);
    expect(k.message).toContain('sc: overrides.kubernetesPatches[0].path "/stdin" does not exist in the rendered container');
    const e = thrown(() => ecsTask('OpaSidecar', { ecsPatches: [{ op: PatchOperation.REPLACE, path: '/Ulimits/0', value: {} }] }));
    expect(e.message).toContain('sc: overrides.ecsPatches[0].path "/Ulimits/0" does not exist in the rendered container');
    const a = thrown(() => aciGroup('OpaSidecar', { aciPatches: [{ op: PatchOperation.REPLACE, path: '/configMap/keyValuePairs/X', value: 1 }] }));
    expect(a.message).toContain('sc: overrides.aciPatches[0].path "/configMap/keyValuePairs/X" does not exist in the rendered container');
  });

  test('a port that another sidecar of the pod uses is a composition error naming the override', () => {
    const chart = newChart('web');
    const d = rawDeployment(chart, 'api');
    const opa = KINDS.OpaSidecar.make(chart, 'sc', { overrides: { ports: [{ port: 3500 }] } }) as any;
    const dapr = new DaprSidecar(chart, 'dapr', KINDS.DaprSidecar.base);
    WorkloadSidecars.of(d).add(opa, dapr);
    const e = thrown(() => synth(chart));
    expect(e.code).toBe(ErrorCode.PORT_CLASH);
    expect(e.message).toContain('overrides.ports[0].port');
  });

  test('a capability Fargate refuses is an error naming the override; the same capability renders on Kubernetes', () => {
    const e = thrown(() => ecsTask('OpaSidecar', { addCapabilities: ['NET_ADMIN'] }));
    expect(e.code).toBe(ErrorCode.UNSUPPORTED_ON_PLATFORM);
    expect(e.message).toContain('sc: overrides.addCapabilities[0] "NET_ADMIN"');
    expect(e.message).toContain('Fargate lets tasks add only SYS_PTRACE');
    expect(() => k8sPod('OpaSidecar', { addCapabilities: ['NET_ADMIN'] })).not.toThrow();
  });

  test('a pod field ECS and ACI cannot give is an error naming the override', () => {
    const o: SidecarOverrides = { env: [{ name: 'POD', podField: PodField.POD_NAME }] };
    expect(thrown(() => ecsTask('OpaSidecar', o)).message).toContain('Shop/sc: overrides.env[0].podField "POD_NAME" cannot be rendered on ECS Fargate');
    expect(thrown(() => aciGroup('OpaSidecar', o)).message).toContain('sc: overrides.env[0].podField "POD_NAME" cannot be rendered on');
    expect(k8sPod('OpaSidecar', o).pod.spec.initContainers.find((c: any) => c.name === 'opa').env)
      .toContainEqual({ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  });

  test('a SECRET volume ECS cannot mount is an error naming the override; ACI mounts it from secretVolumeKeys', () => {
    const o: SidecarOverrides = { volumes: [{ name: 'tls', kind: VolumeKind.SECRET, secretName: 'opa-tls', mountPath: '/etc/opa/tls' }] };
    expect(thrown(() => ecsTask('OpaSidecar', o)).message).toContain('Shop/sc: overrides.volumes[0] "opa-tls" cannot be rendered on ECS Fargate');
    const { pod } = k8sPod('OpaSidecar', o);
    expect(pod.spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'opa-tls', defaultMode: 0o444 } });
    expect(pod.spec.initContainers.find((c: any) => c.name === 'opa').volumeMounts).toContainEqual({ name: 'tls', mountPath: '/etc/opa/tls', readOnly: true });
  });

  test('capabilities added to a non-root sidecar are rendered with a warning that they reach the bounding set only', () => {
    const opa: any = KINDS.OpaSidecar.make(new AciApp(), 'sc', { overrides: { addCapabilities: ['NET_BIND_SERVICE'] } });
    const warnings: string[] = opa.contribute({ targetPath: 'x', appContainers: [] }).warnings ?? [];
    expect(warnings.join('\n')).toContain('overrides.addCapabilities NET_BIND_SERVICE reach only the bounding set of container "opa": its process runs as UID');
  });

  test('the generic Sidecar takes overrides too (patches, pull policy)', () => {
    const chart = newChart('web');
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(new Sidecar(chart, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      overrides: { imagePullPolicy: ImagePullPolicy.ALWAYS, kubernetesPatches: [{ op: PatchOperation.ADD, path: '/tty', value: true }] },
    }));
    const c = podOf(synth(chart).find(x => x.kind === 'Deployment')).spec.initContainers.find((x: any) => x.name === 'agent');
    expect(c).toMatchObject({ imagePullPolicy: 'Always', tty: true });
  });

  test('an unknown capability names the override', () => {
    expect(thrown(make({ addCapabilities: ['CAP_NET_ADMIN'] })).message).toContain('sc: overrides.addCapabilities[0] "CAP_NET_ADMIN"');
  });

  test('ephemeral storage request above its limit names the field', () => {
    const e = thrown(() => new EnvoySidecar(new AciApp(), 'sc', { resources: { ephemeralStorageRequestMebibytes: 2048, ephemeralStorageLimitMebibytes: 1024 } }));
    expect(e.message).toContain('sc: resources.ephemeralStorageRequestMebibytes 2048');
    expect(thrown(() => new EnvoySidecar(new AciApp(), 'sc', { resources: { ephemeralStorageLimitMebibytes: 'x' as any } })).message)
      .toContain('sc: resources.ephemeralStorageLimitMebibytes "x" (string) is not an integer >= 1');
  });

  test('UDP ports and protocols type-check', () => {
    expect(() => KINDS.OpaSidecar.make(new AciApp(), 'sc', { overrides: { ports: [{ port: 9999, protocol: Protocol.UDP }] } })).not.toThrow();
  });
});

describe('overrides: patches that reach around the checks (review)', () => {
  test('a patch through __proto__ is refused and pollutes nothing (RFC 6901 names members the document owns)', () => {
    const e = thrown(() => k8sPod('OpaSidecar', { kubernetesPatches: [{ op: PatchOperation.ADD, path: '/readinessProbe/__proto__/polluted', value: 'yes' }] }));
    const polluted = ({} as any).polluted;
    delete (Object.prototype as any).polluted;
    expect(polluted).toBeUndefined();
    expect(e.code).toBe(ErrorCode.INVALID_PATCH);
    expect(e.message).toContain('sc: overrides.kubernetesPatches[0].path "/readinessProbe/__proto__/polluted" does not exist in the rendered container');
    // At the top, the name of an inherited member is an unknown field, not a protected one.
    const top = thrown(() => k8sPod('OpaSidecar', { kubernetesPatches: [{ op: PatchOperation.REMOVE, path: '/toString' }] }));
    expect(top.code).toBe(ErrorCode.INVALID_PATCH);
  });

  test('an ECS patch whose field name holds a "." cannot reach a protected field through addPropertyOverride\'s dotted path', () => {
    const e = thrown(() => ecsTask('OpaSidecar', {
      ecsPatches: [{ op: PatchOperation.ADD, path: '/LinuxParameters.Capabilities', value: { Add: ['SYS_ADMIN'], Drop: [] } }],
    }));
    expect(e.code).toBe(ErrorCode.PROTECTED_PATCH);
    expect(e.message).toContain('sc: overrides.ecsPatches[0].path "/LinuxParameters.Capabilities" patches LinuxParameters');
  });

  test('an ECS patch whose field name holds a backslash is refused, not written as the protected field it spells without it', () => {
    // aws-cdk-lib addPropertyOverride drops a backslash before any character: "U\\ser" would override User (root).
    const e = thrown(() => ecsTask('OpaSidecar', { ecsPatches: [{ op: PatchOperation.ADD, path: '/U\\ser', value: '0' }] }));
    expect(e.code).toBe(ErrorCode.INVALID_PATCH);
    expect(e.message).toContain('sc: overrides.ecsPatches[0].path "/U\\\\ser" is not a JSON Pointer to a field of the container');
  });

  test('an ECS patch of a protected field in another letter case is refused', () => {
    const e = thrown(() => ecsTask('OpaSidecar', { ecsPatches: [{ op: PatchOperation.ADD, path: '/user', value: '0' }] }));
    expect(e.code).toBe(ErrorCode.PROTECTED_PATCH);
    expect(e.message).toContain('sc: overrides.ecsPatches[0].path "/user" patches User');
  });

  test('a patch that changes or removes a variable the sidecar sets itself is refused, as overrides.env refuses it', () => {
    const own = mainOf('VaultAgentSidecar').env![0].name;
    const main = (pod: any) => [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => c.env?.some((e: any) => e.name === own));
    const index = main(k8sPod('VaultAgentSidecar', {}).pod).env.findIndex((e: any) => e.name === own);
    for (const patch of [{ op: PatchOperation.REPLACE, path: `/env/${index}/value`, value: 'elsewhere' }, { op: PatchOperation.REMOVE, path: `/env/${index}` }]) {
      const e = thrown(() => k8sPod('VaultAgentSidecar', { kubernetesPatches: [patch] }));
      expect(e.code).toBe(ErrorCode.PROTECTED_PATCH);
      expect(e.message).toContain(`sc: overrides.kubernetesPatches ${JSON.stringify(own)} patches env (variable ${own}, set by the sidecar)`);
    }
  });

  test('an ACI patch that adds a Key Vault secret variable (secureValueReference) is refused like one with secureValue', () => {
    const e = thrown(() => aciGroup('OpaSidecar', {
      env: [{ name: 'PLAIN', value: 'x' }],
      aciPatches: [{ op: PatchOperation.ADD, path: '/environmentVariables/-', value: { name: 'TOKEN', secureValueReference: 'kv-token' } }],
    }));
    expect(e.code).toBe(ErrorCode.PROTECTED_PATCH);
    expect(e.message).toContain('sc: overrides.aciPatches "TOKEN" patches environmentVariables (secret variable TOKEN)');
  });

  test('an ECS patch that adds a plain variable named like one of the container\'s secrets is refused', () => {
    const e = thrown(() => ecsTask('OpaSidecar', {
      env: [{ name: 'TOKEN', secret: { secretName: 'db', key: 'token' } }],
      ecsPatches: [{ op: PatchOperation.ADD, path: '/Environment', value: [{ Name: 'TOKEN', Value: 'plain' }] }],
    }));
    expect(e.code).toBe(ErrorCode.PROTECTED_PATCH);
    expect(e.message).toContain('sc: overrides.ecsPatches "TOKEN" patches Environment (variable TOKEN set twice)');
  });
});
