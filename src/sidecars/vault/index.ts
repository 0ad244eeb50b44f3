export * from './auth';
export * from './vault-agent-sidecar';
