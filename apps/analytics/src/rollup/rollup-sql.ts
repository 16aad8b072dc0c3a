import { identifier, join, sql, type SqlFragment } from '@northstar/clickhouse';
import { dimension, DIMENSION_NAMES } from '../query/event-query';
import { VERSION_SCALE, type Grain } from '../query/rollup-plan';

/**
 * The roll-up job's SQL. A period is rolled from its raw events in one pass per table, de-duplicated
 * first (a redelivered event, stored twice until ClickHouse merges it away, is read once), and its
 * rows carry the version that rollup_state will name once all three tables hold them.
 */

/** A period of one project that needs rolling: written since it was last rolled, and settled. */
export interface DirtyPeriod {
  projectId: string;
  grain: Grain;
  /** Start of the period, Unix seconds (UTC). */
  start: number;
}

/** rollup_top's bucket of a period `p`: the month of a day, the day of an hour. */
export const BUCKET_OF: Record<Grain, SqlFragment> = {
  hour: sql`toDate(p)`,
  day: sql`toStartOfMonth(p)`,
};

const PERIOD_OF: Record<Grain, SqlFragment> = {
  hour: sql`toStartOfHour(timestamp)`,
  day: sql`toStartOfDay(timestamp)`,
};

/**
 * Closed periods never rolled whose last write is older than `settledBefore`, and periods written to
 * since they were rolled (late or redelivered events) whose last write is older than `rerollBefore`
 * (Unix seconds): a period that keeps receiving late events is read raw meanwhile rather than rolled
 * again every few seconds. Newest first, as dashboards read recent periods most.
 */
export function dirtyPeriodsQuery(
  grain: Grain,
  now: number,
  cutoffs: { settledBefore: number; rerollBefore: number },
  limit: number,
): SqlFragment {
  const nowAt = new Date(now * 1000);
  const closedBefore = grain === 'hour' ? sql`toStartOfHour(${nowAt})` : sql`toStartOfDay(${nowAt})`;
  const period = grain === 'hour' ? sql`hour` : sql`toStartOfDay(hour)`;
  return sql`SELECT project_id, toUnixTimestamp(period) AS start FROM (
      SELECT project_id, ${period} AS period, max(last_write) AS w FROM hour_writes
      WHERE hour < ${closedBefore} GROUP BY project_id, period
      HAVING w < ${new Date(cutoffs.settledBefore * 1000)}
    ) ANY LEFT JOIN (
      SELECT project_id, period, max(version) AS v FROM rollup_state WHERE grain = ${grain}
      GROUP BY project_id, period
    ) USING (project_id, period)
    WHERE intDiv(v, ${VERSION_SCALE}) <= toUnixTimestamp(w)
      AND (v = 0 OR w < ${new Date(cutoffs.rerollBefore * 1000)})
    ORDER BY period DESC LIMIT ${limit}`;
}

/** The de-duplicated raw events of some periods of a project, with the columns the roll-ups read. */
function periodEvents(projectId: string, grain: Grain, starts: number[]): SqlFragment {
  const first = new Date(Math.min(...starts) * 1000);
  const last = new Date((Math.max(...starts) + (grain === 'hour' ? 3600 : 86_400) - 1) * 1000);
  const periods = join(
    starts.map((start) => sql`${new Date(start * 1000)}`),
    ', ',
  );
  const values = join(
    DIMENSION_NAMES.map((name) => {
      const { value, present } = dimension(name);
      return sql`if(${present}, ${value}, '')`;
    }),
    ', ',
  );
  return sql`SELECT project_id, ${PERIOD_OF[grain]} AS p, type, event, chain_id,
      toUInt8(type = 'transaction' AND tx_status = 'failed') AS failed,
      if(user_id != '', user_id, anonymous_id) AS person, session_id, wallet_address,
      [${values}] AS dimension_values
    FROM events
    WHERE project_id = ${projectId} AND toDate(timestamp) >= toDate(${first})
      AND toDate(timestamp) <= toDate(${last}) AND ${PERIOD_OF[grain]} IN (${periods})
    LIMIT 1 BY event_id`;
}

const sketch = (column: string) =>
  sql`uniqCombinedIfState(14)(${identifier(column)}, toUInt8(${identifier(column)} != ''))`;

/** The three INSERTs that roll `starts` (Unix seconds) of one project and grain at `version`. */
export function rollStatements(
  projectId: string,
  grain: Grain,
  starts: number[],
  version: number,
): SqlFragment[] {
  const source = periodEvents(projectId, grain, starts);
  const names = join(
    DIMENSION_NAMES.map((name) => sql`${name}`),
    ', ',
  );
  return [
    sql`INSERT INTO rollup_counts (project_id, grain, period, version, type, event, chain_id, tx_failed, events)
      SELECT project_id, ${grain}, p, ${version}, type, event, chain_id, failed, count()
      FROM (${source}) GROUP BY project_id, p, type, event, chain_id, failed`,
    sql`INSERT INTO rollup_people (project_id, grain, period, version, users, sessions, wallets)
      SELECT project_id, ${grain}, p, ${version}, ${sketch('person')}, ${sketch('session_id')},
        ${sketch('wallet_address')}
      FROM (${source}) GROUP BY project_id, p`,
    sql`INSERT INTO rollup_top (project_id, dimension, grain, bucket, period, version, value, events, users)
      SELECT project_id, dimension, ${grain}, ${BUCKET_OF[grain]}, p, ${version}, value, count(), ${sketch('person')}
      FROM (${source}) ARRAY JOIN [${names}] AS dimension, dimension_values AS value
      WHERE value != '' GROUP BY project_id, dimension, p, value`,
  ];
}

/** The statement that makes the rolled rows current: written last, after all three tables hold them. */
export function stateStatement(
  projectId: string,
  grain: Grain,
  starts: number[],
  version: number,
): SqlFragment {
  return sql`INSERT INTO rollup_state (project_id, grain, period, version)
    SELECT ${projectId}, ${grain}, toDateTime(start, 'UTC'), ${version}
    FROM system.one ARRAY JOIN ${starts} AS start`;
}
