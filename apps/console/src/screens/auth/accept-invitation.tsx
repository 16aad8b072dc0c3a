import { useSyncExternalStore } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { session } from '../../api/session';
import { FormError, Notice } from '../../components/ui';
import { Link, navigate, useLocation } from '../../router';

export default function AcceptInvitation() {
  const location = useLocation();
  const token = location.search.get('token') ?? '';
  const signedIn = useSyncExternalStore(session.subscribe, session.isSignedIn);
  const here = `/invitations/accept?token=${encodeURIComponent(token)}`;
  const accept = useSubmit(async () => {
    const membership = await api('POST /v1/invitations/accept', { body: { token } });
    navigate(`/orgs/${membership.orgId}`);
  });

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
  return (
    <>
      <h1>You are invited to an organisation</h1>
      <p>Accepting adds you to the organisation with the role the invitation names.</p>
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
