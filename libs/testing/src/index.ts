export * from './bus';
export * from './env';
export * from './eventually';
export * from './factories';
export * from './service';
