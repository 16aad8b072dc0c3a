import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import type { DurableEventPayload, DurableEventSubject } from '@northstar/contracts';
import { DurableEventPublisher } from '@northstar/messaging';
import { Transactions } from '../transactions';
import { OutboxRepository } from './outbox.repository';

export const OUTBOX_OPTIONS = Symbol('OUTBOX_OPTIONS');
export interface OutboxOptions {
  /** How often the relay retries durable events whose publication failed at first. */
  relayIntervalMs: number;
}

const BATCH = 100;
// The relay leaves fresh messages to the request that wrote them, which publishes right after commit.
const RELAY_MIN_AGE_MS = 1000;

/**
 * Publishes the durable events queued in the outbox table. The request that committed them publishes
 * them at once; if JetStream is unreachable then, the relay retries every few seconds until it
 * succeeds. Publication is at least once (JetStream drops repeats within its duplicate window, as the
 * outbox id is the message id), as durable events promise anyway.
 */
@Injectable()
export class Outbox implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(Outbox.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly repository: OutboxRepository,
    private readonly transactions: Transactions,
    private readonly publisher: DurableEventPublisher,
    @Inject(OUTBOX_OPTIONS) private readonly options: OutboxOptions,
    // Read by @CreateRequestContext: the relay runs outside any message's context.
    readonly orm: MikroORM,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.relay().finally(() => (this.running = undefined));
    }, this.options.relayIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Publishes messages whose transaction has just committed; what fails stays for the relay. */
  async publishNow(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    try {
      await this.publish({ ids, limit: ids.length });
    } catch (error) {
      // The database failed after the change committed: the relay picks the messages up later.
      this.logger.warn(`Publishing outbox messages failed, the relay will retry: ${String(error)}`);
    }
  }

  /** One pass of the relay: publishes what is left over. Returns how many messages went out. */
  @CreateRequestContext()
  async relay(): Promise<number> {
    try {
      return await this.publish({ olderThan: new Date(Date.now() - RELAY_MIN_AGE_MS), limit: BATCH });
    } catch (error) {
      this.logger.warn(`Outbox relay failed, retrying later: ${String(error)}`);
      return 0;
    }
  }

  private publish(options: { ids?: string[]; olderThan?: Date; limit: number }): Promise<number> {
    return this.transactions.run(async () => {
      const messages = await this.repository.claim(options);
      const published: string[] = [];
      for (const message of messages) {
        try {
          await this.publisher.publish(
            message.subject,
            message.payload as DurableEventPayload<DurableEventSubject>,
            { id: message.id },
          );
        } catch (error) {
          // Commit what went out (so it is not published twice) and leave the rest for the relay.
          this.logger.warn(
            `Publishing ${message.subject} ${message.id} failed, will retry: ${String(error)}`,
          );
          break;
        }
        published.push(message.id);
      }
      await this.repository.delete(published);
      return published.length;
    });
  }
}
