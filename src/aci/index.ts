export * from './app';
export * from './container-group';
