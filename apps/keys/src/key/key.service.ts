import { Injectable, Logger } from '@nestjs/common';
import {
  BusErrorCode,
  ChainsSubjects,
  creditPeriodOf,
  cursorCodec,
  cursorFields,
  pageLimit,
  toPage,
  DomainException,
  formatOriginPattern,
  KeysSubjects,
  parseOriginPattern,
  planLimitReached,
  TenancySubjects,
  type CountOrgKeysRequest,
  type OrgKeyCountResponse,
  parseIsoTime,
  type ApiKeyDto,
  type ApiKeyListResponse,
  type ChainDto,
  type CreatedApiKeyDto,
  type CreateKeyRequest,
  type KeyCredits,
  type KeyEndpointDto,
  type KeyRateLimit,
  type KeyRequest,
  type ListKeysRequest,
  type ProjectDeletedEvent,
  type RotatedApiKeyDto,
  type RotateKeyRequest,
  type UpdateKeyRequest,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { Transactions } from '@northstar/persistence';
import { KeysConfig } from '../config';
import { ApiKey } from './api-key.entity';
import { KeyAccess } from './key-access';
import { CreditCounters } from '../verification/credit-counters';
import { KeyChanges } from './key-changes';
import { generateApiKey } from './key-generator';
import { KeySecret } from './key-secret.entity';
import { toApiKeyDto } from './key.mapper';
import { KeyRepository, type KeyPagePosition } from './key.repository';

// The catalog is small; the bound only keeps a misbehaving cursor from looping forever.
const MAX_CHAIN_PAGES = 50;
const CHAIN_PAGE_SIZE = 200;

// A project's keys are listed newest first, by creation time and then id.
const keysCursor = cursorCodec<KeyPagePosition>(KeysSubjects.list, {
  createdAt: cursorFields.time,
  id: cursorFields.uuid,
});

/**
 * The rules of API keys: issuing (within the organisation's plan's maxKeys), reading, changing,
 * rotating and revoking them, per project.
 */
@Injectable()
export class KeyService {
  private readonly logger = new Logger(KeyService.name);

  constructor(
    private readonly keys: KeyRepository,
    private readonly access: KeyAccess,
    private readonly changes: KeyChanges,
    private readonly bus: BusClient,
    private readonly config: KeysConfig,
    private readonly creditCounters: CreditCounters,
    private readonly transactions: Transactions,
  ) {}

  async create(request: CreateKeyRequest): Promise<CreatedApiKeyDto> {
    const grant = await this.access.toProject(request.actor, request.projectId, 'keys:manage');
    // Asked of tenancy every time, like access: creating keys is not a hot path.
    const { plan } = await this.bus.send(TenancySubjects.orgPlanLimits, { orgId: grant.orgId });
    const now = new Date();
    const key = new ApiKey();
    key.orgId = grant.orgId;
    key.projectId = request.projectId;
    key.name = request.name;
    key.scopes = [...request.scopes];
    key.createdBy = request.actor.userId;
    key.expiresAt = futureTime(request.expiresAt ?? null, now);
    // Absent takes the plan's default; an explicit null asks for no per-key limit.
    setRateLimit(
      key,
      request.rateLimit === undefined && plan.defaultKeyRateLimit !== null
        ? { limit: plan.defaultKeyRateLimit, windowSeconds: 60 }
        : (request.rateLimit ?? null),
    );
    setCredits(key, request.credits ?? null, now);
    await this.setAllowlists(key, request);
    const generated = generateApiKey(this.config.KEYS_ENVIRONMENT);
    key.prefix = generated.prefix;
    await this.transactions.run(async () => {
      await this.keys.lockOrgCreations(grant.orgId);
      // Revoking or letting keys expire makes room again; a lowered plan takes no key away.
      if ((await this.keys.countActiveOfOrg(grant.orgId, now)) >= plan.maxKeys) {
        throw planLimitReached(plan, 'maxKeys', plan.maxKeys);
      }
      await this.keys.save(key, newSecret(key, generated.hash, generated.prefix));
    });
    return { ...toApiKeyDto(key), key: generated.key };
  }

  /**
   * The organisation's active keys, for its plan's usage: `keys:read` on the organisation, or a
   * platform admin (who changes plans, and sees the usage in the answer, without being a member).
   */
  async countOfOrg(request: CountOrgKeysRequest): Promise<OrgKeyCountResponse> {
    const { orgId } = request;
    if (request.actor.role === 'admin') {
      return { orgId, active: await this.keys.countActiveOfOrg(orgId, new Date()) };
    }
    // Tenancy's not_found (not a member) and forbidden pass through as they are.
    const grant = await this.bus.send(TenancySubjects.checkAccess, {
      actor: request.actor,
      orgId: request.orgId,
      permission: 'keys:read',
    });
    if (grant.orgId !== request.orgId) throw DomainException.notFound('Organisation');
    return { orgId: grant.orgId, active: await this.keys.countActiveOfOrg(grant.orgId, new Date()) };
  }

  async list(request: ListKeysRequest): Promise<ApiKeyListResponse> {
    const after = keysCursor.decodeOptional(request.cursor);
    const grant = await this.access.toProject(request.actor, request.projectId, 'keys:read');
    const limit = pageLimit(request.limit);
    const page = await this.keys.listForProject(grant.orgId, request.projectId, after, limit + 1);
    return toPage(page, limit, keysCursor, (key) => ({ createdAt: key.createdAt, id: key.id }), toApiKeyDto);
  }

  async get(request: KeyRequest): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.access.toKey(request.actor, request.keyId, 'keys:read'));
  }

  async update(request: UpdateKeyRequest): Promise<ApiKeyDto> {
    const key = await this.access.toKey(request.actor, request.keyId, 'keys:manage');
    assertNotRevoked(key);
    if (request.name !== undefined) key.name = request.name;
    if (request.scopes !== undefined) key.scopes = [...request.scopes];
    if (request.expiresAt !== undefined) key.expiresAt = futureTime(request.expiresAt, new Date());
    if (request.rateLimit !== undefined) setRateLimit(key, request.rateLimit);
    if (request.credits !== undefined) setCredits(key, request.credits, new Date());
    await this.setAllowlists(key, request);
    await this.keys.save(key);
    // Before the broadcast: a gateway that drops the key and verifies it again finds the new count.
    if (request.credits !== undefined) await this.creditCounters.reset(key);
    await this.changes.updated(key, 'updated');
    return toApiKeyDto(key);
  }

  async rotate(request: RotateKeyRequest): Promise<RotatedApiKeyDto> {
    const key = await this.access.toKey(request.actor, request.keyId, 'keys:manage');
    assertNotRevoked(key);
    const now = new Date();
    const graceEnds = new Date(now.getTime() + (request.gracePeriodSeconds ?? 0) * 1000);
    // Every secret still valid now (the current one, and one left in an earlier grace) ends at the
    // latest when this grace does.
    const previous = await this.keys.findLiveSecrets(key, now);
    for (const secret of previous) {
      if (secret.expiresAt === null || secret.expiresAt > graceEnds) secret.expiresAt = graceEnds;
    }
    const generated = generateApiKey(this.config.KEYS_ENVIRONMENT);
    key.prefix = generated.prefix;
    await this.keys.save(key, ...previous, newSecret(key, generated.hash, generated.prefix));
    await this.changes.updated(key, 'rotated', previous);
    return { ...toApiKeyDto(key), key: generated.key, previousKeyExpiresAt: graceEnds.toISOString() };
  }

  /** Idempotent: revoking a revoked key answers as the first time did. */
  async revoke(request: KeyRequest): Promise<void> {
    const key = await this.access.toKey(request.actor, request.keyId, 'keys:manage');
    if (key.revokedAt !== null) return;
    key.revokedAt = new Date();
    await this.keys.save(key);
    await this.changes.revoked([key], 'revoked');
  }

  /** A deleted project's keys all stop working. Idempotent: the event may come more than once. */
  async revokeProject(event: ProjectDeletedEvent): Promise<void> {
    const { orgId, projectId } = event;
    const revoked = await this.keys.revokeLiveKeysOfProject(orgId, projectId, new Date(event.deletedAt));
    await this.changes.revoked(revoked, 'project_deleted');
    if (revoked.length > 0)
      this.logger.log(`Revoked ${revoked.length} key(s) of deleted project ${projectId}`);
  }

  /**
   * The RPC endpoints of every active chain for this key. Only the key's hash is stored, so the URLs
   * keep the chain template's `{key}` placeholder for the caller to fill with the key it saved.
   */
  async endpoints(request: KeyRequest): Promise<KeyEndpointDto[]> {
    const key = await this.access.toKey(request.actor, request.keyId, 'keys:read');
    if (key.revokedAt !== null) {
      throw new DomainException(BusErrorCode.Unprocessable, 'The key is revoked: it has no endpoints');
    }
    if (!key.scopes.includes('rpc')) {
      throw new DomainException(
        BusErrorCode.Unprocessable,
        'The key does not have the rpc scope: add it to use the RPC endpoints',
      );
    }
    // A key bound to some chains is only given the endpoints it may use.
    const allowed = key.allowedChains.length > 0 ? new Set(key.allowedChains) : null;
    const chains = (await this.chainCatalog('active')).filter((chain) => allowed?.has(chain.slug) ?? true);
    return chains.map((chain) => ({
      chain: chain.slug,
      chainId: chain.chainId,
      http: chain.rpc.http,
      ws: chain.rpc.ws,
    }));
  }

  /**
   * Sets the allowlists the request names (absent: unchanged; null or []: no restriction). Chain slugs
   * must be in the catalog (in any status: a chain paused for maintenance stays allowed); their EIP-155
   * ids are kept beside them for the gateway to check events with.
   */
  private async setAllowlists(
    key: ApiKey,
    request: Pick<UpdateKeyRequest, 'allowedOrigins' | 'allowedIps' | 'allowedChains'>,
  ): Promise<void> {
    if (request.allowedOrigins !== undefined) {
      // Stored in the form browsers send (lower case, no default port), once each.
      const origins = (request.allowedOrigins ?? []).map((origin) => parseOriginPattern(origin));
      key.allowedOrigins = unique(origins.flatMap((origin) => (origin ? [formatOriginPattern(origin)] : [])));
    }
    if (request.allowedIps !== undefined) key.allowedIps = unique(request.allowedIps ?? []);
    if (request.allowedChains !== undefined) {
      const slugs = unique(request.allowedChains ?? []);
      const catalog = slugs.length > 0 ? await this.chainCatalog() : [];
      const bySlug = new Map(catalog.map((chain) => [chain.slug, chain]));
      const unknown = slugs.filter((slug) => !bySlug.has(slug));
      if (unknown.length > 0) {
        throw DomainException.invalid([
          {
            field: 'allowedChains',
            message: `allowedChains names ${unknown.length === 1 ? 'a chain' : 'chains'} not in the catalog: ${unknown.join(', ')}`,
          },
        ]);
      }
      key.allowedChains = slugs;
      key.allowedChainIds = chainIdsOf(slugs, bySlug);
    }
  }

  /**
   * A chain of the catalog changed (its EIP-155 id may have) or was deleted: the keys naming it get
   * their chain ids resolved again, and the gateways hear of each key that changed. Answers how many.
   */
  async chainChanged(slug: string): Promise<number> {
    const keys = await this.keys.findLiveKeysNamingChain(slug);
    if (keys.length === 0) return 0;
    const bySlug = new Map((await this.chainCatalog()).map((chain) => [chain.slug, chain]));
    let changed = 0;
    for (const key of keys) {
      const chainIds = chainIdsOf(key.allowedChains, bySlug);
      if (sameMembers(chainIds, key.allowedChainIds)) continue;
      key.allowedChainIds = chainIds;
      await this.keys.save(key);
      await this.changes.updated(key, 'updated');
      changed += 1;
    }
    return changed;
  }

  // Asked of the chains service every time: keys keeps no copy of the catalog.
  private async chainCatalog(status?: 'active'): Promise<ChainDto[]> {
    const chains: ChainDto[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_CHAIN_PAGES; page++) {
      const answer = await this.bus.send(ChainsSubjects.list, {
        ...(status === undefined ? {} : { status }),
        limit: CHAIN_PAGE_SIZE,
        ...(cursor === undefined ? {} : { cursor }),
      });
      chains.push(...answer.items);
      if (answer.nextCursor === null) return chains;
      cursor = answer.nextCursor;
    }
    throw new Error(`The chain catalog did not end after ${MAX_CHAIN_PAGES} pages`);
  }
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The EIP-155 ids of the slugs that have one (a chain outside EVM, or deleted, has none). */
function chainIdsOf(slugs: readonly string[], bySlug: ReadonlyMap<string, ChainDto>): number[] {
  return unique(
    slugs.flatMap((slug) => {
      const chainId = bySlug.get(slug)?.chainId;
      return chainId === null || chainId === undefined ? [] : [chainId];
    }),
  );
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  const set = new Set(b);
  return a.length === set.size && a.every((value) => set.has(value));
}

function newSecret(key: ApiKey, hash: string, prefix: string): KeySecret {
  const secret = new KeySecret();
  secret.key = key;
  secret.hash = hash;
  secret.prefix = prefix;
  return secret;
}

function setRateLimit(key: ApiKey, rateLimit: KeyRateLimit | null): void {
  key.rateLimit = rateLimit?.limit ?? null;
  key.rateLimitWindowSeconds = rateLimit?.windowSeconds ?? null;
}

/**
 * New credits replace the count outright, in a new generation: the gateways' Redis counter, seeded
 * from an older generation, is reseeded from these at the next verification (explicit invalidation:
 * the change's broadcast drops the cached record that carries the generation).
 */
function setCredits(key: ApiKey, credits: KeyCredits | null, now: Date): void {
  key.creditsGeneration += 1;
  key.creditsRemaining = credits?.remaining ?? null;
  key.creditsRefillInterval = credits?.refill?.interval ?? null;
  key.creditsRefillAmount = credits?.refill?.amount ?? null;
  key.creditsPeriod = creditPeriodOf(key.creditsRefillInterval, now.getTime());
}

function futureTime(value: string | null, now: Date): Date | null {
  if (value === null) return null;
  const ms = parseIsoTime(value);
  if (ms === null || ms <= now.getTime()) {
    throw DomainException.invalid([{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
  }
  return new Date(ms);
}

function assertNotRevoked(key: ApiKey): void {
  if (key.revokedAt !== null) throw DomainException.conflict('The key is revoked and cannot change any more');
}
