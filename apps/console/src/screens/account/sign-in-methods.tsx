import { api, ApiError } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import type { LinkedIdentityDto } from '../../api/schema.gen';
import { Empty, ErrorState, FormError, formatDate, Loading, PageHeader } from '../../components/ui';
import { Link } from '../../router';

// The ways into the account: the password and the single sign-on providers linked to it. The API keeps
// at least one (409 for the last), so the screen explains what to add before unlinking that one.

export default function SignInMethods() {
  const identities = useApi('GET /v1/me/identities', {});
  return (
    <>
      <PageHeader title="Sign-in methods" />
      {identities.error ? (
        <ErrorState error={identities.error} onRetry={identities.reload} />
      ) : !identities.data ? (
        <Loading />
      ) : (
        <>
          <section aria-labelledby="password-method-heading">
            <h2 id="password-method-heading">Password</h2>
            <p data-testid="password-method">
              {identities.data.hasPassword ? (
                <>
                  <span className="badge badge-success">set</span> You can sign in with your email and
                  password. <Link href="/account">Change it</Link>.
                </>
              ) : (
                <>
                  <span className="badge">not set</span> You sign in through a provider below. To add a
                  password, use <Link href="/forgot-password">Forgot password</Link> with your email.
                </>
              )}
            </p>
          </section>
          <section aria-labelledby="providers-heading">
            <h2 id="providers-heading">Single sign-on</h2>
            {identities.data.items.length === 0 ? (
              <Empty title="No providers linked">
                <p>Signing in with a provider on the sign-in page links it to this account.</p>
              </Empty>
            ) : (
              <ul className="cards" aria-label="Linked providers">
                {identities.data.items.map((item) => (
                  <IdentityCard key={item.id} item={item} onUnlinked={identities.reload} />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </>
  );
}

// Cards rather than a table: the refusal to unlink the last way in must be readable at phone width,
// beside its button, not in a column scrolled out of view.
function IdentityCard({ item, onUnlinked }: { item: LinkedIdentityDto; onUnlinked: () => void }) {
  const unlink = useSubmit(async () => {
    await api('DELETE /v1/me/identities/{id}', { path: { id: item.id } });
    onUnlinked();
  });
  const lastWayIn = unlink.error instanceof ApiError && unlink.error.status === 409;
  return (
    <li className="card" data-testid="identity">
      <h3>{item.providerName}</h3>
      <p className="muted small">
        {item.email ?? 'No email given'} · linked {formatDate(item.createdAt)} · last used{' '}
        {formatDate(item.lastUsedAt)}
      </p>
      <button type="button" className="danger" disabled={unlink.busy} onClick={() => void unlink.run()}>
        Unlink <span className="visually-hidden">{item.providerName}</span>
      </button>
      {lastWayIn ? (
        <div className="form-error" role="alert">
          {/* The API's detail already says why and what to do; the link makes the way to a password one click. */}
          {(unlink.error as ApiError).detail.replace(/\.$/, '')}.{' '}
          <Link href="/forgot-password">Set a password</Link>
        </div>
      ) : (
        <FormError error={unlink.error} />
      )}
    </li>
  );
}
