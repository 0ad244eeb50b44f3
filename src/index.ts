export * from './core';
export * from './sidecars';
export * as k8s from './k8s';
