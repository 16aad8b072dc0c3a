import {
  cursorCodec,
  cursorFields,
  DEFAULT_PAGE_LIMIT,
  type CursorCodec,
  type Page,
} from '@northstar/contracts';

/** The position after which a page starts: lists are ordered by a time, then an id. */
export interface PagePosition {
  at: Date;
  id: string;
}

/**
 * The cursors of one list (`kind`, its bus subject): a cursor of another list, or one this service
 * did not issue, is a client error on field `cursor`.
 */
export function positionCursor(kind: string): CursorCodec<PagePosition> {
  return cursorCodec<PagePosition>(kind, { at: cursorFields.time, id: cursorFields.uuid });
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
  cursor: CursorCodec<PagePosition>,
  positionOf: (row: Row) => PagePosition,
  toItem: (row: Row) => Item,
): Page<Item> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const more = rows.length > limit && last !== undefined;
  return {
    items: page.map(toItem),
    nextCursor: more ? cursor.encode(positionOf(last)) : null,
  };
}
