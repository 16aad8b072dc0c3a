import { Injectable } from '@nestjs/common';
import { parseIsoTime, type RecordUsageRequest, type RecordUsageResponse } from '@northstar/contracts';
import { UsageRepository, type UsageRow } from './usage.repository';

const BATCH_MEMORY_MS = 24 * 3600 * 1000;

/**
 * Records the request counts the gateways report in batches: hourly rows per key (and chain) for
 * usage reports, and each key's lastUsedAt, in one transaction per batch, once per batch id.
 */
@Injectable()
export class UsageService {
  constructor(private readonly usage: UsageRepository) {}

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
      await usage.forgetBatchesBefore(new Date(now - BATCH_MEMORY_MS));
      return { recorded: rows.length, duplicate: false };
    });
  }
}
