import { Migration } from '@mikro-orm/migrations';

/**
 * Credits that verifications by RPC proxies spend. The exact count lives in Redis while a key is in
 * use; these columns seed it and receive the gateways' write-backs. `credits_generation` grows with
 * every change of the credits, so that a counter seeded from older credits is replaced, and
 * `credits_period` is the refill period `credits_remaining` belongs to.
 */
export class Migration20261206000000KeyCredits extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table "keys"."api_keys"
        add column "credits_remaining" bigint null,
        add column "credits_refill_interval" varchar(8) null,
        add column "credits_refill_amount" bigint null,
        add column "credits_generation" integer not null default 0,
        add column "credits_period" integer not null default 0,
        add constraint "api_keys_credits_check" check (
          ("credits_remaining" is null and "credits_refill_interval" is null and "credits_refill_amount" is null)
          or ("credits_remaining" >= 0 and (
            ("credits_refill_interval" is null and "credits_refill_amount" is null)
            or ("credits_refill_interval" in ('daily', 'monthly') and "credits_refill_amount" > 0)
          ))
        )`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table "keys"."api_keys"
        drop constraint if exists "api_keys_credits_check",
        drop column if exists "credits_period",
        drop column if exists "credits_generation",
        drop column if exists "credits_refill_amount",
        drop column if exists "credits_refill_interval",
        drop column if exists "credits_remaining"`);
  }
}
