import { BusErrorCode, encodeCursor } from '@northstar/contracts';
import { parseCursor, toPage } from './page';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const rows = [1, 2, 3].map((n) => ({ at: new Date(Date.UTC(2026, 10, 22, 10, 0, n)), id: id(n) }));

describe('pages', () => {
  it('answers the first `limit` rows and a cursor that leads after the last of them', () => {
    const page = toPage(
      rows,
      2,
      (row) => row,
      (row) => row.id,
    );
    expect(page.items).toEqual([id(1), id(2)]);
    expect(parseCursor(page.nextCursor ?? undefined)).toEqual(rows[1]);
  });

  it('answers no cursor on the last page', () => {
    expect(
      toPage(
        rows,
        3,
        (row) => row,
        (row) => row.id,
      ).nextCursor,
    ).toBeNull();
    expect(
      toPage(
        [],
        3,
        (row: (typeof rows)[number]) => row,
        (row) => row.id,
      ),
    ).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['garbage', '!!!'],
    ['no id', encodeCursor('2026-11-22T10:00:00.000Z')],
    ['a bad time', encodeCursor(`yesterday|${id(1)}`)],
    ['a bad id', encodeCursor('2026-11-22T10:00:00.000Z|1; drop table')],
    ['extra parts', encodeCursor(`2026-11-22T10:00:00.000Z|${id(1)}|x`)],
  ])('refuses a cursor with %s, naming the field', (_case, cursor) => {
    let error: unknown;
    try {
      parseCursor(cursor);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: BusErrorCode.ValidationFailed,
      extra: { errors: [{ field: 'cursor' }] },
    });
  });

  it('reads no position without a cursor', () => {
    expect(parseCursor(undefined)).toBeNull();
  });
});
