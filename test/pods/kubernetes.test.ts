/**
 * The pod tier on Kubernetes pods: example pods run with podman and runc on this machine's
 * kernel (test/pods/kubernetes.ts translates each pod spec as the kubelet would), with the
 * stand-in binaries of test/pods/standin. Skipped with the reason where podman, runc, Go or
 * root are missing; under CI (CI=true) a missing prerequisite fails.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import * as fs from 'fs';
import * as path from 'path';
import { realTest } from '../prerequisites';
import { POD_TIMEOUT, kubernetesExample } from './examples';
import { RunningPod, Termination, assertReaders, readersOf, readsOf, runKubernetesPod } from './kubernetes';
import { APP_IMAGE_USER, dualStackNetwork, podTierMissing, startPeer } from './podman';
import { Sidecar, VaultAgentSidecar, VaultAuth, VaultReload } from '../../src';
import { KubernetesTarget, WorkloadSidecars } from '../../src/k8s';
import { newChart, rawDeployment, synth } from '../k8s/util';

const podTest = realTest('pods/kubernetes.test.ts', podTierMissing());
const example = kubernetesExample;

/** Runs `fn` on the started pod, and always removes the pod. */
async function withPod(docs: any[], kind: string, fn: (pod: RunningPod) => void | Promise<void>, complete = true,
  options: Parameters<typeof runKubernetesPod>[2] = {}): Promise<void> {
  const workload = docs.find(d => d.kind === kind);
  const pod = runKubernetesPod(docs, workload, { complete, ...options });
  try { await fn(pod); } finally { pod.remove(); }
}

/** When each long-running container of a termination finished (ms), by name. */
function finished(t: Termination): { [name: string]: number } {
  return Object.fromEntries(t.exits.map(e => [e.name, e.finishedAt]));
}

/** The lines of a container's log that report its shutdown work ("app: draining N: ..."). */
function drainLines(logs: string): string[] {
  return logs.split('\n').filter(l => l.includes('app: draining'));
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
      // The app runs as the tier's app user (no runAsUser in the pod), whose GID is not the
      // agent's 1000: the fsGroup, not a shared primary group, lets it read the secret.
      expect(app('id -u; id -g').stdout.trim()).toBe(`${APP_IMAGE_USER.uid}\n${APP_IMAGE_USER.gid}`);
      expect(app('cat /vault/secrets/db.json')).toMatchObject({ code: 0, stdout: expect.stringContaining('stand-in secret') });
      // The secrets volume is mounted read-only in the app, and its root filesystem is read-only.
      expect(app('echo x > /vault/secrets/other').code).not.toBe(0);
      expect(app('touch /x').stderr).toContain('Read-only file system');
      // Another UID without the pod's groups cannot read the secret; one with fsGroup can.
      expect(pod.exec('export', ['cat', '/vault/secrets/db.json'], '4242:4242')).toMatchObject({ code: 1, stderr: expect.stringContaining('Permission denied') });
      expect(pod.exec('export', ['cat', '/vault/secrets/db.json'], '4242:1000').code).toBe(0);
    }, false);
  }, POD_TIMEOUT);
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
  }, POD_TIMEOUT);
});

describe('deployment-envoy: the redirect init, Envoy as a native sidecar, the app behind it', () => {
  podTest('the rules apply in the pod\'s namespace; Envoy is ready; the app\'s probes pass through Envoy\'s probe routes', async () => {
    const docs = await example('deployment-envoy');
    await withPod(docs, 'Deployment', pod => {
      expect(pod.started).toEqual(['fetch-flags', 'cdk-sidecars-redirect', 'envoy', 'checkout']);
      expect(pod.completed.map(c => c.name)).toEqual(['fetch-flags', 'cdk-sidecars-redirect']);
      const logs = pod.logs('envoy');
      expect(logs).toContain('health check /app-health/tcp/8080: 200');
      expect(logs).toMatch(/probes: GET \/app-health\/http\/8080\/ready .* -> cluster probe_http_8080 \(127\.0\.0\.1:8080\/ready\): 200/);
    });
  }, POD_TIMEOUT);

  podTest('a client in another network namespace reaches the app only through Envoy (15006, original destination); the app\'s outbound goes through 15001', async () => {
    const docs = await example('deployment-envoy');
    const peer = startPeer('cdk-sidecars-peer', [80, 9000]);
    try {
      await withPod(docs, 'Deployment', pod => {
        const ip = pod.ip();
        expect(ip).toMatch(/^[0-9.]+$/);
        // Inbound: the client connects to the pod's 8080; the rules send it to Envoy's 15006,
        // which reads the original destination and routes to the app on 127.0.0.1:8080.
        expect(peer.run(['wget', '-q', '-O-', `http://${ip}:8080/orders`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
        expect(pod.logs('envoy')).toContain(`inbound: GET /orders from ${peer.ip}`);
        expect(pod.logs('envoy')).toMatch(new RegExp(`inbound: GET /orders from ${peer.ip.replace(/\./g, '\\.')}:[0-9]+ to ${ip.replace(/\./g, '\\.')}:8080 -> cluster inbound_8080 \\(127\\.0\\.0\\.1:8080/orders\\): 200`));
        // Envoy's own ports are not reachable through the capture (15000 is on localhost only).
        expect(peer.run(['wget', '-q', '-O-', `http://${ip}:15000/ready`]).code).not.toBe(0);
        // Outbound: the app's connection to port 80 elsewhere goes to 15001, the chain for
        // port 80 routes it to its original destination (passthrough); Envoy's own upstream
        // connection (UID 1337) is not captured again.
        expect(pod.exec('checkout', ['wget', '-q', '-O-', `http://${peer.ip}/x`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
        expect(pod.logs('envoy')).toContain(`outbound: GET /x from ${ip}:`);
        expect(pod.logs('envoy')).toContain(`to ${peer.ip}:80 -> cluster passthrough (${peer.ip}:80/x): 200`);
        // A port with no routed chain (9000) takes the outbound listener's default_filter_chain:
        // a TCP passthrough to the original destination (Istio's ALLOW_ANY), still through Envoy.
        expect(pod.exec('checkout', ['wget', '-q', '-O-', `http://${peer.ip}:9000/`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
        expect(pod.logs('envoy')).toMatch(new RegExp(`outbound: connection from ${ip.replace(/\./g, '\\.')}:[0-9]+ to ${peer.ip.replace(/\./g, '\\.')}:9000 -> cluster passthrough`));
      });
    } finally {
      peer.remove();
    }
  }, POD_TIMEOUT);
});

describe('deployment-two-sidecars and job-native-sidecar: generic sidecars', () => {
  podTest('the migration runs first, statsd is started and probed before the log shipper, the shipper tails what the app writes', async () => {
    const docs = await example('deployment-two-sidecars');
    await withPod(docs, 'Deployment', pod => {
      expect(pod.started).toEqual(['migrate', 'statsd', 'log-shipper', 'api']);
      expect(pod.completed.map(c => c.name)).toEqual(['migrate']);
      // The app writes its log into the shared emptyDir (no fsGroup: 0777, files 0644 by umask);
      // the shipper's UID reads it.
      expect(pod.exec('api', ['sh', '-c', 'echo started >> /var/log/app/api.log']).code).toBe(0);
      expect(pod.exec('log-shipper', ['cat', '/var/log/app/api.log'])).toMatchObject({ code: 0, stdout: 'started\n' });
      // The app reaches statsd on localhost, as its environment says.
      expect(pod.exec('api', ['sh', '-c', 'echo "orders:1|c" | nc "$STATSD_HOST" "$STATSD_PORT"']).code).toBe(0);
    });
  }, POD_TIMEOUT);

  podTest('the Job completes: the report exits 0, then the native metrics sidecar is stopped', async () => {
    const docs = await example('job-native-sidecar');
    await withPod(docs, 'Job', pod => {
      expect(pod.started).toEqual(['metrics', 'report']);
      expect(pod.completed.map(c => c.name)).toEqual(['report']);
      expect(pod.completed[0].output).toMatch(/^exit 0\n/);
      expect(pod.stopped).toEqual(['metrics']);
    });
  }, POD_TIMEOUT);
});

describe('shutdown as the kubelet does it: the sidecars outlive the app and keep serving it while it drains', () => {
  podTest('deployment-envoy: on SIGTERM the app keeps calling out through Envoy for 3 s, every call succeeds; Envoy stops after the app', async () => {
    const docs = await example('deployment-envoy');
    const peer = startPeer('cdk-sidecars-drain-peer', [80]);
    try {
      await withPod(docs, 'Deployment', async pod => {
        const t = await pod.terminate();
        // Native sidecars: the app first; Envoy once the app has exited.
        expect(t.steps).toEqual(['checkout', 'envoy']);
        const at = finished(t);
        expect(at.envoy).toBeGreaterThan(at.checkout);
        const app = pod.logs('checkout');
        expect(app).toContain('app: signal terminated');
        // Every outbound call the app made during its shutdown went through Envoy's 15001
        // (the redirect rules still apply) and reached the peer: 200 each time.
        const calls = drainLines(app);
        expect(calls.length).toBeGreaterThanOrEqual(4);
        for (const l of calls) { expect(l).toMatch(new RegExp(`GET http://${peer.ip.replace(/\./g, '\\.')}/drain: 200$`)); }
        expect(pod.logs('envoy')).toContain(`to ${peer.ip}:80 -> cluster passthrough (${peer.ip}:80/drain): 200`);
        expect(peer.logs().match(/app: GET \/drain from/g)?.length).toBe(calls.length);
        // Envoy's preStop hook (admin drain, then drainSeconds) ran before its SIGTERM.
        expect(t.hooks.map(h => `${h.container}: ${h.hook}`)).toEqual(['envoy: preStop exec']);
        // The hook is a bash script (the envoyproxy/envoy image is Ubuntu-based and ships bash,
        // and so does its stand-in image): it runs, and Envoy's admin receives the drain.
        expect(t.hooks[0]).toMatchObject({ code: 0 });
        expect(pod.logs('envoy')).toContain('admin: POST /drain_listeners?graceful&inboundonly');
        expect(pod.logs('envoy')).toContain('envoy: terminated, exiting');
      }, true, { env: { checkout: { STAND_IN_DRAIN_SECONDS: '3', STAND_IN_DRAIN_URL: `http://${peer.ip}/drain` } } });
    } finally {
      peer.remove();
    }
  }, POD_TIMEOUT);

  podTest('deployment-vault-opa-logs: while the app drains it reads its Vault secret and logs; Fluent Bit ships every line; every sidecar exits after the app, in reverse start order', async () => {
    const docs = await example('deployment-vault-opa-logs');
    await withPod(docs, 'Deployment', async pod => {
      const t = await pod.terminate();
      expect(t.steps).toEqual(['api', 'fluent-bit', 'opa', 'vault-agent']);
      const at = finished(t);
      for (const s of ['fluent-bit', 'opa', 'vault-agent']) { expect(at[s]).toBeGreaterThan(at.api); }
      expect(at.opa).toBeGreaterThanOrEqual(at['fluent-bit']);
      expect(at['vault-agent']).toBeGreaterThanOrEqual(at.opa);
      const calls = drainLines(pod.logs('api'));
      const reads = calls.filter(l => l.includes('read /vault/secrets/db.json'));
      const written = calls.filter(l => l.includes('log /var/log/app/api.log')).map(l => /wrote "(.*)"$/.exec(l)?.[1]);
      expect(reads.length).toBeGreaterThanOrEqual(4);
      for (const l of reads) { expect(l).toMatch(/read \/vault\/secrets\/db\.json: [0-9]+ bytes$/); }
      expect(written.length).toBe(reads.length);
      // Fluent Bit, still running, tailed and shipped each line the app wrote during its shutdown.
      const shipped = pod.logs('fluent-bit').split('\n').filter(l => l.includes('tail /var/log/app/api.log'));
      expect(shipped.map(l => /: "(.*)" -> /.exec(l)?.[1])).toEqual(written);
      expect(shipped[0]).toContain('-> loki');
    }, true, { env: { api: { STAND_IN_DRAIN_SECONDS: '3', STAND_IN_DRAIN_READ: '/vault/secrets/db.json', STAND_IN_DRAIN_LOG: '/var/log/app/api.log' } } });
  }, POD_TIMEOUT);

  podTest('deployment-classic-sidecars (Kubernetes 1.28): classic sidecars get SIGTERM together with the app, so the shipper is gone before the app has finished and its last lines are lost', async () => {
    const docs = await example('deployment-classic-sidecars');
    await withPod(docs, 'Deployment', async pod => {
      const t = await pod.terminate();
      expect(t.steps).toEqual(['statsd+log-shipper+api']);
      const at = finished(t);
      // The app drains for 3 s; the classic sidecars stop at once: nothing orders them after the app.
      expect(at['log-shipper']).toBeLessThan(at.api);
      expect(at.statsd).toBeLessThan(at.api);
      // What that costs: the lines the app logs after the shipper has gone are never shipped.
      const written = drainLines(pod.logs('api')).filter(l => l.includes('log /var/log/app/api.log')).map(l => /wrote "(.*)"$/.exec(l)?.[1]);
      const shipped = pod.logs('log-shipper').split('\n').filter(l => l.includes('tail /var/log/app/api.log')).map(l => /: "(.*)" -> /.exec(l)?.[1]);
      expect(written.length).toBeGreaterThanOrEqual(4);
      expect(written.slice(0, shipped.length)).toEqual(shipped);
      expect(shipped.length).toBeLessThan(written.length);
    }, true, { env: { api: { STAND_IN_DRAIN_SECONDS: '3', STAND_IN_DRAIN_LOG: '/var/log/app/api.log' } } });
  }, POD_TIMEOUT);
});

describe('readers: every rendered secret, token and Secret volume is readable by exactly the containers that need it', () => {
  /** The content of a file of a pod volume, as the kubelet wrote it. */
  const volumeFile = (pod: RunningPod, volume: string, file: string) => fs.readFileSync(path.join(pod.volumePath(volume), file), 'utf-8');

  podTest('job-vault-prepopulate: db.json by the agent and the app; the agent\'s token and identity token by the agent only', async () => {
    const docs = await example('job-vault-prepopulate');
    await withPod(docs, 'CronJob', pod => {
      expect(pod.containers).toEqual(['vault-agent-init', 'export']);
      const token = '/var/run/secrets/kubernetes.io/serviceaccount/token';
      const reads = readsOf(pod, ['/vault/secrets/db.json', '/home/vault/.vault-token', token]);
      assertReaders(pod, '/vault/secrets/db.json', ['vault-agent-init', 'export'], undefined, reads);
      assertReaders(pod, '/home/vault/.vault-token', ['vault-agent-init'], undefined, reads);
      assertReaders(pod, token, ['vault-agent-init'], volumeFile(pod, 'vault-agent-init-identity', 'token'), reads);
    }, false);
  }, POD_TIMEOUT);

  podTest('deployment-vault-opa-logs: both secrets by the agents and the app only; each identity token by its own container only', async () => {
    const docs = await example('deployment-vault-opa-logs');
    await withPod(docs, 'Deployment', pod => {
      expect(pod.containers).toEqual(['vault-agent-init', 'vault-agent', 'opa', 'fluent-bit', 'api']);
      const token = '/var/run/secrets/kubernetes.io/serviceaccount/token';
      const reads = readsOf(pod, ['/vault/secrets/db.json', '/vault/secrets/stripe.env', '/home/vault/.vault-token', token]);
      for (const f of ['/vault/secrets/db.json', '/vault/secrets/stripe.env']) {
        assertReaders(pod, f, ['vault-agent-init', 'vault-agent', 'api'], undefined, reads);
      }
      // What a reader gets is the rendered secret itself.
      expect(reads.get('api')!.get('/vault/secrets/db.json')).toBe(volumeFile(pod, 'vault-agent-secrets', 'db.json'));
      assertReaders(pod, '/home/vault/.vault-token', ['vault-agent-init', 'vault-agent'], undefined, reads);
      assertReaders(pod, token, ['vault-agent-init'], volumeFile(pod, 'vault-agent-init-identity', 'token'), reads);
      assertReaders(pod, token, ['vault-agent'], volumeFile(pod, 'vault-agent-identity', 'token'), reads);
      assertReaders(pod, token, ['fluent-bit'], volumeFile(pod, 'fluent-bit-identity', 'token'), reads);
      // The app mounts no service account token at all (automountServiceAccountToken: false).
      expect(readersOf(pod, token, undefined, reads)).not.toContain('api');
    });
  }, POD_TIMEOUT);
});

describe('reloads: a re-rendered Vault secret reaches the app, from the agent\'s own identity', () => {
  /** A Deployment with a Vault agent (AppRole from a Secret volume) whose secret reloads the app over HTTP, in a pod that shares its PID namespace. */
  function reloadPod(): any[] {
    const chart = newChart('reload');
    KubernetesTarget.set(chart, '1.33');
    const api = rawDeployment(chart, 'api');
    const vault = new VaultAgentSidecar(chart, 'vault', {
      address: 'https://vault.vault.svc:8200',
      auth: [VaultAuth.appRole({ secretName: 'api-approle' })],
      secrets: [{ path: 'database/creds/api', file: 'db.json', reload: VaultReload.http({ port: 8080, path: '/-/reload' }) }],
    });
    // A generic sidecar asking for one process namespace (what a signal-based reload would need).
    const debug = new Sidecar(chart, 'debug', { image: 'ghcr.io/acme/debug:1.0.0', shareProcessNamespace: true });
    WorkloadSidecars.of(api).add(vault, debug);
    const docs = synth(chart);
    // The user's Secret, as the cluster holds it.
    const b64 = (v: string) => Buffer.from(v).toString('base64');
    docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api-approle' }, data: { 'role-id': b64('stand-in role'), 'secret-id': b64('stand-in secret id') } });
    return docs;
  }

  podTest('the agent re-renders db.json when the secret changes and its reload call reaches the app; the AppRole Secret is read by the agents only', async () => {
    const docs = reloadPod();
    await withPod(docs, 'Deployment', async pod => {
      // The secret changes at the (stood-in) server every 2 s; wait for reload calls that
      // found the app listening (the first may come before it is: reported, not fatal).
      const deadline = Date.now() + 20_000;
      while ((pod.logs('app').match(/app: POST \/-\/reload from 127\.0\.0\.1:/g) ?? []).length < 2 && Date.now() < deadline) {
        await new Promise(r => setTimeout(r, 500));
      }
      const agent = pod.logs('vault-agent');
      // The long-running agent found the init agent's render unchanged (no reload then), and ran
      // the template's command after each new version, inside its own container and identity.
      expect(agent).toContain('vault agent: /vault/secrets/db.json unchanged');
      expect(agent).toMatch(/rendered \/vault\/secrets\/db\.json \(0440\) version 2\n/);
      const calls = agent.split('\n').filter(l => l.includes('command ["sh" "-c" "wget -q -O /dev/null --post-data= \'http://127.0.0.1:8080/-/reload\''));
      expect(calls.every(l => /: exit 0: /.test(l))).toBe(true);
      expect((pod.logs('app').match(/app: POST \/-\/reload from 127\.0\.0\.1:/g) ?? []).length).toBeGreaterThanOrEqual(2);
      // After the reload the app reads the new version.
      expect(pod.exec('app', ['cat', '/vault/secrets/db.json']).stdout).toMatch(/^stand-in secret version [0-9]+ rendered/);
      // The AppRole Secret volume (defaultMode 0444, group fsGroup): only the agents mount it.
      const reads = readsOf(pod, ['/vault/approle/role-id', '/vault/approle/secret-id', '/vault/secrets/db.json']);
      for (const f of ['/vault/approle/role-id', '/vault/approle/secret-id']) { assertReaders(pod, f, ['vault-agent-init', 'vault-agent'], undefined, reads); }
      expect(reads.get('vault-agent')!.get('/vault/approle/secret-id')).toBe('stand-in secret id');
      assertReaders(pod, '/vault/secrets/db.json', ['vault-agent-init', 'vault-agent', 'app'], undefined, reads);

      // Why the reload is an HTTP call and not a signal (issue 9): even in a pod sharing one PID
      // namespace, the agent's identity (UID 100, every capability dropped) cannot signal the
      // app (APP_IMAGE_USER), and neither can root in the agent's container without CAP_KILL.
      const appPid = `for s in /proc/[0-9]*/status; do grep -q "^Uid:[[:space:]]*${APP_IMAGE_USER.uid}[[:space:]]" $s && grep -q "^Name:[[:space:]]*app$" $s && p=\${s%/status} && echo \${p#/proc/}; done`;
      const pid = pod.exec('vault-agent', ['sh', '-c', appPid]).stdout.trim();
      expect(pid).toMatch(/^[0-9]+$/);
      expect(pod.exec('vault-agent', ['kill', '-HUP', pid])).toMatchObject({ code: 1, stderr: expect.stringContaining('Operation not permitted') });
      expect(pod.exec('vault-agent', ['kill', '-HUP', pid], '0:0')).toMatchObject({ code: 1, stderr: expect.stringContaining('Operation not permitted') });
      expect(pod.logs('app')).not.toContain('app: signal hangup');
      // The app does receive and log a signal from an identity the kernel allows (its own UID).
      expect(pod.exec('debug', ['kill', '-HUP', pid], `${APP_IMAGE_USER.uid}:${APP_IMAGE_USER.gid}`).code).toBe(0);
      await new Promise(r => setTimeout(r, 300));
      expect(pod.logs('app')).toContain('app: signal hangup');
    }, true, { env: { 'vault-agent': { STAND_IN_VAULT_CHANGE_SECONDS: '2' } } });
  }, POD_TIMEOUT);
});

describe('IPv6: deployment-envoy on a dual-stack network', () => {
  podTest('inbound over IPv6 reaches the app only through Envoy (15006, original destination); outbound goes through 15001; Envoy\'s own traffic (UID 1337) is not redirected', async () => {
    const docs = await example('deployment-envoy');
    const network = dualStackNetwork('cdk-sidecars-v6');
    try {
      const peer = startPeer('cdk-sidecars-v6-peer', [80, 9000], network.name);
      try {
        await withPod(docs, 'Deployment', pod => {
          const ip6 = pod.ip6();
          expect(ip6).toMatch(/^fd42:/);
          expect(peer.ip6).toMatch(/^fd42:/);
          // The redirect init found a global IPv6 address and applied the IPv6 rules too.
          expect(pod.completed.find(c => c.name === 'cdk-sidecars-redirect')!.output).not.toContain('no global IPv6 address');
          const envoyLog = () => pod.logs('envoy');

          // Inbound: the peer connects to [pod]:8080; ip6tables sends it to Envoy's [::]:15006,
          // which reads the original destination (IP6T_SO_ORIGINAL_DST) and routes to the app.
          expect(peer.run(['wget', '-q', '-O-', `http://[${ip6}]:8080/orders`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(envoyLog()).toContain(`inbound: GET /orders from [${peer.ip6}]:`);
          expect(envoyLog()).toContain(`to [${ip6}]:8080 -> cluster inbound_8080 (127.0.0.1:8080/orders): 200`);
          // The app saw the request come from Envoy on localhost, never from the peer.
          expect(pod.logs('checkout')).toMatch(/app: GET \/orders from 127\.0\.0\.1:/);
          expect(pod.logs('checkout')).not.toContain(peer.ip6);

          // Outbound: the app's call to [peer]:80 goes to 15001 and out through the passthrough
          // cluster; the peer sees one connection, from the pod's own address: Envoy's upstream
          // connection went out directly, not captured again (no loop).
          expect(pod.exec('checkout', ['wget', '-q', '-O-', `http://[${peer.ip6}]/x`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(envoyLog()).toContain(`to [${peer.ip6}]:80 -> cluster passthrough ([${peer.ip6}]:80/x): 200`);
          expect(envoyLog().match(/outbound: GET \/x from /g)?.length).toBe(1);
          expect(peer.logs().match(/app: GET \/x from /g)?.length).toBe(1);
          expect(peer.logs()).toContain(`app: GET /x from [${ip6}]:`);

          // Port 9000 has no routed chain: the app's connection is captured and passed through
          // by the default chain ...
          const through9000 = () => envoyLog().split('\n').filter(l => l.includes(`to [${peer.ip6}]:9000 -> cluster passthrough`)).length;
          expect(pod.exec('checkout', ['wget', '-q', '-O-', `http://[${peer.ip6}]:9000/`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(through9000()).toBe(1);
          // ... while the same call from Envoy's identity (UID 1337) is not redirected: it
          // arrives, and Envoy's outbound listener never sees it.
          expect(pod.exec('envoy', ['wget', '-q', '-O-', `http://[${peer.ip6}]:9000/`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(through9000()).toBe(1);
          expect(peer.logs().match(new RegExp(`app: GET / from \\[${ip6}\\]:`, 'g'))?.length).toBe(2);
        }, true, { network: network.name });
      } finally {
        peer.remove();
      }
    } finally {
      network.remove();
    }
  }, POD_TIMEOUT);
});
