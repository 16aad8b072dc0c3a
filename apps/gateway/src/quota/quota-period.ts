/**
 * The quota period: a calendar month in UTC. Plans sell a monthly event allowance, and a calendar month
 * is what an invoice and a person both understand; every gateway derives the same period from the clock.
 */
export interface QuotaPeriod {
  /** `YYYY-MM`, part of the counter's Redis key. */
  id: string;
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive: the reset. */
  end: number;
}

export function quotaPeriodOf(now: number): QuotaPeriod {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  return {
    id: `${year}-${String(month + 1).padStart(2, '0')}`,
    start: Date.UTC(year, month, 1),
    end: Date.UTC(year, month + 1, 1),
  };
}

/** Whole seconds until the period resets (at least 1, so that `Retry-After` never says 0). */
export function secondsUntilReset(period: QuotaPeriod, now: number): number {
  return Math.max(1, Math.ceil((period.end - now) / 1000));
}

export interface QuotaState {
  limit: number;
  /** Events counted this period, by every gateway, as far as this one knows. */
  used: number;
  /** Percent over `limit` still accepted before refusing. */
  gracePercent: number;
}

/** Events accepted in all, grace included: at or past this, requests are refused. */
export function hardLimitOf(state: Pick<QuotaState, 'limit' | 'gracePercent'>): number {
  return Math.floor((state.limit * (100 + state.gracePercent)) / 100);
}

/**
 * Whether a request may go in. A request is taken whole while the count is below the hard limit, even
 * if its events carry the count past it: splitting a batch would make an SDK resend half of it.
 */
export function quotaAllows(state: QuotaState): boolean {
  return state.used < hardLimitOf(state);
}

/** What the answer's `X-Quota-Remaining` says: the plan's allowance left, grace not included. */
export function quotaRemaining(state: QuotaState, spending: number): number {
  return Math.max(0, state.limit - state.used - spending);
}

export type QuotaWarning = 'quota-80' | 'quota-100' | 'quota-forecast';

/** The share of the period that must have passed before a forecast is trusted (a quiet first day says little). */
const FORECAST_MIN_ELAPSED = 0.1;

/**
 * The warnings a count deserves: 80 % (below 100 %) or 100 % of the allowance reached, and a forecast when the
 * period's average rate so far would exhaust it before the period ends (`exhaustsAt`, epoch ms).
 */
export function quotaWarnings(
  state: Pick<QuotaState, 'limit' | 'used'>,
  period: QuotaPeriod,
  now: number,
): { warnings: QuotaWarning[]; exhaustsAt?: number } {
  const warnings: QuotaWarning[] = [];
  if (state.limit <= 0) return { warnings };
  // Past 100 % the 80 % warning has nothing left to say: a jump over both gives only the second.
  if (state.used >= state.limit) warnings.push('quota-100');
  else if (state.used >= state.limit * 0.8) warnings.push('quota-80');
  const elapsed = now - period.start;
  if (
    state.used > 0 &&
    state.used < state.limit &&
    elapsed >= (period.end - period.start) * FORECAST_MIN_ELAPSED
  ) {
    const exhaustsAt = period.start + Math.ceil((elapsed * state.limit) / state.used);
    if (exhaustsAt < period.end) {
      warnings.push('quota-forecast');
      return { warnings, exhaustsAt };
    }
  }
  return { warnings };
}
