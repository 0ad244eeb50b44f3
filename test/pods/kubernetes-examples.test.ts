/**
 * The pod tier on the Kubernetes examples that test/pods/kubernetes.test.ts does not run, on
 * the Kubernetes reference pod of test/reference-pod.test.ts, and on pods of the composition
 * property test (test/k8s/properties.test.ts) drawn with fixed seeds: each pod runs with
 * podman and runc on this machine's kernel (test/pods/kubernetes.ts), its sidecars replaced by
 * the stand-ins of test/pods/standin, which read the configs the library generated.
 *
 * Where the runtime differs from a node, beyond what test/pods/kubernetes.ts lists: lifecycle
 * hooks (postStart, preStop) are not run; Envoy's ext_authz call to OPA uses a stand-in line
 * protocol instead of gRPC (test/pods/standin/ext_authz.go), and the OPA stand-in does not
 * evaluate Rego (it checks that the configured rule is defined by a loaded policy); daprd
 * contacts no Dapr control plane; the collector and X-Ray stand-ins send nothing upstream.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as fc from 'fast-check';
import { RunningPod, runKubernetesPod } from './kubernetes';
import { eventually, podTierMissing, podman, startPeer, waitForProbe } from './podman';
import { WorkloadSidecars } from '../../src/k8s';
import { referenceSidecars } from '../fixtures/reference-sidecars';
import { caseArb, compose } from '../k8s/arbitraries';
import { podOf, synth } from '../k8s/util';
import { realTest } from '../prerequisites';
import { POD_TIMEOUT, kubernetesExample } from './examples';
import { manifestErrors } from '../validate/k8s';

const podTest = realTest('pods/kubernetes-examples.test.ts', podTierMissing());
const example = kubernetesExample;

/** Runs `fn` on the started pod, and always removes the pod. */
async function withPod(docs: any[], workload: any, fn: (pod: RunningPod) => void | Promise<void>, complete = true): Promise<void> {
  const pod = runKubernetesPod(docs, workload, { complete });
  try { await fn(pod); } finally { pod.remove(); }
}

const workloadOf = (docs: any[], kind: string, name?: string) => docs.find(d => d.kind === kind && (name === undefined || d.metadata.name === name));

/** podman's state of a container of the pod: running, exited ... */
function state(pod: RunningPod, container: string): string {
  return podman(['inspect', '--format', '{{.State.Status}}', `${pod.name}-${container}`]).stdout.trim();
}

/** Runs a bash command in the pod's network namespace (as root on the host: bash's /dev/udp, /dev/tcp). */
function inPodNetwork(pod: RunningPod, container: string, script: string): number {
  const pid = podman(['inspect', '--format', '{{.State.Pid}}', `${pod.name}-${container}`]).stdout.trim();
  return spawnSync('nsenter', ['-t', pid, '-n', 'bash', '-c', script]).status ?? -1;
}

/**
 * Waits for the readiness probe of every running container of the pod (the natives and the
 * regular containers), as the kubelet probes them until the pod is Ready.
 */
function expectReady(pod: RunningPod, workload: any): void {
  const spec = podOf(workload).spec;
  const running = [...(spec.initContainers ?? []).filter((c: any) => c.restartPolicy === 'Always'), ...spec.containers];
  for (const c of running) {
    const p = c.readinessProbe;
    if (!p) { continue; }
    const probe = p.exec ? { exec: p.exec.command }
      : p.httpGet ? { http: { port: Number(p.httpGet.port), path: p.httpGet.path } }
        : { tcp: Number(p.tcpSocket.port) };
    waitForProbe(`${pod.name}-${c.name}`, probe, 'readiness');
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('deployment-classic-sidecars: Kubernetes 1.28, the sidecars as regular containers', () => {
  podTest('the migration runs first as its own UID; statsd and the log shipper start before the app and are ready; the shipper reads the app\'s log and keeps its tail DB', async () => {
    const docs = await example('deployment-classic-sidecars');
    await withPod(docs, workloadOf(docs, 'Deployment'), pod => {
      expect(pod.completed.map(c => c.name)).toEqual(['migrate']);
      expect(pod.completed[0].output).toContain('running as uid 23363 gid 23363');
      // Classic: the sidecars lead the containers list (the kubelet starts them in order).
      expect(pod.started).toEqual(['migrate', 'statsd', 'log-shipper', 'api']);
      expectReady(pod, workloadOf(docs, 'Deployment'));
      for (const c of ['statsd', 'log-shipper', 'api']) { expect(state(pod, c)).toBe('running'); }
      // Fluent Bit found the tail path's directory and wrote its DB where the config says.
      expect(pod.logs('log-shipper')).toContain('fluent-bit: tail lists /var/log/app');
      const db = fs.statSync(path.join(pod.volumePath('flb-state'), 'tail.db'));
      expect(db.uid).toBe(41728);

      const app = (cmd: string) => pod.exec('api', ['sh', '-c', cmd]);
      expect(app('echo "GET /cart 200" >> "$LOG_DIR/api.log"').code).toBe(0);
      expect(pod.exec('log-shipper', ['cat', '/var/log/app/api.log'])).toMatchObject({ code: 0, stdout: 'GET /cart 200\n' });
      // The shipper's mount is read-only; its root too.
      expect(pod.exec('log-shipper', ['sh', '-c', 'echo x >> /var/log/app/api.log']).code).not.toBe(0);
      expect(pod.exec('log-shipper', ['touch', '/x']).stderr).toContain('Read-only file system');
      // The app reaches statsd where its environment says; it cannot read the shipper's config (not mounted).
      expect(app('echo "cart:1|c" | nc "$STATSD_HOST" "$STATSD_PORT"').code).toBe(0);
      expect(app('cat /fluent-bit/etc/fluent-bit.yaml').code).not.toBe(0);
      expect(app('touch /x').stderr).toContain('Read-only file system');
    });
  }, POD_TIMEOUT);
});

describe('deployment-envoy-opa-authz: Envoy asks OPA before every inbound request', () => {
  podTest('the redirect, Envoy, then OPA start in order; a client through Envoy is checked by OPA at the address both configs name, with the configured policy rule', async () => {
    const docs = await example('deployment-envoy-opa-authz');
    const peer = startPeer('cdk-sidecars-authz-peer', [80]);
    try {
      await withPod(docs, workloadOf(docs, 'Deployment'), pod => {
        expect(pod.completed.map(c => c.name)).toEqual(['cdk-sidecars-redirect']);
        expect(pod.started).toEqual(['cdk-sidecars-redirect', 'envoy', 'opa', 'catalog']);
        expectReady(pod, workloadOf(docs, 'Deployment'));
        // OPA's plugin listens where its config says, and the rule it names is in the policy volume.
        const opaLogs = pod.logs('opa');
        expect(opaLogs).toContain('envoy_ext_authz_grpc: envoy/authz/allow is defined in /policies/authz.rego');
        expect(opaLogs).toContain('envoy_ext_authz_grpc (stand-in protocol) on 127.0.0.1:9191');
        // OPA is ready on its diagnostic port (its readiness probe).
        waitForProbe(`${pod.name}-opa`, { http: { port: 8282, path: '/health?plugins' } }, 'readiness');

        // Inbound through Envoy: the ext_authz filter's cluster reaches OPA's plugin address.
        const ip = pod.ip();
        expect(peer.run(['wget', '-q', '-O-', `http://${ip}:8080/catalog/42`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
        const envoyLogs = pod.logs('envoy');
        expect(envoyLogs).toMatch(new RegExp('inbound: ext_authz GET /catalog/42 -> cluster ext_authz \\(tcp 127\\.0\\.0\\.1:9191\\): ALLOW'));
        expect(envoyLogs).toMatch(new RegExp(`inbound: GET /catalog/42 from ${escape(peer.ip)}:[0-9]+ to ${escape(ip)}:8080 -> cluster inbound_8080 \\(127\\.0\\.0\\.1:8080/catalog/42\\): 200`));
        expect(pod.logs('opa')).toContain('ext_authz CHECK GET /catalog/42');
        // OPA's ports are on localhost only: the peer cannot reach the plugin.
        expect(peer.run(['wget', '-q', '-T', '3', '-O-', `http://${ip}:9191/`]).code).not.toBe(0);

        // The app reaches OPA's API where OPA_ADDR says; it cannot read OPA's or Envoy's config.
        const app = (cmd: string) => pod.exec('catalog', ['sh', '-c', cmd]);
        expect(app('wget -q -O- "$OPA_ADDR/v1/data"').code).toBe(0);
        expect(app('cat /policies/authz.rego').code).not.toBe(0);
        expect(app('cat /etc/envoy/envoy.json').code).not.toBe(0);
        // Envoy cannot read OPA's policies (not mounted), OPA cannot read Envoy's bootstrap.
        expect(pod.exec('envoy', ['cat', '/policies/authz.rego']).code).not.toBe(0);
        expect(pod.exec('opa', ['cat', '/etc/envoy/envoy.json']).code).not.toBe(0);
      });
    } finally {
      peer.remove();
    }
  }, POD_TIMEOUT);
});

describe('deployment-otel-dapr-logs: daprd, the collector and Fluent Bit beside the app', () => {
  podTest('daprd reads its token and finds the app on --app-port; the collector binds its receivers and health check; the app reaches both; Fluent Bit reads the app\'s log', async () => {
    const docs = await example('deployment-otel-dapr-logs');
    await withPod(docs, workloadOf(docs, 'Deployment'), pod => {
      expect(pod.completed).toEqual([]);
      expect(pod.started).toEqual(['daprd', 'otel-collector', 'fluent-bit', 'orders']);
      expectReady(pod, workloadOf(docs, 'Deployment'));

      // daprd: the Sentry token from the projected volume, then the app channel on 8080;
      // its readiness (/v1.0/healthz on the public port) passes only once the app listens.
      const dapr = pod.logs('daprd');
      expect(dapr).toContain('daprd: read the Sentry token /var/run/secrets/kubernetes.io/serviceaccount/token');
      expect(dapr).toMatch(/daprd: HTTP API on 127\.0\.0\.1:3500/);
      waitForProbe(`${pod.name}-daprd`, { http: { port: 3501, path: '/v1.0/healthz' } }, 'readiness');
      expect(pod.logs('daprd')).toContain('daprd: application discovered on port 8080 (127.0.0.1:8080)');
      // The token is the projected one, readable by daprd's UID; the app has no token mounted.
      expect(pod.exec('daprd', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'])).toMatchObject({ code: 0, stdout: 'orders' });
      expect(pod.exec('orders', ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']).code).not.toBe(0);

      // The collector: the receivers, health check and telemetry its config names.
      const otel = pod.logs('otel-collector');
      expect(otel).toContain('otelcol: receiver otlp grpc on 127.0.0.1:4317');
      expect(otel).toContain('otelcol: receiver otlp http on 127.0.0.1:4318');
      expect(otel).toContain('otelcol: extension health_check on 0.0.0.0:13133');
      expect(otel).toContain('otelcol: telemetry metrics on localhost:8888');

      const app = (cmd: string) => pod.exec('orders', ['sh', '-c', cmd]);
      // The app's environment points at daprd's HTTP and gRPC ports and the collector's OTLP port.
      expect(app('wget -q -O /dev/null "http://127.0.0.1:$DAPR_HTTP_PORT/v1.0/healthz"').code).toBe(0);
      expect(app('echo | nc 127.0.0.1 "$DAPR_GRPC_PORT"').code).toBe(0);
      expect(app('hostport="${OTEL_EXPORTER_OTLP_ENDPOINT#http://}"; echo | nc "${hostport%:*}" "${hostport##*:}"').code).toBe(0);

      // Fluent Bit: the app's log through the shared volume; its DB in its state volume.
      expect(app('echo "order 7 placed" >> /var/log/app/orders.log').code).toBe(0);
      expect(pod.exec('fluent-bit', ['cat', '/var/log/app/orders.log'])).toMatchObject({ code: 0, stdout: 'order 7 placed\n' });
      expect(fs.existsSync(path.join(pod.volumePath('fluent-bit-state'), 'tail.db'))).toBe(true);
      // Neither sidecar can read the collector's config but the collector.
      expect(pod.exec('fluent-bit', ['cat', '/etc/otelcol/config.yaml']).code).not.toBe(0);
      expect(pod.exec('otel-collector', ['cat', '/etc/otelcol/config.yaml']).code).toBe(0);
    });
  }, POD_TIMEOUT);
});

describe('deployment-xray-legacy: the X-Ray daemon on the address the app is given', () => {
  podTest('the daemon binds UDP and TCP 2000 on 127.0.0.1 as its flags say; a segment sent to AWS_XRAY_DAEMON_ADDRESS arrives; the sampling proxy answers', async () => {
    const docs = await example('deployment-xray-legacy');
    await withPod(docs, workloadOf(docs, 'Deployment'), pod => {
      expect(pod.started).toEqual(['xray-daemon', 'billing']);
      expect(state(pod, 'xray-daemon')).toBe('running');
      eventually('the daemon is listening', () => pod.logs('xray-daemon').includes('receiving segments on udp 127.0.0.1:2000'));
      const address = pod.exec('billing', ['sh', '-c', 'echo "$AWS_XRAY_DAEMON_ADDRESS"']).stdout.trim();
      expect(address).toBe('127.0.0.1:2000');
      const [host, port] = address.split(':');
      // A segment as the SDKs send it: the daemon header, a newline, the document (UDP).
      // One datagram: cat writes the file with one write (bash's printf would write per line).
      const segment = '{"format": "json", "version": 1}\\n{"trace_id":"1-5759e988-bd862e3fe1be46a994272793","name":"billing"}';
      expect(inPodNetwork(pod, 'billing', `f=$(mktemp); printf '${segment}' > "$f"; cat "$f" > /dev/udp/${host}/${port}; rm -f "$f"`)).toBe(0);
      eventually('the segment arrives', () => /xray: segment received from 127\.0\.0\.1:[0-9]+ \(/.test(pod.logs('xray-daemon')));
      // The sampling rules through the daemon's TCP proxy, as the SDK asks for them.
      expect(pod.exec('billing', ['wget', '-q', '-O-', `http://${address}/GetSamplingRules`])).toMatchObject({ code: 0, stdout: expect.stringContaining('SamplingRuleRecords') });
    });
  }, POD_TIMEOUT);
});

describe('injector-included-yaml: a team\'s YAML, injected at synth time', () => {
  podTest('the team\'s init step runs, then the injected shipper reads its generated YAML and the app\'s log; the opted-out Job has no sidecar', async () => {
    const docs = await example('injector-included-yaml');
    expect(podOf(workloadOf(docs, 'Job')).spec.initContainers).toBeUndefined();
    await withPod(docs, workloadOf(docs, 'Deployment'), pod => {
      expect(pod.completed.map(c => c.name)).toEqual(['wait-for-db']);
      expect(pod.started).toEqual(['wait-for-db', 'log-shipper', 'api']);
      expectReady(pod, workloadOf(docs, 'Deployment'));
      waitForProbe(`${pod.name}-log-shipper`, { http: { port: 2020, path: '/api/v1/health' } }, 'readiness');
      expect(state(pod, 'log-shipper')).toBe('running');
      expect(pod.logs('log-shipper')).toContain('fluent-bit: tail lists /var/log/app');
      // The pod's runAsUser (1000) is the app's; the shipper has its own UID.
      expect(pod.exec('api', ['id', '-u']).stdout.trim()).toBe('1000');
      expect(pod.exec('log-shipper', ['id', '-u']).stdout.trim()).toBe('41728');
      expect(pod.exec('api', ['sh', '-c', 'echo "{\\"msg\\":\\"up\\"}" >> /var/log/app/api.log']).code).toBe(0);
      expect(pod.exec('log-shipper', ['cat', '/var/log/app/api.log'])).toMatchObject({ code: 0, stdout: '{"msg":"up"}\n' });
      expect(pod.exec('api', ['cat', '/fluent-bit/etc/fluent-bit.yaml']).code).not.toBe(0);
    });
  }, POD_TIMEOUT);
});

describe('job-envoy: a Job behind Envoy completes', () => {
  podTest('the redirect init, Envoy as a native sidecar gated on its startup probe, the Job\'s container exits 0, then Envoy is stopped', async () => {
    const docs = await example('job-envoy');
    await withPod(docs, workloadOf(docs, 'Job'), pod => {
      expect(pod.started).toEqual(['cdk-sidecars-redirect', 'envoy', 'settle']);
      expect(pod.completed.map(c => c.name)).toEqual(['cdk-sidecars-redirect', 'settle']);
      expect(pod.completed[1].output).toMatch(/^exit 0\n/);
      expect(pod.completed[1].output).toContain('"--day" "yesterday"');
      expect(pod.stopped).toEqual(['envoy']);
      expect(state(pod, 'envoy')).toBe('exited');
      expect(pod.logs('envoy')).toContain('envoy: listener outbound on 0.0.0.0:15001');
    });
  }, POD_TIMEOUT);
});


/**
 * The Kubernetes reference pod: the sidecars of test/fixtures/reference-sidecars.ts, as
 * test/reference-pod.test.ts composes them.
 */
function referencePod(): any[] {
  const chart = new Chart(Testing.app(), 'shop');
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:4.2.0', portNumber: 8080 }] });
  WorkloadSidecars.of(d).add(...referenceSidecars(chart));
  return synth(chart);
}

describe('the Kubernetes reference pod: app, Envoy, Vault agent, Fluent Bit, OPA as Envoy\'s authorizer, the ADOT collector', () => {
  podTest('every container starts in order and is ready; only the app reads the secret; requests through Envoy are checked by OPA; the app reaches OPA and the collector', async () => {
    const docs = referencePod();
    const peer = startPeer('cdk-sidecars-ref-peer', [80]);
    try {
      await withPod(docs, workloadOf(docs, 'Deployment'), pod => {
        expect(pod.started).toEqual(['cdk-sidecars-redirect', 'envoy', 'vault-agent-init', 'vault-agent', 'fluent-bit', 'opa', 'otel-collector', 'api']);
        expectReady(pod, workloadOf(docs, 'Deployment'));
        expect(pod.completed.map(c => c.name)).toEqual(['cdk-sidecars-redirect', 'vault-agent-init']);
        // The agents read the projected token their Kubernetes auth names; the init agent renders the secret.
        expect(pod.completed[1].output).toContain('vault agent: read token_path /var/run/secrets/kubernetes.io/serviceaccount/token');
        expect(pod.completed[1].output).toContain('rendered /vault/secrets/db.json (0440)');
        // Readiness of the natives the kubelet only probes after start.
        waitForProbe(`${pod.name}-fluent-bit`, { http: { port: 2020, path: '/api/v2/health' } }, 'readiness');
        waitForProbe(`${pod.name}-opa`, { http: { port: 8282, path: '/health?plugins' } }, 'readiness');
        waitForProbe(`${pod.name}-envoy`, { http: { port: 15021, path: '/healthz/ready' } }, 'readiness');

        // The secret: the app reads it (fsGroup), no other container can.
        expect(pod.exec('api', ['cat', '/vault/secrets/db.json'])).toMatchObject({ code: 0, stdout: expect.stringContaining('stand-in secret') });
        for (const other of ['envoy', 'fluent-bit', 'opa', 'otel-collector']) {
          expect(pod.exec(other, ['cat', '/vault/secrets/db.json']).code).not.toBe(0);
        }
        // Fluent Bit reads what the app logs.
        expect(pod.exec('api', ['sh', '-c', 'echo "GET /cart 200" >> /var/log/app/api.log']).code).toBe(0);
        expect(pod.exec('fluent-bit', ['cat', '/var/log/app/api.log'])).toMatchObject({ code: 0, stdout: 'GET /cart 200\n' });
        // A client through Envoy: OPA's plugin is asked at the address both configs name.
        const ip = pod.ip();
        expect(peer.run(['wget', '-q', '-O-', `http://${ip}:8080/cart`])).toMatchObject({ code: 0, stdout: 'stand-in\n' });
        expect(pod.logs('envoy')).toContain('inbound: ext_authz GET /cart -> cluster ext_authz (tcp 127.0.0.1:9191): ALLOW');
        expect(pod.logs('opa')).toContain('envoy_ext_authz_grpc: envoy/authz/allow is defined in /policies/authz.rego');
        // The app's environment: OPA's API and the collector's OTLP gRPC receiver.
        expect(pod.exec('api', ['sh', '-c', 'wget -q -O /dev/null "$OPA_ADDR/v1/data"']).code).toBe(0);
        expect(pod.logs('otel-collector')).toContain('otelcol: receiver otlp grpc on 127.0.0.1:4317');
        expect(pod.exec('api', ['sh', '-c', 'hostport="${OTEL_EXPORTER_OTLP_ENDPOINT#http://}"; echo | nc "${hostport%:*}" "${hostport##*:}"']).code).toBe(0);
      });
    } finally {
      peer.remove();
    }
  }, POD_TIMEOUT);
});

/**
 * Pods of the composition property test (test/k8s/properties.test.ts), drawn with fixed seeds
 * from its arbitraries: the first case of the seed that renders, with the workload kind and
 * mode asked for and at least three containers added.
 */
function propertyPod(seed: number, kind: string, mode: string): any[] {
  for (const c of fc.sample(caseArb, { seed, numRuns: 200 })) {
    if (c.kind !== kind || String(c.mode) !== mode) { continue; }
    let docs: any[];
    try { docs = compose(c).docs; } catch { continue; }
    const injected = String(podOf(workloadOf(docs, kind)).metadata.annotations['cdk-sidecars.dev/injected']).split(',');
    if (injected.length >= 3) {
      expect(manifestErrors(docs)).toEqual([]);
      return docs;
    }
  }
  throw new Error(`seed ${seed}: no rendered ${kind} ${mode} case with three sidecars`);
}

describe.each([
  [20261126, 'Deployment', 'native'],
  [1, 'Deployment', 'classic'],
  [1, 'Job', 'native'],
])('property pod (seed %i, %s, %s)', (seed, kind, mode) => {
  podTest('runs to readiness: each container in order as its own UID, configs readable by their sidecar, shared volumes from sidecar to app, the app\'s env', async () => {
    const docs = propertyPod(seed, kind, mode.toUpperCase() === 'NATIVE' ? 'NATIVE' : 'CLASSIC');
    const template = podOf(workloadOf(docs, kind));
    const spec = template.spec;
    const all: any[] = [...(spec.initContainers ?? []), ...spec.containers];
    await withPod(docs, workloadOf(docs, kind), pod => {
      expect(pod.started).toEqual(all.map(c => c.name));
      expectReady(pod, workloadOf(docs, kind));
      expect(pod.completed.map(c => c.name)).toEqual((spec.initContainers ?? []).filter((c: any) => c.restartPolicy !== 'Always').map((c: any) => c.name));
      const app = spec.containers.find((c: any) => c.name === 'app');
      for (const c of all) {
        const running = c.restartPolicy === 'Always' || spec.containers.includes(c);
        if (!running) { continue; }
        expect(state(pod, c.name)).toBe('running');
        if (c.securityContext?.runAsUser !== undefined) { expect(pod.exec(c.name, ['id', '-u']).stdout.trim()).toBe(String(c.securityContext.runAsUser)); }
        for (const p of [c.startupProbe, c.readinessProbe].filter(Boolean)) {
          waitForProbe(`${pod.name}-${c.name}`, { tcp: Number(p.tcpSocket.port) }, 'probe');
        }
        for (const m of c.volumeMounts ?? []) {
          const volume = spec.volumes.find((v: any) => v.name === m.name);
          if (volume.configMap) {
            // The sidecar reads its config file.
            expect(pod.exec(c.name, ['sh', '-c', `cat ${m.mountPath}/*`])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^x=[12]$/) });
          } else if (c !== app && !volume.emptyDir) {
            // Storage the node provides (a claim, a CSI or host directory: the pod tier's stand-ins):
            // mounted where the container expects it; who may write there is the contract's
            // (test/k8s/volumes-kernel.test.ts), not this pod's, since the drawn UIDs differ.
            expect(pod.exec(c.name, ['sh', '-c', `test -d ${m.mountPath}`]).code).toBe(0);
          } else if (c !== app) {
            // What a sidecar writes in a volume shared with the app, the app reads.
            const shared = (app.volumeMounts ?? []).find((am: any) => am.name === m.name);
            expect(pod.exec(c.name, ['sh', '-c', `echo from-${c.name} > ${m.mountPath}/${c.name}.txt`]).code).toBe(0);
            if (shared) { expect(pod.exec('app', ['cat', `${shared.mountPath}/${c.name}.txt`])).toMatchObject({ code: 0, stdout: `from-${c.name}\n` }); }
          }
        }
      }
      for (const e of app.env ?? []) {
        expect(pod.exec('app', ['sh', '-c', `printf %s "$${e.name}"`]).stdout).toBe(e.value);
      }
    }, false);
  }, POD_TIMEOUT);
});
