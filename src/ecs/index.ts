export * from './secrets';
export * from './task-sidecars';
export * from './container-options';
export * from './cost-report';
