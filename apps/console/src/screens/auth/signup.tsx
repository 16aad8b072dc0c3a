import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { session } from '../../api/session';
import { Field, FormError, SubmitButton } from '../../components/ui';
import { Link, navigate, useLocation } from '../../router';

export default function Signup() {
  const location = useLocation();
  const next = location.search.get('next');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = useSubmit(async () => {
    await api('POST /v1/auth/register', { body: { name, email, password } });
    // Registration answers the user only: sign in with the same credentials to start the session.
    const answer = await api('POST /v1/auth/login', { body: { email, password } });
    // A new account has no second factor; should it ever, the login page asks for it.
    if ('mfaRequired' in answer) navigate('/login');
    else session.start(answer);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };

  return (
    <>
      <h1>Create your account</h1>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={submit.error} />
        <Field
          label="Your name"
          name="name"
          autoComplete="name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={submit.error}
        />
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
          autoComplete="new-password"
          required
          minLength={10}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={submit.error}
          hint="At least 10 characters."
        />
        <SubmitButton busy={submit.busy}>Create account</SubmitButton>
      </form>
      <p>
        Already have an account?{' '}
        <Link href={next ? `/login?next=${encodeURIComponent(next)}` : '/login'}>Sign in</Link>
      </p>
    </>
  );
}
