export * from './container';
export * from './contribution';
export * from './probe';
export * from './volume';
export * from './overrides';
export { ImagePolicy } from './image-policy';
export * from './seccomp';
export * from './cost-options';
