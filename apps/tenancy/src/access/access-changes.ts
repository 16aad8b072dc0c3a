import { Injectable } from '@nestjs/common';
import { TenancyBroadcasts } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { AccessCache } from './access.cache';

/**
 * What follows a committed change of who may access what: this service's cache drops its entries, and
 * a broadcast tells the other services' local caches to drop theirs.
 */
@Injectable()
export class AccessChanges {
  constructor(
    private readonly cache: AccessCache,
    private readonly bus: BusClient,
  ) {}

  async memberChanged(orgId: string, userId: string): Promise<void> {
    await this.cache.invalidateOrg(orgId);
    this.bus.emit(TenancyBroadcasts.accessChanged, { orgId, userId });
  }

  /** The organisation's two-factor requirement changed: every member's cached access follows at once. */
  async orgRulesChanged(orgId: string): Promise<void> {
    await this.cache.invalidateOrg(orgId);
    this.bus.emit(TenancyBroadcasts.accessChanged, { orgId });
  }

  /** A project's time zone changed: analytics' default zone follows at once (not after the cache TTL). */
  async projectChanged(orgId: string, projectId: string): Promise<void> {
    await this.cache.forgetProjectPlace(projectId);
    this.bus.emit(TenancyBroadcasts.accessChanged, { orgId, projectId });
  }

  async projectsDeleted(orgId: string, projectIds: string[]): Promise<void> {
    await this.cache.forgetProjects(projectIds);
    for (const projectId of projectIds) this.bus.emit(TenancyBroadcasts.accessChanged, { orgId, projectId });
  }

  async orgDeleted(orgId: string, projectIds: string[]): Promise<void> {
    await Promise.all([this.cache.invalidateOrg(orgId), this.cache.forgetProjects(projectIds)]);
    this.bus.emit(TenancyBroadcasts.accessChanged, { orgId });
  }
}
