import { Injectable } from '@nestjs/common';
import {
  ChainsBroadcasts,
  ChainsSubjects,
  cursorCodec,
  cursorFields,
  pageLimit,
  toPage,
  DomainException,
  type Actor,
  type ChainActor,
  type ChainAuditPage,
  type ChainChange,
  type ChainDto,
  type ChainInput,
  type ChainListResponse,
  type ChainPatch,
  type ListChainAuditRequest,
  type ListChainsRequest,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { ChainCache } from './chain.cache';
import { Chain } from './chain.entity';
import { applyInput, newAuditEntry, toAuditEntryDto, toChainDto } from './chain.mapper';
import { ChainRepository, type AuditPosition } from './chain.repository';

// The catalog is listed by slug.
const chainsCursor = cursorCodec<{ slug: string }>(ChainsSubjects.list, { slug: cursorFields.slug });
const auditCursor = cursorCodec<AuditPosition>(ChainsSubjects.audit, {
  at: cursorFields.time,
  id: cursorFields.uuid,
});

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
    const limit = pageLimit(query.limit);
    const matching = (await this.catalog()).filter(
      (chain) =>
        (query.ecosystem === undefined || chain.ecosystem === query.ecosystem) &&
        (query.testnet === undefined || chain.testnet === query.testnet) &&
        (query.status === undefined || chain.status === query.status) &&
        (after === null || chain.slug > after),
    );
    return toPage(
      matching,
      limit,
      chainsCursor,
      (chain) => ({ slug: chain.slug }),
      (chain) => chain,
    );
  }

  async get(slug: string): Promise<ChainDto> {
    const chain = (await this.catalog()).find((candidate) => candidate.slug === slug);
    if (!chain) throw DomainException.notFound('Chain');
    return chain;
  }

  async create(actor: ChainActor, input: ChainInput): Promise<ChainDto> {
    assertAdmin(actor);
    assertChainIdFits(input.ecosystem, input.chainId ?? null);
    if (await this.repository.findBySlug(input.slug)) {
      throw DomainException.conflict(`A chain with slug "${input.slug}" already exists`);
    }
    const chain = applyInput(new Chain(), input);
    const after = toChainDto(chain);
    await this.repository.save(chain, newAuditEntry(actor, 'created', chain.slug, null, after));
    await this.changed(chain.slug, 'created');
    return after;
  }

  async update(actor: ChainActor, slug: string, patch: ChainPatch): Promise<ChainDto> {
    assertAdmin(actor);
    const chain = await this.repository.findBySlug(slug);
    if (!chain) throw DomainException.notFound('Chain');
    const before = toChainDto(chain);
    applyInput(chain, patch);
    assertChainIdFits(chain.ecosystem, chain.chainId);
    const after = toChainDto(chain);
    await this.repository.save(chain, newAuditEntry(actor, 'updated', slug, before, after));
    await this.changed(slug, 'updated');
    return after;
  }

  async delete(actor: ChainActor, slug: string): Promise<void> {
    assertAdmin(actor);
    const chain = await this.repository.findBySlug(slug);
    if (!chain) throw DomainException.notFound('Chain');
    await this.repository.remove(chain, newAuditEntry(actor, 'deleted', slug, toChainDto(chain), null));
    await this.changed(slug, 'deleted');
  }

  /** The audit log, newest first; only admins read it, as only they write the catalog. */
  async audit(request: ListChainAuditRequest): Promise<ChainAuditPage> {
    assertAdmin(request.actor);
    const after = auditCursor.decodeOptional(request.cursor) ?? null;
    const limit = pageLimit(request.limit);
    const rows = await this.repository.listAudit(request.chain ?? null, after, limit + 1);
    return toPage(rows, limit, auditCursor, (entry) => ({ at: entry.at, id: entry.id }), toAuditEntryDto);
  }

  private async catalog(): Promise<ChainDto[]> {
    const { generation, chains } = await this.cache.read();
    if (chains) return chains;
    const loaded = (await this.repository.findAll()).map(toChainDto);
    await this.cache.write(generation, loaded);
    return loaded;
  }

  private async changed(slug: string, change: ChainChange): Promise<void> {
    await this.cache.invalidate();
    this.bus.emit(ChainsBroadcasts.changed, { slug, change });
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
