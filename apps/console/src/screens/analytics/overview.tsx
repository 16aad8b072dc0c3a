import { useMemo, useState } from 'react';
import { useApi } from '../../api/hooks';
import type { TopResponse } from '../../api/schema.gen';
import { TimeseriesChart } from '../../components/charts/timeseries-chart';
import { Empty, Loading, PageHeader, SelectField } from '../../components/ui';
import { Link } from '../../router';
import { useWorkspace } from '../../workspace';
import {
  defaultInterval,
  eventsHref,
  formatInZone,
  formatNumber,
  INTERVALS,
  isRange,
  RANGES,
  rangeBounds,
  useSearchState,
  type Interval,
  type RangeId,
  QueryError,
} from './common';

// The project's dashboard: totals, one metric over time and the top values of the main dimensions,
// for a range in the project's time zone. Every number leads to the events behind it.

type Metric = 'events' | 'users' | 'pageviews' | 'transactions' | 'wallets' | 'rpc_calls';
const METRICS: readonly { value: Metric; label: string }[] = [
  { value: 'events', label: 'Events' },
  { value: 'users', label: 'Users' },
  { value: 'pageviews', label: 'Pageviews' },
  { value: 'transactions', label: 'Transactions' },
  { value: 'wallets', label: 'Wallets' },
  // The project's keys verified by the operator's RPC proxies: RPC load beside the product's events.
  { value: 'rpc_calls', label: 'RPC calls' },
];

type Dimension = 'event' | 'page' | 'referrer' | 'country' | 'browser' | 'os' | 'chain';
const TOP_LISTS: readonly { dimension: Dimension; title: string; filter: string }[] = [
  { dimension: 'event', title: 'Top events', filter: 'event' },
  { dimension: 'page', title: 'Top pages', filter: 'page' },
  { dimension: 'referrer', title: 'Top referrers', filter: 'referrer' },
  { dimension: 'country', title: 'Countries', filter: 'country' },
  { dimension: 'browser', title: 'Browsers', filter: 'browser' },
  { dimension: 'os', title: 'Operating systems', filter: 'os' },
  { dimension: 'chain', title: 'Chains', filter: 'chainId' },
];

export default function Overview() {
  const { project } = useWorkspace();
  const projectId = project?.id ?? '';
  const timeZone = project?.timezone;
  const [search, setSearch] = useSearchState();
  const range: RangeId = isRange(search.get('range')) ? (search.get('range') as RangeId) : '7d';
  const intervalParam = search.get('interval');
  const metricParam = search.get('metric');
  const metric: Metric = METRICS.some((option) => option.value === metricParam)
    ? (metricParam as Metric)
    : 'events';
  const chosen: Interval = INTERVALS.some((option) => option.value === intervalParam)
    ? (intervalParam as Interval)
    : defaultInterval(range);
  // RPC calls are counted per hour: a minute series of them would only be refused.
  const interval: Interval = metric === 'rpc_calls' && chosen === 'minute' ? 'hour' : chosen;
  // Bounds are computed when the range changes or on refresh, not on every render.
  const [refreshed, setRefreshed] = useState(() => Date.now());
  const bounds = useMemo(() => rangeBounds(range, refreshed), [range, refreshed]);
  const common = { from: bounds.from, to: bounds.to, tz: timeZone };

  const summary = useApi('GET /v1/projects/{projectId}/analytics/summary', {
    path: { projectId },
    query: common,
  });
  const series = useApi('GET /v1/projects/{projectId}/analytics/timeseries', {
    path: { projectId },
    query: { ...common, metric, interval },
  });

  // Chain ids in the chain list are named from the public catalog; without it the ids are shown.
  const chains = useApi('GET /v1/chains', { query: { limit: 200 } });
  const chainNames = useMemo(() => {
    const names = new Map<string, string>();
    for (const chain of chains.data?.items ?? []) {
      if (chain.chainId !== null) names.set(String(chain.chainId), `${chain.name} (${chain.chainId})`);
    }
    return names;
  }, [chains.data]);

  if (!project) return null;
  const listHref = (filters: Record<string, string | number | undefined>) =>
    eventsHref(projectId, { ...filters, range });

  const cards: { label: string; value: number | undefined; href: string }[] = summary.data
    ? [
        { label: 'Events', value: summary.data.events, href: listHref({}) },
        { label: 'Users', value: summary.data.users, href: listHref({}) },
        { label: 'Sessions', value: summary.data.sessions, href: listHref({}) },
        { label: 'Pageviews', value: summary.data.pageviews, href: listHref({ type: 'page' }) },
        {
          label: 'Transactions',
          value: summary.data.web3.transactions,
          href: listHref({ type: 'transaction' }),
        },
        { label: 'Wallets', value: summary.data.web3.wallets, href: listHref({ type: 'wallet' }) },
        {
          label: 'Failed transactions',
          value: summary.data.web3.failedTransactions,
          href: listHref({ type: 'transaction', status: 'failed' }),
        },
      ]
    : [];
  const metricLabel = METRICS.find((option) => option.value === metric)?.label ?? metric;
  const seriesTotal = series.data?.points.reduce((sum, point) => sum + point.value, 0) ?? 0;

  return (
    <>
      <PageHeader title={`${project.name}: overview`}>
        <button type="button" onClick={() => setRefreshed(Date.now())}>
          Refresh
        </button>
      </PageHeader>
      <div className="row filters" role="group" aria-label="Time range">
        <SelectField
          label="Range"
          name="range"
          value={range}
          options={RANGES}
          onChange={(event) => setSearch({ range: event.target.value, interval: undefined })}
        />
        <SelectField
          label="Interval"
          name="interval"
          value={interval}
          options={INTERVALS}
          onChange={(event) => setSearch({ interval: event.target.value })}
        />
        <p className="muted small zone-note">Times in {timeZone ?? 'your time zone'}</p>
      </div>

      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        {summary.error ? (
          <QueryError error={summary.error} onRetry={summary.reload} />
        ) : !summary.data ? (
          <Loading label="Loading the summary…" />
        ) : (
          <ul className="stat-cards" data-testid="summary">
            {cards.map((card) => (
              <li key={card.label}>
                <Link className="stat-card" href={card.href} data-stat={card.label}>
                  <span className="stat-label">{card.label}</span>
                  <span className="stat-value">{formatNumber(card.value ?? 0)}</span>
                </Link>
              </li>
            ))}
          </ul>
        )}
        {summary.data?.approximate && <p className="muted small">Counts are approximate (from roll-ups).</p>}
        {summary.data?.events === 0 && (
          <p className="muted">
            No events in this range.{' '}
            <Link href={`/projects/${projectId}/onboarding`}>Send a first event</Link> or choose a longer
            range.
          </p>
        )}
      </section>

      <section aria-labelledby="series-heading">
        <div className="section-header">
          <h2 id="series-heading">{metricLabel} over time</h2>
          <SelectField
            label="Metric"
            name="metric"
            value={metric}
            options={METRICS}
            onChange={(event) => setSearch({ metric: event.target.value })}
          />
        </div>
        {series.error ? (
          <QueryError error={series.error} onRetry={series.reload} />
        ) : !series.data ? (
          <Loading label="Loading the chart…" />
        ) : series.data.points.length === 0 ? (
          <Empty title="No data in this range" />
        ) : (
          <>
            <p className="muted small" aria-live="polite">
              {formatNumber(seriesTotal)} {metricLabel.toLowerCase()} in {series.data.points.length}{' '}
              {interval} buckets{metric === 'users' || metric === 'wallets' ? ' (summed per bucket)' : ''}.
            </p>
            <TimeseriesChart points={series.data.points} label={metricLabel} timeZone={timeZone} />
            <details className="data-table">
              <summary>Show the numbers</summary>
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">
                    {metricLabel} per {interval}
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Time</th>
                      <th scope="col">{metricLabel}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {series.data.points
                      .filter((point) => point.value > 0)
                      .map((point) => (
                        <tr key={point.t}>
                          <td>{formatInZone(point.t, timeZone)}</td>
                          <td>{formatNumber(point.value)}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            </details>
          </>
        )}
      </section>

      <div className="top-grid">
        {TOP_LISTS.map((list) => (
          <TopList
            key={list.dimension}
            projectId={projectId}
            dimension={list.dimension}
            title={list.title}
            query={common}
            hrefOf={(value) => listHref({ [list.filter]: value })}
            labelOf={list.dimension === 'chain' ? (value) => chainNames.get(value) ?? value : undefined}
          />
        ))}
      </div>
    </>
  );
}

function TopList({
  projectId,
  dimension,
  title,
  query,
  hrefOf,
  labelOf,
}: {
  projectId: string;
  dimension: Dimension;
  title: string;
  query: { from: string; to: string; tz?: string };
  hrefOf: (value: string) => string;
  labelOf?: (value: string) => string;
}) {
  const top = useApi('GET /v1/projects/{projectId}/analytics/top', {
    path: { projectId },
    query: { ...query, dimension, limit: 10 },
  });
  const headingId = `top-${dimension}`;
  return (
    <section className="panel" aria-labelledby={headingId} data-testid={headingId}>
      <h2 id={headingId}>{title}</h2>
      {top.error ? (
        <QueryError error={top.error} onRetry={top.reload} />
      ) : !top.data ? (
        <Loading />
      ) : top.data.items.length === 0 ? (
        <Empty title="Nothing yet" />
      ) : (
        <TopTable items={top.data.items} title={title} hrefOf={hrefOf} labelOf={labelOf} />
      )}
    </section>
  );
}

function TopTable({
  items,
  title,
  hrefOf,
  labelOf = (value) => value,
}: {
  items: TopResponse['items'];
  title: string;
  hrefOf: (value: string) => string;
  labelOf?: (value: string) => string;
}) {
  const max = Math.max(1, ...items.map((item) => item.count));
  return (
    <table className="top-table">
      <caption className="visually-hidden">{title}</caption>
      <thead>
        <tr>
          <th scope="col">Value</th>
          <th scope="col" className="num">
            Events
          </th>
          <th scope="col" className="num">
            Users
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => {
          const href = hrefOf(item.value);
          const label = labelOf(item.value);
          return (
            <tr key={item.value}>
              <td className="top-value">
                <span
                  className="meter"
                  style={{ width: `${(item.count / max) * 100}%` }}
                  aria-hidden="true"
                />
                <Link href={href}>{label}</Link>
              </td>
              <td className="num">
                <Link
                  href={href}
                  aria-label={`${formatNumber(item.count)} ${item.count === 1 ? 'event' : 'events'} of ${label}`}
                >
                  {formatNumber(item.count)}
                </Link>
              </td>
              <td className="num">
                <Link
                  href={href}
                  aria-label={`${formatNumber(item.users)} ${item.users === 1 ? 'user' : 'users'} of ${label}`}
                >
                  {formatNumber(item.users)}
                </Link>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
