/**
 * The pod tier on the run-time promises of the issue-13 knobs (parity with the injectors):
 * the shared escape hatch `overrides`, the Vault agent's injectToken and runAsSameUser,
 * Envoy's RedirectMode.CNI and exitOnZeroActiveConnections. Each pod is synthesized by the
 * library and run by test/pods/kubernetes.ts as the kubelet would; what is read, written or
 * refused is the kernel's answer to each container's identity.
 */
/* eslint-disable no-bitwise */ // capability sets and file modes are bit sets
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { realTest } from '../prerequisites';
import { runEcsTask } from './ecs';
import { POD_TIMEOUT } from './examples';
import { RunningPod, assertReaders, podmanAsync, runKubernetesPod } from './kubernetes';
import { TIER_BUSYBOX, podTierMissing, startPeer } from './podman';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, PatchOperation, RedirectMode, VaultAgentSidecar, VaultAuth, VolumeKind } from '../../src';
import { TaskSidecars } from '../../src/ecs';
import { KubernetesTarget, WorkloadSidecars } from '../../src/k8s';
import { fargateTask, synthTemplate } from '../ecs/util';
import { newChart, rawDeployment, synth } from '../k8s/util';

const podTest = realTest('pods/parity.test.ts', podTierMissing());

/** Runs `fn` on the started pod of the synthesized workload, and always removes the pod. */
async function withPod(docs: any[], fn: (pod: RunningPod) => void | Promise<void>,
  options: Parameters<typeof runKubernetesPod>[2] = {}): Promise<void> {
  const workload = docs.find(d => ['Deployment', 'Job', 'CronJob', 'Pod'].includes(d.kind));
  const pod = runKubernetesPod(docs, workload, options);
  try { await fn(pod); } finally { pod.remove(); }
}

/** The environment of each container's own process (PID 1 of its PID namespace), as that container reads it. */
function environOf(pod: RunningPod, container: string): string[] {
  return pod.exec(container, ['sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ']).stdout.split('\n');
}

/** A /proc/<pid>/status field. */
function field(status: string, name: string): string {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status);
  if (!m) { throw new Error(`no ${name} in:\n${status}`); }
  return m[1].trim();
}

/** The real UID of each container's own process (PID 1 of its PID namespace). */
function uidOf(pod: RunningPod, container: string): string {
  return field(pod.exec(container, ['cat', '/proc/1/status']).stdout, 'Uid').split(/\s+/)[0];
}

const EXTRA_TOKEN = 'stand-in token of the team\'s own Secret';

describe('overrides: the escape hatch reaches only the sidecar it is set on', () => {
  /**
   * OPA (its -static-debug image, which has a shell) with an env var and a SECRET volume from
   * the team's own Secret, the app's emptyDir mounted read-write, and a preStop hook added by a
   * JSON patch; Fluent Bit with the same app volume read-only.
   */
  function overridesPod(): any[] {
    const chart = newChart('ovr');
    KubernetesTarget.set(chart, '1.33');
    const api = rawDeployment(chart, 'api', [{
      name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }], volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
    }], { volumes: [{ name: 'shared', emptyDir: {} }] });
    WorkloadSidecars.of(api).add(
      new OpaSidecar(chart, 'opa', {
        image: 'openpolicyagent/opa:1.10.1-static-debug',
        policies: { 'authz.rego': 'package authz\n\ndefault allow := false\n' },
        overrides: {
          env: [{ name: 'OPA_EXTRA_TOKEN', secret: { secretName: 'opa-extra', key: 'token' } }],
          volumes: [{ name: 'opa-extra', kind: VolumeKind.SECRET, secretName: 'opa-extra', mountPath: '/etc/opa-extra' }],
          appVolumeMounts: [{ volume: 'shared', mountPath: '/shared', readOnly: false }],
          // Shell builtins only: the image's facts row lists /bin/sh and no other program.
          kubernetesPatches: [{
            op: PatchOperation.ADD,
            path: '/lifecycle',
            value: { preStop: { exec: { command: ['/bin/sh', '-c', 'read -r l < /shared/from-app; echo "preStop ran; app wrote: $l" > /shared/prestop'] } } },
          }],
        },
      }),
      new FluentBitSidecar(chart, 'logs', {
        outputs: [FluentBitOutput.forward({ host: 'fluentd.observability.svc' })],
        overrides: { appVolumeMounts: [{ volume: 'shared', mountPath: '/shared', readOnly: true }] },
      }),
    );
    // The team's own Secret (overrides name an existing one; the library does not make it).
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opa-extra' }, data: { token: Buffer.from(EXTRA_TOKEN).toString('base64') } };
    return [...synth(chart), secret];
  }

  podTest('env and SECRET volume: only OPA; appVolumeMounts: OPA reads and writes the app\'s file, Fluent Bit reads and gets EROFS; the patched preStop runs at termination', async () => {
    await withPod(overridesPod(), async pod => {
      expect(pod.started).toEqual(['opa', 'fluent-bit', 'app']);
      // overrides.volumes SECRET: the file is OPA's alone (no other container mounts the volume).
      assertReaders(pod, '/etc/opa-extra/token', ['opa'], EXTRA_TOKEN);
      // overrides.env from the Secret: in OPA's process environment only, with the Secret's value.
      for (const c of ['opa', 'fluent-bit', 'app']) {
        expect({ c, has: environOf(pod, c).includes(`OPA_EXTRA_TOKEN=${EXTRA_TOKEN}`) }).toEqual({ c, has: c === 'opa' });
      }
      // overrides.appVolumeMounts: the app writes into its own volume; OPA (rw) reads and writes
      // there; Fluent Bit (ro) reads and the kernel refuses its write (EROFS).
      expect(pod.exec('app', ['sh', '-c', 'echo written by the app > /shared/from-app']).code).toBe(0);
      expect(pod.exec('opa', ['cat', '/shared/from-app'])).toMatchObject({ code: 0, stdout: 'written by the app\n' });
      expect(pod.exec('opa', ['sh', '-c', 'echo written by opa > /shared/from-opa']).code).toBe(0);
      expect(pod.exec('fluent-bit', ['cat', '/shared/from-app', '/shared/from-opa'])).toMatchObject({ code: 0, stdout: 'written by the app\nwritten by opa\n' });
      expect(pod.exec('fluent-bit', ['sh', '-c', 'echo x > /shared/from-fluent-bit'])).toMatchObject({ code: 1, stderr: expect.stringContaining('Read-only file system') });
      expect(pod.exec('app', ['cat', '/shared/from-opa']).stdout).toBe('written by opa\n');

      // overrides.kubernetesPatches: the preStop added by the patch runs when the pod stops
      // (OPA is a native sidecar: after the app has exited), in OPA's image and identity.
      const t = await pod.terminate();
      expect(t.hooks).toEqual([expect.objectContaining({ container: 'opa', hook: 'preStop exec', code: 0 })]);
      const written = path.join(pod.volumePath('shared'), 'prestop');
      expect(fs.readFileSync(written, 'utf-8')).toBe('preStop ran; app wrote: written by the app\n');
      expect(fs.statSync(written).uid).toBe(1111);
    });
  }, POD_TIMEOUT);
});

describe('overrides.appVolumeMounts on ECS Fargate', () => {
  podTest('OPA reads what the app writes into its task volume; read-only, the kernel refuses OPA\'s write (EROFS)', async () => {
    const f = fargateTask();
    f.td.addVolume({ name: 'shared' });
    f.appContainer.addMountPoints({ sourceVolume: 'shared', containerPath: '/shared', readOnly: false });
    TaskSidecars.of(f.td).add(new OpaSidecar(f.stack, 'opa', {
      policies: { 'authz.rego': 'package authz\n\ndefault allow := false\n' },
      overrides: { appVolumeMounts: [{ volume: 'shared', mountPath: '/shared', readOnly: true }] },
    }));
    const template = synthTemplate(f.stack);
    const td = Object.values<any>(template.Resources).find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
    // Fargate's bind-mount task storage is root's, 0755 (test/pods/ecs.ts): the team's app runs as root to write there.
    td.ContainerDefinitions.find((c: any) => c.Name === 'app').User = '0:0';
    const task = runEcsTask(template);
    try {
      expect(task.exec('app', ['sh', '-c', 'echo written by the app > /shared/from-app']).code).toBe(0);
      expect(task.exec('opa', ['cat', '/shared/from-app'])).toMatchObject({ code: 0, stdout: 'written by the app\n' });
      expect(task.exec('opa', ['sh', '-c', 'echo x > /shared/from-opa'])).toMatchObject({ code: 1, stderr: expect.stringContaining('Read-only file system') });
    } finally {
      task.remove();
    }
  }, POD_TIMEOUT);
});

describe('Vault agent injectToken and runAsSameUser', () => {
  /**
   * vault-k8s: `agent-inject-token` adds a file sink at <secret volume>/token, and
   * `agent-run-as-same-user` runs the agent with the first app container's runAsUser
   * (hashicorp/vault-k8s agent-inject/agent/annotations.go AnnotationAgentInjectToken,
   * AnnotationAgentRunAsSameUser; agent.go). The file sink writes the token with the sink's
   * `mode` (Vault docs, agent-and-proxy/autoauth/sinks/file: mode, default 0640), which the
   * stand-in applies to the file it writes (test/pods/standin/main.go vaultAgent).
   */
  function vaultPod(): any[] {
    const chart = newChart('vsame');
    KubernetesTarget.set(chart, '1.33');
    const api = rawDeployment(chart, 'api', [{
      name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }], securityContext: { runAsUser: 4100, runAsGroup: 4200 },
    }]);
    WorkloadSidecars.of(api).add(
      new VaultAgentSidecar(chart, 'vault', {
        address: 'https://vault.vault.svc:8200',
        auth: [VaultAuth.kubernetes({ role: 'api' })],
        secrets: [{ path: 'database/creds/api', file: 'db.json', perms: 0o400 }],
        injectToken: true,
        runAsSameUser: true,
      }),
      new OpaSidecar(chart, 'opa', { policies: { 'authz.rego': 'package authz\n\ndefault allow := false\n' } }),
    );
    return synth(chart);
  }

  podTest('the agents run as the app\'s UID; the app reads the 0400 token and secret, OPA and another UID cannot', async () => {
    await withPod(vaultPod(), pod => {
      expect(pod.started).toEqual(['vault-agent-init', 'vault-agent', 'opa', 'app']);
      // runAsSameUser: the long-running agent's process and the app's have the app's UID.
      expect({ agent: uidOf(pod, 'vault-agent'), app: uidOf(pod, 'app'), opa: uidOf(pod, 'opa') }).toEqual({ agent: '4100', app: '4100', opa: '1111' });
      // What the agents wrote: owner the app's UID and GID (the agents' own), mode 0400.
      for (const f of ['token', 'db.json']) {
        const st = fs.statSync(path.join(pod.volumePath('vault-agent-secrets'), f));
        expect({ f, uid: st.uid, gid: st.gid, mode: (st.mode & 0o7777).toString(8) }).toEqual({ f, uid: 4100, gid: 4200, mode: '400' });
      }
      // injectToken: the app reads the agent's token; OPA (no mount) cannot; the init agent's
      // identity (the same UID) can. 0400 owner-only: another UID with the app's group cannot.
      assertReaders(pod, '/vault/secrets/token', ['vault-agent-init', 'vault-agent', 'app'], 'stand-in token');
      assertReaders(pod, '/vault/secrets/db.json', ['vault-agent-init', 'vault-agent', 'app']);
      expect(pod.exec('app', ['cat', '/vault/secrets/token'], '4300:4200')).toMatchObject({ code: 1, stderr: expect.stringContaining('Permission denied') });
      expect(pod.exec('app', ['cat', '/vault/secrets/db.json'], '4300:4200')).toMatchObject({ code: 1, stderr: expect.stringContaining('Permission denied') });
    });
  }, POD_TIMEOUT);
});

/** A Deployment with one app container on 8080 and Envoy beside it. */
function envoyPod(id: string, props: ConstructorParameters<typeof EnvoySidecar>[2], containers?: any[]): any[] {
  const chart = newChart(id);
  KubernetesTarget.set(chart, '1.33');
  const api = rawDeployment(chart, 'api', containers);
  WorkloadSidecars.of(api).add(new EnvoySidecar(chart, 'envoy', props));
  return synth(chart);
}

/** CAP_NET_ADMIN (12) and CAP_NET_RAW (13), linux/capability.h. */
const NET_BITS = (BigInt(1) << BigInt(12)) | (BigInt(1) << BigInt(13));

describe('Envoy redirectMode: RedirectMode.CNI', () => {
  /**
   * The rules the Istio CNI plugin would install from the pod's annotations, run from the test
   * as the "CNI" before any container: the library's own redirect rules for the same
   * interception (src/k8s/redirect.ts redirectRules, read from the INIT_CONTAINER rendering of
   * the same pod), plus the one rule of istio-iptables that the validation probe relies on
   * and the library's rules do not have: the proxy UID's connections on lo to an address other
   * than 127.0.0.1 go to the inbound capture (istio/istio tools/istio-iptables/pkg/capture/run.go,
   * "-o lo ! -d 127.0.0.1/32 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT").
   */
  function cniRules(): string {
    const docs = envoyPod('cni-rules', { redirectMode: RedirectMode.INIT_CONTAINER });
    const rules: string = docs.find(d => d.kind === 'ConfigMap' && d.data?.['rules.v4'])!.data['rules.v4'];
    const hook = '-A CDK_SIDECARS_OUTPUT -m owner --uid-owner 1337 -j RETURN';
    expect(rules).toContain(hook);
    return rules.replace(hook, `-A CDK_SIDECARS_OUTPUT -o lo ! -d 127.0.0.1/32 -m owner --uid-owner 1337 -j CDK_SIDECARS_IN_REDIRECT\n${hook}`);
  }
  const cni = (rules: string) => (pid: string) => {
    execFileSync('nsenter', ['-t', pid, '-n', 'iptables-restore'], { input: rules });
  };

  podTest('no container holds NET_ADMIN or NET_RAW or runs as root; without the CNI\'s rules the validation init fails the pod; with them traffic is intercepted', async () => {
    // An app as the Pod Security Standard "restricted" asks (non-root, every capability
    // dropped): the runtime's default set would otherwise leave NET_RAW in its bounding set.
    const docs = envoyPod('cni', { redirectMode: RedirectMode.CNI }, [{
      name: 'app',
      image: 'ghcr.io/acme/app:1.0.0',
      ports: [{ containerPort: 8080 }],
      securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
    }]);
    const workload = docs.find(d => d.kind === 'Deployment');
    const spec = workload.spec.template.spec;
    expect([...spec.initContainers, ...spec.containers].map((c: any) => c.name)).toEqual(['cdk-sidecars-redirect-check', 'istio-proxy', 'app']);

    // No CNI plugin on the node: the validation init container (Istio's istio-validation) fails the pod.
    expect(() => runKubernetesPod(docs, workload).remove())
      .toThrow(/init container cdk-sidecars-redirect-check exited 1:[\s\S]*validation timeout/);

    const peer = startPeer('cdk-sidecars-cni-peer', [80]);
    try {
      await withPod(docs, pod => {
        expect(pod.completed.map(c => c.name)).toEqual(['cdk-sidecars-redirect-check']);
        expect(pod.completed[0].output).toContain('Validation passed');
        // Every container, the completed init included (RunningPod.as: its identity in a new
        // container), as the kernel sees its process: no NET_ADMIN or NET_RAW in any set, not UID 0.
        for (const c of pod.containers) {
          const status = pod.as(c, ['cat', '/proc/self/status']).stdout;
          const caps = Object.fromEntries(['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'].map(k => [k, (BigInt(`0x${field(status, k)}`) & NET_BITS) !== BigInt(0)]));
          expect({ c, uid: field(status, 'Uid').split(/\s+/)[0] !== '0', caps })
            .toEqual({ c, uid: true, caps: { CapInh: false, CapPrm: false, CapEff: false, CapBnd: false, CapAmb: false } });
        }
        // The running processes themselves (not only a command run as their identity).
        for (const c of ['istio-proxy', 'app']) {
          const status = pod.exec(c, ['cat', '/proc/1/status']).stdout;
          expect({ c, uid: field(status, 'Uid').split(/\s+/)[0], bnd: BigInt(`0x${field(status, 'CapBnd')}`) & NET_BITS })
            .toEqual({ c, uid: c === 'app' ? '25000' : '1337', bnd: BigInt(0) });
        }
        // The CNI's rules intercept: a client outside reaches the app through 15006.
        const ip = pod.ip();
        expect(peer.run(['wget', '-q', '-O-', `http://${ip}:8080/orders`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
        expect(pod.logs('istio-proxy')).toContain(`inbound: GET /orders from ${peer.ip}`);
      }, { cni: cni(cniRules()) });
    } finally {
      peer.remove();
    }
  }, POD_TIMEOUT * 2);
});

describe('Envoy exitOnZeroActiveConnections', () => {
  podTest('the preStop returns once the last inbound connection closes, not while it is open, and within drainSeconds', async () => {
    const drainSeconds = 20;
    const hold = 8;
    const docs = envoyPod('idle', { drainSeconds, exitOnZeroActiveConnections: true });
    const peer = startPeer('cdk-sidecars-idle-peer', [80]);
    try {
      await withPod(docs, async pod => {
        // The stand-in admin reports the gauge Envoy would: 0 with no connection.
        const stats = () => pod.exec('app', ['wget', '-q', '-O-', 'http://127.0.0.1:15000/stats?filter=downstream_cx_active']).stdout;
        expect(stats()).toMatch(/^listener\.0\.0\.0\.0_15006\.downstream_cx_active: 0$/m);
        // A client outside opens a connection to the app's port (captured to 15006) and sends
        // nothing for `hold` seconds: Envoy keeps it open, waiting for a request.
        // The connection opens when `podman exec` has started nc, which takes a while on a busy
        // machine: it closes `hold` seconds later, so no earlier than `hold` after the exec was
        // asked for (`asked`) and no later than `hold` after Envoy was first seen holding it (`seen`).
        const asked = Date.now();
        const client = podmanAsync(['exec', peer.name, TIER_BUSYBOX, 'sh', '-c', `sleep ${hold} | ${TIER_BUSYBOX} nc ${pod.ip()} 8080; echo closed`]);
        let seen: number | undefined;
        while (seen === undefined && Date.now() < asked + hold * 1000 - 2000) {
          if (/^listener\.0\.0\.0\.0_15006\.downstream_cx_active: 1$/m.test(stats())) { seen = Date.now(); } else { await new Promise(r => setTimeout(r, 200)); }
        }
        expect(seen).toBeDefined();
        const t = await pod.terminate();
        const closed = Date.now();
        await client;
        const hook = t.hooks.find(h => h.container === 'envoy')!;
        expect(hook).toMatchObject({ hook: 'preStop exec', code: 0 });
        // Not before the connection closed, not long after, and well within drainSeconds of the hook's start.
        expect(hook.endedAt).toBeGreaterThanOrEqual(asked + hold * 1000 - 500);
        expect(hook.endedAt).toBeLessThan(seen! + hold * 1000 + 3500);
        expect(hook.endedAt - hook.startedAt).toBeLessThan(drainSeconds * 1000);
        expect(closed).toBeGreaterThan(hook.endedAt);
        expect(pod.logs('envoy')).toContain('envoy: admin: POST /drain_listeners?graceful&inboundonly');
      });
    } finally {
      peer.remove();
    }
  }, POD_TIMEOUT * 2);

  podTest('a connection held past drainSeconds: the preStop returns at drainSeconds', async () => {
    const drainSeconds = 4;
    const docs = envoyPod('idle-bound', { drainSeconds, exitOnZeroActiveConnections: true });
    const peer = startPeer('cdk-sidecars-idle-bound-peer', [80]);
    try {
      await withPod(docs, async pod => {
        const client = podmanAsync(['exec', peer.name, TIER_BUSYBOX, 'sh', '-c', `sleep 30 | ${TIER_BUSYBOX} nc ${pod.ip()} 8080`]);
        await new Promise(r => setTimeout(r, 1500));
        const t = await pod.terminate();
        const hook = t.hooks.find(h => h.container === 'envoy')!;
        expect(hook).toMatchObject({ hook: 'preStop exec', code: 0 });
        // The bound is drainSeconds, never less: the script keeps time with EPOCHREALTIME
        // (SECONDS, whole seconds since the shell started, once let it give up a second early).
        expect(hook.endedAt - hook.startedAt).toBeGreaterThanOrEqual(drainSeconds * 1000);
        expect(hook.endedAt - hook.startedAt).toBeLessThan((drainSeconds + 2) * 1000);
        peer.remove();
        await client;
      });
    } finally {
      peer.remove();
    }
  }, POD_TIMEOUT * 2);
});
