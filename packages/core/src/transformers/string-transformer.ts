import { z } from 'zod';
import type { TransformContext, TransformResult } from '../transformer.js';
import { defineTransformer, failure } from './define-transformer.js';
import { describeValue } from './describe-value.js';

/** Options of the `string` transformer. */
export const stringTransformerOptionsSchema = z.strictObject({
  /**
   * Remove leading and trailing whitespace.
   * @default true
   * @example { trim: false }
   */
  trim: z.boolean().optional(),
  /**
   * Change the letter case. `'title'` capitalises the first letter of each word and
   * lower-cases the rest (`"ACME corp"` -> `"Acme Corp"`).
   * @default undefined: keep the case
   * @example { case: 'lower' }
   */
  case: z.enum(['lower', 'upper', 'title']).optional(),
  /**
   * Replace every run of whitespace (including line breaks and non-breaking spaces) with one space.
   * @default false
   * @example { collapseWhitespace: true }
   */
  collapseWhitespace: z.boolean().optional(),
  /**
   * Longest valid text, in characters (Unicode code points), after trimming and collapsing.
   * @default undefined: no limit
   * @example { maxLength: 255 }
   */
  maxLength: z.number().int().positive().optional(),
  /**
   * What happens to longer text: `'warning'` reports it and leaves the field out of the
   * change (the row goes on); `'error'` rejects the row; `'truncate'` cuts the text to
   * `maxLength` silently. The transformer contract has no "value plus warning" result, so a
   * warning never comes with a truncated value.
   * @default 'warning'
   * @example { maxLength: 80, onTooLong: 'truncate' }
   */
  onTooLong: z.enum(['warning', 'error', 'truncate']).optional(),
});

/** Options of the `string` transformer; see {@link stringTransformerOptionsSchema}. */
export type StringTransformerOptions = z.infer<typeof stringTransformerOptionsSchema>;

function titleCase(text: string): string {
  return text.toLowerCase().replace(/(^|[\s\-/(["])(\p{L})/gu, (_match, before: string, letter: string) => before + letter.toUpperCase());
}

/** Text of a scalar value, or undefined for values that have no sensible text. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return undefined;
}

function transformString(value: unknown, context: TransformContext<StringTransformerOptions>): TransformResult {
  const options = context.options;
  const raw = scalarText(value);
  if (raw === undefined) return failure('string', `${describeValue(value)} is not text.`, 'Send text, a number or a boolean; use a JSON column without a transform for objects.');
  let text = options.trim === false ? raw : raw.trim();
  if (options.collapseWhitespace) text = text.replace(/[\s\u00a0\u2007\u202f]+/g, ' ');
  if (options.case === 'lower') text = text.toLowerCase();
  else if (options.case === 'upper') text = text.toUpperCase();
  else if (options.case === 'title') text = titleCase(text);
  if (text.trim() === '') return { ok: true, value: null };
  if (options.maxLength !== undefined) {
    const characters = Array.from(text);
    if (characters.length > options.maxLength) {
      if (options.onTooLong === 'truncate') return { ok: true, value: characters.slice(0, options.maxLength).join('') };
      return failure(
        'string',
        `${describeValue(value)} has ${characters.length} characters, more than maxLength ${options.maxLength}.`,
        "Shorten it in the source, raise transformOptions.maxLength, or set onTooLong: 'truncate'.",
        options.onTooLong === 'error' ? 'error' : 'warning',
      );
    }
  }
  return { ok: true, value: text };
}

/**
 * `string`: text, trimmed by default, with optional case change, whitespace collapsing and a
 * length limit. Numbers, booleans and Dates become their text (`12` -> `"12"`, Dates as ISO).
 *
 * @example transform: 'string', transformOptions: { case: 'title', collapseWhitespace: true, maxLength: 120 }
 */
export const stringTransformer = defineTransformer<StringTransformerOptions>({
  name: 'string',
  optionsSchema: stringTransformerOptionsSchema,
  transform: transformString,
});
