import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DomainException } from '../errors/bus-error';
import { SLUG_PATTERN } from './slug';

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;
/** The longest `?cursor=` any list takes; every cursor a list issues is far shorter. */
export const MAX_CURSOR_LENGTH = 512;

/** `?limit=&cursor=` as every list of the public API takes them. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's `nextCursor`" })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The base class of a list response, so that the OpenAPI document shows its items' schema:
 * `export class ChainListResponse extends PageResponse(ChainDto) {}`.
 */
export function PageResponse<T>(
  item: abstract new (...args: never[]) => T,
  options: { description?: string } = {},
): new () => Page<T> {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: [item], ...options })
    items!: T[];

    @ApiProperty({ nullable: true, type: String })
    nextCursor!: string | null;
  }
  return PageOfItems;
}

/**
 * The version of the cursor payload. Raising it makes every cursor issued before invalid (a 400
 * on `cursor`), which is the honest answer to a client holding a position we can no longer read.
 */
export const CURSOR_VERSION = 1;

/** One field of a cursor: how a position's value is written to JSON and read back, checked. */
export interface CursorField<V> {
  write(value: V): string | number;
  /** The value, or undefined when `raw` is not one this field writes. */
  read(raw: unknown): V | undefined;
}

const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The field types positions are made of; each reads back only what it writes. */
export const cursorFields = {
  /** A time to the millisecond, as `toISOString()` writes it. */
  time: {
    write: (value: Date) => value.toISOString(),
    read: (raw: unknown) => {
      if (typeof raw !== 'string' || !ISO_MS_UTC.test(raw)) return undefined;
      const time = new Date(raw);
      // The round trip refuses days a month does not have (Date rolls 02-30 over into March).
      return Number.isNaN(time.getTime()) || time.toISOString() !== raw ? undefined : time;
    },
  } satisfies CursorField<Date>,
  /** A UUID in the lower case PostgreSQL and ClickHouse write. */
  uuid: {
    write: (value: string) => value,
    read: (raw: unknown) => (typeof raw === 'string' && UUID.test(raw) ? raw : undefined),
  } satisfies CursorField<string>,
  slug: {
    write: (value: string) => value,
    read: (raw: unknown) => (typeof raw === 'string' && SLUG_PATTERN.test(raw) ? raw : undefined),
  } satisfies CursorField<string>,
  /** A safe integer within `[min, max]`. */
  integer: (min: number, max: number): CursorField<number> => ({
    write: (value) => value,
    read: (raw) =>
      typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= min && raw <= max ? raw : undefined,
  }),
};

export type CursorSchema<T> = { readonly [K in keyof T]: CursorField<T[K]> };

/** Encodes one list's positions as opaque cursors, and decodes only cursors of that list. */
export interface CursorCodec<T> {
  readonly kind: string;
  encode(position: T): string;
  /** The position, or a `validation_failed` error on field `cursor`. */
  decode(cursor: string): T;
  /** `decode`, and null when there is no cursor (the first page). */
  decodeOptional(cursor: string | undefined): T | null;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const RESERVED_FIELDS = new Set(['v', 'k']);

/**
 * The cursor codec of one list: a cursor is base64url of the JSON `{ v, k, ...fields }`, with the
 * payload version, the list's `kind` (its bus subject), and the fields of the position. Decoding
 * accepts only the exact string `encode` makes of a position: the right version and kind, exactly
 * the schema's fields, each of its type. Anything else (not base64url, not JSON, another list's
 * cursor, a wrong type, too long) is a 400 naming `cursor`, never a wrong page or a 500.
 */
export function cursorCodec<T extends object>(kind: string, schema: CursorSchema<T>): CursorCodec<T> {
  const names = Object.keys(schema) as (keyof T & string)[];
  const reserved = names.find((name) => RESERVED_FIELDS.has(name));
  if (reserved !== undefined) throw new Error(`Cursor field "${reserved}" is reserved`);
  const encode = (position: T): string => {
    const payload: Record<string, unknown> = { v: CURSOR_VERSION, k: kind };
    for (const name of names) payload[name] = schema[name].write(position[name]);
    return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  };
  const decode = (cursor: string): T => {
    const payload = parsePayload(cursor);
    if (payload === null || payload['v'] !== CURSOR_VERSION) throw invalidCursor('is not a valid cursor');
    if (payload['k'] !== kind) throw invalidCursor('is not a cursor of this list');
    const position: Partial<T> = {};
    for (const name of names) {
      const value = schema[name].read(payload[name]);
      if (value === undefined) throw invalidCursor('is not a valid cursor');
      position[name] = value;
    }
    // Only the exact form we issue: no extra fields, no other spelling of the same position.
    if (encode(position as T) !== cursor) throw invalidCursor('is not a valid cursor');
    return position as T;
  };
  return {
    kind,
    encode,
    decode,
    decodeOptional: (cursor) => (cursor === undefined ? null : decode(cursor)),
  };
}

/** The page size a list request asked for, or the default. */
export function pageLimit(limit: number | undefined): number {
  return limit ?? DEFAULT_PAGE_LIMIT;
}

/**
 * A page of a list read as `limit + 1` rows after the cursor's position: the extra row only tells
 * that a next page exists, whose cursor is the position of this page's last row.
 */
export function toPage<Row, Item, Position extends object>(
  rows: Row[],
  limit: number,
  cursor: CursorCodec<Position>,
  positionOf: (row: Row) => Position,
  toItem: (row: Row) => Item,
): Page<Item> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const more = rows.length > limit && last !== undefined;
  return { items: page.map(toItem), nextCursor: more ? cursor.encode(positionOf(last)) : null };
}

function parsePayload(cursor: unknown): Record<string, unknown> | null {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) {
    return null;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : null;
}

function invalidCursor(problem: string): DomainException {
  return DomainException.invalid([
    { field: 'cursor', message: `cursor ${problem}: pass back a nextCursor of this list unchanged` },
  ]);
}
