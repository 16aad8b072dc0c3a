import { Migration } from '@mikro-orm/migrations';

/** The tables of alert rules, their state and history (alerts/). */
export class Migration20261129000000CreateAlerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "notifications"."alerts" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "project_id" uuid not null,
        "name" varchar(100) not null,
        "metric" varchar(32) not null,
        "filter" jsonb not null default '{}',
        "comparator" varchar(3) not null,
        "threshold" double precision not null,
        "window_seconds" integer not null,
        "every_seconds" integer not null,
        "cooldown_seconds" integer not null,
        "enabled" boolean not null default true,
        "channels" jsonb not null,
        "state" varchar(8) not null default 'ok',
        "last_value" double precision null,
        "last_evaluated_at" timestamptz null,
        "last_notified_at" timestamptz null,
        "created_by" uuid not null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "alerts_comparator_check" check ("comparator" in ('gt', 'gte', 'lt', 'lte')),
        constraint "alerts_state_check" check ("state" in ('ok', 'firing')),
        constraint "alerts_window_seconds_check" check ("window_seconds" between 60 and 2592000),
        constraint "alerts_every_seconds_check" check ("every_seconds" between 5 and 86400),
        constraint "alerts_cooldown_seconds_check" check ("cooldown_seconds" between 0 and 2592000)
      )`);
    // The project's list, newest first, paged by (created_at, id).
    this.addSql(
      `create index "alerts_project_id_created_at_id_index" on "notifications"."alerts" ("project_id", "created_at" desc, "id" desc)`,
    );

    // One row per notification of an alert (firing, reminder, resolved, test); deliveries refer to its id.
    this.addSql(`
      create table "notifications"."alert_events" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "alert_id" uuid not null references "notifications"."alerts" ("id") on delete cascade,
        "kind" varchar(8) not null,
        "state" varchar(8) not null,
        "value" double precision null,
        "at" timestamptz not null,
        constraint "alert_events_kind_check" check ("kind" in ('firing', 'resolved', 'test')),
        constraint "alert_events_state_check" check ("state" in ('ok', 'firing'))
      )`);
    // The alert's history, newest first, paged by (at, id).
    this.addSql(
      `create index "alert_events_alert_id_at_id_index" on "notifications"."alert_events" ("alert_id", "at" desc, "id" desc)`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifications"."alert_events"`);
    this.addSql(`drop table if exists "notifications"."alerts"`);
  }
}
