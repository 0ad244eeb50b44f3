/**
 * The vault-k8s annotations of issue 13 (parity.md table 1.1) as typed props: each knob is
 * rendered into the agent configuration (parsed back and checked by the validator) or the
 * agent containers on Kubernetes, ECS and ACI, or refused where the platform cannot.
 */
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Testing } from 'cdk8s';
import {
  VaultAgentFeature, VaultAgentSidecar, VaultAgentSidecarProps, VaultAuth, VaultLogFormat, VaultLogLevel, VaultTemplateFormat,
} from '../../src';
import { AciApp, AciContainerGroup, AciMemoryVolumeHandling } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { MemoryVolumeHandling, TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { identityGroupWith, synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateAgentConfig } from '../validate/vault';

const AUTH = [VaultAuth.kubernetes({ role: 'shop' }), VaultAuth.aws({ role: 'shop-ecs' }), VaultAuth.azure({ role: 'shop-aci' })];

/** Every knob that lands in the agent configuration, on every platform. */
const TUNED: Partial<VaultAgentSidecarProps> = {
  exitOnAuthError: true,
  authMinBackoffSeconds: 2,
  authMaxBackoffSeconds: 30,
  clientMaxRetries: 3,
  clientTimeoutSeconds: 15,
  logLevel: VaultLogLevel.DEBUG,
  logFormat: VaultLogFormat.STANDARD,
  caPath: '/etc/ssl/certs',
  tlsServerName: 'vault.acme.internal',
  proxyAddress: 'http://proxy.corp:3128',
  telemetry: { prometheusRetentionSeconds: 60, disableHostname: true, dogstatsdAddress: '127.0.0.1:8125', dogstatsdTags: ['team:shop'], prefixFilter: ['+vault.agent'] },
  staticSecretRenderIntervalSeconds: 120,
  templateMaxConnectionsPerHost: 5,
  leaseRenewalThreshold: 0.75,
  disableIdleConnections: [VaultAgentFeature.AUTO_AUTH, VaultAgentFeature.TEMPLATING],
  disableKeepAlives: [VaultAgentFeature.CACHING],
  defaultTemplateFormat: VaultTemplateFormat.MAP,
  injectToken: true,
  cache: true,
  cacheForceAutoAuthToken: true,
  enableQuit: true,
  secrets: [
    { path: 'secret/data/shop/db', file: 'db/creds.txt' },
    { path: 'secret/data/shop/api', file: 'api.json', template: '[[ with secret "secret/data/shop/api" ]][[ .Data.data | toJSON ]][[ end ]]', leftDelimiter: '[[', rightDelimiter: ']]', errorOnMissingKey: true },
    { path: 'secret/data/shop/tmpl', file: 'x.conf', leftDelimiter: '<<', rightDelimiter: '>>' },
  ],
};

function vault(scope: any, extra: Partial<VaultAgentSidecarProps> = {}): VaultAgentSidecar {
  return new VaultAgentSidecar(scope, 'vault', {
    address: 'https://vault.vault.svc:8200',
    auth: AUTH,
    secrets: [{ path: 'secret/data/shop/db', file: 'db.json' }],
    ...extra,
  });
}

/** The checks every platform's configuration passes (the same file everywhere). */
function expectTuned(agent: any, init: any): void {
  const method = agent.auto_auth[0].method.kubernetes?.[0] ?? agent.auto_auth[0].method.aws?.[0] ?? agent.auto_auth[0].method.azure?.[0];
  expect(method).toMatchObject({ min_backoff: '2s', max_backoff: '30s', exit_on_err: true });
  expect(agent.vault[0]).toMatchObject({ ca_path: '/etc/ssl/certs', tls_server_name: 'vault.acme.internal', retry: [{ num_retries: 3 }] });
  expect(agent.telemetry).toEqual([{
    prometheus_retention_time: '60s', dogstatsd_addr: '127.0.0.1:8125', dogstatsd_tags: ['team:shop'], disable_hostname: true, prefix_filter: ['+vault.agent'],
  }]);
  expect(agent.template_config[0]).toEqual({
    exit_on_retry_failure: true, static_secret_render_interval: '120s', max_connections_per_host: 5, lease_renewal_threshold: 0.75,
  });
  expect(agent.disable_idle_connections).toEqual(['auto-auth', 'templating']);
  expect(agent.disable_keep_alives).toEqual(['caching']);
  // The app's token: a second file sink next to the secrets, in the init step too (vault-k8s newConfig).
  for (const c of [agent, init]) {
    expect(c.auto_auth[0].sink.file.map((s: any) => s.config.path)).toEqual(['/home/vault/.vault-token', '/vault/secrets/token']);
  }
  expect(agent.template.map((t: any) => t.destination)).toEqual(['/vault/secrets/db/creds.txt', '/vault/secrets/api.json', '/vault/secrets/x.conf']);
  expect(agent.template[0].left_delimiter).toBeUndefined();
  expect(agent.template[1]).toMatchObject({ left_delimiter: '[[', right_delimiter: ']]', error_on_missing_key: true });
  expect(agent.template[2]).toMatchObject({ left_delimiter: '<<', right_delimiter: '>>' });
  expect(agent.template[2].error_on_missing_key).toBeUndefined();
  // The listener serves the cache (forcing the agent's token) and the quit endpoint.
  expect(agent.api_proxy).toEqual([{ use_auto_auth_token: 'force' }]);
  expect(agent.listener.tcp).toEqual([{ address: '127.0.0.1:8200', tls_disable: true, agent_api: [{ enable_quit: true }] }]);
  expect(agent.cache).toEqual([{}]);
  expect(init.listener).toBeUndefined();
}

describe('vault-k8s parity on Kubernetes', () => {
  let docs: any[];
  let pod: any;
  let agent: any;
  let init: any;
  let cm: any;
  beforeAll(async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(vault(chart, TUNED));
    docs = synth(chart);
    pod = podOf(findDoc(docs, 'Deployment'));
    cm = docs.find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
    agent = await validateAgentConfig(cm.data['agent.hcl']);
    init = await validateAgentConfig(cm.data['agent-init.hcl']);
  });

  test('the configuration carries every knob', () => {
    expectTuned(agent, init);
  });

  test('templates: the map default with the secret\'s own delimiters, a sub-path file from a hashed template name', () => {
    const db = agent.template[0];
    expect(db.source).toMatch(/^\/vault\/config\/creds\.txt-[0-9a-f]{8}\.ctmpl$/);
    const name = db.source.slice('/vault/config/'.length);
    // vault-k8s DefaultMapTemplate: one "key: value" line per key (agent-inject/agent/config.go).
    expect(cm.data[name]).toBe('{{ with secret "secret/data/shop/db" }}{{ range $k, $v := .Data }}{{ $k }}: {{ $v }}\n{{ end }}{{ end }}');
    expect(cm.data['x.conf.ctmpl']).toBe('<< with secret "secret/data/shop/tmpl" >><< range $k, $v := .Data >><< $k >>: << $v >>\n<< end >><< end >>');
    expect(cm.data['api.json.ctmpl']).toBe('[[ with secret "secret/data/shop/api" ]][[ .Data.data | toJSON ]][[ end ]]');
  });

  test('environment: log level and format, client timeout, proxy, GOMAXPROCS from the CPU limit', () => {
    for (const c of pod.spec.initContainers.filter((x: any) => x.name.startsWith('vault-agent'))) {
      expect(c.env).toEqual([
        { name: 'VAULT_LOG_FORMAT', value: 'standard' },
        { name: 'HOME', value: '/home/vault' },
        { name: 'VAULT_LOG_LEVEL', value: 'debug' },
        { name: 'VAULT_CLIENT_TIMEOUT', value: '15s' },
        { name: 'HTTPS_PROXY', value: 'http://proxy.corp:3128' },
        // 500m: Go's rule for a cgroup limit, max(2, ceil(0.5)).
        { name: 'GOMAXPROCS', value: '2' },
      ]);
    }
  });

  test('the quit endpoint and the cache share the listener port; the app gets VAULT_ADDR', () => {
    const agentContainer = pod.spec.initContainers.find((c: any) => c.name === 'vault-agent');
    expect(agentContainer.ports).toBeUndefined(); // pod-local
    expect(pod.spec.containers[0].env).toEqual([{ name: 'VAULT_ADDR', value: 'http://127.0.0.1:8200' }]);
  });
});

describe('vault-k8s parity: agent settings on Kubernetes', () => {
  test('GOMAXPROCS: given, or from a larger CPU limit', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, { resources: { cpuLimitMillicores: 3500 } }));
    const c = podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers[1];
    expect(c.env).toContainEqual({ name: 'GOMAXPROCS', value: '4' });
    const chart2 = newChart();
    WorkloadSidecars.of(rawDeployment(chart2, 'a')).add(vault(chart2, { goMaxProcs: 1 }));
    expect(podOf(findDoc(synth(chart2), 'Deployment')).spec.initContainers[1].env).toContainEqual({ name: 'GOMAXPROCS', value: '1' });
  });

  test('an http:// Vault address gets HTTP_PROXY too; 0 retries is written as -1 ("none")', async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, { address: 'http://vault:8200', proxyAddress: 'http://proxy:3128', clientMaxRetries: 0 }));
    const docs = synth(chart);
    const env = podOf(findDoc(docs, 'Deployment')).spec.initContainers[0].env;
    expect(env).toEqual(expect.arrayContaining([{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }, { name: 'HTTP_PROXY', value: 'http://proxy:3128' }]));
    const cm = docs.find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
    expect((await validateAgentConfig(cm.data['agent.hcl'])).vault[0].retry).toEqual([{ num_retries: -1 }]);
  });

  test('revokeOnShutdown: a pre-stop revoke on the long-running agent only, with the agent\'s TLS flags', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, {
      revokeOnShutdown: true,
      revokeGraceSeconds: 8,
      namespace: 'admin/shop',
      tlsSecretName: 'vault-tls',
      caCertificateFile: '/vault/tls/ca.crt',
      clientCertificateFile: '/vault/tls/tls.crt',
      clientKeyFile: '/vault/tls/tls.key',
    }));
    const pod = podOf(findDoc(synth(chart), 'Deployment'));
    const [initC, agentC] = pod.spec.initContainers;
    expect(initC.lifecycle).toBeUndefined();
    // vault-k8s createLifecycle: sleep for the grace, then revoke the agent's own token.
    expect(agentC.lifecycle.preStop.exec.command).toEqual(['/bin/sh', '-c',
      "/bin/sleep 8 && vault token revoke -self '-address=https://vault.vault.svc:8200' '-ca-cert=/vault/tls/ca.crt' '-client-cert=/vault/tls/tls.crt' '-client-key=/vault/tls/tls.key' '-namespace=admin/shop'"]);
    expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(18);
  });

  test('TLS from a secret at /vault/tls and an extra secret at /vault/custom: mounted into both agent containers, named in the configuration', async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, {
      tlsSecretName: 'vault-tls',
      caCertificateFile: '/vault/tls/ca.crt',
      clientCertificateFile: '/vault/tls/tls.crt',
      clientKeyFile: '/vault/tls/tls.key',
      extraSecretName: 'shop-templates',
      secrets: [{ path: 'secret/data/shop/db', file: 'db.env', templateFile: '/vault/custom/db.ctmpl' }],
    }));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([
      { name: 'vault-agent-custom', secret: { secretName: 'shop-templates', defaultMode: 0o444 } },
      { name: 'vault-agent-tls', secret: { secretName: 'vault-tls', defaultMode: 0o444 } },
    ]));
    for (const c of pod.spec.initContainers) {
      expect(c.volumeMounts).toEqual(expect.arrayContaining([
        { name: 'vault-agent-custom', mountPath: '/vault/custom', readOnly: true },
        { name: 'vault-agent-tls', mountPath: '/vault/tls', readOnly: true },
      ]));
    }
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: 'vault-agent-secrets', mountPath: '/vault/secrets', readOnly: true }]);
    const cm = docs.find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
    const agent = await validateAgentConfig(cm.data['agent.hcl']);
    expect(agent.vault[0]).toMatchObject({ ca_cert: '/vault/tls/ca.crt', client_cert: '/vault/tls/tls.crt', client_key: '/vault/tls/tls.key' });
    expect(agent.template[0]).toEqual({ destination: '/vault/secrets/db.env', source: '/vault/custom/db.ctmpl', perms: '0440' });
    expect(Object.keys(cm.data).filter(k => k.endsWith('.ctmpl'))).toEqual([]);
  });

  test('a template file nothing mounts: the runtime contract names it', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, { secrets: [{ path: 'secret/data/x', file: 'x', templateFile: '/templates/x.ctmpl' }] }));
    expectError(() => synth(chart), ErrorCode.RUNTIME_MISSING_FILE, 'readsPaths');
  });

  test('runAsSameUser: the agent takes the first app container\'s UID and GID, owner-only files are allowed', async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a', [{ name: 'app', image: 'x:1', securityContext: { runAsUser: 2000, runAsGroup: 3000 } }]))
      .add(vault(chart, { runAsSameUser: true, injectToken: true, secrets: [{ path: 'secret/data/x', file: 'x', perms: 0o400 }] }));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    for (const c of pod.spec.initContainers) { expect(c.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000 }); }
    // No fsGroup needed: the app owns the files.
    expect(pod.spec.securityContext?.fsGroup).toBeUndefined();
    const agent = await validateAgentConfig(docs.find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']).data['agent.hcl']);
    expect(agent.template[0].perms).toBe('0400');
    expect(agent.auto_auth[0].sink.file[1].config).toEqual({ path: '/vault/secrets/token', mode: 0o400 });
  });

  test('runAsSameUser takes the pod\'s runAsUser too; an app without one, or root, is an error', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a', [{ name: 'app', image: 'x:1' }], { securityContext: { runAsUser: 4000 } })).add(vault(chart, { runAsSameUser: true }));
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers[0].securityContext.runAsUser).toBe(4000);
    const chart2 = newChart();
    WorkloadSidecars.of(rawDeployment(chart2, 'a')).add(vault(chart2, { runAsSameUser: true }));
    expectError(() => synth(chart2), ErrorCode.INVALID_ROLE, 'web/vault: runAsSameUser true needs the UID of the first app container "app" of web/a');
    const chart3 = newChart();
    WorkloadSidecars.of(rawDeployment(chart3, 'a', [{ name: 'app', image: 'x:1', securityContext: { runAsUser: 0 } }])).add(vault(chart3, { runAsSameUser: true }));
    expectError(() => synth(chart3), ErrorCode.INVALID_ROLE, 'web/vault: runAsSameUser true would run the agent as root');
  });

  test('the agent UID still clashes with a second app container of that UID (only the first is shared)', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a', [
      { name: 'app', image: 'x:1', securityContext: { runAsUser: 2000 } }, { name: 'other', image: 'y:1', securityContext: { runAsUser: 2000 } },
    ])).add(vault(chart, { runAsSameUser: true }));
    expectError(() => synth(chart), ErrorCode.UID_CLASH, 'app container "other"');
  });

  test('auth methods jwt, gcp and cert', async () => {
    const render = async (auth: VaultAuth, extra: Partial<VaultAgentSidecarProps> = {}) => {
      const chart = newChart();
      WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, { auth: [auth], ...extra }));
      const cm = synth(chart).find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
      return (await validateAgentConfig(cm.data['agent.hcl'])).auto_auth[0].method;
    };
    expect((await render(VaultAuth.jwt({ role: 'ci', tokenPath: '/vault/custom/jwt' }), { extraSecretName: 'ci-jwt' })).jwt[0]).toEqual({
      mount_path: 'auth/jwt', config: { role: 'ci', path: '/vault/custom/jwt', remove_jwt_after_reading: false },
    });
    expect((await render(VaultAuth.gcp({ role: 'gke', serviceAccount: 'shop@p.iam.gserviceaccount.com' }))).gcp[0]).toEqual({
      mount_path: 'auth/gcp', config: { type: 'gce', role: 'gke', service_account: 'shop@p.iam.gserviceaccount.com' },
    });
    expect((await render(VaultAuth.cert({ name: 'shop', clientCertificateFile: '/vault/tls/tls.crt', clientKeyFile: '/vault/tls/tls.key' }), { tlsSecretName: 'vault-tls' })).cert[0]).toEqual({
      mount_path: 'auth/cert', config: { name: 'shop', client_cert: '/vault/tls/tls.crt', client_key: '/vault/tls/tls.key' },
    });
    expect((await render(VaultAuth.cert(), { tlsSecretName: 'vault-tls', clientCertificateFile: '/vault/tls/tls.crt', clientKeyFile: '/vault/tls/tls.key' })).cert[0])
      .toEqual({ mount_path: 'auth/cert', config: {} });
  });

  test('cachePersist: the init step hands its token and leases to the agent through a memory volume', async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, { cache: true, cachePersist: true, cacheExitOnError: true }));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    expect(pod.spec.volumes).toContainEqual({ name: 'vault-agent-cache', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } });
    for (const c of pod.spec.initContainers) { expect(c.volumeMounts).toContainEqual({ name: 'vault-agent-cache', mountPath: '/vault/agent-cache', readOnly: false }); }
    const cm = docs.find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
    const store = { path: '/vault/agent-cache', service_account_token_file: '/var/run/secrets/kubernetes.io/serviceaccount/token', exit_on_err: true };
    for (const file of ['agent.hcl', 'agent-init.hcl']) {
      const c = await validateAgentConfig(cm.data[file]);
      expect(c.cache).toEqual([{ persist: { kubernetes: [store] } }]);
      expect(c.listener.tcp[0].address).toBe('127.0.0.1:8200');
    }
    expect((await validateAgentConfig(cm.data['agent-init.hcl'])).api_proxy).toBeUndefined();
  });

  test('telemetry: lease metrics and Stackdriver keys', async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, {
      telemetry: {
        leaseMetricsEpsilonSeconds: 600,
        numLeaseMetricsBuckets: 24,
        addLeaseMetricsNamespaceLabels: true,
        stackdriverProjectId: 'shop-prod',
        stackdriverLocation: 'europe-west1',
        stackdriverNamespace: 'shop',
        stackdriverDebugLogs: false,
        usageGaugePeriodSeconds: 300,
        maximumGaugeCardinality: 100,
        filterDefault: false,
        enableHostnameLabel: true,
        statsdAddress: 'localhost:8125',
        statsiteAddress: 'localhost:8126',
      },
    }));
    const cm = synth(chart).find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
    expect((await validateAgentConfig(cm.data['agent.hcl'])).telemetry[0]).toEqual({
      statsd_address: 'localhost:8125',
      statsite_address: 'localhost:8126',
      enable_hostname_label: true,
      filter_default: false,
      usage_gauge_period: '300s',
      maximum_gauge_cardinality: 100,
      lease_metrics_epsilon: '600s',
      num_lease_metrics_buckets: 24,
      add_lease_metrics_namespace_labels: true,
      stackdriver_project_id: 'shop-prod',
      stackdriver_location: 'europe-west1',
      stackdriver_namespace: 'shop',
      stackdriver_debug_logs: false,
    });
  });

  test('shareProcessNamespace: the pod shares one process namespace', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, { shareProcessNamespace: true }));
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.shareProcessNamespace).toBe(true);
    const chart2 = newChart();
    WorkloadSidecars.of(rawDeployment(chart2, 'a')).add(vault(chart2));
    expect(podOf(findDoc(synth(chart2), 'Deployment')).spec.shareProcessNamespace).toBeUndefined();
  });

  test('any other auto-auth method with VaultAuth.generic: its config as given, its files checked', async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, {
      extraSecretName: 'dev-token',
      auth: [VaultAuth.generic({ type: 'token_file', config: { token_file_path: '/vault/custom/token' }, files: ['/vault/custom/token'] })],
    }));
    const cm = synth(chart).find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
    expect((await validateAgentConfig(cm.data['agent.hcl'])).auto_auth[0].method.token_file[0]).toEqual({
      mount_path: 'auth/token_file', config: { token_file_path: '/vault/custom/token' },
    });
    const chart2 = newChart();
    WorkloadSidecars.of(rawDeployment(chart2, 'a')).add(vault(chart2, {
      auth: [VaultAuth.generic({ type: 'kerberos', config: { keytab_path: '/etc/krb5.keytab' }, files: ['/etc/krb5.keytab'] })],
    }));
    expectError(() => synth(chart2), ErrorCode.RUNTIME_MISSING_FILE, '/etc/krb5.keytab');
  });

  test('a JWT file nothing mounts: the runtime contract names it', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'a')).add(vault(chart, { auth: [VaultAuth.jwt({ role: 'ci', tokenPath: '/jwt/token' })] }));
    expectError(() => synth(chart), ErrorCode.RUNTIME_MISSING_FILE, '/jwt/token');
  });
});

describe('vault-k8s parity on ECS', () => {
  test('every configuration knob renders into the file the agent reads', async () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(vault(f.stack, TUNED));
    const t = synthTemplate(f.stack);
    const writer = container(t, 'cdk-sidecars-config');
    const read = (file: string) => {
      const variable = new RegExp(`"\\$(CDK_SIDECARS_FILE_\\d+)" \\| base64 -d > '/cdk-sidecars/vault-agent-config/${file}'`).exec(writer.Command[0])![1];
      return Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString();
    };
    expectTuned(await validateAgentConfig(read('agent.hcl')), await validateAgentConfig(read('agent-init.hcl')));
    expect(container(t, 'vault-agent').Environment).toEqual(expect.arrayContaining([
      { Name: 'VAULT_LOG_LEVEL', Value: 'debug' }, { Name: 'VAULT_CLIENT_TIMEOUT', Value: '15s' }, { Name: 'GOMAXPROCS', Value: '2' },
      { Name: 'HTTPS_PROXY', Value: 'http://proxy.corp:3128' }, { Name: 'VAULT_LOG_FORMAT', Value: 'standard' },
    ]));
  });

  test('shareProcessNamespace: pidMode task', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(vault(f.stack, { shareProcessNamespace: true }));
    const t = synthTemplate(f.stack);
    const td = Object.values(t.Resources).find((r: any) => r.Type === 'AWS::ECS::TaskDefinition') as any;
    expect(td.Properties.PidMode).toBe('task');
  });

  test('runAsSameUser takes the app container\'s user', () => {
    const f = fargateTask();
    const td = new ecs.FargateTaskDefinition(f.stack, 'Job', { cpu: 512, memoryLimitMiB: 1024 });
    td.addContainer('job', { containerName: 'job', image: ecs.ContainerImage.fromRegistry('x:1'), user: '2000:3000', memoryLimitMiB: 256 });
    TaskSidecars.of(td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(vault(f.stack, { runAsSameUser: true }));
    const t = synthTemplate(f.stack);
    const defs = Object.values(t.Resources).find((r: any) => r.Type === 'AWS::ECS::TaskDefinition' && r.Properties.ContainerDefinitions.some((c: any) => c.Name === 'job')) as any;
    expect(defs.Properties.ContainerDefinitions.find((c: any) => c.Name === 'vault-agent').User).toBe('2000:3000');
  });

  test.each<[string, Partial<VaultAgentSidecarProps>, ErrorCode, string]>([
    ['revokeOnShutdown: no pre-stop hook', { revokeOnShutdown: true }, ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/vault: revokeOnShutdown true cannot be rendered on the platform of Shop/Api'],
    ['runAsSameUser: the app has no user', { runAsSameUser: true }, ErrorCode.INVALID_ROLE, 'Shop/vault: runAsSameUser true needs the UID of the first app container "app" of Shop/Api'],
    ['extraSecretName: no secret files', { extraSecretName: 'x' }, ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/vault: extraSecretName "x" cannot be rendered on ECS'],
    ['cachePersist: no service account token', { cache: true, cachePersist: true }, ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/vault: cachePersist true cannot be rendered on the platform of Shop/Api: the persistent cache is sealed with a Kubernetes service account token, and the agent logs in with aws here'],
    ['tlsSecretName: no secret files', { tlsSecretName: 'x' }, ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/vault: tlsSecretName "x" cannot be rendered on ECS'],
  ])('%s', (_t, props, code, part) => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(vault(f.stack, props));
    expectError(() => synthTemplate(f.stack), code, part);
  });
});

describe('vault-k8s parity on ACI', () => {
  test('every configuration knob renders into the file the agent reads', async () => {
    const app = new AciApp();
    const { resource } = identityGroupWith(app, vault(app, TUNED));
    const cfg = resource.properties.volumes.find((v: any) => v.name === 'vault-agent-config').secret;
    const decode = (k: string) => Buffer.from(cfg[k], 'base64').toString();
    expectTuned(await validateAgentConfig(decode('agent.hcl')), await validateAgentConfig(decode('agent-init.hcl')));
    const agent = resource.properties.containers.find((c: any) => c.name === 'vault-agent');
    expect(agent.properties.environmentVariables).toEqual(expect.arrayContaining([{ name: 'VAULT_LOG_LEVEL', value: 'debug' }, { name: 'GOMAXPROCS', value: '2' }]));
  });

  test('TLS from a secret the group maps with secretVolumeKeys', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', {
      containers: [{ name: 'api', image: 'x:1' }],
      identity: { systemAssigned: true },
      memoryVolumes: AciMemoryVolumeHandling.DISK,
      secretVolumeKeys: { 'vault-tls': ['ca.crt'] },
    });
    group.addSidecars(vault(app, { tlsSecretName: 'vault-tls', caCertificateFile: '/vault/tls/ca.crt' }));
    const { resource } = synthGroup(group);
    expect(resource.properties.volumes.map((v: any) => v.name)).toContain('vault-agent-tls');
  });

  test.each<[string, Partial<VaultAgentSidecarProps>, ErrorCode, string]>([
    ['revokeOnShutdown: no pre-stop hook', { revokeOnShutdown: true }, ErrorCode.UNSUPPORTED_ON_PLATFORM, 'vault: revokeOnShutdown true cannot be rendered on the platform of shop'],
    ['runAsSameUser: ACI has no container user', { runAsSameUser: true }, ErrorCode.INVALID_ROLE, 'vault: runAsSameUser true needs the UID of the first app container "api" of shop'],
    ['shareProcessNamespace: ACI has none', { shareProcessNamespace: true }, ErrorCode.UNSUPPORTED_ON_PLATFORM, 'vault: shareProcessNamespace true cannot be rendered on'],
    ['cachePersist: no service account token', { cache: true, cachePersist: true }, ErrorCode.UNSUPPORTED_ON_PLATFORM, 'vault: cachePersist true cannot be rendered on the platform of shop'],
  ])('%s', (_t, props, code, part) => {
    const app = new AciApp();
    expectError(() => identityGroupWith(app, vault(app, props)), code, part);
  });
});

describe('vault-k8s parity: bad input', () => {
  const make = (props: Partial<VaultAgentSidecarProps>) => () => vault(newChart(), props);
  test.each<[string, Partial<VaultAgentSidecarProps>, ErrorCode, string]>([
    ['min backoff above max', { authMinBackoffSeconds: 60, authMaxBackoffSeconds: 10 }, ErrorCode.INVALID_NUMBER, 'web/vault: authMinBackoffSeconds 60 is not at most authMaxBackoffSeconds (10)'],
    ['a zero backoff', { authMinBackoffSeconds: 0 }, ErrorCode.INVALID_NUMBER, 'web/vault: authMinBackoffSeconds 0'],
    ['negative retries', { clientMaxRetries: -1 }, ErrorCode.INVALID_NUMBER, 'web/vault: clientMaxRetries -1'],
    ['a fractional timeout', { clientTimeoutSeconds: 1.5 }, ErrorCode.INVALID_NUMBER, 'web/vault: clientTimeoutSeconds 1.5'],
    ['a log level that is not one', { logLevel: 'loud' as any }, ErrorCode.INVALID_TYPE, 'web/vault: logLevel "loud"'],
    ['a log format of the wrong type', { logFormat: 1 as any }, ErrorCode.INVALID_TYPE, 'web/vault: logFormat 1'],
    ['a grace without revoke', { revokeGraceSeconds: 3 }, ErrorCode.INEFFECTIVE_SETTING, 'web/vault: revokeGraceSeconds 3 would have no effect: revokeOnShutdown is off'],
    ['revoke with a wrapped sink', { revokeOnShutdown: true, sinkWrapTtlSeconds: 60 }, ErrorCode.INVALID_ROLE, 'web/vault: revokeOnShutdown true needs the agent\'s token in its sink'],
    ['revoke with prePopulateOnly', { revokeOnShutdown: true, prePopulateOnly: true }, ErrorCode.INEFFECTIVE_SETTING, 'web/vault: revokeOnShutdown true would have no effect'],
    ['runAsSameUser with uid', { runAsSameUser: true, uid: 5000 }, ErrorCode.INVALID_ROLE, 'web/vault: runAsSameUser true is set together with uid'],
    ['a threshold above 1', { leaseRenewalThreshold: 1.5 }, ErrorCode.INVALID_NUMBER, 'web/vault: leaseRenewalThreshold 1.5'],
    ['a threshold of the wrong type', { leaseRenewalThreshold: '0.5' as any }, ErrorCode.INVALID_TYPE, 'web/vault: leaseRenewalThreshold "0.5"'],
    ['zero connections', { templateMaxConnectionsPerHost: 0 }, ErrorCode.INVALID_NUMBER, 'web/vault: templateMaxConnectionsPerHost 0'],
    ['force without cache', { cacheForceAutoAuthToken: true }, ErrorCode.INEFFECTIVE_SETTING, 'web/vault: cacheForceAutoAuthToken true would have no effect: cache is off'],
    ['a persistent cache without cache', { cachePersist: true }, ErrorCode.INEFFECTIVE_SETTING, 'web/vault: cachePersist true would have no effect'],
    ['a persistent cache without init step', { cache: true, cachePersist: true, prePopulate: false }, ErrorCode.INEFFECTIVE_SETTING, 'web/vault: cachePersist true would have no effect'],
    ['cache exit on error without persistence', { cacheExitOnError: true }, ErrorCode.INEFFECTIVE_SETTING, 'web/vault: cacheExitOnError true would have no effect: cachePersist is off'],
    ['quit with prePopulateOnly', { enableQuit: true, prePopulateOnly: true }, ErrorCode.INEFFECTIVE_SETTING, 'web/vault: enableQuit true would have no effect'],
    ['a feature that is not one', { disableKeepAlives: ['everything' as any] }, ErrorCode.INVALID_TYPE, 'web/vault: disableKeepAlives[0] "everything"'],
    ['a feature twice', { disableIdleConnections: [VaultAgentFeature.CACHING, VaultAgentFeature.CACHING] }, ErrorCode.INVALID_ROLE, 'web/vault: disableIdleConnections[1] "caching" is given twice'],
    ['two CA sources', { caCertificateFile: '/vault/tls/ca.crt', caCertificatePem: '-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----' }, ErrorCode.INVALID_ROLE, 'web/vault: caCertificateFile "/vault/tls/ca.crt" is set together with caCertificatePem'],
    ['a client certificate without key', { clientCertificateFile: '/vault/tls/tls.crt' }, ErrorCode.INVALID_ROLE, 'web/vault: clientCertificateFile "/vault/tls/tls.crt" needs clientKeyFile'],
    ['a relative CA file', { caCertificateFile: 'ca.crt' }, ErrorCode.INVALID_PATH, 'web/vault: caCertificateFile "ca.crt" is not an absolute path'],
    ['a CA path with a newline', { caPath: '/etc/ssl\n' }, ErrorCode.INVALID_PATH, 'web/vault: caPath'],
    ['a secret name that is not one', { tlsSecretName: 'Vault TLS' }, ErrorCode.INVALID_SECRET_NAME, 'web/vault: tlsSecretName "Vault TLS"'],
    ['a server name with a space', { tlsServerName: 'vault .svc' }, ErrorCode.INVALID_NAME, 'web/vault: tlsServerName "vault .svc"'],
    ['a proxy that is not a URL', { proxyAddress: 'proxy:3128' }, ErrorCode.INVALID_URL, 'web/vault: proxyAddress "proxy:3128" is not a proxy URL'],
    ['a statsd address without port', { telemetry: { statsdAddress: 'statsd' } }, ErrorCode.INVALID_NAME, 'web/vault: telemetry.statsdAddress "statsd"'],
    ['a prefix filter without sign', { telemetry: { prefixFilter: ['vault'] } }, ErrorCode.INVALID_NAME, 'web/vault: telemetry.prefixFilter[0] "vault"'],
    ['a telemetry field of the wrong type', { telemetry: { disableHostname: 'yes' as any } }, ErrorCode.INVALID_TYPE, 'web/vault: telemetry.disableHostname "yes"'],
    ['a template file and a template', { secrets: [{ path: 'secret/data/x', file: 'x', template: 'a', templateFile: '/vault/custom/x' }] }, ErrorCode.INVALID_ROLE, 'web/vault: secrets[0].templateFile "/vault/custom/x" is set together with secrets[0].template'],
    ['a relative template file', { secrets: [{ path: 'secret/data/x', file: 'x', templateFile: 'x.ctmpl' }] }, ErrorCode.INVALID_PATH, 'web/vault: secrets[0].templateFile "x.ctmpl"'],
    ['a delimiter with a space', { secrets: [{ path: 'secret/data/x', file: 'x', leftDelimiter: '[ [' }] }, ErrorCode.INVALID_NAME, 'web/vault: secrets[0].leftDelimiter "[ ["'],
    ['an empty delimiter', { secrets: [{ path: 'secret/data/x', file: 'x', rightDelimiter: '' }] }, ErrorCode.INVALID_NAME, 'web/vault: secrets[0].rightDelimiter ""'],
    ['a missing-key flag of the wrong type', { secrets: [{ path: 'secret/data/x', file: 'x', errorOnMissingKey: 1 as any }] }, ErrorCode.INVALID_TYPE, 'web/vault: secrets[0].errorOnMissingKey 1'],
    ['a secret named token with injectToken', { injectToken: true, secrets: [{ path: 'secret/data/x', file: 'token' }] }, ErrorCode.INVALID_CONFIG_FILE, 'web/vault: secrets[0].file "token" is where injectToken writes'],
    ['a file that is another\'s directory', { secrets: [{ path: 'secret/data/x', file: 'db' }, { path: 'secret/data/y', file: 'db/x' }] }, ErrorCode.INVALID_CONFIG_FILE, 'web/vault: secrets[0].file "db" is also the directory of "db/x"'],
    ['a default format that is not one', { defaultTemplateFormat: 'yaml' as any }, ErrorCode.INVALID_TYPE, 'web/vault: defaultTemplateFormat "yaml"'],
    ['a jwt without file', { auth: [VaultAuth.jwt({ role: 'r' } as any)] }, ErrorCode.INVALID_TYPE, 'web/vault: auth[0].tokenPath'],
    ['a relative jwt file', { auth: [VaultAuth.jwt({ role: 'r', tokenPath: 'jwt' })] }, ErrorCode.INVALID_PATH, 'web/vault: auth[0].tokenPath "jwt" is not an absolute path'],
    ['a cert key path that is relative', { auth: [VaultAuth.cert({ clientCertificateFile: '/c', clientKeyFile: 'k' })] }, ErrorCode.INVALID_PATH, 'web/vault: auth[0].clientKeyFile "k"'],
    ['a generic method the agent does not have', { auth: [VaultAuth.generic({ type: 'github', config: {} })] }, ErrorCode.INVALID_NAME, 'web/vault: auth[0].type "github" is not a valid name (an auto-auth method of the Vault agent'],
    ['a generic config key that is not an identifier', { auth: [VaultAuth.generic({ type: 'cf', config: { 'role name': 'x' } })] }, ErrorCode.INVALID_NAME, 'web/vault: auth[0].config "role name"'],
    ['a generic config value of the wrong type', { auth: [VaultAuth.generic({ type: 'cf', config: { role: 1 as any } })] }, ErrorCode.INVALID_TYPE, 'web/vault: auth[0].config.role 1'],
    ['a generic file that is relative', { auth: [VaultAuth.generic({ type: 'token_file', config: {}, files: ['token'] })] }, ErrorCode.INVALID_PATH, 'web/vault: auth[0].files[0] "token"'],
    ['a cert method without any certificate', { auth: [VaultAuth.cert()] }, ErrorCode.INVALID_ROLE, 'web/vault: auth[0] "cert" has no client certificate to log in with'],
    ['a cert method with a key only', { auth: [VaultAuth.cert({ clientKeyFile: '/vault/tls/tls.key' })] }, ErrorCode.INVALID_ROLE, 'web/vault: auth[0].clientKeyFile "/vault/tls/tls.key" needs clientCertificateFile'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });

  test('cachePort serves the quit endpoint without cache', () => {
    expect(() => make({ enableQuit: true, cachePort: 8300 })()).not.toThrow();
    expectError(make({ cachePort: 8300 }), ErrorCode.INEFFECTIVE_SETTING, 'web/vault: cachePort 8300 would have no effect: cache and enableQuit are off');
  });

  void Testing;
});
