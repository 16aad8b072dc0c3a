import { Migration } from '@mikro-orm/migrations';

/** The tables of deliveries, their attempts and in-app notifications (delivery/). */
export class Migration20261129000100CreateDeliveries extends Migration {
  override async up(): Promise<void> {
    // No foreign keys to the alerts tables: alert ids are values here, cleaned up by deleteForAlerts.
    this.addSql(`
      create table "notifications"."deliveries" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "project_id" uuid not null,
        "alert_id" uuid not null,
        "notification_id" uuid not null,
        "channel_index" integer not null,
        "channel" varchar(16) not null,
        "kind" varchar(16) not null,
        "target" text null,
        "url" text null,
        "secret" text null,
        "body" text null,
        "content" jsonb not null,
        "status" varchar(16) not null default 'pending',
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "deliveries_notification_id_channel_index_unique" unique ("notification_id", "channel_index"),
        constraint "deliveries_channel_check" check ("channel" in ('email', 'webhook', 'in_app')),
        constraint "deliveries_kind_check" check ("kind" in ('firing', 'resolved', 'test')),
        constraint "deliveries_status_check" check ("status" in ('pending', 'delivered', 'failed')),
        constraint "deliveries_webhook_check" check (
          "channel" <> 'webhook' or ("url" is not null and "body" is not null)
        )
      )`);
    this.addSql(
      `create index "deliveries_org_id_notification_id_index" on "notifications"."deliveries" ("org_id", "notification_id")`,
    );
    this.addSql(
      `create index "deliveries_org_id_alert_id_index" on "notifications"."deliveries" ("org_id", "alert_id")`,
    );

    this.addSql(`
      create table "notifications"."delivery_attempts" (
        "delivery_id" uuid not null references "notifications"."deliveries" ("id") on delete cascade,
        "attempt" integer not null,
        "at" timestamptz not null,
        "status_code" integer null,
        "error" text null,
        "duration_ms" integer not null,
        primary key ("delivery_id", "attempt"),
        constraint "delivery_attempts_attempt_check" check ("attempt" > 0)
      )`);

    this.addSql(`
      create table "notifications"."in_app_notifications" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "project_id" uuid not null,
        "alert_id" uuid null,
        "kind" varchar(16) not null,
        "title" text not null,
        "body" text not null,
        "value" double precision null,
        "created_at" timestamptz not null default now(),
        constraint "in_app_notifications_kind_check" check ("kind" in ('firing', 'resolved', 'test'))
      )`);
    // The inbox: the notifications of the user's organisations, newest first, paged by (created_at, id).
    this.addSql(
      `create index "in_app_notifications_org_id_created_at_id_index" on "notifications"."in_app_notifications" ("org_id", "created_at" desc, "id" desc)`,
    );
    this.addSql(
      `create index "in_app_notifications_org_id_alert_id_index" on "notifications"."in_app_notifications" ("org_id", "alert_id")`,
    );

    this.addSql(`
      create table "notifications"."notification_reads" (
        "notification_id" uuid not null references "notifications"."in_app_notifications" ("id") on delete cascade,
        "user_id" uuid not null,
        "read_at" timestamptz not null,
        primary key ("notification_id", "user_id")
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "notifications"."notification_reads"`);
    this.addSql(`drop table if exists "notifications"."in_app_notifications"`);
    this.addSql(`drop table if exists "notifications"."delivery_attempts"`);
    this.addSql(`drop table if exists "notifications"."deliveries"`);
  }
}
