import { Injectable } from '@nestjs/common';
import {
  DomainException,
  type AccessChangedEvent,
  type AccessGrant,
  type AnalyticsCaller,
} from '@northstar/contracts';
import { TenantAccess } from '@northstar/messaging';
import { LRUCache } from 'lru-cache';

// Dashboards fire several queries per screen: one tenancy answer serves them for a few seconds.
// Tenancy's broadcast of every membership change drops the entries at once; this expiry bounds how
// long a missed broadcast lets a removed member (or a demoted one) read on.
export const GRANT_TTL_MS = 10_000;

/**
 * Whether a caller may read a project's analytics. A user is asked about to tenancy (`analytics:read`,
 * through TenantAccess like every service), and the grant is kept for a few seconds; an API key, already authenticated by the gateway with the scope, and an
 * internal service (notifications evaluating an alert) may read their own project only. Another
 * organisation's project is not_found, like one that does not exist.
 */
@Injectable()
export class AnalyticsAccess {
  private readonly grants = new LRUCache<string, AccessGrant>({ max: 10_000, ttl: GRANT_TTL_MS });

  constructor(private readonly access: TenantAccess) {}

  /** Someone's access to the organisation changed (a removal, a new role, a deleted project). */
  forget(change: Pick<AccessChangedEvent, 'orgId' | 'userId'>): void {
    forgetGrants(this.grants, change);
  }

  /** Every grant goes (an unreadable change, or broadcasts missed while the bus was away). */
  forgetAll(): void {
    this.grants.clear();
  }

  /**
   * Throws unless the caller may read the project. Answers the project's time zone when tenancy told
   * it (users); a key caller has no grant to carry it, and gets undefined.
   */
  async assertCanRead(caller: AnalyticsCaller, projectId: string): Promise<{ timezone?: string }> {
    if (caller.actor) {
      // Two-factor sign-in (ours, or a provider's the organisation may trust) is part of the key: an
      // organisation that requires it grants one session and refuses another of the same user.
      const mfa = caller.actor.mfa === true ? 'mfa' : '';
      const via = caller.actor.mfaVia ?? '';
      const cacheKey = `${caller.actor.userId}:${caller.actor.role}:${mfa}:${via}:${projectId}`;
      const cached = this.grants.get(cacheKey);
      if (cached) return { timezone: cached.timezone };
      const grant = await this.access.toProject(caller.actor, projectId, 'analytics:read');
      this.grants.set(cacheKey, grant);
      return { timezone: grant.timezone };
    }
    // A key and an internal service (a trusted caller on the internal bus) read their own project only.
    const own = caller.key?.projectId ?? caller.service?.projectId;
    if (own !== projectId) throw projectNotFound();
    return {};
  }
}

/** Drops the grants a change of access may have voided (tenancy's `tenancy.access.changed`). */
export function forgetGrants(
  grants: LRUCache<string, AccessGrant>,
  change: Pick<AccessChangedEvent, 'orgId' | 'userId'>,
): void {
  for (const [cacheKey, grant] of grants.entries()) {
    if (grant.orgId !== change.orgId) continue;
    if (change.userId === undefined || cacheKey.startsWith(`${change.userId}:`)) grants.delete(cacheKey);
  }
}

export function projectNotFound(): DomainException {
  return DomainException.notFound('Project');
}
