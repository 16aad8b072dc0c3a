import { cursorCodec, cursorFields, type CursorCodec } from '@northstar/contracts';

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
