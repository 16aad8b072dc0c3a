import type {
  AnalyticsCaller,
  InsightData,
  InsightParams,
  MetricAggregation,
  TimeseriesInterval,
} from '@northstar/contracts';
import type { MetricSeriesQuery } from '../metrics/metric-series.query';

/** What evaluating a metric insight is given: the caller to re-check, its project, the saved params. */
export interface MetricInsightRequest {
  caller: AnalyticsCaller;
  projectId: string;
  /** `{ name, agg, interval, groupBy?, from?, to? }`, with the dashboard's from/to/tz applied. */
  params: InsightParams;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The one place a `metric` insight is evaluated: as GET /v1/projects/:projectId/metrics/:name answers
 * it (MetricSeriesQuery.seriesFor: the caller's access, the zone of the project, the range limits and
 * retention, the parameters checked again).
 */
export function evaluateMetricInsight(
  metrics: MetricSeriesQuery,
  { caller, projectId, params }: MetricInsightRequest,
): Promise<InsightData> {
  const optional = (key: 'from' | 'to' | 'tz' | 'groupBy') =>
    text(params[key]) === undefined ? {} : { [key]: text(params[key]) };
  return metrics.seriesFor({
    caller,
    projectId,
    name: text(params['name']) ?? '',
    agg: params['agg'] as MetricAggregation,
    interval: params['interval'] as TimeseriesInterval,
    ...optional('from'),
    ...optional('to'),
    ...optional('tz'),
    ...optional('groupBy'),
  });
}
