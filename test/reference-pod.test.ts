/**
 * The full pod of our users' reference design: app + Envoy + Vault Agent + Fluent Bit +
 * OPA (as Envoy's external authorizer) + OpenTelemetry Collector, one definition of each,
 * composed onto every platform. Each test states what the platform cannot honour and how
 * that is reported (an error that names the alternative, or a warning).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { AciApp, AciMemoryVolumeHandling } from '../src/aci';
import { ErrorCode } from '../src/core/errors';
import { MemoryVolumeHandling, TaskSidecars } from '../src/ecs';
import { WorkloadSidecars } from '../src/k8s';
import { appGroup, synthGroup } from './aci/util';
import { fargateTask, notes as ecsNotes, synthTemplate, warnings as ecsWarnings } from './ecs/util';
import { expectError } from './errors';
import { referenceSidecars } from './fixtures/reference-sidecars';
import { findDoc, names, podOf, synth } from './k8s/util';
import { validateEnvoyBootstrap } from './validate/envoy';
import { validateAgentConfig } from './validate/vault';

describe('Kubernetes: everything is honoured', () => {
  const chart = new Chart(Testing.app(), 'shop');
  const d = new kplus.Deployment(chart, 'api', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:4.2.0', portNumber: 8080 }] });
  const attached = WorkloadSidecars.of(d).add(...referenceSidecars(chart));
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));

  test('start order: the redirect, the proxy, then the others (Vault\'s init step already through the proxy); all native', () => {
    expect(names(pod.spec.initContainers)).toEqual(['cdk-sidecars-redirect', 'envoy', 'vault-agent-init', 'vault-agent', 'fluent-bit', 'opa', 'otel-collector']);
    expect(pod.spec.initContainers.map((c: any) => c.restartPolicy)).toEqual([undefined, 'Always', undefined, 'Always', 'Always', 'Always', 'Always']);
    expect(names(pod.spec.containers)).toEqual(['api']);
  });

  test('one UID per sidecar, non-root except the redirect init, all hardened', () => {
    const sidecars = pod.spec.initContainers.filter((c: any) => c.name !== 'cdk-sidecars-redirect' && c.name !== 'vault-agent-init');
    const uids = sidecars.map((c: any) => c.securityContext.runAsUser);
    expect(new Set(uids).size).toBe(uids.length);
    for (const c of sidecars) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    const redirect = pod.spec.initContainers.find((c: any) => c.name === 'cdk-sidecars-redirect').securityContext;
    expect(redirect).toMatchObject({ runAsUser: 0, capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] } });
  });

  test('the app gets each sidecar\'s address, and the Vault secrets read-only from memory', () => {
    const api = pod.spec.containers[0];
    expect(api.env.map((e: any) => e.name)).toEqual(expect.arrayContaining(['OPA_ADDR', 'OTEL_EXPORTER_OTLP_ENDPOINT']));
    expect(api.volumeMounts).toEqual(expect.arrayContaining([
      expect.objectContaining({ mountPath: '/vault/secrets', readOnly: true }),
      expect.objectContaining({ mountPath: '/var/log/app' }),
    ]));
    expect(pod.spec.volumes.find((v: any) => v.name === 'vault-agent-secrets').emptyDir.medium).toBe('Memory');
  });

  test('the app can read its Vault secrets: fsGroup is the agent\'s GID and the files are group-readable', async () => {
    expect(pod.spec.securityContext.fsGroup).toBe(1000);
    const agent = await validateAgentConfig(docs.find(x => x.kind === 'ConfigMap' && x.data?.['agent.hcl']).data['agent.hcl']);
    expect(agent.template.map((t: any) => t.perms)).toEqual(['0440']);
    const mounting = [...pod.spec.initContainers, ...pod.spec.containers]
      .filter((c: any) => (c.volumeMounts ?? []).some((m: any) => m.name === 'vault-agent-secrets')).map((c: any) => c.name);
    expect(mounting).toEqual(['vault-agent-init', 'vault-agent', 'api']);
  });

  test('Envoy asks OPA before routing; the bootstrap passes the protos', () => {
    const bootstrap = JSON.parse(docs.find(x => x.kind === 'ConfigMap' && x.data?.['envoy.json']).data['envoy.json']);
    validateEnvoyBootstrap(bootstrap);
    expect(bootstrap.static_resources.clusters.map((c: any) => c.name)).toContain('ext_authz');
  });

  test('nothing is reported as not honoured', () => {
    expect(attached.warnings).toEqual([]);
  });
});

describe('ECS Fargate: honoured with two explicit choices and reported limits', () => {
  test('memory-backed volumes need an explicit choice: refused by default, naming the alternative', () => {
    const f = fargateTask({ cpu: 2048, memoryLimitMiB: 4096 });
    TaskSidecars.of(f.td).add(...referenceSidecars(f.stack));
    expectError(() => Template.fromStack(f.stack), ErrorCode.UNSUPPORTED_ON_PLATFORM,
      'Fargate has no memory-backed (tmpfs) volumes', 'MemoryVolumeHandling.TASK_STORAGE');
  });

  test('with task storage for the secrets: the proxyConfiguration, FireLens, every sidecar, and the limits as warnings', () => {
    const f = fargateTask({ cpu: 2048, memoryLimitMiB: 4096 });
    TaskSidecars.of(f.td, { memoryVolumes: MemoryVolumeHandling.TASK_STORAGE }).add(...referenceSidecars(f.stack));
    const t = synthTemplate(f.stack);
    const td = Object.values<any>(t.Resources).find(r => r.Type === 'AWS::ECS::TaskDefinition').Properties;
    expect(td.ProxyConfiguration.Type).toBe('APPMESH');
    const byName = new Map<string, any>(td.ContainerDefinitions.map((c: any) => [c.Name, c]));
    expect([...byName.keys()].sort()).toEqual(['app', 'cdk-sidecars-config', 'envoy', 'fluent-bit', 'opa', 'otel-collector', 'vault-agent', 'vault-agent-init'].sort());
    expect(byName.get('app').LogConfiguration.LogDriver).toBe('awsfirelens');
    expect(byName.get('fluent-bit').FirelensConfiguration.Type).toBe('fluentbit');
    // every other sidecar waits for the proxy, since the task's traffic is redirected from the start
    for (const name of ['vault-agent-init', 'vault-agent', 'opa', 'otel-collector', 'fluent-bit']) {
      expect(byName.get(name).DependsOn).toEqual(expect.arrayContaining([{ ContainerName: 'envoy', Condition: 'HEALTHY' }]));
    }
    // the sidecars' own defaults ECS cannot honour are notes; nothing here is a warning the user must act on
    const reported = ecsNotes(f.stack).join('\n');
    expect(reported).toContain('Shop/vault: volume "vault-agent-secrets" is on task storage (encrypted at rest), not in memory');
    expect(reported).toContain('Shop/envoy: shutdown.drainCommand is not run: ECS has no pre-stop hook');
    expect(reported).toContain('is not enforced per container on ECS');
    expect(ecsWarnings(f.stack).join('\n')).not.toMatch(/on task storage|drainCommand|not enforced per container/);
  });
});

describe('ACI: no transparent redirection, no start order, no memory volumes', () => {
  test('Envoy with redirection is refused, naming the explicit proxy', () => {
    const app = new AciApp();
    const group = appGroup(app, { identity: { systemAssigned: true } });
    group.addSidecars(...referenceSidecars(app));
    expectError(() => group.toArmTemplate(), ErrorCode.UNSUPPORTED_ON_PLATFORM, 'transparent redirection needs NET_ADMIN', 'set redirect: false on the EnvoySidecar');
  });

  test('with Envoy as explicit proxy and disk volumes chosen: composes; the app not waiting is a warning, the limits of the defaults are notes', () => {
    const app = new AciApp();
    const group = appGroup(app, { memoryVolumes: AciMemoryVolumeHandling.DISK, identity: { systemAssigned: true } });
    group.addSidecars(...referenceSidecars(app, false));
    const { resource } = synthGroup(group);
    expect(resource.properties.initContainers.map((c: any) => c.name)).toEqual(['vault-agent-init']);
    expect(resource.properties.containers.map((c: any) => c.name)).toEqual(['api', 'envoy', 'vault-agent', 'fluent-bit', 'opa', 'otel-collector']);
    expect(group.warnings.join('\n')).toContain('ACI starts all containers of a group together');
    const noted = group.notes.join('\n');
    expect(noted).toContain('is an emptyDir on disk, not in memory');
    expect(noted).toContain('the Standard SKU does not honour container security contexts');
  });
});
