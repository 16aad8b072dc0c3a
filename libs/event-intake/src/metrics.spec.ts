import { METRIC_LIMITS } from '@northstar/contracts';
import { IntakeRequestError } from './intake';
import { intakeMetrics, validateMetricEnvelope } from './metrics';

const receivedAt = new Date('2026-11-20T10:00:00.000Z');
const intake = (metrics: unknown[]) => intakeMetrics({ metrics }, { projectId: 'p1', receivedAt });

describe('intakeMetrics', () => {
  it('normalizes a point: the time in ms (receive time by default), its tags, a new id when none is given', () => {
    const { accepted, rejected } = intake([
      {
        name: 'queue.depth',
        value: 3.5,
        timestamp: '2026-11-20T09:00:00.250Z',
        tags: { region: 'eu' },
        id: 'a',
      },
      { name: 'jobs:done_total-1', value: -1 },
    ]);
    expect(rejected).toEqual([]);
    expect(accepted[0]).toEqual({
      projectId: 'p1',
      id: 'a',
      name: 'queue.depth',
      value: 3.5,
      timestamp: Date.parse('2026-11-20T09:00:00.250Z'),
      tags: { region: 'eu' },
      receivedAt: receivedAt.getTime(),
    });
    expect(accepted[1]).toMatchObject({ timestamp: receivedAt.getTime(), tags: {} });
    expect(accepted[1].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects each bad point by index with its fields, and takes the others', () => {
    const tags = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
    const { accepted, rejected } = intake([
      { name: '', value: 1 },
      { name: 'ok', value: Number.POSITIVE_INFINITY },
      { name: 'ok', value: '1' },
      { name: 'ok', value: 1, tags },
      { name: 'ok', value: 1, tags: { ['k'.repeat(65)]: 'v' } },
      { name: 'ok', value: 1, tags: { region: 'v'.repeat(257) } },
      { name: 'ok', value: 1, tags: { region: 5 } },
      { name: 'ok', value: 1, timestamp: '1999-12-31T23:59:59Z' },
      { name: 'ok', value: 1, timestamp: 'yesterday' },
      { name: 'x'.repeat(129), value: 1 },
      'not an object',
      { name: 'ok', value: 1, tags: { ['__proto__']: 'v' } },
    ]);
    expect(rejected.map((entry) => [entry.index, entry.errors.map((error) => error.field)])).toEqual([
      [0, ['name']],
      [1, ['value']],
      [2, ['value']],
      [3, ['tags']],
      [4, ['tags']],
      [5, ['tags.region']],
      [6, ['tags.region']],
      [7, ['timestamp']],
      [8, ['timestamp']],
      [9, ['name']],
      [10, ['']],
    ]);
    expect(accepted).toHaveLength(1);
    expect(Object.keys(accepted[0].tags)).toEqual(['__proto__']);
  });

  it('refuses a body that is not a batch (400) and one over the batch limit (413)', () => {
    const status = (body: unknown) => {
      try {
        intakeMetrics(body, { projectId: 'p1', receivedAt });
        return 'accepted';
      } catch (error) {
        return (error as IntakeRequestError).status;
      }
    };
    expect(status({ batch: [] })).toBe(400);
    expect(status({ metrics: 'x' })).toBe(400);
    const many = Array.from({ length: METRIC_LIMITS.maxBatchMetrics + 1 }, () => ({ name: 'a', value: 1 }));
    expect(status({ metrics: many })).toBe(413);
    expect(status({ metrics: many.slice(1) })).toBe('accepted');
  });
});

describe('validateMetricEnvelope', () => {
  it('accepts what intake produced after a trip through JSON, and names what is wrong otherwise', () => {
    const [envelope] = intake([{ name: 'a', value: 1, tags: { k: 'v' } }]).accepted;
    expect(validateMetricEnvelope(JSON.parse(JSON.stringify(envelope)))).toEqual({ envelope });
    const broken = validateMetricEnvelope({ ...envelope, value: null, timestamp: 'now' });
    expect('errors' in broken && broken.errors.map((error) => error.field)).toEqual(['timestamp']);
    const noValue = validateMetricEnvelope({ ...envelope, value: null });
    expect('errors' in noValue && noValue.errors.map((error) => error.field)).toEqual(['value']);
  });
});
