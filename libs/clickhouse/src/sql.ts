/**
 * The one place that turns values into ClickHouse SQL. ClickHouse 18.16 has no server-side query
 * parameters, so every value is rendered as a literal here, and nothing else concatenates SQL:
 * queries are written with the `sql` tag, whose interpolations are always escaped.
 */

const RAW = Symbol('northstar:raw-sql');

export interface SqlFragment {
  readonly [RAW]: string;
}

export type SqlValue = string | number | bigint | boolean | Date | null | SqlFragment | readonly SqlValue[];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function escapeString(value: string): string {
  let out = "'";
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '\\') out += '\\\\';
    else if (char === "'") out += "\\'";
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += char;
  }
  return `${out}'`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Renders one value as a ClickHouse literal. */
export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return escapeString(value);
  // Negative numbers go in parentheses: after a `-` in the template, `-1` would start a comment.
  if (typeof value === 'bigint') return value < 0n ? `(${value.toString()})` : value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Cannot render ${value} as a ClickHouse literal`);
    return value < 0 || Object.is(value, -0) ? `(${String(value)})` : String(value);
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw new TypeError('Cannot render an invalid date as a ClickHouse literal');
    const text = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())} ${pad(
      value.getUTCHours(),
    )}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}`;
    return `toDateTime(${escapeString(text)}, 'UTC')`;
  }
  if (Array.isArray(value)) return `[${value.map((item: SqlValue) => literal(item)).join(', ')}]`;
  if (isFragment(value)) return value[RAW];
  throw new TypeError('Unsupported ClickHouse literal');
}

function isFragment(value: unknown): value is SqlFragment {
  return typeof value === 'object' && value !== null && RAW in value;
}

/** A checked identifier (table, column, database); anything but `[A-Za-z_][A-Za-z0-9_]*` is refused. */
export function identifier(name: string): SqlFragment {
  if (!IDENTIFIER.test(name)) throw new TypeError(`Invalid ClickHouse identifier: ${JSON.stringify(name)}`);
  return { [RAW]: name };
}

/** `sql\`SELECT count() FROM events WHERE project_id = ${id}\`` with every interpolation escaped. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): SqlFragment {
  let text = strings[0];
  values.forEach((value, index) => {
    text += literal(value) + strings[index + 1];
  });
  return { [RAW]: text };
}

/** Joins fragments with a separator, for optional clauses (`WHERE a AND b`). */
export function join(fragments: SqlFragment[], separator: string): SqlFragment {
  return { [RAW]: fragments.map((fragment) => fragment[RAW]).join(separator) };
}

export function toSql(fragment: SqlFragment): string {
  return fragment[RAW];
}
