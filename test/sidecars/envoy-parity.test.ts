/**
 * Istio parity knobs of EnvoySidecar (issue 13): worker threads, redirection left to a CNI
 * plugin, tracing, stats, headers, connection settings, drain. Every synthesized bootstrap
 * goes through the proto validator; bad inputs assert the message part naming path and field.
 */
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, EnvoySidecarProps } from '../../src';
import { AciApp, AciContainerGroup } from '../../src/aci';
import { ErrorCode } from '../../src/core/errors';
import { TaskSidecars } from '../../src/ecs';
import { WorkloadSidecars } from '../../src/k8s';
import { synthGroup } from '../aci/util';
import { container, fargateTask, synthTemplate } from '../ecs/util';
import { expectError } from '../errors';
import { findDoc, newChart, podOf, synth } from '../k8s/util';
import { validateEnvoyBootstrap } from '../validate/envoy';

/** A cdk8s-plus-27 Deployment with Envoy: the pod, the Envoy container and the parsed, proto-checked bootstrap. */
function onK8s(props: EnvoySidecarProps = {}, app: any = { name: 'api', image: 'ghcr.io/acme/api:1', portNumber: 8080 }) {
  const chart = newChart();
  const d = new kplus.Deployment(chart, 'api', { containers: [app] });
  WorkloadSidecars.of(d).add(new EnvoySidecar(chart, 'envoy', props));
  const docs = synth(chart);
  const pod = podOf(findDoc(docs, 'Deployment'));
  const name = props.name ?? (props.redirectMode === 'CNI' as any ? 'istio-proxy' : 'envoy');
  const envoy = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: any) => c.name === name);
  const bootstrap = JSON.parse(findDoc(docs, 'ConfigMap', `${d.name}-${name}-config`).data['envoy.json']);
  validateEnvoyBootstrap(bootstrap);
  return { docs, pod, envoy, bootstrap };
}

function onEcs(props: EnvoySidecarProps = {}) {
  const f = fargateTask();
  TaskSidecars.of(f.td).add(new EnvoySidecar(f.stack, 'envoy', props));
  const t = synthTemplate(f.stack);
  const writer = container(t, 'cdk-sidecars-config');
  const file = writer.Environment.find((e: any) => e.Name === 'CDK_SIDECARS_FILE_0').Value;
  const bootstrap = JSON.parse(Buffer.from(file, 'base64').toString());
  validateEnvoyBootstrap(bootstrap);
  return { template: t, envoy: container(t, props.name ?? 'envoy'), bootstrap };
}

function onAci(props: EnvoySidecarProps = {}) {
  const app = new AciApp();
  const group = new AciContainerGroup(app, 'shop', { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1', ports: [{ port: 8080, expose: false }] }] });
  group.addSidecars(new EnvoySidecar(app, 'envoy', { redirect: false, ...props }));
  const { resource } = synthGroup(group);
  const envoy = resource.properties.containers.find((c: any) => c.name === 'envoy').properties;
  const bootstrap = JSON.parse(Buffer.from(resource.properties.volumes.find((v: any) => v.name === 'envoy-config').secret['envoy.json'], 'base64').toString());
  validateEnvoyBootstrap(bootstrap);
  return { resource, envoy, bootstrap, group };
}

const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('concurrency: worker threads from the CPU limit (Istio ProxyConfig.concurrency)', () => {
  test('default: the default CPU limit 2000m gives --concurrency 2 on every platform', () => {
    expect(argAfter(onK8s().envoy.args, '--concurrency')).toBe('2');
    expect(argAfter(onEcs().envoy.Command, '--concurrency')).toBe('2');
    expect(argAfter(onAci().envoy.command, '--concurrency')).toBe('2');
  });

  test('the CPU limit rounded up to whole cores, at least 1', () => {
    expect(argAfter(onK8s({ resources: { cpuLimitMillicores: 3500 } }).envoy.args, '--concurrency')).toBe('4');
    expect(argAfter(onK8s({ resources: { cpuRequestMillicores: 100, cpuLimitMillicores: 250 } }).envoy.args, '--concurrency')).toBe('1');
  });

  test('an explicit number wins; 0 (all host threads) only when asked for', () => {
    expect(argAfter(onK8s({ concurrency: 8, resources: { cpuLimitMillicores: 1000 } }).envoy.args, '--concurrency')).toBe('8');
    expect(argAfter(onEcs({ concurrency: 0 }).envoy.Command, '--concurrency')).toBe('0');
  });

  test('bad values name the prop', () => {
    for (const bad of [-1, 1.5, '4', 5000]) {
      expectError(() => new EnvoySidecar(newChart(), 'envoy', { concurrency: bad as any }), ErrorCode.INVALID_NUMBER, 'web/envoy: concurrency');
    }
  });
});
