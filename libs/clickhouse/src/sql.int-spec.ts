import { randomBytes } from 'node:crypto';
import { createClickHouse, type ClickHouseClient, type ClickHouseConnection } from './clickhouse-client';
import { migrateClickHouse, type ClickHouseMigration } from './migrate';
import { identifier, literal, sql, toSql, type SqlFragment } from './sql';

// Against the real server: ClickHouse 18.16 has no query parameters, so the literal helper is all
// that stands between a value and the SQL parser.
const connection: ClickHouseConnection = {
  url: process.env['CLICKHOUSE_URL'] || 'http://127.0.0.1:8123',
  database: process.env['CLICKHOUSE_DATABASE'] || 'northstar_test',
  username: process.env['CLICKHOUSE_USER'] || 'default',
  password: process.env['CLICKHOUSE_PASSWORD'] || '',
};

let client: ClickHouseClient;

beforeAll(async () => {
  client = createClickHouse(connection, null);
  const ping = await client.ping();
  if (!ping.success)
    throw new Error(`ClickHouse is not reachable at ${connection.url}: ${String(ping.error)}`);
});

afterAll(async () => {
  await client?.close();
});

async function rows<T>(query: SqlFragment): Promise<T[]> {
  const result = await client.query({ query: toSql(query), format: 'JSONEachRow' });
  return result.json<T>();
}

/** What ClickHouse makes of a string literal, as the hex of its bytes (immune to output escaping). */
async function stored(value: string): Promise<string> {
  const result = await client.query({ query: `SELECT hex(${literal(value)}) AS h`, format: 'JSONEachRow' });
  const [row] = await result.json<{ h: string }>();
  return row.h;
}

const hexOf = (value: string) => Buffer.from(value, 'utf8').toString('hex').toUpperCase();

// Seeded, so a failure can be replayed with FUZZ_SEED=<seed>.
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY = [
  "'",
  '"',
  '\\',
  '`',
  '?',
  '{',
  '}',
  '%',
  '$',
  ';',
  '-',
  '/',
  '*',
  '#',
  '\\x',
  "\\'",
  '\\\\',
  "''",
  '\\0',
  '\\N',
];

function randomString(random: () => number): string {
  const pick = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const length = pick(0, 40);
  let out = '';
  for (let i = 0; i < length; i++) {
    const kind = pick(0, 9);
    if (kind <= 2) out += TRICKY[pick(0, TRICKY.length - 1)];
    else if (kind === 3) out += String.fromCodePoint(pick(0, 0x1f));
    else if (kind === 4) out += String.fromCodePoint(pick(0x20, 0x7f));
    else if (kind === 5) out += String.fromCodePoint(pick(0x80, 0x7ff));
    else if (kind === 6)
      out += String.fromCodePoint([0x2028, 0x2029, 0xfeff, 0x200d, 0x202e, 0xfffd, 0xffff][pick(0, 6)]);
    else if (kind === 7) out += String.fromCodePoint(pick(0x4e00, 0x9fff));
    else if (kind === 8) out += String.fromCodePoint(pick(0x1f300, 0x1f64f));
    // Any astral code point, up to the last one.
    else out += String.fromCodePoint(pick(0x10000, 0x10ffff));
  }
  return out;
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

describe('literal against ClickHouse', () => {
  const FIXED = [
    '',
    "'",
    "''",
    '\\',
    '\\\\',
    "\\'",
    "'\\",
    'ends with a backslash\\',
    '\0',
    '\0\x01\x02\x1f\x7f',
    '\\x41 is not A',
    '\\0 is not NUL',
    'tab\there\nnewline\r\n',
    "x'; DROP TABLE schema_migrations; --",
    "' OR '1'='1",
    'héllo wörld ß',
    '中文 العربية עברית',
    '😀👩‍👩‍👧‍👦🏳️‍🌈',
    '𝄞 \u{10FFFF} \u{1F600}',
    '\u2028\u2029\ufeff',
  ];

  it('round-trips tricky strings byte for byte', async () => {
    const wrong: string[] = [];
    await inParallel(FIXED, 8, async (value) => {
      const got = await stored(value).catch((error: unknown) => `error: ${String(error)}`);
      if (got !== hexOf(value)) wrong.push(`${JSON.stringify(value)} -> ${got}`);
    });
    expect(wrong).toEqual([]);
  });

  it('round-trips a few hundred random strings byte for byte', async () => {
    const seed = Number(process.env['FUZZ_SEED']) || Math.floor(Math.random() * 2 ** 32);
    const random = prng(seed);
    const values = Array.from({ length: 300 }, () => randomString(random));
    const wrong: string[] = [];
    await inParallel(values, 8, async (value) => {
      const got = await stored(value).catch((error: unknown) => `error: ${String(error)}`);
      if (got !== hexOf(value)) wrong.push(`${JSON.stringify(value)} -> ${got}`);
    });
    expect({ seed, wrong: wrong.slice(0, 20) }).toEqual({ seed, wrong: [] });
  });

  it('round-trips arrays, numbers, booleans, null and dates', async () => {
    const [row] = await rows<Record<string, unknown>>(
      sql`SELECT ${["a'b", '\\', '😀']} AS strings, ${-42} AS int, ${0.5} AS float, ${true} AS yes,
        ${null} AS nothing, toString(${new Date('2026-11-22T10:05:09Z')}) AS at,
        toString(${2n ** 63n - 1n}) AS big`,
    );
    expect(row).toEqual({
      strings: ["a'b", '\\', '😀'],
      int: -42,
      float: 0.5,
      yes: 1,
      nothing: null,
      at: '2026-11-22 10:05:09',
      big: '9223372036854775807',
    });
  });
});

describe('migrateClickHouse', () => {
  // A throwaway database per run, dropped afterwards.
  const database = `northstar_test_migrate_${randomBytes(4).toString('hex')}`;
  const target = { ...connection, database };
  const first: ClickHouseMigration[] = [
    // Listed out of order on purpose: they are applied by name.
    {
      name: '20261122000002_create_sessions',
      statements: ['CREATE TABLE IF NOT EXISTS sessions (id String) ENGINE = MergeTree() ORDER BY id'],
    },
    {
      name: '20261122000001_create_events',
      statements: [
        'CREATE TABLE IF NOT EXISTS events (project_id String, at DateTime) ENGINE = MergeTree() ORDER BY (project_id, at)',
      ],
    },
  ];

  afterAll(async () => {
    await client?.command({ query: toSql(sql`DROP DATABASE IF EXISTS ${identifier(database)}`) });
  });

  const tables = async () =>
    (
      await rows<{ name: string }>(
        sql`SELECT name FROM system.tables WHERE database = ${database} ORDER BY name`,
      )
    ).map((row) => row.name);
  const applied = async () =>
    (
      await rows<{ name: string }>(
        sql`SELECT name FROM ${identifier(database)}.schema_migrations ORDER BY name`,
      )
    ).map((row) => row.name);

  it('creates the database, applies the migrations in name order and records them', async () => {
    expect(await migrateClickHouse(target, first)).toEqual([
      '20261122000001_create_events',
      '20261122000002_create_sessions',
    ]);
    expect(await tables()).toEqual(['events', 'schema_migrations', 'sessions']);
    expect(await applied()).toEqual(['20261122000001_create_events', '20261122000002_create_sessions']);
  });

  it('applies nothing the second time, and only a new migration later', async () => {
    await migrateClickHouse(target, first);
    expect(await migrateClickHouse(target, first)).toEqual([]);

    const added = {
      name: '20261122000003_create_users',
      statements: ['CREATE TABLE IF NOT EXISTS users (id String) ENGINE = MergeTree() ORDER BY id'],
    };
    expect(await migrateClickHouse(target, [...first, added])).toEqual([added.name]);
    expect(await migrateClickHouse(target, [...first, added])).toEqual([]);
    expect(await applied()).toEqual([
      '20261122000001_create_events',
      '20261122000002_create_sessions',
      '20261122000003_create_users',
    ]);
  });
});
