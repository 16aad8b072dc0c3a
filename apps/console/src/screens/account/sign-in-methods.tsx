import { api, ApiError } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import type { LinkedIdentityDto } from '../../api/schema.gen';
import { Empty, ErrorState, FormError, formatDate, Loading, Notice, PageHeader } from '../../components/ui';
import { Link, useLocation } from '../../router';

// What the gateway's redirect after a link says went wrong, in words (other values: the provider's own).
const LINK_ERRORS: Record<string, string> = {
  identity_in_use:
    'That provider account already signs in to another Northstar account. Unlink it there first, or use another one.',
  session_ended: 'Your session ended before the provider answered. Sign in again and link once more.',
  access_denied: 'The provider was not allowed to share your account. Nothing was linked.',
};

// The ways into the account: the password and the single sign-on providers linked to it. The API keeps
// at least one (409 for the last), so the screen explains what to add before unlinking that one.

export default function SignInMethods() {
  const identities = useApi('GET /v1/me/identities', {});
  const providers = useApi('GET /v1/auth/oidc/providers', {});
  const { search } = useLocation();
  const linked = search.get('linked');
  const linkError = search.get('error');
  const linkedName = providers.data?.find((provider) => provider.id === linked)?.name ?? linked;
  return (
    <>
      <PageHeader title="Sign-in methods" />
      {linked && <Notice tone="success">{linkedName} is linked: you can sign in with it from now on.</Notice>}
      {linkError && (
        <p role="alert" className="form-error" data-testid="link-error">
          {LINK_ERRORS[linkError] ?? `The provider did not link (${linkError}). Try again.`}
        </p>
      )}
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
            {providers.data && providers.data.length > 0 && (
              <LinkProvider
                providers={providers.data}
                linkedIds={identities.data.items.map((item) => item.provider)}
              />
            )}
          </section>
        </>
      )}
    </>
  );
}

/**
 * Buttons that link another provider to this account: the gateway answers where to go (the provider's
 * sign-in page) and sets its state cookie on this origin; the provider comes back to this page.
 */
function LinkProvider({
  providers,
  linkedIds,
}: {
  providers: { id: string; name: string }[];
  linkedIds: string[];
}) {
  const start = useSubmit(async (provider: string) => {
    const { authorizationUrl } = await api('POST /v1/me/identities/oidc/{provider}', {
      path: { provider },
      body: { redirect: '/account/sign-in-methods' },
    });
    window.location.assign(authorizationUrl);
  });
  const unlinked = providers.filter((provider) => !linkedIds.includes(provider.id));
  if (unlinked.length === 0) return null;
  return (
    <div aria-labelledby="link-provider-heading">
      <h3 id="link-provider-heading">Link a provider</h3>
      <p className="muted small">
        Sign in with the provider once; after that it signs you in to this account.
      </p>
      <FormError error={start.error} />
      <div className="actions">
        {unlinked.map((provider) => (
          <button
            key={provider.id}
            type="button"
            disabled={start.busy}
            onClick={() => void start.run(provider.id)}
          >
            Link {provider.name}
          </button>
        ))}
      </div>
    </div>
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
