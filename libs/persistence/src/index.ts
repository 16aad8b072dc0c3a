export * from './migrate';
export * from './postgres-options';
export * from './postgres.module';
export * from './transactions';
export * from './outbox/outbox-message.entity';
export * from './outbox/outbox.repository';
export * from './outbox/outbox';
export * from './outbox/outbox.module';
