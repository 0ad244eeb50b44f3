export * from './app';
export * from './container-group';
export * from './group-options';
export * from './cost-report';
