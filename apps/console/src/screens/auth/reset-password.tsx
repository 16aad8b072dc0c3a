import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { session } from '../../api/session';
import { Field, FormError, Notice, SubmitButton } from '../../components/ui';
import { Link, useLocation } from '../../router';

export default function ResetPassword() {
  const token = useLocation().search.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const submit = useSubmit(async () => {
    if (password !== confirm) {
      throw new ApiError(400, {
        detail: 'The two passwords differ.',
        errors: [{ field: 'confirm', message: 'Type the same password twice' }],
      });
    }
    await api('POST /v1/auth/reset-password', { body: { token, password } });
    // A reset ends every session of the account, this browser's too.
    session.end();
    setDone(true);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };

  if (!token) {
    return (
      <>
        <h1>Choose a new password</h1>
        <Notice tone="warning">
          This link has no token. Open the link from the email again, or ask for a new one.
        </Notice>
        <Link href="/forgot-password">Ask for a new link</Link>
      </>
    );
  }
  return (
    <>
      <h1>Choose a new password</h1>
      {done ? (
        <>
          <Notice tone="success">
            Your password is changed, and every session of your account was signed out.
          </Notice>
          <Link href="/login" className="button primary">
            Sign in
          </Link>
        </>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <FormError error={submit.error} />
          {submit.error instanceof ApiError &&
            submit.error.status === 400 &&
            submit.error.errors.length === 0 && (
              <p>
                <Link href="/forgot-password">Ask for a new link</Link>
              </p>
            )}
          <Field
            label="New password"
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
          <Field
            label="Repeat the new password"
            name="confirm"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            error={submit.error}
          />
          <SubmitButton busy={submit.busy}>Change password</SubmitButton>
        </form>
      )}
    </>
  );
}
