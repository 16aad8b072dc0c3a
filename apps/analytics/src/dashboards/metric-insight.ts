import {
  BusErrorCode,
  DomainException,
  type AnalyticsCaller,
  type InsightData,
  type InsightParams,
} from '@northstar/contracts';

/** What evaluating a metric insight is given: the caller to re-check, its project, the saved params. */
export interface MetricInsightRequest {
  caller: AnalyticsCaller;
  projectId: string;
  /** `{ name, agg, interval, groupBy?, from?, to? }`, with the dashboard's from/to/tz applied. */
  params: InsightParams;
}

/**
 * The one place a `metric` insight is evaluated. Custom metrics (their storage and query) are not
 * part of this service yet: until they are, each evaluation is an error of its item alone, and a
 * dashboard's other insights still answer. Wiring it means calling the custom metrics query here.
 */
export function evaluateMetricInsight(_request: MetricInsightRequest): Promise<InsightData> {
  return Promise.reject(
    new DomainException(BusErrorCode.Unprocessable, 'metric insights need custom metrics'),
  );
}
