import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import { Field, FormError, Notice, PageHeader, SubmitButton } from '../../components/ui';
import { Link, navigate } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';

export default function OrgSettings() {
  const { org, reload } = useWorkspace();
  const [name, setName] = useState(org?.name ?? '');
  const [slug, setSlug] = useState(org?.slug ?? '');
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const save = useSubmit(async () => {
    if (!org) return;
    await api('PATCH /v1/orgs/{orgId}', { path: { orgId: org.id }, body: { name, slug } });
    await reload();
    setSaved(true);
  });
  const remove = useSubmit(async () => {
    if (!org) return;
    await api('DELETE /v1/orgs/{orgId}', { path: { orgId: org.id } });
    await reload();
    navigate('/', { replace: true });
  });
  if (!org) return null;
  const isAdmin = atLeast(org.role, 'admin');
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    void save.run();
  };

  return (
    <>
      <PageHeader title={`${org.name}: settings`} />
      {saved && <Notice tone="success">The organisation is saved.</Notice>}
      {isAdmin ? (
        <form onSubmit={onSubmit} noValidate>
          <FormError error={save.error} />
          <Field
            label="Organisation name"
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={save.error}
          />
          <Field
            label="Slug"
            name="slug"
            value={slug}
            onChange={(e) => setSlug(e.target.value)}
            error={save.error}
            hint="Lower-case letters, digits and dashes."
          />
          <SubmitButton busy={save.busy}>Save</SubmitButton>
        </form>
      ) : (
        <dl className="facts">
          <dt>Name</dt>
          <dd>{org.name}</dd>
          <dt>Slug</dt>
          <dd>{org.slug}</dd>
          <dt>Your role</dt>
          <dd>{org.role}</dd>
        </dl>
      )}
      {org.role === 'owner' ? (
        <RequireMfa />
      ) : (
        <p className="muted" data-testid="require-mfa">
          Two-factor sign-in {org.requireMfa ? 'is required' : 'is not required'} for members.
        </p>
      )}
      {org.role === 'owner' && (
        <section aria-labelledby="delete-org-heading" className="danger-zone">
          <h2 id="delete-org-heading">Delete the organisation</h2>
          <FormError error={remove.error} />
          {confirming ? (
            <div role="group" aria-label="Confirm deleting">
              <p>Delete {org.name}, its projects, keys and events? This cannot be undone.</p>
              <div className="actions">
                <button
                  type="button"
                  className="danger"
                  disabled={remove.busy}
                  onClick={() => void remove.run()}
                >
                  Yes, delete {org.name}
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Delete organisation
            </button>
          )}
        </section>
      )}
    </>
  );
}

/** The owner's switch; the API refuses it to an owner without two factors (they would lock themselves out). */
function RequireMfa() {
  const { org, me, reload } = useWorkspace();
  const providers = useApi('GET /v1/auth/oidc/providers', {});
  const [requireMfa, setRequireMfa] = useState(org?.requireMfa ?? false);
  const [trusted, setTrusted] = useState<string[]>(org?.trustedMfaProviders ?? []);
  const [saved, setSaved] = useState<string | null>(null);
  const save = useSubmit(async () => {
    if (!org) return;
    await api('PATCH /v1/orgs/{orgId}', {
      path: { orgId: org.id },
      body: { requireMfa, trustedMfaProviders: trusted },
    });
    await reload();
    setSaved(
      requireMfa ? 'Members now need two-factor sign-in.' : 'Two-factor sign-in is no longer required.',
    );
  });
  if (!org) return null;
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(null);
    void save.run();
  };
  const toggle = (id: string, on: boolean) =>
    setTrusted((current) => (on ? [...current, id] : current.filter((each) => each !== id)));
  return (
    <section aria-labelledby="require-mfa-heading">
      <h2 id="require-mfa-heading">Two-factor sign-in</h2>
      <p className="muted">
        Members without two-factor sign-in are refused this organisation's projects, keys and analytics until
        they set it up.
        {!me.mfaEnabled && (
          <>
            {' '}
            You need it yourself first: <Link href="/account/two-factor">set up two-factor sign-in</Link>, or
            sign in through a provider this organisation trusts.
          </>
        )}
      </p>
      {saved && <Notice tone="success">{saved}</Notice>}
      <form onSubmit={onSubmit} noValidate>
        <FormError error={save.error} />
        <label className="checkbox">
          <input
            type="checkbox"
            name="requireMfa"
            checked={requireMfa}
            onChange={(e) => setRequireMfa(e.target.checked)}
          />
          Require two-factor sign-in for members
        </label>
        {providers.data && providers.data.length > 0 && (
          <fieldset>
            <legend>Providers whose own two-factor check counts</legend>
            <p className="muted small">
              A member signed in through one of these counts as signed in with two factors (trust only
              providers that enforce it, such as your company's identity provider).
            </p>
            {providers.data.map((provider) => (
              <label className="checkbox" key={provider.id}>
                <input
                  type="checkbox"
                  name="trustedMfaProviders"
                  value={provider.id}
                  checked={trusted.includes(provider.id)}
                  onChange={(e) => toggle(provider.id, e.target.checked)}
                />
                {provider.name}
              </label>
            ))}
          </fieldset>
        )}
        <SubmitButton busy={save.busy}>Save requirement</SubmitButton>
      </form>
    </section>
  );
}
