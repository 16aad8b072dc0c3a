import { Migration } from '@mikro-orm/migrations';

/** Organisations may trust single sign-on providers' own MFA in place of this platform's second factor. */
export class Migration20261206100000TrustedMfaProviders extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "tenancy"."organisations" add column if not exists "trusted_mfa_providers" text[] not null default '{}'`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "tenancy"."organisations" drop column if exists "trusted_mfa_providers"`);
  }
}
