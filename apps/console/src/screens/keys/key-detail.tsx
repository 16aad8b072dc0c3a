import { useMemo, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import type { RotatedApiKeyDto } from '../../api/schema.gen';
import {
  CodeBlock,
  CopyButton,
  Empty,
  ErrorState,
  Field,
  FormError,
  formatDate,
  Loading,
  Notice,
  PageHeader,
  SubmitButton,
} from '../../components/ui';
import { Link, navigate, useParams } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';
import { KeyForm, type KeySettings } from './key-form';
import { keyStatus } from './keys';

const DAY_MS = 24 * 3600 * 1000;

export default function KeyDetail() {
  const { projectId, keyId } = useParams();
  const { org } = useWorkspace();
  const isAdmin = atLeast(org?.role, 'admin');
  const key = useApi('GET /v1/keys/{keyId}', { path: { keyId } });
  const [editing, setEditing] = useState(false);
  const [rotated, setRotated] = useState<RotatedApiKeyDto | null>(null);

  const save = useSubmit(async (settings: KeySettings) => {
    await api('PATCH /v1/keys/{keyId}', { path: { keyId }, body: settings });
    setEditing(false);
    key.reload();
  });

  if (key.error) return <ErrorState error={key.error} onRetry={key.reload} />;
  if (!key.data) return <Loading />;
  const data = key.data;
  const status = keyStatus(data);
  const active = status.label === 'active';

  return (
    <>
      <p>
        <Link href={`/projects/${projectId}/keys`}>← All keys</Link>
      </p>
      <PageHeader title={data.name}>
        {isAdmin && active && !editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
      </PageHeader>
      <dl className="facts">
        <dt>Key</dt>
        <dd>
          <code>{data.prefix}…</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge badge-${status.tone}`}>{status.label}</span>
          {data.revokedAt && ` since ${formatDate(data.revokedAt)}`}
        </dd>
        <dt>Scopes</dt>
        <dd>{data.scopes.join(', ')}</dd>
        <dt>Rate limit</dt>
        <dd>{data.rateLimit ? `${data.rateLimit.limit} per ${data.rateLimit.windowSeconds} s` : 'none'}</dd>
        <dt>Allowed origins</dt>
        <dd>{data.allowedOrigins.length > 0 ? data.allowedOrigins.join(', ') : 'any'}</dd>
        <dt>Created</dt>
        <dd>{formatDate(data.createdAt)}</dd>
        <dt>Last used</dt>
        <dd>{formatDate(data.lastUsedAt)}</dd>
        <dt>Expires</dt>
        <dd>{data.expiresAt ? formatDate(data.expiresAt) : 'never'}</dd>
      </dl>

      {editing && (
        <section aria-labelledby="edit-heading">
          <h2 id="edit-heading">Edit key</h2>
          <KeyForm
            initial={data}
            submitLabel="Save changes"
            busy={save.busy}
            error={save.error}
            onSubmit={(settings) => void save.run(settings)}
          />
          <button type="button" className="link" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </section>
      )}

      {rotated && (
        <section aria-labelledby="rotated-heading">
          <h2 id="rotated-heading">New key</h2>
          <Notice tone="warning">
            Copy the new key now: it is shown only once. The previous key keeps working until{' '}
            {formatDate(rotated.previousKeyExpiresAt)}, then only the new one does.
          </Notice>
          <CodeBlock code={rotated.key} label="New key" testId="new-key" />
          <button type="button" onClick={() => setRotated(null)}>
            I have copied it
          </button>
        </section>
      )}

      {isAdmin && active && (
        <KeyAdmin
          keyId={keyId}
          onRotated={(answer) => {
            setRotated(answer);
            key.reload();
          }}
          onRevoked={() => navigate(`/projects/${projectId}/keys`)}
        />
      )}
      <Endpoints keyId={keyId} usable={active && data.scopes.includes('rpc')} />
      <Usage keyId={keyId} />
    </>
  );
}

function KeyAdmin({
  keyId,
  onRotated,
  onRevoked,
}: {
  keyId: string;
  onRotated: (key: RotatedApiKeyDto) => void;
  onRevoked: () => void;
}) {
  const [grace, setGrace] = useState('3600');
  const [confirmRevoke, setConfirmRevoke] = useState(false);
  const rotate = useSubmit(async () => {
    onRotated(
      await api('POST /v1/keys/{keyId}/rotate', {
        path: { keyId },
        body: { gracePeriodSeconds: Number(grace) || 0 },
      }),
    );
  });
  const revoke = useSubmit(async () => {
    await api('DELETE /v1/keys/{keyId}', { path: { keyId } });
    onRevoked();
  });
  const onRotate = (event: FormEvent) => {
    event.preventDefault();
    void rotate.run();
  };
  return (
    <section aria-labelledby="manage-heading">
      <h2 id="manage-heading">Rotate or revoke</h2>
      <form onSubmit={onRotate} noValidate>
        <FormError error={rotate.error} />
        <Field
          label="Overlap (seconds)"
          name="gracePeriodSeconds"
          type="number"
          min={0}
          inputMode="numeric"
          value={grace}
          onChange={(e) => setGrace(e.target.value)}
          error={rotate.error}
          hint="How long the current key keeps working beside the new one, to deploy the new one without downtime. 0: it stops at once."
        />
        <SubmitButton busy={rotate.busy} className="">
          Rotate key
        </SubmitButton>
      </form>
      <div className="danger-zone">
        <FormError error={revoke.error} />
        {confirmRevoke ? (
          <div role="group" aria-label="Confirm revoking">
            <p>Revoke this key? Every request with it is refused within seconds. This cannot be undone.</p>
            <div className="actions">
              <button
                type="button"
                className="danger"
                disabled={revoke.busy}
                onClick={() => void revoke.run()}
              >
                Yes, revoke the key
              </button>
              <button type="button" onClick={() => setConfirmRevoke(false)}>
                Cancel
              </button>
            </div>
          </div>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirmRevoke(true)}>
            Revoke key
          </button>
        )}
      </div>
    </section>
  );
}

function Endpoints({ keyId, usable }: { keyId: string; usable: boolean }) {
  // Only an active key with the rpc scope has endpoints (the API answers others 422).
  const endpoints = useApi('GET /v1/keys/{keyId}/endpoints', usable ? { path: { keyId } } : null);
  return (
    <section aria-labelledby="endpoints-heading">
      <h2 id="endpoints-heading">RPC endpoints</h2>
      {!usable ? (
        <p className="muted">Only an active key with the rpc scope has RPC endpoints.</p>
      ) : endpoints.error ? (
        <ErrorState error={endpoints.error} onRetry={endpoints.reload} />
      ) : !endpoints.data ? (
        <Loading />
      ) : endpoints.data.length === 0 ? (
        <Empty title="No active chains in the catalog" />
      ) : (
        <>
          <p className="muted">
            <code>{'{key}'}</code> stands for the key itself, which only its creator saw: the platform keeps a
            hash.
          </p>
          <div className="table-wrap" tabIndex={0} role="region" aria-label="RPC endpoints">
            <table>
              <thead>
                <tr>
                  <th scope="col">Chain</th>
                  <th scope="col">HTTP</th>
                  <th scope="col">WebSocket</th>
                </tr>
              </thead>
              <tbody>
                {endpoints.data.map((endpoint) => (
                  <tr key={endpoint.chain}>
                    <td>
                      {endpoint.chain}
                      {endpoint.chainId !== null && (
                        <span className="muted small"> ({endpoint.chainId})</span>
                      )}
                    </td>
                    <td>
                      <code className="url">{endpoint.http}</code>{' '}
                      <CopyButton text={endpoint.http} label={`Copy ${endpoint.chain} HTTP URL`} />
                    </td>
                    <td>
                      {endpoint.ws ? (
                        <>
                          <code className="url">{endpoint.ws}</code>{' '}
                          <CopyButton text={endpoint.ws} label={`Copy ${endpoint.chain} WebSocket URL`} />
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function Usage({ keyId }: { keyId: string }) {
  const from = useMemo(
    () => new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10) + 'T00:00:00.000Z',
    [],
  );
  const usage = useApi('GET /v1/keys/{keyId}/usage', { path: { keyId }, query: { from, interval: 'day' } });
  const max = Math.max(1, ...(usage.data?.points.map((point) => point.value) ?? []));
  return (
    <section aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage, last 30 days</h2>
      {usage.error ? (
        <ErrorState error={usage.error} onRetry={usage.reload} />
      ) : !usage.data ? (
        <Loading />
      ) : (
        <>
          <p>
            <strong>{usage.data.total.toLocaleString()}</strong> requests
          </p>
          <div
            className="bars"
            role="img"
            aria-label={`Requests per day: ${usage.data.points.map((p) => `${p.t.slice(0, 10)} ${p.value}`).join(', ')}`}
          >
            {usage.data.points.map((point) => (
              <span
                key={point.t}
                style={{ height: `${(point.value / max) * 100}%` }}
                title={`${point.t.slice(0, 10)}: ${point.value}`}
              />
            ))}
          </div>
          {usage.data.byChain.length === 0 ? (
            <p className="muted">No requests in this period.</p>
          ) : (
            <div className="table-wrap" tabIndex={0} role="region" aria-label="Requests by chain">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Chain</th>
                    <th scope="col">Requests</th>
                  </tr>
                </thead>
                <tbody>
                  {usage.data.byChain.map((row) => (
                    <tr key={row.chain ?? '-'}>
                      <td>{row.chain ?? 'not RPC (events, analytics)'}</td>
                      <td>{row.count.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
