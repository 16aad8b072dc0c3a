import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { Field, FormError, formatDate, Notice, PageHeader, SubmitButton } from '../../components/ui';
import { useWorkspace } from '../../workspace';

export default function Account() {
  const { me, setMe } = useWorkspace();
  const [name, setName] = useState(me.name);
  const [saved, setSaved] = useState<string | null>(null);
  const [currentPassword, setCurrentPassword] = useState('');
  const [password, setPassword] = useState('');

  const saveName = useSubmit(async () => {
    setMe(await api('PATCH /v1/me', { body: { name } }));
    setSaved('Your name is saved.');
  });
  const changePassword = useSubmit(async () => {
    setMe(await api('PATCH /v1/me', { body: { password, currentPassword } }));
    setCurrentPassword('');
    setPassword('');
    setSaved('Your password is changed.');
  });
  const onName = (event: FormEvent) => {
    event.preventDefault();
    void saveName.run();
  };
  const onPassword = (event: FormEvent) => {
    event.preventDefault();
    void changePassword.run();
  };

  return (
    <>
      <PageHeader title="Your account" />
      {saved && <Notice tone="success">{saved}</Notice>}
      <dl className="facts">
        <dt>Email</dt>
        <dd>
          {me.email}{' '}
          {me.emailVerified ? (
            <span className="badge badge-success">verified</span>
          ) : (
            <span className="badge badge-danger">not verified</span>
          )}
        </dd>
        <dt>Member since</dt>
        <dd>{formatDate(me.createdAt)}</dd>
      </dl>
      {!me.emailVerified && (
        <Notice tone="warning">
          Open the link we emailed you to verify your address: inviting people and creating alerts need it.
        </Notice>
      )}
      <section aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <form onSubmit={onName} noValidate>
          <FormError error={saveName.error} />
          <Field
            label="Name"
            name="name"
            autoComplete="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={saveName.error}
          />
          <SubmitButton busy={saveName.busy}>Save name</SubmitButton>
        </form>
      </section>
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        <form onSubmit={onPassword} noValidate>
          <FormError error={changePassword.error} />
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            value={currentPassword}
            onChange={(e) => setCurrentPassword(e.target.value)}
            error={changePassword.error}
          />
          <Field
            label="New password"
            name="password"
            type="password"
            autoComplete="new-password"
            minLength={10}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={changePassword.error}
            hint="At least 10 characters."
          />
          <SubmitButton busy={changePassword.busy}>Change password</SubmitButton>
        </form>
      </section>
    </>
  );
}
