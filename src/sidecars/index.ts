export * from './sidecar';
export * from './envoy';
export * from './opa';
export * from './vault';
export * from './fluent-bit';
