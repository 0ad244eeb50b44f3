/**
 * The pod tier's Vault agent stand-in on a template's `exec` command (test/pods/standin/main.go
 * render): consul-template runs it after every render that wrote the destination, the first
 * one included, and a command that does not exit 0 is a template server error, which ends the
 * agent with exit 1 under the library's `exit_on_retry_failure = true` (hashicorp/vault#12566;
 * hashicorp/vault command/agent/template/template.go). The library's own init agent has no
 * command today: these pods add one to its synthesized config, as a team's template might.
 */
import { realTest } from '../prerequisites';
import { POD_TIMEOUT } from './examples';
import { runKubernetesPod } from './kubernetes';
import { podTierMissing } from './podman';
import { VaultAgentSidecar, VaultAuth } from '../../src';
import { KubernetesTarget, WorkloadSidecars } from '../../src/k8s';
import { newChart, rawDeployment, synth } from '../k8s/util';

const podTest = realTest('pods/vault-agent.test.ts', podTierMissing());

/** The Vault agent's pod, with `command` added to the init agent's template (an exec block). */
function vaultPod(command: string[]): { docs: any[]; workload: any } {
  const chart = newChart('vault-exec');
  KubernetesTarget.set(chart, '1.33');
  const api = rawDeployment(chart, 'api');
  WorkloadSidecars.of(api).add(new VaultAgentSidecar(chart, 'vault', {
    address: 'https://vault.vault.svc:8200',
    auth: [VaultAuth.kubernetes({ role: 'api' })],
    secrets: [{ path: 'database/creds/api', file: 'db.json' }],
  }));
  const docs = synth(chart);
  const cm = docs.find(d => d.kind === 'ConfigMap' && d.data?.['agent-init.hcl']);
  const hcl: string = cm.data['agent-init.hcl'];
  const withExec = hcl.replace(/(  perms = "0440"\n)\}/, `$1  exec {\n    command = ${JSON.stringify(command)}\n  }\n}`);
  expect(withExec).not.toBe(hcl);
  cm.data['agent-init.hcl'] = withExec;
  return { docs, workload: docs.find(d => d.kind === 'Deployment') };
}

describe('a template command of the Vault agent', () => {
  podTest('runs on the first render, in the init agent: the file it writes is there for the app', () => {
    const { docs, workload } = vaultPod(['sh', '-c', 'echo ran on first render > /vault/secrets/first-render']);
    const pod = runKubernetesPod(docs, workload);
    try {
      expect(pod.completed.find(c => c.name === 'vault-agent-init')?.output).toMatch(/command \["sh" "-c" "echo ran on first render[^\n]*: exit 0/);
      expect(pod.exec('app', ['cat', '/vault/secrets/first-render']).stdout).toBe('ran on first render\n');
    } finally {
      pod.remove();
    }
  }, POD_TIMEOUT);

  podTest('that exits non-zero makes the init agent exit 1, so the pod does not start', () => {
    const { docs, workload } = vaultPod(['sh', '-c', 'echo reload failed >&2; exit 3']);
    expect(() => runKubernetesPod(docs, workload).remove())
      .toThrow(/init container vault-agent-init exited 1:[\s\S]*template server: failed to execute command \["sh" "-c" "echo reload failed >&2; exit 3"\]/);
  }, POD_TIMEOUT);
});
