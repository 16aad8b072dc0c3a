import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000CreateChains extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "chains"."chains" (
        "id" uuid primary key,
        "slug" varchar(48) not null unique,
        "chain_id" integer null,
        "name" varchar(100) not null,
        "ecosystem" varchar(16) not null,
        "testnet" boolean not null,
        "native_symbol" varchar(16) not null,
        "native_decimals" smallint not null,
        "explorer_url" varchar(255) not null,
        "status" varchar(16) not null default 'active',
        "rpc_http_template" varchar(255) not null,
        "rpc_ws_template" varchar(255) not null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now(),
        constraint "chains_status_check" check ("status" in ('active', 'inactive'))
      )`);
    // Two chains of one ecosystem cannot share a chain id (EIP-155 ids are unique within EVM).
    this.addSql(
      `create unique index "chains_ecosystem_chain_id_unique" on "chains"."chains" ("ecosystem", "chain_id") where "chain_id" is not null`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "chains"."chains"`);
  }
}
