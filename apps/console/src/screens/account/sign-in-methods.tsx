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
              <div className="table-wrap" tabIndex={0} role="region" aria-label="Linked providers">
                <table>
                  <caption className="visually-hidden">Providers linked to your account</caption>
                  <thead>
                    <tr>
                      <th scope="col">Provider</th>
                      <th scope="col">Email there</th>
                      <th scope="col">Linked</th>
                      <th scope="col">Last used</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {identities.data.items.map((item) => (
                      <IdentityRow key={item.id} item={item} onUnlinked={identities.reload} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}

function IdentityRow({ item, onUnlinked }: { item: LinkedIdentityDto; onUnlinked: () => void }) {
  const unlink = useSubmit(async () => {
    await api('DELETE /v1/me/identities/{id}', { path: { id: item.id } });
    onUnlinked();
  });
  const lastWayIn = unlink.error instanceof ApiError && unlink.error.status === 409;
  return (
    <tr>
      <td>{item.providerName}</td>
      <td>{item.email ?? '—'}</td>
      <td>{formatDate(item.createdAt)}</td>
      <td>{formatDate(item.lastUsedAt)}</td>
      <td>
        <button type="button" className="danger" disabled={unlink.busy} onClick={() => void unlink.run()}>
          Unlink <span className="visually-hidden">{item.providerName}</span>
        </button>
        {lastWayIn ? (
          <div className="form-error" role="alert">
            {(unlink.error as ApiError).detail} This is your last way to sign in: set a password (
            <Link href="/forgot-password">Forgot password</Link>) or link another provider first.
          </div>
        ) : (
          <FormError error={unlink.error} />
        )}
      </td>
    </tr>
  );
}
