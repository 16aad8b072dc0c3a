export * from './bus-client';
export * from './bus-exception.filter';
export * from './bus-handler.decorator';
export * from './handler-check';
export * from './messaging.module';
export * from './nats-connection';
export * from './validation';
export * from './durable-events';
