import { Controller } from '@nestjs/common';
import { CreateRequestContext, MikroORM } from '@mikro-orm/postgresql';
import { Payload } from '@nestjs/microservices';
import {
  CreateDashboardRequest,
  CreateInsightRequest,
  DashboardDataRequest,
  DashboardProjectRequest,
  DashboardRequest,
  DashboardsSubjects,
  InsightDataRequest,
  InsightProjectRequest,
  InsightRequest,
  SharedDashboardRequest,
  UpdateDashboardRequest,
  UpdateInsightRequest,
  type DashboardDataResponse,
  type DashboardDto,
  type DashboardListResponse,
  type DeletedResponse,
  type InsightCsvResponse,
  type InsightDataResponse,
  type InsightDto,
  type InsightListResponse,
  type ShareDashboardResponse,
  type SharedDashboardResponse,
} from '@northstar/contracts';
import { BusHandler } from '@northstar/messaging';
import { DashboardsService } from './dashboards.service';

@Controller()
export class DashboardsHandler {
  constructor(
    private readonly dashboards: DashboardsService,
    // Read by @CreateRequestContext: each message gets its own EntityManager.
    readonly orm: MikroORM,
  ) {}

  @BusHandler(DashboardsSubjects.createInsight)
  @CreateRequestContext()
  createInsight(@Payload() request: CreateInsightRequest): Promise<InsightDto> {
    return this.dashboards.createInsight(request);
  }

  @BusHandler(DashboardsSubjects.listInsights)
  @CreateRequestContext()
  listInsights(@Payload() request: InsightProjectRequest): Promise<InsightListResponse> {
    return this.dashboards.listInsights(request);
  }

  @BusHandler(DashboardsSubjects.getInsight)
  @CreateRequestContext()
  getInsight(@Payload() request: InsightRequest): Promise<InsightDto> {
    return this.dashboards.getInsight(request);
  }

  @BusHandler(DashboardsSubjects.updateInsight)
  @CreateRequestContext()
  updateInsight(@Payload() request: UpdateInsightRequest): Promise<InsightDto> {
    return this.dashboards.updateInsight(request);
  }

  @BusHandler(DashboardsSubjects.deleteInsight)
  @CreateRequestContext()
  deleteInsight(@Payload() request: InsightRequest): Promise<DeletedResponse> {
    return this.dashboards.deleteInsight(request);
  }

  @BusHandler(DashboardsSubjects.insightData)
  @CreateRequestContext()
  insightData(@Payload() request: InsightDataRequest): Promise<InsightDataResponse> {
    return this.dashboards.insightData(request);
  }

  @BusHandler(DashboardsSubjects.insightCsv)
  @CreateRequestContext()
  insightCsv(@Payload() request: InsightDataRequest): Promise<InsightCsvResponse> {
    return this.dashboards.insightCsv(request);
  }

  @BusHandler(DashboardsSubjects.createDashboard)
  @CreateRequestContext()
  createDashboard(@Payload() request: CreateDashboardRequest): Promise<DashboardDto> {
    return this.dashboards.createDashboard(request);
  }

  @BusHandler(DashboardsSubjects.listDashboards)
  @CreateRequestContext()
  listDashboards(@Payload() request: DashboardProjectRequest): Promise<DashboardListResponse> {
    return this.dashboards.listDashboards(request);
  }

  @BusHandler(DashboardsSubjects.getDashboard)
  @CreateRequestContext()
  getDashboard(@Payload() request: DashboardRequest): Promise<DashboardDto> {
    return this.dashboards.getDashboard(request);
  }

  @BusHandler(DashboardsSubjects.updateDashboard)
  @CreateRequestContext()
  updateDashboard(@Payload() request: UpdateDashboardRequest): Promise<DashboardDto> {
    return this.dashboards.updateDashboard(request);
  }

  @BusHandler(DashboardsSubjects.deleteDashboard)
  @CreateRequestContext()
  deleteDashboard(@Payload() request: DashboardRequest): Promise<DeletedResponse> {
    return this.dashboards.deleteDashboard(request);
  }

  @BusHandler(DashboardsSubjects.dashboardData)
  @CreateRequestContext()
  dashboardData(@Payload() request: DashboardDataRequest): Promise<DashboardDataResponse> {
    return this.dashboards.dashboardData(request);
  }

  @BusHandler(DashboardsSubjects.share)
  @CreateRequestContext()
  share(@Payload() request: DashboardRequest): Promise<ShareDashboardResponse> {
    return this.dashboards.share(request);
  }

  @BusHandler(DashboardsSubjects.unshare)
  @CreateRequestContext()
  unshare(@Payload() request: DashboardRequest): Promise<DeletedResponse> {
    return this.dashboards.unshare(request);
  }

  @BusHandler(DashboardsSubjects.shared)
  @CreateRequestContext()
  shared(@Payload() request: SharedDashboardRequest): Promise<SharedDashboardResponse> {
    return this.dashboards.shared(request);
  }
}
