/**
 * The pod tier on Kubernetes pods: example pods run with podman and runc on this machine's
 * kernel (test/pods/kubernetes.ts translates each pod spec as the kubelet would), with the
 * stand-in binaries of test/pods/standin. Skipped with the reason where podman, runc, Go or
 * root are missing; under CI (CI=true) a missing prerequisite fails.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { examplesOf, synthKubernetesExample } from '../../scripts/examples';
import { realTest } from '../prerequisites';
import { RunningPod, runKubernetesPod } from './kubernetes';
import { podTierMissing } from './podman';

const podTest = realTest('pods/kubernetes.test.ts', podTierMissing());
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-pod-examples-'));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

async function example(name: string): Promise<any[]> {
  const file = examplesOf('k8s').find(f => path.basename(f, '.ts') === name);
  if (!file) { throw new Error(`no example ${name}`); }
  return (await synthKubernetesExample(file, path.join(out, name))).docs;
}

/** Runs `fn` on the started pod, and always removes the pod. */
async function withPod(docs: any[], kind: string, fn: (pod: RunningPod) => void | Promise<void>): Promise<void> {
  const workload = docs.find(d => d.kind === kind);
  const pod = runKubernetesPod(docs, workload);
  try { await fn(pod); } finally { pod.remove(); }
}

describe('job-vault-prepopulate: the Vault agent init renders the secret once, and only the app reads it', () => {
  podTest('init renders db.json into the memory volume with perms 0440 and the pod\'s fsGroup; the app reads it, writes nothing there', async () => {
    const docs = await example('job-vault-prepopulate');
    await withPod(docs, 'CronJob', pod => {
      expect(pod.completed.map(c => c.name)).toEqual(['vault-agent-init']);
      expect(pod.completed[0].output).toContain('rendered /vault/secrets/db.json (0440)');
      expect(pod.started).toEqual(['vault-agent-init', 'export']);

      // What the agent wrote, as the kubelet's volume holds it: owner the agent's UID (100),
      // group the pod's fsGroup (setgid directory), mode 0440.
      const st = fs.statSync(path.join(pod.volumePath('vault-agent-secrets'), 'db.json'));
      expect({ uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) }).toEqual({ uid: 100, gid: 1000, mode: '440' });

      const app = (cmd: string) => pod.exec('export', ['sh', '-c', cmd]);
      expect(app('id -u').stdout.trim()).toBe('1000');
      expect(app('cat /vault/secrets/db.json')).toMatchObject({ code: 0, stdout: expect.stringContaining('stand-in secret') });
      // The secrets volume is mounted read-only in the app, and its root filesystem is read-only.
      expect(app('echo x > /vault/secrets/other').code).not.toBe(0);
      expect(app('touch /x').stderr).toContain('Read-only file system');
      // Another UID without the pod's groups cannot read the secret; one with fsGroup can.
      expect(pod.exec('export', ['cat', '/vault/secrets/db.json'], '4242:4242')).toMatchObject({ code: 1, stderr: expect.stringContaining('Permission denied') });
      expect(pod.exec('export', ['cat', '/vault/secrets/db.json'], '4242:1000').code).toBe(0);
    });
  });
});

describe('deployment-vault-opa-logs: Vault agent, OPA and Fluent Bit beside the app', () => {
  podTest('every sidecar starts in order and is ready; the app reads its secrets, writes logs Fluent Bit can read; OPA answers', async () => {
    const docs = await example('deployment-vault-opa-logs');
    await withPod(docs, 'Deployment', pod => {
      expect(pod.completed.map(c => c.name)).toEqual(['vault-agent-init']);
      expect(pod.started).toEqual(['vault-agent-init', 'vault-agent', 'opa', 'fluent-bit', 'api']);
      const app = (cmd: string) => pod.exec('api', ['sh', '-c', cmd]);
      expect(app('cat /vault/secrets/db.json /vault/secrets/stripe.env').code).toBe(0);
      // The log the app writes is readable by Fluent Bit's UID through the pod's fsGroup.
      expect(app('echo "GET /orders 200" >> /var/log/app/api.log').code).toBe(0);
      expect(pod.exec('fluent-bit', ['cat', '/var/log/app/api.log'])).toMatchObject({ code: 0, stdout: 'GET /orders 200\n' });
      expect(pod.logs('fluent-bit')).toContain('kubernetes filter read /var/run/secrets/kubernetes.io/serviceaccount/token');
      // OPA's API is on localhost only; the app reaches it.
      expect(app('wget -q -O- http://127.0.0.1:8181/v1/data').code).toBe(0);
      // Fluent Bit cannot read the app's secrets: it has neither the agent's UID nor a mount.
      expect(pod.exec('fluent-bit', ['cat', '/vault/secrets/db.json']).code).not.toBe(0);
    });
  });
});
