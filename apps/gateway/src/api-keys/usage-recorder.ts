import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  KeysSubjects,
  MAX_USAGE_ENTRIES,
  type KeyCreditsReport,
  type KeyUsageEntry,
  type RecordUsageRequest,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { PeriodicTask } from '@northstar/service-runtime';
import { randomUUID } from 'node:crypto';
import { ApiKeysSettings } from './api-keys.settings';

const HOUR_MS = 3600_000;

interface Counter {
  keyId: string;
  hour: number;
  chain?: string;
  requests: number;
  lastUsedAt: number;
}

/**
 * Counts the requests made with each key in memory, per hour (and chain, for RPC), and sends the
 * counts to the keys service every API_KEY_USAGE_FLUSH_MS: a request never waits for the recording.
 * A batch that fails is sent again, with the same id, until the keys service has it (it counts a
 * batch id once), so a lost reply does not count twice. Counts of a process that dies unflushed are
 * lost: usage is for reports, not for billing to the request.
 */
@Injectable()
export class UsageRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(UsageRecorder.name);
  private counters = new Map<string, Counter>();
  private credits = new Map<string, KeyCreditsReport>();
  private pending: RecordUsageRequest | null = null;
  private readonly flusher: PeriodicTask;

  constructor(
    settings: ApiKeysSettings,
    private readonly bus: BusClient,
  ) {
    this.flusher = new PeriodicTask(() => this.send(), settings.API_KEY_USAGE_FLUSH_MS);
  }

  record(keyId: string, now = Date.now(), chain?: string): void {
    const hour = now - (now % HOUR_MS);
    const id = `${keyId}|${hour}|${chain ?? ''}`;
    const counter = this.counters.get(id);
    if (counter) {
      counter.requests += 1;
      if (now > counter.lastUsedAt) counter.lastUsedAt = now;
    } else {
      this.counters.set(id, { keyId, hour, ...(chain ? { chain } : {}), requests: 1, lastUsedAt: now });
    }
  }

  /**
   * Remembers what a spend left of a key's credits, to write back to the key with the next flush.
   * Why not at each spend: the exact count is Redis's, and PostgreSQL only needs it to seed a counter
   * Redis has lost, or to show it on the key; one write per key per flush interval bounds that lag to
   * API_KEY_USAGE_FLUSH_MS without putting a database round trip on any verification.
   */
  recordCredits(report: KeyCreditsReport): void {
    const known = this.credits.get(report.keyId);
    // Answers of concurrent spends arrive in any order: within one generation and period, the lowest.
    const newer =
      !known ||
      report.generation > known.generation ||
      (report.generation === known.generation &&
        (report.period > known.period ||
          (report.period === known.period && report.remaining < known.remaining)));
    if (newer) this.credits.set(report.keyId, report);
  }

  onApplicationBootstrap(): void {
    this.flusher.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.flusher.stop({ finalRun: true });
  }

  /** Sends what was counted so far; at most one flush runs at a time. */
  flush(): Promise<void> {
    return this.flusher.run();
  }

  private async send(): Promise<void> {
    try {
      for (;;) {
        if (!this.pending) this.pending = this.nextBatch();
        if (!this.pending) return;
        await this.bus.send(KeysSubjects.recordUsage, this.pending);
        this.pending = null;
      }
    } catch (error) {
      this.logger.warn(`Key usage not recorded yet, retrying at the next flush: ${String(error)}`);
    }
  }

  private nextBatch(): RecordUsageRequest | null {
    if (this.counters.size === 0 && this.credits.size === 0) return null;
    const entries: KeyUsageEntry[] = [];
    for (const [id, counter] of this.counters) {
      if (entries.length === MAX_USAGE_ENTRIES) break;
      entries.push({
        keyId: counter.keyId,
        hour: new Date(counter.hour).toISOString(),
        requests: counter.requests,
        lastUsedAt: new Date(counter.lastUsedAt).toISOString(),
        ...(counter.chain ? { chain: counter.chain } : {}),
      });
      this.counters.delete(id);
    }
    const credits: KeyCreditsReport[] = [];
    for (const [keyId, report] of this.credits) {
      if (credits.length === MAX_USAGE_ENTRIES) break;
      credits.push(report);
      this.credits.delete(keyId);
    }
    return { batchId: randomUUID(), entries, ...(credits.length > 0 ? { credits } : {}) };
  }
}
