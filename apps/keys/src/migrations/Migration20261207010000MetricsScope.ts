import { Migration } from '@mikro-orm/migrations';

/** The `metrics:write` scope (custom metrics, POST /v1/metrics): the check takes it beside the others. */
export class Migration20261207010000MetricsScope extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "keys"."api_keys" drop constraint "api_keys_scopes_check"`);
    this.addSql(`
      alter table "keys"."api_keys" add constraint "api_keys_scopes_check"
        check ("scopes" <@ array['events:write', 'analytics:read', 'rpc', 'metrics:write']::text[]
          and cardinality("scopes") > 0)`);
  }

  override async down(): Promise<void> {
    this.addSql(`update "keys"."api_keys" set "scopes" = array_remove("scopes", 'metrics:write')`);
    this.addSql(`delete from "keys"."api_keys" where cardinality("scopes") = 0`);
    this.addSql(`alter table "keys"."api_keys" drop constraint "api_keys_scopes_check"`);
    this.addSql(`
      alter table "keys"."api_keys" add constraint "api_keys_scopes_check"
        check ("scopes" <@ array['events:write', 'analytics:read', 'rpc']::text[] and cardinality("scopes") > 0)`);
  }
}
