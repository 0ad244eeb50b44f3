/**
 * Config files that Kubernetes would refuse in a ConfigMap are refused at synthesis: a key
 * starting with '..' (the kubelet's own ..data link), and more than 1 MiB in one ConfigMap.
 */
import { Sidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';
import { findDoc, newChart, rawDeployment, synth } from './util';

function withFiles(files: any[]) {
  return () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new Sidecar(chart, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: files }));
    return synth(chart);
  };
}

describe('ConfigMap keys and size', () => {
  test.each(['..data', '..2024_01_01', '..x.conf'])('a file named %s', name => {
    expectError(withFiles([{ path: `/etc/agent/${name}`, content: 'x' }]), ErrorCode.INVALID_CONFIG_FILE,
      `web/agent: configFiles[0].path "/etc/agent/${name}" has a file name starting with ".."`);
  });

  test('a file name with dots inside is fine', () => {
    expect(withFiles([{ path: '/etc/agent/a..b.conf', content: 'x' }])).not.toThrow();
  });

  test('more than 1 MiB in one ConfigMap is refused with the total size', () => {
    const half = 'x'.repeat(512 * 1024);
    expectError(withFiles([{ path: '/etc/agent/a.conf', content: half }, { path: '/etc/agent/b.conf', content: `${half}é` }]),
      ErrorCode.UNREPRESENTABLE_VALUE, 'web/agent: configFiles in /etc/agent "1048578 bytes" cannot be written to a Kubernetes ConfigMap', 'at most 1048576 bytes');
  });

  test('exactly 1 MiB is fine', () => {
    const docs = withFiles([{ path: '/etc/agent/a.conf', content: 'x'.repeat(1024 * 1024) }])();
    expect(findDoc(docs, 'ConfigMap').data['a.conf']).toHaveLength(1024 * 1024);
  });
});

describe('ConfigMap names', () => {
  test('two config volumes of a workload with a 250-character name get two ConfigMap names of at most 253 characters', () => {
    const chart = newChart();
    const workload = `w${'a'.repeat(249)}`;
    WorkloadSidecars.of(rawDeployment(chart, workload)).add(
      new Sidecar(chart, 'one', { name: 'shipper-one', image: 'ghcr.io/acme/one:1.0.0', configFiles: [{ path: '/etc/one/a.conf', content: 'a' }] }),
      new Sidecar(chart, 'two', { name: 'shipper-two', image: 'ghcr.io/acme/two:1.0.0', configFiles: [{ path: '/etc/two/b.conf', content: 'b' }] }),
    );
    const names = synth(chart).filter((d: any) => d.kind === 'ConfigMap').map((d: any) => d.metadata.name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    for (const n of names) { expect(n.length).toBeLessThanOrEqual(253); expect(n).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/); }
  });
});
