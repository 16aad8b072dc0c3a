import { useState } from 'react';
import { api } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import type { ApiKeyDto, CreatedApiKeyDto } from '../../api/schema.gen';
import { CodeBlock, Empty, ErrorState, formatDate, Loading, Notice, PageHeader } from '../../components/ui';
import { Link } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';
import { KeyForm, type KeySettings } from './key-form';

export function keyStatus(key: ApiKeyDto): { label: string; tone: 'success' | 'danger' | '' } {
  if (key.revokedAt) return { label: 'revoked', tone: 'danger' };
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= Date.now())
    return { label: 'expired', tone: 'danger' };
  return { label: 'active', tone: 'success' };
}

export default function Keys() {
  const { project, org } = useWorkspace();
  const projectId = project?.id ?? '';
  const keys = useApi('GET /v1/projects/{projectId}/keys', { path: { projectId }, query: { limit: 200 } });
  const isAdmin = atLeast(org?.role, 'admin');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiKeyDto | null>(null);
  const create = useSubmit(async (settings: KeySettings) => {
    const key = await api('POST /v1/projects/{projectId}/keys', {
      path: { projectId },
      body: {
        name: settings.name,
        scopes: settings.scopes,
        expiresAt: settings.expiresAt ?? undefined,
        rateLimit: settings.rateLimit ?? undefined,
        allowedOrigins: settings.allowedOrigins,
      },
    });
    setCreated(key);
    setCreating(false);
    keys.reload();
  });

  return (
    <>
      <PageHeader title="API keys">
        {isAdmin && !creating && (
          <button
            type="button"
            className="primary"
            onClick={() => {
              setCreating(true);
              setCreated(null);
            }}
          >
            Create key
          </button>
        )}
      </PageHeader>
      {created && (
        <section aria-labelledby="created-key">
          <h2 id="created-key">Key “{created.name}” created</h2>
          <Notice tone="warning">
            Copy the key now: it is shown only once. Only a hash of it is stored.
          </Notice>
          <CodeBlock code={created.key} label="New key" testId="new-key" />
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </section>
      )}
      {creating && (
        <section aria-labelledby="new-key-heading">
          <h2 id="new-key-heading">New key</h2>
          <KeyForm
            submitLabel="Create key"
            busy={create.busy}
            error={create.error}
            onSubmit={(settings) => void create.run(settings)}
          />
          <button type="button" className="link" onClick={() => setCreating(false)}>
            Cancel
          </button>
        </section>
      )}
      {keys.error ? (
        <ErrorState error={keys.error} onRetry={keys.reload} />
      ) : !keys.data ? (
        <Loading />
      ) : keys.data.items.length === 0 ? (
        <Empty title="No keys yet">
          <p>
            {isAdmin
              ? 'Create one to send events, query analytics or use RPC endpoints.'
              : 'An admin can create one.'}
          </p>
        </Empty>
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="API keys">
          <table>
            <caption className="visually-hidden">API keys of {project?.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Status</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => {
                const status = keyStatus(key);
                return (
                  <tr key={key.id}>
                    <td>
                      <Link href={`/projects/${projectId}/keys/${key.id}`}>{key.name}</Link>
                    </td>
                    <td>
                      <code>{key.prefix}…</code>
                    </td>
                    <td>{key.scopes.join(', ')}</td>
                    <td>
                      <span className={`badge ${status.tone ? `badge-${status.tone}` : ''}`}>
                        {status.label}
                      </span>
                    </td>
                    <td>{formatDate(key.lastUsedAt)}</td>
                    <td>{key.expiresAt ? formatDate(key.expiresAt) : 'never'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
