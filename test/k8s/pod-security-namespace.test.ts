import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, RedirectMode } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { KubernetesTarget, PodSecurityLevel, PodSecurityNamespace, WorkloadSidecars } from '../../src/k8s';
import { expectError } from '../errors';
import { findDoc, rawDeployment, synth } from './util';

const HARDENED = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
const hardenedApp = [{ name: 'app', image: 'ghcr.io/acme/app:1.0.0', ports: [{ containerPort: 8080 }], securityContext: HARDENED }];
const labels = (docs: any[], name: string) => findDoc(docs, 'Namespace', name).metadata.labels;

describe('PodSecurityNamespace', () => {
  test('enforces the strictest level the namespace\'s pods pass; audit and warn restricted; version from KubernetesTarget', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    KubernetesTarget.set(chart, '1.33');
    WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }));
    new PodSecurityNamespace(chart, 'ns');
    const docs = synth(chart);
    expect(findDoc(docs, 'Namespace').metadata.namespace).toBeUndefined();
    expect(labels(docs, 'shop')).toEqual({
      'app.kubernetes.io/managed-by': 'cdk-sidecars',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.33',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.33',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.33',
    });
  });

  test('a workload with the redirect init container makes the default privileged; with RedirectMode.CNI restricted', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(new EnvoySidecar(chart, 'envoy'));
    rawDeployment(chart, 'worker', hardenedApp); // no sidecars: evaluated too
    new PodSecurityNamespace(chart, 'ns');
    const l = labels(synth(chart), 'shop');
    expect(l['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(l['pod-security.kubernetes.io/enforce-version']).toBe('latest');

    const cni = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    WorkloadSidecars.of(rawDeployment(cni, 'api', hardenedApp)).add(new EnvoySidecar(cni, 'envoy', { redirectMode: RedirectMode.CNI }));
    new PodSecurityNamespace(cni, 'ns');
    expect(labels(synth(cni), 'shop')['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('a workload without sidecars is evaluated as written; workloads of other namespaces are not', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    rawDeployment(chart, 'api'); // no securityContext: baseline only
    new ApiObject(chart, 'tool', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'tool', namespace: 'tools' },
      spec: { containers: [{ name: 'tool', image: 'ghcr.io/acme/tool:1', securityContext: { privileged: true } }] },
    });
    const ns = new PodSecurityNamespace(chart, 'ns');
    expect(labels(synth(chart), 'shop')['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(ns.evaluations.map(e => e.level)).toEqual([PodSecurityLevel.BASELINE]);
  });

  test('an enforce level stricter than a pod passes is an error naming the workload, the field and the value', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
    WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(new EnvoySidecar(chart, 'envoy'));
    new PodSecurityNamespace(chart, 'ns', { enforce: PodSecurityLevel.RESTRICTED });
    expectError(() => Testing.synth(chart), ErrorCode.POD_SECURITY_VIOLATION,
      'shop/api: containers "cdk-sidecars-redirect" securityContext.capabilities.add ["NET_ADMIN","NET_RAW"] fails the Pod Security Standards restricted level',
      'shop/ns enforces restricted on namespace "shop"', 'RedirectMode.CNI');
  });

  test('labels an existing Namespace of the app (kplus.Namespace), keeping its own labels; explicit levels and version', () => {
    const chart = new Chart(Testing.app(), 'shop');
    const existing = new kplus.Namespace(chart, 'payments', { metadata: { name: 'payments', labels: { team: 'payments' } } });
    new PodSecurityNamespace(chart, 'ns', { namespace: existing, enforce: PodSecurityLevel.BASELINE, warn: PodSecurityLevel.BASELINE, version: '1.31' });
    const docs = synth(chart);
    expect(docs.filter(d => d.kind === 'Namespace')).toHaveLength(1);
    expect(labels(docs, 'payments')).toEqual(expect.objectContaining({
      'team': 'payments',
      'pod-security.kubernetes.io/enforce': 'baseline',
      'pod-security.kubernetes.io/enforce-version': 'v1.31',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'baseline',
    }));
  });

  test('a Pod Security label the existing Namespace already has with another value is refused, not overwritten (review14)', () => {
    const chart = new Chart(Testing.app(), 'shop', { namespace: 'payments' });
    const existing = new kplus.Namespace(chart, 'payments', { metadata: { name: 'payments', labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } });
    WorkloadSidecars.of(rawDeployment(chart, 'api', hardenedApp)).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }));
    new PodSecurityNamespace(chart, 'ns', { namespace: existing });
    expectError(() => Testing.synth(chart), ErrorCode.ALREADY_SET,
      'shop/ns: pod-security.kubernetes.io/enforce is already set ("baseline") on shop/payments/Resource', 'which PodSecurityNamespace would set to "restricted"');
    // The same value is kept as is.
    const same = new Chart(Testing.app(), 'shop', { namespace: 'payments' });
    const ns = new kplus.Namespace(same, 'payments', { metadata: { name: 'payments', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    WorkloadSidecars.of(rawDeployment(same, 'api', hardenedApp)).add(new FluentBitSidecar(same, 'logs', { outputs: [FluentBitOutput.stdout()] }));
    new PodSecurityNamespace(same, 'ns', { namespace: ns });
    expect(labels(synth(same), 'payments')['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('bad inputs are catalogued errors', () => {
    const chart = new Chart(Testing.app(), 'shop');
    expectError(() => new PodSecurityNamespace(chart, 'a'), ErrorCode.INVALID_NAME, 'shop/a: name undefined');
    expectError(() => new PodSecurityNamespace(chart, 'b', { name: 'Shop' }), ErrorCode.INVALID_NAME, 'shop/b: name "Shop"');
    expectError(() => new PodSecurityNamespace(chart, 'c', { name: 'shop', enforce: 'strict' as any }), ErrorCode.INVALID_TYPE, 'shop/c: enforce "strict"');
    expectError(() => new PodSecurityNamespace(chart, 'd', { name: 'shop', version: '2.1' }), ErrorCode.INVALID_KUBERNETES_VERSION, 'shop/d: version "2.1"');
    const cm = new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expectError(() => new PodSecurityNamespace(chart, 'e', { namespace: cm }), ErrorCode.INVALID_TYPE, 'shop/e: namespace');
    expectError(() => new PodSecurityNamespace(chart, 'f', { name: 3 as any }), ErrorCode.INVALID_TYPE, 'shop/f: name 3');
  });
});
