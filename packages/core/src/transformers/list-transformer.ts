import { z } from 'zod';
import type { TransformContext, TransformResult } from '../transformer.js';
import { defineTransformer, failure } from './define-transformer.js';
import { describeValue } from './describe-value.js';
import { scalarText } from './string-transformer.js';

/** Options of the `list` transformer. */
export const listTransformerOptionsSchema = z.strictObject({
  /**
   * Text between items; several separators may be given, e.g. `[',', ';', '\n']`.
   * @default ','
   * @example { separator: ';' }
   */
  separator: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /**
   * Drop repeated items (after trimming), keeping the first.
   * @default false
   * @example { unique: true }
   */
  unique: z.boolean().optional(),
});

/** Options of the `list` transformer; see {@link listTransformerOptionsSchema}. */
export type ListTransformerOptions = z.infer<typeof listTransformerOptionsSchema>;

function splitText(text: string, separators: ReadonlyArray<string>): string[] {
  let pieces = [text];
  for (const separator of separators) pieces = pieces.flatMap((piece) => piece.split(separator));
  return pieces;
}

function transformList(value: unknown, context: TransformContext<ListTransformerOptions>): TransformResult {
  const options = context.options;
  const separators = options.separator === undefined ? [','] : Array.isArray(options.separator) ? options.separator : [options.separator];
  let items: string[];
  if (Array.isArray(value)) {
    items = [];
    for (const item of value) {
      if (item === null || item === undefined) continue;
      const text = scalarText(item);
      if (text === undefined) return failure('list', `The list holds ${describeValue(item)}, which is not text.`, 'Send a list of text, numbers or booleans.');
      items.push(text);
    }
  } else {
    const text = scalarText(value);
    if (text === undefined) return failure('list', `${describeValue(value)} is not a list.`, 'Send separated text such as "a, b, c" or an array.');
    items = typeof value === 'string' ? splitText(text, separators) : [text];
  }
  let cleaned = items.map((item) => item.trim()).filter((item) => item !== '');
  if (options.unique) cleaned = [...new Set(cleaned)];
  // No items at all is stored as null, like an empty cell, so "" and "," read the same.
  return { ok: true, value: cleaned.length === 0 ? null : cleaned };
}

/**
 * `list`: splits text on `separator` into trimmed, non-empty strings for `text[]` columns
 * (`"a, b,,c"` -> `['a', 'b', 'c']`). Arrays pass through as strings; no items gives `null`.
 *
 * @example transform: 'list', transformOptions: { separator: ';', unique: true }
 */
export const listTransformer = defineTransformer<ListTransformerOptions>({
  name: 'list',
  optionsSchema: listTransformerOptionsSchema,
  transform: transformList,
});
