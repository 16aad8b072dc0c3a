import { useMemo, useState } from 'react';
import { useApi } from '../../api/hooks';
import type { OrgPlanDto, OrgUsageResponse } from '../../api/schema.gen';
import { TimeseriesChart } from '../../components/charts/timeseries-chart';
import { Empty, Loading, PageHeader, SelectField } from '../../components/ui';
import { Link } from '../../router';
import { useWorkspace } from '../../workspace';
import { formatNumber, QueryError } from './common';

// The organisation's usage: events ingested and requests made with its keys, per project and per day.

const RANGES = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
];

/** The days of the range summed over projects, for the chart. */
function perDay(usage: OrgUsageResponse, field: 'events' | 'keyRequests'): { t: string; value: number }[] {
  const totals = new Map<string, number>();
  for (const project of usage.projects) {
    for (const day of project.days) totals.set(day.day, (totals.get(day.day) ?? 0) + day[field]);
  }
  return [...totals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, value]) => ({ t: day.length === 10 ? `${day}T00:00:00.000Z` : day, value }));
}

export default function Usage() {
  const { org } = useWorkspace();
  const orgId = org?.id ?? '';
  const [days, setDays] = useState('30');
  const bounds = useMemo(() => {
    const to = new Date();
    to.setUTCHours(0, 0, 0, 0);
    to.setUTCDate(to.getUTCDate() + 1);
    const from = new Date(to.getTime() - Number(days) * 86_400_000);
    return { from: from.toISOString(), to: to.toISOString() };
  }, [days]);
  const usage = useApi('GET /v1/orgs/{orgId}/usage', { path: { orgId }, query: bounds });
  const plan = useApi('GET /v1/orgs/{orgId}/plan', { path: { orgId } });
  const [series, setSeries] = useState<'events' | 'keyRequests'>('events');
  const points = useMemo(() => (usage.data ? perDay(usage.data, series) : []), [usage.data, series]);

  if (!org) return null;
  return (
    <>
      <PageHeader title={`${org.name}: usage`} />
      {plan.error ? (
        <QueryError error={plan.error} onRetry={plan.reload} />
      ) : plan.data ? (
        <PlanPanel plan={plan.data} />
      ) : (
        <Loading label="Loading the plan…" />
      )}
      <div className="row filters">
        <SelectField
          label="Range"
          name="range"
          value={days}
          options={RANGES}
          onChange={(e) => setDays(e.target.value)}
        />
      </div>
      {usage.error ? (
        <QueryError error={usage.error} onRetry={usage.reload} />
      ) : !usage.data ? (
        <Loading label="Loading usage…" />
      ) : (
        <>
          <ul className="stat-cards" data-testid="usage-totals">
            <li>
              <div className="stat-card">
                <span className="stat-label">Events ingested</span>
                <span className="stat-value">{formatNumber(usage.data.total.events)}</span>
              </div>
            </li>
            <li>
              <div className="stat-card">
                <span className="stat-label">Key requests</span>
                <span className="stat-value">{formatNumber(usage.data.total.keyRequests)}</span>
              </div>
            </li>
          </ul>
          <section aria-labelledby="usage-chart-heading">
            <div className="section-header">
              <h2 id="usage-chart-heading">Per day (UTC)</h2>
              <SelectField
                label="Series"
                name="series"
                value={series}
                options={[
                  { value: 'events', label: 'Events ingested' },
                  { value: 'keyRequests', label: 'Key requests' },
                ]}
                onChange={(e) => setSeries(e.target.value as 'events' | 'keyRequests')}
              />
            </div>
            {points.length === 0 ? (
              <Empty title="No usage in this range" />
            ) : (
              <TimeseriesChart
                points={points}
                label={series === 'events' ? 'Events' : 'Key requests'}
                timeZone="UTC"
              />
            )}
          </section>
          <section aria-labelledby="usage-projects-heading">
            <h2 id="usage-projects-heading">By project</h2>
            {usage.data.projects.length === 0 ? (
              <Empty title="No projects yet" />
            ) : (
              <div className="table-wrap">
                <table data-testid="usage-projects">
                  <caption className="visually-hidden">Usage by project</caption>
                  <thead>
                    <tr>
                      <th scope="col">Project</th>
                      <th scope="col" className="num">
                        Events
                      </th>
                      <th scope="col" className="num">
                        Key requests
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {usage.data.projects.map((project) => (
                      <tr key={project.projectId}>
                        <td>
                          <Link href={`/projects/${project.projectId}`}>{project.name}</Link>
                        </td>
                        <td className="num">{formatNumber(project.events)}</td>
                        <td className="num">{formatNumber(project.keyRequests)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}

// Quota periods are UTC calendar months: their end is said as a UTC date, not a local time.
const resetDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** The organisation's plan: this month's events against the quota, and the other limits. */
function PlanPanel({ plan }: { plan: OrgPlanDto }) {
  const { usage, period } = plan;
  const limits = [
    { label: 'Projects', used: usage.projects, max: plan.plan.maxProjects },
    { label: 'Members', used: usage.members, max: plan.plan.maxMembers },
    { label: 'Active keys', used: usage.keys, max: plan.plan.maxKeys },
  ];
  const share = plan.plan.monthlyEvents > 0 ? usage.events / plan.plan.monthlyEvents : 0;
  return (
    <section aria-labelledby="plan-heading" className="panel" data-testid="plan">
      <h2 id="plan-heading">{plan.plan.name} plan</h2>
      <p>
        <label htmlFor="quota-meter">
          {formatNumber(usage.events)} of {formatNumber(plan.plan.monthlyEvents)} events this month
        </label>{' '}
        <meter
          id="quota-meter"
          min={0}
          max={1}
          low={0.8}
          high={0.999}
          optimum={0}
          value={Math.min(1, share)}
        />{' '}
        <span className="muted small">
          resets {resetDay.format(new Date(period.end))} (UTC); events are kept {plan.plan.retentionDays} days
        </span>
      </p>
      {share >= 1 && (
        <p role="status" className="form-error">
          The quota is used up: new events are refused until it resets (after a small grace).
        </p>
      )}
      <ul className="inline-list">
        {limits.map((limit) => (
          <li key={limit.label}>
            {limit.label}: {formatNumber(limit.used)} of {formatNumber(limit.max)}
          </li>
        ))}
      </ul>
    </section>
  );
}
