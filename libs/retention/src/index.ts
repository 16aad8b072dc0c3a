export * from './retention-plan';
export * from './clickhouse-retention';
