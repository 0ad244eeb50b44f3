/**
 * The pod tier with Localhost seccomp profiles (issue 14, podsec): the example
 * hardening-pod-security and a pod whose profile denies mkdir run with podman and runc, each
 * container with a Localhost profile given the file the library wrote (the runner's
 * `seccompRoot`: the example's output folder, as the nodes' /var/lib/kubelet/seccomp), so that
 * the stand-ins of Envoy and Fluent Bit (Go programs: the Go runtime's system calls) must start
 * and become ready under Docker's default allow list without the ptrace family, and a denied
 * call fails with EPERM in the sidecar while the app container (runtime default) may make it.
 * User namespaces are not what podman's pod here has (hostUsers is not translated): the
 * redirect's behaviour in one is proved in test/k8s/podsec-kernel.test.ts.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RunningPod, runKubernetesPod } from './kubernetes';
import { podTierMissing, waitForProbe } from './podman';
import { examplesOf, synthKubernetesExample } from '../../scripts/examples';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, LocalhostSeccompProfile } from '../../src';
import { WorkloadSidecars } from '../../src/k8s';
import { findDoc, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { realTest } from '../prerequisites';
import { POD_TIMEOUT } from './examples';

const podTest = realTest('pods/seccomp.test.ts', podTierMissing());

function expectReady(pod: RunningPod, workload: any): void {
  const spec = podOf(workload).spec;
  for (const c of [...(spec.initContainers ?? []).filter((x: any) => x.restartPolicy === 'Always'), ...spec.containers]) {
    const p = c.readinessProbe;
    if (!p) { continue; }
    const probe = p.exec ? { exec: p.exec.command }
      : p.httpGet ? { http: { port: Number(p.httpGet.port), path: p.httpGet.path } } : { tcp: Number(p.tcpSocket.port) };
    waitForProbe(`${pod.name}-${c.name}`, probe, 'readiness');
  }
}

/** The Seccomp mode of the container's main process (2: a filter). */
const seccompMode = (pod: RunningPod, container: string) => /Seccomp:\s*(\d)/.exec(pod.exec(container, ['/.pod-tier/busybox', 'cat', '/proc/1/status']).stdout)?.[1];

podTest('hardening-pod-security: Envoy and Fluent Bit start and become ready under the generated profile', async () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-pod-hardening-'));
  try {
    const { docs } = await synthKubernetesExample(examplesOf('k8s').find(f => path.basename(f) === 'hardening-pod-security.ts')!, outdir);
    const workload = docs.find(d => d.kind === 'Deployment');
    const pod = runKubernetesPod(docs, workload, { seccompRoot: outdir });
    try {
      expect(pod.completed.map(c => c.name)).toEqual(['cdk-sidecars-redirect']);
      expectReady(pod, workload);
      expect(seccompMode(pod, 'envoy')).toBe('2');
      expect(seccompMode(pod, 'fluent-bit')).toBe('2');
    } finally { pod.remove(); }
    // Without the file on the node the container is not started.
    expect(() => runKubernetesPod(docs, workload, { seccompRoot: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-empty-')) }))
      .toThrow(/seccomp profile cdk-sidecars-sidecars.seccomp.json is not in the node's seccomp root/);
  } finally { fs.rmSync(outdir, { recursive: true, force: true }); }
}, POD_TIMEOUT);

podTest('a profile that denies mkdir: the sidecar gets EPERM, the app container (runtime default) does not', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-sidecars-seccomp-root-'));
  try {
    const profile = LocalhostSeccompProfile.dockerDefault('no-mkdir', { denySyscalls: ['mkdir', 'mkdirat'] });
    profile.writeTo(root);
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d).add(
      new EnvoySidecar(chart, 'envoy', { overrides: { localhostSeccompProfile: profile } }),
      new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()], overrides: { localhostSeccompProfile: profile } }),
    );
    const docs = synth(chart);
    const workload = findDoc(docs, 'Deployment');
    const pod = runKubernetesPod(docs, workload, { seccompRoot: root });
    try {
      expectReady(pod, workload);
      for (const c of ['envoy', 'fluent-bit']) {
        const r = pod.exec(c, ['/.pod-tier/busybox', 'mkdir', '/tmp/probe-dir']);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toContain('Operation not permitted');
      }
      const app = pod.exec('app', ['/.pod-tier/busybox', 'mkdir', '/tmp/probe-dir']);
      expect(app.stderr).not.toContain('Operation not permitted');
    } finally { pod.remove(); }
  } finally { fs.rmSync(root, { recursive: true, force: true }); }
}, POD_TIMEOUT);
