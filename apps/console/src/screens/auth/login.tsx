import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import { session } from '../../api/session';
import { Field, FormError, SubmitButton } from '../../components/ui';
import { Link, navigate, useLocation } from '../../router';

export default function Login() {
  const location = useLocation();
  const next = location.search.get('next');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // With two factors on, the password step answers a short-lived token instead of a session.
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  // The guard (app.tsx) sends a signed-in visitor on to `next` once the session starts.
  const submit = useSubmit(async () => {
    const answer = await api('POST /v1/auth/login', { body: { email, password } });
    if ('mfaRequired' in answer) setMfaToken(answer.mfaToken);
    else session.start(answer);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };

  // Single sign-on: a provider's button starts at the gateway, which comes back here with a one-time
  // `code` (never the tokens themselves in the URL) or an `error`.
  const providers = useApi('GET /v1/auth/oidc/providers', {});
  const ssoCode = location.search.get('code');
  const ssoError = location.search.get('error');
  const exchanged = useRef<string | null>(null);
  const exchange = useSubmit(async (code: string) => {
    navigate('/login', { replace: true });
    const answer = await api('POST /v1/auth/oidc/exchange', { body: { code } });
    if ('mfaRequired' in answer) setMfaToken(answer.mfaToken);
    else session.start(answer);
  });
  useEffect(() => {
    // A code works once: never send it twice, whatever React re-runs.
    if (ssoCode && exchanged.current !== ssoCode) {
      exchanged.current = ssoCode;
      void exchange.run(ssoCode);
    }
  }, [ssoCode, exchange]);
  const withNext = (path: string) => (next ? `${path}?next=${encodeURIComponent(next)}` : path);

  if (mfaToken) return <SecondFactor mfaToken={mfaToken} onRestart={() => setMfaToken(null)} />;
  return (
    <>
      <h1>Sign in to Northstar</h1>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={submit.error} />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={submit.error}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={submit.error}
        />
        <div className="actions">
          <SubmitButton busy={submit.busy}>Sign in</SubmitButton>
          <Link href="/forgot-password">Forgot your password?</Link>
        </div>
      </form>
      {providers.data && providers.data.length > 0 && (
        <section aria-labelledby="sso-heading">
          <h2 id="sso-heading">Or sign in with</h2>
          {ssoError && (
            <p role="alert" className="form-error">
              Single sign-on did not complete ({ssoError}). Try again, or sign in with your password.
            </p>
          )}
          <FormError error={exchange.error} />
          <div className="actions">
            {providers.data.map((provider) => (
              <a
                key={provider.id}
                className="button"
                href={`/v1/auth/oidc/${encodeURIComponent(provider.id)}/start?redirect=%2Flogin`}
              >
                {provider.name}
              </a>
            ))}
          </div>
        </section>
      )}
      <p>
        New to Northstar? <Link href={withNext('/signup')}>Create an account</Link>
      </p>
    </>
  );
}

/** The second step: a code of the authenticator app, or one of the recovery codes. */
function SecondFactor({ mfaToken, onRestart }: { mfaToken: string; onRestart: () => void }) {
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState('');
  const submit = useSubmit(async () => {
    const body = useRecovery ? { mfaToken, recoveryCode: code.trim() } : { mfaToken, code: code.trim() };
    session.start(await api('POST /v1/auth/mfa', { body }));
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };
  return (
    <>
      <h1>Two-factor sign-in</h1>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={submit.error} />
        <Field
          label={useRecovery ? 'Recovery code' : 'Code from your authenticator app'}
          name={useRecovery ? 'recoveryCode' : 'code'}
          autoComplete="one-time-code"
          inputMode={useRecovery ? 'text' : 'numeric'}
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={submit.error}
        />
        <div className="actions">
          <SubmitButton busy={submit.busy}>Verify</SubmitButton>
          <button type="button" className="link" onClick={() => setUseRecovery(!useRecovery)}>
            {useRecovery ? 'Use a code from the app' : 'Use a recovery code'}
          </button>
        </div>
      </form>
      <p>
        The sign-in expired or was refused?{' '}
        <button type="button" className="link" onClick={onRestart}>
          Start again
        </button>
      </p>
    </>
  );
}
