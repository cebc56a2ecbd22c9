import { describeError, formatMessage } from '../errors.js';
import type { OptionsParser, TransformContext, TransformResult, Transformer } from '../transformer.js';
import { isEmptyValue } from '../values.js';

/** What {@link defineTransformer} needs. */
export interface TransformerDefinition<Options> {
  /** Name used in column mappings' `transform`, e.g. `'currency'`. */
  name: string;
  /** Validates `transformOptions`; a zod schema fits. Without it options pass as given. */
  optionsSchema?: OptionsParser<Options>;
  /** Called only for non-empty values, with options already validated. */
  transform(value: unknown, context: TransformContext<Options>): TransformResult;
  /**
   * What an empty value (null, undefined, blank text) becomes.
   * @default `{ ok: true, value: null }`: required-ness is the engine's job.
   */
  transformEmpty?(context: TransformContext<Options>): TransformResult;
  /**
   * Changes whenever the transformer's output changes for the same input. Row fingerprints
   * include it, so a new version makes the next run decide every row of the tabs that use it.
   * @default the source text of `transform` and `transformEmpty`
   */
  version?: string;
}

const EMPTY_OPTIONS = Object.freeze({});

type ParsedOptions<Options> = { ok: true; options: Options } | { ok: false; error: string };

/**
 * Builds a transformer with the behaviour every built-in shares: empty input gives `null`,
 * options are validated (once per options object, cached), and nothing ever throws: an
 * unexpected exception becomes `{ ok: false, error }`.
 *
 * @example
 * const upper = defineTransformer({ name: 'upper', transform: (value) => ({ ok: true, value: String(value).toUpperCase() }) });
 */
export function defineTransformer<Options>(definition: TransformerDefinition<Options>): Transformer<Options> {
  const { name, optionsSchema } = definition;
  const cache = new WeakMap<object, ParsedOptions<Options>>();
  // The engine passes one context object per column for a whole batch: resolve it once.
  const resolvedContexts = new WeakMap<object, TransformContext<Options>>();

  function parseOptions(raw: unknown): ParsedOptions<Options> {
    const input = raw === undefined || raw === null ? EMPTY_OPTIONS : raw;
    if (!optionsSchema) return { ok: true, options: input as Options };
    const cacheable = typeof input === 'object' && input !== null;
    const cached = cacheable ? cache.get(input) : undefined;
    if (cached) return cached;
    const result = optionsSchema.safeParse(input);
    const parsed: ParsedOptions<Options> = result.success
      ? { ok: true, options: result.data }
      : {
          ok: false,
          error: formatMessage(
            name,
            `Invalid transformOptions: ${result.error.issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; ')}.`,
            `Fix the column mapping's transformOptions for the '${name}' transformer.`,
          ),
        };
    if (cacheable) cache.set(input, parsed);
    return parsed;
  }

  return {
    name,
    version: definition.version ?? `${String(definition.transform)}\n${String(definition.transformEmpty ?? '')}`,
    ...(optionsSchema && { optionsSchema }),
    transform(value: unknown, context: TransformContext<Options>): TransformResult {
      try {
        const parsed = parseOptions(context?.options);
        if (!parsed.ok) return { ok: false, error: parsed.error, severity: 'error' };
        let resolved: TransformContext<Options> | undefined = context ? resolvedContexts.get(context) : undefined;
        if (!resolved || resolved.options !== parsed.options) {
          resolved = context?.options === parsed.options ? context : { ...(context ?? { column: '', field: '' }), options: parsed.options };
          if (context) resolvedContexts.set(context, resolved);
        }
        if (isEmptyValue(value)) return definition.transformEmpty ? definition.transformEmpty(resolved) : { ok: true, value: null };
        return definition.transform(value, resolved);
      } catch (error) {
        return {
          ok: false,
          error: formatMessage(name, `Unexpected failure: ${describeError(error).message}`, 'This is a bug in the transformer; please report it with the value.'),
        };
      }
    },
  };
}

/** A failed result with a message built by `formatMessage`, scoped to the transformer. */
export function failure(scope: string, problem: string, fix: string, severity?: 'error' | 'warning'): TransformResult {
  return severity ? { ok: false, error: formatMessage(scope, problem, fix), severity } : { ok: false, error: formatMessage(scope, problem, fix) };
}
