/**
 * Turns rows of a `ValueRange` into core `SourceRow`s: values keyed by `sourceColumn`, empty
 * cells left out, formula error cells reported as `cellErrors`.
 */
import type { SourceRow } from '@fieldsync/core';
import type { ResolvedColumn } from './resolve-columns.js';

/** The texts Sheets returns for formula errors, under every render option. */
export const FORMULA_ERRORS: ReadonlySet<string> = new Set(['#REF!', '#N/A', '#DIV/0!', '#VALUE!', '#NAME?', '#NUM!', '#NULL!', '#ERROR!']);

/** True for a row with no non-empty cell at all (`[]` or only `""`). */
export function isEmptyRow(cells: ReadonlyArray<unknown> | undefined): boolean {
  return !cells || cells.every((cell) => cell === '' || cell === null || cell === undefined);
}

/** Builds the `SourceRow` of sheet row `rowNumber`. */
export function toSourceRow(cells: ReadonlyArray<unknown>, rowNumber: number, columns: ReadonlyArray<ResolvedColumn>): SourceRow {
  const values: Record<string, unknown> = {};
  let cellErrors: Array<{ column: string; error: string; severity: 'error' }> | undefined;
  for (const column of columns) {
    const cell = cells[column.index];
    if (cell === undefined || cell === null || cell === '') continue;
    if (typeof cell === 'string' && FORMULA_ERRORS.has(cell)) {
      cellErrors ??= [];
      cellErrors.push({ column: column.sourceColumn, error: `The cell holds the formula error ${cell}.`, severity: 'error' });
      continue;
    }
    values[column.sourceColumn] = cell;
  }
  const row: SourceRow = cellErrors ? { values, address: { row: rowNumber }, cellErrors } : { values, address: { row: rowNumber } };
  return row;
}
