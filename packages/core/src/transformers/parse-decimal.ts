/**
 * Locale-aware parsing of decimal text into an exact decimal string, shared by the number
 * and currency transformers. Working on strings keeps conversions such as 19.99 -> 1999 cents exact.
 */

/** The decimal and thousands separators of a locale. */
export interface DecimalSeparators {
  decimal: string;
  group: string;
}

/** An exact decimal in plain notation: optional `-`, digits, optional `.` and digits, e.g. `-1234.56`. */
export type DecimalText = string;

export type DecimalParseResult = { ok: true; decimal: DecimalText } | { ok: false; reason: string };

const SPACES = /[\s\u00a0\u2007\u2009\u202f]/g;
const APOSTROPHES = /[\u2019\u02bc]/g;
const separatorCache = new Map<string, DecimalSeparators | undefined>();

/**
 * Turns a locale from a source (`en_US` from Sheets, `de-DE`) into a BCP 47 tag `Intl` accepts,
 * or `undefined` when it is absent or invalid.
 */
export function normalizeLocale(locale: unknown): string | undefined {
  if (typeof locale !== 'string' || locale.trim() === '') return undefined;
  try {
    return Intl.getCanonicalLocales(locale.trim().replace(/_/g, '-'))[0];
  } catch {
    return undefined;
  }
}

/** The separators `Intl` uses for a locale, e.g. `{ decimal: ',', group: '.' }` for `de-DE`. */
export function separatorsForLocale(locale: string | undefined): DecimalSeparators | undefined {
  if (locale === undefined) return undefined;
  if (separatorCache.has(locale)) return separatorCache.get(locale);
  let separators: DecimalSeparators | undefined;
  try {
    const parts = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(1234567.5);
    separators = {
      decimal: parts.find((part) => part.type === 'decimal')?.value ?? '.',
      group: parts.find((part) => part.type === 'group')?.value ?? ',',
    };
  } catch {
    separators = undefined;
  }
  separatorCache.set(locale, separators);
  return separators;
}

function normalizeSeparatorCharacters(text: string): string {
  return text.replace(SPACES, ' ').replace(APOSTROPHES, "'");
}

/**
 * Picks separators for text with no known locale: spaces and apostrophes always group; when
 * both `.` and `,` occur the last one is the decimal mark; one mark occurring several times
 * groups; a single mark followed by exactly three digits is read as en-US (`1,234` is 1234 and
 * `1.234` is 1.234); otherwise a single mark is the decimal mark (`1,5` is 1.5).
 */
function inferSeparators(body: string): DecimalSeparators {
  const lastDot = body.lastIndexOf('.');
  const lastComma = body.lastIndexOf(',');
  if (lastDot >= 0 && lastComma >= 0) return lastDot > lastComma ? { decimal: '.', group: ',' } : { decimal: ',', group: '.' };
  const mark = lastDot >= 0 ? '.' : lastComma >= 0 ? ',' : undefined;
  if (mark === undefined) return { decimal: '.', group: ',' };
  const other = mark === '.' ? ',' : '.';
  if (body.indexOf(mark) !== body.lastIndexOf(mark)) return { decimal: other, group: mark };
  const before = body.slice(0, body.indexOf(mark));
  const after = body.slice(body.indexOf(mark) + 1);
  if (/^\d{3}$/.test(after) && /[1-9]/.test(before)) return mark === ',' ? { decimal: '.', group: ',' } : { decimal: '.', group: ',' };
  return { decimal: mark, group: other };
}

function isGroupedInteger(integer: string, group: string): boolean {
  const groups = integer.split(group);
  if (groups.length === 1) return /^\d*$/.test(integer);
  const [first, ...rest] = groups;
  const last = rest.at(-1);
  // Middle groups of two digits admit Indian grouping (1,23,45,678.00).
  return /^\d{1,3}$/.test(first ?? '') && /^\d{3}$/.test(last ?? '') && rest.slice(0, -1).every((part) => /^\d{2,3}$/.test(part));
}

function stripLeadingZeros(integer: string): string {
  const stripped = integer.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/**
 * `text` in canonical form when it is digits with at most one '.' between digits (`007.50` ->
 * `7.5`), else undefined.
 */
function plainDecimal(text: string): DecimalText | undefined {
  const length = text.length;
  if (length === 0) return undefined;
  let dot = -1;
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === 46) {
      if (dot !== -1 || index === 0 || index === length - 1) return undefined;
      dot = index;
    } else if (code < 48 || code > 57) {
      return undefined;
    }
  }
  const integerEnd = dot === -1 ? length : dot;
  let start = 0;
  while (start < integerEnd - 1 && text.charCodeAt(start) === 48) start += 1;
  let end = length;
  if (dot !== -1) {
    while (end > dot + 1 && text.charCodeAt(end - 1) === 48) end -= 1;
    if (end === dot + 1) end = dot;
  }
  return start === 0 && end === length ? text : text.slice(start, end);
}

/**
 * Parses unsigned decimal text (`1,234.56`, `1.234,56`, `1 234,56`, `1'234.5`, `1.5e3`) with
 * the given separators, or inferred ones. Group separators must sit between groups of three
 * digits, so `1.5` in `de-DE` is an error rather than a silent 15.
 */
export function parseDecimalText(text: string, separators?: DecimalSeparators): DecimalParseResult {
  const trimmed = text.trim();
  // Most cells are plain digits with at most one '.', read the same under every rule below
  // whenever '.' is (or may be) the decimal mark: no regular expressions, no splitting.
  if (separators === undefined || separators.decimal === '.') {
    const plain = plainDecimal(trimmed);
    if (plain !== undefined) return { ok: true, decimal: plain };
  }
  const body = normalizeSeparatorCharacters(trimmed);
  if (body === '') return { ok: false, reason: 'there are no digits' };
  if (/^(?:\d+(?:\.\d*)?|\.\d+)e[+-]?\d+$/i.test(body)) {
    const value = Number(body);
    if (!Number.isFinite(value)) return { ok: false, reason: 'the number is too large' };
    return { ok: true, decimal: numberToDecimal(value) };
  }
  const chosen = separators
    ? { decimal: normalizeSeparatorCharacters(separators.decimal), group: normalizeSeparatorCharacters(separators.group) }
    : inferSeparators(body);
  if (!/^[\d.,' ]+$/.test(body)) return { ok: false, reason: 'it holds characters other than digits and separators' };
  const bodyWithGroups = /^[ ']$/.test(chosen.group) ? body : body.replace(/[ ']/g, (mark) => (separators ? mark : chosen.group));
  const pieces = bodyWithGroups.split(chosen.decimal);
  if (pieces.length > 2) return { ok: false, reason: `the decimal mark "${chosen.decimal}" occurs more than once` };
  const [integer = '', fraction] = pieces;
  if (fraction !== undefined && !/^\d*$/.test(fraction)) return { ok: false, reason: `digits after the decimal mark "${chosen.decimal}" hold other characters` };
  if (!isGroupedInteger(integer, chosen.group)) {
    return { ok: false, reason: `the thousands separator "${chosen.group}" does not split the digits into groups of three` };
  }
  const digits = integer.split(chosen.group).join('');
  if (digits === '' && (fraction === undefined || fraction === '')) return { ok: false, reason: 'there are no digits' };
  const fractionDigits = (fraction ?? '').replace(/0+$/, '');
  return { ok: true, decimal: fractionDigits === '' ? stripLeadingZeros(digits) : `${stripLeadingZeros(digits)}.${fractionDigits}` };
}

/** Negates a decimal text (no `-0`). */
export function negateDecimal(decimal: DecimalText): DecimalText {
  if (decimal.startsWith('-')) return decimal.slice(1);
  return /^0(\.0*)?$/.test(decimal) ? decimal : `-${decimal}`;
}

/** The exact shortest decimal text of a finite number, without exponent: `1e-7` -> `0.0000001`. */
export function numberToDecimal(value: number): DecimalText {
  const text = String(value === 0 ? 0 : value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = '', integer = '', fraction = '', exponent = '0'] = match;
  return `${sign}${shiftDecimal(`${integer}.${fraction}`, Number(exponent))}`;
}

/** Multiplies a decimal text by 10^places exactly: `shiftDecimal('19.99', 2)` is `'1999'`. */
export function shiftDecimal(decimal: DecimalText, places: number): DecimalText {
  const negative = decimal.startsWith('-');
  const [integer = '', fraction = ''] = (negative ? decimal.slice(1) : decimal).split('.');
  let digits = integer + fraction;
  let point = integer.length + places;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const whole = stripLeadingZeros(digits.slice(0, point));
  const rest = digits.slice(point).replace(/0+$/, '');
  const result = rest === '' ? whole : `${whole}.${rest}`;
  return negative ? negateDecimal(result) : result;
}

/** Rounds a decimal text to an integer, halves away from zero: `'-2.5'` -> -3. `undefined` past 2^53. */
export function roundDecimalToInteger(decimal: DecimalText): number | undefined {
  const negative = decimal.startsWith('-');
  const [integer = '0', fraction = ''] = (negative ? decimal.slice(1) : decimal).split('.');
  const magnitude = Number(integer) + (fraction.charAt(0) >= '5' && fraction !== '' ? 1 : 0);
  if (!Number.isSafeInteger(magnitude)) return undefined;
  return negative && magnitude !== 0 ? -magnitude : magnitude;
}

/** The number a decimal text stands for, with `-0` folded into `0`. */
export function decimalToNumber(decimal: DecimalText): number {
  const value = Number(decimal);
  return value === 0 ? 0 : value;
}
