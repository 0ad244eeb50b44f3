/**
 * Every example synthesizes (as a user app, in its own process, against the compiled
 * package) into schema-valid output, and does what its comment says.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { missingProps, namedProps, readAssembly } from './jsii-props';
import { examplesOf, synthAciExample, synthCloudRunExample, synthComposeExample, synthEcsExample, synthKubernetesExample } from '../scripts/examples';
import { podOf } from './k8s/util';

const out = path.join(os.tmpdir(), `cdk-sidecars-examples-${process.pid}`);
const byName = async (name: string) => {
  const file = examplesOf('k8s').find(f => path.basename(f, '.ts') === name);
  if (!file) { throw new Error(`no example ${name}`); }
  return (await synthKubernetesExample(file, path.join(out, name))).docs;
};
const names = (cs: any[] | undefined) => (cs ?? []).map(c => c.name);

test('there are Kubernetes examples', async () => {
  expect(examplesOf('k8s').map(f => path.basename(f))).toEqual(expect.arrayContaining([
    'deployment-two-sidecars.ts', 'deployment-classic-sidecars.ts', 'job-native-sidecar.ts', 'injector-included-yaml.ts',
  ]));
});

test('deployment-two-sidecars: init step, then the two native sidecars, the app waits for statsd', async () => {
  const docs = await byName('deployment-two-sidecars');
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(pod.spec.initContainers)).toEqual(['migrate', 'statsd', 'log-shipper']);
  expect(pod.spec.initContainers.map((c: any) => c.restartPolicy)).toEqual([undefined, 'Always', 'Always']);
  expect(pod.spec.initContainers[1].startupProbe.httpGet.port).toBe(9102);
  expect(docs.filter(d => d.kind === 'ConfigMap').map(d => d.metadata.namespace)).toEqual(['shop']);
});

test('deployment-classic-sidecars: Kubernetes 1.28, the sidecars lead containers, statsd\'s postStart wait holds the app, no mode note', async () => {
  const file = examplesOf('k8s').find(f => path.basename(f) === 'deployment-classic-sidecars.ts')!;
  const { docs, said } = await synthKubernetesExample(file, path.join(out, 'deployment-classic-sidecars'));
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(pod.spec.initContainers)).toEqual(['migrate']);
  expect(pod.spec.initContainers[0].restartPolicy).toBeUndefined();
  expect(names(pod.spec.containers)).toEqual(['statsd', 'log-shipper', 'api']);
  expect(pod.spec.containers.map((c: any) => c.restartPolicy)).toEqual([undefined, undefined, undefined]);
  expect(pod.spec.containers[0].lifecycle.postStart.exec.command).toEqual(['sh', '-c', 'until wget -q -O /dev/null http://127.0.0.1:9102/; do sleep 1; done']);
  // the target is stated, so the mode is not a note; the native example says it once
  expect(said).toEqual({ warnings: [], notes: [] });
  const native = await synthKubernetesExample(examplesOf('k8s').find(f => path.basename(f) === 'deployment-two-sidecars.ts')!, path.join(out, 'two-sidecars-notes'));
  expect(native.said.notes).toEqual([expect.stringContaining('no KubernetesTarget stated: long-running sidecars are native')]);
});

test('job-native-sidecar: the Job keeps restartPolicy Never and the sidecar is native', async () => {
  const pod = podOf((await byName('job-native-sidecar')).find(d => d.kind === 'Job'));
  expect(pod.spec.restartPolicy).toBe('Never');
  expect(pod.spec.initContainers).toEqual([expect.objectContaining({ name: 'metrics', restartPolicy: 'Always' })]);
});

test('deployment-envoy: redirect init after the team\'s own init, Envoy native, every bootstrap checked against the protos', async () => {
  const file = examplesOf('k8s').find(f => path.basename(f) === 'deployment-envoy.ts')!;
  const { docs, configs } = await synthKubernetesExample(file, path.join(out, 'deployment-envoy'));
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(pod.spec.initContainers)).toEqual(['fetch-flags', 'cdk-sidecars-redirect', 'envoy']);
  expect(pod.spec.containers[0].readinessProbe.httpGet).toMatchObject({ port: 15020, path: '/app-health/http/8080/ready' });
  expect(configs).toEqual([
    expect.stringContaining('envoy-config/envoy.json (Envoy v3 protos)'),
    expect.stringMatching(/cdk-sidecars-redirect\/rules\.v4 not checked: iptables-restore rules, applied to a real kernel/),
    expect.stringMatching(/cdk-sidecars-redirect\/rules\.v6 not checked: ip6tables-restore rules, applied to a real kernel/),
  ]);
});

test('job-envoy: the Job completes because Envoy is a native sidecar', async () => {
  const file = examplesOf('k8s').find(f => path.basename(f) === 'job-envoy.ts')!;
  const { docs, configs } = await synthKubernetesExample(file, path.join(out, 'job-envoy'));
  const pod = podOf(docs.find(d => d.kind === 'Job'));
  expect(pod.spec.restartPolicy).toBe('Never');
  expect(pod.spec.initContainers.find((c: any) => c.name === 'envoy').restartPolicy).toBe('Always');
  expect(configs).toHaveLength(3);
  expect(configs[0]).toContain('envoy.json (Envoy v3 protos)');
});

test('injector-included-yaml: the labelled Deployment is injected, the opted-out Job is not', async () => {
  const docs = await byName('injector-included-yaml');
  const deployment = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(deployment.spec.initContainers)).toEqual(['wait-for-db', 'log-shipper']);
  expect(deployment.metadata.annotations['cdk-sidecars.dev/injector']).toBe('legacy/logging');
  expect(podOf(docs.find(d => d.kind === 'Job')).spec.initContainers).toBeUndefined();
});

test('ecs/fargate-service: cdk synth, a Fargate service, two sidecars and an init step in the task definition', async () => {
  const file = examplesOf('ecs').find(f => path.basename(f) === 'fargate-service.ts')!;
  const { templates } = await synthEcsExample(file, path.join(out, 'ecs'));
  const resources = Object.values<any>(templates[0].Resources);
  expect(resources.some(r => r.Type === 'AWS::ECS::Service')).toBe(true);
  const td = resources.find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
  expect(td.ContainerDefinitions.map((c: any) => c.Name)).toEqual(['api', 'migrate', 'statsd', 'log-shipper', 'cdk-sidecars-config']);
  const api = td.ContainerDefinitions[0];
  expect(api.DependsOn).toEqual([
    { ContainerName: 'migrate', Condition: 'SUCCESS' },
    { ContainerName: 'statsd', Condition: 'HEALTHY' },
    { ContainerName: 'log-shipper', Condition: 'START' },
    // the writer makes the shared log volume writable for the api (its UID is the image's)
    { ContainerName: 'cdk-sidecars-config', Condition: 'SUCCESS' },
  ]);
  expect(td.ContainerDefinitions[4].Command[0]).toContain("chmod 1777 '/cdk-sidecars/app-logs'");
});

test('aci/container-group: an ARM template and the az YAML for the same group', async () => {
  const file = examplesOf('aci').find(f => path.basename(f) === 'container-group.ts')!;
  const { templates, yaml } = await synthAciExample(file, path.join(out, 'aci'));
  const group = templates[0].resources[0].properties;
  expect(group.initContainers.map((c: any) => c.name)).toEqual(['migrate']);
  expect(group.containers.map((c: any) => c.name)).toEqual(['api', 'statsd', 'log-shipper']);
  expect(yaml[0].properties.containers.map((c: any) => c.name)).toEqual(['api', 'statsd', 'log-shipper']);
  expect(templates[0].parameters.shopDbUrl.type).toBe('securestring');
});

test('ecs/fargate-envoy: proxyConfiguration, the app waits for Envoy HEALTHY, the bootstrap passes the proto check', async () => {
  const file = examplesOf('ecs').find(f => path.basename(f) === 'fargate-envoy.ts')!;
  const { templates, configs } = await synthEcsExample(file, path.join(out, 'ecs-envoy'));
  const td = Object.values<any>(templates[0].Resources).find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
  expect(td.ProxyConfiguration.Type).toBe('APPMESH');
  expect(td.ContainerDefinitions[0].DependsOn).toEqual([{ ContainerName: 'envoy', Condition: 'HEALTHY' }]);
  expect(configs).toEqual([expect.stringContaining('envoy.json (Envoy v3 protos)')]);
});

test('aci/envoy-explicit: Envoy as an explicit proxy, the bootstrap passes the proto check', async () => {
  const file = examplesOf('aci').find(f => path.basename(f) === 'envoy-explicit.ts')!;
  const { templates, configs } = await synthAciExample(file, path.join(out, 'aci-envoy'));
  const group = templates[0].resources[0].properties;
  // Only Envoy's inbound port (PUBLIC) faces the internet; readiness 15021 and Prometheus 15090 stay container ports.
  expect(group.ipAddress.ports.map((p: any) => p.port)).toEqual([15006]);
  expect(configs).toEqual([expect.stringContaining('envoy-config/envoy.json (Envoy v3 protos)')]);
});

const fileOf = (platform: string, name: string) => {
  const file = examplesOf(platform).find(f => path.basename(f, '.ts') === name);
  if (!file) { throw new Error(`no example ${platform}/${name}`); }
  return file;
};

test('k8s/deployment-vault-opa-logs: the reference pod, every sidecar native with its own UID, every generated file checked', async () => {
  const { docs, configs } = await synthKubernetesExample(fileOf('k8s', 'deployment-vault-opa-logs'), path.join(out, 'vault-opa-logs'));
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(pod.spec.initContainers)).toEqual(['vault-agent-init', 'vault-agent', 'opa', 'fluent-bit']);
  expect(pod.spec.initContainers.map((c: any) => c.restartPolicy)).toEqual([undefined, 'Always', 'Always', 'Always']);
  const uids = pod.spec.initContainers.slice(1).map((c: any) => c.securityContext.runAsUser);
  expect(new Set(uids).size).toBe(3);
  const api = pod.spec.containers.find((c: any) => c.name === 'api');
  expect(api.env).toEqual(expect.arrayContaining([{ name: 'OPA_ADDR', value: 'http://127.0.0.1:8181' }]));
  expect(api.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/vault/secrets', readOnly: true })]));
  expect(pod.spec.volumes.find((v: any) => v.name === 'vault-agent-secrets').emptyDir.medium).toBe('Memory');
  expect(docs.map(d => d.kind)).toEqual(expect.arrayContaining(['Role', 'RoleBinding']));
  expect(configs.join('\n')).toMatch(/agent-init\.hcl \(Vault agent/);
  expect(configs.join('\n')).toMatch(/fluent-bit\.yaml \(Fluent Bit YAML\)/);
  expect(configs.join('\n')).toMatch(/config\.yaml \(OPA configuration/);
});

test('k8s/job-vault-prepopulate: the agent runs only as an init step, so the CronJob\'s pods complete', async () => {
  const { docs } = await synthKubernetesExample(fileOf('k8s', 'job-vault-prepopulate'), path.join(out, 'job-vault'));
  const pod = podOf(docs.find(d => d.kind === 'CronJob'));
  expect(pod.spec.initContainers).toEqual([expect.objectContaining({ name: 'vault-agent-init' })]);
  expect(pod.spec.initContainers[0].restartPolicy).toBeUndefined();
  expect(pod.spec.restartPolicy).toBe('Never');
});

test('k8s/deployment-envoy-opa-authz: OPA after Envoy although attached first; ext_authz in the bootstrap; 9191 not published', async () => {
  const { docs, configs } = await synthKubernetesExample(fileOf('k8s', 'deployment-envoy-opa-authz'), path.join(out, 'envoy-opa'));
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(pod.spec.initContainers)).toEqual(['cdk-sidecars-redirect', 'envoy', 'opa']);
  const opa = pod.spec.initContainers[2];
  expect(opa.ports.map((p: any) => p.containerPort)).not.toContain(9191);
  const bootstrap = JSON.parse(docs.find(d => d.kind === 'ConfigMap' && d.data['envoy.json']).data['envoy.json']);
  expect(bootstrap.static_resources.clusters.map((c: any) => c.name)).toContain('ext_authz');
  expect(configs.join('\n')).toMatch(/envoy\.json \(Envoy v3 protos\)/);
});

test('ecs/fargate-vault-opa-logs: Fluent Bit is the FireLens router, the app logs through it and waits for its sidecars', async () => {
  const { templates, configs } = await synthEcsExample(fileOf('ecs', 'fargate-vault-opa-logs'), path.join(out, 'ecs-vault'));
  const resources = Object.values<any>(templates[0].Resources);
  const td = resources.find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
  const containers = new Map<string, any>(td.ContainerDefinitions.map((c: any) => [c.Name, c]));
  const api = containers.get('api');
  expect(api.LogConfiguration.LogDriver).toBe('awsfirelens');
  expect(api.DependsOn).toEqual(expect.arrayContaining([
    { ContainerName: 'vault-agent-init', Condition: 'SUCCESS' },
    { ContainerName: 'opa', Condition: 'HEALTHY' },
  ]));
  expect(containers.get('fluent-bit').FirelensConfiguration.Type).toBe('fluentbit');
  const policies = resources.filter(r => r.Type === 'AWS::IAM::Policy').flatMap(r => r.Properties.PolicyDocument.Statement);
  expect(policies.flatMap((s: any) => [s.Action].flat())).toEqual(expect.arrayContaining(['logs:PutLogEvents']));
  expect(configs.join('\n')).toMatch(/agent\.hcl \(Vault agent/);
});

test('aci/vault-opa-logs: a private group with its managed identity, every sidecar container and config', async () => {
  const { templates, configs } = await synthAciExample(fileOf('aci', 'vault-opa-logs'), path.join(out, 'aci-vault'));
  const group = templates[0].resources[0];
  expect(group.identity.type).toBe('UserAssigned');
  expect(group.properties.ipAddress.type).toBe('Private');
  expect(group.properties.initContainers.map((c: any) => c.name)).toEqual(['vault-agent-init']);
  expect(group.properties.containers.map((c: any) => c.name)).toEqual(['api', 'vault-agent', 'opa', 'fluent-bit']);
  expect(configs.join('\n')).toMatch(/agent\.hcl \(Vault agent/);
});

test('k8s/deployment-otel-dapr-logs: daprd joined to the control plane, the collector and Fluent Bit, every config checked', async () => {
  const { docs, configs } = await synthKubernetesExample(fileOf('k8s', 'deployment-otel-dapr-logs'), path.join(out, 'otel-dapr'));
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(pod.spec.initContainers)).toEqual(['daprd', 'otel-collector', 'fluent-bit']);
  expect(pod.metadata.annotations['dapr.io/app-id']).toBe('orders');
  const app = pod.spec.containers[0];
  expect(app.env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['DAPR_HTTP_PORT', 'DAPR_GRPC_PORT', 'OTEL_EXPORTER_OTLP_ENDPOINT']));
  expect(configs.join('\n')).toMatch(/otel-collector-config\/config\.yaml \(OpenTelemetry Collector/);
});

test('k8s/deployment-xray-legacy, ecs/fargate-xray-legacy, aci/xray-daemon-legacy: the daemon on every platform, and its deprecation said', async () => {
  const k8s = await synthKubernetesExample(fileOf('k8s', 'deployment-xray-legacy'), path.join(out, 'xray-k8s'));
  const daemon = podOf(k8s.docs.find(d => d.kind === 'Deployment')).spec.initContainers[0];
  expect(daemon).toMatchObject({ name: 'xray-daemon', restartPolicy: 'Always' });
  const ecsOut = await synthEcsExample(fileOf('ecs', 'fargate-xray-legacy'), path.join(out, 'xray-ecs'));
  const policies = Object.values<any>(ecsOut.templates[0].Resources).filter(r => r.Type === 'AWS::IAM::Policy')
    .flatMap(r => r.Properties.PolicyDocument.Statement).flatMap((st: any) => [st.Action].flat());
  expect(policies).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
  const aci = await synthAciExample(fileOf('aci', 'xray-daemon-legacy'), path.join(out, 'xray-aci'));
  expect(aci.templates[0].resources[0].properties.containers.map((c: any) => c.name)).toEqual(['billing', 'xray-daemon']);
  // the deprecation warning is part of what the YAML tells whoever deploys it
  const yamlText = fs.readFileSync(aci.files.find(f => f.endsWith('.aci.yaml'))!, 'utf-8');
  expect(yamlText).toContain('end of support on 2027-02-25');
});

test('ecs/fargate-otel-dapr: ADOT with X-Ray and EMF permissions on the task role, daprd with its component secret alone', async () => {
  const { templates, configs } = await synthEcsExample(fileOf('ecs', 'fargate-otel-dapr'), path.join(out, 'ecs-otel'));
  const resources = Object.values<any>(templates[0].Resources);
  const td = resources.find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
  const containers = new Map<string, any>(td.ContainerDefinitions.map((c: any) => [c.Name, c]));
  expect(containers.get('orders').DependsOn).toEqual(expect.arrayContaining([
    { ContainerName: 'otel-collector', Condition: 'HEALTHY' }, { ContainerName: 'daprd', Condition: 'START' },
  ]));
  expect((containers.get('daprd').Secrets ?? []).length).toBe(1);
  expect(containers.get('orders').Secrets).toBeUndefined();
  const actions = resources.filter(r => r.Type === 'AWS::IAM::Policy').flatMap(r => r.Properties.PolicyDocument.Statement).flatMap((st: any) => [st.Action].flat());
  expect(actions).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'logs:PutLogEvents']));
  expect(configs.join('\n')).toMatch(/statestore\.yaml \(Dapr CRD schema\)/);
});

test('aci/otel-dapr: a private group; daprd\'s component secret is a secure value; the collector\'s header too', async () => {
  const { templates, configs } = await synthAciExample(fileOf('aci', 'otel-dapr'), path.join(out, 'aci-otel'));
  const group = templates[0].resources[0];
  expect(group.properties.ipAddress.type).toBe('Private');
  expect(group.properties.containers.map((c: any) => c.name)).toEqual(['orders', 'daprd', 'otel-collector']);
  expect(Object.values<any>(templates[0].parameters).filter(p => p.type === 'securestring')).toHaveLength(2);
  expect(configs.join('\n')).toMatch(/pubsub\.yaml \(Dapr CRD schema\)/);
});

/**
 * What a newcomer's first examples print: warnings only for what the user wrote or must act
 * on (before this was checked, aci/otel-dapr printed 6 warnings, ecs/fargate-vault-opa-logs 9,
 * aci/container-group 4, most about the sidecars' own defaults). Each warning names the prop
 * that silences it, and that prop exists in the compiled assembly.
 */
test('the minimal examples: warnings counted, each names an existing prop that silences it; the rest are notes', async () => {
  const assembly = readAssembly();
  const said = {
    'k8s/deployment-two-sidecars': (await synthKubernetesExample(fileOf('k8s', 'deployment-two-sidecars'), path.join(out, 'said-k8s-two'))).said,
    'k8s/deployment-classic-sidecars': (await synthKubernetesExample(fileOf('k8s', 'deployment-classic-sidecars'), path.join(out, 'said-k8s-classic'))).said,
    'ecs/fargate-service': (await synthEcsExample(fileOf('ecs', 'fargate-service'), path.join(out, 'said-ecs-service'))).said,
    'ecs/fargate-vault-opa-logs': (await synthEcsExample(fileOf('ecs', 'fargate-vault-opa-logs'), path.join(out, 'said-ecs-payments'))).said,
    'aci/container-group': (await synthAciExample(fileOf('aci', 'container-group'), path.join(out, 'said-aci-group'))).said,
    'aci/otel-dapr': (await synthAciExample(fileOf('aci', 'otel-dapr'), path.join(out, 'said-aci-dapr'))).said,
  };
  const library = (ws: string[]) => ws.filter(w => !w.startsWith('85 feature flags') && !/@aws-cdk|\[ack: /.test(w));
  expect(Object.fromEntries(Object.entries(said).map(([k, v]) => [k, library(v.warnings).length]))).toEqual({
    'k8s/deployment-two-sidecars': 0,
    'k8s/deployment-classic-sidecars': 0,
    'ecs/fargate-service': 0,
    'ecs/fargate-vault-opa-logs': 0,
    'aci/container-group': 2,
    'aci/otel-dapr': 2,
  });
  for (const [example, { warnings }] of Object.entries(said)) {
    for (const w of library(warnings)) {
      expect({ example, w, named: namedProps(w).length > 0, missing: missingProps(assembly, w) }).toEqual({ example, w, named: true, missing: [] });
    }
  }
  // what ECS and ACI do differently with the sidecars' own defaults is still said, as notes
  expect(said['ecs/fargate-vault-opa-logs'].notes.join('\n')).toContain('livenessProbe (HTTP_GET) is not rendered');
  expect(said['ecs/fargate-vault-opa-logs'].notes.join('\n')).not.toContain('healthCommand');
  expect(said['aci/otel-dapr'].notes.join('\n')).toContain('the Standard SKU does not honour container security contexts');
});

test('k8s/hardening-network-policy: callers reach the app port only, scrapers the metrics ports, egress to DNS, Envoy\'s cluster and the mapped log host', async () => {
  const { docs, said } = await synthKubernetesExample(fileOf('k8s', 'hardening-network-policy'), path.join(out, 'netpol'));
  const np = docs.find(d => d.kind === 'NetworkPolicy');
  const deploy = docs.find(d => d.kind === 'Deployment');
  expect(np.metadata).toMatchObject({ name: deploy.metadata.name, namespace: 'shop' });
  expect(np.spec.podSelector).toEqual(deploy.spec.selector);
  expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  expect(np.spec.ingress[0]).toEqual({
    from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } } }],
    ports: [{ protocol: 'TCP', port: 8080 }],
  });
  // Every exposed sidecar port (Envoy readiness and Prometheus, OPA diagnostics, Fluent Bit metrics) is for the scrapers.
  const exposed = podOf(deploy).spec.initContainers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort)).sort();
  expect(np.spec.ingress[1].ports.map((p: any) => p.port).sort()).toEqual(exposed);
  expect(np.spec.egress).toEqual([
    expect.objectContaining({ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }),
    { to: [{ ipBlock: { cidr: '10.96.40.12/32' } }], ports: [{ protocol: 'TCP', port: 8080 }] },
    {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'logging' } }, podSelector: { matchLabels: { app: 'fluentd' } } }],
      ports: [{ protocol: 'TCP', port: 24224 }],
    },
  ]);
  expect(said.warnings.filter(w => /NetworkPolicy cannot match/.test(w))).toEqual([]);
});

test('k8s/canary-sidecar-version: stable and canary differ only in the sidecar images; the HTTPRoute splits 90/10; the PDB keeps 3 of 4', async () => {
  const { docs } = await synthKubernetesExample(fileOf('k8s', 'canary-sidecar-version'), path.join(out, 'canary-sidecar-version'));
  const deployments = docs.filter(d => d.kind === 'Deployment');
  expect(deployments.map(d => d.spec.replicas)).toEqual([4, 1]);
  const [stable, canary] = deployments.map(d => podOf(d));
  expect(stable.metadata.labels).toMatchObject({ 'cdk-sidecars.dev/canary': 'checkout', 'cdk-sidecars.dev/track': 'stable' });
  expect(canary.metadata.labels).toMatchObject({ 'cdk-sidecars.dev/canary': 'checkout', 'cdk-sidecars.dev/track': 'canary' });
  const all = (pod: any) => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const images = (pod: any) => Object.fromEntries(all(pod).map((c: any) => [c.name, c.image]));
  expect(images(stable)).toMatchObject({ envoy: 'envoyproxy/envoy:v1.36.2', checkout: 'ghcr.io/acme/checkout:3.1.0' });
  expect(images(canary)).toMatchObject({ envoy: 'envoyproxy/envoy:v1.37.0', checkout: 'ghcr.io/acme/checkout:3.1.0' });
  const sidecarImages = new Set(['envoy', 'otel-collector']);
  const strip = (pod: any) => all(pod).map((c: any) => (sidecarImages.has(c.name) ? { ...c, image: undefined } : c));
  expect(strip(canary)).toEqual(strip(stable));
  const route = docs.find(d => d.kind === 'HTTPRoute');
  expect(route.metadata).toMatchObject({ name: 'checkout', namespace: 'shop' });
  expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateways', sectionName: 'https' }]);
  expect(route.spec.hostnames).toEqual(['checkout.shop.example.com']);
  expect(route.spec.rules[0].backendRefs).toEqual([
    { name: 'checkout-stable', port: 8080, weight: 90 },
    { name: 'checkout-canary', port: 8080, weight: 10 },
  ]);
  const services = Object.fromEntries(docs.filter(d => d.kind === 'Service').map(d => [d.metadata.name, d.spec.selector]));
  expect(services['checkout-stable']).toEqual({ 'cdk-sidecars.dev/canary': 'checkout', 'cdk-sidecars.dev/track': 'stable' });
  expect(services['checkout-canary']).toEqual({ 'cdk-sidecars.dev/canary': 'checkout', 'cdk-sidecars.dev/track': 'canary' });
  const pdb = docs.find(d => d.kind === 'PodDisruptionBudget');
  expect(pdb.spec).toEqual({ minAvailable: 3, selector: deployments[0].spec.selector, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
});

test('monitoring-prometheus: a PodMonitor endpoint per sidecar metrics port, alert rules per native sidecar container', async () => {
  const docs = await byName('monitoring-prometheus');
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  const monitor = docs.find(d => d.kind === 'PodMonitor');
  expect(monitor.metadata).toMatchObject({ name: 'checkout-sidecars', namespace: 'shop', labels: { release: 'kube-prometheus-stack' } });
  expect(monitor.spec.selector.matchLabels).toEqual(docs.find(d => d.kind === 'Deployment').spec.selector.matchLabels);
  expect(monitor.spec.podMetricsEndpoints.map((e: any) => [e.port, e.path, e.interval])).toEqual([
    ['http-envoy-prom', '/stats/prometheus', '30s'],
    ['opa-diag', '/metrics', '30s'],
    ['http-metrics', '/api/v2/metrics/prometheus', '30s'],
    ['otel-telemetry', '/metrics', '30s'],
  ]);
  // Each named port is a containerPort of a native sidecar of the rendered pod.
  const owner = (port: string) => pod.spec.initContainers.find((c: any) => (c.ports ?? []).some((p: any) => p.name === port));
  for (const e of monitor.spec.podMetricsEndpoints) { expect(owner(e.port)?.restartPolicy).toBe('Always'); }
  const rules = docs.find(d => d.kind === 'PrometheusRule').spec.groups[0].rules;
  const sidecars = pod.spec.initContainers.filter((c: any) => c.restartPolicy === 'Always').map((c: any) => c.name);
  expect([...new Set(rules.map((r: any) => r.labels.container))]).toEqual(sidecars);
  for (const r of rules) {
    expect(r.expr).toContain(`container="${r.labels.container}"`);
    expect(r.expr).not.toMatch(/kube_pod_container_/);
  }
  expect(rules.filter((r: any) => r.alert === 'SidecarMemoryNearLimit').every((r: any) => r.expr.endsWith('> 0.85'))).toBe(true);
});

test('k8s/hardening-supply-chain: digest-pinned sidecars, Kyverno verification of exactly those images, PSA labels at restricted, the PSS report checked', async () => {
  const { docs, configs, said } = await synthKubernetesExample(fileOf('k8s', 'hardening-supply-chain'), path.join(out, 'hardening-supply-chain'));
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  const injected = [...pod.spec.initContainers, ...pod.spec.containers].filter((c: any) => c.name !== 'api');
  // Every sidecar image, the CNI mode's redirect check included, is pinned by digest; no privileged redirect init.
  expect(injected.map((c: any) => c.name)).toEqual(['cdk-sidecars-redirect-check', 'istio-proxy', 'fluent-bit']);
  for (const c of injected) { expect(c.image).toMatch(/@sha256:[0-9a-f]{64}$/); }
  const policy = docs.find(d => d.kind === 'ClusterPolicy');
  expect(policy.metadata.namespace).toBeUndefined();
  expect(policy.spec.rules.flatMap((r: any) => r.verifyImages[0].imageReferences).sort())
    .toEqual([...new Set(injected.map((c: any) => c.image.replace(/:[^:/@]+@/, '@')))].sort());
  expect(policy.spec.rules[0].match.any[0].resources.namespaces).toEqual(['payments']);
  const ivp = docs.find(d => d.kind === 'ImageValidatingPolicy');
  expect(ivp.spec.matchImageReferences.map((m: any) => m.glob).sort()).toEqual([...new Set(injected.map((c: any) => c.image))].sort());
  const ns = docs.find(d => d.kind === 'Namespace');
  expect(ns.metadata.labels).toEqual(expect.objectContaining({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'v1.33' }));
  expect(configs.join('\n')).toContain('payments.pod-security.json (Pod Security Standards report');
  const report = JSON.parse(fs.readFileSync(path.join(out, 'hardening-supply-chain', 'payments.pod-security.json'), 'utf-8'));
  expect(report.workloads.map((w: any) => [w.name, w.level, w.violations.length])).toEqual([[expect.stringMatching(/^Deployment\/payments-api/), 'restricted', 0]]);
  expect(said.notes.filter(n => n.includes('passes the Pod Security Standards restricted level'))).toHaveLength(1);
});

test('k8s/daemonset-node-logs: Fluent Bit tails the node\'s container logs from a read-only hostPath, as root, in a privileged namespace', async () => {
  const { docs, configs } = await synthKubernetesExample(fileOf('k8s', 'daemonset-node-logs'), path.join(out, 'daemonset-node-logs'));
  const ns = docs.find(d => d.kind === 'Namespace');
  expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  const ds = docs.find(d => d.kind === 'DaemonSet');
  expect(ds.metadata.namespace).toBe(ns.metadata.name);
  const pod = podOf(ds);
  expect(pod.spec.volumes).toContainEqual({ name: 'fluent-bit-logs', hostPath: { path: '/var/log', type: 'Directory' } });
  const fb = pod.spec.initContainers.find((c: any) => c.name === 'fluent-bit');
  expect(fb.restartPolicy).toBe('Always');
  expect(fb.volumeMounts).toContainEqual({ name: 'fluent-bit-logs', mountPath: '/var/log', readOnly: true });
  expect(fb.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
  // the agent shares nothing with Fluent Bit
  expect((pod.spec.containers[0].volumeMounts ?? []).map((m: any) => m.name)).not.toContain('fluent-bit-logs');
  const cm = docs.find(d => d.kind === 'ConfigMap' && d.metadata.name.endsWith('fluent-bit-config'));
  expect(cm.metadata.namespace).toBe('node-agents');
  const tail = parseAllDocuments(cm.data['fluent-bit.yaml'])[0].toJS().pipeline.inputs.find((i: any) => i.name === 'tail');
  expect(tail).toMatchObject({ 'path': '/var/log/containers/*.log', 'multiline.parser': 'cri', 'tag': 'node.*' });
  expect(configs.join('\n')).toMatch(/fluent-bit\.yaml \(Fluent Bit YAML\)/);
});

test('k8s/statefulset-shared-claim: the backup sidecar mounts the claim template read-only and stages on an ephemeral claim; the fsGroup makes it writable', async () => {
  const { docs } = await synthKubernetesExample(fileOf('k8s', 'statefulset-shared-claim'), path.join(out, 'statefulset-shared-claim'));
  const ss = docs.find(d => d.kind === 'StatefulSet');
  expect(ss.spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data']);
  const pod = podOf(ss);
  const backup = pod.spec.initContainers.find((c: any) => c.name === 'backup');
  expect(backup.restartPolicy).toBe('Always');
  expect(backup.volumeMounts).toEqual(expect.arrayContaining([
    { name: 'data', mountPath: '/var/lib/db', readOnly: true },
    { name: 'backup-spool', mountPath: '/spool', readOnly: false },
  ]));
  // the claim template is the pod's volume: no pod volume of that name is added
  expect(pod.spec.volumes.map((v: any) => v.name)).not.toContain('data');
  expect(pod.spec.volumes.find((v: any) => v.name === 'backup-spool').ephemeral.volumeClaimTemplate.spec)
    .toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '2048Mi' } } });
  expect(pod.spec.securityContext.fsGroup).toBe(70);
  expect(backup.securityContext.runAsUser).not.toBe(0);
});

test('hardening-pod-security: Localhost seccomp profile file beside the manifests (OCI-valid), AppArmor field, user namespace, tokens only where used', async () => {
  const file = examplesOf('k8s').find(f => path.basename(f) === 'hardening-pod-security.ts')!;
  const dir = path.join(out, 'hardening-pod-security');
  const { docs, configs, said } = await synthKubernetesExample(file, dir);
  // the profile was written and checked by OUTPUT_FILE_CHECKS (OCI runtime-spec v1.3.0, closed objects)
  expect(configs).toContain('cdk-sidecars-sidecars.seccomp.json (seccomp profile, OCI runtime-spec v1.3.0 schema)');
  const profile = JSON.parse(fs.readFileSync(path.join(dir, 'cdk-sidecars-sidecars.seccomp.json'), 'utf-8'));
  expect(profile).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1 });
  const allowed = profile.syscalls.filter((r: any) => r.action === 'SCMP_ACT_ALLOW' && !r.args).flatMap((r: any) => r.names);
  expect(allowed).toEqual(expect.arrayContaining(['epoll_pwait', 'futex', 'openat']));
  expect(allowed).not.toEqual(expect.arrayContaining(['ptrace']));
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  const all = [...pod.spec.initContainers, ...pod.spec.containers];
  const c = (name: string) => all.find((x: any) => x.name === name);
  for (const name of ['envoy', 'fluent-bit']) {
    expect(c(name).securityContext.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'cdk-sidecars-sidecars.seccomp.json' });
  }
  expect(c('fluent-bit').securityContext.appArmorProfile).toEqual({ type: 'Localhost', localhostProfile: 'k8s-log-shipper' });
  expect(c('envoy').securityContext.appArmorProfile).toBeUndefined();
  expect(c('cdk-sidecars-redirect').securityContext.capabilities.add).toEqual(expect.arrayContaining(['NET_ADMIN']));
  const account = docs.find(d => d.kind === 'ServiceAccount');
  expect(account.automountServiceAccountToken).toBe(false);
  expect(pod.spec).toMatchObject({ hostUsers: false, automountServiceAccountToken: false, serviceAccountName: account.metadata.name });
  expect(pod.spec.securityContext).toMatchObject({ fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch' });
  expect(c('fluent-bit').volumeMounts).toContainEqual({ name: 'fluent-bit-identity', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true });
  expect(c('orders').volumeMounts).toContainEqual({ name: 'orders-identity', mountPath: '/var/run/secrets/vault', readOnly: true });
  expect(pod.spec.volumes.find((v: any) => v.name === 'orders-identity').projected.sources[0])
    .toEqual({ serviceAccountToken: { path: 'token', expirationSeconds: 900, audience: 'vault' } });
  expect(said.warnings).toEqual([]);
});

describe('cost and right-sizing around the pod', () => {
  const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf-8');

  test('k8s/cost-and-vpa: a VPA with one policy per container, and the cost report of the reference pod x3', async () => {
    const dir = path.join(out, 'cost-and-vpa');
    const { docs, configs } = await synthKubernetesExample(fileOf('k8s', 'cost-and-vpa'), dir);
    expect(configs.filter(c => c.startsWith('sidecar-cost.'))).toEqual([
      'sidecar-cost.csv (cost report CSV, RFC 4180 read back, rows match the JSON)',
      'sidecar-cost.json (cost report JSON, its schema, totals recomputed from the synthesized output)',
      'sidecar-cost.md (cost report Markdown, tables match the JSON)',
    ]);
    const deployment = docs.find(d => d.kind === 'Deployment');
    const vpa = docs.find(d => d.kind === 'VerticalPodAutoscaler');
    expect(vpa.spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(vpa.spec.updatePolicy.updateMode).toBe('Off');
    const policies = new Map<string, any>(vpa.spec.resourcePolicy.containerPolicies.map((p: any) => [p.containerName, p]));
    expect(policies.get('api')).toEqual({ containerName: 'api', mode: 'Auto' });
    expect(policies.get('cdk-sidecars-redirect').mode).toBe('Off');
    expect(policies.get('envoy')).toMatchObject({ mode: 'Auto', controlledValues: 'RequestsOnly', minAllowed: { cpu: '100m' } });
    const report = JSON.parse(read(dir, 'sidecar-cost.json'));
    const w = report.workloads[0];
    expect(w).toMatchObject({ kind: 'Deployment', replicas: 3, basis: 'effective-pod-request' });
    expect(w.perReplica.app).toEqual({ cpuMillicores: 500, memoryMebibytes: 512 });
    expect(w.sidecars.map((s: any) => s.path)).toEqual(['checkout/envoy', 'checkout/vault', 'checkout/logs', 'checkout/otel']);
    expect(w.allReplicas.sidecars.cpuMillicores).toBe(3 * w.perReplica.sidecars.cpuMillicores);
    expect(report.totals.monthlyCost.sidecars).toBeGreaterThan(0);
    expect(read(dir, 'sidecar-cost.md')).toContain('| sidecars |');
  });

  test('ecs/fargate-vault-opa-logs and aci/vault-opa-logs write their cost reports beside the templates', async () => {
    const ecsDir = path.join(out, 'ecs-cost');
    const ecsOut = await synthEcsExample(fileOf('ecs', 'fargate-vault-opa-logs'), ecsDir);
    expect(ecsOut.configs.filter(c => c.startsWith('sidecar-cost.'))).toHaveLength(3);
    const ecsReport = JSON.parse(read(ecsDir, 'sidecar-cost.json'));
    expect(ecsReport.workloads[0]).toMatchObject({ platform: 'ecs', basis: 'task-size', replicas: 2, perReplica: { total: { cpuMillicores: 1000, memoryMebibytes: 2048 } } });
    expect(ecsReport.workloads[0].perReplica.sidecars.cpuMillicores).toBeGreaterThan(0);
    const aciDir = path.join(out, 'aci-cost');
    const aciOut = await synthAciExample(fileOf('aci', 'vault-opa-logs'), aciDir);
    expect(aciOut.configs.filter(c => c.startsWith('sidecar-cost.'))).toHaveLength(3);
    const aciReport = JSON.parse(read(aciDir, 'sidecar-cost.json'));
    expect(aciReport.workloads[0]).toMatchObject({ platform: 'aci', basis: 'container-requests', perReplica: { app: { cpuMillicores: 1000, memoryMebibytes: 1536 } } });
  });
});

test('cloudrun/checkout-sidecars: Envoy takes the ingress port, the start order annotation, Secret Manager files beside the YAML, the config writer for Vault', async () => {
  const { docs, configs, files } = await synthCloudRunExample(fileOf('cloudrun', 'checkout-sidecars'), path.join(out, 'cloudrun-checkout'));
  const spec = docs[0].spec.template.spec;
  const c = (name: string) => spec.containers.find((x: any) => x.name === name);
  expect(spec.containers.filter((x: any) => x.ports).map((x: any) => [x.name, x.ports[0].containerPort])).toEqual([['envoy', 15006]]);
  expect(JSON.parse(docs[0].spec.template.metadata.annotations['run.googleapis.com/container-dependencies'])).toEqual({
    'envoy': ['checkout'], 'checkout': ['opa', 'fluent-bit', 'vault-agent'], 'vault-agent': ['cdk-sidecars-config'],
  });
  expect(c('checkout').env).toContainEqual({ name: 'STRIPE_KEY', valueFrom: { secretKeyRef: { name: 'checkout-stripe-key', key: 'latest' } } });
  expect(spec.volumes.find((v: any) => v.name === 'envoy-config').secret).toEqual({ secretName: 'checkout-envoy-config', items: [{ key: 'latest', path: 'envoy.json', mode: 0o444 }] });
  expect(files.map(f => path.basename(f))).toContain('checkout.envoy-config.envoy.json');
  expect(spec.volumes.find((v: any) => v.name === 'vault-agent-config')).toEqual({ name: 'vault-agent-config', emptyDir: { medium: 'Memory' } });
  expect(configs.join('\n')).toMatch(/envoy\.json \(Envoy v3 protos\)/);
  expect(configs.join('\n')).toMatch(/vault-agent-config\/agent\.hcl \(Vault agent/);
});

test('compose/local-dev: a pause service with the app\'s port, the redirect before Envoy, every sidecar in the pod\'s namespace, configs validated', async () => {
  const { docs, configs, said } = await synthComposeExample(fileOf('compose', 'local-dev'), path.join(out, 'compose-local-dev'));
  expect(docs).toHaveLength(1);
  const doc = docs[0];
  expect(doc.name).toBe('payments');
  expect(Object.keys(doc.services)).toEqual(['cdk-sidecars-pod', 'cdk-sidecars-redirect', 'envoy', 'opa', 'fluent-bit', 'api']);
  expect(doc.services['cdk-sidecars-pod'].ports).toEqual(['8080:8080']);
  expect(doc.services['cdk-sidecars-redirect']).toMatchObject({ user: '0:0', cap_add: ['NET_ADMIN', 'NET_RAW'] });
  expect(doc.services.envoy.depends_on['cdk-sidecars-redirect']).toEqual({ condition: 'service_completed_successfully' });
  expect(doc.services.api).toMatchObject({ user: '1000:1000', network_mode: 'service:cdk-sidecars-pod', environment: { LOG_LEVEL: 'debug' } });
  expect(doc.services.api.depends_on.envoy).toEqual({ condition: 'service_healthy' });
  expect(configs.join('\n')).toMatch(/envoy\.json \(Envoy v3 protos\)/);
  expect(configs.join('\n')).toMatch(/config\.yaml \(OPA configuration/);
  expect(configs.join('\n')).toMatch(/fluent-bit\.yaml \(Fluent Bit YAML\)/);
  expect(said.warnings).toEqual([]);
});
