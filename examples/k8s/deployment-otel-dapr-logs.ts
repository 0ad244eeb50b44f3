/**
 * An event-driven service on Kubernetes with the observability and runtime sidecars of the
 * reference design: daprd joined to the cluster's Dapr control plane (mTLS through
 * Sentry, with a projected token only daprd mounts), an OpenTelemetry Collector receiving
 * the app's OTLP on localhost and exporting to the platform's collector, and Fluent Bit
 * shipping the app's log files. All three are native sidecars; daprd, which the upstream
 * injector makes native only when asked (Dapr 1.18, dapr/dapr#9450) and then without a
 * startup probe, is native here with one, so the app starts once daprd is up and the pod
 * shuts down in order.
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { DaprMode, DaprSidecar, FluentBitOutput, FluentBitSidecar, OtelCollectorSidecar } from 'cdk-sidecars';
import { KubernetesTarget, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'orders', { namespace: 'orders' });

const serviceAccount = new kplus.ServiceAccount(chart, 'sa', { automountToken: false });
const orders = new kplus.Deployment(chart, 'orders', {
  replicas: 2,
  serviceAccount,
  automountServiceAccountToken: false,
  podMetadata: { annotations: { 'dapr.io/app-id': 'orders' } },
  containers: [{ name: 'orders', image: 'ghcr.io/acme/orders:2.4.1', portNumber: 8080 }],
});

WorkloadSidecars.of(orders).add(
  new DaprSidecar(chart, 'dapr', { appId: 'orders', appPort: 8080, mode: DaprMode.CONTROL_PLANE }),
  new OtelCollectorSidecar(chart, 'otel', {
    serviceName: 'orders',
    podNameAttribute: true,
    otlpExporters: [{ endpoint: 'otel-gateway.observability.svc:4317' }],
  }),
  new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.observability.svc' })] }),
);

app.synth();
