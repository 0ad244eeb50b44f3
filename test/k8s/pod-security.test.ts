/**
 * Localhost seccomp profiles and AppArmor profiles of sidecar containers (issue 14, podsec):
 * the profile JSON (OCI runtime-spec linux.seccomp), its Kubernetes rendering per target
 * version, and the refusals on ECS Fargate and ACI. Every synthesized manifest goes through
 * test/validate/k8s.ts (synth), templates through cloudformation.ts, groups through azure.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { JsonPatch } from 'cdk8s';
import { newChart, podOf, rawDeployment, synth } from './util';
import {
  AppArmorProfileType, EnvoySidecar, LocalhostSeccompProfile, SeccompAction, SeccompArchitecture, SeccompOperator, SeccompProfile,
  SeccompProfileDelivery, Sidecar,
} from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { ErrorCode, SidecarError } from '../../src/core/errors';
import { DOCKER_DEFAULT_ALLOWED, DOCKER_DEFAULT_CONDITIONAL } from '../../src/core/seccomp-default';
import { TaskSidecars } from '../../src/ecs';
import { KubernetesTarget, SeccompProfileObject, WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { fargateTask, synthTemplate } from '../ecs/util';
import { seccompProfileErrors, validateSeccompProfile } from '../validate/seccomp';

function thrown(fn: () => unknown): SidecarError {
  try { fn(); } catch (e) { if (e instanceof SidecarError) { return e; } throw e; }
  throw new Error('did not throw');
}

const MOBY = JSON.parse(fs.readFileSync(path.join(__dirname, '../validate/schemas/seccomp/moby-default.json'), 'utf-8'));

describe('LocalhostSeccompProfile', () => {
  test('dockerDefault is moby\'s default for a container without capabilities on x86_64/aarch64, without the ptrace family', () => {
    // Derived again from the vendored moby/profiles seccomp/default.json (seccomp/v0.2.3).
    const arches = new Set(['amd64', 'x32', 'x86', 'arm', 'arm64']);
    const expected = (MOBY.syscalls as any[]).filter(r => !r.includes?.caps && !r.includes?.minKernel
      && (!r.includes?.arches || r.includes.arches.some((a: string) => arches.has(a)))
      && !(r.excludes?.arches && [...arches].every(a => r.excludes.arches.includes(a))));
    expect([...DOCKER_DEFAULT_ALLOWED]).toEqual(expected[0].names);
    expect(DOCKER_DEFAULT_CONDITIONAL.map(r => ({ names: r.names, action: r.action, errnoRet: r.errnoRet, args: r.args })))
      .toEqual(expected.slice(1).map(r => ({
        names: r.names,
        action: r.action,
        errnoRet: r.errnoRet ?? undefined,
        args: r.args?.map((a: any) => ({ index: a.index, value: a.value, op: a.op, ...(a.valueTwo ? { valueTwo: a.valueTwo } : {}) })),
      })));
    // Moby's kernel >= 4.8 rule is the only one left out on purpose.
    expect(MOBY.syscalls.filter((r: any) => r.includes?.minKernel).map((r: any) => r.names)).toEqual([['process_vm_readv', 'process_vm_writev', 'ptrace']]);
  });

  test('renders OCI runtime-spec JSON: ERRNO/EPERM default, architectures, no Docker-only keys; denySyscalls are taken out', () => {
    const p = LocalhostSeccompProfile.dockerDefault('sidecars', { denySyscalls: ['mkdir', 'mkdirat'] });
    const json = p.toJson();
    expect(json).toMatchObject({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    });
    expect(Object.keys(json).sort()).toEqual(['architectures', 'defaultAction', 'defaultErrnoRet', 'syscalls']);
    const allowed = json.syscalls.filter((r: any) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r: any) => r.names);
    expect(allowed).toEqual(expect.arrayContaining(['read', 'write', 'epoll_wait', 'futex', 'arch_prctl']));
    for (const gone of ['mkdir', 'mkdirat', 'unshare', 'mount', 'ptrace', 'process_vm_readv']) { expect(allowed).not.toContain(gone); }
    expect(json.syscalls).toContainEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
    for (const r of json.syscalls) { expect(Object.keys(r).every(k => ['names', 'action', 'errnoRet', 'args'].includes(k))).toBe(true); }
    expect(p.localhostProfile).toBe('cdk-sidecars-sidecars.seccomp.json');
    expect(seccompProfileErrors(json)).toEqual([]);
  });

  test('the OCI validator refuses what the profile must never contain (the check can fail)', () => {
    expect(seccompProfileErrors({ ...LocalhostSeccompProfile.dockerDefault('x').toJson(), archMap: [] })).toEqual([expect.stringContaining('unknown field "archMap"')]);
  });

  test('Security Profiles Operator delivery: a SeccompProfile object (CRD v1, validated) and the path SPO writes it to', () => {
    const chart = newChart();
    const p = LocalhostSeccompProfile.dockerDefault('mesh', { delivery: SeccompProfileDelivery.SECURITY_PROFILES_OPERATOR });
    new SeccompProfileObject(chart, 'mesh-profile', { profile: p });
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { overrides: { localhostSeccompProfile: p } }));
    const docs = synth(chart);
    const obj = docs.find(x => x.kind === 'SeccompProfile');
    expect(obj).toEqual({
      apiVersion: 'security-profiles-operator.x-k8s.io/v1',
      kind: 'SeccompProfile',
      metadata: { name: 'cdk-sidecars-mesh', labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } },
      spec: (({ defaultErrnoRet, ...rest }) => rest)(p.toJson()),
    });
    expect(p.toJson().defaultErrnoRet).toBe(1);
    expect(seccompProfileErrors(obj.spec)).toEqual([]);
    const envoy = podOf(docs.find(x => x.kind === 'Deployment')).spec.initContainers.find((c: any) => c.name === 'envoy');
    // SPO v1.0.0 api/seccompprofile/v1 GetProfilePath: <kubelet seccomp root>/operator/<namespace>/<name>.json; cluster-scoped: no namespace.
    expect(envoy.securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'operator/cdk-sidecars-mesh.json' });
    const e = thrown(() => new SeccompProfileObject(chart, 'wrong', { profile: LocalhostSeccompProfile.dockerDefault('node') }));
    expect(e.message).toContain('web/wrong: profile "node" is delivered as NODE_FILE, so its pods name cdk-sidecars-node.seccomp.json');
    const e2 = thrown(() => new SeccompProfileObject(chart, 'errno', {
      profile: new LocalhostSeccompProfile({
        name: 'e',
        defaultErrnoRet: 38,
        delivery: SeccompProfileDelivery.SECURITY_PROFILES_OPERATOR,
      }),
    }));
    expect(e2.message).toContain('web/errno: profile.defaultErrnoRet 38 cannot be rendered on the Security Profiles Operator');
  });

  test('writeTo writes the JSON under its localhostProfile name', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seccomp-'));
    const p = new LocalhostSeccompProfile({
      name: 'deny-mount',
      defaultAction: SeccompAction.ALLOW,
      architectures: [SeccompArchitecture.X86_64],
      syscalls: [
        { names: ['mount', 'umount2'], action: SeccompAction.ERRNO, errnoRet: 1 },
        { names: ['personality'], action: SeccompAction.ERRNO, args: [{ index: 0, value: 0xff, valueTwo: 8, op: SeccompOperator.MASKED_EQUAL }] },
      ],
    });
    const file = p.writeTo(dir);
    expect(file).toBe(path.join(dir, 'cdk-sidecars-deny-mount.seccomp.json'));
    validateSeccompProfile(fs.readFileSync(file, 'utf-8'));
    expect(JSON.parse(fs.readFileSync(file, 'utf-8'))).toEqual({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [
        { names: ['mount', 'umount2'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 255, valueTwo: 8, op: 'SCMP_CMP_MASKED_EQ' }] },
      ],
    });
  });

  test.each([
    [{ name: 'Bad/Name' }, 'LocalhostSeccompProfile "Bad/Name": name "Bad/Name" is not a valid name'],
    [{ name: 'p', syscalls: [{ names: [], action: SeccompAction.ERRNO }] }, 'syscalls[0].names [] is empty'],
    [{ name: 'p', syscalls: [{ names: ['mount;'], action: SeccompAction.ERRNO }] }, 'syscalls[0].names[0] "mount;" is not a system call name'],
    [{ name: 'p', syscalls: [{ names: ['mount'], action: SeccompAction.ALLOW, errnoRet: 1 }] }, 'syscalls[0].errnoRet 1 is set for action SCMP_ACT_ALLOW'],
    [{ name: 'p', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOPE' }] }, 'syscalls[0].action "SCMP_ACT_NOPE" (string) is not one of'],
    [{ name: 'p', syscalls: [{ names: ['x'], action: SeccompAction.ERRNO, args: [{ index: 6, value: 1, op: SeccompOperator.EQUAL_TO }] }] }, 'syscalls[0].args[0].index 6 is not an argument index'],
    [{ name: 'p', syscalls: [{ names: ['x'], action: SeccompAction.ERRNO, args: [{ index: 0, value: -1, op: SeccompOperator.EQUAL_TO }] }] }, 'syscalls[0].args[0].value -1 is not an integer from 0'],
    [{ name: 'p', defaultAction: SeccompAction.LOG, defaultErrnoRet: 1 }, 'defaultErrnoRet 1 is set for defaultAction SCMP_ACT_LOG'],
    [{ name: 'p', architectures: ['SCMP_ARCH_PDP11'] }, 'architectures[0] "SCMP_ARCH_PDP11" (string) is not one of'],
  ])('refuses bad props %#', (props, message) => {
    const e = thrown(() => new LocalhostSeccompProfile(props as any));
    expect(e.message).toContain(message);
  });

  test('dockerDefault refuses denying a call the default does not allow', () => {
    const e = thrown(() => LocalhostSeccompProfile.dockerDefault('p', { denySyscalls: ['reboot'] }));
    expect(e.message).toContain('LocalhostSeccompProfile "p": denySyscalls[0] "reboot" is not allowed by the default profile');
  });
});

describe('Kubernetes rendering', () => {
  const profile = LocalhostSeccompProfile.dockerDefault('mesh');

  test('overrides.localhostSeccompProfile renders seccompProfile Localhost with the path relative to the kubelet\'s seccomp root', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { overrides: { localhostSeccompProfile: profile } }));
    const pod = podOf(synth(chart).find(x => x.kind === 'Deployment'));
    const envoy = pod.spec.initContainers.find((c: any) => c.name === 'envoy');
    expect(envoy.securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'cdk-sidecars-mesh.seccomp.json' });
  });

  test('the generic Sidecar takes security.localhostSeccompProfile; seccompProfile with it is refused', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36', command: ['sleep', 'infinity'], security: { localhostSeccompProfile: profile } }));
    const pod = podOf(synth(chart).find(x => x.kind === 'Deployment'));
    expect(pod.spec.initContainers.find((c: any) => c.name === 'tail').securityContext.seccompProfile)
      .toEqual({ type: 'Localhost', localhostProfile: 'cdk-sidecars-mesh.seccomp.json' });

    const chart2 = newChart();
    const e = thrown(() => {
      const d2 = rawDeployment(chart2, 'api');
      WorkloadSidecars.of(d2).add(new Sidecar(chart2, 'tail', {
        image: 'busybox:1.36',
        command: ['sleep', 'infinity'],
        security: { localhostSeccompProfile: profile, seccompProfile: SeccompProfile.UNCONFINED },
      }));
      synth(chart2);
    });
    expect(e.message).toContain('web/tail: security.seccompProfile "UNCONFINED" is set together with localhostSeccompProfile "mesh"');
  });

  test('overrides.seccompProfile with overrides.localhostSeccompProfile is refused', () => {
    const chart = newChart();
    const e = thrown(() => {
      const d = rawDeployment(chart, 'api');
      WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', {
        overrides: { localhostSeccompProfile: profile, seccompProfile: SeccompProfile.RUNTIME_DEFAULT },
      }));
      synth(chart);
    });
    expect(e.code).toBe(ErrorCode.OVERRIDE_CONFLICT);
    expect(e.message).toContain('web/envoy: overrides.seccompProfile "RUNTIME_DEFAULT" is refused');
  });

  test('two profiles of one name with different rules in one app are refused (one file on the nodes); the same rules again are fine', () => {
    const chart = newChart();
    const a = LocalhostSeccompProfile.dockerDefault('shared');
    const same = LocalhostSeccompProfile.dockerDefault('shared');
    const other = LocalhostSeccompProfile.dockerDefault('shared', { denySyscalls: ['mkdir'] });
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new EnvoySidecar(chart, 'envoy', { overrides: { localhostSeccompProfile: a } }));
    WorkloadSidecars.of(rawDeployment(chart, 'web')).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36', security: { localhostSeccompProfile: same } }));
    synth(chart);
    WorkloadSidecars.of(rawDeployment(chart, 'jobs')).add(new EnvoySidecar(chart, 'envoy2', { overrides: { localhostSeccompProfile: other } }));
    const e = thrown(() => synth(chart));
    expect(e.code).toBe(ErrorCode.ALREADY_SET);
    expect(e.message).toContain('web/envoy2: overrides.localhostSeccompProfile is already set ("shared") by another LocalhostSeccompProfile of that name with other rules, '
      + 'used by web/envoy: both would be the file cdk-sidecars-shared.seccomp.json on the nodes');
  });

  test('a LocalhostSeccompProfile that is not one is a catalogued type error', () => {
    const chart = newChart();
    const e = thrown(() => {
      const d = rawDeployment(chart, 'api');
      WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { overrides: { localhostSeccompProfile: { name: 'x' } as any } }));
      synth(chart);
    });
    expect(e.message).toContain('web/envoy: overrides.localhostSeccompProfile {"name":"x"} (object) is not a LocalhostSeccompProfile');
  });

  const appArmor = { type: AppArmorProfileType.LOCALHOST, localhostProfile: 'k8s-sidecar' };

  test.each([
    [undefined, true],
    ['1.30', true],
    ['1.33', true],
    ['1.29', false],
    ['1.28', false],
  ])('AppArmor with target %s: field %s (else the beta annotation)', (version, field) => {
    const chart = newChart();
    if (version) { KubernetesTarget.set(chart, version); }
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { overrides: { appArmorProfile: appArmor } }));
    const pod = podOf(synth(chart).find(x => x.kind === 'Deployment'));
    const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x: any) => x.name === 'envoy');
    const key = 'container.apparmor.security.beta.kubernetes.io/envoy';
    if (field) {
      expect(c.securityContext.appArmorProfile).toEqual({ type: 'Localhost', localhostProfile: 'k8s-sidecar' });
      expect(pod.metadata.annotations[key]).toBeUndefined();
    } else {
      expect(c.securityContext.appArmorProfile).toBeUndefined();
      expect(pod.metadata.annotations[key]).toBe('localhost/k8s-sidecar');
    }
  });

  test.each([
    [AppArmorProfileType.RUNTIME_DEFAULT, { type: 'RuntimeDefault' }, 'runtime/default'],
    [AppArmorProfileType.UNCONFINED, { type: 'Unconfined' }, 'unconfined'],
  ])('AppArmor %s renders %j (annotation %s before 1.30)', (type, rendered, annotation) => {
    for (const version of ['1.31', '1.29']) {
      const chart = newChart();
      KubernetesTarget.set(chart, version);
      const d = rawDeployment(chart, 'api');
      WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { overrides: { appArmorProfile: { type } } }));
      const pod = podOf(synth(chart).find(x => x.kind === 'Deployment'));
      const c = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((x: any) => x.name === 'envoy');
      if (version === '1.31') {
        expect(c.securityContext.appArmorProfile).toEqual(rendered);
      } else {
        expect(pod.metadata.annotations['container.apparmor.security.beta.kubernetes.io/envoy']).toBe(annotation);
      }
    }
  });

  test.each([
    [{ type: AppArmorProfileType.LOCALHOST }, 'security.appArmorProfile.localhostProfile undefined is missing for type LOCALHOST'],
    [{ type: AppArmorProfileType.RUNTIME_DEFAULT, localhostProfile: 'x' }, 'security.appArmorProfile.localhostProfile "x" is set for type RUNTIME_DEFAULT'],
    [{ type: 'Localhost' }, 'security.appArmorProfile.type "Localhost" (string) is not one of'],
    [{ type: AppArmorProfileType.LOCALHOST, localhostProfile: 'has space' }, 'security.appArmorProfile.localhostProfile "has space" is not a valid name'],
  ])('bad AppArmor profile %j is refused naming the field', (profileProps, message) => {
    const chart = newChart();
    const e = thrown(() => {
      const d = rawDeployment(chart, 'api');
      WorkloadSidecars.of(d).add(new Sidecar(chart, 'tail', { image: 'busybox:1.36', command: ['sleep', 'infinity'], security: { appArmorProfile: profileProps as any } }));
      synth(chart);
    });
    expect(e.message).toContain(`web/tail: ${message}`);
  });

  test('an annotation the workload already sets differently is refused', () => {
    const chart = newChart();
    KubernetesTarget.set(chart, '1.29');
    const d = rawDeployment(chart, 'api');
    d.addJsonPatch(JsonPatch.add('/spec/template/metadata/annotations', { 'container.apparmor.security.beta.kubernetes.io/envoy': 'unconfined' }));
    WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', { overrides: { appArmorProfile: appArmor } }));
    const e = thrown(() => synth(chart));
    expect(e.code).toBe(ErrorCode.ALREADY_SET);
    expect(e.message).toContain('web/envoy: pod.annotations["container.apparmor.security.beta.kubernetes.io/envoy"] is already set ("unconfined")');
  });
});

describe('ECS Fargate and ACI refuse custom seccomp and AppArmor profiles', () => {
  const profile = LocalhostSeccompProfile.dockerDefault('mesh');

  test.each([
    [{ localhostSeccompProfile: profile }, 'web/envoy: overrides.localhostSeccompProfile "mesh" cannot be rendered on ECS Fargate'],
    [{ appArmorProfile: { type: AppArmorProfileType.RUNTIME_DEFAULT } }, 'overrides.appArmorProfile "RUNTIME_DEFAULT" cannot be rendered on ECS Fargate'],
  ])('ECS %#', (overrides, message) => {
    const f = fargateTask();
    const e = thrown(() => {
      TaskSidecars.of(f.td).add(new EnvoySidecar(f.stack, 'envoy', { overrides }));
      synthTemplate(f.stack);
    });
    expect(e.code).toBe(ErrorCode.UNSUPPORTED_ON_PLATFORM);
    expect(e.message).toContain(message.replace('web/', ''));
  });

  test.each([
    [{ localhostSeccompProfile: profile }, 'tail: security.localhostSeccompProfile "mesh" cannot be rendered on Azure Container Instances'],
    [{ appArmorProfile: { type: AppArmorProfileType.UNCONFINED } }, 'tail: security.appArmorProfile "UNCONFINED" cannot be rendered on Azure Container Instances'],
  ])('ACI %#', (security, message) => {
    const app = new AciApp();
    const e = thrown(() => {
      const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
      group.addSidecars(new Sidecar(app, 'tail', { image: 'busybox:1.36', command: ['sleep', 'infinity'], security }));
      synthGroup(group);
    });
    expect(e.code).toBe(ErrorCode.UNSUPPORTED_ON_PLATFORM);
    expect(e.message).toContain(message);
  });
});
