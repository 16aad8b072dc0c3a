import { Migration } from '@mikro-orm/migrations';

/**
 * Deliveries may be `suppressed`: recorded, never sent, because the organisation's hourly budget of
 * notifications was spent (issue 14, finding 4).
 */
export class Migration20261205000000SuppressedDeliveries extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notifications"."deliveries" drop constraint "deliveries_status_check"`);
    this.addSql(`
      alter table "notifications"."deliveries" add constraint "deliveries_status_check"
        check ("status" in ('pending', 'delivered', 'failed', 'suppressed'))`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "notifications"."deliveries" where "status" = 'suppressed'`);
    this.addSql(`alter table "notifications"."deliveries" drop constraint "deliveries_status_check"`);
    this.addSql(`
      alter table "notifications"."deliveries" add constraint "deliveries_status_check"
        check ("status" in ('pending', 'delivered', 'failed'))`);
  }
}
