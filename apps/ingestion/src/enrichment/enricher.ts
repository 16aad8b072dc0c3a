import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@northstar/contracts';
import type { Enrichment } from '../event-store/event-row';
import { CountryLookup } from './country';
import { UserAgentParser } from './user-agent';

/** What ingestion adds to an event: browser/OS/device from the user agent, country from the IP. */
@Injectable()
export class Enricher {
  private readonly userAgents = new UserAgentParser();
  private readonly countries = new CountryLookup();

  enrich(envelope: EventEnvelope, sessionId: string): Enrichment {
    return {
      sessionId,
      userAgent: this.userAgents.parse(envelope.context.userAgent),
      country: this.countries.lookup(envelope.context.ip),
    };
  }
}
