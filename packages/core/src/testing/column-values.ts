import { StoreError, formatMessage } from '../errors.js';
import type { ColumnType } from '../store.js';
import { toJsonValue } from '../values.js';

const ISO_DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;
const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a value is being written, for error messages. */
export interface ColumnValueContext {
  table: string;
  column: string;
}

function rejected(context: ColumnValueContext, type: ColumnType, value: unknown): StoreError {
  const shown = value instanceof Date ? value.toISOString() : JSON.stringify(value) ?? String(value);
  return new StoreError(
    'STORE_WRITE_FAILED',
    formatMessage(
      'memory-store',
      `Cannot write ${shown} to ${context.table}.${context.column}, a ${type} column.`,
      'Transform the source value to the column type (see the "Values by column type" table in docs/architecture.md) or change the column type.',
    ),
    { details: { table: context.table, column: context.column, type } },
  );
}

/** Deep copy of a stored value, so callers never share the store's own objects. */
export function copyStoredValue(value: unknown): unknown {
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) return value.map(copyStoredValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) out[key] = copyStoredValue(entry);
    return out;
  }
  return value;
}

function toText(value: unknown, context: ColumnValueContext, type: ColumnType): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  throw rejected(context, type, value);
}

function toNumber(value: unknown, context: ColumnValueContext, type: ColumnType): number {
  let number: number | undefined;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'bigint') number = Number(value);
  else if (typeof value === 'string' && NUMERIC.test(value.trim())) number = Number(value.trim());
  if (number === undefined || !Number.isFinite(number)) throw rejected(context, type, value);
  // Postgres rejects a fractional value for an integer column rather than rounding it.
  if (type === 'integer' && !Number.isInteger(number)) throw rejected(context, type, value);
  return number;
}

function toBoolean(value: unknown, context: ColumnValueContext): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (text === 'true' || text === 't') return true;
    if (text === 'false' || text === 'f') return false;
  }
  throw rejected(context, 'boolean', value);
}

function toDateString(value: unknown, context: ColumnValueContext): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw rejected(context, 'date', value);
    return value.toISOString().slice(0, 10);
  }
  if (typeof value === 'string') {
    const match = ISO_DATE_PREFIX.exec(value.trim());
    if (match) {
      const [, year, month, day] = match;
      const parsed = new Date(`${year}-${month}-${day}T00:00:00Z`);
      if (!Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(`${year}-${month}-${day}`)) return `${year}-${month}-${day}`;
    }
  }
  throw rejected(context, 'date', value);
}

function toTimestamp(value: unknown, context: ColumnValueContext): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return new Date(value.getTime());
  if (typeof value === 'string' && ISO_DATE_PREFIX.test(value.trim())) {
    const parsed = new Date(value.trim().replace(' ', 'T'));
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  throw rejected(context, 'timestamptz', value);
}

function toTextArray(value: unknown, context: ColumnValueContext): Array<string | null> {
  if (!Array.isArray(value)) throw rejected(context, 'text[]', value);
  return value.map((item) => (item === null ? null : toText(item, context, 'text[]')));
}

function toUuid(value: unknown, context: ColumnValueContext): string {
  if (typeof value === 'string' && UUID.test(value.trim())) return value.trim().toLowerCase();
  throw rejected(context, 'uuid', value);
}

/**
 * Converts a field value to what a Postgres column of `type` holds and returns, following the
 * "Values by column type" table of docs/architecture.md. `null` stays `null`. Throws a
 * `StoreError` (`STORE_WRITE_FAILED`) for a value Postgres would refuse. `undefined` type
 * means a schemaless table: the value is kept as given (copied).
 */
export function toColumnValue(value: unknown, type: ColumnType | undefined, context: ColumnValueContext): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case undefined:
    case 'other':
      return copyStoredValue(value);
    case 'text':
      return toText(value, context, 'text');
    case 'numeric':
    case 'integer':
      return toNumber(value, context, type);
    case 'boolean':
      return toBoolean(value, context);
    case 'date':
      return toDateString(value, context);
    case 'timestamptz':
      return toTimestamp(value, context);
    case 'jsonb':
      return toJsonValue(value);
    case 'text[]':
      return toTextArray(value, context);
    case 'uuid':
      return toUuid(value, context);
  }
}

/**
 * JSON text with object keys sorted, so two JSON values compare equal exactly when Postgres
 * `jsonb` would call them equal (key order does not matter, `"1"` and `1` differ).
 */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
