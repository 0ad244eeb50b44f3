export * from './envoy-sidecar';
