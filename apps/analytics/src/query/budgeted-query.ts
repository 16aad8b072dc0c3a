import { toSql, type ClickHouseClient, type SqlFragment } from '@northstar/clickhouse';
import { BusErrorCode, DomainException } from '@northstar/contracts';

const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);
// TIMEOUT_EXCEEDED, and TOO_SLOW (ClickHouse's estimate that the query would pass its time).
const OVER_BUDGET_CODES = new Set(['159', '160']);

function clickHouseCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return code;
  // ClickHouse 18.16 words its errors in a way the client does not parse: "Code: 159, e.displayText() ...".
  return error instanceof Error ? /^Code: (\d+)\b/.exec(error.message)?.[1] : undefined;
}

/**
 * Runs an analytics query within a time budget that ClickHouse itself enforces (max_execution_time),
 * so that a query too heavy for its range ends with a clear 422 naming the range, well before the bus
 * timeout would turn it into a 503 that looks like an outage; the server stops working on it too.
 * `priority` is ClickHouse's (1 highest, 0 none): a lower-priority query pauses while higher ones run.
 */
export async function queryWithinBudget<T>(
  clickhouse: ClickHouseClient,
  query: SqlFragment,
  budgetMs: number,
  priority = 0,
): Promise<T[]> {
  const seconds = Math.max(1, Math.floor(budgetMs / 1000));
  try {
    const result = await clickhouse.query({
      query: toSql(query),
      format: 'JSONEachRow',
      clickhouse_settings: {
        max_execution_time: seconds,
        timeout_overflow_mode: 'throw',
        ...(priority > 0 && { priority: String(priority) }),
      },
    });
    return await result.json<T>();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_ERRORS.has(code)) {
      throw new DomainException(BusErrorCode.Unavailable, 'The event store is unavailable', {
        retryAfterSeconds: 5,
      });
    }
    const clickHouse = clickHouseCode(error);
    if (clickHouse && OVER_BUDGET_CODES.has(clickHouse)) {
      throw new DomainException(
        BusErrorCode.Unprocessable,
        `The query needs more than its ${seconds} s budget: narrow the range (from, to) or the filters`,
        { errors: [{ field: 'from', message: `the range is too large to answer within ${seconds} s` }] },
      );
    }
    throw error;
  }
}
