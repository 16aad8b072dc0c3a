import { Injectable } from '@nestjs/common';
import {
  ChainsEvents,
  ChainsSubjects,
  cursorCodec,
  cursorFields,
  DEFAULT_PAGE_LIMIT,
  DomainException,
  type Actor,
  type ChainDto,
  type ChainInput,
  type ChainListResponse,
  type ChainPatch,
  type ListChainsRequest,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { ChainCache } from './chain.cache';
import { Chain } from './chain.entity';
import { applyInput, toChainDto } from './chain.mapper';
import { ChainRepository } from './chain.repository';

// The catalog is listed by slug.
const chainsCursor = cursorCodec<{ slug: string }>(ChainsSubjects.list, { slug: cursorFields.slug });

/** The catalog's rules: public reads from the cache, writes for platform admins only. */
@Injectable()
export class ChainService {
  constructor(
    private readonly repository: ChainRepository,
    private readonly cache: ChainCache,
    private readonly bus: BusClient,
  ) {}

  async list(query: ListChainsRequest): Promise<ChainListResponse> {
    const after = chainsCursor.decodeOptional(query.cursor)?.slug ?? null;
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const matching = (await this.catalog()).filter(
      (chain) =>
        (query.ecosystem === undefined || chain.ecosystem === query.ecosystem) &&
        (query.testnet === undefined || chain.testnet === query.testnet) &&
        (query.status === undefined || chain.status === query.status) &&
        (after === null || chain.slug > after),
    );
    const items = matching.slice(0, limit);
    const more = matching.length > limit;
    return { items, nextCursor: more ? chainsCursor.encode({ slug: items[items.length - 1].slug }) : null };
  }

  async get(slug: string): Promise<ChainDto> {
    const chain = (await this.catalog()).find((candidate) => candidate.slug === slug);
    if (!chain) throw DomainException.notFound('Chain');
    return chain;
  }

  async create(actor: Actor, input: ChainInput): Promise<ChainDto> {
    assertAdmin(actor);
    assertChainIdFits(input.ecosystem, input.chainId ?? null);
    if (await this.repository.findBySlug(input.slug)) {
      throw DomainException.conflict(`A chain with slug "${input.slug}" already exists`);
    }
    const chain = await this.repository.save(applyInput(new Chain(), input));
    await this.changed(chain.slug, 'created');
    return toChainDto(chain);
  }

  async update(actor: Actor, slug: string, patch: ChainPatch): Promise<ChainDto> {
    assertAdmin(actor);
    const chain = await this.repository.findBySlug(slug);
    if (!chain) throw DomainException.notFound('Chain');
    applyInput(chain, patch);
    assertChainIdFits(chain.ecosystem, chain.chainId);
    await this.repository.save(chain);
    await this.changed(slug, 'updated');
    return toChainDto(chain);
  }

  async delete(actor: Actor, slug: string): Promise<void> {
    assertAdmin(actor);
    const chain = await this.repository.findBySlug(slug);
    if (!chain) throw DomainException.notFound('Chain');
    await this.repository.remove(chain);
    await this.changed(slug, 'deleted');
  }

  private async catalog(): Promise<ChainDto[]> {
    const { generation, chains } = await this.cache.read();
    if (chains) return chains;
    const loaded = (await this.repository.findAll()).map(toChainDto);
    await this.cache.write(generation, loaded);
    return loaded;
  }

  private async changed(slug: string, change: 'created' | 'updated' | 'deleted'): Promise<void> {
    await this.cache.invalidate();
    this.bus.emit(ChainsEvents.changed, { slug, change });
  }
}

function assertAdmin(actor: Actor): void {
  if (actor.role !== 'admin')
    throw DomainException.forbidden('Only platform admins can change the chain catalog');
}

function assertChainIdFits(ecosystem: string, chainId: number | null): void {
  if (ecosystem === 'evm' && chainId === null) {
    throw DomainException.invalid([{ field: 'chainId', message: 'chainId is required for EVM chains' }]);
  }
}
