import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { handOffKey } from '../../api/fresh-keys';
import { Field, FormError, PageHeader, SelectField, SubmitButton } from '../../components/ui';
import { navigate, useParams } from '../../router';
import { useWorkspace } from '../../workspace';

const KINDS = [
  { value: 'web2', label: 'Web2: a website or app' },
  { value: 'web3', label: 'Web3: a wallet app or dapp' },
  { value: 'hybrid', label: 'Hybrid: both' },
] as const;

function browserTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export default function NewProject() {
  const { orgId } = useParams();
  const { reload } = useWorkspace();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'web2' | 'web3' | 'hybrid'>('web2');
  const [timezone, setTimezone] = useState(browserTimezone);
  const submit = useSubmit(async () => {
    const project = await api('POST /v1/orgs/{orgId}/projects', {
      path: { orgId },
      body: { name, kind, timezone },
    });
    // The onboarding shows a first key at once; if creating it fails (a plan limit, say) the
    // onboarding offers to create one instead.
    try {
      const key = await api('POST /v1/projects/{projectId}/keys', {
        path: { projectId: project.id },
        body: { name: 'Default key', scopes: ['events:write'] },
      });
      handOffKey(project.id, key);
    } catch {
      // Shown by the onboarding as "no key yet".
    }
    await reload();
    navigate(`/projects/${project.id}/onboarding`);
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit.run();
  };
  return (
    <>
      <PageHeader title="New project" />
      <p className="muted">
        A project is one application you track: its events, keys and alerts belong to it.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <FormError error={submit.error} />
        <Field
          label="Project name"
          name="name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={submit.error}
        />
        <SelectField
          label="Kind"
          name="kind"
          options={KINDS}
          value={kind}
          onChange={(e) => setKind(e.target.value as typeof kind)}
          error={submit.error}
        />
        <Field
          label="Time zone"
          name="timezone"
          value={timezone}
          onChange={(e) => setTimezone(e.target.value)}
          error={submit.error}
          hint="IANA name, e.g. Europe/Paris: days in reports start at midnight there."
        />
        <SubmitButton busy={submit.busy}>Create project</SubmitButton>
      </form>
    </>
  );
}
