/** Props shared by the collector's sidecar tests and its config validator's tests. */
import { OtelCollectorSidecarProps, OtelDebugVerbosity, OtelProtocol, OtelSignal } from '../../src';

/** Every option at once: two OTLP protocols, secret and literal-$ headers, Prometheus, a scrape job, resource attributes, the pod name. */
export const FULL: OtelCollectorSidecarProps = {
  otlpExporters: [
    { endpoint: 'tempo.observability.svc:4317', insecure: true, signals: [OtelSignal.TRACES] },
    {
      name: 'vendor',
      protocol: OtelProtocol.HTTP_PROTOBUF,
      endpoint: 'https://otlp.vendor.example',
      headers: { 'x-team': 'shop$1' },
      secretHeaders: { 'api-key': { secretName: 'vendor', key: 'token' } },
    },
  ],
  prometheusExporter: { metricNamespace: 'shop' },
  debugExporter: { verbosity: OtelDebugVerbosity.NORMAL, signals: [OtelSignal.LOGS] },
  prometheusScrapeConfigs: [{ jobName: 'app', targets: ['127.0.0.1:8080'], scrapeIntervalSeconds: 15, scrapeTimeoutSeconds: 5 }],
  serviceName: 'shop-api',
  resourceAttributes: { 'deployment.environment.name': 'production' },
  podNameAttribute: true,
};
