import { IsIn, IsInt, IsOptional, IsUUID, Matches, Min } from 'class-validator';
import { IsIsoTime } from '../common/time';
import type { Rpc } from '../rpc';

/**
 * The gateways tell notifications when an organisation's event count reaches 80 % and 100 % of its
 * monthly quota, and when its rate would exhaust the quota before the month ends. Notifications keeps
 * each warning once per organisation and month (several gateways may send it) and tells the owners.
 */
export const QuotaSubjects = {
  warn: 'notifications.quota.warn',
} as const;

export const QUOTA_WARNINGS = ['quota-80', 'quota-100', 'quota-forecast'] as const;
export type QuotaWarningKind = (typeof QUOTA_WARNINGS)[number];

export class QuotaWarningRequest {
  @IsUUID()
  orgId!: string;

  /** The month, `YYYY-MM` (UTC). */
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/)
  period!: string;

  @IsIn(QUOTA_WARNINGS)
  kind!: QuotaWarningKind;

  @IsInt()
  @Min(0)
  used!: number;

  @IsInt()
  @Min(1)
  limit!: number;

  /** When the quota resets (the next month's start). */
  @IsIsoTime()
  resetsAt!: string;

  /** For a forecast: when the quota runs out at the current rate. */
  @IsOptional()
  @IsIsoTime()
  exhaustsAt?: string;
}

export interface QuotaWarningResponse {
  /** False when this warning was already given this period (by this or another gateway). */
  recorded: boolean;
}

export interface QuotaContract {
  [QuotaSubjects.warn]: Rpc<QuotaWarningRequest, QuotaWarningResponse>;
}
