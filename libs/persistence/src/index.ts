export * from './migrate';
export * from './postgres-options';
export * from './postgres.module';
