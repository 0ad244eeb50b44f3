/**
 * The custom-resource validator (crd.ts, through k8s.ts manifestErrors) and the seccomp profile
 * validator (seccomp.ts) accept well-formed objects and reject what the API server or the runtime
 * would reject or ignore.
 */
import * as fs from 'fs';
import * as path from 'path';
import { customResourceErrors, customResourceGroups, droppedPatterns } from './crd';
import { manifestErrors } from './k8s';
import { seccompProfileErrors, validateSeccompProfile } from './seccomp';

const podMonitor = () => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PodMonitor',
  metadata: { name: 'web-sidecars', namespace: 'shop', labels: { release: 'prom' } },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    podMetricsEndpoints: [{ port: 'envoy-prom', path: '/stats/prometheus', interval: '30s', scheme: 'http' }],
  },
});

const rule = () => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: { name: 'web-sidecars' },
  spec: { groups: [{ name: 'sidecars', rules: [{ alert: 'SidecarOOMRisk', expr: 'up == 0', for: '10m', labels: { severity: 'warning' } }] }] },
});

const vpa = () => ({
  apiVersion: 'autoscaling.k8s.io/v1',
  kind: 'VerticalPodAutoscaler',
  metadata: { name: 'web' },
  spec: {
    targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    updatePolicy: { updateMode: 'Initial' },
    resourcePolicy: { containerPolicies: [{ containerName: 'envoy', minAllowed: { cpu: '100m', memory: '128Mi' }, maxAllowed: { cpu: 2, memory: '1Gi' } }] },
  },
});

const clusterPolicy = () => ({
  apiVersion: 'kyverno.io/v1',
  kind: 'ClusterPolicy',
  metadata: { name: 'verify-sidecar-images' },
  spec: {
    webhookTimeoutSeconds: 30,
    rules: [{
      name: 'envoy',
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      verifyImages: [{
        imageReferences: ['docker.io/envoyproxy/envoy*'],
        failureAction: 'Enforce',
        mutateDigest: true,
        verifyDigest: true,
        required: true,
        attestors: [{ entries: [{ keyless: { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/envoyproxy/*', rekor: { url: 'https://rekor.sigstore.dev' } } }] }],
      }],
    }],
  },
});

const httpRoute = () => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    parentRefs: [{ name: 'public', namespace: 'gateways' }],
    rules: [{ backendRefs: [{ name: 'web-stable', port: 80, weight: 90 }, { name: 'web-canary', port: 80, weight: 10 }] }],
  },
});

const virtualService = () => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'web' },
  spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web', subset: 'stable' }, weight: 90 }, { destination: { host: 'web', subset: 'canary' }, weight: 10 }] }] },
});

const spoProfile = () => ({
  apiVersion: 'security-profiles-operator.x-k8s.io/v1',
  kind: 'SeccompProfile',
  metadata: { name: 'envoy' },
  spec: { defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86_64'], syscalls: [{ action: 'SCMP_ACT_ALLOW', names: ['read', 'write'] }] },
});

test.each([
  ['PodMonitor', podMonitor],
  ['PrometheusRule', rule],
  ['VerticalPodAutoscaler', vpa],
  ['ClusterPolicy', clusterPolicy],
  ['HTTPRoute', httpRoute],
  ['VirtualService', virtualService],
  ['SeccompProfile', spoProfile],
])('a well-formed %s is valid', (_kind, make) => {
  expect(manifestErrors([make()])).toEqual([]);
});

test('unknown fields are errors (objects are closed), also at the root of an Istio resource', () => {
  const m = podMonitor() as any;
  m.spec.podMetricsEndpoints[0].prot = 'x';
  expect(manifestErrors([m])).toEqual([expect.stringMatching(/PodMonitor\/web-sidecars at \/spec\/podMetricsEndpoints\/0\/prot: unknown field "prot"/)]);
  const vs = virtualService() as any;
  vs.spex = {};
  expect(manifestErrors([vs])).toEqual([expect.stringContaining('/spex: unknown field "spex"')]);
  // apiVersion, kind and metadata are allowed at the root although Istio's schema lists only spec and status
  expect(manifestErrors([virtualService()])).toEqual([]);
});

test('enums, patterns and required fields are enforced', () => {
  const v = vpa() as any;
  v.spec.updatePolicy.updateMode = 'Sometimes';
  expect(manifestErrors([v]).join('\n')).toMatch(/updatePolicy\/updateMode: must be equal to one of the allowed values: .*"Initial"/);
  const r = rule() as any;
  r.spec.groups[0].rules[0].for = '5 minutes';
  expect(manifestErrors([r]).join('\n')).toMatch(/\/spec\/groups\/0\/rules\/0\/for: must match pattern/);
  const h = httpRoute() as any;
  h.spec.rules[0].matches = [{ path: { type: 'Prefix', value: '/' } }];
  expect(manifestErrors([h]).join('\n')).toMatch(/matches\/0\/path\/type: must be equal to one of the allowed values/);
  const p = podMonitor() as any;
  delete p.spec.selector;
  expect(manifestErrors([p]).join('\n')).toContain('missing required field "selector"');
  const s = spoProfile() as any;
  s.spec.defaultAction = 'SCMP_ACT_NOPE';
  expect(manifestErrors([s]).join('\n')).toContain('/spec/defaultAction');
});

test('RE2 (?i) patterns keep their meaning: partial_response_strategy takes any case, nothing else', () => {
  const r = (v: string) => { const x = rule() as any; x.spec.groups[0].partial_response_strategy = v; return manifestErrors([x]); };
  expect(r('Abort')).toEqual([]);
  expect(r('WARN')).toEqual([]);
  expect(r('abort!').join('\n')).toMatch(/partial_response_strategy: must match pattern/);
});

test('Kyverno\'s own policy validation: mutateDigest under Audit, keyless without Rekor or roots, an attestor of no kind', () => {
  const audit = clusterPolicy() as any;
  delete audit.spec.rules[0].verifyImages[0].failureAction; // no action anywhere: Audit
  expect(manifestErrors([audit]).join('\n')).toContain('/spec/rules/0/verifyImages/0/mutateDigest: mutateDigest must be set to false for \'Audit\' failure action');
  audit.spec.rules[0].verifyImages[0].mutateDigest = false;
  expect(manifestErrors([audit])).toEqual([]);
  const enforcedByPolicy = clusterPolicy() as any;
  delete enforcedByPolicy.spec.rules[0].verifyImages[0].failureAction;
  enforcedByPolicy.spec.validationFailureAction = 'Enforce';
  expect(manifestErrors([enforcedByPolicy])).toEqual([]);
  const keyless = clusterPolicy() as any;
  delete keyless.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.rekor;
  expect(manifestErrors([keyless]).join('\n')).toContain('/attestors/0/entries/0/keyless: Either Rekor URL or roots are required');
  keyless.spec.rules[0].verifyImages[0].attestors[0].entries[0].keyless.roots = '-----BEGIN CERTIFICATE-----';
  expect(manifestErrors([keyless])).toEqual([]);
  const none = clusterPolicy() as any;
  none.spec.rules[0].verifyImages[0].attestors[0].entries = [{}];
  expect(manifestErrors([none]).join('\n')).toContain('keys, certificates, keyless, or a nested attestor is required');
});

test('metadata: the name is required and a DNS subdomain, and ObjectMeta is strict', () => {
  const a = podMonitor() as any;
  a.metadata.name = 'Web_Sidecars';
  expect(manifestErrors([a]).join('\n')).toContain('is not a DNS-1123 subdomain');
  const b = podMonitor() as any;
  b.metadata.labelz = {};
  expect(manifestErrors([b]).join('\n')).toContain('/metadata/labelz: unknown field "labelz"');
});

test('a version that is not served, and a kind without a CRD, are errors', () => {
  expect(manifestErrors([{ ...vpa(), apiVersion: 'autoscaling.k8s.io/v1beta2' }]).join('\n'))
    .toContain('apiVersion "autoscaling.k8s.io/v1beta2" is not served for kind VerticalPodAutoscaler (served: autoscaling.k8s.io/v1)');
  expect(manifestErrors([{ ...podMonitor(), kind: 'Probe' }]).join('\n')).toContain('kind "Probe" has no CRD in group monitoring.coreos.com');
  expect(customResourceErrors({ apiVersion: 'apps/v1', kind: 'Deployment' })).toBeUndefined();
});

test('every pattern of every vendored CRD compiles in JavaScript (none is silently dropped)', () => {
  const kinds: Array<[string, string]> = [
    ['monitoring.coreos.com/v1', 'PodMonitor'], ['monitoring.coreos.com/v1', 'ServiceMonitor'], ['monitoring.coreos.com/v1', 'PrometheusRule'],
    ['autoscaling.k8s.io/v1', 'VerticalPodAutoscaler'], ['kyverno.io/v1', 'ClusterPolicy'], ['policies.kyverno.io/v1', 'ImageValidatingPolicy'],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute'], ['networking.istio.io/v1', 'VirtualService'], ['networking.istio.io/v1', 'DestinationRule'],
    ['security-profiles-operator.x-k8s.io/v1', 'SeccompProfile'],
  ];
  for (const [apiVersion, kind] of kinds) {
    expect(customResourceErrors({ apiVersion, kind, metadata: { name: 'x' } })).not.toContainEqual(expect.stringContaining('has no CRD'));
  }
  expect(customResourceGroups().length).toBeGreaterThanOrEqual(7);
  expect(droppedPatterns()).toEqual([]);
});

describe('seccomp profiles (OCI runtime-spec v1.3.0)', () => {
  const profile = () => ({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [
      { names: ['read', 'write', 'exit_group'], action: 'SCMP_ACT_ALLOW' },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
    ],
  });

  test('a profile within the OCI schema is valid; Moby\'s own default profile is not (Docker-only keys)', () => {
    expect(seccompProfileErrors(profile())).toEqual([]);
    const moby = JSON.parse(fs.readFileSync(path.join(__dirname, 'schemas', 'seccomp', 'moby-default.json'), 'utf8'));
    expect(seccompProfileErrors(moby)).toEqual(expect.arrayContaining(['/archMap: unknown field "archMap"']));
  });

  test('unknown actions, unknown keys, missing fields and unknown syscall names are errors', () => {
    expect(seccompProfileErrors({ ...profile(), defaultAction: 'SCMP_ACT_NOPE' }).join('\n')).toContain('/defaultAction: must be equal to one of the allowed values');
    expect(seccompProfileErrors({ ...profile(), comment: 'x' })).toContain('/comment: unknown field "comment"');
    expect(seccompProfileErrors({ syscalls: [] }).join('\n')).toContain("must have required property 'defaultAction'");
    expect(seccompProfileErrors({ ...profile(), syscalls: [{ names: ['raed'], action: 'SCMP_ACT_ALLOW' }] }))
      .toEqual(['/syscalls/0/names/0: "raed" is not a syscall Moby\'s default profile names (runc would skip it)']);
    expect(() => validateSeccompProfile('{')).toThrow(/not JSON/);
  });
});
