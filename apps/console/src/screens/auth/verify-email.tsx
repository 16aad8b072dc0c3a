import { useEffect, useRef, useState } from 'react';
import { api } from '../../api/client';
import { pendingInvitation } from '../../api/pending-invitation';
import { session } from '../../api/session';
import { ErrorState, Loading, Notice } from '../../components/ui';
import { Link, useLocation } from '../../router';

export default function VerifyEmail() {
  const token = useLocation().search.get('token') ?? '';
  const [state, setState] = useState<{ status: 'working' | 'done' | 'failed'; error?: unknown }>({
    status: 'working',
  });
  // Tokens are single-use: a second request (React's development double effects) would fail it.
  const sent = useRef(false);

  useEffect(() => {
    if (sent.current || !token) return;
    sent.current = true;
    api('POST /v1/auth/verify-email', { body: { token } }).then(
      () => setState({ status: 'done' }),
      (error: unknown) => setState({ status: 'failed', error }),
    );
  }, [token]);

  const invitation = pendingInvitation();
  const onward = session.isSignedIn()
    ? invitation
      ? `/invitations/accept?token=${encodeURIComponent(invitation)}`
      : '/'
    : '/login';
  return (
    <>
      <h1>Verify your email</h1>
      {!token ? (
        <Notice tone="warning">This link has no token: open the link from the email again.</Notice>
      ) : state.status === 'working' ? (
        <Loading label="Verifying your email…" />
      ) : state.status === 'done' ? (
        <>
          <Notice tone="success">Your email is verified.</Notice>
          <Link href={onward} className="button primary">
            {session.isSignedIn()
              ? invitation
                ? 'Continue to your invitation'
                : 'Continue to the console'
              : 'Sign in'}
          </Link>
        </>
      ) : (
        <>
          <ErrorState error={state.error} />
          <p>The link may be used already or expired. Sign in to see whether your email is verified.</p>
          <Link href={onward}>Continue</Link>
        </>
      )}
    </>
  );
}
