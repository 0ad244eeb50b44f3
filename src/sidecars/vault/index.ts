export * from './auth';
export * from './reload';
export * from './vault-agent-sidecar';
export * from './options';
