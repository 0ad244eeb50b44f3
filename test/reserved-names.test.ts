/**
 * Names the library gives its own containers and volumes cannot be taken by a sidecar, and
 * names derived from a user's name stay distinct.
 */
import { Sidecar, VaultAgentSidecar, VaultAuth, VolumeKind } from '../src';
import { expectError } from './errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from './k8s/util';
import { ErrorCode } from '../src/core/errors';
import { LIBRARY_CONTAINER_NAMES, LIBRARY_VOLUME_NAMES, isReservedName } from '../src/core/names';
import { WorkloadSidecars } from '../src/k8s';

function onK8s(props: any) {
  return () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', ...props }));
    return synth(chart);
  };
}

describe('reserved names', () => {
  test.each(['cdk-sidecars-redirect', 'cdk-sidecars-config', 'cdk-sidecars-redirect-run', 'cdk-sidecars-config-home', 'cdk-sidecars-next'])('a sidecar named %s', name => {
    expectError(onK8s({ name }), ErrorCode.RESERVED_NAME, `web/agent: name "${name}" is reserved`);
  });

  test.each(['cdk-sidecars-redirect', 'cdk-sidecars-redirect-run', 'cdk-sidecars-config'])('a sidecar volume named %s', name => {
    expectError(onK8s({ volumes: [{ name, kind: VolumeKind.SCRATCH, mountPath: '/data' }] }), ErrorCode.RESERVED_NAME,
      `web/agent: volumes[0].name "${name}" is reserved`);
  });

  test('every name a binder gives its own containers and volumes is in the reserved list', () => {
    for (const name of [...LIBRARY_CONTAINER_NAMES, ...LIBRARY_VOLUME_NAMES]) { expect(isReservedName(name)).toBe(true); }
    expect(isReservedName('cdk-sidecarsx')).toBe(false);
    expect(isReservedName('log-shipper')).toBe(false);
  });
});

describe('derived names stay distinct', () => {
  const vault = (scope: any, name: string, extra: any = {}) => new VaultAgentSidecar(scope, 'vault', {
    name,
    address: 'https://vault.vault.svc:8200',
    auth: [VaultAuth.kubernetes({ role: 'shop-api' })],
    secrets: [{ path: 'secret/data/b', file: 'b.json', appContainers: ['worker'] }],
    ...extra,
  });

  test('a 56-character Vault name: the agent and its init get two identity volumes, and the per-container secrets volume keeps its hash', () => {
    const chart = newChart();
    const name = `v${'a'.repeat(55)}`;
    const d = rawDeployment(chart, 'api', [{ name: 'web', image: 'x:1' }, { name: 'worker', image: 'y:1' }]);
    WorkloadSidecars.of(d).add(vault(chart, name));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    const volumes: string[] = pod.spec.volumes.map((v: any) => v.name);
    expect(volumes.filter((v, i) => volumes.indexOf(v) !== i)).toEqual([]);
    const worker = pod.spec.containers.find((c: any) => c.name === 'worker');
    expect(worker.volumeMounts[0].name).toMatch(/^va+(-s[a-z]*)?-[0-9a-f]{6}$/);
    for (const v of volumes) { expect(v.length).toBeLessThanOrEqual(63); }
  });

  test('a Vault name too long for its AppRole volume names the name prop', () => {
    expectError(() => vault(newChart(), `v${'a'.repeat(57)}`, { auth: [VaultAuth.appRole({ secretName: 'shop-approle' })] }), ErrorCode.INVALID_NAME,
      `web/vault: name "v${'a'.repeat(57)}"`, 'a DNS label of at most 55 characters');
  });
});
