export * from './secrets';
export * from './task-sidecars';
