import { Injectable, Logger } from '@nestjs/common';
import { DomainException, TenancySubjects } from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { retentionCutoff } from '@northstar/retention';
import { LRUCache } from 'lru-cache';

// A plan change reaches analytics within a minute; queries of a project within it share one answer.
const TTL_MS = 60_000;
// After tenancy failed to answer: queries go on without the check for this long before asking again.
const UNKNOWN_TTL_MS = 5000;

/**
 * How far back each project's plan keeps events (ingestion deletes what is older): a range reaching
 * before that is refused with a 400 naming `from`, rather than answered with counts that silently
 * miss the deleted days. Fails open: when tenancy cannot say, the range is answered.
 */
@Injectable()
export class ProjectRetention {
  private readonly logger = new Logger(ProjectRetention.name);
  private readonly days = new LRUCache<string, { days: number | null }>({ max: 10_000, ttl: TTL_MS });

  constructor(private readonly bus: BusClient) {}

  async assertWithin(projectId: string, from: Date, now = Date.now()): Promise<void> {
    const days = await this.daysOf(projectId);
    if (days === null) return;
    const start = retentionCutoff(now, days);
    if (from.getTime() >= start) return;
    throw DomainException.invalid(
      [
        {
          field: 'from',
          message: `from must be on or after ${new Date(start).toISOString()}: the plan keeps ${days} days of events`,
        },
      ],
      `The organisation's plan keeps ${days} days of events; older ones are deleted`,
    );
  }

  private async daysOf(projectId: string): Promise<number | null> {
    const cached = this.days.get(projectId);
    if (cached) return cached.days;
    try {
      const { items } = await this.bus.send(TenancySubjects.projectRetention, { projectIds: [projectId] });
      const days = items[0]?.retentionDays ?? null;
      this.days.set(projectId, { days });
      return days;
    } catch (error) {
      this.logger.warn(
        `Retention of project ${projectId} unknown, its range is not checked: ${String(error)}`,
      );
      this.days.set(projectId, { days: null }, { ttl: UNKNOWN_TTL_MS });
      return null;
    }
  }
}
