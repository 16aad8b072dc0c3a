import { useMemo, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import { useApi, useSubmit } from '../../api/hooks';
import type { FunnelResponse } from '../../api/schema.gen';
import { Empty, FormError, Loading, PageHeader, SelectField, SubmitButton } from '../../components/ui';
import { Link } from '../../router';
import { useWorkspace } from '../../workspace';
import {
  eventsHref,
  formatNumber,
  formatPercent,
  isRange,
  RANGES,
  rangeBounds,
  type RangeId,
  QueryError,
} from './common';

// A funnel: the people who did step 1, then step 2… within a window, over a range. Steps are picked
// from the event names the project has seen in the range (the top list, up to 100 names).

const MAX_STEPS = 10;
const WINDOWS: readonly { value: string; label: string }[] = [
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
  { value: '2592000', label: '30 days' },
];

export default function Funnels() {
  const { project } = useWorkspace();
  const projectId = project?.id ?? '';
  const [range, setRange] = useState<RangeId>('30d');
  const bounds = useMemo(() => rangeBounds(range), [range]);
  const names = useApi('GET /v1/projects/{projectId}/analytics/top', {
    path: { projectId },
    query: { dimension: 'event', limit: 100, from: bounds.from, to: bounds.to, tz: project?.timezone },
  });
  const [steps, setSteps] = useState<string[]>(['', '']);
  const [windowSeconds, setWindowSeconds] = useState('86400');
  const [result, setResult] = useState<{ answer: FunnelResponse; range: RangeId } | null>(null);

  const submit = useSubmit(async () => {
    const answer = await api('POST /v1/projects/{projectId}/analytics/funnel', {
      path: { projectId },
      query: { from: bounds.from, to: bounds.to, tz: project?.timezone },
      body: { steps: steps.map((event) => ({ event })), windowSeconds: Number(windowSeconds) },
    });
    setResult({ answer, range });
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (steps.some((step) => !step)) {
      submit.setError(new Error('Choose an event for every step.'));
      return;
    }
    void submit.run();
  };

  const options = [
    { value: '', label: 'Choose an event…' },
    ...(names.data?.items ?? []).map((item) => ({ value: item.value, label: item.value })),
  ];
  const move = (index: number, by: number) =>
    setSteps((current) => {
      const next = [...current];
      [next[index], next[index + by]] = [next[index + by], next[index]];
      return next;
    });
  const stepError = (index: number) =>
    submit.error instanceof ApiError
      ? (submit.error.fieldError(`steps.${index}.event`) ?? submit.error.fieldError(`steps[${index}].event`))
      : undefined;

  if (!project) return null;
  return (
    <>
      <PageHeader title="Funnels" />
      {names.error ? (
        <QueryError error={names.error} onRetry={names.reload} />
      ) : !names.data ? (
        <Loading label="Loading event names…" />
      ) : names.data.items.length < 1 ? (
        <Empty title="No events in this range yet">
          <p className="muted small">
            A funnel needs events to choose from. Send some, or choose a longer range.
          </p>
          <SelectField
            label="Range"
            name="range"
            value={range}
            options={RANGES}
            onChange={(event) => setRange(event.target.value as RangeId)}
          />
        </Empty>
      ) : (
        <form onSubmit={onSubmit} className="funnel-form" aria-labelledby="funnel-form-heading" noValidate>
          <h2 id="funnel-form-heading" className="visually-hidden">
            Build a funnel
          </h2>
          <FormError error={submit.error} />
          <ol className="funnel-steps">
            {steps.map((step, index) => (
              <li key={index}>
                <SelectField
                  label={`Step ${index + 1}`}
                  name={`steps.${index}.event`}
                  value={step}
                  options={options}
                  onChange={(event) =>
                    setSteps((current) =>
                      current.map((value, i) => (i === index ? event.target.value : value)),
                    )
                  }
                />
                {stepError(index) && <p className="field-error">{stepError(index)}</p>}
                <div className="step-actions">
                  <button
                    type="button"
                    onClick={() => move(index, -1)}
                    disabled={index === 0}
                    aria-label={`Move step ${index + 1} up`}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    onClick={() => move(index, 1)}
                    disabled={index === steps.length - 1}
                    aria-label={`Move step ${index + 1} down`}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    onClick={() => setSteps((current) => current.filter((_, i) => i !== index))}
                    disabled={steps.length <= 2}
                    aria-label={`Remove step ${index + 1}`}
                  >
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ol>
          <div className="actions">
            <button
              type="button"
              onClick={() => setSteps((current) => [...current, ''])}
              disabled={steps.length >= MAX_STEPS}
            >
              Add step
            </button>
          </div>
          <div className="row">
            <SelectField
              label="Completed within"
              name="windowSeconds"
              error={submit.error}
              value={windowSeconds}
              options={WINDOWS}
              onChange={(event) => setWindowSeconds(event.target.value)}
            />
            <SelectField
              label="Range"
              name="range"
              value={range}
              options={RANGES}
              onChange={(event) => setRange(event.target.value as RangeId)}
            />
          </div>
          <SubmitButton busy={submit.busy}>Show funnel</SubmitButton>
        </form>
      )}
      {result && <FunnelResult projectId={projectId} answer={result.answer} range={result.range} />}
    </>
  );
}

function FunnelResult({
  projectId,
  answer,
  range,
}: {
  projectId: string;
  answer: FunnelResponse;
  range: RangeId;
}) {
  const first = answer.steps[0]?.users ?? 0;
  return (
    <section aria-labelledby="funnel-result-heading" aria-live="polite">
      <h2 id="funnel-result-heading">Result</h2>
      {first === 0 ? (
        <Empty title="Nobody did the first step in this range" />
      ) : (
        <ol className="funnel-result" data-testid="funnel-result">
          {answer.steps.map((step, index) => {
            const previous = index === 0 ? step.users : answer.steps[index - 1].users;
            const dropped = previous - step.users;
            const width = first > 0 ? (step.users / first) * 100 : 0;
            return (
              <li key={`${index}-${step.event}`}>
                <div className="funnel-label">
                  <span>
                    {index + 1}.{' '}
                    <Link
                      href={eventsHref(projectId, {
                        event: step.event,
                        range: isRange(range) ? range : undefined,
                      })}
                    >
                      {step.event}
                    </Link>
                  </span>
                  <span>
                    <strong>{formatNumber(step.users)}</strong> {step.users === 1 ? 'user' : 'users'} ·{' '}
                    {formatPercent(step.conversion)} of step 1
                  </span>
                </div>
                <div className="funnel-bar" aria-hidden="true">
                  <span style={{ width: `${width}%` }} />
                </div>
                {index > 0 && (
                  <p className="muted small">
                    Drop-off from step {index}: {formatNumber(dropped)} (
                    {formatPercent(previous > 0 ? dropped / previous : 0)})
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
