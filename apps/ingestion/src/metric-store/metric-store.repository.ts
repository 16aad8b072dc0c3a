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
import type { MetricEnvelope } from '@northstar/contracts';
import { byPartitions, isDataError, type UnwritableRow } from '../event-store/event-store.repository';

/** A row of the `metrics` table, as JSONEachRow takes it (times in Unix seconds). */
export interface MetricRow {
  project_id: string;
  name: string;
  timestamp: number;
  timestamp_ms: number;
  metric_id: string;
  value: number;
  'tags.key': string[];
  'tags.value': string[];
  received_at: number;
}

export function toMetricRow(metric: MetricEnvelope): MetricRow {
  const tags = Object.entries(metric.tags);
  return {
    project_id: metric.projectId,
    name: metric.name,
    timestamp: Math.floor(metric.timestamp / 1000),
    timestamp_ms: metric.timestamp % 1000,
    metric_id: metric.id,
    value: metric.value,
    'tags.key': tags.map(([key]) => key),
    'tags.value': tags.map(([, value]) => value),
    received_at: Math.floor(metric.receivedAt / 1000),
  };
}

/** All I/O of the metric store: the `metrics` table. */
@Injectable()
export class MetricStoreRepository {
  constructor(
    @Inject(CLICKHOUSE) private readonly clickhouse: ClickHouseClient,
    @Inject(CLICKHOUSE_TOPOLOGY) private readonly topology: ClickHouseTopology,
  ) {}

  /**
   * Inserts the rows; resolves with those ClickHouse refuses as data (found by halving the batch),
   * throws when it cannot take the insert at all (the caller retries; the table collapses repeats).
   */
  async insert(rows: readonly MetricRow[]): Promise<UnwritableRow[]> {
    const unwritable: UnwritableRow[] = [];
    // Points may be of any time since 2000: an insert may span at most so many months.
    for (const chunk of byPartitions(rows)) {
      unwritable.push(...(await this.insertIsolating(chunk.rows, chunk.indexes)));
    }
    return unwritable;
  }

  private async insertIsolating(rows: MetricRow[], indexes: number[]): Promise<UnwritableRow[]> {
    try {
      await this.clickhouse.insert({ table: 'metrics', values: rows, format: 'JSONEachRow' });
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

  /** A deleted project's points (a mutation, rewritten in the background). */
  async deleteProject(projectId: string): Promise<void> {
    await this.clickhouse.command({
      query: toSql(
        sql`ALTER TABLE ${alterTarget('metrics', this.topology)} DELETE WHERE project_id = ${projectId}`,
      ),
    });
  }
}
