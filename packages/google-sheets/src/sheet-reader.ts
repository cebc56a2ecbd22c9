/**
 * The rows of one opened tab, as batches: the first window came with the open (in the shared
 * batchGet); later windows of a large tab are read one request at a time, so memory stays
 * bounded by the window size.
 */
import type { JsonValue, SourceBatch, SourceRow } from '@fieldsync/core';
import { formatRange } from './a1-notation.js';
import type { ResolvedColumn } from './resolve-columns.js';
import type { SheetsRequester } from './sheets-requester.js';
import { isEmptyRow, toSourceRow } from './sheet-rows.js';

/** The incremental cursor: sheet rows below the header already read, and the tab it was read from. */
export interface SheetCursor {
  /** Rows below the header row already synced (the last synced row is `headerRow + rowCount`). */
  rowCount: number;
  /** The tab's sheetId, so a replaced tab starts over. */
  sheetId?: number;
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
  gridColumnCount: number;
  windowRows: number;
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

  const take = (): SourceBatch => {
    const cursor: SheetCursor = { rowCount: lastRow - plan.headerRow, sheetId: plan.sheetId };
    const batch: SourceBatch = plan.incremental ? { rows: buffer, checkpoint: cursor as unknown as JsonValue } : { rows: buffer };
    buffer = [];
    return batch;
  };

  plan.signal.throwIfAborted();
  for (;;) {
    for (let offset = 0; offset < rows.length && yielded < limit; offset += 1) {
      const cells = rows[offset];
      if (isEmptyRow(cells)) continue;
      buffer.push(toSourceRow(cells!, rowNumber + offset, plan.columns));
      lastRow = rowNumber + offset;
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
    const range = formatRange(plan.sheetTitle, { startRow: nextRowNumber, startColumn: 1, endRow: end, endColumn: plan.gridColumnCount });
    rows = [];
    const data = await plan.requester.batchGet(plan.spreadsheetId, [range], plan.signal);
    rows = data.valueRanges?.[0]?.values ?? [];
    rowNumber = nextRowNumber;
    nextRowNumber = end + 1;
  }
  if (buffer.length > 0) yield take();
}
