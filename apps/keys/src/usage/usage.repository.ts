import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { KeyTenant } from '../key/key.repository';

export interface UsageRow extends KeyTenant {
  keyId: string;
  hour: Date;
  chain: string;
  requests: number;
}

/**
 * The hourly usage table and the keys' lastUsedAt, written in bulk from the gateways' reports. Bulk
 * rows travel as one JSON parameter (`jsonb_to_recordset`), so a batch is one statement per table.
 */
@Injectable()
export class UsageRepository {
  constructor(private readonly em: EntityManager) {}

  /** Runs `work` in one transaction. */
  transactional<T>(work: (repository: UsageRepository) => Promise<T>): Promise<T> {
    return this.em.transactional((em) => work(new UsageRepository(em)));
  }

  /** Remembers the batch; false when it had been recorded before. */
  async claimBatch(batchId: string): Promise<boolean> {
    const rows = await this.em.execute<{ id: string }[]>(
      `insert into "keys"."usage_batches" ("id") values (?) on conflict ("id") do nothing returning "id"`,
      [batchId],
    );
    return rows.length > 0;
  }

  async forgetBatchesBefore(time: Date): Promise<void> {
    await this.em.execute(`delete from "keys"."usage_batches" where "received_at" < ?`, [time], 'run');
  }

  async findTenants(keyIds: string[]): Promise<Map<string, KeyTenant>> {
    if (keyIds.length === 0) return new Map();
    const rows = await this.em.execute<{ id: string; org_id: string; project_id: string }[]>(
      `select k."id", k."org_id", k."project_id" from "keys"."api_keys" k
       join jsonb_array_elements_text(?::jsonb) as wanted("id") on k."id" = wanted."id"::uuid`,
      [JSON.stringify(keyIds)],
    );
    return new Map(rows.map((row) => [row.id, { orgId: row.org_id, projectId: row.project_id }]));
  }

  async addUsage(rows: UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const json = rows.map((row) => ({
      key_id: row.keyId,
      hour: row.hour.toISOString(),
      chain: row.chain,
      org_id: row.orgId,
      project_id: row.projectId,
      requests: row.requests,
    }));
    await this.em.execute(
      `insert into "keys"."key_usage_hourly" ("key_id", "hour", "chain", "org_id", "project_id", "requests")
       select "key_id", date_trunc('hour', "hour"), "chain", "org_id", "project_id", sum("requests")
       from jsonb_to_recordset(?::jsonb)
         as r("key_id" uuid, "hour" timestamptz, "chain" varchar, "org_id" uuid, "project_id" uuid, "requests" bigint)
       group by 1, 2, 3, 4, 5
       on conflict ("key_id", "hour", "chain")
       do update set "requests" = "key_usage_hourly"."requests" + excluded."requests"`,
      [JSON.stringify(json)],
      'run',
    );
  }

  /** Moves lastUsedAt forward only: reports from several gateways arrive in any order. */
  async touch(lastUsed: Map<string, Date>): Promise<void> {
    if (lastUsed.size === 0) return;
    const json = [...lastUsed].map(([id, at]) => ({ id, at: at.toISOString() }));
    await this.em.execute(
      `update "keys"."api_keys" as k
       set "last_used_at" = greatest(k."last_used_at", u."at")
       from jsonb_to_recordset(?::jsonb) as u("id" uuid, "at" timestamptz)
       where k."id" = u."id"`,
      [JSON.stringify(json)],
      'run',
    );
  }

  /**
   * Writes back the credits the gateways saw left. Within one generation and period the count only
   * goes down (reports from several gateways arrive in any order); a later period (a refill) replaces
   * it. A report of an older generation is of credits a PATCH has replaced: ignored.
   */
  async writeBackCredits(
    reports: readonly { keyId: string; generation: number; period: number; remaining: number }[],
  ): Promise<void> {
    if (reports.length === 0) return;
    const json = reports.map((report) => ({
      id: report.keyId,
      generation: report.generation,
      period: report.period,
      remaining: report.remaining,
    }));
    await this.em.execute(
      `update "keys"."api_keys" as k
       set "credits_remaining" = case when u."period" > k."credits_period" then u."remaining"
                                      else least(k."credits_remaining", u."remaining") end,
           "credits_period" = greatest(k."credits_period", u."period")
       from jsonb_to_recordset(?::jsonb) as u("id" uuid, "generation" integer, "period" integer, "remaining" bigint)
       where k."id" = u."id" and k."credits_generation" = u."generation"
         and k."credits_remaining" is not null and u."period" >= k."credits_period"`,
      [JSON.stringify(json)],
      'run',
    );
  }

  /** The key's hourly counts in [from, to), oldest first; the organisation scopes the query. */
  async hoursOf(
    orgId: string,
    keyId: string,
    from: Date,
    to: Date,
  ): Promise<{ hour: Date; chain: string; requests: number }[]> {
    const rows = await this.em.execute<{ hour: Date; chain: string; requests: string }[]>(
      `select "hour", "chain", "requests" from "keys"."key_usage_hourly"
       where "org_id" = ? and "key_id" = ? and "hour" >= ? and "hour" < ?
       order by "hour", "chain"`,
      [orgId, keyId, from, to],
    );
    return rows.map((row) => ({
      hour: new Date(row.hour),
      chain: row.chain,
      requests: Number(row.requests),
    }));
  }

  /** The organisation's requests per project and UTC day in [from, to). */
  async daysOfOrg(
    orgId: string,
    from: Date,
    to: Date,
  ): Promise<{ projectId: string; day: string; requests: number }[]> {
    const rows = await this.em.execute<{ project_id: string; day: string; requests: string }[]>(
      `select "project_id", to_char("hour" at time zone 'UTC', 'YYYY-MM-DD') as "day", sum("requests") as "requests"
       from "keys"."key_usage_hourly"
       where "org_id" = ? and "hour" >= ? and "hour" < ?
       group by 1, 2 order by 2, 1`,
      [orgId, from, to],
    );
    return rows.map((row) => ({ projectId: row.project_id, day: row.day, requests: Number(row.requests) }));
  }
}
