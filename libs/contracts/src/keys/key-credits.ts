import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';

/**
 * Credits of a key: a remaining count that each verification by an RPC proxy spends (`cost`), with an
 * optional refill at each UTC day or month. Shared by the keys service, which stores them, and the
 * gateway, which spends them in Redis; the period maths here is the one both sides use.
 */

export const CREDIT_REFILL_INTERVALS = ['daily', 'monthly'] as const;
export type CreditRefillInterval = (typeof CREDIT_REFILL_INTERVALS)[number];

/** Enough for any real quota, and far below 2^53 (Redis and Lua hold them as doubles). */
export const MAX_KEY_CREDITS = 1_000_000_000_000;
/** The largest cost one verification may spend. */
export const MAX_VERIFY_COST = 1_000_000;

export class KeyCreditRefill {
  @ApiProperty({ enum: CREDIT_REFILL_INTERVALS, example: 'daily' })
  @IsIn(CREDIT_REFILL_INTERVALS, { message: `interval must be one of ${CREDIT_REFILL_INTERVALS.join(', ')}` })
  interval!: CreditRefillInterval;

  @ApiProperty({
    example: 100_000,
    minimum: 1,
    maximum: MAX_KEY_CREDITS,
    description: 'What `remaining` is set back to at the start of each UTC day or month',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_KEY_CREDITS)
  amount!: number;
}

export class KeyCredits {
  @ApiProperty({ example: 100_000, minimum: 0, maximum: MAX_KEY_CREDITS })
  @IsInt()
  @Min(0)
  @Max(MAX_KEY_CREDITS)
  remaining!: number;

  @ApiPropertyOptional({
    type: KeyCreditRefill,
    nullable: true,
    description: 'Absent or null: the credits are spent once and never refilled',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => KeyCreditRefill)
  refill?: KeyCreditRefill | null;
}

/** A key's credits as its DTO shows them. */
export class KeyCreditsDto {
  @ApiProperty({
    example: 99_120,
    description:
      'Credits left, as last written back by the gateways (every few seconds): the verification answer ' +
      'is exact, this may lag it slightly',
  })
  remaining!: number;

  @ApiProperty({ type: KeyCreditRefill, nullable: true })
  refill!: KeyCreditRefill | null;
}

/**
 * What a gateway needs to seed a key's credit counter in Redis: the stored remaining count, the refill
 * period it belongs to, and the generation of the credits (grows with every PATCH of them, so that a
 * counter seeded from older credits is replaced at once).
 */
export interface KeyCreditsRecord {
  remaining: number;
  refill: { interval: CreditRefillInterval; amount: number } | null;
  generation: number;
  period: number;
}

const DAY_MS = 86_400_000;

/**
 * The refill period `at` falls in: UTC days since the epoch, or UTC months since January 1970. Only
 * the order of periods matters; a key without refill stays in period 0 for ever.
 */
export function creditPeriodOf(interval: CreditRefillInterval | null | undefined, at: number): number {
  if (!interval) return 0;
  if (interval === 'daily') return Math.floor(at / DAY_MS);
  const date = new Date(at);
  return (date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth();
}

/** When the period after `period` starts (epoch ms), or null for a key without refill. */
export function nextRefillAt(
  interval: CreditRefillInterval | null | undefined,
  period: number,
): number | null {
  if (!interval) return null;
  if (interval === 'daily') return (period + 1) * DAY_MS;
  const next = period + 1;
  return Date.UTC(1970 + Math.floor(next / 12), next % 12, 1);
}

/**
 * The credits left at `period` of a counter that held `remaining` in `storedPeriod`: the refill amount
 * once a boundary has passed (refills do not accumulate: an idle key starts each period at `amount`),
 * the stored count otherwise. The Lua script of the gateway's credit ledger does the same in Redis.
 */
export function creditsAt(
  remaining: number,
  storedPeriod: number,
  refill: { amount: number } | null,
  period: number,
): number {
  return refill && period > storedPeriod ? refill.amount : remaining;
}

/** Spends `cost` of `remaining` when there is that much: a cost of 0 always passes and spends nothing. */
export function spendCredits(remaining: number, cost: number): { allowed: boolean; remaining: number } {
  return cost <= remaining ? { allowed: true, remaining: remaining - cost } : { allowed: false, remaining };
}

/**
 * The Redis hash that holds a key's exact credit count (fields r, g, p, a: remaining, generation,
 * period, refill amount), spent by the gateways and reset by the keys service when the credits
 * change. The hash tag keeps it whole on one node of a Redis Cluster.
 */
export function creditCounterKey(keyId: string): string {
  return `gateway:credits:{${keyId}}`;
}
