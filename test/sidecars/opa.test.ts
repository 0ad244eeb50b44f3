import { generateKeyPairSync } from 'crypto';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import * as YAML from 'yaml';
import { EnvoyInboundProtocol, EnvoySidecar, OpaCredentials, OpaLogLevel, OpaSidecar, OpaSidecarProps, OpaSigningAlgorithm, WaitCondition } from '../../src';
import { AciApp } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { appGroup, synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate, warnings } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateEnvoyBootstrap } from '../validate/envoy';
import { validateOpaConfig } from '../validate/opa';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const PRIVATE_PEM = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const POLICY = 'package authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.method == "GET"\n';
const ENVOY_POLICY = 'package envoy.authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.attributes.request.http.method == "GET"\n';
const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Every knob of config.yaml at once: a signed bundle, decision logs and status to a service, labels. */
const FULL: OpaSidecarProps = {
  services: [{ name: 'acme', url: 'https://bundles.acme.dev/v1', credentials: OpaCredentials.bearerTokenFile(SA_TOKEN) }],
  bundles: [{
    name: 'authz',
    service: 'acme',
    resource: 'bundles/authz.tar.gz',
    pollingMinDelaySeconds: 30,
    pollingMaxDelaySeconds: 90,
    signing: { keyId: 'global', scope: 'write' },
  }],
  verificationKeys: [{ keyId: 'global', publicKeyPem: PUBLIC_PEM, algorithm: OpaSigningAlgorithm.RS256 }],
  decisionLogs: { console: true, service: 'acme', reportingMinDelaySeconds: 10, reportingMaxDelaySeconds: 30 },
  status: { service: 'acme' },
  labels: { app: 'api', environment: 'production' },
};

/** A cdk8s-plus-27 Deployment with OPA (and optionally more sidecars before it); returns the pod and OPA's parsed config.yaml. */
function onDeployment(props: OpaSidecarProps = {}, before: (chart: Chart) => any[] = () => []) {
  const chart = newChart();
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  const opa = new OpaSidecar(chart, 'opa', props);
  WorkloadSidecars.of(d).add(...before(chart), opa);
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const configMap = findDoc(docs, 'ConfigMap', `${d.name}-opa-config`);
  const config = YAML.parse(configMap.data['config.yaml']);
  validateOpaConfig(configMap.data['config.yaml']);
  const sidecar = pod.spec.initContainers.find((c: any) => c.name === 'opa');
  return { docs, pod, config, sidecar, d };
}

const inboundHttpFilters = (bootstrap: any) => bootstrap.static_resources.listeners.find((l: any) => l.name === 'inbound')
  .filter_chains[0].filters[0].typed_config.http_filters;
const cluster = (bootstrap: any, name: string) => bootstrap.static_resources.clusters.find((c: any) => c.name === name);

describe('OpaSidecar on Kubernetes (native sidecar)', () => {
  const { pod, config, sidecar, docs, d } = onDeployment({ ...FULL, policies: { 'authz.rego': POLICY } });

  test('a native sidecar the app waits for, started before the app', () => {
    expect(names(pod.spec.initContainers)).toEqual(['opa']);
    expect(sidecar).toMatchObject({ image: 'openpolicyagent/opa:1.10.1-static', restartPolicy: 'Always', command: ['/opa'] });
    expect(sidecar.args).toEqual([
      'run', '--server', '--addr=127.0.0.1:8181', '--diagnostic-addr=0.0.0.0:8282', '--config-file=/config/opa/config.yaml',
      '--log-format=json', '--log-level=info', '--disable-telemetry', '--ignore=.*', '/policies',
    ]);
  });

  test('ports: the REST API 8181 stays on localhost (no containerPort), the diagnostic port 8282 is declared', () => {
    expect(sidecar.ports).toEqual([{ containerPort: 8282, name: 'opa-diag', protocol: 'TCP' }]);
  });

  test('probes go to the diagnostic port: startup and readiness wait for the bundles, liveness /health', () => {
    expect(sidecar.startupProbe).toEqual({ httpGet: { path: '/health?bundles', port: 8282, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 10 });
    expect(sidecar.readinessProbe).toEqual({ httpGet: { path: '/health?bundles', port: 8282, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 3 });
    expect(sidecar.livenessProbe).toEqual({ httpGet: { path: '/health', port: 8282, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 3 });
  });

  test('non-root with its own UID, read-only root filesystem, nothing added', () => {
    expect(sidecar.securityContext).toMatchObject({
      runAsUser: 1111,
      runAsGroup: 1111,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(sidecar.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
  });

  test('the app gets OPA_ADDR', () => {
    expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'OPA_ADDR', value: 'http://127.0.0.1:8181' }]));
  });

  test('config.yaml: services, signed bundle with polling, keys, decision logs, status, labels', () => {
    expect(config).toEqual({
      services: { acme: { url: 'https://bundles.acme.dev/v1', credentials: { bearer: { token_path: SA_TOKEN } } } },
      labels: { app: 'api', environment: 'production' },
      bundles: {
        authz: {
          service: 'acme',
          resource: 'bundles/authz.tar.gz',
          polling: { min_delay_seconds: 30, max_delay_seconds: 90 },
          signing: { keyid: 'global', scope: 'write' },
        },
      },
      keys: { global: { algorithm: 'RS256', key: PUBLIC_PEM } },
      decision_logs: { console: true, service: 'acme', reporting: { min_delay_seconds: 10, max_delay_seconds: 30 } },
      status: { service: 'acme' },
    });
  });

  test('the config and the policies are mounted read-only from their own ConfigMaps; the bundle token at the path config.yaml names', () => {
    expect(sidecar.volumeMounts).toEqual([
      { name: 'opa-config', mountPath: '/config/opa', readOnly: true },
      { name: 'opa-policies', mountPath: '/policies', readOnly: true },
      { name: 'opa-identity', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
    ]);
    expect(findDoc(docs, 'ConfigMap', `${d.name}-opa-policies`).data).toEqual({ 'authz.rego': POLICY });
    expect(pod.spec.volumes.map((v: any) => v.name)).toEqual(expect.arrayContaining(['opa-config', 'opa-policies']));
  });
});

describe('OpaSidecar bundle credentials: the token config.yaml names is mounted into OPA alone', () => {
  test('the service account token: a projected token where token_path points, in OPA only, with automount off', () => {
    const { pod, config, sidecar } = onDeployment(FULL);
    const tokenPath: string = config.services.acme.credentials.bearer.token_path;
    const dir = tokenPath.slice(0, tokenPath.lastIndexOf('/'));
    const mount = sidecar.volumeMounts.find((m: any) => m.mountPath === dir);
    expect(mount).toEqual({ name: 'opa-identity', mountPath: dir, readOnly: true });
    const volume = pod.spec.volumes.find((v: any) => v.name === mount.name);
    expect(volume.projected.sources[0].serviceAccountToken).toEqual({ path: tokenPath.slice(dir.length + 1), expirationSeconds: 3600 });
    const app = pod.spec.containers.find((c: any) => c.name === 'api');
    expect((app.volumeMounts ?? []).map((m: any) => m.name)).not.toContain('opa-identity');
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });

  test('a token path of its own: the projected token is mounted there', () => {
    const { sidecar, pod } = onDeployment({ ...FULL, services: [{ name: 'acme', url: 'https://bundles.acme.dev/v1', credentials: OpaCredentials.bearerTokenFile('/var/run/secrets/opa/token', 'Bearer') }] });
    expect(sidecar.volumeMounts).toEqual(expect.arrayContaining([{ name: 'opa-identity', mountPath: '/var/run/secrets/opa', readOnly: true }]));
    expect(pod.spec.volumes.find((v: any) => v.name === 'opa-identity').projected.sources[0].serviceAccountToken.path).toBe('token');
  });

  test('no credentials, no token', () => {
    const { sidecar, pod } = onDeployment({ policies: { 'authz.rego': POLICY } });
    expect(sidecar.volumeMounts.map((m: any) => m.name)).not.toContain('opa-identity');
    expect(pod.spec.volumes.map((v: any) => v.name)).not.toContain('opa-identity');
  });

  test('two services reading different token files: one projected token per container, refused', () => {
    expectError(() => new OpaSidecar(newChart(), 'opa', {
      services: [
        { name: 'a', url: 'https://a.example.com', credentials: OpaCredentials.bearerTokenFile(SA_TOKEN) },
        { name: 'b', url: 'https://b.example.com', credentials: OpaCredentials.bearerTokenFile('/var/run/secrets/b/token') },
      ],
      bundles: [{ name: 'x', service: 'a' }],
      status: { service: 'b' },
    }), ErrorCode.INVALID_PATH, 'web/opa: services[1].credentials.tokenPath "/var/run/secrets/b/token"', 'services[0]');
  });

  test('a token path in a directory OPA mounts for its config is refused', () => {
    expectError(() => new OpaSidecar(newChart(), 'opa', {
      services: [{ name: 'a', url: 'https://a.example.com', credentials: OpaCredentials.bearerTokenFile('/config/opa/token') }],
      bundles: [{ name: 'x', service: 'a' }],
    }), ErrorCode.INVALID_PATH, 'web/opa: services[0].credentials.tokenPath "/config/opa/token"');
  });

  test('ECS and ACI have no service account token: refused, naming the fix', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(new OpaSidecar(f.stack, 'opa', FULL));
    expectError(() => synthTemplate(f.stack), ErrorCode.INVALID_ROLE,
      'Shop/opa: services[0].credentials.tokenPath "/var/run/secrets/kubernetes.io/serviceaccount/token"', 'AWS_IAM_ROLE', 'OpaCredentials.none()');
    const app = new AciApp();
    const group = appGroup(app);
    group.addSidecars(new OpaSidecar(app, 'opa', FULL));
    expectError(() => group.toArmTemplate(), ErrorCode.INVALID_ROLE, 'opa: services[0].credentials.tokenPath', 'OpaCredentials.none()');
  });
});

describe('OpaSidecar options on Kubernetes', () => {
  test('local policies only: readiness is /health, config.yaml is empty, bundle-less polling is not invented', () => {
    const { sidecar, config } = onDeployment({ policies: { 'authz.rego': POLICY } });
    expect(sidecar.readinessProbe.httpGet.path).toBe('/health');
    expect(sidecar.startupProbe.httpGet.path).toBe('/health');
    expect(config).toEqual({});
  });

  test('exposeApi: the REST API listens on 0.0.0.0 and is declared; the app still uses localhost', () => {
    const { sidecar, pod } = onDeployment({ exposeApi: true, port: 8191, diagnosticPort: 8292, uid: 2222, logLevel: OpaLogLevel.DEBUG });
    expect(sidecar.args).toEqual(expect.arrayContaining(['--addr=0.0.0.0:8191', '--diagnostic-addr=0.0.0.0:8292', '--log-level=debug']));
    expect(sidecar.args).not.toContain('--ignore=.*');
    expect(sidecar.ports.map((p: any) => p.containerPort)).toEqual([8191, 8292]);
    expect(sidecar.securityContext.runAsUser).toBe(2222);
    expect(pod.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'OPA_ADDR', value: 'http://127.0.0.1:8191' }]));
  });

  test('appEnvName and appContainers narrow what the app gets', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', [
      { name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ containerPort: 8080 }] },
      { name: 'worker', image: 'ghcr.io/acme/worker:1' },
    ]);
    WorkloadSidecars.of(d).add(new OpaSidecar(chart, 'opa', { appEnvName: 'POLICY_URL', appContainers: ['worker'], policies: { 'authz.rego': POLICY } }));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    expect(pod.spec.containers.find((c: any) => c.name === 'api').env).toBeUndefined();
    expect(pod.spec.containers.find((c: any) => c.name === 'worker').env).toEqual([{ name: 'POLICY_URL', value: 'http://127.0.0.1:8181' }]);
  });

  test('appWaitsFor STARTED: no startup probe, readiness stays', () => {
    const { sidecar } = onDeployment({ appWaitsFor: WaitCondition.STARTED, policies: { 'authz.rego': POLICY } });
    expect(sidecar.startupProbe).toBeUndefined();
    expect(sidecar.readinessProbe.httpGet).toEqual({ path: '/health', port: 8282, scheme: 'HTTP' });
  });

  test('decision logs and status to the console only', () => {
    const { config } = onDeployment({ decisionLogs: { console: true }, status: { console: true }, policies: { 'authz.rego': POLICY } });
    expect(config).toEqual({ decision_logs: { console: true }, status: { console: true } });
  });

  test('bundle defaults: resource bundles/<name>, OPA\'s polling 60..120; an unauthenticated service', () => {
    const { config } = onDeployment({
      services: [{ name: 'hub', url: 'http://bundle-server.policy.svc:8080', credentials: OpaCredentials.none() }],
      bundles: [{ name: 'main', service: 'hub' }],
    });
    expect(config).toEqual({
      services: { hub: { url: 'http://bundle-server.policy.svc:8080' } },
      bundles: { main: { service: 'hub', resource: 'bundles/main', polling: { min_delay_seconds: 60, max_delay_seconds: 120 } } },
    });
  });
});

describe('OpaSidecar with Envoy in one pod (envoyPlugin)', () => {
  const envoyFirst = (chart: Chart) => [new EnvoySidecar(chart, 'envoy')];
  const { docs, pod, config, sidecar, d } = onDeployment(
    { envoyPlugin: true, extAuthzTimeoutSeconds: 0.25, policies: { 'policy.rego': ENVOY_POLICY } }, envoyFirst);
  const bootstrap = JSON.parse(findDoc(docs, 'ConfigMap', `${d.name}-envoy-config`).data['envoy.json']);

  test('Envoy\'s bootstrap passes the proto validator', () => {
    validateEnvoyBootstrap(bootstrap);
  });

  test('Envoy checks inbound requests with OPA: ext_authz before the router', () => {
    const filters = inboundHttpFilters(bootstrap);
    expect(filters.map((f: any) => f.name)).toEqual(['envoy.filters.http.ext_authz', 'envoy.filters.http.router']);
    expect(filters[0].typed_config).toMatchObject({
      transport_api_version: 'V3',
      failure_mode_allow: false,
      grpc_service: { envoy_grpc: { cluster_name: 'ext_authz' }, timeout: '0.250s' },
    });
  });

  test('the ext_authz cluster goes to 127.0.0.1:9191 over HTTP/2', () => {
    const c = cluster(bootstrap, 'ext_authz');
    expect(c.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 9191 });
    expect(c.typed_extension_protocol_options['envoy.extensions.upstreams.http.v3.HttpProtocolOptions'].explicit_http_config).toEqual({ http2_protocol_options: {} });
  });

  test('OPA runs the Envoy plugin image with plugins.envoy_ext_authz_grpc on localhost', () => {
    expect(sidecar.image).toBe('openpolicyagent/opa:1.10.1-envoy-static');
    expect(config).toEqual({ plugins: { envoy_ext_authz_grpc: { addr: '127.0.0.1:9191', path: 'envoy/authz/allow' } } });
    // 9191 is pod-local: not a containerPort; readiness needs every plugin (the gRPC server) OK.
    expect(sidecar.ports.map((p: any) => p.containerPort)).toEqual([8282]);
    expect(sidecar.readinessProbe.httpGet.path).toBe('/health?plugins');
  });

  test('start order: the redirect, then Envoy, then OPA (whose downloads go through Envoy)', () => {
    expect(names(pod.spec.initContainers)).toEqual(['cdk-sidecars-redirect', 'envoy', 'opa']);
  });

  test('the redirect rules leave 9191 alone: loopback is never captured', () => {
    const rules: string = findDoc(docs, 'ConfigMap', `${d.name}-cdk-sidecars-redirect`).data['rules.v4'];
    expect(rules).toContain('-A CDK_SIDECARS_INBOUND -p tcp --dport 8080 -j CDK_SIDECARS_IN_REDIRECT');
    expect(rules).toContain('-A CDK_SIDECARS_OUTPUT -o lo -j RETURN');
    expect(rules).toContain('-A CDK_SIDECARS_OUTPUT -d 127.0.0.1/32 -j RETURN');
    expect(rules).not.toMatch(/9191/);
    // Neither are OPA's other ports captured inbound.
    expect(rules).not.toMatch(/--dport (8181|8282)/);
  });

  test('a custom rule path, port and fail-open mode reach both configs', () => {
    const r = onDeployment({
      envoyPlugin: true,
      envoyPluginPath: 'istio/authz/allow',
      extAuthzPort: 9292,
      extAuthzFailureModeAllow: true,
      policies: { 'policy.rego': ENVOY_POLICY },
    }, envoyFirst);
    expect(r.config.plugins.envoy_ext_authz_grpc).toEqual({ addr: '127.0.0.1:9292', path: 'istio/authz/allow' });
    const b = JSON.parse(findDoc(r.docs, 'ConfigMap', `${r.d.name}-envoy-config`).data['envoy.json']);
    validateEnvoyBootstrap(b);
    expect(inboundHttpFilters(b)[0].typed_config).toMatchObject({ failure_mode_allow: true, grpc_service: { timeout: '0.500s' } });
    expect(cluster(b, 'ext_authz').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value).toBe(9292);
  });

  test('without envoyPlugin Envoy has no ext_authz filter and no ext_authz cluster', () => {
    const r = onDeployment({ policies: { 'authz.rego': POLICY } }, envoyFirst);
    const b = JSON.parse(findDoc(r.docs, 'ConfigMap', `${r.d.name}-envoy-config`).data['envoy.json']);
    validateEnvoyBootstrap(b);
    expect(inboundHttpFilters(b).map((f: any) => f.name)).toEqual(['envoy.filters.http.router']);
    expect(cluster(b, 'ext_authz')).toBeUndefined();
    expect(r.config).toEqual({});
    expect(r.sidecar.image).toBe('openpolicyagent/opa:1.10.1-static');
  });

  test('envoyPlugin without an Envoy in the pod: nobody takes the offer', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new OpaSidecar(chart, 'opa', { envoyPlugin: true, policies: { 'policy.rego': ENVOY_POLICY } }));
    expectError(() => Testing.synth(chart), ErrorCode.UNCONSUMED_CAPABILITY, 'web/opa: offers "ext-authz.grpc", which no other sidecar of web/api takes');
  });

  test('envoyPlugin with an Envoy that proxies TCP: Envoy cannot apply the HTTP filter', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(
      new EnvoySidecar(chart, 'envoy', { inboundProtocol: EnvoyInboundProtocol.TCP }),
      new OpaSidecar(chart, 'opa', { envoyPlugin: true, policies: { 'policy.rego': ENVOY_POLICY } }));
    expectError(() => Testing.synth(chart), ErrorCode.INVALID_ROLE, 'web/envoy: inboundProtocol "TCP" cannot apply the ext_authz HTTP filter that web/opa offers');
  });
});

/** The JSON object given to http.send in the ECS health command, parsed back. */
function healthRequest(command: string[]): any {
  const query = command[command.length - 1];
  const m = /^http\.send\((\{.*\})\)\.status_code == 200$/.exec(query);
  if (!m) { throw new Error(`not a health query: ${query}`); }
  return JSON.parse(m[1]);
}

describe('OpaSidecar on ECS Fargate', () => {
  const f = fargateTask();
  // No bearer token file on ECS (no service account token there): an unauthenticated service.
  const opa = new OpaSidecar(f.stack, 'opa', { ...FULL, services: [{ name: 'acme', url: 'https://bundles.acme.dev/v1' }] });
  TaskSidecars.of(f.td).add(opa);
  const t = synthTemplate(f.stack);
  const def = container(t, 'opa');

  test('container definition: /opa run as 1111, read-only, only the diagnostic port mapped, 15 s to stop', () => {
    expect(def).toMatchObject({
      Image: 'openpolicyagent/opa:1.10.1-static',
      EntryPoint: ['/opa'],
      User: '1111:1111',
      ReadonlyRootFilesystem: true,
      Essential: true,
      StopTimeout: 15,
      MemoryReservation: 128,
      Memory: 512,
      Cpu: 102,
    });
    expect(def.Command.slice(0, 4)).toEqual(['run', '--server', '--addr=127.0.0.1:8181', '--diagnostic-addr=0.0.0.0:8282']);
    expect(def.PortMappings.map((p: any) => p.ContainerPort)).toEqual([8282]);
  });

  test('health check: the static image has only /opa, so `opa eval --fail` asks /health?bundles with http.send', () => {
    expect(def.HealthCheck).toMatchObject({ Interval: 5, Timeout: 3, Retries: 10, StartPeriod: 50 });
    const command: string[] = def.HealthCheck.Command;
    expect(command.slice(0, 4)).toEqual(['CMD', '/opa', 'eval', '--fail']);
    expect(healthRequest(command)).toEqual({ method: 'GET', url: 'http://127.0.0.1:8282/health?bundles', timeout: '2s' });
    expect(warnings(f.stack).filter(w => w.includes('Shop/opa'))).toEqual([]);
  });

  test('the app waits until OPA is healthy and gets OPA_ADDR', () => {
    const app = container(t, 'app');
    expect(app.DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'opa', Condition: 'HEALTHY' }]));
    expect(app.Environment).toEqual(expect.arrayContaining([{ Name: 'OPA_ADDR', Value: 'http://127.0.0.1:8181' }]));
  });

  test('config.yaml is written by the config writer and parses back to the same structure', () => {
    const writer = container(t, 'cdk-sidecars-config');
    const script: string = [...(writer.EntryPoint ?? []), ...(writer.Command ?? [])].join('\n');
    const m = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '[^']*\/opa-config\/config\.yaml'/.exec(script);
    expect(m).not.toBeNull();
    const encoded = writer.Environment.find((e: any) => e.Name === m![1]).Value;
    const config = YAML.parse(Buffer.from(encoded, 'base64').toString('utf-8'));
    validateOpaConfig(Buffer.from(encoded, 'base64').toString('utf-8'));
    expect(config.bundles.authz).toEqual({
      service: 'acme', resource: 'bundles/authz.tar.gz', polling: { min_delay_seconds: 30, max_delay_seconds: 90 }, signing: { keyid: 'global', scope: 'write' },
    });
    expect(config.keys.global).toEqual({ algorithm: 'RS256', key: PUBLIC_PEM });
    expect(config.decision_logs.reporting).toEqual({ min_delay_seconds: 10, max_delay_seconds: 30 });
    expect(config.status).toEqual({ service: 'acme' });
  });

  test('with the Envoy plugin the health command asks /health?plugins', () => {
    const g = fargateTask();
    TaskSidecars.of(g.td).add(new EnvoySidecar(g.stack, 'envoy'), new OpaSidecar(g.stack, 'opa', { envoyPlugin: true, policies: { 'policy.rego': ENVOY_POLICY } }));
    const opaDef = container(synthTemplate(g.stack), 'opa');
    expect(opaDef.Image).toBe('openpolicyagent/opa:1.10.1-envoy-static');
    expect(healthRequest(opaDef.HealthCheck.Command).url).toBe('http://127.0.0.1:8282/health?plugins');
  });
});

describe('OpaSidecar on Azure Container Instances', () => {
  const app = new AciApp();
  const group = appGroup(app);
  group.addSidecars(new OpaSidecar(app, 'opa', { policies: { 'authz.rego': POLICY }, decisionLogs: { console: true } }));
  const { resource, yaml } = synthGroup(group);
  const opa = resource.properties.containers.find((c: any) => c.name === 'opa').properties;

  test('the container: /opa run with its arguments, only the diagnostic port declared', () => {
    expect(opa.image).toBe('openpolicyagent/opa:1.10.1-static');
    expect(opa.command).toEqual([
      '/opa', 'run', '--server', '--addr=127.0.0.1:8181', '--diagnostic-addr=0.0.0.0:8282', '--config-file=/config/opa/config.yaml',
      '--log-format=json', '--log-level=info', '--disable-telemetry', '--ignore=.*', '/policies',
    ]);
    expect(opa.ports).toEqual([{ port: 8282, protocol: 'TCP' }]);
  });

  test('ACI runs the probes from outside the container: HTTP on the diagnostic port, a container port kept off the public IP; 8181 is not', () => {
    expect(opa.readinessProbe).toEqual({ httpGet: { path: '/health', port: 8282, scheme: 'http' }, periodSeconds: 5, timeoutSeconds: 3 });
    expect(opa.livenessProbe).toEqual({ httpGet: { path: '/health', port: 8282, scheme: 'http' }, periodSeconds: 10, timeoutSeconds: 3 });
    expect(resource.properties.ipAddress.ports.map((p: any) => p.port)).toEqual([8080]);
    expect(group.notes).toContainEqual(expect.stringMatching(/^opa: EXPOSED port 8282 \(opa-diag\) is not published: /));
  });

  test('no start order (a warning naming the prop); no startup probe, no grace period on ACI (notes: OPA\'s own defaults)', () => {
    const text = group.warnings.join('\n');
    expect(text).toContain('opa: appWaitsFor is HEALTHY, but ACI starts all containers of a group together');
    expect(text).toContain('then set OpaSidecarProps.appWaitsFor to WaitCondition.STARTED to silence this');
    expect(group.notes.join('\n')).toContain('opa: startupProbe is not rendered');
    expect(group.notes.join('\n')).toContain('opa: shutdown is not rendered');
  });

  test('the app gets OPA_ADDR; config.yaml and the policy come from secret volumes', () => {
    expect(resource.properties.containers[0].properties.environmentVariables).toEqual(expect.arrayContaining([{ name: 'OPA_ADDR', value: 'http://127.0.0.1:8181' }]));
    const volume = (name: string) => resource.properties.volumes.find((v: any) => v.name === name).secret;
    expect(YAML.parse(Buffer.from(volume('opa-config')['config.yaml'], 'base64').toString())).toEqual({ decision_logs: { console: true } });
    validateOpaConfig(Buffer.from(volume('opa-config')['config.yaml'], 'base64').toString());
    expect(Buffer.from(volume('opa-policies')['authz.rego'], 'base64').toString()).toBe(POLICY);
    expect(yaml.properties.containers.map((c: any) => c.name)).toEqual(['api', 'opa']);
  });
});

describe('OpaSidecar bad input', () => {
  const make = (props: OpaSidecarProps) => () => new OpaSidecar(newChart(), 'opa', props);
  const acme = { name: 'acme', url: 'https://bundles.acme.dev' };

  test('a bundle naming an unknown service', () => {
    expectError(make({ services: [acme], bundles: [{ name: 'authz', service: 'nope' }] }), ErrorCode.UNKNOWN_REFERENCE,
      'web/opa: bundles[0].service "nope" names a service that is not declared in services (services: acme)');
  });

  test('bundles without any service', () => {
    expectError(make({ bundles: [{ name: 'authz', service: 'acme' }] }), ErrorCode.UNKNOWN_REFERENCE,
      'web/opa: bundles[0].service "acme" names a service that is not declared in services (services: none)');
  });

  test('a policy file name that does not end in .rego, a hidden one, one without a package', () => {
    expectError(make({ policies: { 'authz.txt': POLICY } }), ErrorCode.INVALID_POLICY_FILE, 'web/opa: policies "authz.txt" does not end in ".rego"');
    expectError(make({ policies: { '.authz.rego': POLICY } }), ErrorCode.INVALID_POLICY_FILE, 'web/opa: policies ".authz.rego" starts with "."');
    expectError(make({ policies: { 'authz.rego': 'allow := true\n' } }), ErrorCode.INVALID_POLICY_FILE, 'web/opa: policies "authz.rego" has no package declaration');
  });

  test('a service URL that is not http(s)', () => {
    expectError(make({ services: [{ name: 'acme', url: 's3://policies/bundle.tar.gz' }], bundles: [{ name: 'a', service: 'acme' }] }), ErrorCode.INVALID_URL,
      'web/opa: services[0].url "s3://policies/bundle.tar.gz" has the scheme "s3", not http or https');
    expectError(make({ services: [{ name: 'acme', url: 'bundles.acme.dev' }], bundles: [{ name: 'a', service: 'acme' }] }), ErrorCode.INVALID_URL,
      'web/opa: services[0].url "bundles.acme.dev" is not a URL');
  });

  test('polling min above max (also against OPA\'s default max)', () => {
    expectError(make({ services: [acme], bundles: [{ name: 'a', service: 'acme', pollingMinDelaySeconds: 90, pollingMaxDelaySeconds: 30 }] }), ErrorCode.INVALID_RANGE,
      'web/opa: bundles[0].pollingMinDelaySeconds 90 is greater than bundles[0].pollingMaxDelaySeconds 30');
    expectError(make({ services: [acme], bundles: [{ name: 'a', service: 'acme', pollingMinDelaySeconds: 300 }] }), ErrorCode.INVALID_RANGE,
      'web/opa: bundles[0].pollingMinDelaySeconds 300 is greater than bundles[0].pollingMaxDelaySeconds 120');
  });

  test('a verification key no bundle uses; a bundle signed with an unknown key', () => {
    expectError(make({ services: [acme], bundles: [{ name: 'a', service: 'acme' }], verificationKeys: [{ keyId: 'global', publicKeyPem: PUBLIC_PEM }] }),
      ErrorCode.INEFFECTIVE_SETTING, 'web/opa: verificationKeys[0] "global" would have no effect: no bundle verifies its signature with this key');
    expectError(make({ services: [acme], bundles: [{ name: 'a', service: 'acme', signing: { keyId: 'other' } }] }),
      ErrorCode.UNKNOWN_REFERENCE, 'web/opa: bundles[0].signing.keyId "other" names a key that is not declared in verificationKeys (verificationKeys: none)');
  });

  test('a private key where the public key goes: refused without echoing it', () => {
    const e = expectError(make({ services: [acme], bundles: [{ name: 'a', service: 'acme', signing: { keyId: 'k' } }], verificationKeys: [{ keyId: 'k', publicKeyPem: PRIVATE_PEM }] }),
      ErrorCode.INVALID_KEY, 'web/opa: verificationKeys[0].publicKeyPem (first line "-----BEGIN RSA PRIVATE KEY-----") is a private key');
    expect(e.message).not.toContain(PRIVATE_PEM.split('\n')[1]);
    expectError(make({ services: [acme], bundles: [{ name: 'a', service: 'acme', signing: { keyId: 'k' } }], verificationKeys: [{ keyId: 'k', publicKeyPem: 'secret' }] }),
      ErrorCode.INVALID_KEY, 'web/opa: verificationKeys[0].publicKeyPem (first line "secret") is not a PEM-encoded public key');
  });

  test('port clashes between port, diagnosticPort and extAuthzPort', () => {
    expectError(make({ diagnosticPort: 8181 }), ErrorCode.DUPLICATE_PORT, 'web/opa: diagnosticPort 8181/TCP is declared twice (also port)');
    expectError(make({ envoyPlugin: true, extAuthzPort: 8282 }), ErrorCode.DUPLICATE_PORT, 'web/opa: extAuthzPort 8282/TCP is declared twice (also diagnosticPort)');
    expectError(make({ port: 70000 }), ErrorCode.INVALID_PORT, 'web/opa: port 70000');
  });

  test('decision logs and status to an unknown service, or to nowhere', () => {
    expectError(make({ services: [acme], bundles: [{ name: 'a', service: 'acme' }], decisionLogs: { service: 'logs' } }), ErrorCode.UNKNOWN_REFERENCE,
      'web/opa: decisionLogs.service "logs" names a service that is not declared in services (services: acme)');
    expectError(make({ status: { service: 'hub' } }), ErrorCode.UNKNOWN_REFERENCE, 'web/opa: status.service "hub" names a service');
    expectError(make({ decisionLogs: {} }), ErrorCode.INEFFECTIVE_SETTING, 'web/opa: decisionLogs {} would have no effect: neither console nor service is set');
    expectError(make({ decisionLogs: { console: true, reportingMinDelaySeconds: 5 } }), ErrorCode.INEFFECTIVE_SETTING,
      'web/opa: decisionLogs.reportingMinDelaySeconds 5 would have no effect: decision logs are not uploaded');
  });

  test('Envoy plugin settings without envoyPlugin are not dropped silently', () => {
    expectError(make({ envoyPluginPath: 'envoy/authz/allow' }), ErrorCode.INEFFECTIVE_SETTING, 'web/opa: envoyPluginPath "envoy/authz/allow" would have no effect: envoyPlugin is not set');
    expectError(make({ extAuthzFailureModeAllow: true }), ErrorCode.INEFFECTIVE_SETTING, 'web/opa: extAuthzFailureModeAllow true would have no effect');
    expectError(make({ envoyPlugin: true, envoyPluginPath: 'data.envoy.allow' }), ErrorCode.INVALID_NAME, 'web/opa: envoyPluginPath "data.envoy.allow"');
    expectError(make({ envoyPlugin: true, extAuthzTimeoutSeconds: 0 }), ErrorCode.INVALID_NUMBER, 'web/opa: extAuthzTimeoutSeconds 0');
  });

  test('a service nobody uses, labels OPA owns, a bad token path, a bad variable name, root', () => {
    expectError(make({ services: [acme] }), ErrorCode.INEFFECTIVE_SETTING, 'web/opa: services[0] "acme" would have no effect: no bundle, decisionLogs or status uses the service');
    expectError(make({ labels: { id: 'x' } }), ErrorCode.INVALID_NAME, 'web/opa: labels "id" is not a valid name (a label other than "id" and "version"');
    expectError(make({ services: [{ ...acme, credentials: OpaCredentials.bearerTokenFile('token') }], status: { service: 'acme' } }), ErrorCode.INVALID_PATH,
      'web/opa: services[0].credentials.tokenPath "token" is not an absolute path');
    expectError(make({ appEnvName: '1OPA' }), ErrorCode.INVALID_ENV, 'web/opa: appEnvName "1OPA" is not a valid variable name');
    expectError(make({ uid: 0 }), ErrorCode.ROOT_NOT_ALLOWED, 'web/opa: uid is 0 (root)');
  });

  test('an app container on the diagnostic port', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'x:1', ports: [{ containerPort: 8282 }] }])).add(new OpaSidecar(chart, 'opa'));
    expectError(() => Testing.synth(chart), ErrorCode.PORT_CLASH, 'web/opa: diagnosticPort: port 8282/TCP is already used by web/api (app container "app")');
  });

  test('appContainers naming a container the pod does not have', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new OpaSidecar(chart, 'opa', { appContainers: ['worker'] }));
    expectError(() => Testing.synth(chart), ErrorCode.UNKNOWN_APP_CONTAINER, 'web/opa: appRequests.containers[0] names app container "worker"');
  });
});
