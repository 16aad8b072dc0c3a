import type { QuotaWarningKind, QuotaWarningRequest } from '@northstar/contracts';
import { createHash } from 'node:crypto';

export interface QuotaNoticeText {
  title: string;
  body: string;
}

const day = (iso: string) => iso.slice(0, 10);
const count = (value: number) => value.toLocaleString('en-US');

/** What the owners read about a quota warning. */
export function quotaNoticeText(warning: QuotaWarningRequest): QuotaNoticeText {
  const usage = `${count(warning.used)} of ${count(warning.limit)} events this month (${warning.period})`;
  const reset = `the quota resets on ${day(warning.resetsAt)}`;
  switch (warning.kind) {
    case 'quota-80':
      return { title: '80% of the monthly event quota is used', body: `${usage}; ${reset}.` };
    case 'quota-100':
      return {
        title: 'The monthly event quota is used up',
        body: `${usage}. Events past the quota's grace are refused until ${reset.replace('the quota resets on ', '')}.`,
      };
    case 'quota-forecast':
      return {
        title: `At this rate the event quota runs out on ${day(warning.exhaustsAt ?? warning.resetsAt)}`,
        body: `${usage}; at the rate so far the quota runs out on ${day(
          warning.exhaustsAt ?? warning.resetsAt,
        )}, before ${reset}.`,
      };
  }
}

/**
 * The in-app notification's id for a warning: the same for every gateway that sends it, so a repeat
 * adds no second notification (the inbox inserts each id once).
 */
export function quotaNoticeId(orgId: string, period: string, kind: QuotaWarningKind): string {
  const hex = createHash('sha256').update(`quota|${orgId}|${period}|${kind}`).digest('hex');
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
