import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { Field, FormError, PageHeader, SubmitButton } from '../../components/ui';
import { navigate } from '../../router';
import { useWorkspace } from '../../workspace';

export default function NewOrg() {
  const { orgs, reload } = useWorkspace();
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const submit = useSubmit(async () => {
    const org = await api('POST /v1/orgs', { body: { name, slug: slug || undefined } });
    await reload();
    navigate(`/orgs/${org.id}/projects/new`);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };
  return (
    <>
      <PageHeader title={orgs.length === 0 ? 'Welcome! Create your organisation' : 'New organisation'} />
      <p className="muted">An organisation holds your team and its projects. You will be its owner.</p>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={submit.error} />
        <Field
          label="Organisation name"
          name="name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={submit.error}
        />
        <Field
          label="Slug (optional)"
          name="slug"
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
          error={submit.error}
          hint="Lower-case letters, digits and dashes; derived from the name when empty."
          pattern="[a-z0-9-]{2,48}"
        />
        <SubmitButton busy={submit.busy}>Create organisation</SubmitButton>
      </form>
    </>
  );
}
