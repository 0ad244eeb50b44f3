/**
 * A payments API hardened around its sidecars: every sidecar image is pinned by digest
 * (ImagePolicy.requireDigests refuses a tag-only image at synthesis), a Kyverno ClusterPolicy
 * (and its CEL twin, an ImageValidatingPolicy) verifies at admission that those images were
 * signed by the platform team's mirror workflow, the namespace carries Pod Security admission
 * labels at the strictest level its pods pass (restricted: Envoy's traffic redirect is installed
 * by the Istio CNI node agent, so no privileged init container), and a Pod Security Standards
 * report is written next to the manifests (payments.pod-security.json).
 *
 * The digests are those of the team's mirror (ghcr.io/acme/mirror); replace them with what
 * `crane digest <image>` prints for yours.
 */
import { App, Chart, JsonPatch, ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, ImagePolicy, RedirectMode } from 'cdk-sidecars';
import {
  ImageAttestor, KubernetesTarget, PodSecurityCheck, PodSecurityLevel, PodSecurityNamespace, SidecarImageVerification, WorkloadSidecars,
} from 'cdk-sidecars/k8s';

const ENVOY = 'ghcr.io/acme/mirror/envoyproxy/envoy:v1.36.2@sha256:7f1b3c5d9e2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e';
const PROXYV2 = 'ghcr.io/acme/mirror/istio/proxyv2:1.29.6@sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
const FLUENT_BIT = 'ghcr.io/acme/mirror/fluent/fluent-bit:4.0.3@sha256:9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d';

const app = new App();
KubernetesTarget.set(app, '1.33');
ImagePolicy.requireDigests(app);
const chart = new Chart(app, 'payments', { namespace: 'payments' });

const api = new kplus.Deployment(chart, 'api', {
  replicas: 3,
  containers: [{
    name: 'api',
    image: 'ghcr.io/acme/payments-api:4.2.0@sha256:0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091',
    portNumber: 8080,
    readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
    securityContext: { user: 20001 },
  }],
});
// What restricted asks beyond cdk8s-plus-27's defaults, which it cannot express (no seccompProfile
// prop, and its Capability enum has no "ALL"): RuntimeDefault seccomp for the pod, every capability dropped.
ApiObject.of(api).addJsonPatch(
  JsonPatch.add('/spec/template/spec/securityContext/seccompProfile', { type: 'RuntimeDefault' }),
  JsonPatch.add('/spec/template/spec/containers/0/securityContext/capabilities', { drop: ['ALL'] }),
);

const sidecars = WorkloadSidecars.of(api).add(
  new EnvoySidecar(chart, 'envoy', { image: ENVOY, redirectImage: PROXYV2, redirectMode: RedirectMode.CNI, drainSeconds: 10 }),
  new FluentBitSidecar(chart, 'logs', { image: FLUENT_BIT, outputs: [FluentBitOutput.forward({ host: 'fluentd.observability.svc' })] }),
);

new SidecarImageVerification(chart, 'verify-images', {
  attestors: [ImageAttestor.keyless({
    issuer: 'https://token.actions.githubusercontent.com',
    subject: 'https://github.com/acme/platform-mirror/.github/workflows/mirror.yaml@refs/heads/main',
  })],
  imageValidatingPolicy: true,
});

new PodSecurityNamespace(chart, 'namespace');
const check = new PodSecurityCheck(chart, 'pod-security', { workloads: [sidecars], require: PodSecurityLevel.RESTRICTED });

app.synth();
check.writeReport(app.outdir);
