/** A JSON value as stored in lineage, run records and jsonb columns. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A value for one entity field after transformation. Dates are `Date` objects
 * (instants) or `YYYY-MM-DD` strings (calendar dates); stores map them to their column types.
 */
export type FieldValue = string | number | boolean | null | Date | readonly FieldValue[] | { readonly [key: string]: FieldValue };

/** An entity's field values, keyed by field (column) name. */
export type EntityValues = Record<string, FieldValue>;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/;
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * The canonical form of a value for comparison: trimmed text, `""` as `null`, instants (a `Date`
 * or ISO text with an offset) as epoch milliseconds, objects with sorted keys. Text stays text:
 * `"01234"` and `"1234"` differ (a zip code, a phone number). {@link sameValue} adds the one
 * loose rule: a number or boolean equals its own text.
 */
export function canonicalValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid-date' : `t:${value.getTime()}`;
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? `n:${value}` : `n:${String(value)}`;
    case 'bigint':
      return `n:${value.toString()}`;
    case 'boolean':
      return `b:${value}`;
    case 'string': {
      const trimmed = value.trim();
      if (trimmed === '') return 'null';
      if (ISO_DATE.test(trimmed)) return `d:${trimmed}`;
      if (ISO_INSTANT.test(trimmed)) {
        const time = Date.parse(trimmed.replace(' ', 'T'));
        if (!Number.isNaN(time)) return `t:${time}`;
      }
      return `s:${trimmed}`;
    }
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalValue).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalValue(entry)}`).join(',')}}`;
    }
    default:
      return `s:${String(value)}`;
  }
}

/** The number a number, bigint or numeric text stands for. */
function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && NUMERIC.test(value.trim())) return Number(value.trim());
  return undefined;
}

/**
 * True when two field values are the same change-wise: equal canonical forms (see
 * {@link canonicalValue}), or a number and its text (`1` and `"1.0"`), or a boolean and its text
 * (`true` and `"TRUE"`). Two texts are compared as text, so `"01234"` and `"1234"` differ.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'string' && typeof b === 'string' && a.trim() === b.trim()) return true;
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (canonicalValue(a) === canonicalValue(b)) return true;
  const aIsNumber = typeof a === 'number' || typeof a === 'bigint';
  const bIsNumber = typeof b === 'number' || typeof b === 'bigint';
  if (aIsNumber !== bIsNumber) {
    const left = numberOf(a);
    const right = numberOf(b);
    return left !== undefined && right !== undefined && left === right;
  }
  if ((typeof a === 'boolean') !== (typeof b === 'boolean')) {
    const text = (typeof a === 'boolean' ? b : a) as unknown;
    return typeof text === 'string' && text.trim().toLowerCase() === String(typeof a === 'boolean' ? a : b);
  }
  return false;
}

/** True for `null`, `undefined`, and strings that are empty after trimming. */
export function isEmptyValue(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

/** Converts a field value to JSON for lineage, conflicts and run records. Dates become ISO strings. */
export function toJsonValue(value: unknown): JsonValue {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null; // JSON has no -0
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      if (entry !== undefined) out[key] = toJsonValue(entry);
    }
    return out;
  }
  return String(value);
}
