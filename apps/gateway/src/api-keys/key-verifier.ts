import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  hashApiKey,
  isApiKeyShaped,
  KEY_SCOPES,
  keyVerificationCacheKey,
  KeysSubjects,
  type KeyCreditsRecord,
  type KeyRateLimit,
  type KeyScope,
  type KeyVerification,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { timingSafeEqual } from 'node:crypto';
import { ApiKeysSettings } from './api-keys.settings';
import { API_KEYS_REDIS } from './api-keys.redis';
import { compileKeyRules, type KeyRules } from './key-rules';

/** The key a request was authenticated with, bound to the request for the route to use. */
export interface AuthenticatedKey {
  keyId: string;
  orgId: string;
  projectId: string;
  scopes: readonly KeyScope[];
  rateLimit: KeyRateLimit | null;
  /** Where the key may be used, compiled once per cached record (ApiKeyAdmission checks them). */
  rules: KeyRules;
  /** What seeds the key's credit counter (POST /v1/keys/verify spends it); null: unlimited. */
  credits?: KeyCreditsRecord | null;
}

export type KeyRefusal = 'malformed' | 'unknown' | 'revoked' | 'expired';

export type KeyOutcome = { ok: true; key: AuthenticatedKey } | { ok: false; refusal: KeyRefusal };

interface KnownKey {
  known: true;
  hash: Buffer;
  key: AuthenticatedKey;
  revoked: boolean;
  /** Epoch ms, or null for a key without expiry. */
  expiresAt: number | null;
}

type CacheEntry = KnownKey | { known: false };

const UNKNOWN: CacheEntry = { known: false };

/**
 * Verifies API keys on the hot path. The SHA-256 of the presented key is looked up in an in-process
 * LRU (positive entries live API_KEY_CACHE_TTL_SECONDS, unknown keys API_KEY_NEGATIVE_CACHE_TTL_SECONDS),
 * then in the Redis read model the keys service maintains, then by asking the keys service over the
 * bus. Revocations and changes broadcast by the keys service drop entries at once (`forget`); expiry
 * is checked against the clock on every request, never only when an entry is filled.
 */
@Injectable()
export class KeyVerifier {
  private readonly logger = new Logger(KeyVerifier.name);
  private readonly cache: LRUCache<string, CacheEntry>;
  /** keyId → hashes cached for it (a key has two secrets during a rotation's grace period). */
  private readonly hashesByKey = new Map<string, Set<string>>();
  private readonly loading = new Map<string, Promise<CacheEntry>>();
  // A load that started before a key was forgotten must not put the old record back.
  private forgetCount = 0;
  private readonly forgottenAt = new Map<string, number>();

  constructor(
    private readonly settings: ApiKeysSettings,
    @Inject(API_KEYS_REDIS) private readonly redis: Redis,
    private readonly bus: BusClient,
  ) {
    this.cache = new LRUCache<string, CacheEntry>({
      max: settings.API_KEY_CACHE_MAX_ENTRIES,
      ttl: settings.API_KEY_CACHE_TTL_SECONDS * 1000,
      dispose: (entry, hash) => {
        if (entry.known) this.unindex(entry.key.keyId, hash);
      },
    });
  }

  /** The outcome from memory alone, or undefined when the key is not in memory. */
  cached(presented: string, now = Date.now()): KeyOutcome | undefined {
    if (!isApiKeyShaped(presented)) return { ok: false, refusal: 'malformed' };
    const hash = hashApiKey(presented);
    const entry = this.cache.get(hash);
    return entry === undefined ? undefined : judge(entry, hash, now);
  }

  /**
   * The outcome from memory or the Redis read model, without asking the keys service; undefined when
   * neither knows the key. For a client address over its failure budget: its lookups stay cheap, and
   * the valid keys of others behind the same address still pass.
   */
  async known(presented: string, now = Date.now()): Promise<KeyOutcome | undefined> {
    const remembered = this.cached(presented, now);
    if (remembered) return remembered;
    const hash = hashApiKey(presented);
    const record = await this.fromRedis(hash);
    return record ? judge(toEntry(record, hash), hash, now) : undefined;
  }

  async verify(presented: string, now = Date.now()): Promise<KeyOutcome> {
    if (!isApiKeyShaped(presented)) return { ok: false, refusal: 'malformed' };
    const hash = hashApiKey(presented);
    const entry = this.cache.get(hash) ?? (await this.load(hash));
    return judge(entry, hash, now);
  }

  /** Drops every cached secret of these keys (a revocation or a change was broadcast). */
  forget(keyIds: readonly string[]): void {
    this.forgetCount += 1;
    for (const keyId of keyIds) {
      this.forgottenAt.set(keyId, this.forgetCount);
      for (const hash of [...(this.hashesByKey.get(keyId) ?? [])]) this.cache.delete(hash);
    }
    // Only loads in flight need the marks; they last a bus timeout at most.
    if (this.forgottenAt.size > 10_000 && this.loading.size === 0) this.forgottenAt.clear();
  }

  /** Drops everything (tests, and a bus reconnection after which broadcasts may have been missed). */
  clear(): void {
    this.cache.clear();
  }

  private load(hash: string): Promise<CacheEntry> {
    let pending = this.loading.get(hash);
    if (!pending) {
      pending = this.fetch(hash).finally(() => this.loading.delete(hash));
      this.loading.set(hash, pending);
    }
    return pending;
  }

  private async fetch(hash: string): Promise<CacheEntry> {
    const startedAt = this.forgetCount;
    const record = (await this.fromRedis(hash)) ?? (await this.bus.send(KeysSubjects.verify, { hash })).key;
    const entry = record ? toEntry(record, hash) : UNKNOWN;
    if (entry.known && (this.forgottenAt.get(entry.key.keyId) ?? 0) > startedAt) return entry;
    if (entry.known) {
      this.cache.set(hash, entry);
      this.index(entry.key.keyId, hash);
    } else {
      this.cache.set(hash, entry, { ttl: this.settings.API_KEY_NEGATIVE_CACHE_TTL_SECONDS * 1000 });
    }
    return entry;
  }

  // Redis is a shortcut, not a dependency: when it is away or holds junk, the bus answers.
  private async fromRedis(hash: string): Promise<KeyVerification | null> {
    try {
      const raw = await this.redis.get(keyVerificationCacheKey(hash));
      const parsed: unknown = raw ? JSON.parse(raw) : null;
      return isVerification(parsed) ? parsed : null;
    } catch (error) {
      this.logger.debug(`Key cache in Redis unavailable: ${String(error)}`);
      return null;
    }
  }

  private index(keyId: string, hash: string): void {
    const hashes = this.hashesByKey.get(keyId) ?? new Set<string>();
    hashes.add(hash);
    this.hashesByKey.set(keyId, hashes);
  }

  private unindex(keyId: string, hash: string): void {
    const hashes = this.hashesByKey.get(keyId);
    hashes?.delete(hash);
    if (hashes?.size === 0) this.hashesByKey.delete(keyId);
  }
}

function judge(entry: CacheEntry, hash: string, now: number): KeyOutcome {
  if (!entry.known) return { ok: false, refusal: 'unknown' };
  // The cache is keyed by this hash already; comparing it in constant time as well guards the
  // answer against any mix-up of entries without a timing signal.
  if (!timingSafeEqual(entry.hash, Buffer.from(hash, 'hex'))) return { ok: false, refusal: 'unknown' };
  if (entry.revoked) return { ok: false, refusal: 'revoked' };
  if (entry.expiresAt !== null && entry.expiresAt <= now) return { ok: false, refusal: 'expired' };
  return { ok: true, key: entry.key };
}

function toEntry(record: KeyVerification, hash: string): CacheEntry {
  if (record.hash !== hash) return UNKNOWN;
  const expiresAt = record.expiresAt === null ? null : Date.parse(record.expiresAt);
  return {
    known: true,
    hash: Buffer.from(hash, 'hex'),
    revoked: record.revoked,
    // An unreadable expiry is treated as already passed: refusing is the safe side.
    expiresAt: expiresAt === null || Number.isFinite(expiresAt) ? expiresAt : 0,
    key: Object.freeze({
      keyId: record.keyId,
      orgId: record.orgId,
      projectId: record.projectId,
      scopes: Object.freeze([...record.scopes]),
      rateLimit: record.rateLimit ? Object.freeze({ ...record.rateLimit }) : null,
      rules: compileKeyRules(record),
      credits: record.credits ? Object.freeze({ ...record.credits }) : null,
    }),
  };
}

const scopes = new Set<string>(KEY_SCOPES);

function isVerification(value: unknown): value is KeyVerification {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  const rateLimit = record['rateLimit'] as Record<string, unknown> | null | undefined;
  return (
    typeof record['keyId'] === 'string' &&
    typeof record['orgId'] === 'string' &&
    typeof record['projectId'] === 'string' &&
    typeof record['hash'] === 'string' &&
    Array.isArray(record['scopes']) &&
    record['scopes'].every((scope) => typeof scope === 'string' && scopes.has(scope)) &&
    (record['expiresAt'] === null || typeof record['expiresAt'] === 'string') &&
    typeof record['revoked'] === 'boolean' &&
    // Absent in records written before keys had allowlists: those keys have none.
    isOptionalList(record['allowedOrigins'], 'string') &&
    isOptionalList(record['allowedIps'], 'string') &&
    isOptionalList(record['allowedChains'], 'string') &&
    isOptionalList(record['allowedChainIds'], 'number') &&
    (rateLimit === null ||
      (typeof rateLimit === 'object' &&
        rateLimit !== undefined &&
        Number.isInteger(rateLimit['limit']) &&
        Number.isInteger(rateLimit['windowSeconds']))) &&
    isOptionalCredits(record['credits'])
  );
}

// Absent in records written before keys had credits: unlimited.
function isOptionalCredits(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'object') return false;
  const credits = value as Record<string, unknown>;
  const refill = credits['refill'] as Record<string, unknown> | null | undefined;
  return (
    Number.isInteger(credits['remaining']) &&
    Number.isInteger(credits['generation']) &&
    Number.isInteger(credits['period']) &&
    (refill === null ||
      (typeof refill === 'object' &&
        refill !== undefined &&
        (refill['interval'] === 'daily' || refill['interval'] === 'monthly') &&
        Number.isInteger(refill['amount'])))
  );
}

function isOptionalList(value: unknown, type: 'string' | 'number'): boolean {
  return value === undefined || (Array.isArray(value) && value.every((item) => typeof item === type));
}
