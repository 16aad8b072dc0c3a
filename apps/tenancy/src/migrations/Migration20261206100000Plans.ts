import { Migration } from '@mikro-orm/migrations';

/**
 * Plans (issue 19): configuration the operator edits in this table, seeded with free, pro and
 * enterprise; every organisation is on one (free until a platform admin changes it). Additive: the
 * new column has a default, so code that does not know plans keeps inserting organisations.
 */
export class Migration20261206100000Plans extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table if not exists "tenancy"."plans" (
        "id" varchar(32) primary key,
        "name" varchar(100) not null,
        "monthly_events" bigint not null,
        "retention_days" integer not null,
        "max_projects" integer not null,
        "max_members" integer not null,
        "max_keys" integer not null,
        "default_key_rate_limit" integer null,
        "position" integer not null default 0,
        constraint "plans_id_check" check ("id" ~ '^[a-z0-9][a-z0-9-]{0,31}$'),
        constraint "plans_monthly_events_check" check ("monthly_events" >= 0),
        constraint "plans_retention_days_check" check ("retention_days" >= 1),
        constraint "plans_max_projects_check" check ("max_projects" >= 0),
        constraint "plans_max_members_check" check ("max_members" >= 1),
        constraint "plans_max_keys_check" check ("max_keys" >= 0),
        constraint "plans_default_key_rate_limit_check" check ("default_key_rate_limit" >= 1)
      )`);
    // No default key rate limit is seeded: keys created without one stay unlimited, as before plans.
    // The operator's later edits win: a seed row that exists already is left as it is.
    this.addSql(`
      insert into "tenancy"."plans"
        ("id", "name", "monthly_events", "retention_days", "max_projects", "max_members", "max_keys",
         "default_key_rate_limit", "position")
      values
        ('free', 'Free', 100000, 30, 3, 5, 10, null, 1),
        ('pro', 'Pro', 10000000, 365, 50, 50, 200, null, 2),
        ('enterprise', 'Enterprise', 1000000000, 1825, 1000, 1000, 10000, null, 3)
      on conflict ("id") do nothing`);
    // A plan in use cannot be deleted (restrict): move its organisations first.
    this.addSql(`
      alter table "tenancy"."organisations"
        add column if not exists "plan_id" varchar(32) not null default 'free'
        references "tenancy"."plans" ("id") on update cascade on delete restrict`);
    this.addSql(
      `create index if not exists "organisations_plan_index" on "tenancy"."organisations" ("plan_id")`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "tenancy"."organisations_plan_index"`);
    this.addSql(`alter table "tenancy"."organisations" drop column if exists "plan_id"`);
    this.addSql(`drop table if exists "tenancy"."plans"`);
  }
}
