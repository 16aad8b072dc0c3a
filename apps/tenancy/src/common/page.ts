import {
  decodeCursor,
  DEFAULT_PAGE_LIMIT,
  DomainException,
  encodeCursor,
  type Page,
} from '@northstar/contracts';

/** The position after which a page starts: lists are ordered by a time, then an id. */
export interface PagePosition {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads `?cursor=`; a cursor this service did not issue is a client error on that field. */
export function parseCursor(cursor: string | undefined): PagePosition | null {
  if (cursor === undefined) return null;
  const [time, id, extra] = (decodeCursor(cursor) ?? '').split('|');
  const at = new Date(time ?? '');
  if (extra !== undefined || id === undefined || !UUID.test(id) || Number.isNaN(at.getTime())) {
    throw DomainException.invalid([{ field: 'cursor', message: 'cursor is not a valid cursor' }]);
  }
  return { at, id };
}

export function pageLimit(limit: number | undefined): number {
  return limit ?? DEFAULT_PAGE_LIMIT;
}

/**
 * Builds a page from `limit + 1` rows read after the position: the extra row only tells that there
 * is a next page.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  positionOf: (row: Row) => PagePosition,
  toItem: (row: Row) => Item,
): Page<Item> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const more = rows.length > limit && last !== undefined;
  return {
    items: page.map(toItem),
    nextCursor: more ? encodeCursor(`${positionOf(last).at.toISOString()}|${positionOf(last).id}`) : null,
  };
}
