/**
 * Right-sizing and cost around the reference pod: a cdk8s-plus-27 Deployment of 3 replicas
 * whose app gets secrets from a Vault Agent, sends its traffic through Envoy, its logs to
 * Fluent Bit and its traces to an OpenTelemetry Collector. Around it:
 * - a VerticalPodAutoscaler (recommendations only): one policy per container, each sidecar
 *   bounded by its own requests and limits, the init steps left alone;
 * - the cost and overhead report (sidecar-cost.json, .md and .csv beside the manifests): what
 *   the sidecars add to the pod's effective request against the app, x3, priced at example
 *   on-demand rates.
 */
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OtelCollectorSidecar, VaultAgentSidecar, VaultAuth } from 'cdk-sidecars';
import { KubernetesTarget, SidecarCostReport, SidecarVerticalAutoscaler, VpaUpdateMode, WorkloadSidecars } from 'cdk-sidecars/k8s';

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'checkout', { namespace: 'checkout' });

const serviceAccount = new kplus.ServiceAccount(chart, 'api-sa', { automountToken: false });
const api = new kplus.Deployment(chart, 'api', {
  replicas: 3,
  serviceAccount,
  automountServiceAccountToken: false,
  containers: [{
    name: 'api',
    image: 'ghcr.io/acme/checkout-api:2.3.0',
    portNumber: 8080,
    readiness: kplus.Probe.fromHttpGet('/ready', { port: 8080 }),
    resources: {
      cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.millis(1000) },
      memory: { request: Size.mebibytes(512), limit: Size.mebibytes(1024) },
    },
  }],
});

const sidecars = WorkloadSidecars.of(api).add(
  new EnvoySidecar(chart, 'envoy', {
    excludeOutboundCidrs: ['10.96.0.1/32'],
    clusters: [{ name: 'payments', address: 'payments.payments.svc.cluster.local', port: 8080 }],
    routes: [{ pathPrefix: '/payments/', cluster: 'payments' }],
  }),
  new VaultAgentSidecar(chart, 'vault', {
    address: 'https://vault.vault.svc:8200',
    auth: [VaultAuth.kubernetes({ role: 'checkout-api' })],
    secrets: [{ path: 'database/creds/checkout-api', file: 'db.json' }],
  }),
  new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.forward({ host: 'fluentd.logging.svc' })] }),
  new OtelCollectorSidecar(chart, 'otel', { serviceName: 'checkout-api', otlpExporters: [{ endpoint: 'otel-gateway.observability.svc:4317' }] }),
);

new SidecarVerticalAutoscaler(chart, 'vpa', { sidecars, updateMode: VpaUpdateMode.OFF });

// Example on-demand rates (an m7i-class node's price split per vCPU and GiB); use your own.
const report = new SidecarCostReport(chart, 'cost', { pricePerVcpuHour: 0.0336, pricePerGibHour: 0.0045 });

app.synth();
report.writeTo(app.outdir);
