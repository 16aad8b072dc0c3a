import { toSql } from '@northstar/clickhouse';
import { metricSeriesQuery, metricValueQuery, type MetricScope } from './metric-query';

const scope = (from: string, to: string, recentFrom: string): MetricScope => ({
  projectId: 'p1',
  name: 'api.latency',
  from: new Date(from),
  to: new Date(to),
  tags: { region: "eu'west" },
  recentFrom: new Date(recentFrom),
});

const finals = (sql: string) => sql.match(/FROM metrics FINAL/g)?.length ?? 0;
const plains = (sql: string) => sql.match(/FROM metrics\s+WHERE/g)?.length ?? 0;

describe('custom metric queries', () => {
  it('read the recent part of a range with FINAL and the older part as stored, merged as states', () => {
    const sql = toSql(
      metricSeriesQuery(
        scope('2026-11-01T00:00:00Z', '2026-11-10T00:00:00Z', '2026-11-08T00:00:00Z'),
        'p95',
        'hour',
        'UTC',
      ),
    );
    expect([plains(sql), finals(sql)]).toEqual([1, 1]);
    expect(sql).toContain('quantileState(0.95)(value)');
    expect(sql).toContain('quantileMerge(0.95)(s)');
    expect(sql).toContain("timestamp < toDateTime('2026-11-08 00:00:00', 'UTC')");
    expect(sql).toContain("timestamp >= toDateTime('2026-11-08 00:00:00', 'UTC')");
    // Tag values are literals, escaped.
    expect(sql).toContain("'eu\\'west'");
  });

  it('read a range wholly before the boundary as stored, and one wholly after it with FINAL', () => {
    const old = toSql(
      metricSeriesQuery(
        scope('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', '2026-11-08T00:00:00Z'),
        'sum',
        'day',
        'UTC',
      ),
    );
    expect([plains(old), finals(old)]).toEqual([1, 0]);
    const recent = toSql(
      metricValueQuery(scope('2026-11-09T00:00:00Z', '2026-11-10T00:00:00Z', '2026-11-08T00:00:00Z'), 'avg'),
    );
    expect([plains(recent), finals(recent)]).toEqual([0, 1]);
    expect(recent).toContain('if(points = 0, 0, avgMerge(s))');
  });
});
