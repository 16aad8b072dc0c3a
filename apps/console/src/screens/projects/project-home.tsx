import { formatDate, PageHeader } from '../../components/ui';
import { Link } from '../../router';
import { useWorkspace } from '../../workspace';

// The project's landing page until the analytics overview takes this route (routes.tsx).
export default function ProjectHome() {
  const { project } = useWorkspace();
  if (!project) return null;
  return (
    <>
      <PageHeader title={project.name} />
      <p className="muted">
        {project.kind} project · time zone {project.timezone} · created {formatDate(project.createdAt)}
      </p>
      <ul className="cards">
        <li className="card">
          <h3>
            <Link href={`/projects/${project.id}/onboarding`}>Get started</Link>
          </h3>
          <p className="muted small">Install the SDK and send a first event.</p>
        </li>
        <li className="card">
          <h3>
            <Link href={`/projects/${project.id}/keys`}>API keys</Link>
          </h3>
          <p className="muted small">Keys for ingestion, the query API and RPC endpoints.</p>
        </li>
      </ul>
    </>
  );
}
