/**
 * How a tab is cut into reads: the first window (with the header row) spans every grid column,
 * since the mapped columns are only known once the header is read; later windows span only the
 * mapped columns. Windows are sized in cells as well as rows, so a wide grid never makes a
 * window (and the memory it holds) larger than `windowCells`.
 */
import { createHash } from 'node:crypto';
import { formatRange } from './a1-notation.js';
import type { ResolvedColumn } from './resolve-columns.js';
import type { SheetMetadata, SpreadsheetMetadata } from './spreadsheet-cache.js';

/** Window sizes. */
export interface WindowSizes {
  /** Most rows per window. */
  windowRows: number;
  /** Most cells (rows x columns read) per window. */
  windowCells: number;
}

/** Rows per window when a window spans `columns` columns: at least 1, at most `windowRows`, at most `windowCells / columns`. */
export function rowsPerWindow(sizes: WindowSizes, columns: number): number {
  return Math.max(1, Math.min(sizes.windowRows, Math.floor(sizes.windowCells / Math.max(1, columns))));
}

/** The first read of a tab from the top: the header row and the first window, every grid column. */
export function firstWindow(sheet: SheetMetadata, headerRow: number, sizes: WindowSizes): { range: string; end: number; cells: number } {
  const end = Math.min(headerRow + rowsPerWindow(sizes, sheet.columnCount), sheet.rowCount);
  const range = formatRange(sheet.title, { startRow: headerRow, startColumn: 1, endRow: end, endColumn: sheet.columnCount });
  return { range, end, cells: (end - headerRow + 1) * sheet.columnCount };
}

/** The first and last (1-based) grid columns holding a mapped column. */
export function mappedSpan(columns: ReadonlyArray<ResolvedColumn>): { startColumn: number; endColumn: number } {
  if (columns.length === 0) return { startColumn: 1, endColumn: 1 };
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const column of columns) {
    start = Math.min(start, column.index + 1);
    end = Math.max(end, column.index + 1);
  }
  return { startColumn: start, endColumn: end };
}

/**
 * A digest of a row's mapped cells (keyed by `sourceColumn`, so moved columns do not change it),
 * stored in the incremental cursor to tell whether the last synced row is still where it was.
 * `offset` is the number of grid columns left of `cells[0]`.
 */
export function rowFingerprint(cells: ReadonlyArray<unknown> | undefined, columns: ReadonlyArray<ResolvedColumn>, offset = 0): string {
  const entries = [...columns]
    .sort((left, right) => (left.sourceColumn < right.sourceColumn ? -1 : left.sourceColumn > right.sourceColumn ? 1 : 0))
    .map((column) => {
      const cell = cells?.[column.index - offset];
      return [column.sourceColumn, cell === undefined || cell === '' ? null : cell];
    });
  return createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 22);
}

const normal = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** The sheet a tab mapping names: the exact title, else the one title equal case- and whitespace-insensitively (chart sheets included). */
export function matchSheet(metadata: SpreadsheetMetadata, tabName: string): SheetMetadata | undefined {
  const exact = metadata.sheets.find((sheet) => sheet.title === tabName);
  if (exact) return exact;
  const loose = metadata.sheets.filter((sheet) => normal(sheet.title) === normal(tabName));
  return loose.length === 1 ? loose[0] : undefined;
}
