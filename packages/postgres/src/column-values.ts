import { toJsonValue } from '@fieldsync/core';
import type { ColumnType, EntitySchema, FieldValue, JsonValue } from '@fieldsync/core';

const TYPE_NAMES: Record<string, ColumnType> = {
  text: 'text',
  varchar: 'text',
  bpchar: 'text',
  citext: 'text',
  name: 'text',
  numeric: 'numeric',
  float4: 'numeric',
  float8: 'numeric',
  int2: 'integer',
  int4: 'integer',
  int8: 'integer',
  bool: 'boolean',
  date: 'date',
  timestamptz: 'timestamptz',
  timestamp: 'timestamptz',
  jsonb: 'jsonb',
  json: 'jsonb',
  'text[]': 'text[]',
  'varchar[]': 'text[]',
  'citext[]': 'text[]',
  uuid: 'uuid',
};

/** The core column type of a Postgres type name (`pg_type.typname`, arrays as `text[]`). */
export function columnTypeOf(typeName: string): ColumnType {
  return TYPE_NAMES[typeName] ?? 'other';
}

/** A calendar date `YYYY-MM-DD` of a Date, in UTC. */
function utcDate(value: Date): string {
  return value.toISOString().slice(0, 10);
}

/**
 * A field value as JSON for a column of the given type, ready for `jsonb_populate_recordset`:
 * Dates become ISO instants (or `YYYY-MM-DD` for date columns), numbers and booleans become text
 * for text columns, everything else its JSON form.
 */
export function toColumnValue(value: FieldValue | undefined, type: ColumnType | undefined): JsonValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    return type === 'date' ? utcDate(value) : value.toISOString();
  }
  if (type === 'text' && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  if (type === 'date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    const parsed = new Date(value);
    if (!Number.isNaN(parsed.getTime())) return utcDate(parsed);
  }
  return toJsonValue(value);
}

/** A column value read through `to_jsonb`, as the core expects it (timestamptz as Date, numbers as numbers). */
export function fromColumnValue(value: unknown, type: ColumnType | undefined): FieldValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'timestamptz':
      return typeof value === 'string' ? new Date(value) : (value as FieldValue);
    case 'numeric':
    case 'integer':
      return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : (value as FieldValue);
    default:
      return value as FieldValue;
  }
}

/** The entity schema as described by `fieldsync_describe_entity`. */
export interface DescribedEntity {
  idColumn: string;
  columns: Array<{ name: string; type: string; nullable: boolean; hasDefault: boolean }>;
}

/** Converts the SQL description of an entity table to core's {@link EntitySchema}. */
export function toEntitySchema(described: DescribedEntity): EntitySchema & { idHasDefault: boolean } {
  const columns = new Map<string, { type: ColumnType; nullable: boolean }>();
  let idHasDefault = false;
  for (const column of described.columns) {
    columns.set(column.name, { type: columnTypeOf(column.type), nullable: column.nullable });
    if (column.name === described.idColumn) idHasDefault = column.hasDefault;
  }
  return { idColumn: described.idColumn, columns, idHasDefault };
}
