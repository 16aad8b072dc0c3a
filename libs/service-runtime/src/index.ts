export * from './bootstrap';
export * from './bus-context.interceptor';
export * from './ops.controller';
export * from './runtime.module';
export * from './version';
export * from './periodic-task';
