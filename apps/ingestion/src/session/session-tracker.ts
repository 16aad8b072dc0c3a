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

// decideSession for one visitor's events of a batch, in time order, atomically in Redis: KEYS[1] the
// visitor; ARGV gapMs, ttlMs, then atMs and a new session id per event. One call per visitor rather
// than per event: a batch often holds many events of one visitor, and the state is written once.
const SCRIPT = `
local gap = tonumber(ARGV[1])
local sid, last, lastText
local kept = redis.call('GET', KEYS[1])
if kept then
  local sep = string.find(kept, '|', 1, true)
  sid = string.sub(kept, 1, sep - 1)
  lastText = string.sub(kept, sep + 1)
  last = tonumber(lastText)
end
local out = {}
local changed = false
for i = 3, #ARGV, 2 do
  local at = tonumber(ARGV[i])
  if sid and at < last + gap and at > last - gap then
    if at > last then last = at; lastText = ARGV[i]; changed = true end
    out[#out + 1] = sid
  elseif sid and at <= last - gap then
    out[#out + 1] = ARGV[i + 1]
  else
    sid = ARGV[i + 1]; last = at; lastText = ARGV[i]; changed = true
    out[#out + 1] = sid
  end
end
if changed then redis.call('SET', KEYS[1], sid .. '|' .. lastText, 'PX', ARGV[2]) end
return out
`;

interface SessionCommands {
  northstarSessions(key: string, gapMs: string, ttlMs: string, ...timesAndNewIds: string[]): unknown;
}

/**
 * Assigns sessions to a batch of events. The state lives in Redis, not in the process: replicas share
 * the JetStream consumer, so one visitor's consecutive events reach different replicas, and a restart
 * must not cut every open session. One pipelined round trip per batch, one script call per visitor;
 * each visitor's decisions are atomic.
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
    if (!('northstarSessions' in this.redis)) {
      this.redis.defineCommand('northstarSessions', { numberOfKeys: 1, lua: SCRIPT });
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
    const byVisitor = new Map<string, number[]>();
    for (const index of order) {
      const list = byVisitor.get(queries[index].visitor);
      if (list) list.push(index);
      else byVisitor.set(queries[index].visitor, [index]);
    }
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as SessionCommands;
    const gap = String(this.gapMs);
    const ttl = String(STATE_TTL_MS);
    for (const [visitor, indexes] of byVisitor) {
      const args: string[] = [];
      for (const index of indexes) args.push(String(Math.round(queries[index].atMs)), randomUUID());
      commands.northstarSessions(`${KEY_PREFIX}${visitor}`, gap, ttl, ...args);
    }
    const results = (await pipeline.exec()) ?? [];
    const out = new Array<string>(queries.length);
    let position = 0;
    for (const indexes of byVisitor.values()) {
      const [error, sessionIds] = results[position++] ?? [new Error('no reply')];
      if (error) throw error;
      if (!Array.isArray(sessionIds) || sessionIds.length !== indexes.length) {
        throw new Error('unexpected reply to the session script');
      }
      indexes.forEach((index, i) => (out[index] = String(sessionIds[i])));
    }
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
