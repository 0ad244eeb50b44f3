import { Testing, Chart } from 'cdk8s';
import {
  PortExposure, Probe, Protocol, Sidecar, SidecarProps, StartupRole, VolumeKind, WaitCondition,
} from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { expectError } from '../errors';

const IMAGE = 'ghcr.io/acme/agent:1.2.3';

function make(props: Partial<SidecarProps>, id = 'agent'): Sidecar {
  const chart = new Chart(Testing.app(), 'web');
  return new Sidecar(chart, id, { image: IMAGE, ...props } as SidecarProps);
}

const rejects = expectError;

describe('defaults', () => {
  test('a minimal sidecar is a long-running, non-root container with a UID derived from its name', () => {
    const s = make({});
    const c = s.contribute({ targetPath: 'x', appContainers: [] }).containers[0];
    expect(c.role).toBe(StartupRole.SIDECAR);
    expect(s.uid).toBeGreaterThanOrEqual(10000);
    expect(s.uid).toBeLessThan(60000);
    expect(make({}, 'agent').uid).toBe(s.uid);
    expect(make({}, 'other').uid).not.toBe(s.uid);
    expect(c.security?.uid).toBe(s.uid);
  });

  test('config files are grouped into one read-only volume per directory', () => {
    const s = make({
      configFiles: [
        { path: '/etc/agent/a.conf', content: 'a' },
        { path: '/etc/agent/b.conf', content: 'b', mode: 0o400 },
        { path: '/etc/agent/keys/k.pem', content: 'k', sensitive: true },
      ],
    });
    const c = s.contribute({ targetPath: 'x', appContainers: [] });
    expect(c.volumes).toEqual([
      { name: 'agent-config', kind: VolumeKind.CONFIG_FILES, sensitive: undefined, files: [{ name: 'a.conf', content: 'a', mode: undefined }, { name: 'b.conf', content: 'b', mode: 0o400 }] },
      { name: 'agent-config-2', kind: VolumeKind.CONFIG_FILES, sensitive: true, files: [{ name: 'k.pem', content: 'k', mode: undefined }] },
    ]);
    expect(c.containers[0].volumeMounts).toEqual([
      { volume: 'agent-config', path: '/etc/agent', readOnly: true },
      { volume: 'agent-config-2', path: '/etc/agent/keys', readOnly: true },
    ]);
  });
});

describe('bad input is rejected with the path, the field and a fix', () => {
  const cases: Array<[string, Partial<SidecarProps>, ErrorCode, ...string[]]> = [
    ['image with uppercase repository', { image: 'Acme/Agent:1' }, ErrorCode.INVALID_IMAGE, 'web/agent: image "Acme/Agent:1" is not a valid image reference', 'Use [registry/]'],
    ['image with a space', { image: 'acme/agent: 1' }, ErrorCode.INVALID_IMAGE, 'web/agent: image'],
    ['image with a short digest', { image: 'acme/agent@sha256:abc' }, ErrorCode.INVALID_IMAGE, 'web/agent: image'],
    ['empty image', { image: '' }, ErrorCode.INVALID_IMAGE, 'web/agent: image ""'],
    ['port 0', { ports: [{ port: 0 }] }, ErrorCode.INVALID_PORT, 'web/agent: ports[0].port 0 is not a port number', 'from 1 to 65535'],
    ['port 70000', { ports: [{ port: 8080 }, { port: 70000 }] }, ErrorCode.INVALID_PORT, 'web/agent: ports[1].port 70000'],
    ['fractional port', { ports: [{ port: 80.5 }] }, ErrorCode.INVALID_PORT, 'ports[0].port 80.5'],
    ['port declared twice', { ports: [{ port: 80 }, { port: 80, exposure: PortExposure.EXPOSED }] }, ErrorCode.DUPLICATE_PORT, 'web/agent: ports[1].port 80/TCP is declared twice'],
    ['bad port name', { ports: [{ port: 80, name: 'Http_Admin' }] }, ErrorCode.INVALID_PORT_NAME, 'web/agent: ports[0].name "Http_Admin"'],
    ['port name too long', { ports: [{ port: 80, name: 'a-very-long-port-name' }] }, ErrorCode.INVALID_PORT_NAME, 'ports[0].name'],
    ['uid 0 without opt-in', { security: { uid: 0 } }, ErrorCode.ROOT_NOT_ALLOWED, 'web/agent: security.uid is 0 (root) but security.allowRootUser is not set'],
    ['gid 0 without opt-in', { security: { uid: 1000, gid: 0 } }, ErrorCode.ROOT_NOT_ALLOWED, 'web/agent: security.gid is 0'],
    ['negative uid', { security: { uid: -1 } }, ErrorCode.INVALID_ID, 'web/agent: security.uid -1 is not a valid Linux ID'],
    ['unknown capability', { security: { addCapabilities: ['CAP_NET_ADMIN'] } }, ErrorCode.UNKNOWN_CAPABILITY, 'web/agent: security.addCapabilities[0] "CAP_NET_ADMIN"', 'without the CAP_ prefix'],
    ['SYS_ADMIN without escalation', { security: { addCapabilities: ['SYS_ADMIN'] } }, ErrorCode.INVALID_ROLE, 'web/agent: security.addCapabilities'],
    ['probe on an undeclared port', { ports: [{ port: 8080 }], readinessProbe: Probe.httpGet({ port: 9090 }) }, ErrorCode.PROBE_PORT_NOT_DECLARED, 'web/agent: readinessProbe.port probes port 9090, which container "agent" does not declare'],
    ['probe path without slash', { ports: [{ port: 8080 }], livenessProbe: Probe.httpGet({ port: 8080, path: 'healthz' }) }, ErrorCode.INVALID_PROBE, 'web/agent: livenessProbe.path "healthz"'],
    ['liveness successThreshold 2', { ports: [{ port: 8080 }], livenessProbe: Probe.tcpSocket({ port: 8080, successThreshold: 2 }) }, ErrorCode.INVALID_PROBE, 'web/agent: livenessProbe.successThreshold 2'],
    ['probe period 0', { readinessProbe: Probe.exec({ command: ['true'], periodSeconds: 0 }) }, ErrorCode.INVALID_NUMBER, 'web/agent: readinessProbe.periodSeconds 0'],
    ['empty exec probe', { readinessProbe: Probe.exec({ command: [] }) }, ErrorCode.INVALID_COMMAND, 'web/agent: readinessProbe.command []'],
    ['probe on a UDP port', { ports: [{ port: 8125, protocol: Protocol.UDP }], readinessProbe: Probe.tcpSocket({ port: 8125 }) }, ErrorCode.PROBE_PORT_NOT_DECLARED, 'readinessProbe.port probes port 8125'],
    ['HEALTHY without a probe', { appWaitsFor: WaitCondition.HEALTHY }, ErrorCode.HEALTHY_NEEDS_PROBE, 'web/agent: appWaitsFor is HEALTHY but container "agent" has no startup or readiness probe'],
    ['COMPLETED on a sidecar', { appWaitsFor: WaitCondition.COMPLETED }, ErrorCode.INVALID_ROLE, 'web/agent: appWaitsFor "COMPLETED" does not fit a long-running sidecar'],
    ['STARTED with a startup probe', { appWaitsFor: WaitCondition.STARTED, ports: [{ port: 80 }], startupProbe: Probe.tcpSocket({ port: 80 }) }, ErrorCode.INVALID_ROLE, 'web/agent: appWaitsFor "STARTED" conflicts with the startupProbe'],
    ['init step with ports', { role: StartupRole.INIT_STEP, ports: [{ port: 80 }] }, ErrorCode.INVALID_ROLE, 'web/agent: ports [80] are declared on an init step'],
    ['init step with a probe', { role: StartupRole.INIT_STEP, readinessProbe: Probe.exec({ command: ['true'] }) }, ErrorCode.INVALID_ROLE, 'web/agent: readinessProbe'],
    ['init step waited for STARTED', { role: StartupRole.INIT_STEP, appWaitsFor: WaitCondition.STARTED }, ErrorCode.INVALID_ROLE, 'web/agent: appWaitsFor "STARTED" does not fit an init step'],
    ['bad env name', { env: { '1BAD': 'x' } }, ErrorCode.INVALID_ENV, 'web/agent: env.1BAD "1BAD"'],
    ['a waitCommand the app never waits for', { waitCommand: ['/bin/wait'] }, ErrorCode.INVALID_ROLE,
      'web/agent: waitCommand ["/bin/wait"] holds the app until the container is healthy, but the app waits only until it has STARTED'],
    ['bad secret key', { secretEnv: { TOKEN: { secretName: 'tokens', key: 'a/b' } } }, ErrorCode.INVALID_SECRET_KEY, 'web/agent: secretEnv.TOKEN.key "a/b" is not a Secret key'],
    ['bad secret name', { secretEnv: { TOKEN: { secretName: 'Tokens!', key: 'a' } } }, ErrorCode.INVALID_SECRET_NAME, 'web/agent: secretEnv.TOKEN.secretName "Tokens!" is not a Secret name'],
    ['relative mount path', { volumes: [{ name: 'scratch', mountPath: 'tmp' }] }, ErrorCode.INVALID_PATH, 'web/agent: volumes[0].mountPath "tmp" is not an absolute path'],
    ['mount path with ..', { volumes: [{ name: 'scratch', mountPath: '/var/../etc' }] }, ErrorCode.INVALID_PATH, 'volumes[0].mountPath "/var/../etc" is not normalized'],
    ['two volumes one path', { volumes: [{ name: 'a', mountPath: '/data' }, { name: 'b', mountPath: '/data' }] }, ErrorCode.DUPLICATE_MOUNT_PATH, 'web/agent: volumes[1].mountPath "/data" is mounted twice'],
    ['volume named twice', { volumes: [{ name: 'a', mountPath: '/a' }, { name: 'a', mountPath: '/b' }] }, ErrorCode.DUPLICATE_VOLUME, 'web/agent: volumes declares volume "a" twice'],
    ['bad volume name', { volumes: [{ name: 'Data', mountPath: '/a' }] }, ErrorCode.INVALID_NAME, 'web/agent: volumes[0].name "Data"'],
    ['secret volume without a secret', { volumes: [{ name: 'a', kind: VolumeKind.SECRET, mountPath: '/a' }] }, ErrorCode.INVALID_VOLUME, 'web/agent: volumes[0].secretName undefined is required for SECRET volumes'],
    ['writable secret volume', { volumes: [{ name: 'a', kind: VolumeKind.SECRET, secretName: 's', mountPath: '/a', readOnly: false }] }, ErrorCode.INVALID_VOLUME, 'web/agent: volumes[0].readOnly false cannot be false'],
    ['size limit on a secret', { volumes: [{ name: 'a', kind: VolumeKind.SECRET, secretName: 's', mountPath: '/a', sizeLimitMebibytes: 5 }] }, ErrorCode.INVALID_VOLUME, 'volumes[0].sizeLimitMebibytes 5 applies only to SCRATCH and MEMORY volumes'],
    ['CONFIG_FILES in volumes', { volumes: [{ name: 'a', kind: VolumeKind.CONFIG_FILES, mountPath: '/a' }] }, ErrorCode.INVALID_VOLUME, 'web/agent: volumes[0].kind "CONFIG_FILES" is not a kind for the volumes prop'],
    ['appReadOnly without appMountPath', { volumes: [{ name: 'a', mountPath: '/a', appReadOnly: true }] }, ErrorCode.INVALID_VOLUME, 'web/agent: volumes[0].appReadOnly true is set without appMountPath'],
    ['config file at a relative path', { configFiles: [{ path: 'agent.conf', content: '' }] }, ErrorCode.INVALID_PATH, 'web/agent: configFiles[0].path "agent.conf"'],
    ['config file in /', { configFiles: [{ path: '/agent.conf', content: '' }] }, ErrorCode.INVALID_CONFIG_FILE, 'web/agent: configFiles[0].path "/agent.conf" is in the root directory'],
    ['two config files at one path', { configFiles: [{ path: '/etc/a/x', content: '1' }, { path: '/etc/a/x', content: '2' }] }, ErrorCode.INVALID_CONFIG_FILE, 'web/agent: configFiles[1].path "/etc/a/x" appears twice'],
    ['mixed sensitivity in a directory', { configFiles: [{ path: '/etc/a/x', content: '1' }, { path: '/etc/a/y', content: '2', sensitive: true }] }, ErrorCode.INVALID_CONFIG_FILE, 'web/agent: configFiles[1].sensitive true differs from other files in /etc/a'],
    ['config file mode above 0777', { configFiles: [{ path: '/etc/a/x', content: '1', mode: 0o1777 }] }, ErrorCode.INVALID_NUMBER, 'web/agent: configFiles[0].mode "0o1777" is not a file mode from 0o000 to 0o777'],
    ['request above limit', { resources: { memoryRequestMebibytes: 512, memoryLimitMebibytes: 256 } }, ErrorCode.INVALID_RESOURCES, 'web/agent: resources.memoryRequestMebibytes 512 is above the limit 256'],
    ['negative cpu', { resources: { cpuRequestMillicores: -5 } }, ErrorCode.INVALID_NUMBER, 'web/agent: resources.cpuRequestMillicores -5 is not an integer from 1 to 2147483647'],
    ['fractional millicores', { resources: { cpuLimitMillicores: 1.5 } }, ErrorCode.INVALID_NUMBER, 'web/agent: resources.cpuLimitMillicores 1.5 is not an integer'],
    ['mount path of the wrong type', { volumes: [{ name: 'a', mountPath: 42 as any }] }, ErrorCode.INVALID_TYPE, 'web/agent: volumes[0].mountPath 42 (number) is not a string'],
    ['readOnly "false" (rendered as a string the platforms refuse)', { volumes: [{ name: 'a', mountPath: '/a', readOnly: 'false' as any }] }, ErrorCode.INVALID_TYPE,
      'web/agent: volumes[0].readOnly "false" (string) is not a boolean'],
    ['config file content of the wrong type', { configFiles: [{ path: '/etc/agent/a.conf', content: 42 as any }] }, ErrorCode.INVALID_TYPE, 'web/agent: configFiles[0].content 42 (number) is not a string'],
    ['exec probe without a command list (TypeError in Probe.exec)', { startupProbe: Probe.exec({ command: 'true' as any }) }, ErrorCode.INVALID_TYPE,
      'web/agent: startupProbe.command "true" (string) is not an array of strings'],
    ['probe period NaN', { ports: [{ port: 9000, exposure: PortExposure.EXPOSED }], livenessProbe: Probe.httpGet({ port: 9000, periodSeconds: NaN }) }, ErrorCode.INVALID_TYPE,
      'web/agent: livenessProbe.periodSeconds NaN (number) is not an integer >= 0'],
    ['port protocol not a member', { ports: [{ port: 9000, protocol: 'SCTP' as any }] }, ErrorCode.INVALID_TYPE, 'web/agent: ports[0].protocol "SCTP" (string) is not one of'],
    ['empty command element', { command: ['/bin/agent', ''] }, ErrorCode.INVALID_COMMAND, 'web/agent: command ["/bin/agent",""]'],
    ['negative grace period', { terminationGracePeriodSeconds: -1 }, ErrorCode.INVALID_NUMBER, 'web/agent: terminationGracePeriodSeconds -1'],
    ['waiting for itself', { dependsOn: [{ container: 'agent', condition: WaitCondition.STARTED }] }, ErrorCode.DEPENDENCY_CYCLE, 'web/agent: containers wait for each other in a cycle: agent -> agent'],
    ['bad name', { name: 'Agent_1' }, ErrorCode.INVALID_NAME, 'web/agent: name "Agent_1" is not a valid name'],
    ['bad workingDir', { workingDir: 'work' }, ErrorCode.INVALID_PATH, 'web/agent: workingDir "work"'],
    ['app container name', { appContainers: ['Main'] }, ErrorCode.INVALID_NAME, 'web/agent: appRequests.containers[0] "Main"'],
  ];

  test.each(cases)('%s', (_title, props, code, ...parts) => {
    rejects(() => make(props), code, ...parts);
  });

  test('an id that is not a DNS label needs an explicit name', () => {
    rejects(() => make({}, 'Log Shipper'), ErrorCode.INVALID_NAME, 'web/Log Shipper: name (taken from the construct id) "Log Shipper"');
    expect(make({ name: 'log-shipper' }, 'Log Shipper').name).toBe('log-shipper');
  });
});
