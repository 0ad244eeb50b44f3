export * from './placement';
export * from './target';
export * from './workload-sidecars';
export * from './injector';
export * from './network-policy';
export * from './monitoring';
export * from './alert-rules';
