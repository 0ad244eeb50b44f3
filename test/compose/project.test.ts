/**
 * The Compose binder: one pod as one Compose project. Every file goes through the Compose
 * Specification validator (test/validate/compose.ts) before its fields are asserted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DaprSidecar, EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorSidecar, PodField, PortExposure, Probe, ProbeScheme,
  Sidecar, StartupRole, VaultAgentSidecar, VaultAuth, VolumeKind, WaitCondition, XRayDaemonSidecar,
} from '../../src';
import { ComposeApp, ComposeProject, ComposeProjectProps } from '../../src/compose';
import { ErrorCode } from '../../src/core/errors';
import { expectError } from '../errors';
import { composeErrors, validateComposeFile, validateComposeYaml } from '../validate/compose';

const API = { name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }], user: '1000:1000' };

function project(props: Partial<ComposeProjectProps> = {}): { app: ComposeApp; p: ComposeProject } {
  const app = new ComposeApp();
  return { app, p: new ComposeProject(app, 'shop', { services: [API], ...props }) };
}

/** The project's file, validated, parsed. */
function synth(p: ComposeProject): any {
  return validateComposeYaml(p.toYaml());
}

describe('start order', () => {
  const { app, p } = project();
  const collector = new Sidecar(app, 'collector', {
    image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0',
    command: ['/awscollector'],
    args: ['--config=/etc/otelcol/config.yaml'],
    ports: [{ port: 13133, exposure: PortExposure.EXPOSED }, { port: 4317 }],
    security: { uid: 20000 },
    startupProbe: Probe.exec({ command: ['/healthcheck'], periodSeconds: 5, failureThreshold: 12 }),
    appWaitsFor: WaitCondition.HEALTHY,
    appEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' },
    configFiles: [{ path: '/etc/otelcol/config.yaml', content: 'receivers: {}\n' }],
    resources: { cpuRequestMillicores: 100, memoryRequestMebibytes: 128, memoryLimitMebibytes: 256, cpuLimitMillicores: 500 },
  });
  const prepare = new Sidecar(app, 'prepare', { image: 'ghcr.io/acme/prepare:1.0.0', command: ['/prepare'], role: StartupRole.INIT_STEP, security: { uid: 20001 } });
  const starter = new Sidecar(app, 'starter', { image: 'ghcr.io/acme/starter:1.0.0', appWaitsFor: WaitCondition.STARTED, security: { uid: 20002 } });
  p.add(prepare, collector, starter);
  const doc = synth(p);

  test('a pause service first, then init steps and sidecars in start order, then the app', () => {
    expect(Object.keys(doc.services)).toEqual(['cdk-sidecars-pod', 'prepare', 'collector', 'starter', 'api']);
    expect(doc.services['cdk-sidecars-pod'].image).toBe('registry.k8s.io/pause:3.10');
    expect(doc.services['cdk-sidecars-pod'].ports).toEqual(['8080:8080']);
    for (const name of ['prepare', 'collector', 'starter', 'api']) {
      expect(doc.services[name].network_mode).toBe('service:cdk-sidecars-pod');
      expect(doc.services[name].ports).toBeUndefined();
    }
  });

  test('depends_on: completed for init steps, healthy or started for sidecars as each asks', () => {
    expect(doc.services.prepare.restart).toBe('no');
    expect(doc.services.collector.depends_on).toEqual({
      'cdk-sidecars-pod': { condition: 'service_started' },
      'prepare': { condition: 'service_completed_successfully' },
    });
    expect(doc.services.api.depends_on).toEqual({
      'cdk-sidecars-pod': { condition: 'service_started' },
      'prepare': { condition: 'service_completed_successfully' },
      'collector': { condition: 'service_healthy' },
      'starter': { condition: 'service_started' },
    });
  });

  test('the health check from the exec probe, with its timing; resources as deploy.resources', () => {
    expect(doc.services.collector.healthcheck).toEqual({ test: ['CMD', '/healthcheck'], interval: '5s', retries: 12, start_interval: '1s' });
    expect(doc.services.starter.healthcheck).toBeUndefined();
    expect(doc.services.collector.deploy).toEqual({ resources: { limits: { cpus: '0.5', memory: '256m' }, reservations: { cpus: '0.1', memory: '128m' } } });
  });

  test('entrypoint and command as Kubernetes command and args; env the sidecar asks of the app', () => {
    expect(doc.services.collector.entrypoint).toEqual(['/awscollector']);
    expect(doc.services.collector.command).toEqual(['--config=/etc/otelcol/config.yaml']);
    expect(doc.services.api.environment).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' });
  });

  test('generated files as inline configs mounted at their path', () => {
    const mount = doc.services.collector.configs;
    expect(mount).toHaveLength(1);
    expect(mount[0].target).toBe('/etc/otelcol/config.yaml');
    expect(doc.configs[mount[0].source]).toEqual({ content: 'receivers: {}\n' });
  });
});

describe('security', () => {
  test('user, read-only root, all capabilities dropped but the added ones, no new privileges', () => {
    const { app, p } = project();
    p.add(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', security: { uid: 20010, gid: 20011, addCapabilities: ['NET_BIND_SERVICE'] } }));
    const s = synth(p).services.agent;
    expect(s.user).toBe('20010:20011');
    expect(s.read_only).toBe(true);
    expect(s.cap_drop).toEqual(['ALL']);
    expect(s.cap_add).toEqual(['NET_BIND_SERVICE']);
    expect(s.security_opt).toEqual(['no-new-privileges:true']);
    expect(s.restart).toBe('unless-stopped');
  });

  test('a shared process namespace: every service joins the pause service\'s pid namespace', () => {
    const { app, p } = project();
    p.add(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', shareProcessNamespace: true }));
    const doc = synth(p);
    expect(doc.services.agent.pid).toBe('service:cdk-sidecars-pod');
    expect(doc.services.api.pid).toBe('service:cdk-sidecars-pod');
  });
});

describe('volumes, configs and secrets', () => {
  test('MEMORY and SCRATCH volumes: shared tmpfs volumes, world-writable like an emptyDir, with the size limit', () => {
    const { app, p } = project();
    p.add(new Sidecar(app, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      volumes: [
        { name: 'hot', kind: VolumeKind.MEMORY, mountPath: '/hot', sizeLimitMebibytes: 16 },
        { name: 'buffer', kind: VolumeKind.SCRATCH, mountPath: '/buffer' },
      ],
    }));
    const doc = synth(p);
    expect(doc.volumes.hot).toEqual({ driver: 'local', driver_opts: { type: 'tmpfs', device: 'tmpfs', o: 'mode=1777,size=16m' } });
    expect(doc.volumes.buffer).toEqual({ driver: 'local', driver_opts: { type: 'tmpfs', device: 'tmpfs', o: 'mode=1777' } });
    expect(doc.services.agent.volumes).toEqual([
      { type: 'volume', source: 'hot', target: '/hot', read_only: false },
      { type: 'volume', source: 'buffer', target: '/buffer', read_only: false },
    ]);
    expect(p.notes.join('\n')).toContain('volume "buffer" (SCRATCH) is a tmpfs volume, in memory');
    // held mounted by the pause service for the pod's life (an init step's writes survive its exit)
    expect(doc.services['cdk-sidecars-pod'].volumes).toEqual([
      { type: 'volume', source: 'hot', target: '/.cdk-sidecars/volumes/hot', read_only: true },
      { type: 'volume', source: 'buffer', target: '/.cdk-sidecars/volumes/buffer', read_only: true },
    ]);
  });

  test('app named volumes are declared and mounted', () => {
    const { p } = project({ services: [{ ...API, volumes: [{ volume: 'data', path: '/data', readOnly: true }] }], volumes: ['data'] });
    const doc = synth(p);
    expect(doc.volumes).toEqual({ data: {} });
    expect(doc.services.api.volumes).toEqual([{ type: 'volume', source: 'data', target: '/data', read_only: true }]);
  });

  test('sensitive generated files: Compose secrets from files the app writes beside the Compose file', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const app = new ComposeApp({ outdir });
    const p = new ComposeProject(app, 'shop', { services: [API] });
    p.add(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', configFiles: [{ path: '/etc/agent/token', content: 'sekret\n', sensitive: true }] }));
    const files = app.synth();
    const doc = validateComposeFile(path.join(outdir, 'shop.compose.yaml'));
    const [mount] = doc.services.agent.secrets;
    expect(mount.target).toBe('/etc/agent/token');
    const source = doc.secrets[mount.source].file;
    expect(source).toMatch(/^\.\/shop\.secrets\//);
    expect(fs.readFileSync(path.join(outdir, source), 'utf-8')).toBe('sekret\n');
    expect(files).toContain(path.join(outdir, source));
    expect(doc.configs).toBeUndefined();
  });

  test('SECRET volumes: Compose secrets from the files named in secretFiles, one per key', () => {
    const { app, p } = project({ secretFiles: { tls: { 'tls.crt': './certs/tls.crt', 'tls.key': './certs/tls.key' } } });
    p.add(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', volumes: [{ name: 'certs', kind: VolumeKind.SECRET, secretName: 'tls', mountPath: '/certs' }] }));
    const doc = synth(p);
    expect(doc.secrets).toEqual({ 'certs-tls.crt': { file: './certs/tls.crt' }, 'certs-tls.key': { file: './certs/tls.key' } });
    expect(doc.services.agent.secrets).toEqual([{ source: 'certs-tls.crt', target: '/certs/tls.crt' }, { source: 'certs-tls.key', target: '/certs/tls.key' }]);
  });

  test('a SECRET volume without secretFiles is refused, naming the prop to set', () => {
    const { app, p } = project();
    p.add(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', volumes: [{ name: 'certs', kind: VolumeKind.SECRET, secretName: 'tls', mountPath: '/certs' }] }));
    expect(() => p.toYaml()).toThrow(/^agent: volumes \(certs\).*secretFiles: \{ 'tls': \{ 'tls\.crt'/s);
  });
});

describe('escaping for Compose interpolation', () => {
  test('every "$" of a value is written "$$"; secrets are the library\'s own required ${VAR:?...}', () => {
    const { app, p } = project({ services: [{ ...API, environment: { PRICE: '$5 ${HOME}' }, secretEnvironment: { DB_PASSWORD: { secretName: 'db', key: 'password' } } }] });
    p.add(new Sidecar(app, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      command: ['sh', '-c', 'echo $HOME'],
      configFiles: [{ path: '/etc/agent/a.conf', content: 'x = ${y}\n' }],
      secretEnv: { TOKEN: { secretName: 'agent-token', key: 'value' } },
    }));
    const doc = synth(p);
    expect(doc.services.api.environment.PRICE).toBe('$$5 $${HOME}');
    expect(doc.services.api.environment.DB_PASSWORD).toBe('${DB_PASSWORD:?set DB_PASSWORD, a secret value}');
    expect(doc.services.agent.entrypoint).toEqual(['sh', '-c', 'echo $$HOME']);
    expect(doc.services.agent.environment.TOKEN).toBe('${AGENT_TOKEN_VALUE:?set AGENT_TOKEN_VALUE, a secret value}');
    expect(Object.values<any>(doc.configs)[0].content).toBe('x = $${y}\n');
    expect(p.toYaml()).toContain('#   AGENT_TOKEN_VALUE: a secret value');
  });
});

describe('the built-in sidecars', () => {
  test('Envoy with transparent redirection: a root redirect service with NET_ADMIN and NET_RAW in the pod\'s namespace, before the proxy', () => {
    const { app, p } = project();
    p.add(new EnvoySidecar(app, 'envoy'));
    const doc = synth(p);
    const r = doc.services['cdk-sidecars-redirect'];
    expect(r).toMatchObject({ user: '0:0', network_mode: 'service:cdk-sidecars-pod', cap_drop: ['ALL'], cap_add: ['NET_ADMIN', 'NET_RAW'], read_only: true, restart: 'no' });
    expect(r.entrypoint.slice(0, 2)).toEqual(['sh', '-c']);
    const rules = doc.configs['cdk-sidecars-redirect-rules.v4'].content;
    expect(rules).toContain('*nat');
    expect(rules).toMatch(/-j REDIRECT --to-ports? 15006/);
    expect(rules).toMatch(/--uid-owner 1337/);
    expect(r.configs.map((c: any) => c.target)).toEqual(['/etc/cdk-sidecars/redirect/rules.v4', '/etc/cdk-sidecars/redirect/rules.v6']);
    expect(doc.services.envoy.depends_on['cdk-sidecars-redirect']).toEqual({ condition: 'service_completed_successfully' });
    expect(doc.services.api.depends_on.envoy).toEqual({ condition: 'service_healthy' });
    // Envoy's health command (bash /dev/tcp: its image has no curl) and its drain as a pre_stop hook.
    expect(doc.services.envoy.healthcheck.test.slice(0, 3)).toEqual(['CMD', 'bash', '-c']);
    expect(doc.services.envoy.pre_stop[0].command[0]).toBe('bash');
    const bootstrap = JSON.parse(doc.configs['envoy-config-envoy.json'].content.replace(/\$\$/g, '$'));
    expect(bootstrap.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 15000 });
  });

  test('Envoy as an explicit proxy (redirect: false): no redirect service', () => {
    const { app, p } = project();
    p.add(new EnvoySidecar(app, 'envoy', { redirect: false }));
    const doc = synth(p);
    expect(doc.services['cdk-sidecars-redirect']).toBeUndefined();
    expect(doc.services.envoy.depends_on).toEqual({ 'cdk-sidecars-pod': { condition: 'service_started' } });
  });

  test('Vault Agent: init and long-running agents, AppRole credentials as Compose secrets, rendered secrets in a shared tmpfs', () => {
    const { app, p } = project({ secretFiles: { approle: { 'role-id': './role-id', 'secret-id': './secret-id' } } });
    p.add(new VaultAgentSidecar(app, 'vault', { address: 'https://vault:8200', auth: [VaultAuth.appRole({ secretName: 'approle' })], secrets: [{ path: 'database/creds/api', file: 'db.json' }] }));
    const doc = synth(p);
    expect(doc.services['vault-agent-init'].restart).toBe('no');
    expect(doc.services['vault-agent'].depends_on['vault-agent-init']).toEqual({ condition: 'service_completed_successfully' });
    expect(doc.services.api.depends_on['vault-agent-init']).toEqual({ condition: 'service_completed_successfully' });
    expect(Object.values<any>(doc.secrets).map(s => s.file).sort()).toEqual(['./role-id', './secret-id']);
    const shared = doc.services.api.volumes.find((v: any) => v.source === 'vault-agent-secrets');
    expect(shared).toBeDefined();
    expect(doc.volumes['vault-agent-secrets'].driver_opts.type).toBe('tmpfs');
    const hcl = Object.entries<any>(doc.configs).find(([k]) => k.endsWith('agent-init.hcl'))![1].content;
    expect(hcl).toContain('approle');
  });

  test('Fluent Bit, OPA and the X-Ray daemon compose', () => {
    const { app, p } = project();
    p.add(
      new FluentBitSidecar(app, 'logs', { outputs: [FluentBitOutput.stdout()] }),
      new OpaSidecar(app, 'opa', { policies: { 'authz.rego': 'package authz\n\nimport rego.v1\n\ndefault allow := false\n' } }),
      new XRayDaemonSidecar(app, 'xray', { region: 'eu-west-1' }),
    );
    const doc = synth(p);
    expect(Object.keys(doc.services)).toEqual(expect.arrayContaining(['fluent-bit', 'opa', 'xray-daemon']));
    const policy = Object.entries<any>(doc.configs).find(([k]) => k.endsWith('authz.rego'))![1].content;
    expect(policy).toContain('default allow := false');
  });

  test.each([
    ['OTel Collector (distroless contrib image)', (app: ComposeApp) => new OtelCollectorSidecar(app, 'otel', { debugExporter: {} }), 'otel-collector', 13133],
    ['Dapr (daprd has no shell or client)', (app: ComposeApp) => new DaprSidecar(app, 'dapr', { appId: 'orders', appPort: 8080 }), 'daprd', 3501],
  ])('%s: the app waits until HEALTHY through a BusyBox wait service that polls the probe in the pod\'s namespace', (_name, make, container, port) => {
    const { app, p } = project();
    p.add(make(app));
    const doc = synth(p);
    const wait = doc.services[`cdk-sidecars-wait-${container}`];
    expect(wait).toMatchObject({ image: 'busybox:1.37', user: '65534:65534', read_only: true, cap_drop: ['ALL'], restart: 'no', network_mode: 'service:cdk-sidecars-pod' });
    expect(wait.depends_on[container]).toEqual({ condition: 'service_started' });
    expect(wait.entrypoint[2]).toContain(`http://127.0.0.1:${port}/`);
    expect(wait.entrypoint[2]).toContain('i=$$((i+1))');
    expect(doc.services[container].healthcheck).toBeUndefined();
    expect(doc.services.api.depends_on[container]).toEqual({ condition: 'service_started' });
    expect(doc.services.api.depends_on[`cdk-sidecars-wait-${container}`]).toEqual({ condition: 'service_completed_successfully' });
  });

  test('OTel Collector and Dapr compose when the app waits only until they have started', () => {
    const { app, p } = project();
    p.add(
      new OtelCollectorSidecar(app, 'otel', { debugExporter: {}, appWaitsFor: WaitCondition.STARTED }),
      new DaprSidecar(app, 'dapr', { appId: 'orders', appPort: 8080, appWaitsFor: WaitCondition.STARTED }),
    );
    const doc = synth(p);
    expect(doc.services.api.depends_on['otel-collector']).toEqual({ condition: 'service_started' });
    expect(doc.services.api.depends_on.daprd).toEqual({ condition: 'service_started' });
    expect(doc.services.daprd.healthcheck).toBeUndefined();
  });
});

describe('Kubernetes\' $(VAR) expansion in command and args', () => {
  // Kubernetes replaces $(NAME) with the container's variable and $$ with $ (kubernetes/kubernetes
  // third_party/forked/golang/expansion/expand.go); Compose interpolates only ${VAR} and $VAR from the
  // shell that runs it, never the container's environment, and Docker passes the strings to the
  // process as they are (docs.docker.com/reference/compose-file/interpolation): done here at synthesis.
  test('a literal variable is expanded, $$ is one $, an unknown name stays as written', () => {
    const { app, p } = project();
    p.add(new Sidecar(app, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      command: ['/agent', '--home=$(HOME_DIR)'],
      env: { LEVEL: 'info', HOME_DIR: '/var/lib/agent' },
      args: ['--level=$(LEVEL)', 'price=$$(LEVEL)', '$(UNSET)', 'echo $HOME'],
    }));
    const doc = synth(p);
    expect(doc.services.agent.entrypoint).toEqual(['/agent', '--home=/var/lib/agent']);
    // The file's "$$" is Compose's escape of one "$".
    expect(doc.services.agent.command).toEqual(['--level=info', 'price=$$(LEVEL)', '$$(UNSET)', 'echo $$HOME']);
  });

  test('a variable known only at run time (a secret) is refused, naming the field', () => {
    const { app, p } = project();
    p.add(new Sidecar(app, 'agent', {
      image: 'ghcr.io/acme/agent:1.0.0',
      secretEnv: { TOKEN: { secretName: 'agent', key: 'token' } },
      args: ['--verbose', '--token=$(TOKEN)'],
    }));
    expectError(() => p.toYaml(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'agent: args[1] "--token=$(TOKEN)" cannot be rendered on Docker Compose', 'TOKEN is only known at run time');
  });
});

describe('bad inputs', () => {
  test('project and service names', () => {
    const app = new ComposeApp();
    expect(() => new ComposeProject(app, 'Shop', { services: [API] })).toThrow(/^Shop: name \(taken from the construct id\) "Shop"/);
    expect(() => new ComposeProject(app, 'a', { services: [API, API] })).toThrow(/^a: services\[1\]\.name is already set \("api"\)/);
    expect(() => new ComposeProject(app, 'b', { services: [{ ...API, name: 'cdk-sidecars-x' }] })).toThrow(/^b: services\[0\]\.name "cdk-sidecars-x"/);
    expect(() => new ComposeProject(app, 'c', { services: [{ ...API, user: 'nobody' }] })).toThrow(/^c: services\[0\]\.user "nobody"/);
    expect(() => new ComposeProject(app, 'd', { services: [{ ...API, volumes: [{ volume: 'nope', path: '/x' }] }] })).toThrow(/^d: services\[0\]\.volumes\[0\]\.volume "nope"/);
    expect(() => new ComposeProject(app, 'e', { services: [{ ...API, ports: [{ port: 'x' as any }] }] })).toThrow(/^e: services\[0\]\.ports\[0\]\.port/);
    expect(() => new ComposeProject(app, 'f', { services: 'api' as any })).toThrow(/^f: services/);
  });

  test('a pod field in the environment is refused: Compose has no downward API', () => {
    const { app, p } = project();
    p.add(new (class extends Sidecar {
      public contribute() {
        const c = super.contribute({ targetPath: '', appContainers: [] });
        return { ...c, containers: [{ ...c.containers[0], env: [{ name: 'POD', podField: PodField.POD_IP }] }] };
      }
    })(app, 'agent', { image: 'ghcr.io/acme/agent:1' }));
    expect(() => p.toYaml()).toThrow('agent: env[0].podField "POD_IP" cannot be rendered on Docker Compose: Compose has no downward API for pod fields (variable POD)');
  });

  test('an HTTPS probe on an image known to ship no client, with the app waiting HEALTHY: refused with the fix', () => {
    const { app, p } = project();
    p.add(new Sidecar(app, 'agent', {
      image: 'otel/opentelemetry-collector-contrib:0.162.0',
      ports: [{ port: 13133, exposure: PortExposure.EXPOSED }],
      readinessProbe: Probe.httpGet({ port: 13133, path: '/', scheme: ProbeScheme.HTTPS }),
      appWaitsFor: WaitCondition.HEALTHY,
    }));
    expect(() => p.toYaml()).toThrow(/^agent: readinessProbe "otel\/opentelemetry-collector-contrib:0\.162\.0" has no curl or wget/);
    expect(() => p.toYaml()).toThrow(/WaitCondition\.STARTED/);
  });

  test('a PERSISTENT_CLAIM volume is refused (Kubernetes only)', () => {
    const { app, p } = project();
    p.add(new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1.0.0', volumes: [{ name: 'data', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'data', mountPath: '/data' }] }));
    expect(() => p.toYaml()).toThrow(/^agent: volumes\[0\].*Docker Compose/s);
  });
});

describe('the validator', () => {
  const ok = { name: 'x', services: { a: { image: 'a' }, b: { image: 'b', network_mode: 'service:a', depends_on: { a: { condition: 'service_started' } } } } };
  test('accepts a valid file and finds what the schema cannot', () => {
    expect(composeErrors(ok)).toEqual([]);
    expect(composeErrors({ ...ok, services: { ...ok.services, c: { image: 'c', depends_on: { d: { condition: 'service_started' } } } } })).toEqual(['services.c.depends_on: d is not a service']);
    expect(composeErrors({ name: 'x', services: { a: { image: 'a', depends_on: ['b'] }, b: { image: 'b', depends_on: ['a'] } } })).toEqual(['depends_on cycle: a -> b -> a']);
    expect(composeErrors({ ...ok, services: { ...ok.services, b: { ...ok.services.b, ports: ['80:80'] } } })[0]).toContain('services.b.ports: set on a service with network_mode service:');
    expect(composeErrors({ name: 'x', services: { a: { image: 'a', command: ['echo', '$HOME'] } } })[0]).toContain('unescaped "$"');
    expect(composeErrors({ name: 'x', services: { a: { image: 'a', unknown: 1 } } })[0]).toContain('must NOT have additional properties');
    expect(composeErrors({ name: 'x', services: { a: { image: 'a', depends_on: { b: { condition: 'service_healthy' } } }, b: { image: 'b' } } }))
      .toEqual(['services.a.depends_on.b: service_healthy, but b has no health check']);
  });
});
