import { useApi } from '../../api/hooks';
import type { AlertDto } from '../../api/schema.gen';
import { Empty, ErrorState, formatDate, Loading, PageHeader } from '../../components/ui';
import { Link } from '../../router';
import { atLeast, useWorkspace } from '../../workspace';
import { COMPARATOR_OPTIONS, formatSeconds, METRIC_OPTIONS } from './alert-form';

// The project's alerts with their current state; admins create new ones.

export function conditionOf(
  alert: Pick<AlertDto, 'metric' | 'comparator' | 'threshold' | 'windowSeconds'>,
): string {
  const metric = METRIC_OPTIONS.find((option) => option.value === alert.metric)?.label ?? alert.metric;
  const symbol =
    COMPARATOR_OPTIONS.find((option) => option.value === alert.comparator)?.symbol ?? alert.comparator;
  return `${metric} ${symbol} ${alert.threshold} over ${formatSeconds(alert.windowSeconds)}`;
}

export function StateBadge({ alert }: { alert: AlertDto }) {
  if (!alert.enabled) return <span className="badge">disabled</span>;
  return alert.state === 'firing' ? (
    <span className="badge badge-danger">firing</span>
  ) : (
    <span className="badge badge-success">ok</span>
  );
}

export default function Alerts() {
  const { project, org } = useWorkspace();
  const projectId = project?.id ?? '';
  const alerts = useApi('GET /v1/projects/{projectId}/alerts', {
    path: { projectId },
    query: { limit: 200 },
  });
  const isAdmin = atLeast(org?.role, 'admin');
  if (!project) return null;
  return (
    <>
      <PageHeader title="Alerts">
        {isAdmin && (
          <Link className="button primary" href={`/projects/${projectId}/alerts/new`}>
            New alert
          </Link>
        )}
      </PageHeader>
      {alerts.error ? (
        <ErrorState error={alerts.error} onRetry={alerts.reload} />
      ) : !alerts.data ? (
        <Loading label="Loading alerts…" />
      ) : alerts.data.items.length === 0 ? (
        <Empty title="No alerts yet">
          <p className="muted small">
            An alert watches a metric (events, users, transactions…) and notifies the inbox, email or a
            webhook when it crosses a threshold.
          </p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="alerts-table">
            <caption className="visually-hidden">Alerts of {project.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col" className="hide-narrow">
                  Condition
                </th>
                <th scope="col" className="hide-narrow">
                  Last value
                </th>
                <th scope="col" className="hide-narrow">
                  Last checked
                </th>
              </tr>
            </thead>
            <tbody>
              {alerts.data.items.map((alert) => (
                <tr key={alert.id}>
                  <td>
                    <Link href={`/projects/${projectId}/alerts/${alert.id}`}>{alert.name}</Link>
                  </td>
                  <td>
                    <StateBadge alert={alert} />
                  </td>
                  <td className="hide-narrow">{conditionOf(alert)}</td>
                  <td className="hide-narrow">{alert.lastValue ?? '—'}</td>
                  <td className="hide-narrow">{formatDate(alert.lastEvaluatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
