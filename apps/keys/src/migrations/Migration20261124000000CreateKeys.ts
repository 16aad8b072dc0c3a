import { Migration } from '@mikro-orm/migrations';

export class Migration20261124000000CreateKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "keys"."api_keys" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "project_id" uuid not null,
        "name" varchar(100) not null,
        "prefix" varchar(12) not null,
        "scopes" text[] not null,
        "expires_at" timestamptz null,
        "rate_limit" integer null,
        "rate_limit_window_seconds" integer null,
        "created_by" uuid not null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        "last_used_at" timestamptz null,
        "revoked_at" timestamptz null,
        "version" integer not null default 1,
        constraint "api_keys_scopes_check"
          check ("scopes" <@ array['events:write', 'analytics:read', 'rpc']::text[] and cardinality("scopes") > 0),
        constraint "api_keys_rate_limit_check" check (
          ("rate_limit" is null and "rate_limit_window_seconds" is null)
          or ("rate_limit" > 0 and "rate_limit_window_seconds" > 0)
        )
      )`);
    // The project's list, newest first, paged by (created_at, id).
    this.addSql(
      `create index "api_keys_project_id_created_at_id_index" on "keys"."api_keys" ("project_id", "created_at" desc, "id" desc)`,
    );

    this.addSql(`
      create table "keys"."key_secrets" (
        "id" uuid primary key,
        "key_id" uuid not null references "keys"."api_keys" ("id") on delete cascade,
        "hash" char(64) not null,
        "prefix" varchar(12) not null,
        "created_at" timestamptz not null default now(),
        "expires_at" timestamptz null,
        constraint "key_secrets_hash_unique" unique ("hash")
      )`);
    this.addSql(`create index "key_secrets_key_id_index" on "keys"."key_secrets" ("key_id")`);

    // Requests per key and hour (and chain, for RPC keys), for usage reports and billing.
    this.addSql(`
      create table "keys"."key_usage_hourly" (
        "key_id" uuid not null references "keys"."api_keys" ("id") on delete cascade,
        "hour" timestamptz not null,
        "chain" varchar(48) not null default '',
        "org_id" uuid not null,
        "project_id" uuid not null,
        "requests" bigint not null,
        primary key ("key_id", "hour", "chain"),
        constraint "key_usage_hourly_hour_check" check ("hour" = date_trunc('hour', "hour"))
      )`);
    this.addSql(
      `create index "key_usage_hourly_org_id_hour_index" on "keys"."key_usage_hourly" ("org_id", "hour")`,
    );
    this.addSql(
      `create index "key_usage_hourly_project_id_hour_index" on "keys"."key_usage_hourly" ("project_id", "hour")`,
    );

    // Usage batches already counted, so that a gateway's retry after a lost reply counts once.
    this.addSql(`
      create table "keys"."usage_batches" (
        "id" uuid primary key,
        "received_at" timestamptz not null default now()
      )`);
    this.addSql(`create index "usage_batches_received_at_index" on "keys"."usage_batches" ("received_at")`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "keys"."usage_batches"`);
    this.addSql(`drop table if exists "keys"."key_usage_hourly"`);
    this.addSql(`drop table if exists "keys"."key_secrets"`);
    this.addSql(`drop table if exists "keys"."api_keys"`);
  }
}
