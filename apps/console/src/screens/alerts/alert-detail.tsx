import { useState } from 'react';
import { api } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import type { AlertDeliveryDto, AlertDto, AlertHistoryEntryDto } from '../../api/schema.gen';
import { Empty, ErrorState, FormError, formatDate, Loading, Notice, PageHeader } from '../../components/ui';
import { Link, navigate, useParams } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';
import { AlertForm, formatSeconds, type AlertInput } from './alert-form';
import { conditionOf, StateBadge } from './alerts';

// One alert: its settings (editable by admins), a test send, and its history: each firing,
// resolution and test with the delivery of every channel and its attempts.

export default function AlertDetail() {
  const { alertId = '' } = useParams();
  const { project, org } = useWorkspace();
  const projectId = project?.id ?? '';
  const alert = useApi('GET /v1/alerts/{alertId}', { path: { alertId } });
  const history = useApi('GET /v1/alerts/{alertId}/history', { path: { alertId }, query: { limit: 50 } });
  const isAdmin = atLeast(org?.role, 'admin');
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const save = useSubmit(async (body: AlertInput) => {
    await api('PATCH /v1/alerts/{alertId}', { path: { alertId }, body });
    setEditing(false);
    setNotice('Alert saved.');
    alert.reload();
  });
  const action = useSubmit(async (kind: 'test' | 'toggle' | 'delete') => {
    setNotice(null);
    if (kind === 'test') {
      await api('POST /v1/alerts/{alertId}/test', { path: { alertId } });
      setNotice('Test notification sent through every channel. Its deliveries appear in the history below.');
      history.reload();
    } else if (kind === 'toggle' && alert.data) {
      await api('PATCH /v1/alerts/{alertId}', { path: { alertId }, body: { enabled: !alert.data.enabled } });
      alert.reload();
    } else if (kind === 'delete') {
      if (!window.confirm('Delete this alert and its history?')) return;
      await api('DELETE /v1/alerts/{alertId}', { path: { alertId } });
      navigate(`/projects/${projectId}/alerts`, { replace: true });
    }
  });

  if (alert.error) return <ErrorState error={alert.error} onRetry={alert.reload} />;
  if (!alert.data) return <Loading label="Loading the alert…" />;
  const data = alert.data;
  return (
    <>
      <PageHeader title={data.name}>
        {isAdmin && !editing && (
          <>
            <button
              type="button"
              className="primary"
              onClick={() => void action.run('test')}
              disabled={action.busy}
            >
              Send test
            </button>
            <button type="button" onClick={() => setEditing(true)}>
              Edit
            </button>
            <button type="button" onClick={() => void action.run('toggle')} disabled={action.busy}>
              {data.enabled ? 'Disable' : 'Enable'}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => void action.run('delete')}
              disabled={action.busy}
            >
              Delete
            </button>
          </>
        )}
      </PageHeader>
      <p>
        <Link href={`/projects/${projectId}/alerts`}>Back to alerts</Link>
      </p>
      <FormError error={action.error} />
      {notice && <Notice tone="success">{notice}</Notice>}
      {editing ? (
        <section aria-labelledby="edit-heading">
          <h2 id="edit-heading">Edit alert</h2>
          <AlertForm
            alert={data}
            defaultEmail=""
            busy={save.busy}
            error={save.error}
            submitLabel="Save alert"
            onSubmit={(body) => void save.run(body)}
            onCancel={() => {
              setEditing(false);
              save.setError(null);
            }}
          />
        </section>
      ) : (
        <AlertSummary alert={data} />
      )}
      <section aria-labelledby="history-heading">
        <div className="section-header">
          <h2 id="history-heading">History</h2>
          <button type="button" onClick={history.reload} disabled={history.loading}>
            Refresh history
          </button>
        </div>
        {history.error ? (
          <ErrorState error={history.error} onRetry={history.reload} />
        ) : !history.data ? (
          <Loading label="Loading the history…" />
        ) : history.data.items.length === 0 ? (
          <Empty title="Nothing has happened yet">
            <p className="muted small">Firings, resolutions and tests appear here with their deliveries.</p>
          </Empty>
        ) : (
          <ol className="history" data-testid="alert-history">
            {history.data.items.map((entry) => (
              <HistoryEntry key={entry.id} entry={entry} />
            ))}
          </ol>
        )}
      </section>
    </>
  );
}

function AlertSummary({ alert }: { alert: AlertDto }) {
  const filter = Object.entries(alert.filter).filter(([, value]) => value !== undefined && value !== '');
  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      <dl className="detail-list">
        <div>
          <dt>State</dt>
          <dd>
            <StateBadge alert={alert} />
            {alert.lastValue !== null && <> last value {alert.lastValue}</>}
          </dd>
        </div>
        <div>
          <dt>Fires when</dt>
          <dd>{conditionOf(alert)}</dd>
        </div>
        <div>
          <dt>Only events with</dt>
          <dd>
            {filter.length > 0 ? filter.map(([name, value]) => `${name} = ${value}`).join(', ') : 'any event'}
          </dd>
        </div>
        <div>
          <dt>Checked</dt>
          <dd>
            every {formatSeconds(alert.everySeconds)}, last {formatDate(alert.lastEvaluatedAt)}
          </dd>
        </div>
        <div>
          <dt>Notifies again after</dt>
          <dd>{alert.cooldownSeconds > 0 ? formatSeconds(alert.cooldownSeconds) : 'every check'}</dd>
        </div>
        <div>
          <dt>Channels</dt>
          <dd>
            {alert.channels.length === 0
              ? 'none'
              : alert.channels
                  .map((channel) => {
                    switch (channel.type) {
                      case 'in_app':
                        return 'inbox';
                      case 'email':
                        return `email ${channel.to}`;
                      case 'telegram':
                        return `Telegram chat ${channel.chatId}`;
                      default:
                        return `${CHANNEL_NAMES[channel.type]} ${channel.url}`;
                    }
                  })
                  .join(', ')}
          </dd>
        </div>
      </dl>
    </section>
  );
}

const CHANNEL_NAMES = { webhook: 'webhook', slack: 'Slack', teams: 'Teams', discord: 'Discord' } as const;

const KIND_LABELS: Record<AlertHistoryEntryDto['kind'], string> = {
  firing: 'Fired',
  resolved: 'Resolved',
  test: 'Test',
};

function HistoryEntry({ entry }: { entry: AlertHistoryEntryDto }) {
  return (
    <li className="panel">
      <p className="history-head">
        <span
          className={`badge${entry.kind === 'firing' ? ' badge-danger' : entry.kind === 'resolved' ? ' badge-success' : ''}`}
        >
          {KIND_LABELS[entry.kind]}
        </span>{' '}
        {formatDate(entry.at)}
        {entry.value !== null && <> · value {entry.value}</>}
      </p>
      {entry.deliveries.length === 0 ? (
        <p className="muted small">No deliveries.</p>
      ) : (
        <ul className="deliveries">
          {entry.deliveries.map((delivery) => (
            <Delivery key={delivery.id} delivery={delivery} />
          ))}
        </ul>
      )}
    </li>
  );
}

function Delivery({ delivery }: { delivery: AlertDeliveryDto }) {
  const tone =
    delivery.status === 'delivered' ? ' badge-success' : delivery.status === 'failed' ? ' badge-danger' : '';
  const channel = delivery.channel === 'in_app' ? 'inbox' : delivery.channel;
  return (
    <li>
      <span>
        {channel}
        {delivery.target ? ` ${delivery.target}` : ''}
      </span>{' '}
      <span className={`badge${tone}`}>{delivery.status}</span>
      {delivery.attempts.length > 0 && (
        <details>
          <summary>
            {delivery.attempts.length} attempt{delivery.attempts.length === 1 ? '' : 's'}
          </summary>
          <ul className="small">
            {delivery.attempts.map((attempt) => (
              <li key={attempt.attempt}>
                #{attempt.attempt} {formatDate(attempt.at)} · {attempt.statusCode ?? 'no answer'} ·{' '}
                {attempt.durationMs} ms{attempt.error ? ` · ${attempt.error}` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </li>
  );
}
