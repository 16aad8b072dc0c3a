import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';

/**
 * Reads other services make without an actor (they act for the platform, not for a user): answers
 * about configuration and ownership, never an organisation's content.
 */
@Injectable()
export class ServiceLookupsRepository {
  constructor(private readonly em: EntityManager) {}

  /** The organisation's name and its owners' user ids; null when it does not exist. */
  async owners(orgId: string): Promise<{ name: string; ownerIds: string[] } | null> {
    const rows = await this.em.execute<Array<{ name: string; user_id: string | null }>>(
      `select "o"."name", "m"."user_id"
       from "tenancy"."organisations" "o"
       left join "tenancy"."memberships" "m" on "m"."org_id" = "o"."id" and "m"."role" = 'owner'
       where "o"."id" = ?
       order by "m"."joined_at"`,
      [orgId],
    );
    if (rows.length === 0) return null;
    return {
      name: rows[0].name,
      ownerIds: rows.flatMap((row) => (row.user_id ? [row.user_id] : [])),
    };
  }

  /** The retention (days) of each existing project's plan. */
  async retention(projectIds: string[]): Promise<{ projectId: string; retentionDays: number }[]> {
    if (projectIds.length === 0) return [];
    const rows = await this.em.execute<Array<{ id: string; retention_days: number }>>(
      `select "p"."id", "pl"."retention_days"
       from "tenancy"."projects" "p"
       join "tenancy"."organisations" "o" on "o"."id" = "p"."org_id"
       join "tenancy"."plans" "pl" on "pl"."id" = "o"."plan_id"
       where "p"."id" in (${projectIds.map(() => '?').join(', ')})`,
      projectIds,
    );
    return rows.map((row) => ({ projectId: row.id, retentionDays: Number(row.retention_days) }));
  }
}
