export * from './placement';
export * from './target';
export * from './workload-sidecars';
export * from './injector';
export * from './network-policy';
export * from './canary';
export * from './disruption-budget';
export * from './readiness-gates';
