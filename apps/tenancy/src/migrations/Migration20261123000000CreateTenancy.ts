import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000000CreateTenancy extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table "tenancy"."organisations" (
        "id" uuid primary key,
        "name" varchar(100) not null,
        "slug" varchar(48) not null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        constraint "organisations_slug_unique" unique ("slug")
      )`);

    this.addSql(`
      create table "tenancy"."memberships" (
        "org_id" uuid not null references "tenancy"."organisations" ("id") on delete cascade,
        "user_id" uuid not null,
        "role" varchar(16) not null,
        "joined_at" timestamptz not null,
        primary key ("org_id", "user_id"),
        constraint "memberships_role_check" check ("role" in ('owner', 'admin', 'member', 'viewer'))
      )`);
    // "My organisations" and the members list, both paged by (joined_at, id).
    this.addSql(
      `create index "memberships_user_index" on "tenancy"."memberships" ("user_id", "joined_at", "org_id")`,
    );
    this.addSql(
      `create index "memberships_org_joined_index" on "tenancy"."memberships" ("org_id", "joined_at", "user_id")`,
    );

    this.addSql(`
      create table "tenancy"."invitations" (
        "id" uuid primary key,
        "org_id" uuid not null references "tenancy"."organisations" ("id") on delete cascade,
        "email" varchar(254) not null,
        "role" varchar(16) not null,
        "token_hash" varchar(64) not null,
        "invited_by" uuid not null,
        "created_at" timestamptz not null,
        "expires_at" timestamptz not null,
        "accepted_at" timestamptz null,
        "accepted_by" uuid null,
        constraint "invitations_token_hash_unique" unique ("token_hash"),
        constraint "invitations_role_check" check ("role" in ('owner', 'admin', 'member', 'viewer')),
        constraint "invitations_email_lower_check" check ("email" = lower("email"))
      )`);
    // One open invitation per address and organisation: inviting again replaces it.
    this.addSql(
      `create unique index "invitations_open_email_unique" on "tenancy"."invitations" ("org_id", "email") where "accepted_at" is null`,
    );
    this.addSql(
      `create index "invitations_org_created_index" on "tenancy"."invitations" ("org_id", "created_at", "id")`,
    );

    this.addSql(`
      create table "tenancy"."projects" (
        "id" uuid primary key,
        "org_id" uuid not null references "tenancy"."organisations" ("id") on delete cascade,
        "name" varchar(100) not null,
        "slug" varchar(48) not null,
        "kind" varchar(16) not null,
        "timezone" varchar(64) not null default 'UTC',
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        constraint "projects_org_id_slug_unique" unique ("org_id", "slug"),
        constraint "projects_kind_check" check ("kind" in ('web2', 'web3', 'hybrid'))
      )`);
    this.addSql(
      `create index "projects_org_created_index" on "tenancy"."projects" ("org_id", "created_at", "id")`,
    );

    this.addSql(`
      create table "tenancy"."outbox" (
        "id" uuid primary key,
        "subject" varchar(128) not null,
        "payload" jsonb not null,
        "created_at" timestamptz not null
      )`);
    this.addSql(`create index "outbox_created_index" on "tenancy"."outbox" ("created_at")`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "tenancy"."outbox"`);
    this.addSql(`drop table if exists "tenancy"."projects"`);
    this.addSql(`drop table if exists "tenancy"."invitations"`);
    this.addSql(`drop table if exists "tenancy"."memberships"`);
    this.addSql(`drop table if exists "tenancy"."organisations"`);
  }
}
