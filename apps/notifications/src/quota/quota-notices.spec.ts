import { quotaNoticeId, quotaNoticeText } from './quota-notices';

const ORG = '0b4d3a52-2b8c-4a8e-9a52-4f3f2f1e0d11';
const warning = {
  orgId: ORG,
  period: '2026-12',
  used: 812_000,
  limit: 1_000_000,
  resetsAt: '2027-01-01T00:00:00.000Z',
};

describe('quota notices', () => {
  it('say how much is used and when the quota resets', () => {
    expect(quotaNoticeText({ ...warning, kind: 'quota-80' })).toEqual({
      title: '80% of the monthly event quota is used',
      body: '812,000 of 1,000,000 events this month (2026-12); the quota resets on 2027-01-01.',
    });
    expect(quotaNoticeText({ ...warning, kind: 'quota-100' }).body).toContain('refused until 2027-01-01');
  });

  it('name the day a forecast runs out', () => {
    const text = quotaNoticeText({
      ...warning,
      kind: 'quota-forecast',
      exhaustsAt: '2026-12-24T06:00:00.000Z',
    });
    expect(text.title).toBe('At this rate the event quota runs out on 2026-12-24');
  });

  it('have one id per organisation, month and kind, shaped as a UUID', () => {
    const id = quotaNoticeId(ORG, '2026-12', 'quota-80');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(quotaNoticeId(ORG, '2026-12', 'quota-80')).toBe(id);
    expect(quotaNoticeId(ORG, '2026-12', 'quota-100')).not.toBe(id);
    expect(quotaNoticeId(ORG, '2027-01', 'quota-80')).not.toBe(id);
  });
});
