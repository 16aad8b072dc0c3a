import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { takeKey } from '../../api/fresh-keys';
import type { AnalyticsEventDto, CreatedApiKeyDto } from '../../api/schema.gen';
import { CodeBlock, FormError, formatDate, Notice, PageHeader } from '../../components/ui';
import { Link } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';

const POLL_MS = 3000;

function snippets(key: string, host: string) {
  return {
    browser: `npm install @northstar/sdk

import { init } from '@northstar/sdk';

const analytics = init({ writeKey: '${key}', host: '${host}' });
analytics.page();
analytics.track('Signed Up', { plan: 'pro' });`,
    node: `npm install @northstar/sdk

import { createClient } from '@northstar/sdk';

const analytics = createClient({ writeKey: process.env.NORTHSTAR_KEY, host: '${host}' });
analytics.track({ userId: 'user-42', event: 'Invoice Paid', properties: { amount: 120 } });
await analytics.close(); // sends what waits before the process ends`,
    web3: `npm install @northstar/sdk

import { init } from '@northstar/sdk';
import { web3 } from '@northstar/sdk/web3';

const analytics = init({ writeKey: '${key}', host: '${host}', autoPage: true });
// Records wallet connects, switches and transactions of an EIP-1193 provider.
web3(analytics, { provider: window.ethereum }); // or { discover: true } for EIP-6963 wallets`,
    curl: `curl -X POST '${host}/v1/batch' \\
  -H 'Authorization: Bearer ${key}' \\
  -H 'Content-Type: application/json' \\
  -d '{"batch":[{"type":"track","event":"Hello Northstar","anonymousId":"curl-test"}]}'`,
  };
}

/** Polls the project's newest events until there is one. */
function useFirstEvent(projectId: string): { event: AnalyticsEventDto | null; error: unknown } {
  const [event, setEvent] = useState<AnalyticsEventDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (event) return;
    let stopped = false;
    let timer: number | undefined;
    const check = async () => {
      try {
        const page = await api('GET /v1/projects/{projectId}/analytics/events', {
          path: { projectId },
          query: { limit: 1 },
        });
        if (stopped) return;
        setError(null);
        if (page.items.length > 0) {
          setEvent(page.items[0]);
          return;
        }
      } catch (caught) {
        if (stopped) return;
        setError(caught);
      }
      timer = window.setTimeout(check, POLL_MS);
    };
    void check();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [projectId, event]);
  return { event, error };
}

export default function Onboarding() {
  const { project, org } = useWorkspace();
  const projectId = project?.id ?? '';
  const [key, setKey] = useState<CreatedApiKeyDto | undefined>(() => takeKey(projectId));
  const first = useFirstEvent(projectId);
  const isAdmin = atLeast(org?.role, 'admin');
  const create = useSubmit(async () => {
    setKey(
      await api('POST /v1/projects/{projectId}/keys', {
        path: { projectId },
        body: { name: 'Onboarding key', scopes: ['events:write'] },
      }),
    );
  });
  if (!project) return null;
  const host = window.location.origin;
  const code = snippets(key?.key ?? 'YOUR_WRITE_KEY', host);

  return (
    <>
      <PageHeader title={`Get started with ${project.name}`} />
      <ol className="steps">
        <li>
          <h2>Your key</h2>
          {key ? (
            <>
              <Notice tone="warning">
                Copy this key now: it is shown only once. It can send events to this project.
              </Notice>
              <CodeBlock code={key.key} label="Write key" testId="new-key" />
            </>
          ) : isAdmin ? (
            <>
              <p>
                Snippets below need a key with the <code>events:write</code> scope.
              </p>
              <FormError error={create.error} />
              <button
                type="button"
                className="primary"
                disabled={create.busy}
                onClick={() => void create.run()}
              >
                Create a key for these snippets
              </button>{' '}
              <Link href={`/projects/${project.id}/keys`}>or manage keys</Link>
            </>
          ) : (
            <p>
              Ask an admin of your organisation for a key with the <code>events:write</code> scope.
            </p>
          )}
        </li>
        <li>
          <h2>Send an event</h2>
          <CodeBlock code={code.browser} label="Browser (SDK)" />
          {project.kind !== 'web2' && <CodeBlock code={code.web3} label="Wallet app (Web3)" />}
          <CodeBlock code={code.node} label="Node" />
          <CodeBlock code={code.curl} label="curl" />
        </li>
        <li>
          <h2>See it arrive</h2>
          {/* One live region throughout, so that a screen reader announces the arrival. */}
          <div aria-live="polite">
            {first.event ? (
              <Notice tone="success">
                <span data-testid="first-event">
                  Your first event arrived: <strong>{first.event.event || first.event.type}</strong> at{' '}
                  {formatDate(first.event.receivedAt)}.
                </span>
              </Notice>
            ) : first.error ? (
              <FormError error={first.error} />
            ) : (
              <div className="state state-loading">
                <span className="spinner" aria-hidden="true" />
                Waiting for your first event… this page checks every few seconds.
              </div>
            )}
          </div>
        </li>
      </ol>
    </>
  );
}
