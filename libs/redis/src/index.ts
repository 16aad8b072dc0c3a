export * from './generation-stamp';
export * from './hash-tag';
export * from './redis.module';
export * from './sliding-window';
