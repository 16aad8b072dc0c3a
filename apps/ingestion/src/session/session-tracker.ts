import { Inject, Injectable, Logger } from '@nestjs/common';
import { REDIS } from '@northstar/redis';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { BoundedCache } from '../enrichment/bounded-cache';
import { IngestionConfig } from '../config';
import { IngestionMetrics } from '../consumer/ingestion.metrics';
import { decideSession, type SessionState } from './session-rules';

export interface SessionQuery {
  visitor: string;
  atMs: number;
}

const KEY_PREFIX = 'ingestion:session:';
// Wall-clock lifetime of a visitor's state: longer than the gap, so that a backlog written late (after
// an outage) still finds the sessions it continues.
const STATE_TTL_MS = 6 * 3600 * 1000;
const FALLBACK_CAPACITY = 100_000;

// decideSession, atomically in Redis: KEYS[1] the visitor; ARGV atMs, gapMs, newId, ttlMs.
const SCRIPT = `
local at = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local kept = redis.call('GET', KEYS[1])
if kept then
  local sep = string.find(kept, '|', 1, true)
  local sid = string.sub(kept, 1, sep - 1)
  local last = tonumber(string.sub(kept, sep + 1))
  if at < last + gap and at > last - gap then
    if at > last then redis.call('SET', KEYS[1], sid .. '|' .. ARGV[1], 'PX', ARGV[4]) end
    return sid
  end
  if at <= last - gap then return ARGV[3] end
end
redis.call('SET', KEYS[1], ARGV[3] .. '|' .. ARGV[1], 'PX', ARGV[4])
return ARGV[3]
`;

interface SessionCommands {
  northstarSession(key: string, atMs: string, gapMs: string, newId: string, ttlMs: string): unknown;
}

/**
 * Assigns sessions to a batch of events. The state lives in Redis, not in the process: replicas share
 * the JetStream consumer, so one visitor's consecutive events reach different replicas, and a restart
 * must not cut every open session. One pipelined round trip per batch; each decision is atomic.
 * If Redis is unreachable the batch is not held up: a bounded in-memory map stands in, at the price
 * of sessions split across replicas until Redis is back.
 */
@Injectable()
export class SessionTracker {
  private readonly logger = new Logger('SessionTracker');
  private readonly fallback = new BoundedCache<string, SessionState>(FALLBACK_CAPACITY);
  private readonly gapMs: number;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    config: IngestionConfig,
    private readonly metrics: IngestionMetrics,
  ) {
    this.gapMs = config.INGEST_SESSION_GAP_MINUTES * 60_000;
    if (!('northstarSession' in this.redis)) {
      this.redis.defineCommand('northstarSession', { numberOfKeys: 1, lua: SCRIPT });
    }
  }

  /** One session id per query, in the same order. */
  async assign(queries: readonly SessionQuery[]): Promise<string[]> {
    if (queries.length === 0) return [];
    // In time order, so that a batch's own events extend a session rather than start one each.
    const order = queries.map((_, index) => index).sort((a, b) => queries[a].atMs - queries[b].atMs);
    try {
      return await this.assignInRedis(queries, order);
    } catch (error) {
      this.metrics.sessionFallbacks.inc(queries.length);
      this.logger.warn(`Redis unavailable for sessions, using local state: ${(error as Error).message}`);
      return this.assignLocally(queries, order);
    }
  }

  private async assignInRedis(queries: readonly SessionQuery[], order: number[]): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as SessionCommands;
    for (const index of order) {
      const { visitor, atMs } = queries[index];
      commands.northstarSession(
        `${KEY_PREFIX}${visitor}`,
        String(Math.round(atMs)),
        String(this.gapMs),
        randomUUID(),
        String(STATE_TTL_MS),
      );
    }
    const results = (await pipeline.exec()) ?? [];
    const out = new Array<string>(queries.length);
    order.forEach((index, position) => {
      const [error, sessionId] = results[position] ?? [new Error('no reply')];
      if (error) throw error;
      out[index] = String(sessionId);
    });
    return out;
  }

  private assignLocally(queries: readonly SessionQuery[], order: number[]): string[] {
    const out = new Array<string>(queries.length);
    for (const index of order) {
      const { visitor, atMs } = queries[index];
      const decision = decideSession(this.fallback.get(visitor), atMs, this.gapMs, randomUUID());
      if (decision.next) this.fallback.set(visitor, decision.next);
      out[index] = decision.sessionId;
    }
    return out;
  }
}
