import { z } from 'zod';
import type { TransformContext, TransformResult } from '../transformer.js';
import type { FieldValue } from '../values.js';
import { defineTransformer, failure } from './define-transformer.js';
import { describeList, describeValue } from './describe-value.js';
import { scalarText } from './string-transformer.js';

/** True for values a field can hold: JSON values, Dates, and arrays/objects of them. */
export function isFieldValue(value: unknown, depth = 0): value is FieldValue {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (value instanceof Date) return !Number.isNaN(value.getTime());
  if (Array.isArray(value)) return value.every((item) => isFieldValue(item, depth + 1));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every((item) => isFieldValue(item, depth + 1));
  }
  return false;
}

const fieldValueSchema = z.custom<FieldValue>((value) => isFieldValue(value), { message: 'is not a field value; use text, a number, a boolean, null, or arrays/objects of them' });

function keyOf(text: string, caseInsensitive: boolean): string {
  const trimmed = text.trim();
  return caseInsensitive ? trimmed.toLowerCase() : trimmed;
}

/** Options of the `enum` (`valueMap`) transformer. */
export const enumTransformerOptionsSchema = z
  .strictObject({
    /**
     * Source text -> field value.
     * @example { map: { 'Active': 'active', 'On hold': 'paused', 'Churned': 'churned' } }
     */
    map: z.record(z.string(), fieldValueSchema),
    /**
     * Match keys ignoring case. Keys and values are always compared trimmed.
     * @default true
     * @example { caseInsensitive: false }
     */
    caseInsensitive: z.boolean().optional(),
    /**
     * The value for text the map does not list (may be `null`).
     * @default undefined: unmapped text follows `strict`
     * @example { default: 'other' }
     */
    default: fieldValueSchema.optional(),
    /**
     * With no `default`, unmapped text is an error listing the allowed values (`true`), or
     * passes through trimmed and unchanged (`false`).
     * @default true
     * @example { strict: false }
     */
    strict: z.boolean().optional(),
  })
  .check((context) => {
    const seen = new Map<string, string>();
    for (const key of Object.keys(context.value.map)) {
      const normalized = keyOf(key, context.value.caseInsensitive !== false);
      const previous = seen.get(normalized);
      if (previous !== undefined && previous !== key) {
        context.issues.push({
          code: 'custom',
          message: `keys ${JSON.stringify(previous)} and ${JSON.stringify(key)} are the same when compared trimmed${context.value.caseInsensitive === false ? '' : ' and ignoring case'}; keep one`,
          path: ['map', key],
          input: context.value,
        });
      }
      seen.set(normalized, key);
    }
  });

/** Options of the `enum` transformer; see {@link enumTransformerOptionsSchema}. */
export type EnumTransformerOptions = z.infer<typeof enumTransformerOptionsSchema>;

const lookups = new WeakMap<EnumTransformerOptions, Map<string, FieldValue>>();

function lookupFor(options: EnumTransformerOptions): Map<string, FieldValue> {
  let lookup = lookups.get(options);
  if (!lookup) {
    const caseInsensitive = options.caseInsensitive !== false;
    lookup = new Map(Object.entries(options.map ?? {}).map(([key, mapped]) => [keyOf(key, caseInsensitive), mapped]));
    lookups.set(options, lookup);
  }
  return lookup;
}

function transformEnum(name: string, value: unknown, context: TransformContext<EnumTransformerOptions>): TransformResult {
  const options = context.options;
  const text = typeof value === 'object' && !(value instanceof Date) ? undefined : scalarText(value);
  if (text === undefined) return failure(name, `${describeValue(value)} cannot be looked up in the value map.`, 'Send text, a number or a boolean.');
  const lookup = lookupFor(options);
  const key = keyOf(text, options.caseInsensitive !== false);
  if (lookup.has(key)) return { ok: true, value: lookup.get(key) ?? null };
  if ('default' in options && options.default !== undefined) return { ok: true, value: options.default };
  if (options.strict === false) return { ok: true, value: text.trim() };
  return failure(
    name,
    `${describeValue(value)} is not one of the mapped values.`,
    `Use one of ${describeList(Object.keys(options.map ?? {}))}, or add it to transformOptions.map (or set a default).`,
  );
}

/**
 * `enum`: maps source text to field values through `map`, e.g. `"On hold"` -> `'paused'`.
 *
 * @example transform: 'enum', transformOptions: { map: { Yes: 'active', No: 'inactive' }, default: 'unknown' }
 */
export const enumTransformer = defineTransformer<EnumTransformerOptions>({
  name: 'enum',
  optionsSchema: enumTransformerOptionsSchema,
  transform: (value, context) => transformEnum('enum', value, context),
});

/** `valueMap`: the `enum` transformer under the name the original design used. */
export const valueMapTransformer = defineTransformer<EnumTransformerOptions>({
  name: 'valueMap',
  optionsSchema: enumTransformerOptionsSchema,
  transform: (value, context) => transformEnum('valueMap', value, context),
});
