export * from './metrics.service';
export * from './readiness.service';
export * from './request-aware.logger';
export * from './request-context';
