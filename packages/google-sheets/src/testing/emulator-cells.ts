/**
 * Cells of the Sheets emulator: what a test writes (`Cell`), how it is stored, and how each
 * `valueRenderOption` / `dateTimeRenderOption` renders it, following WIRE-FACTS.
 */

/** Number formats a cell can carry. They change only FORMATTED_VALUE (and dates under FORMATTED_STRING). */
export type CellFormat = 'number' | 'currency' | 'percent' | 'date' | 'datetime' | 'text';

/** A formula error as Sheets shows it. */
export type FormulaError = '#REF!' | '#N/A' | '#DIV/0!' | '#VALUE!' | '#NAME?' | '#NUM!' | '#NULL!' | '#ERROR!';

/**
 * One cell as a test writes it: a plain value, a `Date` (stored as a serial number in the
 * spreadsheet's time zone, formatted as a date), or an object with a number format, a formula
 * or a formula error.
 *
 * @example 'Acme'
 * @example { value: 1.23, format: 'currency' }
 * @example { formula: '=A1/0', error: '#DIV/0!' }
 */
export type Cell =
  | string
  | number
  | boolean
  | null
  | undefined
  | Date
  | {
      /** The cell's value; a `Date` becomes a serial number. */
      value?: string | number | boolean | Date | null;
      format?: CellFormat;
      /** Shown under valueRenderOption FORMULA. */
      formula?: string;
      /** A formula error: every render option shows this text (FORMULA shows the formula). */
      error?: FormulaError;
    };

/** A cell as the emulator keeps it. */
export interface StoredCell {
  value: string | number | boolean | null;
  format?: CellFormat;
  formula?: string;
  error?: FormulaError;
}

const SERIAL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

/** The wall-clock time of `date` in `timeZone`, as milliseconds of a UTC date with the same fields. */
function wallClockMs(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date);
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second'), date.getUTCMilliseconds());
}

/**
 * The Sheets serial number of an instant in a time zone: days since 1899-12-30 with the time as a
 * fraction (1900-01-01 12:00 is 2.5).
 */
export function dateToSerial(date: Date, timeZone: string): number {
  const serial = (wallClockMs(date, timeZone) - SERIAL_EPOCH_MS) / DAY_MS;
  // Keep whole days as JSON integers, like Sheets does (43831, not 43831.000000001).
  return Math.round(serial * 86_400_000) / 86_400_000;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

function serialToText(serial: number, withTime: boolean): string {
  const date = new Date(SERIAL_EPOCH_MS + Math.round(serial * DAY_MS));
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  if (!withTime) return day;
  return `${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/** Normalises what a test writes into a stored cell; undefined means an empty cell. */
export function toStoredCell(cell: Cell, timeZone: string): StoredCell | undefined {
  if (cell === null || cell === undefined || cell === '') return undefined;
  if (cell instanceof Date) {
    const serial = dateToSerial(cell, timeZone);
    return { value: serial, format: Number.isInteger(serial) ? 'date' : 'datetime' };
  }
  if (typeof cell !== 'object') return { value: cell };
  const stored: StoredCell = { value: null };
  if (cell.value instanceof Date) {
    stored.value = dateToSerial(cell.value, timeZone);
    stored.format = cell.format ?? (Number.isInteger(stored.value) ? 'date' : 'datetime');
  } else {
    stored.value = cell.value === undefined || cell.value === '' ? null : cell.value;
    if (cell.format) stored.format = cell.format;
  }
  if (cell.formula !== undefined) stored.formula = cell.formula;
  if (cell.error !== undefined) stored.error = cell.error;
  if (stored.value === null && stored.formula === undefined && stored.error === undefined) return undefined;
  return stored;
}

/** How values are rendered (`valueRenderOption`). */
export type ValueRenderOption = 'FORMATTED_VALUE' | 'UNFORMATTED_VALUE' | 'FORMULA';
/** How dates are rendered when not FORMATTED_VALUE (`dateTimeRenderOption`). */
export type DateTimeRenderOption = 'SERIAL_NUMBER' | 'FORMATTED_STRING';

function formatNumber(value: number, format: CellFormat | undefined): string {
  switch (format) {
    case 'currency': {
      const text = Math.abs(value).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      return value < 0 ? `-$${text}` : `$${text}`;
    }
    case 'percent':
      return `${(value * 100).toFixed(2)}%`;
    case 'date':
      return serialToText(value, false);
    case 'datetime':
      return serialToText(value, true);
    default:
      // Sheets' automatic format: up to 10 significant digits, no grouping.
      return String(Number(value.toPrecision(10)));
  }
}

/** Renders one stored cell; undefined is an empty cell. */
export function renderCell(cell: StoredCell | undefined, valueRender: ValueRenderOption, dateRender: DateTimeRenderOption): string | number | boolean | undefined {
  if (!cell) return undefined;
  if (valueRender === 'FORMULA' && cell.formula !== undefined) return cell.formula;
  if (cell.error !== undefined) return cell.error;
  const { value, format } = cell;
  if (value === null) return undefined;
  if (valueRender === 'FORMATTED_VALUE') {
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'number') return formatNumber(value, format);
    return value;
  }
  // UNFORMATTED_VALUE and FORMULA: dates are serials unless FORMATTED_STRING is asked for.
  if (typeof value === 'number' && (format === 'date' || format === 'datetime') && dateRender === 'FORMATTED_STRING') {
    return formatNumber(value, format);
  }
  return value;
}
