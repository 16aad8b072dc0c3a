import { Migration } from '@mikro-orm/migrations';

/** Alerts on custom metrics: `custom:<name>` (up to 135 characters) and how its points are combined. */
export class Migration20261207010000CustomMetricAlerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notifications"."alerts" alter column "metric" type varchar(140)`);
    this.addSql(
      `alter table "notifications"."alerts" add column if not exists "aggregation" varchar(8) null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "notifications"."alerts" where "metric" like 'custom:%'`);
    this.addSql(`alter table "notifications"."alerts" drop column if exists "aggregation"`);
    this.addSql(`alter table "notifications"."alerts" alter column "metric" type varchar(32)`);
  }
}
