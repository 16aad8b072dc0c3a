import type { DashboardDataResponse, InsightItemError, SharedDashboardResponse } from '@northstar/contracts';
import { problemKindForCode, problemType, type Problem } from '../http/problem';

/** One insight's failure inside a dashboard's answer: problem details, as the route alone would answer it. */
export type ItemProblem = Omit<Problem, 'requestId'>;

export function itemProblem(error: InsightItemError): ItemProblem {
  const kind = problemKindForCode(error.code);
  return {
    type: problemType(kind.slug),
    title: kind.title,
    status: kind.status,
    detail: error.message,
    ...(error.errors && { errors: error.errors }),
    ...(error.errorId && { errorId: error.errorId }),
  };
}

type WithItemErrors<T extends { items: { error?: InsightItemError }[] }> = Omit<T, 'items'> & {
  items: (Omit<T['items'][number], 'error'> & { error?: ItemProblem })[];
};

/** The answer with each item's error in problem shape. */
export function withItemProblems<T extends DashboardDataResponse | SharedDashboardResponse>(
  answer: T,
): WithItemErrors<T> {
  return {
    ...answer,
    items: answer.items.map(({ error, ...item }) => ({
      ...item,
      ...(error && { error: itemProblem(error) }),
    })),
  } as WithItemErrors<T>;
}
