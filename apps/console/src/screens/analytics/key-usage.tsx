import { useMemo, useState } from 'react';
import { useApi } from '../../api/hooks';
import type { ApiKeyDto } from '../../api/schema.gen';
import { TimeseriesChart } from '../../components/charts/timeseries-chart';
import { Empty, Loading, PageHeader, SelectField } from '../../components/ui';
import { Link } from '../../router';
import { useWorkspace } from '../../workspace';
import { formatNumber, QueryError } from './common';

// The requests made with each of the project's keys over a range, and for one key chosen: over time,
// by chain and, for RPC keys, by method.

const RANGES = [
  { value: '1', label: 'Last 24 hours' },
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
];

export default function KeyUsage() {
  const { project } = useWorkspace();
  const projectId = project?.id ?? '';
  const [days, setDays] = useState('7');
  const interval = days === '1' ? 'hour' : 'day';
  const bounds = useMemo(() => {
    const to = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    return { from: new Date(to - Number(days) * 86_400_000).toISOString(), to: new Date(to).toISOString() };
  }, [days]);
  const keys = useApi('GET /v1/projects/{projectId}/keys', { path: { projectId }, query: { limit: 200 } });
  const [selected, setSelected] = useState<string | null>(null);
  const chosen = keys.data?.items.find((key) => key.id === selected) ?? keys.data?.items[0];

  if (!project) return null;
  return (
    <>
      <PageHeader title="Key usage" />
      <div className="row filters">
        <SelectField
          label="Range"
          name="range"
          value={days}
          options={RANGES}
          onChange={(e) => setDays(e.target.value)}
        />
      </div>
      {keys.error ? (
        <QueryError error={keys.error} onRetry={keys.reload} />
      ) : !keys.data ? (
        <Loading label="Loading keys…" />
      ) : keys.data.items.length === 0 ? (
        <Empty title="No keys yet">
          <Link href={`/projects/${projectId}/keys`}>Create a key</Link>
        </Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table data-testid="key-usage">
              <caption className="visually-hidden">Requests per key</caption>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.items.map((key) => (
                  <KeyRow
                    key={key.id}
                    apiKey={key}
                    query={{ ...bounds, interval }}
                    shown={key.id === chosen?.id}
                    onShow={() => setSelected(key.id)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {chosen && <KeyDetail apiKey={chosen} query={{ ...bounds, interval }} />}
        </>
      )}
    </>
  );
}

type UsageQuery = { from: string; to: string; interval: 'hour' | 'day' };

function KeyRow({
  apiKey,
  query,
  shown,
  onShow,
}: {
  apiKey: ApiKeyDto;
  query: UsageQuery;
  shown: boolean;
  onShow: () => void;
}) {
  const usage = useApi('GET /v1/keys/{keyId}/usage', { path: { keyId: apiKey.id }, query });
  return (
    <tr className={shown ? 'selected' : undefined}>
      <td>
        {apiKey.name} <span className="muted small">{apiKey.prefix}…</span>
        {apiKey.revokedAt && <span className="badge badge-danger">revoked</span>}
      </td>
      <td className="num">
        {usage.error ? 'unavailable' : usage.data ? formatNumber(usage.data.total) : '…'}
      </td>
      <td>
        <button type="button" className="link" aria-pressed={shown} onClick={onShow}>
          Show {apiKey.name}
        </button>
      </td>
    </tr>
  );
}

// Key usage is counted in UTC hours and days (the API takes no zone).
function KeyDetail({ apiKey, query }: { apiKey: ApiKeyDto; query: UsageQuery }) {
  const usage = useApi('GET /v1/keys/{keyId}/usage', { path: { keyId: apiKey.id }, query });
  return (
    <section aria-labelledby="key-usage-heading">
      <h2 id="key-usage-heading">{apiKey.name}</h2>
      {usage.error ? (
        <QueryError error={usage.error} onRetry={usage.reload} />
      ) : !usage.data ? (
        <Loading label="Loading the key's usage…" />
      ) : (
        <>
          <p className="muted small">
            {formatNumber(usage.data.total)} requests, per {usage.data.interval} (UTC).
          </p>
          {usage.data.points.length > 0 && (
            <TimeseriesChart points={usage.data.points} label="Requests" timeZone="UTC" />
          )}
          <div className="top-grid">
            <section className="panel" aria-labelledby="key-chains-heading">
              <h3 id="key-chains-heading">By chain</h3>
              {usage.data.byChain.length === 0 ? (
                <p className="muted small">No requests in this range.</p>
              ) : (
                <table className="top-table">
                  <thead>
                    <tr>
                      <th scope="col">Chain</th>
                      <th scope="col" className="num">
                        Requests
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {usage.data.byChain.map((row) => (
                      <tr key={row.chain ?? '-'}>
                        <td>{row.chain ?? 'no chain (ingestion, queries)'}</td>
                        <td className="num">{formatNumber(row.count)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
            {usage.data.rpc && (
              <section className="panel" aria-labelledby="key-rpc-heading">
                <h3 id="key-rpc-heading">RPC methods</h3>
                <p className="muted small">
                  {formatNumber(usage.data.rpc.total)} RPC calls, {formatNumber(usage.data.rpc.failed)} failed
                </p>
                {usage.data.rpc.byMethod.length > 0 && (
                  <table className="top-table">
                    <thead>
                      <tr>
                        <th scope="col">Chain</th>
                        <th scope="col">Method</th>
                        <th scope="col" className="num">
                          Calls
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {usage.data.rpc.byMethod.map((row) => (
                        <tr key={`${row.chain}:${row.method}`}>
                          <td>{row.chain}</td>
                          <td>{row.method}</td>
                          <td className="num">{formatNumber(row.count)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </section>
            )}
          </div>
        </>
      )}
    </section>
  );
}
