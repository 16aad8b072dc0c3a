import { Migration } from '@mikro-orm/migrations';

/** Where a key may be used: origins, client addresses and chains (empty: anywhere). */
export class Migration20261205000000KeyAllowlists extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table "keys"."api_keys"
        add column "allowed_origins" text[] not null default '{}',
        add column "allowed_ips" text[] not null default '{}',
        add column "allowed_chains" text[] not null default '{}',
        add column "allowed_chain_ids" integer[] not null default '{}',
        add constraint "api_keys_allowlists_size_check" check (
          cardinality("allowed_origins") <= 50
          and cardinality("allowed_ips") <= 50
          and cardinality("allowed_chains") <= 50
          and cardinality("allowed_chain_ids") <= 50
        )`);
  }

  override async down(): Promise<void> {
    this.addSql(`
      alter table "keys"."api_keys"
        drop constraint if exists "api_keys_allowlists_size_check",
        drop column if exists "allowed_chain_ids",
        drop column if exists "allowed_chains",
        drop column if exists "allowed_ips",
        drop column if exists "allowed_origins"`);
  }
}
