import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { Field, FormError, Notice, SubmitButton } from '../../components/ui';
import { Link } from '../../router';

export default function ForgotPassword() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const submit = useSubmit(async () => {
    await api('POST /v1/auth/forgot-password', { body: { email } });
    setSent(true);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };

  return (
    <>
      <h1>Forgot your password?</h1>
      {sent ? (
        // The API answers the same whether or not the account exists, and so does the console.
        <Notice tone="success">
          If an account exists for {email}, we sent it a link to choose a new password. The link works once,
          for one hour.
        </Notice>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <p>Enter your email and we will send you a link to choose a new password.</p>
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
          <SubmitButton busy={submit.busy}>Send the link</SubmitButton>
        </form>
      )}
      <p>
        <Link href="/login">Back to sign in</Link>
      </p>
    </>
  );
}
