/**
 * Every example synthesizes (as a user app, in its own process, against the compiled
 * package) into schema-valid output, and does what its comment says.
 */
import * as os from 'os';
import * as path from 'path';
import { examplesOf, synthAciExample, synthEcsExample, synthKubernetesExample } from '../scripts/examples';
import { podOf } from './k8s/util';

const out = path.join(os.tmpdir(), `cdk-sidecars-examples-${process.pid}`);
const byName = (name: string) => {
  const file = examplesOf('k8s').find(f => path.basename(f, '.ts') === name);
  if (!file) { throw new Error(`no example ${name}`); }
  return synthKubernetesExample(file, path.join(out, name)).docs;
};
const names = (cs: any[] | undefined) => (cs ?? []).map(c => c.name);

test('there are Kubernetes examples', () => {
  expect(examplesOf('k8s').map(f => path.basename(f))).toEqual(expect.arrayContaining([
    'deployment-two-sidecars.ts', 'job-native-sidecar.ts', 'injector-included-yaml.ts',
  ]));
});

test('deployment-two-sidecars: init step, then the two native sidecars, the app waits for statsd', () => {
  const docs = byName('deployment-two-sidecars');
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(pod.spec.initContainers)).toEqual(['migrate', 'statsd', 'log-shipper']);
  expect(pod.spec.initContainers.map((c: any) => c.restartPolicy)).toEqual([undefined, 'Always', 'Always']);
  expect(pod.spec.initContainers[1].startupProbe.httpGet.port).toBe(9102);
  expect(docs.filter(d => d.kind === 'ConfigMap').map(d => d.metadata.namespace)).toEqual(['shop']);
});

test('job-native-sidecar: the Job keeps restartPolicy Never and the sidecar is native', () => {
  const pod = podOf(byName('job-native-sidecar').find(d => d.kind === 'Job'));
  expect(pod.spec.restartPolicy).toBe('Never');
  expect(pod.spec.initContainers).toEqual([expect.objectContaining({ name: 'metrics', restartPolicy: 'Always' })]);
});

test('deployment-envoy: redirect init after the team\'s own init, Envoy native, every bootstrap checked against the protos', () => {
  const file = examplesOf('k8s').find(f => path.basename(f) === 'deployment-envoy.ts')!;
  const { docs, configs } = synthKubernetesExample(file, path.join(out, 'deployment-envoy'));
  const pod = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(pod.spec.initContainers)).toEqual(['fetch-flags', 'cdk-sidecars-redirect', 'envoy']);
  expect(pod.spec.containers[0].readinessProbe.httpGet).toMatchObject({ port: 15020, path: '/app-health/http/8080/ready' });
  expect(configs).toEqual([expect.stringContaining('envoy-config (Envoy v3 protos)')]);
});

test('job-envoy: the Job completes because Envoy is a native sidecar', () => {
  const file = examplesOf('k8s').find(f => path.basename(f) === 'job-envoy.ts')!;
  const { docs, configs } = synthKubernetesExample(file, path.join(out, 'job-envoy'));
  const pod = podOf(docs.find(d => d.kind === 'Job'));
  expect(pod.spec.restartPolicy).toBe('Never');
  expect(pod.spec.initContainers.find((c: any) => c.name === 'envoy').restartPolicy).toBe('Always');
  expect(configs).toHaveLength(1);
});

test('injector-included-yaml: the labelled Deployment is injected, the opted-out Job is not', () => {
  const docs = byName('injector-included-yaml');
  const deployment = podOf(docs.find(d => d.kind === 'Deployment'));
  expect(names(deployment.spec.initContainers)).toEqual(['wait-for-db', 'log-shipper']);
  expect(deployment.metadata.annotations['cdk-sidecars.dev/injector']).toBe('legacy/logging');
  expect(podOf(docs.find(d => d.kind === 'Job')).spec.initContainers).toBeUndefined();
});

test('ecs/fargate-service: cdk synth, a Fargate service, two sidecars and an init step in the task definition', () => {
  const file = examplesOf('ecs').find(f => path.basename(f) === 'fargate-service.ts')!;
  const { templates } = synthEcsExample(file, path.join(out, 'ecs'));
  const resources = Object.values<any>(templates[0].Resources);
  expect(resources.some(r => r.Type === 'AWS::ECS::Service')).toBe(true);
  const td = resources.find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
  expect(td.ContainerDefinitions.map((c: any) => c.Name)).toEqual(['api', 'migrate', 'statsd', 'log-shipper', 'cdk-sidecars-config']);
  const api = td.ContainerDefinitions[0];
  expect(api.DependsOn).toEqual([
    { ContainerName: 'migrate', Condition: 'SUCCESS' },
    { ContainerName: 'statsd', Condition: 'HEALTHY' },
    { ContainerName: 'log-shipper', Condition: 'START' },
  ]);
});

test('aci/container-group: an ARM template and the az YAML for the same group', () => {
  const file = examplesOf('aci').find(f => path.basename(f) === 'container-group.ts')!;
  const { templates, yaml } = synthAciExample(file, path.join(out, 'aci'));
  const group = templates[0].resources[0].properties;
  expect(group.initContainers.map((c: any) => c.name)).toEqual(['migrate']);
  expect(group.containers.map((c: any) => c.name)).toEqual(['api', 'statsd', 'log-shipper']);
  expect(yaml[0].properties.containers.map((c: any) => c.name)).toEqual(['api', 'statsd', 'log-shipper']);
  expect(templates[0].parameters.shopDbUrl.type).toBe('securestring');
});

test('ecs/fargate-envoy: proxyConfiguration, the app waits for Envoy HEALTHY, the bootstrap passes the proto check', () => {
  const file = examplesOf('ecs').find(f => path.basename(f) === 'fargate-envoy.ts')!;
  const { templates, configs } = synthEcsExample(file, path.join(out, 'ecs-envoy'));
  const td = Object.values<any>(templates[0].Resources).find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
  expect(td.ProxyConfiguration.Type).toBe('APPMESH');
  expect(td.ContainerDefinitions[0].DependsOn).toEqual([{ ContainerName: 'envoy', Condition: 'HEALTHY' }]);
  expect(configs).toEqual([expect.stringContaining('envoy.json (Envoy v3 protos)')]);
});

test('aci/envoy-explicit: Envoy as an explicit proxy, the bootstrap passes the proto check', () => {
  const file = examplesOf('aci').find(f => path.basename(f) === 'envoy-explicit.ts')!;
  const { templates, configs } = synthAciExample(file, path.join(out, 'aci-envoy'));
  const group = templates[0].resources[0].properties;
  expect(group.ipAddress.ports.map((p: any) => p.port)).toEqual([15006, 15021, 15090]);
  expect(configs).toEqual([expect.stringContaining('envoy-config (Envoy v3 protos)')]);
});
