import { Injectable } from '@nestjs/common';
import {
  BusErrorCode,
  DomainException,
  MAX_DASHBOARDS_PER_PROJECT,
  MAX_INSIGHTS_PER_PROJECT,
  parseInsightParams,
  type AnalyticsCaller,
  type CreateDashboardRequest,
  type CreateInsightRequest,
  type DashboardDataRequest,
  type DashboardDataResponse,
  type DashboardDto,
  type DashboardItem,
  type DashboardListResponse,
  type DashboardProjectRequest,
  type DashboardRange,
  type DashboardRequest,
  type DeletedResponse,
  type InsightCsvResponse,
  type InsightDataRequest,
  type InsightDataResponse,
  type InsightDto,
  type InsightListResponse,
  type InsightProjectRequest,
  type InsightRequest,
  type ProjectDeletedEvent,
  type ShareDashboardResponse,
  type SharedDashboardRequest,
  type SharedDashboardResponse,
  type UpdateDashboardRequest,
  type UpdateInsightRequest,
} from '@northstar/contracts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Dashboard, type StoredDashboardRange } from './dashboard.entity';
import { DashboardAccess } from './dashboard-access';
import { DashboardsRepository } from './dashboards.repository';
import { csvFilename, csvOf, insightTable } from './insight-csv';
import { InsightEvaluator, type InsightOverrides } from './insight-evaluator';
import { Insight } from './insight.entity';

export const SHARE_TOKEN_PREFIX = 'nsd_';
export const SHARED_DASHBOARD_PATH = '/v1/shared/dashboards/';

/** The stored form of a share token: its SHA-256 (the token has 256 random bits: no salt needed). */
export function shareTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Saved insights and dashboards of a project: CRUD with the project's roles, evaluation, share links. */
@Injectable()
export class DashboardsService {
  constructor(
    private readonly access: DashboardAccess,
    private readonly repository: DashboardsRepository,
    private readonly evaluator: InsightEvaluator,
  ) {}

  // ------------------------------------------------------------------ insights

  async createInsight(request: CreateInsightRequest): Promise<InsightDto> {
    const grant = await this.access.toProject(request.actor, request.projectId, 'dashboards:manage');
    if ((await this.repository.countInsights(grant.orgId, request.projectId)) >= MAX_INSIGHTS_PER_PROJECT) {
      throw new DomainException(
        BusErrorCode.Unprocessable,
        `A project may keep at most ${MAX_INSIGHTS_PER_PROJECT} insights`,
      );
    }
    const insight = new Insight();
    insight.orgId = grant.orgId;
    insight.projectId = request.projectId;
    insight.name = request.name;
    insight.kind = request.kind;
    insight.params = paramsOf(request.kind, request.params);
    return toInsightDto(await this.repository.save(insight));
  }

  async listInsights(request: InsightProjectRequest): Promise<InsightListResponse> {
    const grant = await this.access.toProject(request.actor, request.projectId, 'analytics:read');
    const insights = await this.repository.insightsOfProject(grant.orgId, request.projectId);
    return { items: insights.map(toInsightDto) };
  }

  async getInsight(request: InsightRequest): Promise<InsightDto> {
    return toInsightDto(await this.access.toInsight(request.actor, request.insightId, 'analytics:read'));
  }

  async updateInsight(request: UpdateInsightRequest): Promise<InsightDto> {
    const insight = await this.access.toInsight(request.actor, request.insightId, 'dashboards:manage');
    if (request.kind !== undefined && request.params === undefined) {
      throw DomainException.invalid([{ field: 'params', message: 'a new kind needs its params' }]);
    }
    if (request.name !== undefined) insight.name = request.name;
    if (request.kind !== undefined) insight.kind = request.kind;
    // Params without a kind are the stored kind's: checked here, where that kind is known.
    if (request.params !== undefined) insight.params = paramsOf(insight.kind, request.params);
    return toInsightDto(await this.repository.save(insight));
  }

  async deleteInsight(request: InsightRequest): Promise<DeletedResponse> {
    const insight = await this.access.toInsight(request.actor, request.insightId, 'dashboards:manage');
    await this.repository.deleteInsight(insight.orgId, insight);
    return { deleted: true };
  }

  async insightData(request: InsightDataRequest): Promise<InsightDataResponse> {
    const insight = await this.access.toInsight(request.actor, request.insightId, 'analytics:read');
    const data = await this.evaluator.evaluate(insight, { actor: request.actor }, overridesOf(request));
    return { insightId: insight.id, kind: insight.kind, data };
  }

  async insightCsv(request: InsightDataRequest): Promise<InsightCsvResponse> {
    const insight = await this.access.toInsight(request.actor, request.insightId, 'analytics:read');
    const data = await this.evaluator.evaluate(insight, { actor: request.actor }, overridesOf(request));
    return {
      filename: csvFilename(insight.name, insight.kind),
      csv: csvOf(insightTable(insight.kind, data)),
    };
  }

  // ------------------------------------------------------------------ dashboards

  async createDashboard(request: CreateDashboardRequest): Promise<DashboardDto> {
    const grant = await this.access.toProject(request.actor, request.projectId, 'dashboards:manage');
    if (
      (await this.repository.countDashboards(grant.orgId, request.projectId)) >= MAX_DASHBOARDS_PER_PROJECT
    ) {
      throw new DomainException(
        BusErrorCode.Unprocessable,
        `A project may keep at most ${MAX_DASHBOARDS_PER_PROJECT} dashboards`,
      );
    }
    const dashboard = new Dashboard();
    dashboard.orgId = grant.orgId;
    dashboard.projectId = request.projectId;
    dashboard.name = request.name;
    dashboard.items = await this.itemsOf(dashboard, request.items);
    dashboard.range = rangeOf(request.range);
    dashboard.timezone = request.timezone ?? null;
    return toDashboardDto(await this.repository.save(dashboard));
  }

  async listDashboards(request: DashboardProjectRequest): Promise<DashboardListResponse> {
    const grant = await this.access.toProject(request.actor, request.projectId, 'analytics:read');
    const dashboards = await this.repository.dashboardsOfProject(grant.orgId, request.projectId);
    return { items: dashboards.map(toDashboardDto) };
  }

  async getDashboard(request: DashboardRequest): Promise<DashboardDto> {
    return toDashboardDto(
      await this.access.toDashboard(request.actor, request.dashboardId, 'analytics:read'),
    );
  }

  async updateDashboard(request: UpdateDashboardRequest): Promise<DashboardDto> {
    const dashboard = await this.access.toDashboard(request.actor, request.dashboardId, 'dashboards:manage');
    if (request.name !== undefined) dashboard.name = request.name;
    if (request.items !== undefined) dashboard.items = await this.itemsOf(dashboard, request.items);
    if (request.range !== undefined) dashboard.range = rangeOf(request.range ?? undefined);
    if (request.timezone !== undefined) dashboard.timezone = request.timezone;
    return toDashboardDto(await this.repository.save(dashboard));
  }

  async deleteDashboard(request: DashboardRequest): Promise<DeletedResponse> {
    const dashboard = await this.access.toDashboard(request.actor, request.dashboardId, 'dashboards:manage');
    await this.repository.deleteDashboard(dashboard.orgId, dashboard.id);
    return { deleted: true };
  }

  async dashboardData(request: DashboardDataRequest): Promise<DashboardDataResponse> {
    const dashboard = await this.access.toDashboard(request.actor, request.dashboardId, 'analytics:read');
    const items = await this.evaluateItems(dashboard, { actor: request.actor }, request);
    return {
      items: items.map(({ item, insight, result }) => ({
        insightId: item.insightId,
        ...(insight && { kind: insight.kind }),
        ...result,
      })),
    };
  }

  // ------------------------------------------------------------------ share links

  async share(request: DashboardRequest): Promise<ShareDashboardResponse> {
    const dashboard = await this.access.toDashboard(request.actor, request.dashboardId, 'dashboards:manage');
    const token = SHARE_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    // One live link per dashboard: a new one replaces (revokes) the previous.
    dashboard.shareTokenHash = shareTokenHash(token);
    dashboard.sharedAt = new Date();
    await this.repository.save(dashboard);
    return { token, path: `${SHARED_DASHBOARD_PATH}${token}` };
  }

  async unshare(request: DashboardRequest): Promise<DeletedResponse> {
    const dashboard = await this.access.toDashboard(request.actor, request.dashboardId, 'dashboards:manage');
    dashboard.shareTokenHash = null;
    dashboard.sharedAt = null;
    await this.repository.save(dashboard);
    return { deleted: true };
  }

  /**
   * The dashboard a token shares, evaluated as analytics itself (the link is the credential), without
   * ids: its name, layout and data, nothing of the organisation, its people or its other objects.
   */
  async shared(request: SharedDashboardRequest): Promise<SharedDashboardResponse> {
    const hash = shareTokenHash(request.token);
    const dashboard = request.token.startsWith(SHARE_TOKEN_PREFIX)
      ? await this.repository.dashboardSharedAs(hash)
      : null;
    // The lookup is by the token's hash, so its time says nothing of the token; compared again in
    // constant time all the same, as the one place that decides.
    const stored = Buffer.from(dashboard?.shareTokenHash ?? '', 'hex');
    const given = Buffer.from(hash, 'hex');
    if (!dashboard || stored.length !== given.length || !timingSafeEqual(stored, given)) {
      throw DomainException.notFound('Shared dashboard');
    }
    const caller: AnalyticsCaller = { service: { name: 'dashboards', projectId: dashboard.projectId } };
    const items = await this.evaluateItems(dashboard, caller, {});
    return {
      name: dashboard.name,
      range: dashboard.range,
      timezone: dashboard.timezone,
      items: items.flatMap(({ item, insight, result }) =>
        insight ? [{ position: item.position, name: insight.name, kind: insight.kind, ...result }] : [],
      ),
    };
  }

  async deleteProject(event: ProjectDeletedEvent): Promise<void> {
    await this.repository.deleteProject(event.orgId, event.projectId);
  }

  // ------------------------------------------------------------------ helpers

  /** The dashboard's items, each evaluated at once (in parallel), a failure its own item's. */
  private async evaluateItems(dashboard: Dashboard, caller: AnalyticsCaller, query: InsightOverrides) {
    const insights = await this.repository.insightsIn(
      dashboard.orgId,
      dashboard.projectId,
      dashboard.items.map((item) => item.insightId),
    );
    const byId = new Map(insights.map((insight) => [insight.id, insight]));
    const overrides = dashboardOverrides(dashboard, query);
    return Promise.all(
      dashboard.items.map(async (item) => {
        const insight = byId.get(item.insightId);
        const result = insight
          ? await this.evaluator.settle(insight, caller, overrides)
          : { error: { code: BusErrorCode.NotFound, message: 'Insight not found' } };
        return { item, insight, result };
      }),
    );
  }

  /** Items of insights of the dashboard's own project only, by position. */
  private async itemsOf(dashboard: Dashboard, items: DashboardItem[]): Promise<DashboardItem[]> {
    const ids = [...new Set(items.map((item) => item.insightId))];
    const found = await this.repository.insightsIn(dashboard.orgId, dashboard.projectId, ids);
    const known = new Set(found.map((insight) => insight.id));
    const errors = items.flatMap((item, index) =>
      known.has(item.insightId)
        ? []
        : [{ field: `items.${index}.insightId`, message: 'insightId must be an insight of this project' }],
    );
    if (errors.length > 0) throw DomainException.invalid(errors);
    return items
      .map((item) => ({ insightId: item.insightId, position: item.position }))
      .sort((a, b) => a.position - b.position);
  }
}

function paramsOf(kind: Insight['kind'], params: unknown): Insight['params'] {
  const parsed = parseInsightParams(kind, params);
  if ('errors' in parsed) throw DomainException.invalid(parsed.errors);
  return parsed.params;
}

function rangeOf(range: DashboardRange | undefined): StoredDashboardRange | null {
  if (!range) return null;
  if (range.lastHours !== undefined && (range.from !== undefined || range.to !== undefined)) {
    throw DomainException.invalid([{ field: 'range.lastHours', message: 'lastHours excludes from and to' }]);
  }
  const stored: StoredDashboardRange = {
    ...(range.lastHours !== undefined && { lastHours: range.lastHours }),
    ...(range.from !== undefined && { from: range.from }),
    ...(range.to !== undefined && { to: range.to }),
  };
  return Object.keys(stored).length > 0 ? stored : null;
}

function overridesOf(request: InsightOverrides): InsightOverrides {
  return { from: request.from, to: request.to, tz: request.tz };
}

/** The request's range and zone, else the dashboard's; what neither sets stays each insight's own. */
function dashboardOverrides(dashboard: Dashboard, query: InsightOverrides): InsightOverrides {
  const range = dashboard.range;
  let from = range?.from;
  let to = range?.to;
  if (range?.lastHours !== undefined) {
    const now = Date.now();
    from = new Date(now - range.lastHours * 3_600_000).toISOString();
    to = new Date(now).toISOString();
  }
  return { from: query.from ?? from, to: query.to ?? to, tz: query.tz ?? dashboard.timezone ?? undefined };
}

function toInsightDto(insight: Insight): InsightDto {
  return {
    id: insight.id,
    projectId: insight.projectId,
    name: insight.name,
    kind: insight.kind,
    params: insight.params,
    createdAt: insight.createdAt.toISOString(),
    updatedAt: insight.updatedAt.toISOString(),
  };
}

function toDashboardDto(dashboard: Dashboard): DashboardDto {
  return {
    id: dashboard.id,
    projectId: dashboard.projectId,
    name: dashboard.name,
    items: dashboard.items,
    range: dashboard.range,
    timezone: dashboard.timezone,
    shared: dashboard.shareTokenHash !== null,
    createdAt: dashboard.createdAt.toISOString(),
    updatedAt: dashboard.updatedAt.toISOString(),
  };
}
