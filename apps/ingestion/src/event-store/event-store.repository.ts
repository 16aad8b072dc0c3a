import { Inject, Injectable } from '@nestjs/common';
import {
  alterTarget,
  CLICKHOUSE,
  CLICKHOUSE_TOPOLOGY,
  sql,
  toSql,
  type ClickHouseClient,
  type ClickHouseTopology,
} from '@northstar/clickhouse';
import { ClickHouseError } from '@clickhouse/client';
import type { EventRow } from './event-row';

// ClickHouse refuses an insert block spanning more than 100 partitions (months) by default.
const MAX_PARTITIONS_PER_INSERT = 50;

// Errors about the data itself: retrying the same rows can never succeed. Anything else (the server
// down, a timeout, too many parts, a missing table during a deploy) is worth retrying.
const DATA_ERROR_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '25', // CANNOT_PARSE_ESCAPE_SEQUENCE
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '130', // CANNOT_READ_ARRAY_FROM_TEXT
  '190', // SIZES_OF_ARRAYS_DOESNT_MATCH
]);

export function isDataError(error: unknown): boolean {
  if (error instanceof ClickHouseError) return DATA_ERROR_CODES.has(error.code);
  // ClickHouse 18.16 words its errors in a way the client does not parse: "Code: 25, e.displayText() ...".
  const code = error instanceof Error ? /^Code: (\d+)\b/.exec(error.message)?.[1] : undefined;
  return code !== undefined && DATA_ERROR_CODES.has(code);
}

/** The rows no insert could take, by index in the batch, with ClickHouse's reason. */
export interface UnwritableRow {
  index: number;
  reason: string;
}

/** All I/O of the event store: the `events` and `deleted_projects` tables. */
@Injectable()
export class EventStoreRepository {
  constructor(
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
    @Inject(CLICKHOUSE_TOPOLOGY) private readonly topology: ClickHouseTopology,
  ) {}

  /**
   * Inserts the rows; resolves with the rows ClickHouse refuses as data (found by halving the batch),
   * throws when the server cannot take the insert at all. Rows may be written twice when a retry
   * follows a partial success: the table collapses them by event_id.
   */
  async insert(rows: readonly EventRow[]): Promise<UnwritableRow[]> {
    const unwritable: UnwritableRow[] = [];
    if (rows.length === 0) return unwritable;
    for (const chunk of byPartitions(rows)) {
      unwritable.push(...(await this.insertIsolating(chunk.rows, chunk.indexes)));
    }
    return unwritable;
  }

  private async insertIsolating(rows: EventRow[], indexes: number[]): Promise<UnwritableRow[]> {
    try {
      await this.clickhouse.insert({ table: 'events', values: rows, format: 'JSONEachRow' });
      return [];
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (rows.length === 1) return [{ index: indexes[0], reason: (error as Error).message }];
      const half = Math.ceil(rows.length / 2);
      return [
        ...(await this.insertIsolating(rows.slice(0, half), indexes.slice(0, half))),
        ...(await this.insertIsolating(rows.slice(half), indexes.slice(half))),
      ];
    }
  }

  /** Records the deletion first (so ingestion stops writing the project), then deletes its events. */
  async deleteProject(projectId: string, deletedAt: Date): Promise<void> {
    await this.clickhouse.insert({
      table: 'deleted_projects',
      values: [{ project_id: projectId, deleted_at: Math.floor(deletedAt.getTime() / 1000) }],
      format: 'JSONEachRow',
    });
    // A mutation: ClickHouse rewrites the parts holding the project in the background.
    await this.clickhouse.command({
      query: toSql(
        sql`ALTER TABLE ${alterTarget('events', this.topology)} DELETE WHERE project_id = ${projectId}`,
      ),
    });
  }

  async deletedProjects(): Promise<string[]> {
    const result = await this.clickhouse.query({
      query: 'SELECT DISTINCT project_id FROM deleted_projects',
      format: 'JSONEachRow',
    });
    return (await result.json<{ project_id: string }>()).map((row) => row.project_id);
  }
}

/** Rows grouped by month, in inserts of at most MAX_PARTITIONS_PER_INSERT months. */
export function byPartitions<Row extends { timestamp: number }>(
  rows: readonly Row[],
): Array<{ rows: Row[]; indexes: number[] }> {
  const months = new Map<number, number[]>();
  rows.forEach((row, index) => {
    const at = new Date(row.timestamp * 1000);
    const month = at.getUTCFullYear() * 100 + at.getUTCMonth() + 1;
    const list = months.get(month);
    if (list) list.push(index);
    else months.set(month, [index]);
  });
  const groups = [...months.values()];
  if (groups.length <= MAX_PARTITIONS_PER_INSERT) {
    return [{ rows: [...rows], indexes: rows.map((_, index) => index) }];
  }
  const chunks: Array<{ rows: Row[]; indexes: number[] }> = [];
  for (let i = 0; i < groups.length; i += MAX_PARTITIONS_PER_INSERT) {
    const indexes = groups.slice(i, i + MAX_PARTITIONS_PER_INSERT).flat();
    chunks.push({ rows: indexes.map((index) => rows[index]), indexes });
  }
  return chunks;
}
