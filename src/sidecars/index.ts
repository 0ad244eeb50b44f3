export * from './sidecar';
