/** How a custom metric's points are combined per bucket (or over an alert's window). */
export const METRIC_AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count', 'p50', 'p95', 'p99'] as const;
export type MetricAggregation = (typeof METRIC_AGGREGATIONS)[number];

/** An alert's metric naming a custom metric: `custom:<name>`. */
export const CUSTOM_METRIC_PREFIX = 'custom:';
export const CUSTOM_METRIC_PATTERN = /^custom:[A-Za-z0-9_.:-]{1,128}$/;

export function customMetricName(metric: string): string | null {
  return CUSTOM_METRIC_PATTERN.test(metric) ? metric.slice(CUSTOM_METRIC_PREFIX.length) : null;
}
