export * from './clickhouse-client';
export * from './clickhouse.module';
export * from './migrate';
export * from './sql';
export * from './cluster-schema';
