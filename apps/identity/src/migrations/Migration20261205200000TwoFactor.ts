import { Migration } from '@mikro-orm/migrations';

/** Two-factor sign-in: authenticator (TOTP) enrolments and their recovery codes. */
export class Migration20261205200000TwoFactor extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "identity"."users" add column "mfa_enabled" boolean not null default false`);

    this.addSql(`
      create table "identity"."totp_credentials" (
        "user_id" uuid primary key references "identity"."users" ("id") on delete cascade,
        "sealed_secret" text not null,
        "confirmed_at" timestamptz null,
        "last_used_step" bigint null,
        "created_at" timestamptz not null default now()
      )`);

    this.addSql(`
      create table "identity"."recovery_codes" (
        "user_id" uuid not null references "identity"."users" ("id") on delete cascade,
        "code_hash" varchar(64) not null,
        "created_at" timestamptz not null default now(),
        "used_at" timestamptz null,
        primary key ("user_id", "code_hash")
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."recovery_codes"`);
    this.addSql(`drop table if exists "identity"."totp_credentials"`);
    this.addSql(`alter table "identity"."users" drop column if exists "mfa_enabled"`);
  }
}
