/**
 * The pod tier's images: each library container runs an image holding only what its real
 * image ships (test/pods/podman.ts familyImage, from the rows of src/core/image-facts.ts), so a
 * command the real image cannot run fails here too. The tester's own tools come from the
 * busybox mounted at /.pod-tier/busybox, never from the image.
 */
import { checkCommandsInImage } from '../../src/core/contract';
import { ErrorCode } from '../../src/core/errors';
import { expectError } from '../errors';
import { realTest } from '../prerequisites';
import { POD_TIMEOUT, kubernetesExample } from './examples';
import { RunningPod, runKubernetesPod } from './kubernetes';
import { podTierMissing, podman } from './podman';

const podTest = realTest('pods/images.test.ts', podTierMissing());
const example = kubernetesExample;

/** A command run by the container's own image (its PATH, its programs), not by the tester's busybox. */
function inImage(pod: RunningPod, container: string, command: string[]) {
  return podman(['exec', `${pod.name}-${container}`, ...command], { check: false });
}

/** The Envoy container of a synthesized pod template. */
function envoyOf(docs: any[]): any {
  return docs.find(d => d.kind === 'Deployment').spec.template.spec.initContainers.find((c: any) => c.name === 'envoy');
}

describe('the Envoy image (envoyproxy/envoy, Ubuntu without curl or wget: envoyproxy/envoy#31614)', () => {
  podTest('wget is not in the image, though Envoy answers (the tester\'s busybox reaches it); the library\'s preStop drain reaches Envoy\'s admin', async () => {
    const docs = await example('deployment-envoy');
    const envoy = envoyOf(docs);
    const pod = runKubernetesPod(docs, docs.find(d => d.kind === 'Deployment'));
    try {
      const ready = 'http://127.0.0.1:15021/healthz/ready';
      expect(pod.exec('envoy', ['wget', '-q', '-O', '/dev/null', ready]).code).toBe(0);
      const direct = inImage(pod, 'envoy', ['wget', '-q', '-O', '/dev/null', ready]);
      expect(direct.code).not.toBe(0);
      expect(direct.stderr).toMatch(/wget.*(not found|no such file)/i);
      expect(inImage(pod, 'envoy', ['sh', '-c', `wget -q -O /dev/null ${ready}`])).toMatchObject({ code: 127, stderr: expect.stringContaining('wget: not found') });
      expect(inImage(pod, 'envoy', ['sh', '-c', 'curl -sf http://127.0.0.1:15021/healthz/ready']).code).toBe(127);
      // The preStop drain, run in the image as the kubelet runs it, reaches Envoy's admin
      // (POST /drain_listeners, envoyproxy/envoy docs/root/operations/admin.rst): its exit status
      // alone proves nothing, as the script ends with `sleep`.
      expect(inImage(pod, 'envoy', envoy.lifecycle.preStop.exec.command)).toMatchObject({ code: 0, stderr: '' });
      expect(pod.logs('envoy')).toContain('envoy: admin: POST /drain_listeners?graceful&inboundonly');
    } finally {
      pod.remove();
    }
  }, POD_TIMEOUT);

  podTest('a pod whose Envoy startup probe runs wget never starts here, and the synth-time contract refuses it', async () => {
    const docs: any[] = JSON.parse(JSON.stringify(await example('deployment-envoy')));
    const envoy = envoyOf(docs);
    const argv = ['wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:15021/healthz/ready'];
    envoy.startupProbe = { exec: { command: argv }, periodSeconds: 1, failureThreshold: 10 };
    expect(() => runKubernetesPod(docs, docs.find(d => d.kind === 'Deployment'), { probeSeconds: 10 })).toThrow(/-envoy: startup probe never passed/);
    expectError(() => checkCommandsInImage('shop/envoy', 'envoy', envoy.image, [{ field: 'startupProbe.command', argv }]), ErrorCode.RUNTIME_MISSING_BINARY,
      'shop/envoy: startupProbe.command of container "envoy" runs "wget" in image "envoyproxy/envoy:v1.39.1", but the image ships no "wget"');
  }, POD_TIMEOUT);
});

describe('images without a shell (OPA static, Fluent Bit distroless) and with one (Vault on Alpine)', () => {
  podTest('opa and fluent-bit have no sh and no cat of their own; vault has sh and busybox wget; the tester inspects all three', async () => {
    const docs = await example('deployment-vault-opa-logs');
    const pod = runKubernetesPod(docs, docs.find(d => d.kind === 'Deployment'));
    try {
      for (const c of ['opa', 'fluent-bit']) {
        expect(inImage(pod, c, ['sh', '-c', 'true']).code).not.toBe(0);
        expect(inImage(pod, c, ['cat', '/etc/passwd']).code).not.toBe(0);
        expect(pod.exec(c, ['cat', '/etc/passwd']).code).toBe(0);
      }
      expect(inImage(pod, 'vault-agent', ['sh', '-c', 'wget -q -O /dev/null http://127.0.0.1:8181/v1/data && id -u'])).toMatchObject({ code: 0, stdout: '100\n' });
      // The tester's busybox is read-only and on no PATH.
      expect(inImage(pod, 'vault-agent', ['sh', '-c', 'command -v busybox']).code).not.toBe(0);
      expect(pod.exec('vault-agent', ['sh', '-c', 'echo x > /.pod-tier/busybox']).code).not.toBe(0);
    } finally {
      pod.remove();
    }
  }, POD_TIMEOUT);
});
