import { Migration } from '@mikro-orm/migrations';

/**
 * Quota warnings: each kept once per organisation, month and kind (several gateways send each), and
 * in-app notifications about a whole organisation, without a project.
 */
export class Migration20261206100000QuotaNotices extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table if not exists "notifications"."quota_notices" (
        "org_id" uuid not null,
        "period" varchar(7) not null,
        "kind" varchar(16) not null,
        "used" bigint not null,
        "limit" bigint not null,
        "exhausts_at" timestamptz null,
        "created_at" timestamptz not null default now(),
        primary key ("org_id", "period", "kind")
      )`);
    this.addSql(`alter table "notifications"."in_app_notifications" alter column "project_id" drop not null`);
    this.addSql(
      `alter table "notifications"."in_app_notifications" drop constraint "in_app_notifications_kind_check"`,
    );
    this.addSql(`
      alter table "notifications"."in_app_notifications" add constraint "in_app_notifications_kind_check"
        check ("kind" in ('firing', 'resolved', 'test', 'quota-80', 'quota-100', 'quota-forecast'))`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "notifications"."in_app_notifications" where "project_id" is null`);
    this.addSql(
      `alter table "notifications"."in_app_notifications" drop constraint "in_app_notifications_kind_check"`,
    );
    this.addSql(`
      alter table "notifications"."in_app_notifications" add constraint "in_app_notifications_kind_check"
        check ("kind" in ('firing', 'resolved', 'test'))`);
    this.addSql(`alter table "notifications"."in_app_notifications" alter column "project_id" set not null`);
    this.addSql(`drop table if exists "notifications"."quota_notices"`);
  }
}
