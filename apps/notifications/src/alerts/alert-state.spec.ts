import { conditionHolds, nextAlertStep, type AlertCondition } from './alert-state';

const NOW = new Date('2026-11-29T12:00:00Z');
const secondsBefore = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);
const ABOVE_100: AlertCondition = { comparator: 'gt', threshold: 100, cooldownSeconds: 600 };

describe('conditionHolds', () => {
  it.each([
    ['gt', 101, true],
    ['gt', 100, false],
    ['gte', 100, true],
    ['gte', 99.5, false],
    ['lt', 99, true],
    ['lt', 100, false],
    ['lte', 100, true],
    ['lte', 100.5, false],
  ] as const)('%s 100 with value %d: %s', (comparator, value, expected) => {
    expect(conditionHolds(comparator, value, 100)).toBe(expected);
  });
});

describe('nextAlertStep', () => {
  it('starts firing and notifies when the condition starts to hold', () => {
    expect(nextAlertStep(ABOVE_100, { state: 'ok', lastNotifiedAt: null }, 150, NOW)).toEqual({
      state: 'firing',
      lastNotifiedAt: NOW,
      notify: 'firing',
    });
  });

  it('stays ok and silent while the condition does not hold', () => {
    const earlier = secondsBefore(7200);
    expect(nextAlertStep(ABOVE_100, { state: 'ok', lastNotifiedAt: earlier }, 100, NOW)).toEqual({
      state: 'ok',
      lastNotifiedAt: earlier,
      notify: null,
    });
  });

  it('fires again at once after a resolution, whatever the cooldown', () => {
    const justBefore = secondsBefore(10);
    expect(nextAlertStep(ABOVE_100, { state: 'ok', lastNotifiedAt: justBefore }, 101, NOW).notify).toBe(
      'firing',
    );
  });

  it('stays firing without notifying inside the cooldown', () => {
    const notified = secondsBefore(599);
    expect(nextAlertStep(ABOVE_100, { state: 'firing', lastNotifiedAt: notified }, 500, NOW)).toEqual({
      state: 'firing',
      lastNotifiedAt: notified,
      notify: null,
    });
  });

  it('reminds exactly when the cooldown has passed, and counts the next cooldown from then', () => {
    expect(
      nextAlertStep(ABOVE_100, { state: 'firing', lastNotifiedAt: secondsBefore(600) }, 500, NOW),
    ).toEqual({ state: 'firing', lastNotifiedAt: NOW, notify: 'firing' });
  });

  it('with a cooldown of 0 reminds at every evaluation while firing', () => {
    const condition = { ...ABOVE_100, cooldownSeconds: 0 };
    expect(nextAlertStep(condition, { state: 'firing', lastNotifiedAt: NOW }, 500, NOW).notify).toBe(
      'firing',
    );
  });

  it('resolves and notifies when the condition stops holding, even inside the cooldown', () => {
    const notified = secondsBefore(5);
    expect(nextAlertStep(ABOVE_100, { state: 'firing', lastNotifiedAt: notified }, 100, NOW)).toEqual({
      state: 'ok',
      lastNotifiedAt: notified,
      notify: 'resolved',
    });
  });

  it('treats a firing alert that never notified as due', () => {
    expect(nextAlertStep(ABOVE_100, { state: 'firing', lastNotifiedAt: null }, 500, NOW).notify).toBe(
      'firing',
    );
  });
});
