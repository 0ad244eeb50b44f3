/**
 * The pod tier grants a container no capability its platform would not. containerd (the
 * kubelet's runtime) sets no ambient capabilities: a non-root container that adds capabilities
 * has them in its bounding set only, with empty permitted and effective sets after exec
 * (kubernetes/kubernetes#56374), whereas podman puts them in a non-root user's ambient set
 * (containers/podman#7399, #8217). The runners start such a container as root and drop to its
 * user through `stand-in drop-to` (podman.ts containerArgs); these checks are the kernel's own
 * (capability sets in /proc, kill(2), bind(2)).
 */
/* eslint-disable no-bitwise */ // capability sets are bit sets
import { realTest } from '../prerequisites';
import { POD_TIMEOUT } from './examples';
import { RunningPod, runKubernetesPod } from './kubernetes';
import { podTierMissing } from './podman';

const podTest = realTest('pods/capabilities.test.ts', podTierMissing());

const ADD = ['KILL', 'NET_BIND_SERVICE'];
/** CAP_KILL (5) and CAP_NET_BIND_SERVICE (10), linux/capability.h. */
const KILL_BIT = BigInt(1) << BigInt(5);
const BIND_BIT = BigInt(1) << BigInt(10);

/** A raw Deployment: the same user's container as UID 100 and as root, adding KILL and NET_BIND_SERVICE, and another UID's process. */
function capsDeployment(): any {
  const app = (name: string, securityContext: any) => ({ name, image: 'ghcr.io/acme/app:1.0.0', securityContext });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'caps' },
    spec: {
      template: {
        metadata: {},
        spec: {
          shareProcessNamespace: true,
          securityContext: { supplementalGroups: [3000] },
          containers: [
            app('agent', { runAsUser: 100, runAsGroup: 1000, capabilities: { add: ADD } }),
            app('admin', { runAsUser: 0, runAsGroup: 0, capabilities: { add: ADD } }),
            app('other', { runAsUser: 4000, runAsGroup: 4000 }),
            // Every other capability dropped (as ECS's runner does): the drop step's own SETUID,
            // SETGID and SETPCAP must not be left in its bounding set.
            app('minimal', { runAsUser: 101, runAsGroup: 1000, capabilities: { drop: ['ALL'], add: ADD } }),
          ],
        },
      },
    },
  };
}

/** A /proc/<pid>/status field. */
function field(status: string, name: string): string {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status);
  if (!m) { throw new Error(`no ${name} in:\n${status}`); }
  return m[1].trim();
}
const mask = (status: string, name: string) => BigInt(`0x${field(status, name)}`);

/** The status of the pod's process (the shared PID namespace) whose UID is `uid`, read from `container`. */
function statusOfUid(pod: RunningPod, container: string, uid: number): string {
  const r = pod.exec(container, ['sh', '-c', `for p in $(pidof app); do [ "$(stat -c %u /proc/$p)" = ${uid} ] && cat /proc/$p/status; done`]);
  expect(r.stdout).toContain('Name:');
  return r.stdout;
}

/** `kill -0` of the other UID's process (the permission check of kill(2), no signal sent). */
function killOther(pod: RunningPod, container: string): string {
  const r = pod.exec(container, ['sh', '-c', 'for p in $(pidof app); do [ "$(stat -c %u /proc/$p)" = 4000 ] && { kill -0 $p && echo "kill ok"; }; done']);
  return `${r.stdout}${r.stderr}`;
}

/** Listens on port 80 for a moment: "Permission denied" when bind(2) refuses. */
function bind80(pod: RunningPod, container: string): string {
  const r = pod.exec(container, ['sh', '-c', 'timeout 1 nc -l -p 80 127.0.0.1 </dev/null; echo "rc=$?"']);
  return `${r.stdout}${r.stderr}`;
}

describe('added capabilities of a non-root container stay in the bounding set, as containerd leaves them', () => {
  podTest('UID 100 adding KILL and NET_BIND_SERVICE: CapEff 0 with both in CapBnd; kill and bind below 1024 refused; as root both effective', () => {
    const pod = runKubernetesPod([], capsDeployment());
    try {
      // Without this the bind check would prove nothing (Docker 20.10+ sets it to 0 in a new network namespace; the kubelet does not).
      expect(pod.exec('agent', ['cat', '/proc/sys/net/ipv4/ip_unprivileged_port_start']).stdout.trim()).toBe('1024');

      // The container's own process (the app stand-in's entrypoint) and a command exec'd into it.
      for (const status of [statusOfUid(pod, 'other', 100), pod.exec('agent', ['cat', '/proc/self/status']).stdout]) {
        expect({ uid: field(status, 'Uid'), gid: field(status, 'Gid'), groups: field(status, 'Groups').split(/\s+/).sort() })
          .toEqual({ uid: '100\t100\t100\t100', gid: '1000\t1000\t1000\t1000', groups: ['1000', '3000'] });
        expect({ eff: mask(status, 'CapEff'), prm: mask(status, 'CapPrm'), inh: mask(status, 'CapInh'), amb: mask(status, 'CapAmb') })
          .toEqual({ eff: BigInt(0), prm: BigInt(0), inh: BigInt(0), amb: BigInt(0) });
        expect(mask(status, 'CapBnd') & (KILL_BIT | BIND_BIT)).toBe(KILL_BIT | BIND_BIT);
      }
      for (const status of [statusOfUid(pod, 'other', 101), pod.exec('minimal', ['cat', '/proc/self/status']).stdout]) {
        expect({ uid: field(status, 'Uid'), eff: mask(status, 'CapEff'), bnd: mask(status, 'CapBnd') })
          .toEqual({ uid: '101\t101\t101\t101', eff: BigInt(0), bnd: KILL_BIT | BIND_BIT });
      }
      expect(killOther(pod, 'agent')).toMatch(/Operation not permitted/);
      expect(bind80(pod, 'agent')).toMatch(/Permission denied/);

      // The same container as root: the added capabilities are effective.
      const root = pod.exec('admin', ['cat', '/proc/self/status']).stdout;
      expect(mask(root, 'CapEff') & (KILL_BIT | BIND_BIT)).toBe(KILL_BIT | BIND_BIT);
      expect(killOther(pod, 'admin')).toContain('kill ok');
      expect(bind80(pod, 'admin')).not.toMatch(/Permission denied/);

      // RunningPod.as keeps the identity too.
      const as = pod.as('agent', ['sh', '-c', 'id -u; grep CapEff /proc/self/status']).stdout;
      expect(as).toMatch(/^100\nCapEff:\s*0+\n/);
    } finally {
      pod.remove();
    }
  }, POD_TIMEOUT);
});
