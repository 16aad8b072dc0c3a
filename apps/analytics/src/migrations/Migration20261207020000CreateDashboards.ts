import { Migration } from '@mikro-orm/migrations';

/** Saved insights and dashboards: the first PostgreSQL tables of analytics, in its own schema. */
export class Migration20261207020000CreateDashboards extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table if not exists "analytics"."insights" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "project_id" uuid not null,
        "name" varchar(100) not null,
        "kind" varchar(16) not null check ("kind" in ('summary', 'timeseries', 'top', 'funnel', 'metric')),
        "params" jsonb not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      )`);
    this.addSql(
      `create index if not exists "insights_project_idx" on "analytics"."insights" ("org_id", "project_id", "created_at")`,
    );
    this.addSql(`
      create table if not exists "analytics"."dashboards" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "project_id" uuid not null,
        "name" varchar(100) not null,
        "items" jsonb not null,
        "range" jsonb null,
        "timezone" varchar(64) null,
        "share_token_hash" varchar(64) null unique,
        "shared_at" timestamptz null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      )`);
    this.addSql(
      `create index if not exists "dashboards_project_idx" on "analytics"."dashboards" ("org_id", "project_id", "created_at")`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "analytics"."dashboards"`);
    this.addSql(`drop table if exists "analytics"."insights"`);
  }
}
