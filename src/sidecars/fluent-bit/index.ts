export * from './sidecar';
export * from './outputs';
export * from './filters';
