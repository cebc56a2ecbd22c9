/**
 * A1 notation helpers shared by the strategy and the emulator: column letters, sheet-name
 * quoting, and parsing of range specs such as `'Sheet 1'!A1:Z`, `Partners!B:B` or `A1:D5`.
 */

/** The largest column Google Sheets allows (`ZZZ`, 18,278 columns). */
export const MAX_COLUMN_COUNT = 18_278;

/** Converts a 1-based column number to its letters: 1 -> `A`, 27 -> `AA`. */
export function columnLetter(columnNumber: number): string {
  if (!Number.isInteger(columnNumber) || columnNumber < 1) throw new RangeError(`Column number must be a positive integer, got ${columnNumber}`);
  let remaining = columnNumber;
  let letters = '';
  while (remaining > 0) {
    const offset = (remaining - 1) % 26;
    letters = String.fromCharCode(65 + offset) + letters;
    remaining = Math.floor((remaining - 1) / 26);
  }
  return letters;
}

/** Converts column letters to the 1-based column number: `A` -> 1, `AA` -> 27. Case-insensitive. Returns undefined for anything else. */
export function columnNumber(letters: string): number | undefined {
  if (!/^[A-Za-z]{1,3}$/.test(letters)) return undefined;
  let value = 0;
  for (const character of letters.toUpperCase()) value = value * 26 + (character.charCodeAt(0) - 64);
  return value <= MAX_COLUMN_COUNT ? value : undefined;
}

/** True when a sheet title can appear unquoted in a range: letters, digits and `_`, not starting with a digit, and not itself a cell reference. */
function isBareSheetTitle(title: string): boolean {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(title)) return false;
  if (/^[A-Za-z]{1,3}\d+$/.test(title) && columnNumber(title.replace(/\d+$/, '')) !== undefined) return false;
  if (/^R\d*C\d*$/i.test(title)) return false;
  return true;
}

/**
 * Formats a sheet title for a range the way Google echoes it: quoted only when needed.
 *
 * @example quoteSheetTitle('Sheet1') // "Sheet1"
 * @example quoteSheetTitle('Class Data') // "'Class Data'"
 */
export function quoteSheetTitle(title: string): string {
  return isBareSheetTitle(title) ? title : `'${title.replaceAll("'", "''")}'`;
}

/** A cell block in 1-based rows and columns. Missing bounds are open (to the grid's edge). */
export interface CellBlock {
  startRow?: number;
  startColumn?: number;
  endRow?: number;
  endColumn?: number;
}

/** A range spec split into its sheet title (when given) and its cell block (when given). */
export interface ParsedRange {
  /** The sheet title, unquoted; undefined when the spec names no sheet. */
  sheetTitle?: string;
  /** The cells; undefined when the spec is only a sheet title. */
  block?: CellBlock;
}

interface CellReference {
  row?: number;
  column?: number;
}

function parseCellReference(text: string): CellReference | undefined {
  const match = /^\$?([A-Za-z]{0,3})\$?(\d*)$/.exec(text);
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const reference: CellReference = {};
  if (match[1]) {
    const column = columnNumber(match[1]);
    if (column === undefined) return undefined;
    reference.column = column;
  }
  if (match[2]) {
    const row = Number(match[2]);
    if (row < 1) return undefined;
    reference.row = row;
  }
  return reference;
}

/**
 * Parses the cell part of a range (`A1`, `A1:B2`, `A:C`, `2:5`, `A2:C`). Returns undefined when it
 * is not A1 notation. A reversed block (`D4:A1`) is normalised.
 */
export function parseCellBlock(text: string): CellBlock | undefined {
  const parts = text.split(':');
  if (parts.length > 2) return undefined;
  const start = parseCellReference(parts[0] ?? '');
  if (!start) return undefined;
  if (parts.length === 1) {
    // A single reference must be a full cell (A1); "A" alone or "1" alone is not a range.
    if (start.row === undefined || start.column === undefined) return undefined;
    return { startRow: start.row, startColumn: start.column, endRow: start.row, endColumn: start.column };
  }
  const end = parseCellReference(parts[1] ?? '');
  if (!end) return undefined;
  // Whole rows (2:5) need rows on both sides; whole columns (A:C) need columns on both sides.
  if (start.column === undefined && (start.row === undefined || end.row === undefined || end.column !== undefined)) return undefined;
  if (end.column === undefined && end.row === undefined) return undefined;
  if (start.column === undefined && end.column === undefined) {
    const [low, high] = order(start.row, end.row);
    return { startRow: low, endRow: high };
  }
  const block: CellBlock = {};
  const [lowColumn, highColumn] = order(start.column, end.column);
  if (lowColumn !== undefined) block.startColumn = lowColumn;
  if (highColumn !== undefined) block.endColumn = highColumn;
  if (start.row !== undefined && end.row !== undefined) {
    const [lowRow, highRow] = order(start.row, end.row);
    block.startRow = lowRow;
    block.endRow = highRow;
  } else if (start.row !== undefined) {
    block.startRow = start.row;
  } else if (end.row !== undefined) {
    // A:B5 reads from row 1.
    block.endRow = end.row;
  }
  return block;
}

function order(a: number | undefined, b: number | undefined): [number | undefined, number | undefined] {
  if (a === undefined || b === undefined) return [a, b];
  return a <= b ? [a, b] : [b, a];
}

/**
 * Splits a range spec into sheet title and cell block. Returns undefined when it cannot be parsed.
 * A spec without `!` is either a sheet title or a cell block; `isSheetTitle` decides (Google reads
 * an existing sheet title first, then A1 notation on the first sheet).
 */
export function parseRange(spec: string, isSheetTitle: (title: string) => boolean = () => false): ParsedRange | undefined {
  if (spec.startsWith("'")) {
    let index = 1;
    let title = '';
    while (index < spec.length) {
      const character = spec[index];
      if (character === "'") {
        if (spec[index + 1] === "'") {
          title += "'";
          index += 2;
          continue;
        }
        break;
      }
      title += character;
      index += 1;
    }
    if (index >= spec.length) return undefined;
    const rest = spec.slice(index + 1);
    if (rest === '') return { sheetTitle: title };
    if (!rest.startsWith('!')) return undefined;
    const block = parseCellBlock(rest.slice(1));
    return block ? { sheetTitle: title, block } : undefined;
  }
  const bang = spec.lastIndexOf('!');
  if (bang >= 0) {
    const title = spec.slice(0, bang);
    const block = parseCellBlock(spec.slice(bang + 1));
    return block && title !== '' ? { sheetTitle: title, block } : undefined;
  }
  if (spec === '') return undefined;
  if (isSheetTitle(spec)) return { sheetTitle: spec };
  const block = parseCellBlock(spec);
  return block ? { block } : undefined;
}

/**
 * Builds a range spec for a block of a sheet.
 *
 * @example formatRange('Partners', { startRow: 2, startColumn: 1, endRow: 10, endColumn: 4 }) // "Partners!A2:D10"
 */
export function formatRange(sheetTitle: string, block: Required<CellBlock>): string {
  return `${quoteSheetTitle(sheetTitle)}!${columnLetter(block.startColumn)}${block.startRow}:${columnLetter(block.endColumn)}${block.endRow}`;
}
