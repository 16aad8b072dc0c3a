import { Module, type DynamicModule } from '@nestjs/common';
import { Transactions } from '../transactions';
import { Outbox, OUTBOX_OPTIONS, type OutboxOptions } from './outbox';
import { OutboxRepository } from './outbox.repository';

/**
 * The transactional outbox of a service with a PostgreSQL schema: queue durable events with
 * OutboxRepository.add in the transaction of the change they announce, then Outbox.publishNow after
 * the commit; the relay publishes whatever that missed. The service lists OutboxMessage among its
 * entities, and its migrations create the `outbox` table in its schema.
 */
@Module({})
export class OutboxModule {
  static forService(options: OutboxOptions): DynamicModule {
    return {
      module: OutboxModule,
      providers: [{ provide: OUTBOX_OPTIONS, useValue: options }, Transactions, OutboxRepository, Outbox],
      exports: [Transactions, OutboxRepository, Outbox],
    };
  }
}
