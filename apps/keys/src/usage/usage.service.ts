import { Injectable } from '@nestjs/common';
import {
  DomainException,
  MAX_USAGE_RANGE_MS,
  parseIsoTime,
  TenancySubjects,
  type QueryKeyUsageRequest,
  type QueryKeyUsageResponse,
  type QueryOrgUsageRequest,
  type QueryOrgUsageResponse,
  type RecordUsageRequest,
  type RecordUsageResponse,
  type UsageRange,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { KeyAccess } from '../key/key-access';
import { UsageRepository, type UsageRow } from './usage.repository';

const BATCH_MEMORY_MS = 24 * 3600 * 1000;

/**
 * Records the request counts the gateways report in batches: hourly rows per key (and chain) for
 * usage reports, and each key's lastUsedAt, in one transaction per batch, once per batch id.
 */
@Injectable()
export class UsageService {
  constructor(
    private readonly usage: UsageRepository,
    private readonly access: KeyAccess,
    private readonly bus: BusClient,
  ) {}

  /** One key's hourly counts, for whoever may read the project's keys. */
  async queryKey(request: QueryKeyUsageRequest): Promise<QueryKeyUsageResponse> {
    const { from, to } = rangeOf(request);
    const key = await this.access.toKey(request.actor, request.keyId, 'keys:read');
    const hours = await this.usage.hoursOf(key.orgId, key.id, from, to);
    return {
      keyId: key.id,
      orgId: key.orgId,
      projectId: key.projectId,
      hours: hours.map((row) => ({ hour: row.hour.toISOString(), chain: row.chain, requests: row.requests })),
    };
  }

  /** Daily counts per project of an organisation, for whoever may read its keys. */
  async queryOrg(request: QueryOrgUsageRequest): Promise<QueryOrgUsageResponse> {
    const { from, to } = rangeOf(request);
    // Tenancy's not_found (not a member) and forbidden pass through as they are.
    const grant = await this.bus.send(TenancySubjects.checkAccess, {
      actor: request.actor,
      orgId: request.orgId,
      permission: 'keys:read',
    });
    if (grant.orgId !== request.orgId) throw DomainException.notFound('Organisation');
    return { orgId: grant.orgId, days: await this.usage.daysOfOrg(grant.orgId, from, to) };
  }

  record(request: RecordUsageRequest): Promise<RecordUsageResponse> {
    return this.usage.transactional(async (usage) => {
      if (!(await usage.claimBatch(request.batchId))) return { recorded: 0, duplicate: true };
      const tenants = await usage.findTenants([...new Set(request.entries.map((entry) => entry.keyId))]);
      const now = Date.now();
      const rows: UsageRow[] = [];
      const lastUsed = new Map<string, Date>();
      for (const entry of request.entries) {
        const tenant = tenants.get(entry.keyId);
        // A key deleted since the request was counted: nothing left to attribute it to.
        if (!tenant) continue;
        rows.push({
          keyId: entry.keyId,
          ...tenant,
          hour: new Date(parseIsoTime(entry.hour) ?? 0),
          chain: entry.chain ?? '',
          requests: entry.requests,
        });
        // A gateway's clock ahead of ours must not date a use in the future.
        const at = new Date(Math.min(parseIsoTime(entry.lastUsedAt) ?? 0, now));
        const known = lastUsed.get(entry.keyId);
        if (!known || at > known) lastUsed.set(entry.keyId, at);
      }
      await usage.addUsage(rows);
      await usage.touch(lastUsed);
      await usage.writeBackCredits(latestCredits(request.credits ?? []));
      await usage.forgetBatchesBefore(new Date(now - BATCH_MEMORY_MS));
      return { recorded: rows.length, duplicate: false };
    });
  }
}

/** One report per key: the latest period's, and in it the lowest count (the latest spend). */
function latestCredits(reports: NonNullable<RecordUsageRequest['credits']>): typeof reports {
  const byKey = new Map<string, (typeof reports)[number]>();
  for (const report of reports) {
    const known = byKey.get(report.keyId);
    const later =
      !known ||
      report.generation > known.generation ||
      (report.generation === known.generation &&
        (report.period > known.period ||
          (report.period === known.period && report.remaining < known.remaining)));
    if (later) byKey.set(report.keyId, report);
  }
  return [...byKey.values()];
}

function rangeOf(range: UsageRange): { from: Date; to: Date } {
  const from = parseIsoTime(range.from);
  const to = parseIsoTime(range.to);
  if (from === null)
    throw DomainException.invalid([{ field: 'from', message: 'from must be an ISO-8601 time' }]);
  if (to === null) throw DomainException.invalid([{ field: 'to', message: 'to must be an ISO-8601 time' }]);
  if (from > to) throw DomainException.invalid([{ field: 'from', message: 'from must not be after to' }]);
  if (to - from > MAX_USAGE_RANGE_MS) {
    throw DomainException.invalid([{ field: 'from', message: 'the range must not exceed 366 days' }]);
  }
  return { from: new Date(from), to: new Date(to) };
}
