import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import type { AnalyticsEventDto } from '../../api/schema.gen';
import { Empty, Field, Loading, PageHeader, SelectField } from '../../components/ui';
import { useWorkspace } from '../../workspace';
import {
  EVENT_TYPES,
  FILTER_LABELS,
  formatInZone,
  isRange,
  LOCAL_FILTERS,
  matchesLocal,
  rangeBounds,
  SERVER_FILTERS,
  useLocalFilters,
  useSearchState,
  QueryError,
} from './common';

// The newest events of the project, polled while the tab is visible, with the API's filters (event,
// type, chain, user) and those the overview links with (page, country…), which are matched here
// against the events fetched. An event opens into its full detail beside the list.

const POLL_MS = 5000;
const PAGE = 100;

type Query = {
  event?: string;
  type?: AnalyticsEventDto['type'];
  chainId?: number;
  userId?: string;
  from?: string;
};

export default function LiveEvents() {
  const { project } = useWorkspace();
  const projectId = project?.id ?? '';
  const timeZone = project?.timezone;
  const [search, setSearch] = useSearchState();
  const local = useLocalFilters(search);
  const range = search.get('range');
  const query = useMemo<Query>(() => {
    const type = search.get('type');
    const chainId = Number(search.get('chainId'));
    return {
      event: search.get('event') || undefined,
      type: EVENT_TYPES.includes(type as AnalyticsEventDto['type'])
        ? (type as AnalyticsEventDto['type'])
        : undefined,
      chainId: Number.isInteger(chainId) && chainId > 0 ? chainId : undefined,
      userId: search.get('userId') || undefined,
      from: isRange(range) ? rangeBounds(range).from : undefined,
    };
  }, [search, range]);
  const queryKey = JSON.stringify(query);

  const [items, setItems] = useState<AnalyticsEventDto[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(true);
  const [lastUpdate, setLastUpdate] = useState<Date | null>(null);
  const [selected, setSelected] = useState<AnalyticsEventDto | null>(null);
  const [olderBusy, setOlderBusy] = useState(false);

  const loadNewest = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const page = await api('GET /v1/projects/{projectId}/analytics/events', {
          path: { projectId },
          query: { ...(JSON.parse(queryKey) as Query), limit: PAGE },
          signal,
        });
        setItems((previous) => {
          // Keeps older pages loaded with "Load older" below the refreshed newest page.
          if (!previous) return page.items;
          const fresh = new Set(page.items.map((item) => item.id));
          const oldest = page.items.at(-1)?.timestamp;
          const older = previous.filter(
            (item) => !fresh.has(item.id) && oldest !== undefined && item.timestamp < oldest,
          );
          return [...page.items, ...older];
        });
        setNextCursor((previous) => previous ?? page.nextCursor);
        setError(null);
        setLastUpdate(new Date());
      } catch (caught) {
        if (!signal?.aborted) setError(caught);
      }
    },
    // Keyed on the serialised query: a new object with the same filters is the same list.
    [projectId, queryKey],
  );

  // A new filter starts a new list.
  useEffect(() => {
    setItems(null);
    setNextCursor(null);
    setError(null);
    const controller = new AbortController();
    void loadNewest(controller.signal);
    return () => controller.abort();
  }, [loadNewest]);

  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void loadNewest();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [live, loadNewest]);

  const loadOlder = async () => {
    if (!nextCursor) return;
    setOlderBusy(true);
    try {
      const page = await api('GET /v1/projects/{projectId}/analytics/events', {
        path: { projectId },
        query: { ...query, limit: PAGE, cursor: nextCursor },
      });
      setItems((previous) => [...(previous ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    } catch (caught) {
      setError(caught);
    } finally {
      setOlderBusy(false);
    }
  };

  const shown = useMemo(() => (items ?? []).filter((item) => matchesLocal(item, local)), [items, local]);
  const activeLocal = LOCAL_FILTERS.filter((name) => local[name]);

  const [draft, setDraft] = useState(() => ({
    event: search.get('event') ?? '',
    type: search.get('type') ?? '',
    chainId: search.get('chainId') ?? '',
    userId: search.get('userId') ?? '',
  }));
  const applyFilters = (event: FormEvent) => {
    event.preventDefault();
    setSearch({ ...draft });
  };
  const clearAll = () => {
    setDraft({ event: '', type: '', chainId: '', userId: '' });
    const cleared: Record<string, undefined> = {};
    for (const name of [...SERVER_FILTERS, ...LOCAL_FILTERS]) cleared[name] = undefined;
    setSearch(cleared);
  };

  if (!project) return null;
  return (
    <>
      <PageHeader title="Live events">
        <button type="button" aria-pressed={live} onClick={() => setLive((on) => !on)}>
          {live ? 'Pause updates' : 'Resume updates'}
        </button>
      </PageHeader>
      <p className="muted small" aria-live="polite">
        {live ? 'Updating every 5 seconds' : 'Updates paused'}
        {lastUpdate ? ` · last update ${timeOfDay(lastUpdate, timeZone)}` : ''} · times in {timeZone}
      </p>

      <form className="filter-form" onSubmit={applyFilters} aria-label="Filter events">
        <div className="row">
          <Field
            label="Event name"
            name="event"
            value={draft.event}
            onChange={(e) => setDraft({ ...draft, event: e.target.value })}
          />
          <SelectField
            label="Type"
            name="type"
            value={draft.type}
            options={[
              { value: '', label: 'Any type' },
              ...EVENT_TYPES.map((type) => ({ value: type, label: type })),
            ]}
            onChange={(e) => setDraft({ ...draft, type: e.target.value })}
          />
          <Field
            label="Chain id"
            name="chainId"
            inputMode="numeric"
            pattern="[0-9]*"
            value={draft.chainId}
            onChange={(e) => setDraft({ ...draft, chainId: e.target.value })}
          />
          <Field
            label="User id"
            name="userId"
            value={draft.userId}
            onChange={(e) => setDraft({ ...draft, userId: e.target.value })}
          />
        </div>
        <div className="actions">
          <button type="submit" className="primary">
            Apply filters
          </button>
          <button type="button" onClick={clearAll}>
            Clear filters
          </button>
        </div>
      </form>
      {activeLocal.length > 0 && (
        <ul className="chips" aria-label="Filters matched in this list">
          {activeLocal.map((name) => (
            <li key={name}>
              <span>
                {FILTER_LABELS[name]}: {local[name]}
              </span>
              <button
                type="button"
                className="link"
                aria-label={`Remove filter ${FILTER_LABELS[name]}`}
                onClick={() => setSearch({ [name]: undefined })}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}

      <div className={`events-layout${selected ? ' with-detail' : ''}`}>
        <section aria-labelledby="events-heading">
          <h2 id="events-heading" className="visually-hidden">
            Events
          </h2>
          {error && items === null ? (
            <QueryError error={error} onRetry={() => void loadNewest()} />
          ) : items === null ? (
            <Loading label="Loading events…" />
          ) : (
            <>
              {error ? <QueryError error={error} onRetry={() => void loadNewest()} /> : null}
              {shown.length === 0 ? (
                <Empty title="No events match">
                  <p className="muted small">
                    New events appear here within seconds of arriving
                    {activeLocal.length > 0 ? ` (the ${items.length} newest were searched)` : ''}.
                  </p>
                </Empty>
              ) : (
                <EventTable
                  items={shown}
                  timeZone={timeZone}
                  selectedId={selected?.id}
                  onSelect={setSelected}
                />
              )}
              {nextCursor && (
                <button type="button" onClick={() => void loadOlder()} disabled={olderBusy}>
                  {olderBusy ? 'Loading…' : 'Load older events'}
                </button>
              )}
            </>
          )}
        </section>
        {selected && <EventDetail event={selected} timeZone={timeZone} onClose={() => setSelected(null)} />}
      </div>
    </>
  );
}

function EventTable({
  items,
  timeZone,
  selectedId,
  onSelect,
}: {
  items: AnalyticsEventDto[];
  timeZone: string | undefined;
  selectedId: string | undefined;
  onSelect: (event: AnalyticsEventDto) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="events-table" data-testid="events-table">
        <caption className="visually-hidden">Newest events</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col" className="hide-narrow">
              Type
            </th>
            <th scope="col" className="hide-narrow">
              User
            </th>
            <th scope="col" className="hide-narrow">
              Where
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id} className={item.id === selectedId ? 'selected' : undefined}>
              <td className="nowrap">{formatInZone(item.timestamp, timeZone)}</td>
              <td>
                <button
                  type="button"
                  className="link"
                  aria-expanded={item.id === selectedId}
                  aria-controls="event-detail"
                  onClick={() => onSelect(item)}
                >
                  {eventName(item)}
                </button>
              </td>
              <td className="hide-narrow">{item.type}</td>
              <td className="hide-narrow break">{item.userId || item.anonymousId}</td>
              <td className="hide-narrow break">
                {item.page.path || (item.web3.chainId ? `chain ${item.web3.chainId}` : '')}
                {item.country ? ` · ${item.country}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The time of day in the project's zone, like the event times beside it. */
function timeOfDay(date: Date, timeZone: string | undefined): string {
  try {
    return date.toLocaleTimeString(undefined, { timeZone });
  } catch {
    return date.toLocaleTimeString();
  }
}

function eventName(event: AnalyticsEventDto): string {
  if (event.event) return event.event;
  if (event.type === 'page') return event.page.title || event.page.path || 'Page view';
  return event.type;
}

function EventDetail({
  event,
  timeZone,
  onClose,
}: {
  event: AnalyticsEventDto;
  timeZone: string | undefined;
  onClose: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [event.id]);
  const rows: [string, string][] = [
    ['Type', event.type],
    ['Event', event.event],
    ['Time', formatInZone(event.timestamp, timeZone)],
    ['Received', formatInZone(event.receivedAt, timeZone)],
    ['User id', event.userId],
    ['Anonymous id', event.anonymousId],
    ['Session', event.sessionId],
    ['Message id', event.messageId],
    ['Page URL', event.page.url],
    ['Page path', event.page.path],
    ['Page title', event.page.title],
    ['Referrer', event.page.referrer],
    ['Country', event.country],
    ['Browser', event.browser],
    ['OS', event.os],
    ['Chain id', event.web3.chainId === null ? '' : String(event.web3.chainId)],
    ['Wallet', event.web3.walletAddress],
    ['Transaction', event.web3.txHash],
    ['Contract', event.web3.contractAddress],
    ['Method', event.web3.method],
    ['Value', event.web3.value],
    ['Status', event.web3.status],
  ];
  const properties = Object.entries(event.properties);
  return (
    <aside id="event-detail" className="panel event-detail" aria-labelledby="event-detail-heading">
      <div className="section-header">
        <h2 id="event-detail-heading" ref={heading} tabIndex={-1}>
          {eventName(event)}
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="detail-list" data-testid="event-detail">
        {rows
          .filter(([, value]) => value)
          .map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd className="break">{value}</dd>
            </div>
          ))}
      </dl>
      <h3>Properties</h3>
      {properties.length === 0 ? (
        <p className="muted small">No properties.</p>
      ) : (
        <dl className="detail-list">
          {properties.map(([name, value]) => (
            <div key={name}>
              <dt className="break">{name}</dt>
              <dd className="break">{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <details>
        <summary>Raw JSON</summary>
        <pre className="raw" tabIndex={0} aria-label="Event as JSON">
          {JSON.stringify(event, null, 2)}
        </pre>
      </details>
    </aside>
  );
}
