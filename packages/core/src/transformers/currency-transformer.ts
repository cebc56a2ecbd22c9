import { z } from 'zod';
import type { TransformContext, TransformResult } from '../transformer.js';
import { defineTransformer, failure } from './define-transformer.js';
import { describeValue } from './describe-value.js';
import {
  decimalToNumber,
  negateDecimal,
  normalizeLocale,
  numberToDecimal,
  parseDecimalText,
  roundDecimalToInteger,
  separatorsForLocale,
  shiftDecimal,
  type DecimalText,
} from './parse-decimal.js';

const MAX_TEXT_LENGTH = 200;
const DOLLAR_CODES = ['USD', 'CAD', 'AUD', 'NZD', 'HKD', 'SGD', 'MXN', 'TWD', 'ARS', 'CLP', 'COP'];

/** Currency markers and the ISO codes each may stand for, longest first so `US$` wins over `$`. */
const SYMBOLS: ReadonlyArray<[string, ReadonlyArray<string>]> = [
  ['US$', ['USD']],
  ['$US', ['USD']],
  ['$CA', ['CAD']],
  ['$AU', ['AUD']],
  ['$NZ', ['NZD']],
  ['$HK', ['HKD']],
  ['$SG', ['SGD']],
  ['$MX', ['MXN']],
  ['CA$', ['CAD']],
  ['AU$', ['AUD']],
  ['NZ$', ['NZD']],
  ['HK$', ['HKD']],
  ['MX$', ['MXN']],
  ['NT$', ['TWD']],
  ['R$', ['BRL']],
  ['C$', ['CAD']],
  ['A$', ['AUD']],
  ['S$', ['SGD']],
  ['kr.', ['DKK', 'SEK', 'NOK', 'ISK']],
  ['kr', ['SEK', 'NOK', 'DKK', 'ISK']],
  ['zł', ['PLN']],
  ['Kč', ['CZK']],
  ['Fr.', ['CHF']],
  ['$', DOLLAR_CODES],
  ['€', ['EUR']],
  ['£', ['GBP']],
  ['¥', ['JPY', 'CNY']],
  ['￥', ['JPY', 'CNY']],
  ['₹', ['INR']],
  ['₩', ['KRW']],
  ['₽', ['RUB']],
  ['₺', ['TRY']],
  ['₪', ['ILS']],
  ['₫', ['VND']],
  ['฿', ['THB']],
  ['₱', ['PHP']],
  ['₴', ['UAH']],
  ['₦', ['NGN']],
  ['₡', ['CRC']],
  ['₵', ['GHS']],
  ['₸', ['KZT']],
  ['₼', ['AZN']],
  ['₾', ['GEL']],
];

let knownCodes: Set<string> | undefined;

/** ISO 4217 codes `Intl` knows. */
function currencyCodes(): Set<string> {
  if (!knownCodes) {
    try {
      knownCodes = new Set(Intl.supportedValuesOf('currency'));
    } catch {
      knownCodes = new Set(['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'CAD', 'AUD']);
    }
  }
  return knownCodes;
}

const fractionDigitCache = new Map<string, number>();

/** Digits after the decimal mark in a currency's minor unit: 2 for USD, 0 for JPY, 3 for BHD. */
export function currencyFractionDigits(code: string): number {
  const known = fractionDigitCache.get(code);
  if (known !== undefined) return known;
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    digits = 2;
  }
  fractionDigitCache.set(code, digits);
  return digits;
}

/** Options of the `currency` transformer. */
export const currencyTransformerOptionsSchema = z.strictObject({
  /**
   * Locale whose decimal and thousands separators the text uses. Overrides `context.locale`.
   * Without either, separators are inferred: the last of `.`/`,` is the decimal mark, and an
   * ambiguous `1,234` is read as en-US (1234).
   * @default context.locale, else inferred
   * @example { locale: 'de-DE' }
   */
  locale: z
    .string()
    .refine((locale) => normalizeLocale(locale) !== undefined, { message: 'is not a BCP 47 locale; use a tag such as "en-US" or "fr-FR"' })
    .optional(),
  /**
   * `'major'` keeps the amount as written (12.5 dollars); `'minor'` gives an integer count of
   * the currency's minor unit (1250 cents), rounded half away from zero.
   * @default 'major'
   * @example { unit: 'minor' }
   */
  unit: z.enum(['major', 'minor']).optional(),
  /**
   * Unit of numeric input: `'minor'` when the source sends integer cents, as Close does for
   * opportunity values (`value: 25000` is $250). Text amounts are always read as written.
   * @default 'major'
   * @example { inputUnit: 'minor', unit: 'minor' }
   */
  inputUnit: z.enum(['major', 'minor']).optional(),
  /**
   * The ISO 4217 code the column must be in. A value marked with another currency (`£5` when
   * `'USD'` is expected) is an error; unmarked values are taken to be in it. It also decides the
   * minor unit's digits.
   * @default undefined: any currency is accepted
   * @example { currency: 'EUR' }
   */
  currency: z
    .string()
    .transform((code) => code.toUpperCase())
    .refine((code) => currencyCodes().has(code), { message: 'is not an ISO 4217 currency code; use one such as "USD" or "EUR"' })
    .optional(),
});

/** Options of the `currency` transformer; see {@link currencyTransformerOptionsSchema}. */
export type CurrencyTransformerOptions = z.infer<typeof currencyTransformerOptionsSchema>;

interface Marker {
  text: string;
  codes: ReadonlyArray<string>;
}

function markerAtStart(text: string): Marker | undefined {
  const symbol = SYMBOLS.find(([mark]) => text.startsWith(mark));
  if (symbol) return { text: symbol[0], codes: symbol[1] };
  const code = /^[a-z]{3}(?![a-z])/i.exec(text)?.[0];
  if (code && currencyCodes().has(code.toUpperCase())) return { text: code, codes: [code.toUpperCase()] };
  return undefined;
}

function markerAtEnd(text: string): Marker | undefined {
  const symbol = SYMBOLS.find(([mark]) => text.endsWith(mark));
  if (symbol) return { text: symbol[0], codes: symbol[1] };
  const code = /(?<![a-z])[a-z]{3}$/i.exec(text)?.[0];
  if (code && currencyCodes().has(code.toUpperCase())) return { text: code, codes: [code.toUpperCase()] };
  return undefined;
}

type Split = { ok: true; body: string; negative: boolean; marker: Marker | undefined } | { ok: false; reason: string };

/** Peels signs, parentheses and one currency marker off both ends of the text. */
function splitMarkers(input: string): Split {
  let text = input.trim();
  let negative = false;
  let signs = 0;
  let marker: Marker | undefined;
  let markerSide: 'start' | 'end' | undefined;
  for (let step = 0; step < 8; step += 1) {
    text = text.trim();
    if (text.startsWith('(') && text.endsWith(')')) {
      negative = !negative;
      signs += 1;
      text = text.slice(1, -1);
      continue;
    }
    const leadingSign = /^[-+\u2212]/.exec(text)?.[0];
    const trailingSign = leadingSign ? undefined : /[-+\u2212]$/.exec(text)?.[0];
    const sign = leadingSign ?? trailingSign;
    if (sign) {
      if (sign !== '+') negative = !negative;
      signs += 1;
      text = leadingSign ? text.slice(1) : text.slice(0, -1);
      continue;
    }
    const atStart = markerAtStart(text);
    const found = atStart ?? markerAtEnd(text);
    if (found) {
      const side = atStart ? 'start' : 'end';
      if (marker && side === markerSide) return { ok: false, reason: `it names a currency twice in a row (${marker.text} ${found.text})` };
      markerSide = side;
      if (marker) {
        // "$1,234.56 USD" names one currency twice; "$5 EUR" names two.
        const shared = marker.codes.filter((code) => found.codes.includes(code));
        if (shared.length === 0) return { ok: false, reason: `it names two currencies (${marker.text} and ${found.text})` };
        marker = { text: `${marker.text} ${found.text}`, codes: shared };
      } else {
        marker = found;
      }
      text = atStart ? text.slice(found.text.length) : text.slice(0, -found.text.length);
      continue;
    }
    break;
  }
  if (signs > 1) return { ok: false, reason: 'it has more than one sign' };
  return { ok: true, body: text, negative, marker };
}

function toResult(decimal: DecimalText, value: unknown, options: CurrencyTransformerOptions, code: string | undefined): TransformResult {
  if (options.unit !== 'minor') {
    const number = decimalToNumber(decimal);
    if (!Number.isFinite(number)) return failure('currency', `${describeValue(value)} is too large an amount.`, 'Check the value.');
    return { ok: true, value: number };
  }
  const minor = roundDecimalToInteger(shiftDecimal(decimal, currencyFractionDigits(code ?? 'USD')));
  if (minor === undefined) return failure('currency', `${describeValue(value)} is too large to count in minor units exactly.`, "Use unit: 'major' for amounts this large.");
  return { ok: true, value: minor };
}

function transformCurrency(value: unknown, context: TransformContext<CurrencyTransformerOptions>): TransformResult {
  const options = context.options;
  if (typeof value === 'number' || typeof value === 'bigint') {
    const number = Number(value);
    if (!Number.isFinite(number)) return failure('currency', `${describeValue(value)} is not an amount.`, 'Send a finite number or amount text such as "$1,234.56".');
    const decimal = numberToDecimal(number);
    const major = options.inputUnit === 'minor' ? shiftDecimal(decimal, -currencyFractionDigits(options.currency ?? 'USD')) : decimal;
    return toResult(major, value, options, options.currency);
  }
  if (typeof value !== 'string') return failure('currency', `${describeValue(value)} is not an amount.`, 'Send a number or amount text such as "$1,234.56".');
  // No amount is this long; the cap keeps parsing linear-time on junk cells.
  if (value.length > MAX_TEXT_LENGTH) return failure('currency', `${describeValue(value)} is too long to be an amount.`, 'Check that the column holds amounts.');
  const split = splitMarkers(value);
  if (!split.ok) return failure('currency', `Cannot read ${describeValue(value)} as an amount: ${split.reason}.`, 'Send amounts such as "$1,234.56", "1.234,56 €" or "(1,234.56)".');
  const { marker } = split;
  if (marker && options.currency && !marker.codes.includes(options.currency)) {
    return failure(
      'currency',
      `${describeValue(value)} is in ${marker.codes.join('/')}, but the column expects ${options.currency}.`,
      'Convert the amount in the source, or change transformOptions.currency.',
    );
  }
  const locale = normalizeLocale(options.locale) ?? normalizeLocale(context.locale);
  const parsed = parseDecimalText(split.body, separatorsForLocale(locale));
  if (!parsed.ok) {
    return failure(
      'currency',
      `Cannot read ${describeValue(value)} as an amount: ${parsed.reason}.`,
      locale ? `Write it with ${locale} separators, or set transformOptions.locale to the locale the source uses.` : 'Send amounts such as "$1,234.56", "1.234,56 €" or "(1,234.56)".',
    );
  }
  const decimal = split.negative ? negateDecimal(parsed.decimal) : parsed.decimal;
  return toResult(decimal, value, options, options.currency ?? marker?.codes[0]);
}

/**
 * `currency`: amount text or numbers to a number: `"$1,234.56"` -> 1234.56, `"1.234,56 €"`
 * -> 1234.56, `"(1,234.56)"` -> -1234.56, `"USD 10"` -> 10; with `unit: 'minor'`, integer cents
 * (`19.99` -> 1999, exactly). Numbers are amounts in major units and pass through.
 *
 * @example transform: 'currency', transformOptions: { locale: 'de-DE', unit: 'minor', currency: 'EUR' }
 */
export const currencyTransformer = defineTransformer<CurrencyTransformerOptions>({
  name: 'currency',
  optionsSchema: currencyTransformerOptionsSchema,
  transform: transformCurrency,
});
