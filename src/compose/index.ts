export * from './app';
export * from './project';
