import { Injectable, Logger } from '@nestjs/common';
import {
  assertNever,
  BusErrorCode,
  DomainException,
  type AnalyticsCaller,
  type FunnelRequest,
  type InsightData,
  type InsightItemError,
  type InsightKind,
  type InsightParams,
  type SummaryRequest,
  type TimeseriesRequest,
  type TopRequest,
} from '@northstar/contracts';
import { randomUUID } from 'node:crypto';
import { MetricSeriesQuery } from '../metrics/metric-series.query';
import { AnalyticsService } from '../query/analytics.service';
import { evaluateMetricInsight } from './metric-insight';

/** What a data request overrides in every insight's parameters (the range and zone). */
export interface InsightOverrides {
  from?: string;
  to?: string;
  tz?: string;
}

export interface EvaluatedInsight {
  data?: InsightData;
  error?: InsightItemError;
}

const defined = (overrides: InsightOverrides) =>
  Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));

/**
 * Runs saved insights through the analytics queries in-process: the same checks (the caller's access
 * to the project, retention, range limits), the same per-project query gate and the same answer cache
 * as the query routes, so an insight answers exactly what its route answers.
 */
@Injectable()
export class InsightEvaluator {
  private readonly logger = new Logger(InsightEvaluator.name);

  constructor(
    private readonly analytics: AnalyticsService,
    private readonly metrics: MetricSeriesQuery,
  ) {}

  evaluate(
    insight: { projectId: string; kind: InsightKind; params: InsightParams },
    caller: AnalyticsCaller,
    overrides: InsightOverrides,
  ): Promise<InsightData> {
    const request = { ...insight.params, ...defined(overrides), projectId: insight.projectId, caller };
    switch (insight.kind) {
      case 'summary':
        return this.analytics.summary(request as SummaryRequest);
      case 'timeseries':
        return this.analytics.timeseries(request as TimeseriesRequest);
      case 'top':
        return this.analytics.top(request as TopRequest);
      case 'funnel':
        return this.analytics.funnel(request as FunnelRequest);
      case 'metric':
        return evaluateMetricInsight(this.metrics, {
          caller,
          projectId: insight.projectId,
          params: { ...insight.params, ...defined(overrides) },
        });
      default:
        return assertNever(insight.kind, 'insight kind');
    }
  }

  /** Like evaluate, but a failure is the answer's error (a dashboard's item), never thrown. */
  async settle(
    insight: { projectId: string; kind: InsightKind; params: InsightParams },
    caller: AnalyticsCaller,
    overrides: InsightOverrides,
  ): Promise<EvaluatedInsight> {
    try {
      return { data: await this.evaluate(insight, caller, overrides) };
    } catch (error) {
      if (error instanceof DomainException) {
        const { code, message, errors, errorId } = error.toPayload();
        return { error: { code, message, ...(errors && { errors }), ...(errorId && { errorId }) } };
      }
      // As a 500 anywhere: the detail stays in the log, the answer carries its id.
      const errorId = randomUUID();
      this.logger.error(
        `Insight evaluation failed (error ${errorId}): ${String((error as Error)?.stack ?? error)}`,
      );
      return {
        error: { code: BusErrorCode.Internal, message: 'The insight could not be evaluated', errorId },
      };
    }
  }
}
