import { KINDS, attempt, describeError, Platform } from './bad-input/harness';

const cases: Array<[string, any, Platform]> = [
  ['VaultAgentSidecar', { cachePort: 70000 }, 'k8s'],
  ['VaultAgentSidecar', { cachePort: 8080 }, 'k8s'],
  ['FluentBitSidecar', { httpPort: 70000 }, 'k8s'],
  ['FluentBitSidecar', { httpPort: 8080 }, 'k8s'],
  ['EnvoySidecar', { prometheusPort: 8080 }, 'k8s'],
  ['EnvoySidecar', { adminPort: 8080 }, 'k8s'],
  ['EnvoySidecar', { prometheusPort: 70000 }, 'k8s'],
  ['EnvoySidecar', { drainSeconds: -3 }, 'k8s'],
  ['EnvoySidecar', { drainSeconds: 200 }, 'ecs'],
  ['Sidecar', { appEnv: [{ name: '1bad', value: 'x' }] }, 'k8s'],
  ['Sidecar', { volumes: [{ name: 'v', type: 'SCRATCH', mountPath: 'rel' }] }, 'k8s'],
  ['Sidecar', { configFiles: [{ path: '/etc/a.conf', content: 5 }] }, 'k8s'],
  ['Sidecar', { env: [{ name: 'A', value: 5 }] }, 'k8s'],
  ['Sidecar', { env: { A: 5 } }, 'k8s'],
  ['VaultAgentSidecar', { command: ['/bin/sh', '-c', 'kill -HUP 1'] }, 'ecs'],
  ['Sidecar', { ports: [{ port: 80, protocol: 'SCTP' }] }, 'k8s'],
  ['VaultAgentSidecar', { secrets: [{ path: 'secret/data/x', file: 'a/b.json' }] }, 'k8s'],
  ['OtelCollectorSidecar', { appWaitsFor: undefined }, 'ecs'],
  ['FluentBitSidecar', { kubernetesFilter: true }, 'ecs'],
  ['Sidecar', { terminationGracePeriodSeconds: 121 }, 'ecs'],
];
test('probe', async () => {
  for (const [k, p, pl] of cases) {
    const o = await attempt(KINDS[k], { ...KINDS[k].base, ...p }, pl);
    // eslint-disable-next-line no-console
    console.log(`${k} ${JSON.stringify(p)} ${pl} => ${o.kind}: ${o.kind === 'output' ? '' : describeError(o.error)}`);
  }
});
