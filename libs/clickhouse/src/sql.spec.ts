import { identifier, join, literal, sql, toSql } from './sql';

describe('literal', () => {
  it('renders strings quoted, with quotes, backslashes and control characters escaped', () => {
    expect(literal('plain')).toBe("'plain'");
    expect(literal('')).toBe("''");
    expect(literal("it's")).toBe("'it\\'s'");
    expect(literal('back\\slash')).toBe("'back\\\\slash'");
    expect(literal("\\'")).toBe("'\\\\\\''");
    expect(literal('a\nb\rc\td')).toBe("'a\\nb\\rc\\td'");
    expect(literal('nul\0byte')).toBe("'nul\\x00byte'");
    expect(literal('\x01\x1f\x7f')).toBe("'\\x01\\x1f\\x7f'");
  });

  it('leaves printable unicode, astral characters included, as it is', () => {
    expect(literal('héllo 中文 😀 𝄞')).toBe("'héllo 中文 😀 𝄞'");
  });

  it('cannot be closed early by a crafted string', () => {
    const rendered = literal("x'; DROP TABLE events; --");
    expect(rendered).toBe("'x\\'; DROP TABLE events; --'");
    // Every quote inside the literal is escaped: only the two outer quotes are bare.
    expect(rendered.replace(/\\./g, '').match(/'/g)).toHaveLength(2);
  });

  it('renders numbers, bigints, booleans and null', () => {
    expect(literal(42)).toBe('42');
    expect(literal(-1.5)).toBe('(-1.5)');
    expect(literal(-3n)).toBe('(-3)');
    expect(toSql(sql`SELECT 1 - ${-1}`)).toBe('SELECT 1 - (-1)');
    expect(literal(2n ** 64n - 1n)).toBe('18446744073709551615');
    expect(literal(true)).toBe('1');
    expect(literal(false)).toBe('0');
    expect(literal(null)).toBe('NULL');
  });

  it('refuses numbers ClickHouse could not parse back', () => {
    expect(() => literal(Number.NaN)).toThrow(TypeError);
    expect(() => literal(Number.POSITIVE_INFINITY)).toThrow(TypeError);
  });

  it('renders dates as UTC DateTime, to the second', () => {
    expect(literal(new Date('2026-11-22T10:05:09.999Z'))).toBe("toDateTime('2026-11-22 10:05:09', 'UTC')");
    expect(() => literal(new Date('not a date'))).toThrow(TypeError);
  });

  it('renders arrays element by element, nested ones included', () => {
    expect(literal(['a', 1, null, ["b'"]])).toBe("['a', 1, NULL, ['b\\'']]");
    expect(literal([])).toBe('[]');
  });

  it('refuses values of other types', () => {
    expect(() => literal({} as never)).toThrow(TypeError);
  });
});

describe('identifier', () => {
  it('accepts plain names', () => {
    expect(toSql(identifier('events'))).toBe('events');
    expect(toSql(identifier('_tmp_1'))).toBe('_tmp_1');
  });

  it.each([
    '',
    '1events',
    'a-b',
    'a.b',
    'a b',
    '`events`',
    '"events"',
    'events;DROP TABLE x',
    'évents',
    "x'",
  ])('refuses %j', (name) => {
    expect(() => identifier(name)).toThrow(/Invalid ClickHouse identifier/);
  });
});

describe('sql tag', () => {
  it('escapes every interpolated value and keeps identifiers and fragments raw', () => {
    const projectId = "p' OR 1=1 --";
    const query = sql`SELECT count() FROM ${identifier('events')} WHERE project_id = ${projectId} AND type IN ${[
      'track',
      'page',
    ]} AND ${sql`n > ${5}`}`;
    expect(toSql(query)).toBe(
      "SELECT count() FROM events WHERE project_id = 'p\\' OR 1=1 --' AND type IN ['track', 'page'] AND n > 5",
    );
  });

  it('renders a template without values unchanged', () => {
    expect(toSql(sql`SELECT 1`)).toBe('SELECT 1');
  });

  it('joins fragments with a separator', () => {
    const where = join([sql`a = ${1}`, sql`b = ${'x'}`], ' AND ');
    expect(toSql(sql`SELECT * FROM t WHERE ${where}`)).toBe("SELECT * FROM t WHERE a = 1 AND b = 'x'");
  });
});
