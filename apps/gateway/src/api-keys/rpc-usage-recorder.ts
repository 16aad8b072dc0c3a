import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  AnalyticsSubjects,
  MAX_RPC_USAGE_ENTRIES,
  type RecordRpcUsageRequest,
  type RpcUsageEntry,
  type VerifyCode,
} from '@northstar/contracts';
import { BusClient } from '@northstar/messaging';
import { PeriodicTask } from '@northstar/service-runtime';
import { randomUUID } from 'node:crypto';
import { ApiKeysSettings } from './api-keys.settings';

const HOUR_MS = 3600_000;

/**
 * Counts key verifications by RPC proxies per key, hour, chain, method and answer code in memory, and
 * sends the counts to analytics (ClickHouse, beside the product events) every API_KEY_USAGE_FLUSH_MS:
 * one insert per gateway per interval, however many verifications, and no verification waits for
 * it. A batch that fails is sent again with the same id (analytics folds the copies into one); counts
 * of a process that dies unflushed are lost, as for the keys' request counts.
 */
@Injectable()
export class RpcUsageRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RpcUsageRecorder.name);
  private counters = new Map<string, RpcUsageEntry>();
  private pending: RecordRpcUsageRequest | null = null;
  private readonly flusher: PeriodicTask;

  constructor(
    settings: ApiKeysSettings,
    private readonly bus: BusClient,
  ) {
    this.flusher = new PeriodicTask(() => this.send(), settings.API_KEY_USAGE_FLUSH_MS);
  }

  record(
    key: { keyId: string; projectId: string },
    code: VerifyCode,
    chain: string | undefined,
    method: string | undefined,
    now = Date.now(),
  ): void {
    const hour = now - (now % HOUR_MS);
    const id = `${key.keyId}|${hour}|${chain ?? ''}|${method ?? ''}|${code}`;
    const counter = this.counters.get(id);
    if (counter) {
      counter.requests += 1;
      return;
    }
    this.counters.set(id, {
      keyId: key.keyId,
      projectId: key.projectId,
      hour: new Date(hour).toISOString(),
      ...(chain ? { chain } : {}),
      ...(method ? { method } : {}),
      code,
      requests: 1,
    });
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
        await this.bus.send(AnalyticsSubjects.recordRpcUsage, this.pending);
        this.pending = null;
      }
    } catch (error) {
      this.logger.warn(`RPC usage not recorded yet, retrying at the next flush: ${String(error)}`);
    }
  }

  private nextBatch(): RecordRpcUsageRequest | null {
    if (this.counters.size === 0) return null;
    const entries: RpcUsageEntry[] = [];
    for (const [id, entry] of this.counters) {
      if (entries.length === MAX_RPC_USAGE_ENTRIES) break;
      entries.push(entry);
      this.counters.delete(id);
    }
    return { batchId: randomUUID(), entries };
  }
}
