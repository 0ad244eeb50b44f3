export * from './sidecar';
export * from './envoy';
export * from './vault';
