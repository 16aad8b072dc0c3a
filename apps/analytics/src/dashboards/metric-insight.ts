import { BusErrorCode, DomainException, type InsightData, type InsightParams } from '@northstar/contracts';

/**
 * The one place a `metric` insight is evaluated. Custom metrics (their storage and query) are not
 * part of this service yet: until they are, each evaluation is an error of its item alone, and a
 * dashboard's other insights still answer. Wiring it means calling the custom metrics query here.
 */
export function evaluateMetricInsight(_projectId: string, _params: InsightParams): Promise<InsightData> {
  return Promise.reject(
    new DomainException(BusErrorCode.Unprocessable, 'metric insights need custom metrics'),
  );
}
