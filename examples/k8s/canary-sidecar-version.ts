/**
 * A canary of a new Envoy and OTel Collector release next to an unchanged app. The stable and
 * the canary Deployment of "checkout" are built by one function that takes only the sidecar
 * images, so the two cannot drift (SidecarCanary checks at synthesis that the rendered pods
 * differ in nothing else). A Gateway API HTTPRoute on the shared "public" Gateway sends 10% of
 * the requests to the canary; rolling back is `canaryWeight: 0`, promoting is giving the stable
 * track the canary's images. A PodDisruptionBudget keeps 3 of the 4 stable pods up during node
 * drains, while pods whose sidecars never became ready can still be evicted (AlwaysAllow).
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, OtelCollectorSidecar, WaitCondition } from 'cdk-sidecars';
import { KubernetesTarget, SidecarCanary, WorkloadDisruptionBudget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'checkout', { namespace: 'shop' });

interface SidecarImages { readonly envoy: string; readonly collector: string }

/** One track of checkout: the same app, sidecars and settings; only the sidecar images vary. */
function checkout(id: string, replicas: number, images: SidecarImages): WorkloadSidecars {
  const deployment = new kplus.Deployment(chart, id, {
    replicas,
    containers: [{
      name: 'checkout',
      image: 'ghcr.io/acme/checkout:3.1.0',
      portNumber: 8080,
      readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
    }],
  });
  return WorkloadSidecars.of(deployment).add(
    new EnvoySidecar(chart, `${id}-envoy`, {
      image: images.envoy,
      excludeOutboundCidrs: ['10.96.0.1/32'],
      drainSeconds: 10,
    }),
    new OtelCollectorSidecar(chart, `${id}-otel`, {
      image: images.collector,
      otlpExporters: [{ endpoint: 'https://otlp.observability.svc.cluster.local:4317' }],
      appWaitsFor: WaitCondition.STARTED,
    }),
  );
}

const stable = checkout('checkout', 4, { envoy: 'envoyproxy/envoy:v1.36.2', collector: 'otel/opentelemetry-collector-contrib:0.139.0' });
const canary = checkout('checkout-canary', 1, { envoy: 'envoyproxy/envoy:v1.37.0', collector: 'otel/opentelemetry-collector-contrib:0.140.1' });

new SidecarCanary(chart, 'sidecar-canary', {
  sidecars: stable,
  canarySidecars: canary,
  name: 'checkout',
  canaryWeight: 10,
  gateways: [{ name: 'public', namespace: 'gateways', sectionName: 'https' }],
  hostnames: ['checkout.shop.example.com'],
});

new WorkloadDisruptionBudget(chart, 'budget', { sidecars: stable, minAvailable: 3 });

app.synth();
