import * as path from 'path';
import { ApiObject, App, Chart, Include, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { PortExposure, Probe, Sidecar } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { SidecarInjector, SidecarMode, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';
import { findDoc, names, newChart, podOf, rawDeployment, synth } from './util';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'legacy-deployment.yaml');

function shipper(chart: Chart, id = 'log-shipper'): Sidecar {
  return new Sidecar(chart, id, {
    image: 'fluent/fluent-bit:4.0.3',
    ports: [{ port: 2020, exposure: PortExposure.EXPOSED }],
    readinessProbe: Probe.httpGet({ port: 2020, path: '/api/v1/health' }),
    configFiles: [{ path: '/fluent-bit/etc/fluent-bit.yaml', content: 'service:\n  flush: 1\n' }],
  });
}

describe('SidecarInjector', () => {
  test('injects into matching workloads of its chart, included YAML too, and skips the rest', () => {
    const chart = newChart();
    new Include(chart, 'legacy', { url: FIXTURE });
    const labelled = new kplus.Deployment(chart, 'labelled', { containers: [{ image: 'ghcr.io/acme/a:1' }] });
    labelled.podMetadata.addLabel('sidecars.acme.dev/logging', 'enabled');
    new kplus.Deployment(chart, 'unlabelled', { containers: [{ image: 'ghcr.io/acme/b:1' }] });
    new SidecarInjector(chart, 'logging', {
      sidecars: [shipper(chart)],
      selector: { matchLabels: { 'sidecars.acme.dev/logging': 'enabled' } },
    });
    const docs = synth(chart);
    const deployments = docs.filter(d => d.kind === 'Deployment');
    const injected = deployments.filter(d => podOf(d).metadata.annotations?.['cdk-sidecars.dev/injected'] === 'log-shipper');
    expect(injected.map(d => d.metadata.name).sort()).toEqual(['legacy-api', labelled.name].sort());
    for (const d of injected) {
      expect(names(podOf(d).spec.initContainers)).toContain('log-shipper');
      expect(podOf(d).metadata.annotations['cdk-sidecars.dev/injector']).toBe('web/logging');
      expect(podOf(d).metadata.annotations['cdk-sidecars.dev/version']).toMatch(/^\d+\.\d+\.\d+/);
    }
    const unlabelled = deployments.find(d => !injected.includes(d))!;
    expect(podOf(unlabelled).spec.initContainers).toBeUndefined();
    // The Job matches the label but opts out with cdk-sidecars.dev/inject: "false".
    expect(podOf(findDoc(docs, 'Job')).spec.initContainers).toBeUndefined();
    // One ConfigMap per injected workload, each in the workload's namespace.
    expect(docs.filter(d => d.kind === 'ConfigMap').map(d => d.metadata.namespace ?? 'default').sort()).toEqual(['default', 'payments']);
  });

  test('an opt-out on the pod template is honoured', () => {
    const chart = newChart();
    const d = new kplus.Deployment(chart, 'api', { containers: [{ image: 'ghcr.io/acme/a:1' }] });
    d.podMetadata.addAnnotation('cdk-sidecars.dev/inject', 'false');
    new SidecarInjector(chart, 'all', { sidecars: [shipper(chart)] });
    expect(podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers).toBeUndefined();
  });

  test('matches on annotations and kinds; without a selector it takes every workload of its scope', () => {
    const chart = newChart();
    const a = rawDeployment(chart, 'a');
    const b = new kplus.StatefulSet(chart, 'b', { containers: [{ image: 'ghcr.io/acme/b:1' }], service: new kplus.Service(chart, 'svc', { ports: [{ port: 80 }] }) });
    b.podMetadata.addAnnotation('mesh', 'on');
    new SidecarInjector(chart, 'by-annotation', { sidecars: [shipper(chart)], selector: { matchAnnotations: { mesh: 'on' }, kinds: ['StatefulSet'] } });
    const other = new Chart(chart.node.scope as App, 'other');
    rawDeployment(other, 'c');
    new SidecarInjector(other, 'everything', { sidecars: [shipper(other, 'statsd')] });
    const docs = synth(chart);
    expect(podOf(findDoc(docs, 'Deployment', 'a')).spec.initContainers).toBeUndefined();
    expect(names(podOf(findDoc(docs, 'StatefulSet')).spec.initContainers)).toEqual(['log-shipper']);
    expect(names(podOf(findDoc(synth(other), 'Deployment', 'c')).spec.initContainers)).toEqual(['statsd']);
    void a;
  });

  test('an annotation value with spaces (any string, apimachinery ValidateAnnotations checks keys only) is matched', () => {
    const chart = newChart();
    const b = new kplus.Deployment(chart, 'b', { containers: [{ image: 'ghcr.io/acme/b:1' }] });
    b.podMetadata.addAnnotation('team.example.com/owner', 'payments team, EU');
    new SidecarInjector(chart, 'by-owner', { sidecars: [shipper(chart)], selector: { matchAnnotations: { 'team.example.com/owner': 'payments team, EU' } } });
    expect(names(podOf(findDoc(synth(chart), 'Deployment')).spec.initContainers)).toEqual(['log-shipper']);
  });

  test('an app-scoped injector reaches every chart', () => {
    const app = Testing.app();
    const c1 = new Chart(app, 'one');
    const c2 = new Chart(app, 'two');
    rawDeployment(c1, 'a');
    rawDeployment(c2, 'b');
    const s = new Sidecar(app, 'agent', { image: 'ghcr.io/acme/agent:1' });
    new SidecarInjector(app, 'everywhere', { sidecars: [s] });
    expect(names(podOf(synth(c1)[0]).spec.initContainers)).toEqual(['agent']);
    expect(names(podOf(synth(c2)[0]).spec.initContainers)).toEqual(['agent']);
  });

  test('injection is idempotent: repeated synthesis, and an explicit attachment of the same sidecar', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    const s = shipper(chart);
    WorkloadSidecars.of(d).add(s);
    const injector = new SidecarInjector(chart, 'logging', { sidecars: [s] });
    const first = synth(chart);
    expect(names(podOf(findDoc(first, 'Deployment')).spec.initContainers)).toEqual(['log-shipper']);
    expect(injector.inject()).toHaveLength(1);
    expect(synth(chart)).toEqual(first);
    expect(first.filter(x => x.kind === 'ConfigMap')).toHaveLength(1);
  });

  test('two injectors with clashing sidecars give a composition error naming both', () => {
    const chart = newChart();
    rawDeployment(chart, 'api');
    new SidecarInjector(chart, 'one', { sidecars: [new Sidecar(chart, 'a', { image: 'ghcr.io/acme/a:1', ports: [{ port: 9000 }] })] });
    new SidecarInjector(chart, 'two', { sidecars: [new Sidecar(chart, 'b', { image: 'ghcr.io/acme/b:1', ports: [{ port: 9000 }] })] });
    expectError(() => Testing.synth(chart), ErrorCode.PORT_CLASH, 'web/b: ports[0].port: port 9000/TCP is already used by web/a');
  });

  test('an injector whose options differ from an explicit attachment is refused', () => {
    const chart = newChart();
    const d = rawDeployment(chart, 'api');
    WorkloadSidecars.of(d, { mode: SidecarMode.NATIVE });
    new SidecarInjector(chart, 'classic', { sidecars: [shipper(chart)], mode: SidecarMode.CLASSIC });
    expectError(() => Testing.synth(chart), ErrorCode.INVALID_ROLE, 'web/api: mode "CLASSIC" differs from "NATIVE"');
  });

  test('bad selectors and empty sidecar lists are refused at construction', () => {
    const chart = newChart();
    const s = shipper(chart);
    expectError(() => new SidecarInjector(chart, 'a', { sidecars: [s], selector: { matchLabels: { 'bad key!': 'x' } } }), ErrorCode.INVALID_SELECTOR,
      'web/a: selector.matchLabels {"bad key!":"x"}');
    expectError(() => new SidecarInjector(chart, 'b', { sidecars: [s], selector: { kinds: ['Service'] } }), ErrorCode.NOT_A_WORKLOAD,
      'web/b (selector.kinds[0]): sidecars were attached to a Service');
    expectError(() => new SidecarInjector(chart, 'c', { sidecars: [] }), ErrorCode.NO_SIDECARS, 'web/c: sidecars is empty');
  });

  test('non-workload objects in scope are ignored', () => {
    const chart = newChart();
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } });
    new SidecarInjector(chart, 'all', { sidecars: [shipper(chart)] });
    expect(synth(chart).map(d => d.kind)).toEqual(['ConfigMap']);
  });
});
