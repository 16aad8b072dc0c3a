import { useApi } from '../../api/hooks';
import { Empty, ErrorState, formatDate, Loading, PageHeader } from '../../components/ui';
import { Link, useParams } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';

export default function OrgProjects() {
  const { orgId } = useParams();
  const { org } = useWorkspace();
  const projects = useApi('GET /v1/orgs/{orgId}/projects', { path: { orgId }, query: { limit: 200 } });
  const canCreate = atLeast(org?.role, 'admin');
  return (
    <>
      <PageHeader title={org ? `${org.name}: projects` : 'Projects'}>
        {canCreate && (
          <Link href={`/orgs/${orgId}/projects/new`} className="button primary">
            New project
          </Link>
        )}
      </PageHeader>
      {org && <p className="muted">Your role: {org.role}</p>}
      {projects.error ? (
        <ErrorState error={projects.error} onRetry={projects.reload} />
      ) : !projects.data ? (
        <Loading />
      ) : projects.data.items.length === 0 ? (
        <Empty title="No projects yet">
          {canCreate ? (
            <p>
              A project is one application you track.{' '}
              <Link href={`/orgs/${orgId}/projects/new`}>Create the first one</Link>.
            </p>
          ) : (
            <p>An admin of this organisation can create one.</p>
          )}
        </Empty>
      ) : (
        <ul className="cards">
          {projects.data.items.map((project) => (
            <li className="card" key={project.id}>
              <h3>
                <Link href={`/projects/${project.id}`}>{project.name}</Link>
              </h3>
              <p className="muted small">
                {project.kind} · {project.timezone} · created {formatDate(project.createdAt)}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
