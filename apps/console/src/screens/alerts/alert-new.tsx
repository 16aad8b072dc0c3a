import { api } from '../../api/client';
import { useSubmit } from '../../api/hooks';
import { Notice, PageHeader } from '../../components/ui';
import { Link, navigate } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';
import { AlertForm, type AlertInput } from './alert-form';

export default function NewAlert() {
  const { project, org } = useWorkspace();
  const projectId = project?.id ?? '';
  const create = useSubmit(async (body: AlertInput) => {
    const alert = await api('POST /v1/projects/{projectId}/alerts', { path: { projectId }, body });
    navigate(`/projects/${projectId}/alerts/${alert.id}`);
  });
  if (!project) return null;
  return (
    <>
      <PageHeader title="New alert" />
      <p>
        <Link href={`/projects/${projectId}/alerts`}>Back to alerts</Link>
      </p>
      {!atLeast(org?.role, 'admin') && (
        <Notice tone="warning">Only admins and owners of the organisation can create alerts.</Notice>
      )}
      <AlertForm
        defaultEmail=""
        busy={create.busy}
        error={create.error}
        submitLabel="Create alert"
        onSubmit={(body) => void create.run(body)}
        onCancel={() => navigate(`/projects/${projectId}/alerts`)}
      />
    </>
  );
}
