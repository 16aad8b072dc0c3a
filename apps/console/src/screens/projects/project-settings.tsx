import { useState, type FormEvent } from 'react';
import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import type { ProjectDto } from '../../api/schema.gen';
import { Field, FormError, Notice, PageHeader, SelectField, SubmitButton } from '../../components/ui';
import { navigate } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';

const KINDS = [
  { value: 'web2', label: 'Web2: a website or app' },
  { value: 'web3', label: 'Web3: a wallet app or dapp' },
  { value: 'hybrid', label: 'Hybrid: both' },
] as const;

export default function ProjectSettings() {
  const { project, org, reload } = useWorkspace();
  const [name, setName] = useState(project?.name ?? '');
  const [kind, setKind] = useState<ProjectDto['kind']>(project?.kind ?? 'web2');
  const [timezone, setTimezone] = useState(project?.timezone ?? 'UTC');
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const save = useSubmit(async () => {
    if (!project) return;
    await api('PATCH /v1/projects/{projectId}', {
      path: { projectId: project.id },
      body: { name, kind, timezone },
    });
    await reload();
    setSaved(true);
  });
  const remove = useSubmit(async () => {
    if (!project) return;
    await api('DELETE /v1/projects/{projectId}', { path: { projectId: project.id } });
    await reload();
    navigate(`/orgs/${project.orgId}`, { replace: true });
  });
  if (!project) return null;
  const isAdmin = atLeast(org?.role, 'admin');
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    void save.run();
  };

  return (
    <>
      <PageHeader title={`${project.name}: settings`} />
      {saved && <Notice tone="success">The project is saved.</Notice>}
      {!isAdmin && <p className="muted">Only admins change a project&apos;s settings.</p>}
      <form onSubmit={onSubmit} noValidate>
        <fieldset disabled={!isAdmin}>
          <legend>Project</legend>
          <FormError error={save.error} />
          <Field
            label="Project name"
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={save.error}
          />
          <SelectField
            label="Kind"
            name="kind"
            options={KINDS}
            value={kind}
            onChange={(e) => setKind(e.target.value as ProjectDto['kind'])}
            error={save.error}
          />
          <Field
            label="Time zone"
            name="timezone"
            value={timezone}
            onChange={(e) => setTimezone(e.target.value)}
            error={save.error}
            hint="IANA name, e.g. Europe/Paris: days in reports start at midnight there."
          />
          {isAdmin && <SubmitButton busy={save.busy}>Save</SubmitButton>}
        </fieldset>
      </form>
      {isAdmin && (
        <section aria-labelledby="delete-project-heading" className="danger-zone">
          <h2 id="delete-project-heading">Delete the project</h2>
          <FormError error={remove.error} />
          {confirming ? (
            <div role="group" aria-label="Confirm deleting">
              <p>
                Delete {project.name}? Its keys stop working at once and its events are deleted. This cannot
                be undone.
              </p>
              <div className="actions">
                <button
                  type="button"
                  className="danger"
                  disabled={remove.busy}
                  onClick={() => void remove.run()}
                >
                  Yes, delete {project.name}
                </button>
                <button type="button" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Delete project
            </button>
          )}
        </section>
      )}
    </>
  );
}
