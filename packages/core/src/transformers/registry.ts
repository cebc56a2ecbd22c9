import { ConfigurationError, describeError, formatMessage } from '../errors.js';
import type { TransformContext, TransformResult, Transformer } from '../transformer.js';
import { booleanTransformer } from './boolean-transformer.js';
import { currencyTransformer } from './currency-transformer.js';
import { dateTransformer } from './date-transformer.js';
import { describeValue } from './describe-value.js';
import { emailTransformer } from './email-transformer.js';
import { enumTransformer, valueMapTransformer } from './enum-transformer.js';
import { listTransformer } from './list-transformer.js';
import { numberTransformer } from './number-transformer.js';
import { stringTransformer } from './string-transformer.js';

/** A transformer of any options type, as registries hold them. */
// `any`: each transformer validates its own options at run time with its schema.
export type AnyTransformer = Transformer<any>;

/**
 * The transformers every engine knows: `date`, `currency`, `boolean`, `number`, `string`,
 * `email`, `enum` (also `valueMap`) and `list`.
 */
export const builtInTransformers: ReadonlyArray<AnyTransformer> = Object.freeze([
  dateTransformer,
  currencyTransformer,
  booleanTransformer,
  numberTransformer,
  stringTransformer,
  emailTransformer,
  enumTransformer,
  valueMapTransformer,
  listTransformer,
]);

/** Looks transformers up by the name column mappings use in `transform`. */
export interface TransformerRegistry {
  /** The transformer registered under `name`, or `undefined`. */
  get(name: string): AnyTransformer | undefined;
  has(name: string): boolean;
  /** Every registered name, sorted. */
  names(): string[];
  /** The transformer registered under `name`; throws a `ConfigurationError` (`TRANSFORMER_NOT_FOUND`) listing the names there are. */
  resolve(name: string): AnyTransformer;
}

function isTransformer(candidate: unknown): candidate is AnyTransformer {
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof (candidate as { name?: unknown }).name === 'string' &&
    (candidate as { name: string }).name.trim() !== '' &&
    typeof (candidate as { transform?: unknown }).transform === 'function'
  );
}

/**
 * A registry of the built-in transformers plus the host's own. A host transformer with a
 * built-in's name replaces the built-in; among the extras, the last one with a name wins.
 *
 * @example
 * const registry = createTransformerRegistry([{ name: 'sku', transform: (value) => ({ ok: true, value: String(value).toUpperCase() }) }]);
 * registry.resolve('sku');
 */
export function createTransformerRegistry(extra: ReadonlyArray<AnyTransformer> = []): TransformerRegistry {
  const byName = new Map<string, AnyTransformer>();
  for (const transformer of builtInTransformers) byName.set(transformer.name, transformer);
  const issues: Array<{ path: string; message: string }> = [];
  extra.forEach((transformer, index) => {
    if (isTransformer(transformer)) byName.set(transformer.name, transformer);
    else issues.push({ path: `transformers[${index}]`, message: 'is not a transformer: it needs a non-empty string name and a transform(value, context) function' });
  });
  if (issues.length > 0) {
    throw new ConfigurationError(
      formatMessage('transformers', `Invalid transformers: ${issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}.`, 'Pass objects of the shape { name, transform(value, context) }.'),
      { issues },
    );
  }
  const names = (): string[] => [...byName.keys()].sort();
  return {
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
    names,
    resolve(name) {
      const transformer = byName.get(name);
      if (transformer) return transformer;
      throw new ConfigurationError(
        formatMessage('transformers', `No transformer named ${JSON.stringify(name)}.`, `Use one of ${names().join(', ')}, or register yours with createSyncEngine({ transformers: [...] }).`),
        { code: 'TRANSFORMER_NOT_FOUND', details: { name, available: names() } },
      );
    },
  };
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = 'transformOptions';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

/**
 * Validates a column's `transformOptions` with the transformer's `optionsSchema` and returns
 * the parsed options (the options unchanged when there is no schema). Throws a
 * `ConfigurationError` listing every bad option path; `where` names the column for the message.
 *
 * @example parseTransformOptions(dateTransformer, { format: 'DD.MM.YYYY' }, "column 'Start' of tab 'Partners'")
 */
export function parseTransformOptions<Options>(transformer: Transformer<Options>, options: unknown, where: string): Options {
  const input = options === undefined || options === null ? {} : options;
  if (!transformer.optionsSchema) return input as Options;
  let result: ReturnType<NonNullable<Transformer<Options>['optionsSchema']>['safeParse']>;
  try {
    result = transformer.optionsSchema.safeParse(input);
  } catch (error) {
    const message = `the options schema threw: ${describeError(error).message}`;
    throw new ConfigurationError(formatMessage('transformers', `Cannot check transformOptions for '${transformer.name}' in ${where}: ${message}.`, 'Fix the transformer\'s optionsSchema.'), {
      cause: error,
      issues: [{ path: 'transformOptions', message }],
    });
  }
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  throw new ConfigurationError(
    formatMessage(
      'transformers',
      `Invalid transformOptions for '${transformer.name}' in ${where}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}.`,
      `Fix ${issues.length === 1 ? 'this option' : 'these options'} in the column mapping; see the '${transformer.name}' transformer's options.`,
    ),
    { issues, details: { transformer: transformer.name, where } },
  );
}

function isFieldValueSafe(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  return true;
}

/**
 * Runs a transformer on one value and never lets anything escape: a throw, a malformed result,
 * an empty error text, `NaN`/`Infinity` or an invalid `Date` become `{ ok: false, error }`;
 * an `undefined` value becomes `null`.
 */
export function runTransformer<Options>(transformer: Transformer<Options>, value: unknown, context: TransformContext<Options>): TransformResult {
  let result: TransformResult;
  try {
    result = transformer.transform(value, context);
    // The common case, checked first: building the messages below costs more than the transform.
    if (result !== null && typeof result === 'object' && result.ok === true && result.value !== undefined && isFieldValueSafe(result.value)) return result;
  } catch (error) {
    const name = typeof transformer?.name === 'string' ? transformer.name : 'transformer';
    const column = context?.column ? ` in column ${JSON.stringify(context.column)}` : '';
    return {
      ok: false,
      error: formatMessage(name, `The transformer threw on ${describeValue(value)}${column}: ${describeError(error).message}`, 'Fix the transformer so it returns { ok: false, error } for bad input instead of throwing.'),
      severity: 'error',
    };
  }
  const name = typeof transformer?.name === 'string' ? transformer.name : 'transformer';
  const column = context?.column ? ` in column ${JSON.stringify(context.column)}` : '';
  const malformed = (problem: string): TransformResult => ({
    ok: false,
    error: formatMessage(name, `The transformer ${problem} for ${describeValue(value)}${column}.`, 'Return { ok: true, value } or { ok: false, error: "why" } from transform().'),
    severity: 'error',
  });
  if (typeof result !== 'object' || result === null) return malformed('returned no result object');
  if (result.ok === true) {
    if (result.value === undefined) return { ok: true, value: null };
    if (!isFieldValueSafe(result.value)) return malformed(`returned ${describeValue(result.value)}, which no store can keep`);
    return result;
  }
  if (result.ok === false) {
    if (typeof result.error !== 'string' || result.error.trim() === '') return malformed('failed without an error message');
    if (result.severity !== undefined && result.severity !== 'error' && result.severity !== 'warning') return malformed(`returned the unknown severity ${describeValue(result.severity)}`);
    return result;
  }
  return malformed('returned a result without ok: true or ok: false');
}
