import { api } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import { session } from '../../api/session';
import type { SessionDto } from '../../api/schema.gen';
import { ErrorState, FormError, formatDate, Loading, PageHeader } from '../../components/ui';
import { navigate } from '../../router';

export default function Sessions() {
  const sessions = useApi('GET /v1/me/sessions', { query: { limit: 200 } });
  return (
    <>
      <PageHeader title="Sessions" />
      <p className="muted">
        Every browser or device signed in to your account. Signing one out ends it within seconds.
      </p>
      {sessions.error ? (
        <ErrorState error={sessions.error} onRetry={sessions.reload} />
      ) : !sessions.data ? (
        <Loading />
      ) : (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Sessions">
          <table>
            <caption className="visually-hidden">Your sessions</caption>
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Address</th>
                <th scope="col">Signed in</th>
                <th scope="col">Last active</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.data.items.map((item) => (
                <SessionRow key={item.id} item={item} onEnded={sessions.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function SessionRow({ item, onEnded }: { item: SessionDto; onEnded: () => void }) {
  const end = useSubmit(async () => {
    if (item.current) {
      const refreshToken = session.storedRefreshToken();
      if (refreshToken) await api('POST /v1/auth/logout', { body: { refreshToken } });
      session.end();
      navigate('/login', { replace: true });
      return;
    }
    await api('DELETE /v1/me/sessions/{id}', { path: { id: item.id } });
    onEnded();
  });
  return (
    <tr>
      <td>
        {item.userAgent ?? 'Unknown device'}
        {item.current && <span className="badge badge-success"> this browser</span>}
      </td>
      <td>{item.ip}</td>
      <td>{formatDate(item.createdAt)}</td>
      <td>{formatDate(item.lastUsedAt)}</td>
      <td>
        <button type="button" className="danger" disabled={end.busy} onClick={() => void end.run()}>
          Sign out <span className="visually-hidden">this session</span>
        </button>
        <FormError error={end.error} />
      </td>
    </tr>
  );
}
