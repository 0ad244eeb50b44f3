/**
 * One sidecar definition, no platform code in it, rendered on Kubernetes, ECS Fargate
 * Azure Container Instances and Google Cloud Run; each output checked by its independent validator and
 * asserted field by field.
 */
import * as cdk8s from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { PortExposure, Probe, Protocol, Sidecar, StartupRole, WaitCondition } from '../src';
import { AciApp, AciCcePolicy, AciContainerGroup, AciSku } from '../src/aci';
import { CloudRunApp, CloudRunService } from '../src/cloudrun';
import { ComposeApp, ComposeProject } from '../src/compose';
import { TaskSidecars } from '../src/ecs';
import { WorkloadSidecars } from '../src/k8s';
import { synthGroup } from './aci/util';
import { synthService } from './cloudrun/util';
import { container, fargateTask, synthTemplate } from './ecs/util';
import { podOf, synth } from './k8s/util';
import { validateComposeYaml } from './validate/compose';

// The definitions: a platform team's catalogue, under a construct of no platform.
const catalogue = new Construct(undefined as any, '');
const collector = new Sidecar(catalogue, 'collector', {
  // ADOT's image ships /healthcheck (the contrib image has only /otelcol-contrib: the runtime contract refuses the probe there).
  image: 'public.ecr.aws/aws-observability/aws-otel-collector:v0.50.0',
  command: ['/awscollector'],
  args: ['--config=/etc/otelcol/config.yaml'],
  ports: [{ port: 13133, exposure: PortExposure.EXPOSED }, { port: 4317 }],
  security: { uid: 20000 },
  env: { GOMEMLIMIT: '100MiB' },
  startupProbe: Probe.exec({ command: ['/healthcheck'], periodSeconds: 5, failureThreshold: 12 }),
  readinessProbe: Probe.httpGet({ port: 13133, path: '/' }),
  appWaitsFor: WaitCondition.HEALTHY,
  appEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' },
  configFiles: [{ path: '/etc/otelcol/config.yaml', content: 'receivers: {}\n' }],
  resources: { cpuRequestMillicores: 100, memoryRequestMebibytes: 128, memoryLimitMebibytes: 256 },
});
const prepare = new Sidecar(catalogue, 'prepare', {
  image: 'ghcr.io/acme/prepare:1.0.0',
  command: ['/prepare'],
  role: StartupRole.INIT_STEP,
  security: { uid: 20001 },
});

test('Kubernetes: native sidecar after the init step, startup probe, env for the app', () => {
  const chart = new cdk8s.Chart(cdk8s.Testing.app(), 'k8s');
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
  WorkloadSidecars.of(d).add(prepare, collector);
  const pod = podOf(synth(chart).find(x => x.kind === 'Deployment')).spec;
  expect(pod.initContainers.map((c: any) => c.name)).toEqual(['prepare', 'collector']);
  const c = pod.initContainers[1];
  expect(c.ports).toEqual([{ containerPort: 13133, protocol: 'TCP' }]);
  expect(c.securityContext.runAsUser).toBe(20000);
  expect(c.command).toEqual(['/awscollector']);
  expect(c.args).toEqual(['--config=/etc/otelcol/config.yaml']);
  expect(c.env).toEqual([{ name: 'GOMEMLIMIT', value: '100MiB' }]);
  expect(c.startupProbe).toEqual({ exec: { command: ['/healthcheck'] }, periodSeconds: 5, failureThreshold: 12 });
  expect(c.readinessProbe).toEqual({ httpGet: { path: '/', port: 13133, scheme: 'HTTP' } });
  expect(c.restartPolicy).toBe('Always');
  expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
  expect(pod.containers[0].env).toEqual([{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://127.0.0.1:4317' }]);
});

test('ECS: container definitions, HEALTHY and SUCCESS dependencies, health check from the exec probe', () => {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(prepare, collector);
  const t = synthTemplate(f.stack);
  const c = container(t, 'collector');
  expect(c.PortMappings).toEqual([{ ContainerPort: 13133, Protocol: 'tcp' }]);
  expect(c.User).toBe('20000:20000');
  expect(c.EntryPoint).toEqual(['/awscollector']);
  expect(c.Command).toEqual(['--config=/etc/otelcol/config.yaml']);
  expect(c.Environment).toEqual([{ Name: 'GOMEMLIMIT', Value: '100MiB' }]);
  expect(c.HealthCheck).toEqual({ Command: ['CMD', '/healthcheck'], Interval: 5, Retries: 10, Timeout: 5, StartPeriod: 60 });
  expect([c.Cpu, c.MemoryReservation, c.Memory]).toEqual([102, 128, 256]);
  expect(container(t, 'prepare').User).toBe('20001:20001');
  expect(container(t, 'app').DependsOn).toEqual([{ ContainerName: 'prepare', Condition: 'SUCCESS' }, { ContainerName: 'collector', Condition: 'HEALTHY' }]);
  expect(container(t, 'app').Environment).toEqual(expect.arrayContaining([{ Name: 'OTEL_EXPORTER_OTLP_ENDPOINT', Value: 'http://127.0.0.1:4317' }]));
});

test('ACI: init container, container with the readiness probe, its exposed port kept off the public IP, and the warnings', () => {
  const app = new AciApp();
  const group = new AciContainerGroup(app, 'api', {
    sku: AciSku.CONFIDENTIAL,
    ccePolicy: AciCcePolicy.fromBase64(Buffer.from('package policy\n').toString('base64')),
    containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }],
  });
  group.addSidecars(prepare, collector);
  const { resource } = synthGroup(group);
  const p = resource.properties;
  expect(p.initContainers.map((c: any) => c.name)).toEqual(['prepare']);
  const c = p.containers.find((x: any) => x.name === 'collector').properties;
  expect(c.ports).toEqual([{ port: 13133, protocol: 'TCP' }]);
  // ARM accepts only "privileged" on the Confidential SKU; the UID the model gives is said in a note.
  expect(c.securityContext).toEqual({ privileged: false });
  expect(group.notes.join('\n')).toContain('collector (runAsUser 20000, runAsGroup 20000,');
  expect(c.command).toEqual(['/awscollector', '--config=/etc/otelcol/config.yaml']);
  expect(c.environmentVariables).toEqual([{ name: 'GOMEMLIMIT', value: '100MiB' }]);
  expect(c.readinessProbe).toEqual({ httpGet: { path: '/', port: 13133, scheme: 'http' } });
  expect(c.resources).toEqual({ requests: { cpu: 0.1, memoryInGB: 0.2 }, limits: { memoryInGB: 0.3 } });
  // 13133 is EXPOSED (health), not PUBLIC: a container port for the probe, not on the group's public IP.
  expect(p.ipAddress.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
  expect(group.warnings.join('\n')).toContain('collector: EXPOSED port 13133 is not published: without subnetIds the group\'s IP address is public');
  expect(p.containers.find((x: any) => x.name === 'api').properties.environmentVariables).toEqual([{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://127.0.0.1:4317' }]);
  expect(group.warnings.join('\n')).toContain('collector: appWaitsFor is HEALTHY, but ACI starts all containers of a group together');
  // the user wrote the startup probe (a generic Sidecar): a warning naming the prop
  expect(group.warnings.join('\n')).toContain('collector: startupProbe is not rendered: ACI has no startup probes (the readiness probe is); '
    + 'leave SidecarProps.startupProbe out on ACI to silence this');
});

describe('PortExposure.PUBLIC renders exactly like EXPOSED on Kubernetes and ECS; only ACI publishes it on a public IP', () => {
  const withExposure = (scope: Construct, exposure: PortExposure) => new Sidecar(scope, 'gateway', {
    image: 'ghcr.io/acme/gateway:1',
    ports: [{ port: 8443, name: 'https', exposure }, { port: 8125, protocol: Protocol.UDP, exposure }, { port: 9000 }],
    readinessProbe: Probe.httpGet({ port: 8443, path: '/ready' }),
    security: { uid: 20002 },
  });

  test('Kubernetes: the same pod spec (containerPort, probe)', () => {
    const render = (exposure: PortExposure) => {
      const chart = new cdk8s.Chart(cdk8s.Testing.app(), 'k8s');
      const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }] });
      WorkloadSidecars.of(d).add(withExposure(chart, exposure));
      return podOf(synth(chart).find(x => x.kind === 'Deployment')).spec;
    };
    const pub = render(PortExposure.PUBLIC);
    expect(pub).toEqual(render(PortExposure.EXPOSED));
    expect(pub.initContainers[0].ports).toEqual([{ containerPort: 8443, name: 'https', protocol: 'TCP' }, { containerPort: 8125, protocol: 'UDP' }]);
  });

  test('ECS: the same container definition (portMappings)', () => {
    const render = (exposure: PortExposure) => {
      const f = fargateTask();
      TaskSidecars.of(f.td).add(withExposure(f.stack, exposure));
      return container(synthTemplate(f.stack), 'gateway');
    };
    const pub = render(PortExposure.PUBLIC);
    expect(pub).toEqual(render(PortExposure.EXPOSED));
    expect(pub.PortMappings).toEqual([{ ContainerPort: 8443, Name: 'https', Protocol: 'tcp' }, { ContainerPort: 8125, Protocol: 'udp' }]);
  });

  test('ACI: the same containers; on a public IP only PUBLIC is published, on a private IP both are', () => {
    const subnet = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci';
    const render = (exposure: PortExposure, subnetIds?: string[]) => {
      const app = new AciApp();
      const group = new AciContainerGroup(app, 'api', { subnetIds, containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] });
      group.addSidecars(withExposure(app, exposure));
      return synthGroup(group).resource.properties;
    };
    const pub = render(PortExposure.PUBLIC);
    const exposed = render(PortExposure.EXPOSED);
    expect(pub.containers).toEqual(exposed.containers);
    expect(pub.ipAddress.ports).toEqual([{ port: 8080, protocol: 'TCP' }, { port: 8443, protocol: 'TCP' }, { port: 8125, protocol: 'UDP' }]);
    expect(exposed.ipAddress.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    expect(render(PortExposure.EXPOSED, [subnet]).ipAddress).toEqual(render(PortExposure.PUBLIC, [subnet]).ipAddress);
    expect(render(PortExposure.EXPOSED, [subnet]).ipAddress.ports).toEqual(pub.ipAddress.ports);
  });
});

test('Cloud Run: the init step is refused; the collector is a container the app waits for, its readiness probe the startup probe', () => {
  const service = (app: CloudRunApp) => new CloudRunService(app, 'api', {
    containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', port: 8080, cpuMillicores: 1000 }],
  });
  const a1 = new CloudRunApp();
  expect(() => service(a1).add(prepare, collector).toYaml()).toThrow('prepare: role "INIT_STEP" cannot be rendered on Google Cloud Run: Cloud Run has no init containers');
  const s = service(new CloudRunApp()).add(collector);
  const { spec, annotations, byName } = synthService(s);
  const c = byName('collector');
  // 13133 is EXPOSED, but only the ingress container (the app) has a port on Cloud Run.
  expect(c.ports).toBeUndefined();
  expect(byName('api').ports).toEqual([{ name: 'http1', containerPort: 8080 }]);
  expect(c.securityContext).toBeUndefined();
  expect(s.notes.join('\n')).toContain('collector (runAsUser 20000,');
  expect(c.command).toEqual(['/awscollector']);
  expect(c.args).toEqual(['--config=/etc/otelcol/config.yaml']);
  expect(c.env).toEqual([{ name: 'GOMEMLIMIT', value: '100MiB' }]);
  // The exec startup probe cannot run on Cloud Run; the HTTP readiness probe says "ready" instead.
  expect(c.startupProbe).toEqual({ httpGet: { path: '/', port: 13133 } });
  expect(s.warnings.join('\n')).toContain('collector: startupProbe (EXEC) is not rendered: Cloud Run probes are HTTP GET, TCP or gRPC (the readinessProbe is the startup probe); '
    + 'leave SidecarProps.startupProbe out on Cloud Run to silence this');
  expect(c.resources).toEqual({ limits: { cpu: '100m', memory: '256Mi' } });
  expect(JSON.parse(annotations['run.googleapis.com/container-dependencies'])).toEqual({ api: ['collector'] });
  expect(byName('api').env).toEqual([{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://127.0.0.1:4317' }]);
  expect(spec.volumes).toEqual([{ name: expect.any(String), secret: { secretName: `api-${spec.volumes[0].name}`, items: [{ key: 'latest', path: 'config.yaml', mode: 0o444 }] } }]);
  expect(s.generatedSecrets).toEqual([{ secret: `api-${spec.volumes[0].name}`, fileName: `api.${spec.volumes[0].name}.config.yaml`, content: 'receivers: {}\n' }]);
});

test('Docker Compose: the same definition as services in the pod\'s network namespace, the init step completed and the collector healthy before the app', () => {
  const app = new ComposeApp();
  const project = new ComposeProject(app, 'api', { services: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080 }] }] }).add(prepare, collector);
  const doc = validateComposeYaml(project.toYaml());
  const c = doc.services.collector;
  expect(c).toMatchObject({
    user: '20000:20000',
    entrypoint: ['/awscollector'],
    command: ['--config=/etc/otelcol/config.yaml'],
    environment: { GOMEMLIMIT: '100MiB' },
    network_mode: 'service:cdk-sidecars-pod',
    healthcheck: { test: ['CMD', '/healthcheck'], interval: '5s', retries: 12 },
    deploy: { resources: { limits: { memory: '256m' }, reservations: { cpus: '0.1', memory: '128m' } } },
  });
  expect(doc.configs[c.configs[0].source].content).toBe('receivers: {}\n');
  expect(doc.services.prepare.user).toBe('20001:20001');
  expect(doc.services.api.depends_on).toMatchObject({ prepare: { condition: 'service_completed_successfully' }, collector: { condition: 'service_healthy' } });
  expect(doc.services.api.environment).toEqual({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' });
});
