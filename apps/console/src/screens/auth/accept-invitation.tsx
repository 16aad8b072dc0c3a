import { useEffect, useSyncExternalStore } from 'react';
import { api } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import { forgetInvitation, rememberInvitation } from '../../api/pending-invitation';
import { session } from '../../api/session';
import { ErrorState, FormError, Loading, Notice } from '../../components/ui';
import { Link, navigate, useLocation } from '../../router';

export default function AcceptInvitation() {
  const location = useLocation();
  const token = location.search.get('token') ?? '';
  const signedIn = useSyncExternalStore(session.subscribe, session.isSignedIn);
  const here = `/invitations/accept?token=${encodeURIComponent(token)}`;
  // Only a verified address may accept (anyone can register any address): check before offering it.
  const me = useApi('GET /v1/me', signedIn && token ? {} : null);
  const accept = useSubmit(async () => {
    const membership = await api('POST /v1/invitations/accept', { body: { token } });
    forgetInvitation();
    navigate(`/orgs/${membership.orgId}`);
  });
  const mustVerify = me.data !== undefined && !me.data.emailVerified;
  useEffect(() => {
    if (token && (!signedIn || mustVerify)) rememberInvitation(token);
  }, [token, signedIn, mustVerify]);

  if (!token) {
    return (
      <>
        <h1>Accept invitation</h1>
        <Notice tone="warning">This link has no token: open the link from the invitation email again.</Notice>
      </>
    );
  }
  if (!signedIn) {
    return (
      <>
        <h1>You are invited to an organisation</h1>
        <p>Sign in, or create an account with the email address the invitation was sent to, to accept it.</p>
        <div className="actions">
          <Link href={`/login?next=${encodeURIComponent(here)}`} className="button primary">
            Sign in
          </Link>
          <Link href={`/signup?next=${encodeURIComponent(here)}`} className="button">
            Create an account
          </Link>
        </div>
      </>
    );
  }
  if (me.error) return <ErrorState error={me.error} onRetry={me.reload} />;
  if (!me.data) return <Loading />;
  if (mustVerify) {
    return (
      <>
        <h1>Verify your email first</h1>
        <Notice tone="warning">
          To accept, confirm that {me.data.email} is yours: open the link we emailed to it. The verification
          page brings you back here.
        </Notice>
      </>
    );
  }
  return (
    <>
      <h1>You are invited to an organisation</h1>
      <p>Accepting adds you ({me.data.email}) to the organisation with the role the invitation names.</p>
      <FormError error={accept.error} />
      <div className="actions">
        <button type="button" className="primary" disabled={accept.busy} onClick={() => void accept.run()}>
          Accept invitation
        </button>
        <Link href="/">Not now</Link>
      </div>
    </>
  );
}
