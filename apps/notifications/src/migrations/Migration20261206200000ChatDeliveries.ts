import { Migration } from '@mikro-orm/migrations';

/** Deliveries to chat services (Slack, Teams, Discord, Telegram) beside email, webhooks and in-app. */
export class Migration20261206200000ChatDeliveries extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "notifications"."deliveries" drop constraint if exists "deliveries_channel_check"`,
    );
    this.addSql(`
      alter table "notifications"."deliveries" add constraint "deliveries_channel_check"
        check ("channel" in ('email', 'webhook', 'in_app', 'slack', 'teams', 'discord', 'telegram'))`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `delete from "notifications"."deliveries" where "channel" in ('slack', 'teams', 'discord', 'telegram')`,
    );
    this.addSql(
      `alter table "notifications"."deliveries" drop constraint if exists "deliveries_channel_check"`,
    );
    this.addSql(`
      alter table "notifications"."deliveries" add constraint "deliveries_channel_check"
        check ("channel" in ('email', 'webhook', 'in_app'))`);
  }
}
