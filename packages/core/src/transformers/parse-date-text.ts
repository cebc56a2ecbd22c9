/**
 * Reading date and date-time text: ISO 8601, explicit format strings (`MM/DD/YYYY`,
 * `MMM D, YYYY`, ...), and common spreadsheet display forms. Pure; no time zones here.
 */
import type { WallTime } from './zoned-time.js';

/** Date text read into its parts. `offsetMinutes` is set when the text carries `Z` or `+hh:mm`. */
export interface ParsedDateText {
  wall: WallTime;
  hasTime: boolean;
  offsetMinutes?: number;
}

/** `undefined` when the text does not have the shape; `{ invalid }` when it has it but is no real date. */
export type DateTextResult = { ok: true; parsed: ParsedDateText } | { ok: false; invalid: string } | undefined;

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const WEEKDAYS = '(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\\.?';
const MONTH_NAME = '([a-z]{3,9}\\.?)';
const TIME = '(?:(?:\\s*[t,]\\s*|\\s+(?:at\\s+)?)(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?\\s*(am|pm|a\\.m\\.|p\\.m\\.)?)?';
const OFFSET = '\\s*(z|utc|gmt|[+-]\\d{2}(?::?\\d{2})?)?';

/** Month number (1-12) of an English month name or its abbreviation (`Sept` too), else undefined. */
export function monthFromName(name: string): number | undefined {
  const key = name.toLowerCase().replace(/\.$/, '');
  if (key.length < 3) return undefined;
  const index = MONTHS.findIndex((month) => month === key || (key.length <= 4 && month.startsWith(key)));
  return index >= 0 ? index + 1 : undefined;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/** Why a wall time is not a real date and time, or undefined when it is one. */
export function invalidWallTimeReason(wall: WallTime): string | undefined {
  if (!Number.isInteger(wall.year) || wall.year < 1 || wall.year > 9999) return `the year ${wall.year} is outside 1-9999`;
  if (wall.month < 1 || wall.month > 12) return `there is no month ${wall.month}`;
  const days = daysInMonth(wall.year, wall.month);
  if (wall.day < 1 || wall.day > days) return `${MONTHS[wall.month - 1]?.replace(/^./, (first) => first.toUpperCase())} ${wall.year} has ${days} days`;
  if (wall.hour > 23) return `there is no hour ${wall.hour}`;
  if (wall.minute > 59) return `there is no minute ${wall.minute}`;
  if (wall.second > 59) return `there is no second ${wall.second}`;
  return undefined;
}

/** Two-digit years: 00-29 are 2000-2029, 30-99 are 1930-1999 (the spreadsheet convention). */
export function expandTwoDigitYear(year: number): number {
  return year < 30 ? 2000 + year : 1900 + year;
}

function parseOffset(text: string | undefined): number | undefined | 'invalid' {
  if (text === undefined || text === '') return undefined;
  const lower = text.toLowerCase();
  if (lower === 'z' || lower === 'utc' || lower === 'gmt') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!match) return 'invalid';
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? '0');
  if (hours > 23 || minutes > 59) return 'invalid';
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

function applyMeridiem(hour: number, meridiem: string | undefined): number | undefined {
  if (!meridiem) return hour;
  if (hour < 1 || hour > 12) return undefined;
  const afternoon = meridiem.toLowerCase().startsWith('p');
  return (hour % 12) + (afternoon ? 12 : 0);
}

interface RawParts {
  year: number;
  month: number;
  day: number;
  hour?: string | undefined;
  minute?: string | undefined;
  second?: string | undefined;
  fraction?: string | undefined;
  meridiem?: string | undefined;
  offset?: string | undefined;
}

function build(parts: RawParts): DateTextResult {
  const hasTime = parts.hour !== undefined;
  const hour = applyMeridiem(Number(parts.hour ?? 0), parts.meridiem);
  if (hour === undefined) return { ok: false, invalid: `the hour ${parts.hour} does not fit AM/PM` };
  const offset = parseOffset(parts.offset);
  if (offset === 'invalid') return { ok: false, invalid: `the offset ${parts.offset} is not a real UTC offset` };
  const wall: WallTime = {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour,
    minute: Number(parts.minute ?? 0),
    second: Number(parts.second ?? 0),
    millisecond: Number((parts.fraction ?? '').padEnd(3, '0').slice(0, 3)),
  };
  const invalid = invalidWallTimeReason(wall);
  if (invalid) return { ok: false, invalid };
  return { ok: true, parsed: offset === undefined ? { wall, hasTime } : { wall, hasTime, offsetMinutes: offset } };
}

const ISO = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})(?:[t ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,9}))?)?)?\\s*(z|[+-]\\d{2}(?::?\\d{2})?)?$`, 'i');
const ISO_COMPACT = /^(\d{4})(\d{2})(\d{2})t(\d{2})(\d{2})(\d{2})?(?:[.,](\d{1,9}))?\s*(z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** ISO 8601: `2024-01-31`, `2024-01-31T13:45`, `2024-01-31 13:45:00.123+01:00`, `20240131T134500Z`. */
export function parseIsoDateText(text: string): DateTextResult {
  const match = ISO.exec(text) ?? ISO_COMPACT.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  if (hour === undefined && offset !== undefined) return undefined;
  return build({ year: Number(year), month: Number(month), day: Number(day), hour, minute, second, fraction, offset });
}

const NUMERIC_DATE = new RegExp(`^(\\d{1,2})([/.-])(\\d{1,2})\\2(\\d{4}|\\d{2})${TIME}${OFFSET}$`, 'i');
const YEAR_FIRST = new RegExp(`^(\\d{4})([/.])(\\d{1,2})\\2(\\d{1,2})${TIME}${OFFSET}$`, 'i');
const MONTH_NAME_FIRST = new RegExp(`^(?:${WEEKDAYS},?\\s+)?${MONTH_NAME}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})${TIME}${OFFSET}$`, 'i');
const DAY_FIRST_NAME = new RegExp(`^(?:${WEEKDAYS},?\\s+)?(\\d{1,2})(?:st|nd|rd|th)?(?:\\s+|-)${MONTH_NAME}(?:\\s+|-),?(\\d{4}|\\d{2})${TIME}${OFFSET}$`, 'i');

/**
 * Display forms people and spreadsheets write: `1/31/2024` (month first unless `dayFirst`),
 * `31.01.2024` (dots are always day first), `2024/01/31`, `Jan 31, 2024`, `31 January 2024`,
 * `31-Jan-24`, each optionally followed by a time such as `13:45`, `1:45:00 PM`.
 */
export function parseCommonDateText(text: string, dayFirst: boolean): DateTextResult {
  let match = NUMERIC_DATE.exec(text);
  if (match) {
    const [, first, separator, second, yearText = '', hour, minute, secondOfMinute, fraction, meridiem, offset] = match;
    const firstIsDay = separator === '.' || dayFirst;
    const year = yearText.length === 2 ? expandTwoDigitYear(Number(yearText)) : Number(yearText);
    return build({
      year,
      month: Number(firstIsDay ? second : first),
      day: Number(firstIsDay ? first : second),
      hour,
      minute,
      second: secondOfMinute,
      fraction,
      meridiem,
      offset,
    });
  }
  match = YEAR_FIRST.exec(text);
  if (match) {
    const [, year, , month, day, hour, minute, second, fraction, meridiem, offset] = match;
    return build({ year: Number(year), month: Number(month), day: Number(day), hour, minute, second, fraction, meridiem, offset });
  }
  match = MONTH_NAME_FIRST.exec(text);
  if (match) {
    const [, name = '', day, year, hour, minute, second, fraction, meridiem, offset] = match;
    const month = monthFromName(name);
    if (month === undefined) return undefined;
    return build({ year: Number(year), month, day: Number(day), hour, minute, second, fraction, meridiem, offset });
  }
  match = DAY_FIRST_NAME.exec(text);
  if (match) {
    const [, day, name = '', yearText = '', hour, minute, second, fraction, meridiem, offset] = match;
    const month = monthFromName(name);
    if (month === undefined) return undefined;
    const year = yearText.length === 2 ? expandTwoDigitYear(Number(yearText)) : Number(yearText);
    return build({ year, month, day: Number(day), hour, minute, second, fraction, meridiem, offset });
  }
  return undefined;
}

type TokenKind = 'year4' | 'year2' | 'monthName' | 'month' | 'day' | 'weekday' | 'hour' | 'minute' | 'second' | 'fraction' | 'meridiem' | 'offset';

interface CompiledFormat {
  pattern: RegExp;
  kinds: TokenKind[];
}

const TOKENS: ReadonlyArray<[string, TokenKind, string]> = [
  ['YYYY', 'year4', '(\\d{4})'],
  ['YY', 'year2', '(\\d{2})'],
  ['MMMM', 'monthName', '([a-z]{3,9}\\.?)'],
  ['MMM', 'monthName', '([a-z]{3,9}\\.?)'],
  ['MM', 'month', '(\\d{1,2})'],
  ['M', 'month', '(\\d{1,2})'],
  ['dddd', 'weekday', `(${WEEKDAYS})`],
  ['ddd', 'weekday', `(${WEEKDAYS})`],
  ['DD', 'day', '(\\d{1,2})'],
  ['Do', 'day', '(\\d{1,2})(?:st|nd|rd|th)'],
  ['D', 'day', '(\\d{1,2})'],
  ['HH', 'hour', '(\\d{1,2})'],
  ['H', 'hour', '(\\d{1,2})'],
  ['hh', 'hour', '(\\d{1,2})'],
  ['h', 'hour', '(\\d{1,2})'],
  ['mm', 'minute', '(\\d{1,2})'],
  ['m', 'minute', '(\\d{1,2})'],
  ['ss', 'second', '(\\d{1,2})'],
  ['s', 'second', '(\\d{1,2})'],
  ['SSS', 'fraction', '(\\d{1,9})'],
  ['SS', 'fraction', '(\\d{1,9})'],
  ['S', 'fraction', '(\\d{1,9})'],
  ['A', 'meridiem', '(am|pm|a\\.m\\.|p\\.m\\.)'],
  ['a', 'meridiem', '(am|pm|a\\.m\\.|p\\.m\\.)'],
  ['ZZ', 'offset', '(z|[+-]\\d{2}:?\\d{2})'],
  ['Z', 'offset', '(z|[+-]\\d{2}:?\\d{2})'],
];

const compiled = new Map<string, CompiledFormat | string>();

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compiles a format such as `DD.MM.YYYY HH:mm` into a matcher, or returns why it is no format.
 * Tokens: `YYYY YY MMMM MMM MM M DD D Do dddd ddd HH H hh h mm m ss s SSS A a Z`; text in
 * `[brackets]` is literal; any run of spaces matches any run of spaces. Numeric tokens accept
 * one or two digits (`MM` reads `1` as well as `01`), since spreadsheets often drop the zero.
 */
export function compileDateFormat(format: string): CompiledFormat | string {
  const known = compiled.get(format);
  if (known !== undefined) return known;
  let source = '';
  const kinds: TokenKind[] = [];
  let index = 0;
  while (index < format.length) {
    const rest = format.slice(index);
    if (rest.startsWith('[')) {
      const end = rest.indexOf(']');
      if (end < 0) return `the format ${JSON.stringify(format)} opens "[" without closing it`;
      source += escapeRegExp(rest.slice(1, end));
      index += end + 1;
      continue;
    }
    const whitespace = /^\s+/.exec(rest);
    if (whitespace) {
      source += '\\s+';
      index += whitespace[0].length;
      continue;
    }
    const token = TOKENS.find(([text]) => rest.startsWith(text));
    if (token) {
      source += token[2];
      kinds.push(token[1]);
      index += token[0].length;
      continue;
    }
    source += escapeRegExp(rest.charAt(0));
    index += 1;
  }
  const has = (kind: TokenKind): boolean => kinds.includes(kind);
  let result: CompiledFormat | string;
  if (!has('year4') && !has('year2')) result = `the format ${JSON.stringify(format)} has no year (YYYY or YY)`;
  else if (!has('month') && !has('monthName')) result = `the format ${JSON.stringify(format)} has no month (MM, M, MMM or MMMM)`;
  else if (!has('day')) result = `the format ${JSON.stringify(format)} has no day (DD or D)`;
  else result = { pattern: new RegExp(`^${source}$`, 'i'), kinds };
  compiled.set(format, result);
  return result;
}

/** Reads text with a format compiled by {@link compileDateFormat}. */
export function parseFormattedDateText(text: string, format: string): DateTextResult {
  const compiledFormat = compileDateFormat(format);
  if (typeof compiledFormat === 'string') return undefined;
  const match = compiledFormat.pattern.exec(text);
  if (!match) return undefined;
  const parts: RawParts = { year: 0, month: 0, day: 0 };
  for (const [position, kind] of compiledFormat.kinds.entries()) {
    const captured = match[position + 1];
    if (captured === undefined) continue;
    switch (kind) {
      case 'year4':
        parts.year = Number(captured);
        break;
      case 'year2':
        parts.year = expandTwoDigitYear(Number(captured));
        break;
      case 'monthName': {
        const month = monthFromName(captured);
        if (month === undefined) return { ok: false, invalid: `"${captured}" is not an English month name` };
        parts.month = month;
        break;
      }
      case 'month':
        parts.month = Number(captured);
        break;
      case 'day':
        parts.day = Number(captured);
        break;
      case 'hour':
        parts.hour = captured;
        break;
      case 'minute':
        parts.minute = captured;
        break;
      case 'second':
        parts.second = captured;
        break;
      case 'fraction':
        parts.fraction = captured;
        break;
      case 'meridiem':
        parts.meridiem = captured;
        break;
      case 'offset':
        parts.offset = captured;
        break;
      case 'weekday':
        break;
    }
  }
  if (parts.hour === undefined && (parts.minute !== undefined || parts.meridiem !== undefined)) parts.hour = '0';
  return build(parts);
}
