export * from './core';
export * from './sidecars';
export * as k8s from './k8s';
export * as ecs from './ecs';
export * as aci from './aci';
export * as cloudrun from './cloudrun';
export * as compose from './compose';
