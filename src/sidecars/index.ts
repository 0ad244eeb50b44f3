export * from './sidecar';
export * from './envoy';
export * from './opa';
export * from './vault';
export * from './fluent-bit';
export * from './otel-collector';
export * from './xray-daemon';
export * from './dapr';
