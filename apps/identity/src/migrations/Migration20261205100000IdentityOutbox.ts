import { Migration } from '@mikro-orm/migrations';

/** Identity's durable events leave through an outbox, written in the transaction of their change. */
export class Migration20261205100000IdentityOutbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "identity"."outbox" (
        "id" uuid primary key,
        "subject" varchar(128) not null,
        "payload" jsonb not null,
        "created_at" timestamptz not null
      )`);
    this.addSql(`create index "outbox_created_index" on "identity"."outbox" ("created_at")`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "identity"."outbox"`);
  }
}
