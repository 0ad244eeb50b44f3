export * from './sidecar';
export * from './envoy';
