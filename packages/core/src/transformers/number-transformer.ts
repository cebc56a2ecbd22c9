import { z } from 'zod';
import type { TransformContext, TransformResult } from '../transformer.js';
import { defineTransformer, failure } from './define-transformer.js';
import { describeValue } from './describe-value.js';
import { decimalToNumber, negateDecimal, normalizeLocale, numberToDecimal, parseDecimalText, separatorsForLocale, shiftDecimal, type DecimalText } from './parse-decimal.js';

const MAX_TEXT_LENGTH = 400;

/** Options of the `number` transformer. */
export const numberTransformerOptionsSchema = z
  .strictObject({
    /**
     * Locale whose decimal and thousands separators the text uses. Overrides `context.locale`.
     * Without either, separators are inferred (an ambiguous `1,234` is read as en-US: 1234).
     * @default context.locale, else inferred
     * @example { locale: 'de-DE' } // "1.234,5" -> 1234.5
     */
    locale: z
      .string()
      .refine((locale) => normalizeLocale(locale) !== undefined, { message: 'is not a BCP 47 locale; use a tag such as "en-US" or "de-DE"' })
      .optional(),
    /**
     * Only whole numbers are valid; `2.5` is an error (never silently rounded).
     * @default false
     * @example { integer: true }
     */
    integer: z.boolean().optional(),
    /**
     * Smallest valid value (inclusive), checked after percent conversion.
     * @default undefined
     * @example { min: 0 }
     */
    min: z.number().finite().optional(),
    /**
     * Largest valid value (inclusive), checked after percent conversion.
     * @default undefined
     * @example { max: 100 }
     */
    max: z.number().finite().optional(),
    /**
     * The column holds percent points: values without a `%` are divided by 100 too
     * (`"12.5"` -> 0.125). Text ending in `%` is always divided by 100, with or without this.
     * Leave it off for Sheets `UNFORMATTED_VALUE`, which already sends `0.125` for 12.5%.
     * @default false
     * @example { percent: true }
     */
    percent: z.boolean().optional(),
  })
  .refine((options) => options.min === undefined || options.max === undefined || options.min <= options.max, {
    message: 'min is greater than max; swap them',
    path: ['min'],
  });

/** Options of the `number` transformer; see {@link numberTransformerOptionsSchema}. */
export type NumberTransformerOptions = z.infer<typeof numberTransformerOptionsSchema>;

type DecimalRead = { ok: true; decimal: DecimalText; percent: boolean } | { ok: false; reason: string };

function readNumberText(value: string, locale: string | undefined): DecimalRead {
  let text = value.trim();
  let negative = false;
  let percent = false;
  if (text.startsWith('(') && text.endsWith(')')) {
    negative = true;
    text = text.slice(1, -1).trim();
  }
  if (/%$/.test(text)) {
    percent = true;
    text = text.slice(0, -1).trim();
  }
  const sign = /^[-+\u2212]/.exec(text)?.[0];
  if (sign) {
    if (negative && sign !== '+') return { ok: false, reason: 'it has more than one sign' };
    negative = sign !== '+';
    text = text.slice(1).trim();
  }
  if (!percent && /%$/.test(text)) {
    percent = true;
    text = text.slice(0, -1).trim();
  }
  const parsed = parseDecimalText(text, separatorsForLocale(locale));
  if (!parsed.ok) return parsed;
  return { ok: true, decimal: negative ? negateDecimal(parsed.decimal) : parsed.decimal, percent };
}

function transformNumber(value: unknown, context: TransformContext<NumberTransformerOptions>): TransformResult {
  const options = context.options;
  let decimal: DecimalText;
  let percent = options.percent === true;
  if (typeof value === 'number' || typeof value === 'bigint') {
    const number = Number(value);
    if (!Number.isFinite(number)) return failure('number', `${describeValue(value)} is not a finite number.`, 'Send a finite number or number text.');
    decimal = numberToDecimal(number);
  } else if (typeof value === 'string') {
    // No number is this long; the cap keeps parsing linear-time on junk cells.
    if (value.length > MAX_TEXT_LENGTH) return failure('number', `${describeValue(value)} is too long to be a number.`, 'Check that the column holds numbers.');
    const locale = normalizeLocale(options.locale) ?? normalizeLocale(context.locale);
    const read = readNumberText(value, locale);
    if (!read.ok) {
      return failure(
        'number',
        `Cannot read ${describeValue(value)} as a number: ${read.reason}.`,
        locale ? `Write it with ${locale} separators, or set transformOptions.locale to the locale the source uses.` : 'Send numbers such as "1,234.5", "-3" or "12.5%", or set transformOptions.locale.',
      );
    }
    decimal = read.decimal;
    percent ||= read.percent;
  } else {
    return failure('number', `${describeValue(value)} is not a number.`, 'Send a number or number text.');
  }
  const number = decimalToNumber(percent ? shiftDecimal(decimal, -2) : decimal);
  if (!Number.isFinite(number)) return failure('number', `${describeValue(value)} is too large a number.`, 'Check the value.');
  if (options.integer && !Number.isInteger(number)) {
    return failure('number', `${describeValue(value)} is not a whole number.`, 'Send a whole number, or remove transformOptions.integer.');
  }
  if (options.min !== undefined && number < options.min) {
    return failure('number', `${describeValue(value)} is below the minimum ${options.min}.`, 'Fix the value in the source, or change transformOptions.min.');
  }
  if (options.max !== undefined && number > options.max) {
    return failure('number', `${describeValue(value)} is above the maximum ${options.max}.`, 'Fix the value in the source, or change transformOptions.max.');
  }
  return { ok: true, value: number };
}

/**
 * `number`: numbers and locale-aware number text (`"1,234.5"`, `"1.234,5"` with `de-DE`,
 * `"(12)"` -> -12, `"12.5%"` -> 0.125), with optional `integer`, `min` and `max` checks.
 *
 * @example transform: 'number', transformOptions: { locale: 'de-DE', min: 0 }
 */
export const numberTransformer = defineTransformer<NumberTransformerOptions>({
  name: 'number',
  optionsSchema: numberTransformerOptionsSchema,
  transform: transformNumber,
});
