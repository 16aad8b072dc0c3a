import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import type { DurableEventPayload, DurableEventSubject } from '@northstar/contracts';
import { OutboxMessage } from './outbox-message.entity';

/** PostgreSQL access to the outbox. Not tenant data: it only carries events to JetStream. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly em: EntityManager) {}

  /** Queues an event in the current transaction; it is published only if the transaction commits. */
  add<E extends DurableEventSubject>(subject: E, payload: DurableEventPayload<E>): OutboxMessage {
    const message = this.em.create(OutboxMessage, { subject, payload });
    this.em.persist(message);
    return message;
  }

  async flush(): Promise<void> {
    await this.em.flush();
  }

  /**
   * Claims messages for publication until the transaction ends: the given ones, or (without ids)
   * the oldest created before `olderThan`. Rows another replica is publishing are skipped.
   */
  claim(options: { ids?: string[]; olderThan?: Date; limit: number }): Promise<OutboxMessage[]> {
    return this.em.find(
      OutboxMessage,
      {
        ...(options.ids ? { id: { $in: options.ids } } : {}),
        ...(options.olderThan ? { createdAt: { $lt: options.olderThan } } : {}),
      },
      // FOR UPDATE SKIP LOCKED
      { lockMode: LockMode.PESSIMISTIC_PARTIAL_WRITE, orderBy: { createdAt: 'asc' }, limit: options.limit },
    );
  }

  async delete(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.em.nativeDelete(OutboxMessage, { id: { $in: ids } });
  }
}
