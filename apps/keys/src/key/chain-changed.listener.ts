import { Controller, Logger } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import { ChainsBroadcasts, SLUG_PATTERN, type ChainChangedEvent } from '@northstar/contracts';
import { BusEventHandler } from '@northstar/messaging';
import { KeyService } from './key.service';

/**
 * Keeps the chain ids of keys' allowedChains in step with the catalog. The event is core NATS (one
 * keys replica gets it, through the service's queue group): one missed while keys was down leaves a
 * key with the ids of the chain as it was, until the key's allowedChains is set again.
 */
@Controller()
export class ChainChangedListener {
  private readonly logger = new Logger(ChainChangedListener.name);

  constructor(
    private readonly keys: KeyService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusEventHandler(ChainsBroadcasts.changed)
  @CreateRequestContext()
  async onChainChanged(@Payload() event: ChainChangedEvent): Promise<void> {
    if (event?.change === 'created') return;
    const slug = event?.slug;
    if (typeof slug !== 'string' || !SLUG_PATTERN.test(slug)) {
      this.logger.error(`Ignoring a malformed ${ChainsBroadcasts.changed} event: ${JSON.stringify(event)}`);
      return;
    }
    try {
      const changed = await this.keys.chainChanged(slug);
      if (changed > 0) this.logger.log(`Chain ${slug} changed: ${changed} key(s) bound to it updated`);
    } catch (error) {
      this.logger.error(`Keys bound to chain ${slug} not updated: ${String(error)}`);
    }
  }
}
