import { Chart, Testing } from 'cdk8s';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, RedirectMode } from '../../src';
import { ErrorCode } from '../../src/core/errors';
import { ImageAttestor, ImageVerificationAction, SidecarImageVerification, WorkloadSidecars } from '../../src/k8s';
import { kyvernoReferences } from '../../src/k8s/image-verification';
import { expectError } from '../errors';
import { findDoc, rawDeployment, synth } from './util';

const DIGEST = `sha256:${'c3'.repeat(32)}`;
const PEM = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyyLo8cVnE6ZZZj40fEf3mPinWR7u\nN54YXqXGvS8UukdW0nZkcCeDddk6CCSsSwwAUHCHmZ1KESVwyI9y5Ur09w==\n-----END PUBLIC KEY-----';
const KEYLESS = ImageAttestor.keyless({ issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/platform/.github/workflows/mirror.yaml@refs/heads/main' });

function shop(): Chart {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new EnvoySidecar(chart, 'envoy', { image: `envoyproxy/envoy:v1.36.2@${DIGEST}` }));
  WorkloadSidecars.of(rawDeployment(chart, 'worker')).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }));
  return chart;
}

describe('SidecarImageVerification', () => {
  test('how Kyverno spells images for verifyImages matching (pkg/utils/image/infos.go)', () => {
    expect(kyvernoReferences('envoyproxy/envoy:v1.36.2')).toEqual(['docker.io/envoyproxy/envoy:v1.36.2', 'envoyproxy/envoy:v1.36.2']);
    expect(kyvernoReferences(`envoyproxy/envoy:v1.36.2@${DIGEST}`)).toEqual([`docker.io/envoyproxy/envoy@${DIGEST}`, `envoyproxy/envoy@${DIGEST}`]);
    // Kyverno parses with distribution/reference Parse, which adds no "library/" (pkg/utils/image/infos_test.go: "nginx" is
    // "docker.io/nginx:latest"); a "library/" spelling would match nothing, and the image would go unverified.
    expect(kyvernoReferences('busybox')).toEqual(['docker.io/busybox:latest', 'busybox:latest']);
    expect(kyvernoReferences('docker.io/library/busybox:1.36')).toEqual(['docker.io/library/busybox:1.36']);
    expect(kyvernoReferences('docker.io/istio/proxyv2:1.29.6')).toEqual(['docker.io/istio/proxyv2:1.29.6']);
    expect(kyvernoReferences('localhost:5000/acme/agent:1')).toEqual(['localhost:5000/acme/agent:1']);
  });

  test('a ClusterPolicy with one verifyImages rule per sidecar image the chart\'s workloads use, redirect init included', () => {
    const chart = shop();
    const v = new SidecarImageVerification(chart, 'verify', { attestors: [ImageAttestor.publicKey(PEM, { rekorUrl: 'https://rekor.internal.acme' }), KEYLESS] });
    const docs = synth(chart);
    const policy = findDoc(docs, 'ClusterPolicy');
    expect(policy.metadata).toEqual({ name: 'shop-sidecar-images', labels: { 'app.kubernetes.io/managed-by': 'cdk-sidecars' } });
    expect(policy.spec.background).toBe(false);
    const images = [`envoyproxy/envoy:v1.36.2@${DIGEST}`, 'docker.io/istio/proxyv2:1.29.6', expect.stringMatching(/^fluent\/fluent-bit:/)];
    expect(v.images).toEqual(expect.arrayContaining(images));
    expect(v.images).toHaveLength(3);
    const byName = Object.fromEntries(policy.spec.rules.map((r: any) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(['verify-envoyproxy-envoy', 'verify-fluent-fluent-bit', 'verify-istio-proxyv2']);
    const envoy = byName['verify-envoyproxy-envoy'];
    expect(envoy.match).toEqual({ any: [{ resources: { kinds: ['Pod'], namespaces: ['shop'] } }] });
    expect(envoy.verifyImages).toEqual([{
      imageReferences: [`docker.io/envoyproxy/envoy@${DIGEST}`, `envoyproxy/envoy@${DIGEST}`],
      failureAction: 'Enforce',
      attestors: [{
        count: 1,
        entries: [
          { keys: { publicKeys: PEM, rekor: { url: 'https://rekor.internal.acme' } } },
          // Kyverno refuses a keyless attestor with neither rekor nor roots ("Either Rekor URL or roots are required",
          // kyverno/kyverno api/kyverno/v1/image_verification_types.go KeylessAttestor.Validate): the public Rekor is written out.
          { keyless: { issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/platform/.github/workflows/mirror.yaml@refs/heads/main', rekor: { url: 'https://rekor.sigstore.dev' } } },
        ],
      }],
      mutateDigest: true,
      verifyDigest: true,
      required: true,
    }]);
    expect(byName['verify-istio-proxyv2'].verifyImages[0].imageReferences).toEqual(['docker.io/istio/proxyv2:1.29.6']);
  });

  test('options: audit, digests off, named; only the workloads given; CNI mode verifies the check container\'s image', () => {
    const chart = new Chart(Testing.app(), 'shop');
    const api = WorkloadSidecars.of(rawDeployment(chart, 'api')).add(new EnvoySidecar(chart, 'envoy', { redirectMode: RedirectMode.CNI, redirectImage: 'ghcr.io/acme/proxyv2:1.29.6' }));
    WorkloadSidecars.of(rawDeployment(chart, 'other')).add(new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.stdout()] }));
    new SidecarImageVerification(chart, 'verify', {
      attestors: [KEYLESS], workloads: [api], name: 'api-images', failureAction: ImageVerificationAction.AUDIT, mutateDigest: false, verifyDigest: false, required: false,
    });
    const policy = findDoc(synth(chart), 'ClusterPolicy', 'api-images');
    expect(policy.spec.rules.map((r: any) => r.name).sort()).toEqual(['verify-envoyproxy-envoy', 'verify-ghcr-io-acme-proxyv2']);
    // No namespace on the workload: its pods may run anywhere, so no namespace filter.
    expect(policy.spec.rules[0].match).toEqual({ any: [{ resources: { kinds: ['Pod'] } }] });
    expect(policy.spec.rules[0].verifyImages[0]).toEqual(expect.objectContaining({ failureAction: 'Audit', mutateDigest: false, verifyDigest: false, required: false }));
  });

  test('Audit: mutateDigest defaults to false, and true is refused (Kyverno refuses the policy: pkg/validation/policy/validate.go, ImageVerification.Validate)', () => {
    const chart = shop();
    new SidecarImageVerification(chart, 'verify', { attestors: [KEYLESS], failureAction: ImageVerificationAction.AUDIT });
    const policy = findDoc(synth(chart), 'ClusterPolicy');
    for (const rule of policy.spec.rules) {
      expect(rule.verifyImages[0]).toEqual(expect.objectContaining({ failureAction: 'Audit', mutateDigest: false }));
    }
    expectError(() => new SidecarImageVerification(shop(), 'v', { attestors: [KEYLESS], failureAction: ImageVerificationAction.AUDIT, mutateDigest: true }),
      ErrorCode.UNSUPPORTED_ON_PLATFORM, 'shop/v: mutateDigest true cannot be rendered on Kyverno: with failureAction Audit');
  });

  test('the CEL ImageValidatingPolicy (policies.kyverno.io/v1) with the same images and attestors', () => {
    const chart = shop();
    new SidecarImageVerification(chart, 'verify', { attestors: [ImageAttestor.publicKey(PEM), KEYLESS], imageValidatingPolicy: true });
    const ivp = findDoc(synth(chart), 'ImageValidatingPolicy', 'shop-sidecar-images-cel');
    expect(ivp.spec.validationActions).toEqual(['Deny']);
    expect(ivp.spec.matchConstraints.namespaceSelector).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] }] });
    expect(ivp.spec.matchImageReferences.map((m: any) => m.glob)).toEqual(expect.arrayContaining([`envoyproxy/envoy:v1.36.2@${DIGEST}`, 'docker.io/istio/proxyv2:1.29.6']));
    expect(ivp.spec.attestors).toEqual([
      { name: 'attestor0', cosign: { key: { data: PEM } } },
      { name: 'attestor1', cosign: { keyless: { identities: [{ issuer: 'https://token.actions.githubusercontent.com', subject: 'https://github.com/acme/platform/.github/workflows/mirror.yaml@refs/heads/main' }] } } },
    ]);
    expect(JSON.parse(ivp.spec.variables[0].expression)).toHaveLength(3);
    expect(ivp.spec.validations[0].expression).toContain('verifyImageSignatures(i, [attestors.attestor0, attestors.attestor1]) > 0');
  });

  test('bad inputs are catalogued errors', () => {
    const chart = new Chart(Testing.app(), 'shop');
    expectError(() => new SidecarImageVerification(chart, 'a', {} as any), ErrorCode.INVALID_TYPE, 'shop/a: attestors undefined');
    expectError(() => new SidecarImageVerification(chart, 'b', { attestors: [] }), ErrorCode.INVALID_TYPE, 'shop/b: attestors []');
    expectError(() => new SidecarImageVerification(chart, 'c', { attestors: [{} as any] }), ErrorCode.INVALID_TYPE, 'shop/c: attestors[0] {}');
    expectError(() => new SidecarImageVerification(chart, 'd', { attestors: [ImageAttestor.publicKey('abc')] }), ErrorCode.INVALID_TYPE, 'shop/d: attestors[0].publicKeyPem "abc"');
    expectError(() => new SidecarImageVerification(chart, 'e', { attestors: [ImageAttestor.keyless({ issuer: '', subject: 'x' })] }), ErrorCode.INVALID_TYPE, 'shop/e: attestors[0].issuer ""');
    expectError(() => new SidecarImageVerification(chart, 'f', { attestors: [KEYLESS], failureAction: 'Deny' as any }), ErrorCode.INVALID_TYPE, 'shop/f: failureAction "Deny"');
    expectError(() => new SidecarImageVerification(chart, 'g', { attestors: [KEYLESS], name: 'Bad_Name' }), ErrorCode.INVALID_NAME, 'shop/g: name "Bad_Name"');
    expectError(() => new SidecarImageVerification(chart, 'h', { attestors: [ImageAttestor.publicKey(PEM, { rekorUrl: 'rekor' })] }), ErrorCode.INVALID_TYPE, 'shop/h: attestors[0].rekorUrl "rekor"');
    expectError(() => new SidecarImageVerification(chart, 'i', { attestors: [KEYLESS], workloads: [{} as any] }), ErrorCode.INVALID_TYPE, 'shop/i: workloads[0] {}');
    const empty = new Chart(Testing.app(), 'empty');
    rawDeployment(empty, 'api');
    new SidecarImageVerification(empty, 'v', { attestors: [KEYLESS] });
    expectError(() => Testing.synth(empty), ErrorCode.NO_SIDECAR_IMAGES, 'empty/v: workloads [] inject no sidecar container');
  });
});
