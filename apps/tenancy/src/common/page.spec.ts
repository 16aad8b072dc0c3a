import { BusErrorCode, TenancySubjects, toPage } from '@northstar/contracts';
import { positionCursor } from './page';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const rows = [1, 2, 3].map((n) => ({ at: new Date(Date.UTC(2026, 10, 22, 10, 0, n)), id: id(n) }));
const projects = positionCursor(TenancySubjects.listProjects);
const members = positionCursor(TenancySubjects.listMembers);

describe('pages', () => {
  it('answers the first `limit` rows and a cursor that leads after the last of them', () => {
    const page = toPage(
      rows,
      2,
      projects,
      (row) => row,
      (row) => row.id,
    );
    expect(page.items).toEqual([id(1), id(2)]);
    expect(projects.decodeOptional(page.nextCursor ?? undefined)).toEqual(rows[1]);
  });

  it('answers no cursor on the last page', () => {
    expect(
      toPage(
        rows,
        3,
        projects,
        (row) => row,
        (row) => row.id,
      ).nextCursor,
    ).toBeNull();
    expect(
      toPage(
        [],
        3,
        projects,
        (row: (typeof rows)[number]) => row,
        (row) => row.id,
      ),
    ).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['garbage', '!!!'],
    ['the old format', Buffer.from(`2026-11-22T10:00:00.000Z|${id(1)}`).toString('base64url')],
    ['the position of another list', members.encode(rows[0])],
  ])('refuses a cursor with %s, naming the field', (_case, cursor) => {
    let error: unknown;
    try {
      projects.decode(cursor);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: BusErrorCode.ValidationFailed,
      extra: { errors: [{ field: 'cursor' }] },
    });
  });

  it('reads no position without a cursor', () => {
    expect(projects.decodeOptional(undefined)).toBeNull();
  });
});
