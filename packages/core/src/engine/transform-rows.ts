import type { IncomingRow } from '../reconciler.js';
import type { RowError } from '../runs.js';
import type { ColumnLocation, RowAddress, SourceRow } from '../strategy.js';
import type { ColumnType } from '../store.js';
import type { TransformContext } from '../transformer.js';
import { isEmptyValue, type FieldValue } from '../values.js';
import type { PlannedColumn, TabPlan } from './tab-plan.js';
import { runTransformer } from '../transformers/registry.js';

/** What the reader tells the transform step about the source. */
export interface SourceContext {
  columns: ReadonlyMap<string, ColumnLocation>;
  timeZone?: string;
  locale?: string;
}

export interface TransformedBatch {
  rows: IncomingRow[];
  errors: RowError[];
  /** Rows dropped: no key, an error, or a duplicate key. */
  skipped: number;
}

/** A1 cell (`B47`), `<id>.<column>`, or the row number, for a row error. */
export function cellAddress(source: SourceContext, column: string | undefined, address: RowAddress): string | undefined {
  const letter = column === undefined ? undefined : source.columns.get(column)?.letter;
  if (letter && address.row !== undefined) return `${letter}${address.row}`;
  if (address.id !== undefined) return column === undefined ? address.id : `${address.id}.${column}`;
  if (address.row !== undefined) return String(address.row);
  return undefined;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Brings a value to the form the column holds, so a re-read compares equal to what the store
 * returns: a calendar date for a timestamptz column becomes midnight UTC, an instant for a date
 * column its UTC date, numeric text for a number column a number.
 */
export function coerceToColumn(value: FieldValue, type: ColumnType | undefined): FieldValue {
  if (value === null || type === undefined) return value;
  switch (type) {
    case 'timestamptz':
      if (typeof value === 'string' && DATE_ONLY.test(value.trim())) return new Date(`${value.trim()}T00:00:00Z`);
      return value;
    case 'date':
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
      return value;
    case 'numeric':
    case 'integer':
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      return value;
    default:
      return value;
  }
}

function defaultValue(raw: unknown): FieldValue {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') return raw.trim() === '' ? null : raw.trim();
  return raw as FieldValue;
}

/** Where a key was first read in a run, and whether that row was kept. */
export interface SeenKey {
  address: RowAddress;
  kept: boolean;
}

/** A source row whose key was read, not yet transformed. */
export interface KeyedRow {
  row: SourceRow;
  key: string;
  /** The key field's value (transformed, before coercion to the column type). */
  keyValue: FieldValue;
  seen: SeenKey;
}

export interface KeyedBatch {
  rows: KeyedRow[];
  errors: RowError[];
  /**
   * Duplicate-key errors with the row that first had the key. Whether that row was kept is only
   * known once it is transformed: pass them to {@link settleDuplicates} after that.
   */
  duplicates: DuplicateKey[];
  /** Rows dropped: no key, a key error, or a duplicate key. */
  skipped: number;
}

/** A duplicate-key error and the first row with its key. */
export interface DuplicateKey {
  error: RowError;
  first: SeenKey;
}

function duplicateMessage(key: string, first: SeenKey): string {
  const where = first.address.row !== undefined ? `row ${first.address.row}` : `record ${first.address.id ?? '?'}`;
  const outcome = first.kept ? 'The first row wins; this one was skipped.' : 'That row had errors and was skipped, and this one is skipped too: fix the key in the source.';
  return `Duplicate key '${key}': already read from ${where}. ${outcome}`;
}

/** Words each duplicate-key error by whether the first row with its key was kept. */
export function settleDuplicates(duplicates: ReadonlyArray<DuplicateKey>): void {
  for (const { error, first } of duplicates) if (error.key !== undefined) error.error = duplicateMessage(error.key, first);
}

type Contexts = (column: PlannedColumn) => TransformContext<Record<string, unknown>>;

/** One transform context per column (they are the same for every row of a batch). */
function contextsFor(source: SourceContext): Contexts {
  const contexts = new Map<PlannedColumn, TransformContext<Record<string, unknown>>>();
  return (column) => {
    let made = contexts.get(column);
    if (!made) {
      made = {
        options: column.options,
        column: column.mapping.sourceColumn,
        field: column.field,
        ...(source.timeZone !== undefined && { timeZone: source.timeZone }),
        ...(source.locale !== undefined && { locale: source.locale }),
      };
      contexts.set(column, made);
    }
    return made;
  };
}

function rowError(source: SourceContext, row: SourceRow, column: string | undefined, message: string, severity: RowError['severity'], key?: string): RowError {
  // Row errors sit under a run already labelled fieldsync; the scope prefix would be noise there.
  const error = message.replace(/\[fieldsync\] \[[^\]]+\] /g, '');
  const address = cellAddress(source, column, row.address);
  return {
    row: row.address.row ?? null,
    ...(column !== undefined && { column }),
    ...(address !== undefined && { address }),
    ...(key !== undefined && { key }),
    error,
    severity,
  };
}

/**
 * Reads each row's key. Pure apart from `seenKeys`, the run-wide set of keys used to report
 * duplicates: the first row with a key wins, later ones are errors.
 */
export function keyRows(plan: TabPlan, source: SourceContext, sourceRows: ReadonlyArray<SourceRow>, seenKeys: Map<string, SeenKey>): KeyedBatch {
  const rows: KeyedRow[] = [];
  const errors: RowError[] = [];
  const duplicates: DuplicateKey[] = [];
  let skipped = 0;
  const context = contextsFor(source);
  const keyColumn = plan.keyColumn;
  for (const row of sourceRows) {
    const keyRaw = row.values[keyColumn.mapping.sourceColumn];
    const keyResult = keyColumn.transformer ? runTransformer(keyColumn.transformer, keyRaw, context(keyColumn)) : { ok: true as const, value: defaultValue(keyRaw) };
    if (!keyResult.ok) {
      errors.push(rowError(source, row, keyColumn.mapping.sourceColumn, `Key: ${keyResult.error}`, 'error'));
      skipped += 1;
      continue;
    }
    if (isEmptyValue(keyResult.value)) {
      skipped += 1;
      continue;
    }
    const key = String(keyResult.value).trim();
    const first = seenKeys.get(key);
    if (first) {
      const error = rowError(source, row, keyColumn.mapping.sourceColumn, duplicateMessage(key, first), 'error', key);
      errors.push(error);
      duplicates.push({ error, first });
      skipped += 1;
      continue;
    }
    const seen: SeenKey = { address: row.address, kept: false };
    seenKeys.set(key, seen);
    rows.push({ row, key, keyValue: keyResult.value, seen });
  }
  return { rows, errors, duplicates, skipped };
}

/** Transforms keyed rows' other cells; a row with an error is dropped (and its key marked not kept). */
export function transformKeyed(plan: TabPlan, source: SourceContext, keyed: ReadonlyArray<KeyedRow>): TransformedBatch {
  const rows: IncomingRow[] = [];
  const errors: RowError[] = [];
  let skipped = 0;
  const context = contextsFor(source);
  for (const { row, key, keyValue, seen } of keyed) {
    let dropped = false;
    // Columns the source already found bad (most rows have none: no set for them).
    let cellProblems: Set<string> | undefined;
    if (row.cellErrors?.length) {
      cellProblems = new Set<string>();
      for (const problem of row.cellErrors) {
        const severity = problem.severity ?? 'error';
        errors.push(rowError(source, row, problem.column, problem.error, severity, key));
        cellProblems.add(problem.column);
        if (severity === 'error') dropped = true;
      }
    }
    const values: Record<string, FieldValue> = { [plan.keyField]: coerceToColumn(keyValue, plan.columnTypes.get(plan.keyField)) };
    for (const column of plan.columns) {
      if (column === plan.keyColumn) continue;
      const sourceColumn = column.mapping.sourceColumn;
      if (cellProblems?.has(sourceColumn)) continue;
      const raw = row.values[sourceColumn];
      const result = column.transformer ? runTransformer(column.transformer, raw, context(column)) : { ok: true as const, value: defaultValue(raw) };
      if (!result.ok) {
        const severity = result.severity ?? 'error';
        errors.push(rowError(source, row, sourceColumn, result.error, severity, key));
        if (severity === 'error') dropped = true;
        continue;
      }
      if (column.mapping.required && isEmptyValue(result.value)) {
        errors.push(rowError(source, row, sourceColumn, `Missing required field '${column.field}'`, 'error', key));
        dropped = true;
        continue;
      }
      values[column.field] = coerceToColumn(result.value, plan.columnTypes.get(column.field));
    }
    if (dropped) {
      skipped += 1;
      continue;
    }
    seen.kept = true;
    rows.push({ key, address: row.address, values });
  }
  return { rows, errors, skipped };
}
