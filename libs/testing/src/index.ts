export * from './bus';
export * from './env';
export * from './errors';
export * from './eventually';
export * from './factories';
export * from './ops';
export * from './service';
