import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { QuotaWarningRequest } from '@northstar/contracts';

/** The quota warnings given, one per organisation, month and kind. */
@Injectable()
export class QuotaNoticeRepository {
  constructor(private readonly em: EntityManager) {}

  async exists(warning: QuotaWarningRequest): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>(
      `select 1 from "notifications"."quota_notices" where "org_id" = ? and "period" = ? and "kind" = ?`,
      [warning.orgId, warning.period, warning.kind],
    );
    return rows.length > 0;
  }

  /** Keeps the warning; false when it was already there. */
  async insertOnce(warning: QuotaWarningRequest): Promise<boolean> {
    const rows = await this.em.execute<unknown[]>(
      `insert into "notifications"."quota_notices" ("org_id", "period", "kind", "used", "limit", "exhausts_at")
       values (?, ?, ?, ?, ?, ?)
       on conflict do nothing
       returning 1`,
      [warning.orgId, warning.period, warning.kind, warning.used, warning.limit, warning.exhaustsAt ?? null],
    );
    return rows.length > 0;
  }
}
