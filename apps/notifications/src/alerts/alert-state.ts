import { assertNever, type AlertComparator, type AlertState } from '@northstar/contracts';

/** What the state machine needs of an alert. */
export interface AlertCondition {
  comparator: AlertComparator;
  threshold: number;
  cooldownSeconds: number;
}

export interface AlertStatus {
  state: AlertState;
  /** When it last notified `firing` (first time or reminder); null if never. */
  lastNotifiedAt: Date | null;
}

export interface AlertStep {
  state: AlertState;
  lastNotifiedAt: Date | null;
  /** The notification to send, or null for none. */
  notify: 'firing' | 'resolved' | null;
}

/** Whether `value <comparator> threshold` holds. */
export function conditionHolds(comparator: AlertComparator, value: number, threshold: number): boolean {
  switch (comparator) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
    default:
      return assertNever(comparator, 'comparator');
  }
}

/**
 * One evaluation: ok → firing notifies; firing stays firing, and notifies again (a reminder) once
 * `cooldownSeconds` have passed since the last firing notification; firing → ok notifies the
 * resolution. A resolution is never held back by the cooldown: people must learn it is over.
 */
export function nextAlertStep(
  condition: AlertCondition,
  status: AlertStatus,
  value: number,
  now: Date,
): AlertStep {
  const holds = conditionHolds(condition.comparator, value, condition.threshold);
  if (status.state === 'ok') {
    return holds
      ? { state: 'firing', lastNotifiedAt: now, notify: 'firing' }
      : { state: 'ok', lastNotifiedAt: status.lastNotifiedAt, notify: null };
  }
  if (!holds) return { state: 'ok', lastNotifiedAt: status.lastNotifiedAt, notify: 'resolved' };
  const last = status.lastNotifiedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const cooledDown = now.getTime() - last >= condition.cooldownSeconds * 1000;
  return cooledDown
    ? { state: 'firing', lastNotifiedAt: now, notify: 'firing' }
    : { state: 'firing', lastNotifiedAt: status.lastNotifiedAt, notify: null };
}
