/**
 * The emulator's spreadsheets: their grids and cells, and the read side of the Sheets v4 API
 * (metadata and value ranges) computed from them, following WIRE-FACTS.
 */
import { columnLetter, parseRange, quoteSheetTitle } from '../a1-notation.js';
import type { Cell, DateTimeRenderOption, StoredCell, ValueRenderOption } from './emulator-cells.js';
import { renderCell, toStoredCell } from './emulator-cells.js';

/** One tab of a spreadsheet given to `createSpreadsheet`. */
export interface SheetDefinition {
  title: string;
  /** Rows from row 1, as `Cell[][]`; `[]` or `null` cells are empty. */
  rows?: ReadonlyArray<ReadonlyArray<Cell>>;
  hidden?: boolean;
  /** `'OBJECT'` makes a chart sheet: no grid properties, and value reads of it fail. @default 'GRID' */
  sheetType?: 'GRID' | 'OBJECT';
  /** Grid rows. @default max(1000, rows.length) */
  rowCount?: number;
  /** Grid columns. @default max(26, longest row) */
  columnCount?: number;
  /** @default 0 for the first sheet, a large random integer for the others (like Google) */
  sheetId?: number;
  frozenRowCount?: number;
}

/** A spreadsheet given to `createSpreadsheet`. */
export interface SpreadsheetDefinition {
  /** @default a random 44-character id */
  id?: string;
  title: string;
  /** @default 'en_US' */
  locale?: string;
  /** IANA zone; dates given as `Date` become serials in it. @default 'Etc/GMT' */
  timeZone?: string;
  sheets: ReadonlyArray<SheetDefinition>;
}

/** @internal */
export interface EmulatedSheet {
  sheetId: number;
  title: string;
  hidden: boolean;
  sheetType: 'GRID' | 'OBJECT';
  rowCount: number;
  columnCount: number;
  frozenRowCount?: number;
  /** Sparse rows of cells, 0-based. */
  cells: Array<Array<StoredCell | undefined> | undefined>;
}

/** @internal */
export interface EmulatedSpreadsheet {
  id: string;
  title: string;
  locale: string;
  timeZone: string;
  sheets: EmulatedSheet[];
  /** Tokens denied access (403); `'*'` denies everyone. */
  denied: Set<string>;
}

/** A Sheets API error the server turns into `{ error: { code, message, status } }`. */
export class EmulatedApiError extends Error {
  constructor(
    readonly code: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function randomSpreadsheetId(): string {
  let id = '1';
  for (let index = 0; index < 43; index += 1) id += ID_ALPHABET[Math.floor(Math.random() * ID_ALPHABET.length)];
  return id;
}

function randomSheetId(): number {
  return 100_000_000 + Math.floor(Math.random() * 2_000_000_000);
}

/** Writes a block of cells with its top-left corner at (row, column), 1-based, growing the grid as needed. */
export function writeCells(sheet: EmulatedSheet, row: number, column: number, rows: ReadonlyArray<ReadonlyArray<Cell>>, timeZone: string): void {
  rows.forEach((values, rowOffset) => {
    const rowIndex = row - 1 + rowOffset;
    values.forEach((cell, columnOffset) => {
      const columnIndex = column - 1 + columnOffset;
      const stored = toStoredCell(cell, timeZone);
      let target = sheet.cells[rowIndex];
      if (!stored && !target) return;
      if (!target) {
        target = [];
        sheet.cells[rowIndex] = target;
      }
      target[columnIndex] = stored;
      sheet.columnCount = Math.max(sheet.columnCount, columnIndex + 1);
    });
    sheet.rowCount = Math.max(sheet.rowCount, rowIndex + 1);
  });
}

export function buildSheet(definition: SheetDefinition, index: number, timeZone: string): EmulatedSheet {
  const rows = definition.rows ?? [];
  const longest = rows.reduce((max, row) => Math.max(max, row.length), 0);
  const sheet: EmulatedSheet = {
    sheetId: definition.sheetId ?? (index === 0 ? 0 : randomSheetId()),
    title: definition.title,
    hidden: definition.hidden ?? false,
    sheetType: definition.sheetType ?? 'GRID',
    rowCount: definition.rowCount ?? Math.max(1000, rows.length),
    columnCount: definition.columnCount ?? Math.max(26, longest),
    cells: [],
  };
  if (definition.frozenRowCount !== undefined) sheet.frozenRowCount = definition.frozenRowCount;
  writeCells(sheet, 1, 1, rows, timeZone);
  return sheet;
}

/** The last row (1-based) holding any cell, or 0. */
export function lastUsedRow(sheet: EmulatedSheet): number {
  for (let index = sheet.cells.length - 1; index >= 0; index -= 1) {
    if (sheet.cells[index]?.some((cell) => cell !== undefined)) return index + 1;
  }
  return 0;
}

/** The full `spreadsheets.get` body (includeGridData=false), before any field mask. */
export function spreadsheetResource(spreadsheet: EmulatedSpreadsheet): Record<string, unknown> {
  return {
    spreadsheetId: spreadsheet.id,
    properties: {
      title: spreadsheet.title,
      locale: spreadsheet.locale,
      autoRecalc: 'ON_CHANGE',
      timeZone: spreadsheet.timeZone,
    },
    sheets: spreadsheet.sheets.map((sheet, index) => {
      const gridProperties: Record<string, number> = { rowCount: sheet.rowCount, columnCount: sheet.columnCount };
      if (sheet.frozenRowCount) gridProperties.frozenRowCount = sheet.frozenRowCount;
      // A chart sheet (OBJECT) has no grid properties.
      const properties: Record<string, unknown> =
        sheet.sheetType === 'GRID' ? { sheetId: sheet.sheetId, title: sheet.title, index, sheetType: 'GRID', gridProperties } : { sheetId: sheet.sheetId, title: sheet.title, index, sheetType: sheet.sheetType };
      // Google omits false values: `hidden` appears only when true.
      if (sheet.hidden) properties.hidden = true;
      return { properties };
    }),
    spreadsheetUrl: `https://docs.google.com/spreadsheets/d/${spreadsheet.id}/edit`,
  };
}

/** Options of one value read. */
export interface ValueReadOptions {
  majorDimension: 'ROWS' | 'COLUMNS';
  valueRenderOption: ValueRenderOption;
  dateTimeRenderOption: DateTimeRenderOption;
}

function findSheet(spreadsheet: EmulatedSpreadsheet, title: string): EmulatedSheet | undefined {
  return spreadsheet.sheets.find((sheet) => sheet.title === title);
}

/** Resolves a range spec against the grid; throws a 400 for an unknown sheet, bad syntax, or a start past the grid. */
export function resolveRange(spreadsheet: EmulatedSpreadsheet, spec: string): { sheet: EmulatedSheet; startRow: number; startColumn: number; endRow: number; endColumn: number } {
  const parsed = parseRange(spec, (title) => findSheet(spreadsheet, title) !== undefined);
  const unparsable = () => new EmulatedApiError(400, 'INVALID_ARGUMENT', `Unable to parse range: ${spec}`);
  if (!parsed) throw unparsable();
  const sheet = parsed.sheetTitle === undefined ? spreadsheet.sheets[0] : findSheet(spreadsheet, parsed.sheetTitle);
  if (!sheet || sheet.sheetType !== 'GRID') throw unparsable();
  const block = parsed.block ?? {};
  const startRow = block.startRow ?? 1;
  const startColumn = block.startColumn ?? 1;
  if (startRow > sheet.rowCount || startColumn > sheet.columnCount) {
    throw new EmulatedApiError(400, 'INVALID_ARGUMENT', `Range (${spec}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`);
  }
  return {
    sheet,
    startRow,
    startColumn,
    endRow: Math.min(block.endRow ?? sheet.rowCount, sheet.rowCount),
    endColumn: Math.min(block.endColumn ?? sheet.columnCount, sheet.columnCount),
  };
}

function trimTrailing<T>(values: T[], isEmpty: (value: T) => boolean): T[] {
  let end = values.length;
  while (end > 0 && isEmpty(values[end - 1] as T)) end -= 1;
  return values.slice(0, end);
}

/** A `ValueRange` for one spec: the echo is the grid-clamped range, trailing empties are trimmed, and there is no `values` key when nothing is there. */
export function readValueRange(spreadsheet: EmulatedSpreadsheet, spec: string, options: ValueReadOptions): Record<string, unknown> {
  const { sheet, startRow, startColumn, endRow, endColumn } = resolveRange(spreadsheet, spec);
  const grid: unknown[][] = [];
  for (let row = startRow; row <= endRow; row += 1) {
    const source = sheet.cells[row - 1];
    const rendered: unknown[] = [];
    for (let column = startColumn; column <= endColumn; column += 1) {
      rendered.push(renderCell(source?.[column - 1], options.valueRenderOption, options.dateTimeRenderOption));
    }
    grid.push(rendered);
  }
  let lines: unknown[][];
  if (options.majorDimension === 'COLUMNS') {
    const width = endColumn - startColumn + 1;
    lines = Array.from({ length: width }, (_, column) => grid.map((row) => row[column]));
  } else {
    lines = grid;
  }
  const trimmed = trimTrailing(
    lines.map((line) => trimTrailing(line, (value) => value === undefined).map((value) => (value === undefined ? '' : value))),
    (line) => line.length === 0,
  );
  const body: Record<string, unknown> = {
    range:
      startRow === endRow && startColumn === endColumn
        ? `${quoteSheetTitle(sheet.title)}!${columnLetter(startColumn)}${startRow}`
        : `${quoteSheetTitle(sheet.title)}!${columnLetter(startColumn)}${startRow}:${columnLetter(endColumn)}${endRow}`,
    majorDimension: options.majorDimension,
  };
  if (trimmed.length > 0) body.values = trimmed;
  return body;
}
