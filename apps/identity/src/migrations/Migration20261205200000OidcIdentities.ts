import { Migration } from '@mikro-orm/migrations';

/**
 * Single sign-on: the provider identities (issuer + subject) linked to users. A user created through a
 * provider has no password until it sets one with a reset, so the password hash becomes optional.
 */
export class Migration20261205200000OidcIdentities extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "identity"."users" alter column "password_hash" drop not null`);
    this.addSql(`
      create table "identity"."user_identities" (
        "id" uuid primary key,
        "user_id" uuid not null references "identity"."users" ("id") on delete cascade,
        "provider" varchar(32) not null,
        "issuer" varchar(1024) not null,
        "subject" varchar(255) not null,
        "email" varchar(254) null,
        "created_at" timestamptz not null default now(),
        "last_used_at" timestamptz null,
        constraint "user_identities_issuer_subject_unique" unique ("issuer", "subject")
      )`);
    this.addSql(
      `create index "user_identities_user_id_index" on "identity"."user_identities" ("user_id", "created_at")`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."user_identities"`);
    // Users without a password cannot go back to the old schema: they get an unusable one.
    this.addSql(`update "identity"."users" set "password_hash" = '!' where "password_hash" is null`);
    this.addSql(`alter table "identity"."users" alter column "password_hash" set not null`);
  }
}
