import { useMemo } from 'react';
import { ApiError } from '../../api/client';
import type { AnalyticsEventDto } from '../../api/schema.gen';
import { ErrorState } from '../../components/ui';
import { navigate, useLocation } from '../../router';
import './analytics.css';

// What the analytics screens share: the time range and filters kept in the address (so a view can be
// linked and reloaded), number formatting, and the client-side filters the events list adds to the
// API's own (the API filters by event, type, chain and user only).

export type EventType = AnalyticsEventDto['type'];
export const EVENT_TYPES: readonly EventType[] = [
  'track',
  'page',
  'screen',
  'identify',
  'group',
  'alias',
  'transaction',
  'wallet',
];

export type RangeId = '1h' | '24h' | '7d' | '30d' | '90d';
export const RANGES: readonly { value: RangeId; label: string; ms: number }[] = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
  { value: '90d', label: 'Last 90 days', ms: 90 * 86_400_000 },
];

export type Interval = 'minute' | 'hour' | 'day';
export const INTERVALS: readonly { value: Interval; label: string }[] = [
  { value: 'minute', label: 'Minute' },
  { value: 'hour', label: 'Hour' },
  { value: 'day', label: 'Day' },
];

/** The interval that gives a readable number of points for a range, unless one was chosen. */
export function defaultInterval(range: RangeId): Interval {
  return range === '1h' ? 'minute' : range === '24h' ? 'hour' : 'day';
}

export function isRange(value: string | null): value is RangeId {
  return RANGES.some((range) => range.value === value);
}

/** The range's ISO bounds, rounded to the minute so that re-renders ask the same question. */
export function rangeBounds(range: RangeId, now = Date.now()): { from: string; to: string } {
  const ms = RANGES.find((candidate) => candidate.value === range)?.ms ?? RANGES[2].ms;
  const to = Math.ceil(now / 60_000) * 60_000;
  return { from: new Date(to - ms).toISOString(), to: new Date(to).toISOString() };
}

/** The current address's query, and a setter that replaces some of its parameters (empty removes). */
export function useSearchState(): [URLSearchParams, (changes: Record<string, string | undefined>) => void] {
  const location = useLocation();
  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(location.search);
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined || value === '') next.delete(name);
      else next.set(name, value);
    }
    const query = next.toString();
    navigate(`${location.pathname}${query ? `?${query}` : ''}`, { replace: true });
  };
  return [location.search, update];
}

const numberFormat = new Intl.NumberFormat();
export const formatNumber = (value: number): string => numberFormat.format(value);

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio >= 0.995 || ratio === 0 ? 0 : 1)}%`;
}

/** A time in the project's zone (falls back to the browser's when the zone is unknown). */
export function formatInZone(iso: string, timeZone: string | undefined): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return date.toLocaleString(undefined, { timeZone, dateStyle: 'medium', timeStyle: 'medium' });
  } catch {
    return date.toLocaleString();
  }
}

/** Filters the events list understands; the first four go to the API, the rest are matched here. */
export const SERVER_FILTERS = ['event', 'type', 'chainId', 'userId'] as const;
export const LOCAL_FILTERS = [
  'page',
  'referrer',
  'country',
  'browser',
  'os',
  'contract',
  'method',
  'status',
] as const;
export type LocalFilter = (typeof LOCAL_FILTERS)[number];

export const FILTER_LABELS: Record<string, string> = {
  event: 'Event',
  type: 'Type',
  chainId: 'Chain id',
  userId: 'User id',
  page: 'Page',
  referrer: 'Referrer',
  country: 'Country',
  browser: 'Browser',
  os: 'OS',
  contract: 'Contract',
  method: 'Method',
  status: 'Transaction status',
};

function localValue(event: AnalyticsEventDto, filter: LocalFilter): string {
  switch (filter) {
    case 'page':
      return event.page.path || event.page.url;
    case 'referrer':
      // Top referrers are hosts.
      try {
        return event.page.referrer ? new URL(event.page.referrer).host : '';
      } catch {
        return event.page.referrer;
      }
    case 'country':
      return event.country;
    case 'browser':
      return event.browser;
    case 'os':
      return event.os;
    case 'contract':
      return event.web3.contractAddress;
    case 'method':
      return event.web3.method;
    case 'status':
      return event.web3.status;
  }
}

/** Whether an event passes the filters the API does not apply. */
export function matchesLocal(
  event: AnalyticsEventDto,
  filters: Partial<Record<LocalFilter, string>>,
): boolean {
  return LOCAL_FILTERS.every((filter) => {
    const want = filters[filter];
    if (!want) return true;
    const have = localValue(event, filter);
    // A top list of pages may name a path or a whole URL; either matches.
    return filter === 'page' ? have === want || event.page.url === want : have === want;
  });
}

export function useLocalFilters(search: URLSearchParams): Partial<Record<LocalFilter, string>> {
  const key = search.toString();
  return useMemo(() => {
    const filters: Partial<Record<LocalFilter, string>> = {};
    for (const filter of LOCAL_FILTERS) {
      const value = search.get(filter);
      if (value) filters[filter] = value;
    }
    return filters;
  }, [key]);
}

/** The events list's address with these filters. */
export function eventsHref(projectId: string, filters: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return `/projects/${encodeURIComponent(projectId)}/events${text ? `?${text}` : ''}`;
}

/**
 * A failed query in place of its result: the problem's detail, and the API's message for each query
 * parameter it refused (a range too long for the interval, say), which a 400's detail does not repeat.
 */
export function QueryError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const fields = error instanceof ApiError ? error.errors : [];
  return (
    <div className="query-error">
      <ErrorState error={error} onRetry={fields.length > 0 ? undefined : onRetry} />
      {fields.length > 0 && (
        <ul className="field-error" aria-label="What to change">
          {fields.map((field) => (
            <li key={`${field.field}:${field.message}`}>{field.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
