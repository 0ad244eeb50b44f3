/**
 * Prometheus for the sidecars of a checkout service (Prometheus Operator installed by the
 * kube-prometheus-stack chart, which selects monitors and rules by its `release` label). The pod
 * runs Envoy in front of the app with OPA as its authorizer, Fluent Bit shipping the app's logs
 * and an OpenTelemetry Collector whose own metrics are exposed. SidecarMonitoring writes one
 * PodMonitor with an endpoint per sidecar metrics port (Envoy /stats/prometheus on 15090, OPA
 * /metrics on 8282, Fluent Bit /api/v2/metrics/prometheus on 2020, the collector's /metrics on
 * 8888), each labelled with its container and sidecar; SidecarAlertRules writes a PrometheusRule
 * alerting per sidecar container on memory near its limit, CPU throttling, restarts and
 * readiness, on the kube-state-metrics series of native sidecars (init containers).
 */
import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { EnvoySidecar, FluentBitOutput, FluentBitSidecar, OpaSidecar, OtelCollectorSidecar } from 'cdk-sidecars';
import { KubernetesTarget, SidecarAlertRules, SidecarMonitoring, WorkloadSidecars } from 'cdk-sidecars/k8s';

const POLICY = `package envoy.authz

import rego.v1

default allow := false

allow if input.attributes.request.http.method in {"GET", "POST"}
`;

const app = new App();
KubernetesTarget.set(app, '1.33');
const chart = new Chart(app, 'checkout', { namespace: 'shop' });

const checkout = new kplus.Deployment(chart, 'checkout', {
  metadata: { name: 'checkout' },
  replicas: 3,
  containers: [{ name: 'checkout', image: 'ghcr.io/acme/checkout:3.2.0', portNumber: 8080 }],
});

const sidecars = WorkloadSidecars.of(checkout).add(
  new OpaSidecar(chart, 'opa', { envoyPlugin: true, policies: { 'authz.rego': POLICY } }),
  new EnvoySidecar(chart, 'envoy', { drainSeconds: 5, healthCheckPaths: ['/healthz'] }),
  new FluentBitSidecar(chart, 'logs', { outputs: [FluentBitOutput.loki({ host: 'loki.monitoring.svc' })] }),
  new OtelCollectorSidecar(chart, 'otel', {
    serviceName: 'checkout',
    exposeTelemetry: true,
    otlpExporters: [{ endpoint: 'otel-gateway.observability.svc:4317' }],
  }),
);

const release = { release: 'kube-prometheus-stack' };
new SidecarMonitoring(chart, 'monitoring', { sidecars, scrapeIntervalSeconds: 30, labels: release });
new SidecarAlertRules(chart, 'alerts', { sidecars, memoryLimitPercent: 85, severity: 'warning', labels: release });

app.synth();
