import { v4 as uuidv4 } from 'uuid';
import { StoreError, formatMessage } from '../errors.js';
import type { ColumnType, EntitySchema } from '../store.js';
import { copyStoredValue, stableJson, toColumnValue } from './column-values.js';

/** How a memory table is declared. */
export interface MemoryTableDefinition {
  /** Column types, without `id` (always a uuid primary key). Omit for a schemaless table that takes any field. */
  columns?: Record<string, ColumnType>;
  /** Rows present from the start; `id` is generated when missing. */
  rows?: Array<Record<string, unknown>>;
  /** Columns with a unique constraint, e.g. the key field. */
  uniqueKeys?: string[];
  /** Columns with a NOT NULL constraint. */
  notNull?: string[];
}

/** One entity table held in memory. Rows are keyed by `id`. */
export interface MemoryTable {
  readonly name: string;
  /** Null for a schemaless table. */
  readonly columns: ReadonlyMap<string, { type: ColumnType; nullable: boolean }> | null;
  readonly uniqueKeys: ReadonlySet<string>;
  rows: Map<string, Record<string, unknown>>;
}

const ID_COLUMN = 'id';

/** Builds a table from its definition (seed rows are checked like any write). */
export function createMemoryTable(name: string, definition: MemoryTableDefinition): MemoryTable {
  let columns: Map<string, { type: ColumnType; nullable: boolean }> | null = null;
  if (definition.columns) {
    const notNull = new Set(definition.notNull ?? []);
    columns = new Map([[ID_COLUMN, { type: 'uuid' as ColumnType, nullable: false }]]);
    for (const [column, type] of Object.entries(definition.columns)) {
      if (column === ID_COLUMN) continue;
      columns.set(column, { type, nullable: !notNull.has(column) });
    }
  }
  const table: MemoryTable = { name, columns, uniqueKeys: new Set(definition.uniqueKeys ?? []), rows: new Map() };
  const draft = draftTable(table);
  for (const row of definition.rows ?? []) insertRow(draft, row);
  table.rows = draft.rows;
  return table;
}

/** The schema `describeEntity` reports for a table. */
export function describeMemoryTable(table: MemoryTable): EntitySchema {
  if (table.columns === null) {
    return { idColumn: ID_COLUMN, columns: new Map([[ID_COLUMN, { type: 'uuid', nullable: false }]]), open: true };
  }
  return { idColumn: ID_COLUMN, columns: new Map([...table.columns].map(([column, info]) => [column, { ...info }])) };
}

function unknownColumn(table: MemoryTable, column: string): StoreError {
  return new StoreError(
    'STORE_SCHEMA_MISMATCH',
    formatMessage('memory-store', `Table ${table.name} has no column ${column}.`, `Add the column to the table, or map the source column to an existing field.`),
    { details: { table: table.name, column } },
  );
}

/** Throws when a declared table has no such column. */
export function checkColumn(table: MemoryTable, column: string): void {
  if (table.columns !== null && !table.columns.has(column)) throw unknownColumn(table, column);
}

/** The value of `column` converted to the column's type. */
export function columnValue(table: MemoryTable, column: string, value: unknown): unknown {
  checkColumn(table, column);
  return toColumnValue(value, table.columns?.get(column)?.type, { table: table.name, column });
}

/** Reads a stored row's field as a copy (null when absent). */
export function readField(row: Record<string, unknown>, field: string): unknown {
  return field in row ? copyStoredValue(row[field]) : null;
}

/**
 * A working copy of a table's rows for one transaction: writes go here, and the store swaps it in
 * only when the whole batch succeeded. Unique columns are indexed so constraint checks stay O(1).
 */
export interface TableDraft {
  table: MemoryTable;
  rows: Map<string, Record<string, unknown>>;
  unique: Map<string, Map<string, string>>;
}

/** Starts a transaction's working copy of `table`. */
export function draftTable(table: MemoryTable): TableDraft {
  const rows = new Map(table.rows);
  const unique = new Map<string, Map<string, string>>();
  for (const column of table.uniqueKeys) {
    const index = new Map<string, string>();
    for (const [id, row] of rows) {
      const value = row[column];
      if (value !== null && value !== undefined) index.set(stableJson(value), id);
    }
    unique.set(column, index);
  }
  return { table, rows, unique };
}

function checkConstraints(draft: TableDraft, row: Record<string, unknown>, previous: Record<string, unknown> | undefined): void {
  const { table } = draft;
  if (table.columns !== null) {
    for (const [column, info] of table.columns) {
      if (!info.nullable && (row[column] === null || row[column] === undefined)) {
        throw new StoreError(
          'STORE_WRITE_FAILED',
          formatMessage('memory-store', `Null value in column ${table.name}.${column}, which is NOT NULL.`, 'Give every row a value for this field (mark the source column required) or allow nulls in the column.'),
          { details: { table: table.name, column } },
        );
      }
    }
  }
  const id = String(row[ID_COLUMN]);
  for (const [column, index] of draft.unique) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    const holder = index.get(stableJson(value));
    if (holder !== undefined && holder !== id) {
      throw new StoreError(
        'STORE_WRITE_FAILED',
        formatMessage('memory-store', `Duplicate value ${JSON.stringify(value)} in unique column ${table.name}.${column}.`, 'Each key may exist once: update the existing entity instead of creating it again.'),
        { details: { table: table.name, column } },
      );
    }
  }
  for (const [column, index] of draft.unique) {
    const old = previous?.[column];
    if (old !== null && old !== undefined) index.delete(stableJson(old));
    const value = row[column];
    if (value !== null && value !== undefined) index.set(stableJson(value), id);
  }
}

/** Inserts a row into the draft; returns the new id. */
export function insertRow(draft: TableDraft, values: Readonly<Record<string, unknown>>): string {
  const { table, rows } = draft;
  const row: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(values)) {
    if (value !== undefined) row[field] = columnValue(table, field, value);
  }
  if (row[ID_COLUMN] === null || row[ID_COLUMN] === undefined) row[ID_COLUMN] = uuidv4();
  const id = String(row[ID_COLUMN]);
  if (rows.has(id)) {
    throw new StoreError('STORE_WRITE_FAILED', formatMessage('memory-store', `Duplicate id ${id} in table ${table.name}.`, 'Leave id out of created values so the store generates one.'));
  }
  if (table.columns !== null) {
    for (const column of table.columns.keys()) if (!(column in row)) row[column] = null;
  }
  checkConstraints(draft, row, undefined);
  rows.set(id, row);
  return id;
}

/** Updates only the given fields of row `id` in the draft; returns false when the row does not exist. */
export function updateRow(draft: TableDraft, id: string, values: Readonly<Record<string, unknown>>): boolean {
  const { table, rows } = draft;
  const existing = rows.get(id);
  if (!existing) return false;
  const row = { ...existing };
  for (const [field, value] of Object.entries(values)) {
    if (value === undefined || field === ID_COLUMN) continue;
    row[field] = columnValue(table, field, value);
  }
  checkConstraints(draft, row, existing);
  rows.set(id, row);
  return true;
}

/** Deletes row `id` from the draft; returns false when it does not exist. */
export function deleteRow(draft: TableDraft, id: string): boolean {
  const existing = draft.rows.get(id);
  if (!existing) return false;
  for (const [column, index] of draft.unique) {
    const value = existing[column];
    if (value !== null && value !== undefined) index.delete(stableJson(value));
  }
  draft.rows.delete(id);
  return true;
}

/** Rows whose key field's text is one of `keys`, by key: one pass over the table. */
export function rowsByKey(rows: ReadonlyMap<string, Record<string, unknown>>, keyField: string, keys: ReadonlyArray<string>): Map<string, Record<string, unknown>> {
  const wanted = new Set(keys);
  const found = new Map<string, Record<string, unknown>>();
  if (wanted.size === 0) return found;
  for (const row of rows.values()) {
    const value = row[keyField];
    if (value === null || value === undefined) continue;
    const key = keyText(value);
    if (wanted.has(key) && !found.has(key)) found.set(key, row);
  }
  return found;
}

/** The text form of a key value, as the engine compares keys. */
export function keyText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}
