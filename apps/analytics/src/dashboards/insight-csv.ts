import type {
  FunnelResponse,
  InsightData,
  InsightKind,
  MetricSeriesResponse,
  SummaryResponse,
  TimeseriesResponse,
  TopResponse,
} from '@northstar/contracts';

type Cell = string | number | boolean;

// A spreadsheet runs a cell that starts like a formula (and DDE payloads start with these too).
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): text that a spreadsheet would read as a formula gets a leading `'`, and
 * a field with a comma, quote or line break (or the guard) is quoted, quotes doubled. Numbers are
 * written as numbers.
 */
export function csvField(value: Cell): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n']/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvOf(rows: Cell[][]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The result of an insight as a flat table, one header row, per kind. */
export function insightTable(kind: InsightKind, data: InsightData): Cell[][] {
  switch (kind) {
    case 'summary': {
      const summary = data as SummaryResponse;
      return [
        ['metric', 'value'],
        ['events', summary.events],
        ['users', summary.users],
        ['sessions', summary.sessions],
        ['pageviews', summary.pageviews],
        ['web3.transactions', summary.web3.transactions],
        ['web3.wallets', summary.web3.wallets],
        ['web3.failedTransactions', summary.web3.failedTransactions],
      ];
    }
    case 'timeseries':
      return [['t', 'value'], ...(data as TimeseriesResponse).points.map((point) => [point.t, point.value])];
    case 'top':
      return [
        ['value', 'count', 'users'],
        ...(data as TopResponse).items.map((item) => [item.value, item.count, item.users]),
      ];
    case 'funnel':
      return [
        ['step', 'event', 'users', 'conversion'],
        ...(data as FunnelResponse).steps.map((step, index) => [
          index + 1,
          step.event,
          step.users,
          step.conversion,
        ]),
      ];
    case 'metric': {
      // A custom metric's series: a time series, or one per group (groupBy) as rows of group, t, value.
      const metric = data as MetricSeriesResponse;
      if (metric.series) {
        return [
          ['group', 't', 'value'],
          ...metric.series.flatMap((series) => series.points.map((p) => [series.group, p.t, p.value])),
        ];
      }
      return [['t', 'value'], ...(metric.points ?? []).map((p) => [p.t, p.value])];
    }
  }
}

/** A file name of the insight's name: lower-case letters, digits and dashes only (safe in a header). */
export function csvFilename(name: string, kind: InsightKind): string {
  const base = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${base || kind}.csv`;
}
