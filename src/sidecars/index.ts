export * from './sidecar';
export * from './envoy';
export * from './opa';
export * from './vault';
export * from './fluent-bit';
export * from './otel-collector';
export * from './otel-instrumentation';
export { OtelExporterTls, OtelPropagator, OtelSampler, OtelSdkOptions } from './otel/sdk';
export {
  OtelAttributeAction, OtelAttributeActionType, OtelDatadogExporter, OtelDebugExtension, OtelElasticsearchExporter, OtelExporterDelivery,
  OtelFilelogReceiver, OtelFilelogStartAt, OtelFilter, OtelJaegerProtocol, OtelJaegerReceiver, OtelK8sAttributes, OtelOAuth2Client, OtelOttlContext,
  OtelOttlErrorMode, OtelProbabilisticSampler, OtelPrometheusRemoteWriteExporter, OtelResourceDetection, OtelResourceDetector, OtelRetryOnFailure,
  OtelSendingQueue, OtelSigV4Auth, OtelSpanStatusCode, OtelStatsdReceiver, OtelTailSampling, OtelTailSamplingPolicy, OtelTailSamplingPolicyType,
  OtelTransform, OtelTransformStatements, OtelZipkinReceiver,
} from './otel/components';
export * from './xray-daemon';
export * from './dapr';
