import { droppablePartitions, retentionCutoff, retentionDeletions } from './retention-plan';

const at = (iso: string) => Date.parse(iso);
const NOW = at('2026-12-06T15:30:00Z');

describe('retention', () => {
  it('keeps whole UTC days: a 30-day retention keeps from the start of the day 30 days ago', () => {
    expect(new Date(retentionCutoff(NOW, 30)).toISOString()).toBe('2026-11-06T00:00:00.000Z');
  });

  it('deletes, per retention, the projects holding events older than theirs, and leaves unknown projects', () => {
    const ages = [
      { projectId: 'free-old', oldest: at('2026-10-01T00:00:00Z') },
      { projectId: 'free-young', oldest: at('2026-11-20T00:00:00Z') },
      { projectId: 'pro-old', oldest: at('2025-11-01T00:00:00Z') },
      { projectId: 'pro-young', oldest: at('2026-01-01T00:00:00Z') },
      { projectId: 'deleted', oldest: at('2020-01-01T00:00:00Z') },
    ];
    const retention = new Map([
      ['free-old', 30],
      ['free-young', 30],
      ['pro-old', 365],
      ['pro-young', 365],
    ]);
    expect(retentionDeletions(ages, retention, NOW, 100)).toEqual([
      { cutoff: at('2025-12-06T00:00:00Z'), projectIds: ['pro-old'] },
      { cutoff: at('2026-11-06T00:00:00Z'), projectIds: ['free-old'] },
    ]);
  });

  it('splits a long list of projects into chunks', () => {
    const ages = ['a', 'b', 'c'].map((projectId) => ({ projectId, oldest: 0 }));
    const retention = new Map(ages.map(({ projectId }) => [projectId, 30]));
    expect(retentionDeletions(ages, retention, NOW, 2).map((deletion) => deletion.projectIds)).toEqual([
      ['a', 'b'],
      ['c'],
    ]);
  });

  it('drops the monthly partitions that end before the longest retention starts', () => {
    const cutoff = retentionCutoff(NOW, 365); // 2025-12-06
    expect(droppablePartitions(['202410', '202511', '202512', '202612', 'junk'], cutoff)).toEqual([
      '202410',
      '202511',
    ]);
  });
});
