import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { session } from '../../api/session';
import { Field, FormError, SubmitButton } from '../../components/ui';
import { Link, useLocation } from '../../router';

export default function Login() {
  const location = useLocation();
  const next = location.search.get('next');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // The guard (app.tsx) sends a signed-in visitor on to `next` once the session starts.
  const submit = useSubmit(async () => {
    session.start(await api('POST /v1/auth/login', { body: { email, password } }));
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };
  const withNext = (path: string) => (next ? `${path}?next=${encodeURIComponent(next)}` : path);

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
      <p>
        New to Northstar? <Link href={withNext('/signup')}>Create an account</Link>
      </p>
    </>
  );
}
