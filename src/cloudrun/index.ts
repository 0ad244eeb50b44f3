export * from './app';
export * from './service';
