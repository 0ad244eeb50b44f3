/**
 * The pod tier on Azure Container Instances: every ACI example group, and the reference pod on
 * ACI, run with podman and runc on this machine's kernel (test/pods/aci.ts translates the
 * container group resource as ACI would), with the stand-ins of test/pods/standin. ACI starts a
 * group's containers together, in no order: each group is run twice, its containers started in
 * the declared order and reversed, and must work both ways. Skipped with the reason where
 * podman, runc, Go or root are missing; under CI (CI=true) a missing prerequisite fails.
 */
/* eslint-disable no-bitwise */ // file modes are bit sets
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { AciGroup, RunningGroup, groupOfArm, groupOfYaml, planGroup, runAciGroup, secureValue } from './aci';
import { AciApp, AciMemoryVolumeHandling } from '../../src/aci';
import { appGroup, synthGroup } from '../aci/util';
import { referenceSidecars } from '../fixtures/reference-sidecars';
import { realTest } from '../prerequisites';
import { POD_TIMEOUT, aciExample } from './examples';
import { eventually, podTierMissing, podman, startPeer } from './podman';

const podTest = realTest('pods/aci.test.ts', podTierMissing());
interface Synthesized { readonly arm: AciGroup; readonly yaml: AciGroup }

/** The group an example synthesizes, read from its ARM template and from its YAML. */
async function example(name: string): Promise<Synthesized> {
  const o = await aciExample(name);
  return {
    arm: groupOfArm(o.templates[0]),
    yaml: groupOfYaml(fs.readFileSync(o.files.find(f => f.endsWith('.aci.yaml'))!, 'utf-8')),
  };
}

const GROUP_TIMEOUT = POD_TIMEOUT;
const ORDERS = ['declared', 'reversed'] as const;

/** Runs `fn` on the started group, and always removes it. */
async function withGroup(group: AciGroup, order: typeof ORDERS[number], fn: (g: RunningGroup) => void | Promise<void>,
  hosts?: { [name: string]: string }): Promise<void> {
  const g = runAciGroup(group, { order, hosts });
  try { await fn(g); } finally { g.remove(); }
}

/** `sh -c` in a container of the group. */
const sh = (g: RunningGroup, container: string, script: string) => g.exec(container, ['sh', '-c', script]);
/** The environment of a container's processes (what `podman exec` gets: the container's own). */
const envOf = (g: RunningGroup, container: string): { [name: string]: string } =>
  Object.fromEntries(g.exec(container, ['env']).stdout.split('\n').filter(l => l.includes('=')).map(l => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
/** An HTTP GET with busybox wget, bounded by `timeout` (busybox-static's `wget -T` crashes). */
const get = (url: string) => ['timeout', '5', 'wget', '-q', '-O-', url];
/** Whether a TCP connection to host:port from `run`'s place is accepted. */
const connects = (run: (c: string[]) => { code: number }, host: string, port: number) =>
  run(['sh', '-c', `echo | nc -w 3 ${host} ${port}`]).code === 0;

const EXAMPLES = ['container-group', 'envoy-explicit', 'otel-dapr', 'vault-opa-logs', 'xray-daemon-legacy'];

describe('the ARM template and the YAML of each example are the same group', () => {
  test.each(EXAMPLES)('%s: same containers, volumes, arguments and published ports', async name => {
    const { arm, yaml } = await example(name);
    const fromArm = planGroup(arm);
    expect(fromArm.containers.length).toBeGreaterThan(0);
    expect(planGroup(yaml)).toEqual(fromArm);
  }, GROUP_TIMEOUT);
});

describe('the translation of a container (no pod started)', () => {
  const group = (properties: any): AciGroup => ({ name: 'g', properties: { osType: 'Linux', containers: [{ name: 'c', properties }] } });

  test('securityContext: user, group, privilege escalation, capabilities, privileged, seccomp profile', () => {
    const profile = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [] };
    const [c] = planGroup(group({
      image: 'openpolicyagent/opa:1.10.1-static',
      command: ['/opa', 'run', '--server'],
      securityContext: {
        runAsUser: 1111,
        runAsGroup: 2222,
        allowPrivilegeEscalation: false,
        privileged: true,
        capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
        seccompProfile: Buffer.from(JSON.stringify(profile)).toString('base64'),
      },
    })).containers;
    expect(c.options).toEqual(['--user', '1111:2222', '--privileged', '--security-opt', 'no-new-privileges', '--cap-drop', 'ALL', '--cap-add', 'NET_BIND_SERVICE']);
    expect(JSON.parse(c.seccomp!)).toEqual(profile);
  });

  test('without a security context: the image\'s USER (image-facts, statsd_exporter\'s Dockerfile), root where the image has none, APP_IMAGE_USER for the user\'s own image', () => {
    const user = (image: string, command?: string[]) => planGroup(group({ image, command })).containers[0].options.slice(0, 2);
    expect(user('openpolicyagent/opa:1.10.1-static', ['/opa'])).toEqual(['--user', '1000:1000']);
    expect(user('daprio/daprd:1.18.7', ['/daprd'])).toEqual(['--user', '65532:65532']);
    expect(user('prom/statsd-exporter:v0.28.0')).toEqual(['--user', '65534:65534']);
    expect(user('hashicorp/vault:2.1.0', ['vault'])).toEqual(['--user', '0:0']);
    expect(user('ghcr.io/acme/api:1.0.0')).toEqual(['--user', '25000:26000']);
  });

  test('command replaces the ENTRYPOINT; without one the image\'s ENTRYPOINT runs; a user\'s image runs the app stand-in', () => {
    expect(planGroup(group({ image: 'prom/statsd-exporter:v0.28.0' })).containers[0].argv).toEqual(['/bin/statsd_exporter']);
    expect(planGroup(group({ image: 'fluent/fluent-bit:4.0.3', command: ['/fluent-bit/bin/fluent-bit', '-c', 'x.yaml'] })).containers[0].argv)
      .toEqual(['/fluent-bit/bin/fluent-bit', '-c', 'x.yaml']);
    expect(planGroup(group({ image: 'ghcr.io/acme/migrate:1', command: ['/migrate', 'up'] })).containers[0]).toMatchObject({ app: true, argv: ['/usr/local/bin/app', '/migrate', 'up'] });
    expect(() => planGroup(group({ image: 'envoyproxy/envoy:v1.39.1' }))).toThrow('no command and no known ENTRYPOINT');
  });

  test('resources: the limit, else the request, as cgroup limits', () => {
    const opts = (resources: any) => planGroup(group({ image: 'ghcr.io/acme/api:1.0.0', resources })).containers[0].options;
    expect(opts({ requests: { cpu: 1, memoryInGB: 1.5 } })).toEqual(expect.arrayContaining(['--cpus', '1', '--memory', '1536m']));
    expect(opts({ requests: { cpu: 0.1, memoryInGB: 0.1 }, limits: { cpu: 2, memoryInGB: 0.5 } })).toEqual(expect.arrayContaining(['--cpus', '2', '--memory', '512m']));
  });

  test('gitRepo and azureFile volumes are refused, naming the volume', () => {
    expect(() => planGroup({ name: 'g', properties: { containers: [], volumes: [{ name: 'src', gitRepo: { repository: 'https://x' } }] } }))
      .toThrow('group g: volume src: gitRepo volumes are not run by the pod tier');
    expect(() => planGroup({ name: 'g', properties: { containers: [], volumes: [{ name: 'share', azureFile: { shareName: 's' } }] } }))
      .toThrow('group g: volume share: azureFile volumes are not run by the pod tier');
  });
});

describe('container-group: the migration init step, then the app, statsd and the log shipper in no order', () => {
  for (const order of ORDERS) {
    podTest(`${order} order: all ready; the app has its secure value and reaches statsd; the shipper reads the app's log and its config, the app cannot read that config`, async () => {
      const { arm } = await example('container-group');
      const peer = startPeer('cdk-sidecars-aci-peer', []);
      try {
        await withGroup(arm, order, g => {
          expect(g.completed.map(c => c.name)).toEqual(['migrate']);
          expect(g.completed[0].output).toContain('["/migrate" "up"]');
          const names = ['api', 'statsd', 'log-shipper'];
          expect(g.started).toEqual(['migrate', ...(order === 'reversed' ? [...names].reverse() : names)]);

          // The secure value reaches the app and the migration, not the sidecars.
          expect(envOf(g, 'api').DATABASE_URL).toBe(secureValue('shopDbUrl'));
          for (const c of ['statsd', 'log-shipper']) { expect(envOf(g, c)).not.toHaveProperty('DATABASE_URL'); }
          // statsd runs as its image's user (nobody) and the app reaches it where its environment says.
          expect(sh(g, 'statsd', 'id -u').stdout.trim()).toBe('65534');
          expect(sh(g, 'api', 'echo "orders:1|c" | nc -w 3 "$STATSD_HOST" "$STATSD_PORT"').code).toBe(0);
          // Log tailing: what the app writes to the shared emptyDir, the shipper (root in its
          // image) reads; the shipper's mount is read-only.
          expect(sh(g, 'api', 'echo "GET /orders 200" >> "$LOG_DIR/api.log"').code).toBe(0);
          expect(g.logs('log-shipper')).toContain('fluent-bit: tail lists /var/log/app');
          expect(sh(g, 'log-shipper', 'cat /var/log/app/api.log')).toMatchObject({ code: 0, stdout: 'GET /orders 200\n' });
          expect(sh(g, 'log-shipper', 'echo x >> /var/log/app/api.log').stderr).toContain('Read-only file system');
          // The shipper's config is on its secret volume (tmpfs), which the app does not mount.
          expect(sh(g, 'log-shipper', 'cat /fluent-bit/etc/fluent-bit.yaml').stdout).toContain('path: /var/log/app/*.log');
          expect(sh(g, 'log-shipper', 'grep " /fluent-bit/etc " /proc/mounts').stdout).toMatch(/^tmpfs /);
          expect(sh(g, 'api', 'cat /fluent-bit/etc/fluent-bit.yaml').code).not.toBe(0);
          // From elsewhere, only the published port 8080 answers: statsd's 9102 is EXPOSED but
          // the group's public address carries no such port (the library warns), 9125 is local.
          const ip = g.ip();
          expect(peer.run(get(`http://${ip}:8080/`))).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(connects(peer.run, ip, 9102)).toBe(false);
          expect(connects(peer.run, ip, 9125)).toBe(false);
          expect(connects(c => g.exec('api', c), '127.0.0.1', 9102)).toBe(true);
        });
      } finally {
        peer.remove();
      }
    }, GROUP_TIMEOUT);
  }
});

/** A string as a literal part of a RegExp. */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('envoy-explicit: Envoy as an explicit proxy, only its port published', () => {
  for (const order of ORDERS) {
    podTest(`${order} order: a peer reaches the app only through Envoy's 15006; the app's egress through 15001 reaches the upstream`, async () => {
      const { arm } = await example('envoy-explicit');
      // The peer stands in for payments.acme.example (Azure DNS: the group's hosts entry).
      const peer = startPeer('cdk-sidecars-aci-peer', [443]);
      try {
        await withGroup(arm, order, g => {
          const ip = g.ip();
          // Inbound: the published port 15006 is Envoy's listener, routed to the app on localhost.
          expect(peer.run(get(`http://${ip}:15006/orders`))).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(g.logs('envoy')).toMatch(new RegExp(`inbound: GET /orders from ${literal(peer.ip)}:[0-9]+ to ${literal(ip)}:15006 -> cluster inbound_8080 \\(127\\.0\\.0\\.1:8080/orders\\): 200`));
          // The app's own port, Envoy's admin and its readiness listener are not published.
          for (const port of [8080, 15000, 15021]) { expect(connects(peer.run, ip, port)).toBe(false); }
          expect(connects(c => g.exec('checkout', c), '127.0.0.1', 8080)).toBe(true);
          // Egress: the app sends to $ENVOY_EGRESS_URL; the route sends /payments/ to the payments cluster.
          expect(envOf(g, 'checkout').ENVOY_EGRESS_URL).toBe('http://127.0.0.1:15001');
          expect(sh(g, 'checkout', 'timeout 5 wget -q -O- "$ENVOY_EGRESS_URL/payments/charge"')).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(g.logs('envoy')).toContain('-> cluster payments (payments.acme.example:443/payments/charge): 200');
          // A path with no route is answered by Envoy (404), not sent anywhere.
          expect(sh(g, 'checkout', 'timeout 5 wget -q -O- "$ENVOY_EGRESS_URL/elsewhere"').stderr).toContain('404');
          // The egress listener is on localhost only: the peer cannot use the group as a proxy.
          expect(connects(peer.run, ip, 15001)).toBe(false);
        }, { 'payments.acme.example': peer.ip });
      } finally {
        peer.remove();
      }
    }, GROUP_TIMEOUT);
  }
});

describe('vault-opa-logs: the Vault agent init, then the agent, OPA and Fluent Bit beside the app in no order', () => {
  for (const order of ORDERS) {
    podTest(`${order} order: the init renders the secret the app reads and no sidecar mounts; OPA answers the app; Fluent Bit tails the app's log`, async () => {
      const { arm } = await example('vault-opa-logs');
      const peer = startPeer('cdk-sidecars-aci-peer', []);
      try {
        await withGroup(arm, order, g => {
          expect(g.completed.map(c => c.name)).toEqual(['vault-agent-init']);
          expect(g.completed[0].output).toContain('rendered /vault/secrets/db.json (0444)');
          // The long-running agent finds the init's render current (consul-template writes a
          // destination only when its content changes).
          expect(g.logs('vault-agent')).toContain('/vault/secrets/db.json unchanged');
          // The app reads the secret from the shared emptyDir, mounted read-only in it.
          expect(sh(g, 'api', 'id -u; cat /vault/secrets/db.json')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^25000\nstand-in secret/) });
          expect(sh(g, 'api', 'echo x > /vault/secrets/db.json').stderr).toContain('Read-only file system');
          // Neither OPA nor Fluent Bit mounts it; the agent's token is in its home, which only the agent mounts.
          for (const c of ['opa', 'fluent-bit']) { expect(sh(g, c, 'cat /vault/secrets/db.json').stderr).toContain('No such file'); }
          expect(sh(g, 'api', 'cat /home/vault/.vault-token').stderr).toContain('No such file');
          expect(sh(g, 'vault-agent', 'cat /home/vault/.vault-token').stdout).toBe('stand-in token');
          // OPA's API is on localhost, where the app's environment points; OPA runs as its image's user.
          expect(sh(g, 'api', 'timeout 5 wget -q -O- "$OPA_ADDR/v1/data"').code).toBe(0);
          expect(sh(g, 'opa', 'id -u').stdout.trim()).toBe('1000');
          // Log tailing: Fluent Bit reads what the app appends to the shared log directory.
          expect(sh(g, 'api', 'echo "POST /pay 201" >> /var/log/app/api.log').code).toBe(0);
          expect(g.logs('fluent-bit')).toContain('fluent-bit: tail lists /var/log/app');
          expect(sh(g, 'fluent-bit', 'cat /var/log/app/api.log')).toMatchObject({ code: 0, stdout: 'POST /pay 201\n' });
          // The VNet address publishes the app, OPA's diagnostics and Fluent Bit's health port; OPA's API stays local.
          const ip = g.ip();
          expect(peer.run(get(`http://${ip}:8080/`)).code).toBe(0);
          expect(peer.run(get(`http://${ip}:8282/health`)).code).toBe(0);
          expect(connects(peer.run, ip, 8181)).toBe(false);
        });
      } finally {
        peer.remove();
      }
    }, GROUP_TIMEOUT);
  }
});

describe('otel-dapr: daprd and the OpenTelemetry Collector beside the app in no order', () => {
  for (const order of ORDERS) {
    podTest(`${order} order: daprd is ready once the app answers; each secure value reaches only its container; the app reaches both on localhost`, async () => {
      const { arm } = await example('otel-dapr');
      const peer = startPeer('cdk-sidecars-aci-peer', []);
      try {
        await withGroup(arm, order, g => {
          expect(g.logs('daprd')).toContain('daprd: application discovered on port 8080 (127.0.0.1:8080)');
          expect(g.logs('daprd')).toContain('daprd: component pubsub: metadata connectionString from env COMPONENT_PUBSUB_CONNECTIONSTRING');
          // The Service Bus connection string is daprd's alone; the gateway API key the collector's alone.
          expect(envOf(g, 'daprd').COMPONENT_PUBSUB_CONNECTIONSTRING).toBe(secureValue('ordersServicebusConnectionString'));
          expect(envOf(g, 'otel-collector').OTELCOL_HEADER_0_0).toBe(secureValue('otelGatewayApiKey'));
          expect(g.logs('otel-collector')).toContain('${env:OTELCOL_HEADER_0_0} is set');
          expect(envOf(g, 'orders')).not.toHaveProperty('COMPONENT_PUBSUB_CONNECTIONSTRING');
          expect(envOf(g, 'orders')).not.toHaveProperty('OTELCOL_HEADER_0_0');
          expect(envOf(g, 'otel-collector')).not.toHaveProperty('COMPONENT_PUBSUB_CONNECTIONSTRING');
          // The components and configuration are on daprd's secret volumes only.
          expect(sh(g, 'orders', 'cat /dapr/components/pubsub.yaml').stderr).toContain('No such file');
          expect(sh(g, 'daprd', 'id -u; cat /dapr/components/pubsub.yaml')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^65532\n/) });
          // The app reaches daprd's HTTP API and the collector's OTLP gRPC port where its environment says.
          expect(sh(g, 'orders', 'timeout 5 wget -q -O- "http://127.0.0.1:$DAPR_HTTP_PORT/v1.0/healthz"').code).toBe(0);
          expect(sh(g, 'orders', 'echo | nc -w 3 127.0.0.1 "$DAPR_GRPC_PORT"').code).toBe(0);
          expect(sh(g, 'orders', 'echo | nc -w 3 127.0.0.1 "${OTEL_EXPORTER_OTLP_ENDPOINT##*:}"').code).toBe(0);
          expect(sh(g, 'otel-collector', 'id -u').stdout.trim()).toBe('10001');
          // From the VNet: daprd's public health port answers; its API (127.0.0.1) and OTLP do not.
          const ip = g.ip();
          expect(peer.run(get(`http://${ip}:3501/v1.0/healthz`)).code).toBe(0);
          expect(peer.run(get(`http://${ip}:13133/`)).code).toBe(0);
          for (const port of [3500, 4317]) { expect(connects(peer.run, ip, port)).toBe(false); }
        });
      } finally {
        peer.remove();
      }
    }, GROUP_TIMEOUT);
  }
});

describe('xray-daemon-legacy: the X-Ray daemon beside the app', () => {
  for (const order of ORDERS) {
    podTest(`${order} order: the app's UDP segments reach the daemon at AWS_XRAY_DAEMON_ADDRESS; the daemon is not reachable from elsewhere`, async () => {
      const { arm } = await example('xray-daemon-legacy');
      const peer = startPeer('cdk-sidecars-aci-peer', []);
      try {
        await withGroup(arm, order, g => {
          expect(envOf(g, 'billing').AWS_XRAY_DAEMON_ADDRESS).toBe('127.0.0.1:2000');
          // busybox's nc has no UDP: the host's bash sends the datagram from the group's network
          // namespace (/dev/udp), as the app's X-Ray SDK would to AWS_XRAY_DAEMON_ADDRESS.
          // One datagram: cat writes the file with one write (bash's printf writes per line).
          const pid = podman(['inspect', '--format', '{{.State.Pid}}', `${g.name}-billing`]).stdout.trim();
          const sent = spawnSync('nsenter', ['-t', pid, '-n', 'bash', '-c', 'f=$(mktemp); printf \'{"format":"json","version":1}\\n{"name":"billing"}\' > "$f"; cat "$f" > "/dev/udp/${0%:*}/${0##*:}"; rm -f "$f"',
            envOf(g, 'billing').AWS_XRAY_DAEMON_ADDRESS]);
          expect(sent.status).toBe(0);
          eventually('the segment arrives', () => g.logs('xray-daemon').includes('xray: segment received from'), 5);
          // The daemon checked the header line ({"format":"json","version":1}) before taking the segment.
          expect(g.logs('xray-daemon')).toMatch(/xray: segment received from 127\.0\.0\.1:[0-9]+ \(/);
          expect(sh(g, 'xray-daemon', 'id -u').stdout.trim()).toBe('10001');
          const ip = g.ip();
          expect(peer.run(get(`http://${ip}:8080/`)).code).toBe(0);
          expect(connects(peer.run, ip, 2000)).toBe(false);
        });
      } finally {
        peer.remove();
      }
    }, GROUP_TIMEOUT);
  }
});

/**
 * The reference pod on ACI, as test/reference-pod.test.ts composes it there: Envoy as an
 * explicit proxy with OPA as its external authorizer, the Vault agent, Fluent Bit and the ADOT
 * collector beside the app, volumes on disk.
 */
function referenceGroup(): { arm: AciGroup; yaml: AciGroup } {
  const app = new AciApp();
  const group = appGroup(app, { memoryVolumes: AciMemoryVolumeHandling.DISK, identity: { systemAssigned: true } });
  group.addSidecars(...referenceSidecars(app, false));
  const { arm, text } = synthGroup(group);
  return { arm: groupOfArm(arm), yaml: groupOfYaml(text) };
}

describe('the reference pod on ACI: Envoy (explicit, OPA as authorizer), Vault agent, Fluent Bit, ADOT collector', () => {
  test('its ARM template and its YAML are the same group', () => {
    const { arm, yaml } = referenceGroup();
    expect(planGroup(yaml)).toEqual(planGroup(arm));
  });

  for (const order of ORDERS) {
    podTest(`${order} order: every container ready; inbound through Envoy reaches the app after the authorizer; the app reads its secret and reaches OPA and the collector; Fluent Bit tails its log`, async () => {
      const { arm } = referenceGroup();
      const peer = startPeer('cdk-sidecars-aci-peer', []);
      try {
        await withGroup(arm, order, g => {
          expect(g.completed.map(c => c.name)).toEqual(['vault-agent-init']);
          // Inbound on the published 15006: Envoy asks OPA's ext_authz port (9191, which the
          // plugin config names) before routing to the app.
          const ip = g.ip();
          expect(peer.run(get(`http://${ip}:15006/orders`))).toMatchObject({ code: 0, stdout: 'stand-in\n' });
          expect(g.logs('envoy')).toMatch(/inbound: ext_authz GET \/orders -> cluster ext_authz \(tcp 127\.0\.0\.1:9191\): ALLOW/);
          expect(g.logs('envoy')).toMatch(/inbound: GET \/orders from .* -> cluster inbound_8080 \(127\.0\.0\.1:8080\/orders\): 200/);
          // The app: its secure value, the secret the init rendered, OPA and the collector on localhost.
          expect(envOf(g, 'api').DB_PASSWORD).toBe(secureValue('dbPassword'));
          expect(sh(g, 'api', 'cat /vault/secrets/db.json').stdout).toContain('stand-in secret');
          for (const c of ['envoy', 'opa', 'fluent-bit', 'otel-collector']) {
            expect(sh(g, c, 'cat /vault/secrets/db.json').code).not.toBe(0);
            expect(envOf(g, c)).not.toHaveProperty('DB_PASSWORD');
          }
          expect(sh(g, 'api', 'timeout 5 wget -q -O- "$OPA_ADDR/v1/data"').code).toBe(0);
          expect(sh(g, 'api', 'echo | nc -w 3 127.0.0.1 "${OTEL_EXPORTER_OTLP_ENDPOINT##*:}"').code).toBe(0);
          expect(sh(g, 'otel-collector', 'id -u').stdout.trim()).toBe('4317');
          expect(sh(g, 'api', 'echo "GET /orders 200" >> /var/log/app/api.log').code).toBe(0);
          expect(sh(g, 'fluent-bit', 'cat /var/log/app/api.log').stdout).toBe('GET /orders 200\n');
          // OPA's API, its authorizer port and the collector's OTLP port are not reachable from elsewhere.
          for (const port of [8181, 9191, 4317]) { expect(connects(peer.run, ip, port)).toBe(false); }
        });
      } finally {
        peer.remove();
      }
    }, GROUP_TIMEOUT);
  }
});

describe('the runner fails a group that ACI could not run', () => {
  podTest('an init container that cannot read its config (the Vault agent without its config volume) stops the group, with its output', async () => {
    const { arm } = await example('vault-opa-logs');
    const broken: AciGroup = JSON.parse(JSON.stringify(arm));
    const init = broken.properties.initContainers[0].properties;
    init.volumeMounts = init.volumeMounts.filter((m: any) => m.name !== 'vault-agent-config');
    expect(() => runAciGroup(broken)).toThrow(/init container vault-agent-init exited 1:\n.*vault agent: open \/vault\/config\/agent-init\.hcl: no such file or directory/);
  }, GROUP_TIMEOUT);

  podTest('daprd without the secure value its component\'s envRef names (given to the app instead) never becomes ready', async () => {
    const { arm } = await example('otel-dapr');
    const broken: AciGroup = JSON.parse(JSON.stringify(arm));
    const [orders, daprd] = ['orders', 'daprd'].map(n => broken.properties.containers.find((c: any) => c.name === n).properties);
    const secret = daprd.environmentVariables.find((e: any) => e.name === 'COMPONENT_PUBSUB_CONNECTIONSTRING');
    daprd.environmentVariables = daprd.environmentVariables.filter((e: any) => e !== secret);
    orders.environmentVariables.push(secret);
    expect(() => runAciGroup(broken)).toThrow(/daprd: readiness probe never passed; logs:\n[^]*envRef COMPONENT_PUBSUB_CONNECTIONSTRING is not set in daprd's environment/);
  }, GROUP_TIMEOUT);
});
