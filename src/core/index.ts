export * from './container';
export * from './contribution';
export * from './probe';
export * from './volume';
export * from './overrides';
export * from './cost-options';
