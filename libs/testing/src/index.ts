export * from './bus';
export * from './env';
export * from './errors';
export * from './eventually';
export * from './factories';
export * from './mail';
export * from './ops';
export * from './service';
