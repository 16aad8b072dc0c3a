import { Migration } from '@mikro-orm/migrations';

export class Migration20261205000000CreateChainAudit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "chains"."chain_audit" (
        "id" uuid primary key,
        "at" timestamptz(3) not null,
        "change" varchar(16) not null,
        "chain_slug" varchar(48) not null,
        "actor_user_id" uuid not null,
        "actor_email" varchar(254) null,
        "fields" jsonb not null,
        "before" jsonb null,
        "after" jsonb null,
        constraint "chain_audit_change_check" check ("change" in ('created', 'updated', 'deleted'))
      )`);
    // Newest first, over all chains or one.
    this.addSql(`create index "chain_audit_at_id_index" on "chains"."chain_audit" ("at" desc, "id" desc)`);
    this.addSql(
      `create index "chain_audit_chain_slug_at_id_index" on "chains"."chain_audit" ("chain_slug", "at" desc, "id" desc)`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "chains"."chain_audit"`);
  }
}
