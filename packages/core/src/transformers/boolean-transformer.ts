import { z } from 'zod';
import type { TransformContext, TransformResult } from '../transformer.js';
import { defineTransformer, failure } from './define-transformer.js';
import { describeList, describeValue } from './describe-value.js';

/** Words read as `true` by default (compared trimmed and case-insensitively). */
export const DEFAULT_TRUE_VALUES: ReadonlyArray<string> = ['yes', 'y', 'true', 't', '1', 'x', 'on', 'checked', '✓', '✔', '☑', '✅'];
/** Words read as `false` by default (compared trimmed and case-insensitively). */
export const DEFAULT_FALSE_VALUES: ReadonlyArray<string> = ['no', 'n', 'false', 'f', '0', 'off', 'unchecked', '✗', '✘', '☐', '❌'];

const wordList = z.array(z.string().refine((word) => word.trim() !== '', { message: 'is empty; empty cells are already null' }));

/** Options of the `boolean` transformer. */
export const booleanTransformerOptionsSchema = z.strictObject({
  /**
   * More words read as `true`. They EXTEND the defaults (yes, y, true, t, 1, x, on, checked, ✓ ✔ ☑ ✅);
   * a word listed here also stops being a default false word.
   * @default []
   * @example { trueValues: ['ja', 'active'] }
   */
  trueValues: wordList.optional(),
  /**
   * More words read as `false`. They EXTEND the defaults (no, n, false, f, 0, off, unchecked, ✗ ✘ ☐ ❌);
   * a word listed here also stops being a default true word.
   * @default []
   * @example { falseValues: ['nein', 'inactive'] }
   */
  falseValues: wordList.optional(),
  /**
   * Use only `trueValues` and `falseValues`, dropping the default words.
   * @default false
   * @example { trueValues: ['active'], falseValues: ['churned'], replaceDefaults: true }
   */
  replaceDefaults: z.boolean().optional(),
  /**
   * What an empty cell means. `null` leaves it to the engine (required fields fail there);
   * `false` suits checkbox-style columns where people only mark the true rows with an `x`.
   * @default null
   * @example { empty: false }
   */
  empty: z.union([z.null(), z.literal(false)]).optional(),
});

/** Options of the `boolean` transformer; see {@link booleanTransformerOptionsSchema}. */
export type BooleanTransformerOptions = z.infer<typeof booleanTransformerOptionsSchema>;

function normalizeWord(word: string): string {
  return word.trim().replace(/\uFE0F/g, '').toLowerCase();
}

interface Vocabulary {
  words: Map<string, boolean>;
  accepted: string[];
}

const vocabularies = new WeakMap<BooleanTransformerOptions, Vocabulary>();

function vocabularyFor(options: BooleanTransformerOptions): Vocabulary {
  const known = vocabularies.get(options);
  if (known) return known;
  const words = new Map<string, boolean>();
  if (!options.replaceDefaults) {
    for (const word of DEFAULT_TRUE_VALUES) words.set(normalizeWord(word), true);
    for (const word of DEFAULT_FALSE_VALUES) words.set(normalizeWord(word), false);
  }
  for (const word of options.trueValues ?? []) words.set(normalizeWord(word), true);
  for (const word of options.falseValues ?? []) words.set(normalizeWord(word), false);
  const accepted = [...words].sort(([, a], [, b]) => Number(b) - Number(a)).map(([word]) => word);
  const vocabulary = { words, accepted };
  vocabularies.set(options, vocabulary);
  return vocabulary;
}

function transformBoolean(value: unknown, context: TransformContext<BooleanTransformerOptions>): TransformResult {
  if (typeof value === 'boolean') return { ok: true, value };
  const { words, accepted } = vocabularyFor(context.options);
  let key: string | undefined;
  if (typeof value === 'string') key = normalizeWord(value);
  else if (typeof value === 'number' || typeof value === 'bigint') key = String(value);
  const found = key === undefined ? undefined : words.get(key);
  if (found !== undefined) return { ok: true, value: found };
  const trueWords = accepted.filter((word) => words.get(word) === true);
  const falseWords = accepted.filter((word) => words.get(word) === false);
  return failure(
    'boolean',
    `Cannot read ${describeValue(value)} as yes/no.`,
    `Use one of ${describeList(trueWords)} for true or ${describeList(falseWords)} for false, or add it with transformOptions.trueValues / falseValues.`,
  );
}

/**
 * `boolean`: yes/no words, `1`/`0`, checkmarks and JSON booleans to `true`/`false`.
 *
 * @example transform: 'boolean', transformOptions: { trueValues: ['ja'], falseValues: ['nein'] }
 */
export const booleanTransformer = defineTransformer<BooleanTransformerOptions>({
  name: 'boolean',
  optionsSchema: booleanTransformerOptionsSchema,
  transform: transformBoolean,
  transformEmpty: (context) => ({ ok: true, value: context.options.empty === false ? false : null }),
});
