import { z } from 'zod';
import type { TransformContext, TransformResult } from '../transformer.js';
import { defineTransformer, failure } from './define-transformer.js';
import { describeValue } from './describe-value.js';
import { normalizeLocale } from './parse-decimal.js';
import { compileDateFormat, invalidWallTimeReason, parseCommonDateText, parseFormattedDateText, parseIsoDateText, type DateTextResult } from './parse-date-text.js';
import { instantToWallTime, isValidTimeZone, utcMillisecondsToWallTime, wallTimeToUtcMilliseconds, zonedWallTimeToInstant, type WallTime } from './zoned-time.js';

const DAY_MS = 86_400_000;
/** 1899-12-30T00:00 as if UTC: day 0 of Google Sheets (and Excel 1900) serial numbers. */
const SERIAL_EPOCH_MS = Date.UTC(1899, 11, 30);
const MAX_EPOCH_MS = 8.64e15;
const MAX_TEXT_LENGTH = 200;

const formatSchema = z.string().min(1).check((context) => {
  const compiled = compileDateFormat(context.value);
  if (typeof compiled === 'string') context.issues.push({ code: 'custom', message: `${compiled}; use tokens such as YYYY, MM, DD, HH, mm`, input: context.value });
});

/** Options of the `date` transformer. */
export const dateTransformerOptionsSchema = z.strictObject({
  /**
   * Format(s) the text is written in, tried in order; ISO 8601 is accepted too, other forms are not.
   * Tokens: `YYYY YY MMMM MMM MM M DD D Do dddd ddd HH H hh h mm m ss s SSS A Z`, `[literal]`.
   * @default none: ISO 8601 and common display forms (`1/31/2024`, `31.01.2024`, `Jan 31, 2024`)
   * @example { format: 'DD.MM.YYYY' } or { format: ['MM/DD/YYYY', 'MMM D, YYYY'] }
   */
  format: z.union([formatSchema, z.array(formatSchema).min(1)]).optional(),
  /**
   * What the field holds: a calendar date `'YYYY-MM-DD'` or an instant (`Date`).
   * @default 'date'
   * @example { output: 'timestamp' }
   */
  output: z.enum(['date', 'timestamp']).optional(),
  /**
   * IANA zone that naive date-times and serial numbers are wall-clock times in, and in which
   * instants get their calendar date. Overrides the source's `context.timeZone`.
   * @default context.timeZone, else 'UTC'
   * @example { timeZone: 'America/New_York' }
   */
  timeZone: z
    .string()
    .refine(isValidTimeZone, { message: 'is not an IANA time zone Intl knows; use a name such as "Europe/Berlin" or "UTC"' })
    .optional(),
  /**
   * Read numbers as Google Sheets / Excel serial dates (days since 1899-12-30, time as the fraction),
   * as `UNFORMATTED_VALUE` sends them.
   * @default true
   * @example { serial: false }
   */
  serial: z.boolean().optional(),
  /**
   * Read numbers (and digit-only text) as Unix epoch time in this unit instead of serial dates.
   * @default undefined: numbers are serial dates
   * @example { epoch: 'milliseconds' }
   */
  epoch: z.enum(['milliseconds', 'seconds']).optional(),
  /**
   * Locale deciding whether `1/2/2024` is January 2 (en-US) or 1 February (en-GB, de, fr) when
   * no `format` matches. Overrides `context.locale`.
   * @default context.locale, else 'en-US'
   * @example { locale: 'en-GB' }
   */
  locale: z
    .string()
    .refine((locale) => normalizeLocale(locale) !== undefined, { message: 'is not a BCP 47 locale; use a tag such as "en-US" or "de-DE"' })
    .optional(),
});

/** Options of the `date` transformer; see {@link dateTransformerOptionsSchema}. */
export type DateTransformerOptions = z.infer<typeof dateTransformerOptionsSchema>;

const dayFirstCache = new Map<string, boolean>();

/** Whether the locale writes the day before the month in numeric dates. */
function isDayFirst(locale: string | undefined): boolean {
  if (locale === undefined) return false;
  const known = dayFirstCache.get(locale);
  if (known !== undefined) return known;
  let dayFirst = false;
  try {
    const parts = new Intl.DateTimeFormat(locale, { timeZone: 'UTC' }).formatToParts(new Date(Date.UTC(2000, 10, 22)));
    const types = parts.map((part) => part.type);
    dayFirst = types.indexOf('day') < types.indexOf('month');
  } catch {
    dayFirst = false;
  }
  dayFirstCache.set(locale, dayFirst);
  return dayFirst;
}

function pad(value: number, length: number): string {
  return String(value).padStart(length, '0');
}

function calendarDate(wall: WallTime): string {
  return `${pad(wall.year, 4)}-${pad(wall.month, 2)}-${pad(wall.day, 2)}`;
}

function expectedText(options: DateTransformerOptions): string {
  const formats = options.format === undefined ? [] : Array.isArray(options.format) ? options.format : [options.format];
  const named = formats.map((format) => JSON.stringify(format)).join(' or ');
  return named ? `Expected ${named}, or ISO 8601 such as "2024-01-31".` : 'Expected ISO 8601 such as "2024-01-31" or "2024-01-31T13:45:00Z", or set transformOptions.format (e.g. "DD.MM.YYYY").';
}

function fromInstant(epochMilliseconds: number, value: unknown, options: DateTransformerOptions, timeZone: string): TransformResult {
  if (!Number.isFinite(epochMilliseconds) || Math.abs(epochMilliseconds) > MAX_EPOCH_MS) {
    return failure('date', `${describeValue(value)} is outside the range of dates.`, 'Check the value and the epoch/serial options.');
  }
  if (options.output === 'timestamp') return { ok: true, value: new Date(epochMilliseconds) };
  const wall = instantToWallTime(epochMilliseconds, timeZone);
  if (wall.year < 1 || wall.year > 9999) return failure('date', `${describeValue(value)} falls in the year ${wall.year}, outside 1-9999.`, 'Check the value and the epoch/serial options.');
  return { ok: true, value: calendarDate(wall) };
}

function fromWallTime(wall: WallTime, value: unknown, options: DateTransformerOptions, timeZone: string): TransformResult {
  const invalid = invalidWallTimeReason(wall);
  if (invalid) return failure('date', `${describeValue(value)} is not a usable date: ${invalid}.`, 'Check the value and the serial/epoch options.');
  if (options.output === 'timestamp') return { ok: true, value: new Date(zonedWallTimeToInstant(wall, timeZone)) };
  return { ok: true, value: calendarDate(wall) };
}

function fromNumber(number: number, value: unknown, options: DateTransformerOptions, timeZone: string): TransformResult {
  if (!Number.isFinite(number)) return failure('date', `${describeValue(value)} is not a date.`, 'Send a finite serial number, epoch time or date text.');
  if (options.epoch) return fromInstant(options.epoch === 'seconds' ? number * 1000 : number, value, options, timeZone);
  if (options.serial === false) {
    return failure('date', `${describeValue(value)} is a number, and numbers are not read as dates here.`, "Set transformOptions.serial: true for spreadsheet serial dates or epoch: 'milliseconds' for epoch time.");
  }
  // Sheets serials are wall-clock days in the spreadsheet's zone; rounding to the millisecond
  // removes floating-point noise such as 0.49999999 of a day.
  const offset = Math.round(number * DAY_MS);
  if (Math.abs(offset) > MAX_EPOCH_MS) return failure('date', `${describeValue(value)} is outside the range of serial dates.`, 'Check that the column holds dates.');
  return fromWallTime(utcMillisecondsToWallTime(SERIAL_EPOCH_MS + offset), value, options, timeZone);
}

function readText(text: string, options: DateTransformerOptions, locale: string | undefined): DateTextResult {
  const formats = options.format === undefined ? [] : Array.isArray(options.format) ? options.format : [options.format];
  let firstInvalid: DateTextResult;
  for (const format of formats) {
    const result = parseFormattedDateText(text, format);
    if (result?.ok) return result;
    firstInvalid ??= result;
  }
  const iso = parseIsoDateText(text);
  if (iso?.ok) return iso;
  firstInvalid ??= iso;
  // With explicit formats, guessing a display form could read 02/13/2024 month-first in a
  // DD/MM/YYYY column; only unambiguous ISO text is accepted besides the formats.
  if (formats.length > 0) return firstInvalid;
  const common = parseCommonDateText(text, isDayFirst(locale));
  if (common?.ok) return common;
  return firstInvalid ?? common;
}

function transformDate(value: unknown, context: TransformContext<DateTransformerOptions>): TransformResult {
  const options = context.options;
  const timeZone = options.timeZone ?? (context.timeZone && isValidTimeZone(context.timeZone) ? context.timeZone : 'UTC');
  if (value instanceof Date) {
    const time = value.getTime();
    if (Number.isNaN(time)) return failure('date', 'The value is an invalid Date.', 'Send a valid Date or date text.');
    return fromInstant(time, value, options, timeZone);
  }
  if (typeof value === 'number') return fromNumber(value, value, options, timeZone);
  if (typeof value === 'bigint') return fromNumber(Number(value), value, options, timeZone);
  if (typeof value !== 'string') {
    return failure('date', `${describeValue(value)} is not a date.`, 'Send date text, a Date, or a number (serial date or epoch time).');
  }
  const text = value.trim();
  // No date text is this long; the cap keeps regular expressions linear-time on junk cells.
  if (text.length > MAX_TEXT_LENGTH) return failure('date', `${describeValue(value)} is too long to be a date.`, expectedText(options));
  if (options.epoch && /^-?\d+(\.\d+)?$/.test(text)) return fromNumber(Number(text), value, options, timeZone);
  const result = readText(text, options, normalizeLocale(options.locale) ?? normalizeLocale(context.locale));
  if (result === undefined) return failure('date', `Cannot read ${describeValue(value)} as a date.`, expectedText(options));
  if (!result.ok) return failure('date', `${describeValue(value)} is not a real date: ${result.invalid}.`, expectedText(options));
  const { wall, offsetMinutes } = result.parsed;
  if (offsetMinutes !== undefined) return fromInstant(wallTimeToUtcMilliseconds(wall) - offsetMinutes * 60_000, value, options, timeZone);
  return fromWallTime(wall, value, options, timeZone);
}

/**
 * `date`: text, Sheets serial numbers, epoch time or `Date` to a calendar date (`'YYYY-MM-DD'`)
 * or an instant (`Date`, with `output: 'timestamp'`). Naive date-times and serials are wall-clock
 * times in `timeZone`, converted across daylight-saving changes; text with an offset, Dates and
 * epoch times are instants, whose calendar date is taken in `timeZone`.
 *
 * @example transform: 'date', transformOptions: { format: 'DD.MM.YYYY' }         // "31.01.2024" -> '2024-01-31'
 * @example transform: 'date', transformOptions: { output: 'timestamp', timeZone: 'America/New_York' } // 43831.5 -> 2020-01-01T17:00:00Z
 */
export const dateTransformer = defineTransformer<DateTransformerOptions>({
  name: 'date',
  optionsSchema: dateTransformerOptionsSchema,
  transform: transformDate,
});
