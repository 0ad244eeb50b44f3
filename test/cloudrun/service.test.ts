/**
 * The Cloud Run binder: each output is checked against the Cloud Run Admin API v1 discovery
 * document and the Knative Serving Service CRD (synthService), then asserted field by field.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { appProps, appService, synthService } from './util';
import {
  DaprSidecar, EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorSidecar, OtelInstrumentation, OtelInstrumentationLanguage,
  PortExposure, Probe, Sidecar, StartupRole, VaultAgentSidecar, VaultAuth, VolumeKind, WaitCondition, XRayDaemonSidecar,
} from '../../src';
import { CloudRunApp, CloudRunExecutionEnvironment, CloudRunService } from '../../src/cloudrun';
import { ErrorCode } from '../../src/core/errors';
import { cloudRunServiceErrors, validateCloudRunYamlFile } from '../validate/cloudrun';

function expectError(fn: () => unknown, code: ErrorCode, ...parts: string[]): void {
  let error: any;
  try { fn(); } catch (e) { error = e; }
  expect(error).toBeDefined();
  expect(error.code).toBe(code);
  for (const p of parts) { expect(error.message).toContain(p); }
}

const agent = (app: CloudRunApp, extra: any = {}) => new Sidecar(app, 'agent', {
  image: 'ghcr.io/acme/agent:1.0.0',
  ports: [{ port: 9000, exposure: PortExposure.EXPOSED }],
  startupProbe: Probe.httpGet({ port: 9000, path: '/ready', periodSeconds: 2, failureThreshold: 30 }),
  resources: { cpuLimitMillicores: 500, memoryLimitMebibytes: 256 },
  ...extra,
});

describe('the ingress container and the revision annotations', () => {
  test('the app has the one port; sidecars none; limits, env and secrets rendered', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(agent(app, { appEnv: { AGENT_URL: 'http://127.0.0.1:9000' }, secretEnv: { TOKEN: { secretName: 'agent', key: 'token' } } }));
    const { doc, spec, annotations, byName } = synthService(s);
    expect(doc.metadata).toEqual({ name: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars', 'cloud.googleapis.com/location': 'europe-west1' } });
    expect(spec.containers.map((c: any) => c.name)).toEqual(['api', 'agent']);
    expect(byName('api').ports).toEqual([{ name: 'http1', containerPort: 8080 }]);
    expect(byName('agent').ports).toBeUndefined();
    expect(byName('api').resources).toEqual({ limits: { cpu: '1', memory: '512Mi' } });
    expect(byName('agent').resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' } });
    expect(byName('api').env).toEqual([
      { name: 'LOG_FORMAT', value: 'json' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-password', key: 'latest' } } },
      { name: 'AGENT_URL', value: 'http://127.0.0.1:9000' },
    ]);
    // A sidecar's secret key (secretName/key) is the Secret Manager secret <secretName>-<key>, latest version.
    expect(byName('agent').env).toEqual([{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'agent-token', key: 'latest' } } }]);
    expect(annotations['run.googleapis.com/execution-environment']).toBe('gen2');
    expect(annotations['run.googleapis.com/cpu-throttling']).toBe('false');
    expect(JSON.parse(annotations['run.googleapis.com/container-dependencies'])).toEqual({ api: ['agent'] });
    expect(s.notes.join('\n')).toContain('port 9000 is not declared: only the ingress container');
  });

  test('without sidecars: CPU throttled, no dependencies; gen1 on request', () => {
    const app = new CloudRunApp();
    const { annotations } = synthService(appService(app, { executionEnvironment: CloudRunExecutionEnvironment.GEN1 }));
    expect(annotations).toEqual({ 'run.googleapis.com/execution-environment': 'gen1', 'run.googleapis.com/cpu-throttling': 'true' });
  });

  test('cpuThrottling: true with sidecars is rendered, with a warning', () => {
    const app = new CloudRunApp();
    const s = appService(app, { cpuThrottling: true }).add(agent(app));
    expect(synthService(s).annotations['run.googleapis.com/cpu-throttling']).toBe('true');
    expect(s.warnings.join('\n')).toContain('cpuThrottling is true: the sidecars get CPU only while a request is served');
  });

  test('a sidecar that waits for another: both in the dependencies annotation', () => {
    const app = new CloudRunApp();
    const db = new Sidecar(app, 'proxy', { image: 'gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.14.0', ports: [{ port: 5432, exposure: PortExposure.EXPOSED }], startupProbe: Probe.tcpSocket({ port: 5432 }) });
    const s = appService(app).add(db, agent(app, { dependsOn: [{ container: 'proxy', condition: WaitCondition.HEALTHY }] }));
    const { annotations, byName } = synthService(s);
    expect(JSON.parse(annotations['run.googleapis.com/container-dependencies'])).toEqual({ api: ['proxy', 'agent'], agent: ['proxy'] });
    expect(byName('proxy').startupProbe).toEqual({ tcpSocket: { port: 5432 } });
  });

  test('Envoy as an explicit proxy takes the ingress port and waits for the app; the app port is not declared', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(new EnvoySidecar(app, 'envoy', { redirect: false }));
    const { annotations, byName } = synthService(s);
    expect(byName('envoy').ports).toEqual([{ name: 'http1', containerPort: 15006 }]);
    expect(byName('api').ports).toBeUndefined();
    expect(JSON.parse(annotations['run.googleapis.com/container-dependencies'])).toEqual({ envoy: ['api'] });
    expect(s.notes.join('\n')).toContain('envoy takes the ingress port 15006 and forwards to api on localhost:8080');
  });

  test('Envoy with transparent redirection is refused with the explicit-proxy fix', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(new EnvoySidecar(app, 'envoy'));
    expectError(() => s.toYaml(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'envoy: pod.trafficInterception', 'NET_ADMIN', 'redirect: false');
  });
});

describe('probes', () => {
  test('an exec startup probe is not rendered (a note); the readiness probe becomes the startup probe', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(new Sidecar(app, 'collector', {
      image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0',
      command: ['/awscollector'],
      ports: [{ port: 13133, exposure: PortExposure.EXPOSED }],
      startupProbe: Probe.exec({ command: ['/healthcheck'], periodSeconds: 5 }),
      readinessProbe: Probe.httpGet({ port: 13133, path: '/' }),
      livenessProbe: Probe.tcpSocket({ port: 13133 }),
    }));
    const { byName } = synthService(s);
    expect(byName('collector').startupProbe).toEqual({ httpGet: { path: '/', port: 13133 } });
    // Cloud Run liveness probes are HTTP or gRPC: the TCP one is said, not rendered.
    expect(byName('collector').livenessProbe).toBeUndefined();
    const said = [...s.warnings, ...s.notes].join('\n');
    expect(said).toContain('startupProbe (EXEC) is not rendered');
    expect(said).toContain('livenessProbe (TCP_SOCKET) is not rendered');
  });

  test('the app\'s probes: HTTP liveness rendered, TCP liveness and out-of-range timings refused naming the field', () => {
    const app = new CloudRunApp();
    const { byName } = synthService(new CloudRunService(app, 'shop', {
      containers: [{ ...appProps().containers[0], livenessProbe: Probe.httpGet({ port: 8080, path: '/live', periodSeconds: 30, timeoutSeconds: 5 }) }],
    }));
    expect(byName('api').livenessProbe).toEqual({ httpGet: { path: '/live', port: 8080 }, periodSeconds: 30, timeoutSeconds: 5 });
    const base = appProps().containers[0];
    expectError(() => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base, livenessProbe: Probe.tcpSocket({ port: 8080 }) }] }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'shop: containers[0].livenessProbe "TCP_SOCKET"', 'HTTP GET or gRPC');
    expectError(() => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base, startupProbe: Probe.httpGet({ port: 8080, path: '/', periodSeconds: 300 }) }] }),
      ErrorCode.INVALID_PROBE, 'containers[0].startupProbe.periodSeconds 300', '1-240');
    expectError(() => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base, startupProbe: Probe.httpGet({ port: 8080, path: '/', periodSeconds: 5, timeoutSeconds: 5 }) }] }),
      ErrorCode.INVALID_PROBE, 'containers[0].startupProbe.timeoutSeconds 5', 'below periodSeconds');
    expectError(() => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base, startupProbe: Probe.exec({ command: ['true'] }) }] }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'containers[0].startupProbe "EXEC"');
  });

  test('gRPC probes on the app: rendered as grpc; refused beside a plain probe of the same kind, or outside the limits', () => {
    const base = { ...appProps().containers[0], startupProbe: undefined };
    const { byName } = synthService(new CloudRunService(new CloudRunApp(), 'shop', {
      containers: [{ ...base, grpcStartupProbe: { port: 8080, periodSeconds: 2, failureThreshold: 60 }, grpcLivenessProbe: { port: 8080, service: 'shop.v1.Cart' } }],
    }));
    expect(byName('api').startupProbe).toEqual({ grpc: { port: 8080 }, periodSeconds: 2, failureThreshold: 60 });
    expect(byName('api').livenessProbe).toEqual({ grpc: { port: 8080, service: 'shop.v1.Cart' } });
    expectError(() => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base, startupProbe: Probe.tcpSocket({ port: 8080 }), grpcStartupProbe: { port: 8080 } }] }),
      ErrorCode.ALREADY_SET, 'shop: containers[0].grpcStartupProbe is already set (8080) with containers[0].startupProbe');
    expectError(() => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base, grpcLivenessProbe: { port: 8080, periodSeconds: 4000 } }] }),
      ErrorCode.INVALID_PROBE, 'shop: containers[0].grpcLivenessProbe.periodSeconds 4000', '1-3600');
    expectError(() => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base, grpcLivenessProbe: { port: 0 } }] }),
      ErrorCode.INVALID_PORT, 'shop: containers[0].grpcLivenessProbe.port');
  });

  test('a sidecar\'s user-written probe outside Cloud Run\'s limits is refused naming the sidecar and the field', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(agent(app, { startupProbe: Probe.httpGet({ port: 9000, path: '/', initialDelaySeconds: 600 }) }));
    expectError(() => s.toYaml(), ErrorCode.INVALID_PROBE, 'agent: startupProbe.initialDelaySeconds 600', '0-240');
  });
});

describe('volumes and generated files', () => {
  test('a MEMORY volume is an in-memory emptyDir with its size limit; an app secret volume mounts one file', () => {
    const app = new CloudRunApp();
    const s = appService(app, {
      volumes: [{ name: 'tls', secret: 'shop-tls', secretFileName: 'cert.pem', secretVersion: '3' }, { name: 'cache', sizeLimitMebibytes: 256 }],
      containers: [{ ...appProps().containers[0], volumeMounts: [{ volume: 'tls', path: '/etc/tls', readOnly: true }, { volume: 'cache', path: '/cache' }] }],
    }).add(agent(app, { volumes: [{ name: 'sock', kind: VolumeKind.MEMORY, mountPath: '/run/agent', sizeLimitMebibytes: 16 }] }));
    const { spec, byName } = synthService(s);
    expect(spec.volumes).toEqual([
      { name: 'tls', secret: { secretName: 'shop-tls', items: [{ key: '3', path: 'cert.pem' }] } },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
      { name: 'sock', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
    ]);
    expect(byName('api').volumeMounts).toEqual([{ name: 'tls', mountPath: '/etc/tls', readOnly: true }, { name: 'cache', mountPath: '/cache' }]);
    expect(byName('agent').volumeMounts).toEqual([{ name: 'sock', mountPath: '/run/agent' }]);
  });

  test('a generated config file is a Secret Manager secret volume; CloudRunApp writes the file beside the YAML and the YAML says how to create it', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudrun-'));
    const app = new CloudRunApp({ outdir });
    const s = appService(app).add(agent(app, { configFiles: [{ path: '/etc/agent/agent.yaml', content: 'level: info\n' }] }));
    const files = app.synth();
    expect(files.map(f => path.basename(f)).sort()).toEqual(['shop.agent-config.agent.yaml', 'shop.cloudrun.yaml'].sort()
      .map(f => (f.startsWith('shop.agent') ? expect.stringMatching(/^shop\..*\.agent\.yaml$/) : f)));
    const yamlFile = path.join(outdir, 'shop.cloudrun.yaml');
    validateCloudRunYamlFile(yamlFile);
    const doc = YAML.parse(fs.readFileSync(yamlFile, 'utf-8'));
    const secretVolume = doc.spec.template.spec.volumes.find((v: any) => v.secret);
    const generated = s.generatedSecrets[0];
    expect(secretVolume.secret).toEqual({ secretName: generated.secret, items: [{ key: 'latest', path: 'agent.yaml', mode: 0o444 }] });
    expect(fs.readFileSync(path.join(outdir, generated.fileName), 'utf-8')).toBe('level: info\n');
    expect(fs.readFileSync(yamlFile, 'utf-8')).toContain(`gcloud secrets create ${generated.secret} --data-file=${generated.fileName}`);
    expect(s.warnings).toEqual([`shop: the generated config files are read from Secret Manager secrets that must exist before the service deploys; create them from the files written beside the YAML: gcloud secrets create ${generated.secret} --data-file=${generated.fileName}`]);
    const mount = doc.spec.template.spec.containers.find((c: any) => c.name === 'agent').volumeMounts[0];
    expect(mount).toEqual({ name: secretVolume.name, mountPath: '/etc/agent', readOnly: true });
  });

  test('a SECRET volume needs secretVolumeFiles; with it, the Secret Manager secret is mounted as that file', () => {
    const sidecar = (app: CloudRunApp) => agent(app, { volumes: [{ name: 'certs', kind: VolumeKind.SECRET, secretName: 'agent-cert', mountPath: '/certs' }] });
    const a1 = new CloudRunApp();
    const s1 = appService(a1).add(sidecar(a1));
    expectError(() => s1.toYaml(), ErrorCode.MISSING_SECRET_SOURCE, 'agent: volumes (certs) takes secret "agent-cert"', 'secretVolumeFiles');
    const a2 = new CloudRunApp();
    const { spec } = synthService(appService(a2, { secretVolumeFiles: { 'agent-cert': 'tls.pem' } }).add(sidecar(a2)));
    expect(spec.volumes).toEqual([{ name: 'certs', secret: { secretName: 'agent-cert', items: [{ key: 'latest', path: 'tls.pem' }] } }]);
  });

  test('a config volume of several files: the config writer fills an in-memory volume from its environment, and the sidecar waits for it', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(agent(app, { configFiles: [{ path: '/etc/agent/a.yaml', content: 'a: 1\n' }, { path: '/etc/agent/b.yaml', content: 'b: "x y"\n', mode: 0o644 }] }));
    const { spec, annotations, byName } = synthService(s);
    const volume = byName('agent').volumeMounts[0].name;
    expect(spec.volumes).toEqual([{ name: volume, emptyDir: { medium: 'Memory' } }]);
    const writer = byName('cdk-sidecars-config');
    expect(writer.image).toBe('docker.io/library/busybox:1.37');
    expect(writer.volumeMounts).toEqual([{ name: volume, mountPath: `/cdk-sidecars/${volume}` }]);
    expect(writer.startupProbe).toEqual({ tcpSocket: { port: 15990 }, periodSeconds: 1, failureThreshold: 30 });
    expect(JSON.parse(annotations['run.googleapis.com/container-dependencies']).agent).toEqual(['cdk-sidecars-config']);
    // The script decodes each variable into its file: run it with a shell to see the files it writes.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'writer-'));
    const script = writer.command[2].replace(/ && mkdir -p \/tmp\/cdk-sidecars-empty && exec httpd.*$/, '').split('/cdk-sidecars/').join(`${root}/`);
    fs.mkdirSync(path.join(root, volume));
    execFileSync('sh', ['-c', script], { env: Object.fromEntries(writer.env.map((e: any) => [e.name, e.value])) });
    expect(fs.readFileSync(path.join(root, volume, 'a.yaml'), 'utf-8')).toBe('a: 1\n');
    expect(fs.readFileSync(path.join(root, volume, 'b.yaml'), 'utf-8')).toBe('b: "x y"\n');
    expect((fs.statSync(path.join(root, volume, 'b.yaml')).mode % 0o1000).toString(8)).toBe('644');
  });

  test('a persistent claim is refused', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(agent(app, { volumes: [{ name: 'data', kind: VolumeKind.PERSISTENT_CLAIM, claimName: 'data', mountPath: '/data' }] }));
    expectError(() => s.toYaml(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'agent: volumes (data) "PERSISTENT_CLAIM"', 'Cloud Run has no PERSISTENT_CLAIM volumes');
  });
});

describe('what Cloud Run cannot do', () => {
  const cases: Array<[string, (app: CloudRunApp) => Sidecar, ErrorCode, string[]]> = [
    ['an init step', app => new Sidecar(app, 'prep', { image: 'ghcr.io/acme/prep:1.0.0', role: StartupRole.INIT_STEP }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      ['prep: role "INIT_STEP"', 'Cloud Run has no init containers']],
    ['a privileged container', app => agent(app, { security: { privileged: true, allowPrivilegeEscalation: true } }), ErrorCode.UNSUPPORTED_ON_PLATFORM, ['agent: security.privileged true']],
    ['a capability beyond the runtime\'s defaults', app => agent(app, { security: { addCapabilities: ['NET_ADMIN'] } }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      ['agent: security.addCapabilities ["NET_ADMIN"]', 'grants no capabilities']],
    ['a shared process namespace', app => agent(app, { shareProcessNamespace: true }), ErrorCode.UNSUPPORTED_ON_PLATFORM, ['agent: shareProcessNamespace true']],
    ['$(VAR) in args', app => agent(app, { env: { LEVEL: 'info' }, args: ['--level=$(LEVEL)'] }), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      ['agent: args[0] "--level=$(LEVEL)"', 'variable references']],
  ];
  for (const [what, make, code, parts] of cases) {
    test(`${what} is refused naming the sidecar and field`, () => {
      const app = new CloudRunApp();
      const s = appService(app).add(make(app));
      expectError(() => s.toYaml(), code, ...parts);
    });
  }

  test('the security context is not applied: a note says what is not enforced', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(agent(app, { security: { uid: 4242 } }));
    const { byName } = synthService(s);
    expect(byName('agent').securityContext).toBeUndefined();
    expect(s.notes.join('\n')).toContain('Cloud Run does not apply container security contexts, so none is rendered and these are not enforced: agent (runAsUser 4242');
  });
});

describe('every built-in sidecar composes or is refused clearly', () => {
  const opaPolicy = { 'authz.rego': 'package authz\n\nimport rego.v1\n\ndefault allow := false\n' };
  const composes: Array<[string, (app: CloudRunApp) => any, string]> = [
    ['Envoy (explicit proxy)', app => new EnvoySidecar(app, 'envoy', { redirect: false }), 'envoy'],
    ['OPA', app => new OpaSidecar(app, 'opa', { policies: opaPolicy }), 'opa'],
    ['Dapr', app => new DaprSidecar(app, 'dapr', { appId: 'orders', appPort: 8080 }), 'daprd'],
    ['X-Ray daemon', app => new XRayDaemonSidecar(app, 'xray', { region: 'eu-west-1' }), 'xray-daemon'],
    ['Fluent Bit', app => new FluentBitSidecar(app, 'logs', { outputs: [FluentBitOutput.stdout()] }), 'fluent-bit'],
    ['OTel Collector', app => new OtelCollectorSidecar(app, 'otel', { debugExporter: {} }), 'otel-collector'],
  ];
  for (const [what, make, container] of composes) {
    test(`${what} composes into a valid service`, () => {
      const app = new CloudRunApp();
      const s = appService(app).add(make(app));
      const { byName, annotations } = synthService(s);
      expect(byName(container).resources.limits.cpu).toBeDefined();
      expect(byName(container).securityContext).toBeUndefined();
      // The app waits for the sidecar, or an ingress sidecar for the app.
      const deps = JSON.parse(annotations['run.googleapis.com/container-dependencies']);
      expect(deps.api?.includes(container) || deps[container]?.includes('api')).toBe(true);
    });
  }

  const vaultProps = { address: 'https://vault.example.com:8200', auth: [VaultAuth.gcp({ role: 'shop' })], secrets: [{ path: 'secret/data/shop/db', file: 'db.json' }] };
  test('Vault Agent: its pre-populating init step is refused; with prePopulate: false it composes and the app waits for it', () => {
    const a1 = new CloudRunApp();
    const s1 = appService(a1).add(new VaultAgentSidecar(a1, 'vault', vaultProps));
    expectError(() => s1.toYaml(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'vault: containers[0](vault-agent-init).role "INIT_STEP"', 'Cloud Run has no init containers');
    const a2 = new CloudRunApp();
    const s2 = appService(a2).add(new VaultAgentSidecar(a2, 'vault', { ...vaultProps, prePopulate: false }));
    const { annotations, byName } = synthService(s2);
    expect(JSON.parse(annotations['run.googleapis.com/container-dependencies']).api).toEqual(['vault-agent']);
    expect(byName('vault-agent').volumeMounts.length).toBeGreaterThan(0);
  });

  test('OTel instrumentation (an init step) is refused: Cloud Run has no init containers', () => {
    const app = new CloudRunApp();
    const s = appService(app).add(new OtelInstrumentation(app, 'otel', { language: OtelInstrumentationLanguage.JAVA }));
    expectError(() => s.toYaml(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'otel: ', 'Cloud Run has no init containers');
  });
});

describe('bad inputs', () => {
  const base = () => appProps().containers[0];
  const cases: Array<[string, () => unknown, ErrorCode, string]> = [
    ['no CPU limit', () => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base(), cpuMillicores: undefined as any }] }), ErrorCode.INVALID_TYPE, 'shop: containers[0].cpuMillicores'],
    ['two ingress ports', () => new CloudRunService(new CloudRunApp(), 'shop', {
      containers: [base(), { name: 'admin', image: 'ghcr.io/acme/admin:1', port: 9090, cpuMillicores: 500 }],
    }).toYaml(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'shop: containers[1].port 9090'],
    ['no port at all', () => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base(), port: undefined, startupProbe: undefined }] }).toYaml(),
      ErrorCode.MISSING_SETTING, 'shop: containers[].port'],
    ['a bad region', () => new CloudRunService(new CloudRunApp(), 'shop', { containers: [base()], region: 'Europe West' }), ErrorCode.INVALID_NAME, 'shop: region "Europe West"'],
    ['a bad service name', () => new CloudRunService(new CloudRunApp(), 'Shop_1', { containers: [base()] }), ErrorCode.INVALID_NAME, 'Shop_1: name (taken from the construct id)'],
    ['a mount of an unknown volume', () => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base(), volumeMounts: [{ volume: 'nope', path: '/x' }] }] }),
      ErrorCode.UNKNOWN_VOLUME, 'shop: containers[0].volumeMounts[0].volume "nope"'],
    ['a bad secret version', () => new CloudRunService(new CloudRunApp(), 'shop', { containers: [{ ...base(), secretEnvironment: { X: { secret: 'x', version: 'newest' } } }] }),
      ErrorCode.INVALID_NAME, 'shop: containers[0].secretEnvironment["X"].version "newest"'],
    ['a non-boolean cpuThrottling', () => new CloudRunService(new CloudRunApp(), 'shop', { containers: [base()], cpuThrottling: 'no' as any }), ErrorCode.INVALID_TYPE, 'shop: cpuThrottling "no"'],
    ['a bad execution environment', () => new CloudRunService(new CloudRunApp(), 'shop', { containers: [base()], executionEnvironment: 'gen3' as any }),
      ErrorCode.INVALID_TYPE, 'shop: executionEnvironment "gen3"'],
  ];
  for (const [what, fn, code, part] of cases) {
    test(what, () => expectError(fn, code, part));
  }
});

describe('the validator itself', () => {
  const good = () => {
    const app = new CloudRunApp();
    return synthService(appService(app).add(agent(app))).doc;
  };
  test('refuses an unknown field, an output-only field, an unknown revision annotation, two ports and a dangling dependency', () => {
    const unknown = good(); unknown.spec.template.spec.containers[1].securityContext = { runAsUser: 1, privileged: true };
    expect(cloudRunServiceErrors(unknown).join('\n')).toContain('must NOT have additional properties "privileged"');
    const status = good(); status.status = { url: 'https://x' };
    expect(cloudRunServiceErrors(status).join('\n')).toContain('/status');
    const annotation = good(); annotation.spec.template.metadata.annotations['run.googleapis.com/ingress'] = 'all';
    expect(cloudRunServiceErrors(annotation).join('\n')).toContain('run.googleapis.com/ingress: not an annotation Cloud Run takes on a Revision');
    const ports = good(); ports.spec.template.spec.containers[1].ports = [{ containerPort: 9000 }];
    expect(cloudRunServiceErrors(ports).join('\n')).toContain('2 containers have a port');
    const deps = good(); deps.spec.template.metadata.annotations['run.googleapis.com/container-dependencies'] = '{"api":["nope"]}';
    expect(cloudRunServiceErrors(deps).join('\n')).toContain('container-dependencies: api: ["nope"]');
    const image = good(); delete image.spec.template.spec.containers[0].image;
    expect(cloudRunServiceErrors(image).join('\n')).toContain('must have required property \'image\'');
  });
});
