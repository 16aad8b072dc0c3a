import { useEffect, useState, useSyncExternalStore } from 'react';
import type { InAppNotificationDto } from '../../api/schema.gen';
import { Empty, ErrorState, FormError, formatDate, Loading, PageHeader } from '../../components/ui';
import { Link } from '../../router';
import { inbox, unreadOf } from './inbox-store';

// The signed-in user's in-app notifications (alert firings, resolutions and tests; the organisation's
// event quota), newest first.

const KIND_LABELS: Record<InAppNotificationDto['kind'], string> = {
  firing: 'Firing',
  resolved: 'Resolved',
  test: 'Test',
  'quota-80': 'Quota 80%',
  'quota-100': 'Quota used up',
  'quota-forecast': 'Quota forecast',
};

const BADGE: Partial<Record<InAppNotificationDto['kind'], string>> = {
  firing: ' badge-danger',
  resolved: ' badge-success',
  'quota-100': ' badge-danger',
  'quota-80': ' badge-warning',
  'quota-forecast': ' badge-warning',
};

export default function Inbox() {
  const state = useSyncExternalStore(inbox.subscribe, inbox.snapshot);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void inbox.refresh();
  }, []);
  const { count } = unreadOf(state);

  const markRead = async (ids: string[]) => {
    setBusy(true);
    setError(null);
    try {
      for (const id of ids) await inbox.markRead(id);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="Inbox">
        <button type="button" onClick={() => void inbox.refresh()}>
          Refresh
        </button>
        {count > 0 && (
          <button
            type="button"
            onClick={() =>
              void markRead((state.items ?? []).filter((item) => !item.readAt).map((item) => item.id))
            }
            disabled={busy}
          >
            Mark all as read
          </button>
        )}
      </PageHeader>
      <p className="muted small" aria-live="polite">
        {state.items ? `${count} unread` : ''}
      </p>
      <FormError error={error} />
      {state.error && !state.items ? (
        <ErrorState error={state.error} onRetry={() => void inbox.refresh()} />
      ) : !state.items ? (
        <Loading label="Loading notifications…" />
      ) : state.items.length === 0 ? (
        <Empty title="No notifications">
          <p className="muted small">Alerts that notify the inbox show up here.</p>
        </Empty>
      ) : (
        <ul className="inbox" data-testid="inbox">
          {state.items.map((item) => (
            <li key={item.id} className={`panel${item.readAt ? '' : ' unread'}`}>
              <div className="section-header">
                <h2 className="inbox-title">
                  {!item.readAt && <span className="visually-hidden">Unread: </span>}
                  <span className={`badge${BADGE[item.kind] ?? ''}`}>{KIND_LABELS[item.kind]}</span>{' '}
                  {item.title}
                </h2>
                {!item.readAt && (
                  <button type="button" onClick={() => void markRead([item.id])} disabled={busy}>
                    Mark as read
                  </button>
                )}
              </div>
              <p>{item.body}</p>
              <p className="muted small">
                {formatDate(item.createdAt)}
                {item.value !== undefined && <> · value {item.value}</>}
                {item.alertId && (
                  <>
                    {' · '}
                    <Link
                      href={`/projects/${item.projectId}/alerts/${item.alertId}`}
                      onClick={() => {
                        if (!item.readAt) void inbox.markRead(item.id).catch(() => undefined);
                      }}
                    >
                      Open the alert
                    </Link>
                  </>
                )}
                {item.kind.startsWith('quota-') && (
                  <>
                    {' · '}
                    <Link
                      href={`/orgs/${item.orgId}/usage`}
                      onClick={() => {
                        if (!item.readAt) void inbox.markRead(item.id).catch(() => undefined);
                      }}
                    >
                      See the usage
                    </Link>
                  </>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
