import { toSql } from '@northstar/clickhouse';
import { BusErrorCode, DomainException } from '@northstar/contracts';
import {
  dimension,
  funnelQuery,
  metric,
  summaryQuery,
  timeseriesQuery,
  topQuery,
  type EventScope,
} from './event-query';

const scope: EventScope = {
  projectId: "p' OR 1=1 --",
  from: new Date('2026-10-24T00:00:00Z'),
  to: new Date('2026-10-25T00:00:00Z'),
  filters: { event: "a'b\\", userId: 'u\0' },
};

function fieldOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainException && error.code === BusErrorCode.ValidationFailed) {
      return error.extra.errors?.[0]?.field;
    }
    throw error;
  }
  return undefined;
}

describe('the analytics query builder', () => {
  it('puts the project first in every WHERE clause, escaped', () => {
    for (const query of [
      summaryQuery(scope),
      timeseriesQuery(scope, 'events', 'day', 'Europe/Paris'),
      topQuery(scope, 'event', 10),
      funnelQuery(scope, ['a', 'b'], 60),
    ]) {
      expect(toSql(query)).toContain("WHERE project_id = 'p\\' OR 1=1 --' AND");
    }
  });

  it('renders filter values and the zone as literals only', () => {
    const text = toSql(timeseriesQuery(scope, 'users', 'hour', "Europe/Paris'"));
    expect(text).toContain("event = 'a\\'b\\\\'");
    expect(text).toContain("user_id = 'u\\x00'");
    expect(text).toContain("toStartOfHour(timestamp, 'Europe/Paris\\'')");
  });

  it.each(['revenue', 'constructor', '__proto__', 'events; DROP TABLE events', ''])(
    'refuses the metric %j as a 400 on the field',
    (name) => {
      expect(fieldOf(() => metric(name))).toBe('metric');
      expect(fieldOf(() => timeseriesQuery(scope, name, 'day', 'UTC'))).toBe('metric');
    },
  );

  it.each(['password', 'toString', 'user_id', 'event) --'])(
    'refuses the dimension %j as a 400 on the field',
    (name) => {
      expect(fieldOf(() => dimension(name))).toBe('dimension');
      expect(fieldOf(() => topQuery(scope, name, 10))).toBe('dimension');
    },
  );
});
