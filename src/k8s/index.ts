export * from './placement';
export * from './target';
export * from './workload-sidecars';
export * from './injector';
export * from './pod-security-standards';
export * from './pod-security-namespace';
export * from './image-verification';
