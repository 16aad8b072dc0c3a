import { Inject, Injectable, Logger } from '@nestjs/common';
import { ORG_ROLES, type OrgRole } from '@northstar/contracts';
import { REDIS, stampGeneration, unstampGeneration } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { TenancyConfig } from '../config';
import type { MfaRules } from './mfa-required';

const NOT_A_MEMBER = '-';
const DELETED = '-';
// Outlives every entry written under it many times over: when it expires and the generation falls
// back to 0, the entries written under the old generation 0 are long gone.
const GENERATION_TTL_SECONDS = 24 * 3600;

// The organisation's hash tag on its generation and its roles: the read script touches both, which a
// Redis Cluster runs only in one slot.
const generationKey = (orgId: string) => `tenancy:org:{${orgId}}:generation`;
const roleKey = (orgId: string, userId: string) => `tenancy:org:{${orgId}}:member:${userId}`;
// The project's organisation and time zone, `<orgId> <zone>` (zone names have no spaces).
const projectKey = (projectId: string) => `tenancy:project:${projectId}:org-zone`;

// One round trip: the organisation's current generation and the role cached with the generation it
// was written under (`<generation>|<role>`).
const READ_ROLE_SCRIPT = `
return { redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]) }
`;

const isRole = (value: string): value is OrgRole => (ORG_ROLES as readonly string[]).includes(value);
// Appended to a cached role when the organisation requires two factors: one read answers both. The
// providers it trusts follow, `owner+mfa:corp,okta` (provider ids have neither `:` nor `,`).
const REQUIRES_MFA = '+mfa';
const TRUSTED = ':';

/** A member's role, and the organisation's two-factor rules that apply to it. */
export interface MemberAccess extends MfaRules {
  role: OrgRole;
}

function encode(access: MemberAccess): string {
  if (!access.requireMfa) return access.role;
  const trusted =
    access.trustedMfaProviders.length > 0 ? `${TRUSTED}${access.trustedMfaProviders.join(',')}` : '';
  return `${access.role}${REQUIRES_MFA}${trusted}`;
}

function decode(cached: string): MemberAccess | null {
  const at = cached.indexOf(REQUIRES_MFA);
  if (at < 0) return isRole(cached) ? { role: cached, requireMfa: false, trustedMfaProviders: [] } : null;
  const role = cached.slice(0, at);
  const rest = cached.slice(at + REQUIRES_MFA.length);
  const trustedMfaProviders = rest.startsWith(TRUSTED) ? rest.slice(TRUSTED.length).split(',') : [];
  return isRole(role) ? { role, requireMfa: true, trustedMfaProviders } : null;
}

/** What the cache knows: a value, "known absent" (null), or nothing (undefined: ask the database). */
export type Cached<T> = T | null | undefined;

/** Where a project belongs, and the zone its days are counted in. */
export interface ProjectPlace {
  orgId: string;
  timezone: string;
}

/**
 * Membership and project lookups of access checks, cached in Redis.
 *
 * Roles are cached with the organisation's generation number they were loaded under; every
 * membership change and the organisation's deletion bump it, so a reader that loaded the database
 * just before a change can only write a role stamped with a generation nobody accepts any more (at
 * worst it overwrites a newer entry, which then reads as a miss). A project's organisation never
 * changes, only its existence: deletion writes a tombstone, and readers write the mapping only if no
 * key is there (SET NX), so a late reader cannot resurrect a deleted project.
 *
 * Redis being down costs speed, never correctness of reads: every failure reads as a miss.
 */
@Injectable()
export class AccessCache {
  private readonly logger = new Logger(AccessCache.name);

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: TenancyConfig,
  ) {}

  async readRole(orgId: string, userId: string): Promise<{ generation: string; role: Cached<MemberAccess> }> {
    try {
      const [generation, stamped] = (await this.redis.eval(
        READ_ROLE_SCRIPT,
        2,
        generationKey(orgId),
        roleKey(orgId, userId),
      )) as [string, string | null];
      const cached = unstampGeneration(stamped, generation);
      if (cached === null) return { generation, role: undefined };
      return { generation, role: decode(cached) };
    } catch (error) {
      this.logger.warn(`Access cache unavailable: ${String(error)}`);
      return { generation: '', role: undefined };
    }
  }

  async writeRole(
    orgId: string,
    userId: string,
    generation: string,
    access: MemberAccess | null,
  ): Promise<void> {
    if (!generation) return;
    const value = access ? encode(access) : NOT_A_MEMBER;
    await this.redis
      .set(roleKey(orgId, userId), stampGeneration(generation, value), 'EX', this.ttl)
      .catch((error: unknown) => this.logger.warn(`Access cache write failed: ${String(error)}`));
  }

  async readProject(projectId: string): Promise<Cached<ProjectPlace>> {
    try {
      const cached = await this.redis.get(projectKey(projectId));
      if (cached === null) return undefined;
      if (cached === DELETED) return null;
      const [orgId, timezone] = cached.split(' ');
      return timezone ? { orgId, timezone } : undefined;
    } catch (error) {
      this.logger.warn(`Access cache unavailable: ${String(error)}`);
      return undefined;
    }
  }

  async writeProject(projectId: string, place: ProjectPlace): Promise<void> {
    await this.redis
      .set(projectKey(projectId), `${place.orgId} ${place.timezone}`, 'EX', this.ttl, 'NX')
      .catch((error: unknown) => this.logger.warn(`Access cache write failed: ${String(error)}`));
  }

  /**
   * Drops every cached role of the organisation (and with them its two-factor requirement). Call
   * after the change is committed.
   */
  async invalidateOrg(orgId: string): Promise<void> {
    try {
      await this.redis
        .multi()
        .incr(generationKey(orgId))
        .expire(generationKey(orgId), GENERATION_TTL_SECONDS)
        .exec();
    } catch (error) {
      // The change is committed; the entries' expiry is all that is left to bound staleness.
      this.logger.error(`Access cache invalidation of organisation ${orgId} failed: ${String(error)}`);
    }
  }

  /**
   * Drops a project's cached place after a committed change of its time zone. A reader that loaded
   * the old zone just before may write it back; the entry's expiry bounds that.
   */
  async forgetProjectPlace(projectId: string): Promise<void> {
    const key = projectKey(projectId);
    // Never removes a tombstone: only entries holding a place (`<orgId> <zone>`) are dropped.
    await this.redis
      .eval(
        "local v = redis.call('GET', KEYS[1]) if v and v ~= ARGV[1] then redis.call('DEL', KEYS[1]) end return 1",
        1,
        key,
        DELETED,
      )
      .catch((error: unknown) => this.logger.warn(`Access cache invalidation failed: ${String(error)}`));
  }

  /** Marks projects as gone. Call after the deletion is committed. */
  async forgetProjects(projectIds: string[]): Promise<void> {
    if (projectIds.length === 0) return;
    try {
      const pipeline = this.redis.pipeline();
      // Longer than any entry a reader could still write: such a write (SET NX) then finds the tombstone.
      for (const id of projectIds) pipeline.set(projectKey(id), DELETED, 'EX', this.ttl * 2);
      await pipeline.exec();
    } catch (error) {
      this.logger.error(`Access cache invalidation of projects failed: ${String(error)}`);
    }
  }

  private get ttl(): number {
    return this.config.TENANCY_ACCESS_CACHE_TTL_SECONDS;
  }
}
