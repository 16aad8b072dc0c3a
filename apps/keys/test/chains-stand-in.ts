import {
  ChainsSubjects,
  cursorCodec,
  cursorFields,
  DomainException,
  type ChainDto,
  type ChainListResponse,
  type ListChainsRequest,
} from '@northstar/contracts';
import type { NatsConnection } from 'nats';
import { respondOnBus, type StandInResponder } from '@northstar/testing';

// By slug, as the chains service pages its catalog.
const chainsCursor = cursorCodec<{ slug: string }>(ChainsSubjects.list, { slug: cursorFields.slug });

/**
 * Stands in for the chains service's list on the real bus, with a catalog the test controls and
 * pages as small as the caller asks (or `maxPageSize`), so that following every page is exercised.
 * The real catalog is exercised end to end through the gateway.
 */
export class ChainsStandIn {
  readonly chains = new Map<string, ChainDto>();
  private responder?: StandInResponder;

  constructor(
    private readonly connection: NatsConnection,
    private readonly maxPageSize = 2,
  ) {}

  async start(): Promise<void> {
    this.responder = await respondOnBus<ListChainsRequest, ChainListResponse>(
      this.connection,
      ChainsSubjects.list,
      'chains',
      (request) => {
        try {
          return { response: this.list(request) };
        } catch (error) {
          // A cursor it did not issue is refused as the chains service refuses it.
          if (error instanceof DomainException) return { err: error.toPayload() };
          throw error;
        }
      },
    );
  }

  stop(): void {
    this.responder?.stop();
  }

  add(slug: string, chainId: number | null, status: ChainDto['status'] = 'active'): ChainDto {
    const chain: ChainDto = {
      slug,
      chainId,
      name: slug,
      ecosystem: chainId === null ? 'solana' : 'evm',
      testnet: false,
      nativeCurrency: { symbol: 'ETH', decimals: 18 },
      explorerUrl: `https://${slug}.explorer.example.com`,
      status,
      rpc: { http: `https://${slug}.rpc.example.com/v1/{key}`, ws: `wss://${slug}.rpc.example.com/ws/{key}` },
    };
    this.chains.set(slug, chain);
    return chain;
  }

  private list(request: ListChainsRequest): ChainListResponse {
    const after = chainsCursor.decodeOptional(request.cursor)?.slug ?? null;
    const matching = [...this.chains.values()]
      .filter((chain) => request.status === undefined || chain.status === request.status)
      .filter((chain) => after === null || chain.slug > after)
      .sort((a, b) => a.slug.localeCompare(b.slug));
    const size = Math.min(request.limit ?? 50, this.maxPageSize);
    const items = matching.slice(0, size);
    return {
      items,
      nextCursor: matching.length > size ? chainsCursor.encode({ slug: items[items.length - 1].slug }) : null,
    };
  }
}
