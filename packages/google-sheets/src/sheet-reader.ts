/**
 * The rows of one opened tab, as batches: the first window came with the open (in the shared
 * batchGet); later windows of a large tab are read one request at a time, over the mapped
 * columns only, so memory stays bounded by the window size (in rows and cells).
 */
import type { JsonValue, SourceBatch, SourceRow } from '@fieldsync/core';
import { formatRange } from './a1-notation.js';
import type { ResolvedColumn } from './resolve-columns.js';
import type { SheetsRequester } from './sheets-requester.js';
import { isEmptyRow, toSourceRow } from './sheet-rows.js';
import { rowFingerprint } from './read-plan.js';

/** The incremental cursor: sheet rows below the header already read, and the tab it was read from. */
export interface SheetCursor {
  /** Rows below the header row already synced (the last synced row is `headerRow + rowCount`). */
  rowCount: number;
  /** The tab's sheetId, so a replaced tab starts over. */
  sheetId?: number;
  /**
   * Digest of the mapped cells of the last synced row (`headerRow + rowCount`). The next run
   * re-reads that row and starts over from the top when it differs (rows were deleted or
   * inserted above it).
   */
  fingerprint?: string;
}

/** What the reader reads. */
export interface SheetRowsPlan {
  requester: SheetsRequester;
  spreadsheetId: string;
  sheetTitle: string;
  sheetId: number;
  headerRow: number;
  /** Grid size from the metadata. */
  gridRowCount: number;
  /** Rows per later window (sized for the mapped span). */
  windowRows: number;
  /** Grid columns later windows read: the span of the mapped columns. */
  windowStartColumn: number;
  windowEndColumn: number;
  /** Mapped columns; `index` counts from column A, as in the first window. */
  columns: ReadonlyArray<ResolvedColumn>;
  /** The first window's rows and the sheet row of its first entry. */
  firstRows: ReadonlyArray<ReadonlyArray<unknown>>;
  firstRowNumber: number;
  /** The sheet row after the first window; past the grid when the first window reached the end. */
  nextRowNumber: number;
  batchSize: number;
  rowLimit: number | undefined;
  /** Whether batches carry an incremental checkpoint. */
  incremental: boolean;
  signal: AbortSignal;
}

/** Yields the tab's non-empty rows in batches of at most `batchSize`. Interior empty rows are skipped. */
export async function* readSheetRows(plan: SheetRowsPlan): AsyncGenerator<SourceBatch> {
  const limit = plan.rowLimit ?? Number.POSITIVE_INFINITY;
  let buffer: SourceRow[] = [];
  let lastRow = plan.firstRowNumber - 1;
  let yielded = 0;
  let rows: ReadonlyArray<ReadonlyArray<unknown>> = plan.firstRows;
  let rowNumber = plan.firstRowNumber;
  let nextRowNumber = plan.nextRowNumber;
  // The first window spans every column; later ones start at windowStartColumn.
  let columns: ReadonlyArray<ResolvedColumn> = plan.columns;
  let offset = 0;
  let lastCells: ReadonlyArray<unknown> | undefined;
  let lastOffset = 0;

  const take = (): SourceBatch => {
    let batch: SourceBatch = { rows: buffer };
    if (plan.incremental) {
      const cursor: SheetCursor = { rowCount: lastRow - plan.headerRow, sheetId: plan.sheetId, fingerprint: rowFingerprint(lastCells, plan.columns, lastOffset) };
      batch = { rows: buffer, checkpoint: cursor as unknown as JsonValue };
    }
    buffer = [];
    return batch;
  };

  plan.signal.throwIfAborted();
  for (;;) {
    for (let index = 0; index < rows.length && yielded < limit; index += 1) {
      const cells = rows[index];
      if (isEmptyRow(cells)) continue;
      buffer.push(toSourceRow(cells!, rowNumber + index, columns));
      lastRow = rowNumber + index;
      lastCells = cells;
      lastOffset = offset;
      yielded += 1;
      if (buffer.length >= plan.batchSize) {
        yield take();
        // Rows of a window are in memory: stop between batches when the read was aborted.
        plan.signal.throwIfAborted();
      }
    }
    if (yielded >= limit || nextRowNumber > plan.gridRowCount) break;
    plan.signal.throwIfAborted();
    const end = Math.min(nextRowNumber + plan.windowRows - 1, plan.gridRowCount);
    const range = formatRange(plan.sheetTitle, { startRow: nextRowNumber, startColumn: plan.windowStartColumn, endRow: end, endColumn: plan.windowEndColumn });
    offset = plan.windowStartColumn - 1;
    columns = plan.columns.map((column) => ({ ...column, index: column.index - offset }));
    rows = [];
    const data = await plan.requester.batchGet(plan.spreadsheetId, [range], plan.signal);
    rows = data.valueRanges?.[0]?.values ?? [];
    rowNumber = nextRowNumber;
    nextRowNumber = end + 1;
  }
  if (buffer.length > 0) yield take();
}
