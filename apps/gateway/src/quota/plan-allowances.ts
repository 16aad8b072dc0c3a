import { Injectable, Logger } from '@nestjs/common';
import { TenancySubjects } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { LRUCache } from 'lru-cache';
import { GatewayConfig } from '../config';

// After tenancy failed to answer, ingestion goes on without a quota for this long before asking again.
const UNKNOWN_TTL_MS = 5000;
const MAX_ORGS = 100_000;

/**
 * The monthly event allowance of each organisation's plan, asked of tenancy once per
 * PLAN_CACHE_TTL_SECONDS per organisation and gateway, and dropped at once when tenancy broadcasts a
 * plan change (PlanChangeListener; the expiry covers a broadcast missed). Concurrent first requests
 * of an organisation share one question.
 */
@Injectable()
export class PlanAllowances {
  private readonly logger = new Logger(PlanAllowances.name);
  private readonly cache: LRUCache<string, { monthlyEvents: number | null }>;
  private readonly asking = new Map<string, Promise<number | null>>();

  constructor(
    config: GatewayConfig,
    private readonly bus: BusClient,
  ) {
    this.cache = new LRUCache({ max: MAX_ORGS, ttl: config.PLAN_CACHE_TTL_SECONDS * 1000 });
  }

  /** The organisation's plan changed: the next request asks tenancy again. */
  forget(orgId: string): void {
    this.cache.delete(orgId);
  }

  /** Every organisation's (broadcasts may have been missed). */
  forgetAll(): void {
    this.cache.clear();
  }

  /** The allowance, or null when tenancy cannot say (the quota is then not applied). */
  async monthlyEvents(orgId: string): Promise<number | null> {
    const cached = this.cache.get(orgId);
    if (cached) return cached.monthlyEvents;
    let asking = this.asking.get(orgId);
    if (!asking) {
      asking = this.ask(orgId).finally(() => this.asking.delete(orgId));
      this.asking.set(orgId, asking);
    }
    return asking;
  }

  private async ask(orgId: string): Promise<number | null> {
    try {
      const { plan } = await this.bus.send(TenancySubjects.orgPlanLimits, { orgId });
      this.cache.set(orgId, { monthlyEvents: plan.monthlyEvents });
      return plan.monthlyEvents;
    } catch (error) {
      this.logger.warn(
        `Plan of organisation ${orgId} unknown, its quota is not applied for now: ${String(error)}`,
      );
      this.cache.set(orgId, { monthlyEvents: null }, { ttl: UNKNOWN_TTL_MS });
      return null;
    }
  }
}
