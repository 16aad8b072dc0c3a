export * from './redis.module';
export * from './sliding-window';
