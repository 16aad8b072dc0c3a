import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000000CreateIdentity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "identity"."users" (
        "id" uuid primary key,
        "email" varchar(254) not null,
        "name" varchar(100) not null,
        "password_hash" text not null,
        "email_verified" boolean not null default false,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "users_email_lower_case" check ("email" = lower("email")),
        constraint "users_email_unique" unique ("email")
      )`);

    this.addSql(`
      create table "identity"."sessions" (
        "id" uuid primary key,
        "user_id" uuid not null references "identity"."users" ("id") on delete cascade,
        "user_agent" varchar(512) null,
        "ip" varchar(64) not null,
        "refresh_token_hash" varchar(64) not null,
        "created_at" timestamptz not null default now(),
        "last_used_at" timestamptz not null default now(),
        "expires_at" timestamptz not null,
        "revoked_at" timestamptz null,
        constraint "sessions_refresh_token_hash_unique" unique ("refresh_token_hash")
      )`);
    // A user's sessions, newest first (the session list and "revoke all").
    this.addSql(
      `create index "sessions_user_id_created_at_index" on "identity"."sessions" ("user_id", "created_at" desc, "id" desc)`,
    );

    this.addSql(`
      create table "identity"."used_refresh_tokens" (
        "token_hash" varchar(64) primary key,
        "session_id" uuid not null references "identity"."sessions" ("id") on delete cascade,
        "used_at" timestamptz not null default now()
      )`);
    this.addSql(
      `create index "used_refresh_tokens_session_id_index" on "identity"."used_refresh_tokens" ("session_id")`,
    );

    this.addSql(`
      create table "identity"."user_tokens" (
        "token_hash" varchar(64) primary key,
        "user_id" uuid not null references "identity"."users" ("id") on delete cascade,
        "purpose" varchar(32) not null,
        "created_at" timestamptz not null default now(),
        "expires_at" timestamptz not null,
        "used_at" timestamptz null,
        constraint "user_tokens_purpose_check" check ("purpose" in ('verify_email', 'reset_password'))
      )`);
    this.addSql(
      `create index "user_tokens_user_id_purpose_index" on "identity"."user_tokens" ("user_id", "purpose")`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."user_tokens"`);
    this.addSql(`drop table if exists "identity"."used_refresh_tokens"`);
    this.addSql(`drop table if exists "identity"."sessions"`);
    this.addSql(`drop table if exists "identity"."users"`);
  }
}
