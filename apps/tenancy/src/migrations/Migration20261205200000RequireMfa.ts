import { Migration } from '@mikro-orm/migrations';

/** Organisations may require their members to sign in with two factors. */
export class Migration20261205200000RequireMfa extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "tenancy"."organisations" add column "require_mfa" boolean not null default false`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tenancy"."organisations" drop column if exists "require_mfa"`);
  }
}
