/**
 * The pod tier on Docker Compose: a generated Compose file run with podman and runc on this
 * machine's kernel (test/pods/compose.ts drives podman as `docker compose up` would). Proves what
 * the file promises at run time: every container in the pause service's network namespace
 * (localhost reaches across), the init step completed before the sidecar and the app started,
 * the app started only once the sidecar's health check passed, the users and the read-only root
 * filesystem applied by the kernel, and the MEMORY volume (a local-driver tmpfs, mode 1777)
 * shared and writable by non-root users, and kept for the pod's life: the pause service holds it
 * mounted, without which the init step's file was gone (the tmpfs unmounted when it exited) and
 * the app failed. Skipped with the reason where podman, runc, Go or root
 * are missing; under CI (CI=true) a missing prerequisite fails.
 */
import { spawnSync } from 'child_process';
import { EnvoySidecar, Probe, Sidecar, StartupRole, VolumeKind, WaitCondition } from '../../src';
import { ComposeApp, ComposeProject } from '../../src/compose';
import { realTest } from '../prerequisites';
import { runComposeProject } from './compose';
import { POD_TIMEOUT } from './examples';
import { podTierMissing, podman, toolExec } from './podman';
import { validateComposeYaml } from '../validate/compose';

const podTest = realTest('pods/compose.test.ts', podTierMissing());

podTest('a Compose project runs: shared namespace and tmpfs volume, start order through depends_on, users and read-only root applied', () => {
  const app = new ComposeApp();
  const project = new ComposeProject(app, 'shop', {
    services: [{ name: 'api', image: 'ghcr.io/acme/api:1.0.0', user: '25000:26000', entrypoint: ['sh', '-c', 'cat /shared/flag > /dev/null && exec sleep 3600'] }],
  });
  // No size limit: podman before 4.8 refuses `o=size=` on a tmpfs volume (containers/podman#20449; Debian's is 4.3).
  const shared = { name: 'shared', kind: VolumeKind.MEMORY, mountPath: '/shared', appMountPath: '/shared', appReadOnly: true };
  project.add(
    new Sidecar(app, 'prepare', {
      image: 'ghcr.io/acme/prepare:1.0.0',
      role: StartupRole.INIT_STEP,
      security: { uid: 20001, gid: 20001 },
      command: ['sh', '-c', 'echo "$HOME-ready" > /shared/flag'],
      env: { HOME: '/nowhere' },
      volumes: [shared],
    }),
    new Sidecar(app, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      security: { uid: 20002, gid: 20002 },
      command: ['sh', '-c', 'sleep 2; echo ok > /shared/agent; exec nc -ll -p 9000 -e echo pong'],
      volumes: [{ name: 'shared', kind: VolumeKind.MEMORY, mountPath: '/shared' }],
      ports: [{ port: 9000 }],
      readinessProbe: Probe.exec({ command: ['cat', '/shared/agent'], periodSeconds: 1 }),
      appWaitsFor: WaitCondition.HEALTHY,
    }),
  );
  const doc = validateComposeYaml(project.toYaml());
  const run = runComposeProject(doc);
  try {
    expect(run.started).toEqual(['cdk-sidecars-pod', 'prepare', 'agent', 'api']);
    expect(run.exits.get('prepare')).toBe(0);
    const api = run.container('api');
    // the init step's write ($$HOME read back as $HOME, expanded by its shell) is in the shared tmpfs
    expect(toolExec(api, ['cat', '/shared/flag']).stdout.trim()).toBe('/nowhere-ready');
    expect(toolExec(api, ['sh', '-c', 'stat -c %a /shared; grep " /shared " /proc/mounts']).stdout).toMatch(/^1777\n\S+ \/shared tmpfs /);
    // the app started after the sidecar's health check passed: its file was there
    expect(toolExec(api, ['cat', '/shared/agent']).stdout.trim()).toBe('ok');
    // users and read-only root, as the kernel sees them
    expect(toolExec(run.container('agent'), ['id', '-u']).stdout.trim()).toBe('20002');
    expect(toolExec(api, ['id', '-u']).stdout.trim()).toBe('25000');
    expect(toolExec(run.container('agent'), ['touch', '/root-file']).code).not.toBe(0);
    // one network namespace: the app reaches the sidecar on localhost
    expect(toolExec(api, ['sh', '-c', 'echo | nc -w 3 127.0.0.1 9000']).stdout).toContain('pong');
  } finally {
    run.remove();
  }
}, POD_TIMEOUT);

podTest('Envoy with transparent redirection: the redirect service installs the rules in the pod\'s network namespace before Envoy starts; the app starts once Envoy is healthy', () => {
  const app = new ComposeApp();
  const project = new ComposeProject(app, 'shop', {
    services: [{ name: 'api', image: 'ghcr.io/acme/api:1.0.0', user: '25000:26000', ports: [{ port: 8080 }], entrypoint: ['sh', '-c', 'exec nc -ll -p 8080 -e echo hello'] }],
  }).add(new EnvoySidecar(app, 'envoy'));
  const run = runComposeProject(validateComposeYaml(project.toYaml()));
  try {
    expect(run.started).toEqual(['cdk-sidecars-pod', 'cdk-sidecars-redirect', 'envoy', 'api']);
    expect(run.exits.get('cdk-sidecars-redirect')).toBe(0);
    // podman 4.3 takes no size= on a tmpfs volume (containers/podman#20449): said, not enforced here
    expect(run.unenforced).toEqual(['volume envoy-tmp: size=64m']);
    // the nat rules, read from the pod's network namespace by the host's iptables-save
    const pid = podman(['inspect', '--format', '{{.State.Pid}}', run.container('cdk-sidecars-pod')]).stdout.trim();
    const nat = spawnSync('nsenter', ['-t', pid, '-n', 'iptables-save', '-t', 'nat'], { encoding: 'utf-8' }).stdout;
    expect(nat).toMatch(/-A CDK_SIDECARS_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006/);
    expect(nat).toMatch(/-m owner --uid-owner 1337 -j RETURN/);
    // Envoy's own traffic (UID 1337) is not captured: it reaches the app on localhost
    expect(toolExec(run.container('envoy'), ['sh', '-c', 'echo | nc -w 3 127.0.0.1 8080']).stdout).toContain('hello');
  } finally {
    run.remove();
  }
}, POD_TIMEOUT);
