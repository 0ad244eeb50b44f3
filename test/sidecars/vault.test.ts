import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { VaultAgentSidecar, VaultAgentSidecarProps, VaultAuth, VaultReload } from '../../src';
import { AciApp, AciContainerGroup, AciMemoryVolumeHandling } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { MemoryVolumeHandling, TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { identityGroupWith } from '../aci/util';
import { container, fargateTask, synthTemplate, taskDefinition } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from '../k8s/util';
import { validateAgentConfig } from '../validate/vault';

const AUTH = [
  VaultAuth.kubernetes({ role: 'shop-api' }),
  VaultAuth.aws({ role: 'shop-api-ecs', headerValue: 'vault.acme.internal' }),
  VaultAuth.azure({ role: 'shop-api-aci' }),
];

function vault(scope: any, extra: Partial<VaultAgentSidecarProps> = {}): VaultAgentSidecar {
  return new VaultAgentSidecar(scope, 'vault', {
    address: 'https://vault.vault.svc:8200',
    auth: AUTH,
    secrets: [
      { path: 'secret/data/shop/db', file: 'db.json' },
      { path: 'secret/data/shop/api', file: 'api.env', template: '{{ with secret "secret/data/shop/api" }}API_KEY={{ .Data.data.key }}{{ end }}\n', perms: 0o444 },
    ],
    ...extra,
  });
}

/** The agent configurations of a synthesized pod, parsed and checked. */
async function configsOf(docs: any[]): Promise<{ init: any; agent: any; cm: any }> {
  const cm = docs.find(d => d.kind === 'ConfigMap' && d.data['agent.hcl']);
  return { init: await validateAgentConfig(cm.data['agent-init.hcl']), agent: await validateAgentConfig(cm.data['agent.hcl']), cm };
}

describe('VaultAgentSidecar on Kubernetes', () => {
  let pod: any;
  let docs: any[];
  beforeAll(() => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
    WorkloadSidecars.of(d).add(vault(chart, { cache: true }));
    docs = synth(chart);
    pod = podOf(findDoc(docs, 'Deployment'));
  });

  test('an init step renders the secrets before the app, a native sidecar keeps them fresh', () => {
    expect(names(pod.spec.initContainers)).toEqual(['vault-agent-init', 'vault-agent']);
    const [init, agent] = pod.spec.initContainers;
    expect(init.restartPolicy).toBeUndefined();
    expect(agent.restartPolicy).toBe('Always');
    expect(init.args).toEqual(['agent', '-config=/vault/config/agent-init.hcl']);
    expect(agent.args).toEqual(['agent', '-config=/vault/config/agent.hcl']);
    for (const c of [init, agent]) {
      expect(c.securityContext).toMatchObject({ runAsUser: 100, runAsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } });
    }
  });

  test('secrets on a memory-backed volume, mounted read-only into the app', () => {
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([
      { name: 'vault-agent-secrets', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      { name: 'vault-agent-home', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } },
    ]));
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: 'vault-agent-secrets', mountPath: '/vault/secrets', readOnly: true }]);
    expect(pod.spec.initContainers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'vault-agent-secrets', mountPath: '/vault/secrets', readOnly: false }]));
    expect(pod.spec.containers[0].env).toEqual([{ name: 'VAULT_ADDR', value: 'http://127.0.0.1:8200' }]);
  });

  test('the agent configuration parses back: vault, kubernetes auth, file sink, templates, cache', async () => {
    const { init, agent, cm } = await configsOf(docs);
    expect(init.exit_after_auth).toBe(true);
    expect(agent.exit_after_auth).toBe(false);
    expect(agent.vault[0]).toEqual({ address: 'https://vault.vault.svc:8200', tls_skip_verify: false });
    expect(agent.auto_auth[0].method.kubernetes[0]).toEqual({
      mount_path: 'auth/kubernetes',
      config: { role: 'shop-api', token_path: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
    });
    expect(agent.auto_auth[0].sink.file[0].config.path).toBe('/home/vault/.vault-token');
    expect(agent.template).toEqual([
      { destination: '/vault/secrets/db.json', source: '/vault/config/db.json.ctmpl', perms: '0440' },
      { destination: '/vault/secrets/api.env', source: '/vault/config/api.env.ctmpl', perms: '0444' },
    ]);
    expect(cm.data['db.json.ctmpl']).toBe('{{- with secret "secret/data/shop/db" -}}{{ .Data | toJSON }}{{- end -}}\n');
    expect(agent.listener.tcp[0]).toEqual({ address: '127.0.0.1:8200', tls_disable: true });
    expect(agent.api_proxy[0]).toEqual({ use_auto_auth_token: true });
    expect(init.listener).toBeUndefined();
    expect(agent.template_config[0]).toEqual({ exit_on_retry_failure: true });
  });
});

describe('VaultAgentSidecar options', () => {
  test('prePopulateOnly for a Job: only the init step, no sidecar left', async () => {
    const chart = newChart();
    const job = new kplus.Job(chart, 'report', { containers: [{ name: 'report', image: 'ghcr.io/acme/report:1' }] });
    WorkloadSidecars.of(job).add(vault(chart, { prePopulateOnly: true }));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Job'));
    expect(names(pod.spec.initContainers)).toEqual(['vault-agent-init']);
    expect(pod.spec.containers.map((c: any) => c.name)).toEqual(['report']);
    expect(pod.spec.shareProcessNamespace).toBeUndefined();
    await configsOf(docs);
  });

  test('secrets only in the app containers that asked for them', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api', [{ name: 'web', image: 'x:1' }, { name: 'worker', image: 'y:1' }]);
    WorkloadSidecars.of(d).add(vault(chart, { secrets: [{ path: 'secret/data/db', file: 'db.json', appContainers: ['worker'] }] }));
    const [web, worker] = podOf(findDoc(synth(chart), 'Deployment')).spec.containers;
    expect(web.volumeMounts).toBeUndefined();
    expect(worker.volumeMounts).toEqual([{ name: expect.stringMatching(/^vault-agent-secrets-[0-9a-f]{6}$/), mountPath: '/vault/secrets', readOnly: true }]);
  });

  test('a reload over HTTP: no process sharing, no capability, only the long-running agent calls it', async () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(vault(chart, {
      secrets: [{ path: 'secret/data/tls', file: 'tls.pem', reload: VaultReload.http({ port: 8080, path: '/-/reload' }) }],
    }));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    expect(pod.spec.shareProcessNamespace).toBeUndefined();
    expect(pod.spec.initContainers[1].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(pod.spec.initContainers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    const { agent, init } = await configsOf(docs);
    expect(agent.template[0].exec[0]).toEqual({ command: ['sh', '-c', 'wget -q -O /dev/null --post-data= \'http://127.0.0.1:8080/-/reload\' || echo "cdk-sidecars: the reload call to "\'http://127.0.0.1:8080/-/reload\'" failed; the new files are rendered" >&2'], timeout: '30s' });
    expect(init.template[0].exec).toBeUndefined();
  });

  test('AppRole from a secret, a CA certificate, a namespace, a wrapped sink, inline templates', async () => {
    const chart = newChart();
    const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new VaultAgentSidecar(chart, 'vault', {
      address: 'https://vault.acme.internal:8200',
      auth: [VaultAuth.appRole({ secretName: 'shop-approle' })],
      caCertificatePem: ca,
      namespace: 'admin/shop',
      sinkWrapTtlSeconds: 300,
      secrets: [{ path: 'secret/data/db', file: 'db.conf', inline: true, template: '{{ with secret "secret/data/db" }}{{ .Data.data.url }}{{ end }}' }],
    }));
    const docs = synth(chart);
    const pod = podOf(findDoc(docs, 'Deployment'));
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: 'vault-agent-approle', secret: { secretName: 'shop-approle', defaultMode: 0o444 } }]));
    const { agent, cm } = await configsOf(docs);
    expect(agent.auto_auth[0].method.approle[0].config).toEqual({
      role_id_file_path: '/vault/approle/role-id', secret_id_file_path: '/vault/approle/secret-id', remove_secret_id_file_after_reading: false,
    });
    expect(agent.auto_auth[0].sink.file[0].wrap_ttl).toBe('300s');
    expect(agent.vault[0]).toMatchObject({ ca_cert: '/vault/config/ca.pem', namespace: 'admin/shop' });
    expect(agent.template[0].contents).toBe('{{ with secret "secret/data/db" }}{{ .Data.data.url }}{{ end }}');
    expect(cm.data['ca.pem']).toBe(ca);
  });
});

describe('VaultAgentSidecar on ECS and ACI', () => {
  test('ECS: aws auth, secrets on task storage (no tmpfs on Fargate), the app waits for the init step', async () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(vault(f.stack));
    const t = synthTemplate(f.stack);
    expect(container(t, 'app').DependsOn).toEqual([
      { ContainerName: 'vault-agent-init', Condition: 'SUCCESS' }, { ContainerName: 'vault-agent', Condition: 'START' },
      { ContainerName: 'cdk-sidecars-config', Condition: 'SUCCESS' },
    ]);
    expect(container(t, 'app').MountPoints).toEqual([{ SourceVolume: 'vault-agent-secrets', ContainerPath: '/vault/secrets', ReadOnly: true }]);
    expect(container(t, 'vault-agent').User).toBe('100:1000');
    const writer = container(t, 'cdk-sidecars-config');
    const script = writer.Command[0];
    // Task storage is root-owned on Fargate: the writer gives the agent's volumes to 100:1000 first.
    expect(script).toContain("chmod 0755 '/cdk-sidecars/vault-agent-secrets'\nchown 100:1000 '/cdk-sidecars/vault-agent-secrets'");
    const variable = /"\$(CDK_SIDECARS_FILE_\d+)" \| base64 -d > '\/cdk-sidecars\/vault-agent-config\/agent.hcl'/.exec(script)![1];
    const hcl = Buffer.from(writer.Environment.find((e: any) => e.Name === variable).Value, 'base64').toString();
    const agent = await validateAgentConfig(hcl);
    expect(agent.auto_auth[0].method.aws[0].config).toEqual({ type: 'iam', role: 'shop-api-ecs', header_value: 'vault.acme.internal' });
    expect(taskDefinition(t).Volumes.map((v: any) => v.Name)).toEqual(expect.arrayContaining(['vault-agent-secrets', 'vault-agent-home']));
  });

  test('ECS without a memory fallback: a clear error about tmpfs', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td).add(vault(f.stack));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'Shop/vault: volumes "vault-agent-home" cannot be rendered on ECS Fargate: Fargate has no memory-backed (tmpfs) volumes');
  });

  test('ECS renders an HTTP reload (no KILL, no pidMode needed)', () => {
    const f = fargateTask();
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(vault(f.stack, { secrets: [{ path: 'secret/data/x', file: 'x', reload: VaultReload.http({ port: 8080, path: '/reload' }) }] }));
    const t = synthTemplate(f.stack);
    expect(container(t, 'vault-agent').LinuxParameters?.Capabilities?.Add).toBeUndefined();
    expect(taskDefinition(t).PidMode).toBeUndefined();
  });

  test('ACI: azure auth with the group identity, init container and container, secrets via emptyDir fallback', async () => {
    const app = new AciApp();
    const { resource } = identityGroupWith(app, vault(app));
    expect(resource.properties.initContainers.map((c: any) => c.name)).toEqual(['vault-agent-init']);
    expect(resource.properties.containers.map((c: any) => c.name)).toEqual(['api', 'vault-agent']);
    const cfg = resource.properties.volumes.find((v: any) => v.name === 'vault-agent-config').secret;
    const agent = await validateAgentConfig(Buffer.from(cfg['agent.hcl'], 'base64').toString());
    expect(agent.auto_auth[0].method.azure[0].config).toEqual({ role: 'shop-api-aci', resource: 'https://management.azure.com/' });
  });

  test('ACI without an identity and no AppRole: no auth method fits', () => {
    const app = new AciApp();
    const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'x:1' }], memoryVolumes: AciMemoryVolumeHandling.DISK });
    group.addSidecars(vault(app));
    expectError(() => group.toArmTemplate(), ErrorCode.NO_AUTH_METHOD, 'vault: auth has no method for the NONE identity that shop provides (methods: kubernetes, aws, azure)');
  });
});

describe('VaultAgentSidecar bad input', () => {
  const make = (props: Partial<VaultAgentSidecarProps>) => () => vault(newChart(), props);

  test.each<[string, Partial<VaultAgentSidecarProps>, ErrorCode, string]>([
    ['no auth method', { auth: [] }, ErrorCode.NO_AUTH_METHOD, 'web/vault: auth has no method'],
    ['a destination outside the secrets directory', { secrets: [{ path: 'secret/data/x', file: '../etc/passwd' }] }, ErrorCode.INVALID_PATH, 'web/vault: secrets[0].file "../etc/passwd" is not a file inside the secrets directory'],
    ['a destination under a ".." directory', { secrets: [{ path: 'secret/data/x', file: 'sub/../../x.json' }] }, ErrorCode.INVALID_PATH, 'web/vault: secrets[0].file "sub/../../x.json"'],
    ['an absolute destination', { secrets: [{ path: 'secret/data/x', file: '/etc/x.json' }] }, ErrorCode.INVALID_PATH, 'web/vault: secrets[0].file "/etc/x.json"'],
    ['a destination with an empty part', { secrets: [{ path: 'secret/data/x', file: 'sub//x.json' }] }, ErrorCode.INVALID_PATH, 'web/vault: secrets[0].file "sub//x.json"'],
    ['a relative token path', { auth: [VaultAuth.kubernetes({ role: 'r', tokenPath: 'token' })] }, ErrorCode.INVALID_PATH, 'web/vault: auth[0].tokenPath "token" is not an absolute path'],
    ['two secrets to one file', { secrets: [{ path: 'secret/data/a', file: 'x' }, { path: 'secret/data/b', file: 'x' }] }, ErrorCode.INVALID_CONFIG_FILE, 'web/vault: secrets[1].file "x" is the destination of two secrets'],
    ['a Vault address that is not a URL', { address: 'vault:8200' }, ErrorCode.INVALID_NAME, 'web/vault: address "vault:8200"'],
    ['an absolute Vault path', { secrets: [{ path: '/secret/data/x', file: 'x' }] }, ErrorCode.INVALID_NAME, 'web/vault: secrets[0].path "/secret/data/x"'],
    ['a cache with prePopulateOnly', { prePopulateOnly: true, cache: true }, ErrorCode.INVALID_ROLE, 'web/vault: cache true needs the long-running agent'],
    ['file permissions above 0777', { secrets: [{ path: 'secret/data/x', file: 'x', perms: 0o1000 }] }, ErrorCode.INVALID_NUMBER, 'web/vault: secrets[0].perms 512'],
    ['a method given twice', { auth: [VaultAuth.aws({ role: 'a' }), VaultAuth.aws({ role: 'b' })] }, ErrorCode.INVALID_ROLE, 'web/vault: auth[1] "aws" is given twice'],
    ['no secrets', { secrets: [] }, ErrorCode.INVALID_ROLE, 'web/vault: secrets [] is empty'],
    ['a CA that is not PEM', { caCertificatePem: 'hello' }, ErrorCode.INVALID_CONFIG_FILE, 'web/vault: caCertificatePem "hello" is not a PEM certificate'],
    ['a zero wrap TTL', { sinkWrapTtlSeconds: 0 }, ErrorCode.INVALID_NUMBER, 'web/vault: sinkWrapTtlSeconds 0'],
    ['secrets for different container sets', { secrets: [{ path: 'secret/data/a', file: 'a' }, { path: 'secret/data/b', file: 'b', appContainers: ['web'] }] }, ErrorCode.INVALID_ROLE, 'web/vault: secrets[].appContainers'],
    ['a bad mount path', { auth: [VaultAuth.kubernetes({ role: 'r', mountPath: '/auth/k8s' })] }, ErrorCode.INVALID_PATH, 'web/vault: auth[0].mountPath "/auth/k8s"'],
  ])('%s', (_t, props, code, part) => {
    expectError(make(props), code, part);
  });

  test('secrets for an app container that does not exist', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api')).add(vault(chart, { secrets: [{ path: 'secret/data/x', file: 'x', appContainers: ['worker'] }] }));
    expectError(() => Testing.synth(chart), ErrorCode.UNKNOWN_APP_CONTAINER, 'web/vault: secrets[].appContainers names app container "worker", which web/api does not have');
  });

  test('an app port clash with the cache listener', () => {
    const chart = newChart();
    WorkloadSidecars.of(rawDeployment(chart, 'api', [{ name: 'app', image: 'x:1', ports: [{ containerPort: 8200 }] }])).add(vault(chart, { cache: true }));
    expectError(() => Testing.synth(chart), ErrorCode.PORT_CLASH, 'web/vault: cachePort: port 8200/TCP is already used by web/api');
  });

  void Chart; void App; void Stack; void ecs;
});
