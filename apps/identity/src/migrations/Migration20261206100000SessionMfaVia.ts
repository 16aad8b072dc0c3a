import { Migration } from '@mikro-orm/migrations';

/**
 * A session signed in through an identity provider records which (`oidc:<provider id>`): organisations
 * that trust that provider's own MFA read it from the access tokens. Null for password sign-ins, and
 * for every session that existed before.
 */
export class Migration20261206100000SessionMfaVia extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "identity"."sessions" add column if not exists "mfa_via" varchar(40) null`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "identity"."sessions" drop column if exists "mfa_via"`);
  }
}
