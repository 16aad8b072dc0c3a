export * from './bootstrap';
export * from './bus-context.interceptor';
export * from './metrics.service';
export * from './ops.controller';
export * from './readiness.service';
export * from './request-aware.logger';
export * from './runtime.module';
export * from './version';
