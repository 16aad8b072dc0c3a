import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import type { DurableEventSubject } from '@northstar/contracts';
import { randomUUID } from 'node:crypto';

/**
 * A durable event written in the same transaction as the change it announces, so that a crash or a
 * JetStream hiccup between the commit and the publication cannot lose it. Deleted once published.
 */
@Entity({ tableName: 'outbox' })
export class OutboxMessage {
  /** Also the JetStream message id: a repeated publication inside the duplicate window is stored once. */
  @PrimaryKey({ type: 'uuid' })
  id: string & Opt = randomUUID();

  @Property({ type: 'string', length: 128 })
  subject!: DurableEventSubject;

  @Property({ type: 'json' })
  payload!: object;

  @Property({ type: 'datetime' })
  createdAt: Date & Opt = new Date();
}
