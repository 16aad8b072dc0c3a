import { sql, toSql } from '@northstar/clickhouse';
import { eventually, STAND_IN_PLAN } from '@northstar/testing';
import { randomUUID } from 'node:crypto';
import { analyticsTestBed } from '../../test/analytics-test-bed';
import { DerivedDataRetention } from './derived-data-retention';

// What analytics derives from events goes with them: a project on a 30-day plan keeps its recent
// roll-ups, funnel index and RPC usage and loses the older ones; a project on a long plan keeps both.

const DAY = 86_400_000;
const WAIT = { timeoutMs: 30_000, intervalMs: 250 };
const TABLES = [
  ['hour_writes', 'hour'],
  ['rollup_state', 'period'],
  ['rollup_counts', 'period'],
  ['rollup_people', 'period'],
  ['rollup_top', 'period'],
  ['funnel_events', 'timestamp'],
  ['rpc_usage', 'hour'],
] as const;

const bed = analyticsTestBed();

/** Per table, the distinct days (ISO dates) of the project's rows. */
async function daysOf(projectId: string): Promise<Record<string, string[]>> {
  const days: Record<string, string[]> = {};
  for (const [table, column] of TABLES) {
    const result = await bed.store.client.query({
      query: `SELECT DISTINCT toString(toDate(${column})) AS day FROM ${table}
              WHERE project_id = ${toSql(sql`${projectId}`)} ORDER BY day`,
      format: 'JSONEachRow',
    });
    days[table] = (await result.json<{ day: string }>()).map((row) => row.day);
  }
  return days;
}

async function seed(projectId: string, ages: number[]): Promise<string[]> {
  const now = Date.now();
  const dates = ages.map((age) => new Date(now - age * DAY));
  await bed.store.write(
    projectId,
    dates.map((at) => ({ event: 'Signed Up', userId: 'retention-user', at: at.toISOString() })),
  );
  await bed.store.client.insert({
    table: 'rpc_usage',
    format: 'JSONEachRow',
    values: dates.map((at) => ({
      batch_id: randomUUID(),
      project_id: projectId,
      key_id: randomUUID(),
      hour: Math.floor(at.getTime() / 3_600_000) * 3600,
      chain: 'ethereum',
      method: 'eth_call',
      code: 'VALID',
      requests: 1,
    })),
  });
  return dates.map((at) => at.toISOString().slice(0, 10)).sort();
}

it("deletes the roll-ups, funnel index and RPC usage older than the project's plan keeps", async () => {
  const short = bed.tenancy.organisation(randomUUID());
  bed.tenancy.setPlan(short, { ...STAND_IN_PLAN, id: 'derived-30', retentionDays: 30 });
  const long = bed.tenancy.organisation(randomUUID());
  bed.tenancy.setPlan(long, { ...STAND_IN_PLAN, id: 'derived-365', retentionDays: 365 });

  const [shortOld, shortRecent] = await seed(short.projectId, [45, 2]);
  const longDays = await seed(long.projectId, [45, 2]);
  await bed.rollUp();
  for (const days of [await daysOf(short.projectId), await daysOf(long.projectId)]) {
    for (const [table] of TABLES) expect({ table, days: days[table] }).toEqual({ table, days: longDays });
  }
  expect([shortOld, shortRecent]).toEqual(longDays);

  await bed.service.app.get(DerivedDataRetention).run();

  // ClickHouse applies the deletions in the background.
  await eventually(async () => {
    const days = await daysOf(short.projectId);
    for (const [table] of TABLES)
      expect({ table, days: days[table] }).toEqual({ table, days: [shortRecent] });
  }, WAIT);
  const kept = await daysOf(long.projectId);
  for (const [table] of TABLES) expect({ table, days: kept[table] }).toEqual({ table, days: longDays });
}, 90_000);
