import { ApiObject, Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  CompositionContext, ContainerSpec, ISidecar, SidecarContribution, StartupRole, VolumeKind, VolumeSpec,
} from '../../src';
import { AciApp } from '../../src/aci';
import { allowed, checkCommandsInImage } from '../../src/core/contract';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { drainCommand, readyCheckCommand, waitUntilReadyCommand } from '../../src/sidecars/envoy/commands';
import { appGroup, synthGroup } from '../aci/util';
import { fargateTask, synthTemplate } from '../ecs/util';
import { expectError } from '../errors';
import { validateManifests } from '../validate/k8s';

/** A sidecar that contributes exactly what the test gives it. */
class RawSidecar extends Construct implements ISidecar {
  constructor(scope: Construct, id: string, private readonly contribution: SidecarContribution) { super(scope, id); }
  public contribute(_context: CompositionContext): SidecarContribution { return this.contribution; }
}

function container(name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return { name, image: 'ghcr.io/acme/agent:1.0.0', role: StartupRole.SIDECAR, ...extra };
}

/** A Deployment whose app container runs as `app` (uid, gid), with the sidecars given. */
function synth(sidecars: SidecarContribution[], app: { uid?: number; gid?: number; fsGroup?: number; supplementalGroups?: number[] } = {}): any[] {
  const chart = new Chart(Testing.app(), 'shop');
  const podSc: any = {};
  if (app.fsGroup !== undefined) { podSc.fsGroup = app.fsGroup; }
  if (app.supplementalGroups) { podSc.supplementalGroups = app.supplementalGroups; }
  const appSc: any = {};
  if (app.uid !== undefined) { appSc.runAsUser = app.uid; }
  if (app.gid !== undefined) { appSc.runAsGroup = app.gid; }
  const web = new ApiObject(chart, 'web', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          ...(Object.keys(podSc).length ? { securityContext: podSc } : {}),
          containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ...(Object.keys(appSc).length ? { securityContext: appSc } : {}) }],
        },
      },
    },
  });
  WorkloadSidecars.of(web).add(...sidecars.map((c, i) => new RawSidecar(chart, `s${i}`, c)));
  const docs = Testing.synth(chart);
  validateManifests(docs);
  return docs;
}

const secrets: VolumeSpec = { name: 'secrets', kind: VolumeKind.MEMORY };

describe('the kernel\'s access decision', () => {
  const file = { uid: 100, gid: 1000, mode: 0o440 };
  test.each([
    ['the owner reads', { uid: 100, gid: 5, groups: [] }, true],
    ['the primary group reads', { uid: 7, gid: 1000, groups: [] }, true],
    ['a supplementary group reads', { uid: 7, gid: 7, groups: [1000] }, true],
    ['anyone else does not', { uid: 7, gid: 7, groups: [] }, false],
    ['an unknown user (the image\'s) does not', { uid: undefined, gid: undefined, groups: [] }, false],
    ['root without DAC_OVERRIDE does not', { uid: 0, gid: 0, groups: [] }, false],
  ])('%s', (_name, who, expected) => {
    expect(allowed({ ...who, capabilities: new Set() }, file, 4)).toBe(expected);
  });
  test('root with DAC_OVERRIDE reads anything', () => {
    expect(allowed({ uid: 0, gid: 0, groups: [], capabilities: new Set(['DAC_OVERRIDE']) }, { uid: 1, gid: 1, mode: 0 }, 4)).toBe(true);
  });
  test('the owner bits decide for the owner even when others may read more', () => {
    expect(allowed({ uid: 100, gid: 1, groups: [], capabilities: new Set() }, { uid: 100, gid: 1, mode: 0o044 }, 4)).toBe(false);
  });
});

describe('files created at run time', () => {
  const writer = (mode: number, sockets = false): SidecarContribution => ({
    containers: [container('writer', {
      security: { uid: 100, gid: 1000 },
      volumeMounts: [{ volume: 'secrets', path: '/secrets' }],
      createsFiles: [{ volume: 'secrets', mode, sockets }],
    })],
    volumes: [secrets],
    appRequests: { mounts: [{ volume: 'secrets', path: '/secrets', readOnly: true }] },
  });

  test('0440 files of another UID cannot be read by the app: the error names both containers and the modes', () => {
    expectError(() => synth([writer(0o440)], { uid: 2000, gid: 2000 }), ErrorCode.RUNTIME_UNREADABLE,
      'shop/s0: createsFiles[0]: "/secrets/*" cannot be read by container "app"', 'writer creates the files 0440 owned by 100:1000',
      'app runs as UID 2000, GID 2000', 'fsGroup');
  });
  test('with the pod\'s fsGroup the setgid directory gives the files that group, and the app reads them', () => {
    const docs = synth([writer(0o440)], { uid: 2000, gid: 2000, fsGroup: 3000 });
    expect(docs[0].spec.template.spec.securityContext.fsGroup).toBe(3000);
  });
  test('0444 files are readable by every container that mounts the volume', () => {
    expect(() => synth([writer(0o444)], { uid: 2000, gid: 2000 })).not.toThrow();
  });
  test('a reader in the writer\'s group through supplementalGroups reads 0440 files', () => {
    expect(() => synth([writer(0o440)], { uid: 2000, gid: 2000, supplementalGroups: [1000] })).not.toThrow();
  });
  test('sockets need write permission: 0644 sockets cannot be connected to by another UID', () => {
    expectError(() => synth([writer(0o644, true)], { uid: 2000, gid: 2000 }), ErrorCode.RUNTIME_SOCKET_UNREACHABLE,
      'shop/s0: createsFiles[0]: container "app" cannot connect to the Unix sockets "writer" creates in volume "secrets"', '0644 owned by 100:1000');
    expect(() => synth([writer(0o666, true)], { uid: 2000, gid: 2000 })).not.toThrow();
  });
  test('a container that creates files in a volume it mounts read-only is refused when described', () => {
    const c = writer(0o440);
    const bad: SidecarContribution = { ...c, containers: [{ ...c.containers[0], volumeMounts: [{ volume: 'secrets', path: '/secrets', readOnly: true }] }] };
    expectError(() => synth([bad]), ErrorCode.INVALID_VOLUME, 'shop/s0: createsFiles[0].volume "secrets" is not mounted read-write into "writer"');
  });
  test('creating files in a config volume is refused', () => {
    const bad: SidecarContribution = {
      containers: [container('writer', { volumeMounts: [{ volume: 'conf', path: '/conf' }], createsFiles: [{ volume: 'conf', mode: 0o444 }] })],
      volumes: [{ name: 'conf', kind: VolumeKind.CONFIG_FILES, files: [{ name: 'a', content: 'a' }] }],
    };
    expectError(() => synth([bad]), ErrorCode.INVALID_VOLUME, 'createsFiles[0].volume "conf" is a CONFIG_FILES volume');
  });
  test.each([
    ['a mode that is not a number', { volume: 'secrets', mode: '0440' }, ErrorCode.INVALID_NUMBER, 'createsFiles[0].mode "0440"'],
    ['a mode above 0777', { volume: 'secrets', mode: 0o1777 }, ErrorCode.INVALID_NUMBER, 'createsFiles[0].mode 1023'],
    ['an unknown volume', { volume: 'nope', mode: 0o440 }, ErrorCode.UNKNOWN_VOLUME, 'createsFiles[0].volume "nope"'],
    ['sockets that is not a boolean', { volume: 'secrets', mode: 0o440, sockets: 'yes' }, ErrorCode.INVALID_VOLUME, 'createsFiles[0].sockets "yes"'],
  ])('bad createsFiles: %s', (_name, spec, code, part) => {
    const c = writer(0o440);
    const bad: SidecarContribution = { ...c, containers: [{ ...c.containers[0], createsFiles: [spec as any] }] };
    expectError(() => synth([bad]), code, `shop/s0: ${part}`);
  });
});

describe('config files and secrets', () => {
  const withConfig = (mode: number, sensitive = false): SidecarContribution => ({
    containers: [container('agent', { security: { uid: 100, gid: 1000 }, volumeMounts: [{ volume: 'conf', path: '/conf' }] })],
    volumes: [{ name: 'conf', kind: VolumeKind.CONFIG_FILES, sensitive, files: [{ name: 'agent.hcl', content: 'x', mode }] }],
  });
  test('a 0400 config file is root-owned on Kubernetes: the agent cannot read it', () => {
    expectError(() => synth([withConfig(0o400)]), ErrorCode.RUNTIME_UNREADABLE,
      'shop/s0: volumeMounts: "/conf/agent.hcl" cannot be read by container "agent"', '0400 owned by 0:0 on Kubernetes', 'UID 100, GID 1000');
  });
  test('with an fsGroup the kubelet makes it group-readable (0440 at least) and the agent reads it', () => {
    expect(() => synth([withConfig(0o400)], { fsGroup: 3000 })).not.toThrow();
  });
  test('a SECRET volume is rendered 0444 (root writes it: 0440 would lock out the non-root agent without an fsGroup)', () => {
    const c: SidecarContribution = {
      containers: [container('agent', { security: { uid: 100, gid: 1000 }, volumeMounts: [{ volume: 'tls', path: '/tls' }] })],
      volumes: [{ name: 'tls', kind: VolumeKind.SECRET, secretName: 'mesh-tls' }],
    };
    const pod = synth([c])[0].spec.template.spec;
    expect(pod.volumes).toEqual([{ name: 'tls', secret: { secretName: 'mesh-tls', defaultMode: 0o444 } }]);
    expect(pod.containers.map((x: any) => x.name)).toEqual(['app']);
  });
});

describe('paths a container reads and writes', () => {
  test('a token path nothing is mounted at is refused, naming the identity token', () => {
    const c: SidecarContribution = { containers: [container('agent', { readsPaths: ['/var/run/secrets/kubernetes.io/serviceaccount/token'] })] };
    expectError(() => synth([c]), ErrorCode.RUNTIME_MISSING_FILE,
      'shop/s0: readsPaths[0]: container "agent" reads "/var/run/secrets/kubernetes.io/serviceaccount/token" at run time, but nothing is mounted there',
      'identityToken');
  });
  test('the same path is fine with the container\'s identity token', () => {
    const c: SidecarContribution = { containers: [container('agent', { identityToken: {}, readsPaths: ['/var/run/secrets/kubernetes.io/serviceaccount/token'] })] };
    expect(() => synth([c])).not.toThrow();
  });
  test('a config file the volume does not have is refused', () => {
    const c: SidecarContribution = {
      containers: [container('agent', { volumeMounts: [{ volume: 'conf', path: '/conf' }], readsPaths: ['/conf/missing.pem'] })],
      volumes: [{ name: 'conf', kind: VolumeKind.CONFIG_FILES, files: [{ name: 'agent.hcl', content: 'x' }] }],
    };
    expectError(() => synth([c]), ErrorCode.RUNTIME_MISSING_FILE, 'readsPaths[0]', 'has no file "missing.pem" (it has agent.hcl)');
  });
  test('a scratch file nothing creates is refused', () => {
    const c: SidecarContribution = {
      containers: [container('agent', { volumeMounts: [{ volume: 'tmp', path: '/tmp' }], readsPaths: ['/tmp/token'] })],
      volumes: [{ name: 'tmp', kind: VolumeKind.SCRATCH }],
    };
    expectError(() => synth([c]), ErrorCode.RUNTIME_MISSING_FILE, 'nothing in the pod creates files in the volume "tmp"');
  });
  test('writing with a read-only root filesystem needs a read-write mount', () => {
    const c: SidecarContribution = { containers: [container('agent', { writesPaths: ['/home/agent/.cache'] })] };
    expectError(() => synth([c]), ErrorCode.RUNTIME_UNWRITABLE,
      'shop/s0: writesPaths[0]: container "agent" cannot write "/home/agent/.cache": no volume is mounted there and the root filesystem is read-only');
    const writable: SidecarContribution = { containers: [container('agent', { writesPaths: ['/home/agent/.cache'], security: { readOnlyRootFilesystem: false } })] };
    expect(() => synth([writable])).not.toThrow();
    const mounted: SidecarContribution = {
      containers: [container('agent', { writesPaths: ['/home/agent/.cache'], volumeMounts: [{ volume: 'home', path: '/home/agent' }] })],
      volumes: [{ name: 'home', kind: VolumeKind.MEMORY }],
    };
    expect(() => synth([mounted])).not.toThrow();
  });
  test('writing under a read-only mount is refused', () => {
    const c: SidecarContribution = {
      containers: [container('agent', { writesPaths: ['/data/x'], volumeMounts: [{ volume: 'data', path: '/data', readOnly: true }] })],
      volumes: [{ name: 'data', kind: VolumeKind.SCRATCH }],
    };
    expectError(() => synth([c]), ErrorCode.RUNTIME_UNWRITABLE, 'the volume "data" is mounted read-only at /data');
  });
  test.each([
    ['a relative path', { readsPaths: ['token'] }, ErrorCode.INVALID_PATH, 'readsPaths[0] "token"'],
    ['not a list', { writesPaths: '/tmp' }, ErrorCode.INVALID_PATH, 'writesPaths "/tmp"'],
    ['a number', { writesPaths: [42] }, ErrorCode.INVALID_PATH, 'writesPaths[0] 42'],
  ])('bad paths: %s', (_name, extra, code, part) => {
    expectError(() => synth([{ containers: [container('agent', extra as any)] }]), code, `shop/s0: ${part}`);
  });
});

describe('signals', () => {
  const reloader = (uid: number, caps: string[] = [], share = true): SidecarContribution => ({
    containers: [container('reloader', { security: { uid, gid: uid, allowRootUser: uid === 0, addCapabilities: caps }, signals: ['app'] })],
    pod: { shareProcessNamespace: share },
  });
  test('a non-root sender with KILL added cannot signal another UID (kubernetes/kubernetes#56374)', () => {
    expectError(() => synth([reloader(100, ['KILL'])], { uid: 2000 }), ErrorCode.RUNTIME_SIGNAL_UNDELIVERABLE,
      'shop/s0: signals[0]: container "reloader" cannot signal "app"', 'KILL capability added to a non-root container is not in effect', '56374');
  });
  test('an unknown app UID cannot be proven to match', () => {
    expectError(() => synth([reloader(100)]), ErrorCode.RUNTIME_SIGNAL_UNDELIVERABLE, 'app as UID (the image\'s)', 'only with CAP_KILL in effect');
  });
  test('root with only KILL can signal (a sidecar never shares the app\'s UID: the UID check refuses that)', () => {
    expect(() => synth([reloader(0, ['KILL'])], { uid: 2000 })).not.toThrow();
    expect(() => synth([reloader(0, ['KILL'])])).not.toThrow();
  });
  test('root without KILL (all capabilities dropped) cannot', () => {
    expectError(() => synth([reloader(0)], { uid: 2000 }), ErrorCode.RUNTIME_SIGNAL_UNDELIVERABLE, 'CAP_KILL');
  });
  test('without a shared process namespace nothing can be signalled', () => {
    expectError(() => synth([reloader(0, ['KILL'], false)], { uid: 2000 }), ErrorCode.RUNTIME_SIGNAL_UNDELIVERABLE, 'does not share one process namespace');
  });
  test('an unknown target is refused', () => {
    const c: SidecarContribution = { containers: [container('reloader', { signals: ['nginx'] })], pod: { shareProcessNamespace: true } };
    expectError(() => synth([c]), ErrorCode.UNKNOWN_REFERENCE, 'shop/s0: signals[0] "nginx"');
  });
});

describe('commands run inside known images use only what the image ships', () => {
  const run = (image: string, argv: string[], strict = false) => () => checkCommandsInImage('web/envoy', 'envoy', image, [{ field: 'healthCommand', argv }], strict);

  test('the old curl health check in the Envoy image is refused (envoyproxy/envoy#31614)', () => {
    expectError(run('envoyproxy/envoy:v1.39.1', ['curl', '-sf', '-o', '/dev/null', 'http://127.0.0.1:15021/healthz/ready']), ErrorCode.RUNTIME_MISSING_BINARY,
      'web/envoy: healthCommand of container "envoy" runs "curl" in image "envoyproxy/envoy:v1.39.1", but the image ships no "curl"', 'Dockerfile-envoy');
    expectError(run('docker.io/envoyproxy/envoy:v1.39.1', ['sh', '-c', 'until curl -sf http://127.0.0.1:15021/healthz/ready; do sleep 1; done']),
      ErrorCode.RUNTIME_MISSING_BINARY, 'runs "curl"');
  });
  test('the generated bash /dev/tcp commands pass in the Envoy image, and are refused where there is no bash', () => {
    for (const argv of [readyCheckCommand(15021), waitUntilReadyCommand(15021), drainCommand(15000, 5)]) {
      expect(run('envoyproxy/envoy:v1.39.1', argv)).not.toThrow();
      expectError(run('envoyproxy/envoy:distroless-v1.39.1', argv), ErrorCode.RUNTIME_MISSING_BINARY, 'runs "bash"');
    }
  });
  test('/dev/tcp under a plain sh is refused: only bash has it', () => {
    expectError(run('hashicorp/vault:2.1.0', ['sh', '-c', 'exec 3<>/dev/tcp/127.0.0.1/8080']), ErrorCode.RUNTIME_MISSING_BINARY, '/dev/tcp, which only bash provides');
  });
  test('busybox wget in the Vault image passes; a script the check cannot read is refused for the library\'s own commands, left to the user in theirs', () => {
    expect(run('hashicorp/vault:2.1.0', ['sh', '-c', 'wget -q -O /dev/null http://127.0.0.1:8080/-/reload'], true)).not.toThrow();
    expectError(run('hashicorp/vault:2.1.0', ['sh', '-c', 'eval "$RELOAD"'], true), ErrorCode.RUNTIME_MISSING_BINARY, 'which the check cannot follow');
    expect(run('hashicorp/vault:2.1.0', ['sh', '-c', 'eval "$RELOAD"'])).not.toThrow();
  });
  test('a user\'s own command in a shell image: not refused for what the table merely does not list (a log tailer on busybox)', () => {
    expect(run('busybox:1.37', ['sh', '-c', 'tail -F /var/log/app/app.log'])).not.toThrow();
    expect(run('busybox:1.37', ['sh', '-c', 'date; head -1 /etc/hostname'])).not.toThrow();
  });
  test('an image the table does not know is not checked', () => {
    expect(run('ghcr.io/acme/envoy:1.0.0', ['curl', 'http://x/'])).not.toThrow();
    expect(run('envoyproxy/envoy@sha256:' + 'a'.repeat(64), ['curl', 'http://x/'])).not.toThrow();
  });
});

describe('the contract on ECS and ACI', () => {

  test('ACI: a token file the config names is refused, ACI has none to give', () => {
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new RawSidecar(app, 'agent', { containers: [container('agent', { readsPaths: ['/var/run/secrets/kubernetes.io/serviceaccount/token'] })] }));
    expectError(() => synthGroup(group), ErrorCode.RUNTIME_MISSING_FILE, 'agent: readsPaths[0]', 'ACI gives containers no identity token file');
  });
  test('ACI: a command the image lacks (curl in busybox) is refused; the image\'s user (root) is who runs it', () => {
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new RawSidecar(app, 'agent', { containers: [container('agent', { image: 'busybox:1.37', command: ['sh', '-c', 'curl -sf http://x/ || sleep 5'] })] }));
    expectError(() => synthGroup(group), ErrorCode.RUNTIME_MISSING_BINARY, 'agent: command of container "agent" runs "curl" in image "busybox:1.37"');
  });
  test('ACI: signals need a shared process namespace, which no container group has', () => {
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new RawSidecar(app, 'agent', { containers: [container('agent', { signals: ['api'] })] }));
    expectError(() => synthGroup(group), ErrorCode.RUNTIME_SIGNAL_UNDELIVERABLE, 'agent: signals[0]: container "agent" cannot signal "api": ACI gives the containers of a pod no shared process namespace');
  });
  test('ECS: a token path is refused (the task role comes from a metadata endpoint, not a file)', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new RawSidecar(f.stack, 'agent', { containers: [container('agent', { readsPaths: ['/var/run/secrets/token'] })] }));
    expectError(() => synthTemplate(f.stack), ErrorCode.RUNTIME_MISSING_FILE, 'readsPaths[0]', 'ECS Fargate gives containers no identity token file');
  });
  // A sidecar container named "writer" once collided with the ECS binder's own construct id "writer-linux".
  test('ECS: files a sidecar creates for the app are readable through the writer\'s preparation and their mode', () => {
    const f = fargateTask();
    const writer = (mode: number): SidecarContribution => ({
      containers: [container('writer', { security: { uid: 100, gid: 1000 }, volumeMounts: [{ volume: 'secrets', path: '/secrets' }], createsFiles: [{ volume: 'secrets', mode }] })],
      volumes: [{ name: 'secrets', kind: VolumeKind.SCRATCH }],
      appRequests: { mounts: [{ volume: 'secrets', path: '/secrets', readOnly: true }] },
    });
    TaskSidecars.of(f.td).add(new RawSidecar(f.stack, 'agent', writer(0o440)));
    expectError(() => synthTemplate(f.stack), ErrorCode.RUNTIME_UNREADABLE, 'cannot be read by container "app"', 'on ECS Fargate');
    const g = fargateTask();
    TaskSidecars.of(g.td).add(new RawSidecar(g.stack, 'agent', writer(0o444)));
    expect(() => synthTemplate(g.stack)).not.toThrow();
  });
});
