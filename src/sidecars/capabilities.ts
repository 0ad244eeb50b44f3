/**
 * Names of the capabilities sidecars offer each other in one pod (internal: the
 * offering and the consuming sidecar agree on them; binders never look at them).
 */

/**
 * An authorization service speaking Envoy's ext_authz gRPC API on localhost
 * (`port`; settings `timeoutSeconds`, `failureModeAllow`).
 */
export const EXT_AUTHZ_GRPC = 'ext-authz.grpc';

/**
 * The OTLP receivers of an `OtelCollectorSidecar` (settings `grpcEndpoint`, `httpEndpoint`,
 * and `appEnv` / `appProtocol`: what the collector gives the app containers itself).
 * `OtelInstrumentation` points the SDK at them.
 */
export const OTLP_OFFER = 'otel-collector.otlp';
