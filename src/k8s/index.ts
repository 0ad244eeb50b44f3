export * from './placement';
export * from './target';
export * from './workload-sidecars';
export * from './injector';
export * from './cost-report';
export * from './vertical-autoscaler';
