import { z } from 'zod';
import { IDENTIFIER_PATTERN, stableUuid } from './ids.js';

const identifier = (what: string) =>
  z
    .string()
    .regex(IDENTIFIER_PATTERN, `must be a plain ${what} name: a letter or underscore, then letters, digits or underscores, at most 63 characters`);

const id = z
  .string()
  .min(1, 'must be a non-empty id')
  .max(200)
  .transform((value) => stableUuid(value));

/** Who decides a field's value. See docs/concepts.md. */
export const authoritySchema = z.enum(['source_of_truth', 'reference', 'derived']);
export type Authority = z.infer<typeof authoritySchema>;

/** What the engine does when a source reports a record as deleted. */
export const deletePolicySchema = z.enum(['ignore', 'mark', 'delete']);
export type DeletePolicy = z.infer<typeof deletePolicySchema>;

/** An external source: one spreadsheet, one Close organisation, one API, one CSV file. */
export const dataSourceSchema = z.object({
  /** Id (UUID, or a slug mapped to a stable UUID). */
  id,
  /** Readable name, used in lineage references ("Master Sheet > Partners > B (Brand Name)"). */
  name: z.string().min(1),
  /** Kind of source; selects the strategy: `google_sheet`, `close`, `api`, `csv`, or your own. */
  type: z.string().min(1),
  /** Strategy-specific settings (spreadsheet id, file path, ...). Never put secrets here. */
  connectorConfig: z.record(z.string(), z.unknown()).default({}),
});
export type DataSourceConfig = z.output<typeof dataSourceSchema>;

/** One tab (sheet tab, CRM object, API collection) mapped onto one entity table. */
export const tabMappingSchema = z.object({
  id,
  dataSourceId: id,
  /** Tab name in the source: the sheet tab title, the Close object (`lead`), the CSV file name. */
  tabName: z.string().min(1),
  /** Entity table the rows go to, e.g. `partners`. */
  primaryEntity: identifier('table'),
  /** Only `active` tabs run in `syncDataSource`. */
  status: z.enum(['active', 'paused', 'archived']).default('active'),
  /** 1-based row that holds the headers, for tabular sources. */
  headerRow: z.number().int().min(1).default(1),
  /** `full` reads everything and diffs (catches edits); `incremental` reads only what is new since the stored cursor. */
  mode: z.enum(['full', 'incremental']).default('full'),
  /** What a reported deletion does: nothing, set `deleteMarkerField` to the time, or delete the entity. */
  deletePolicy: deletePolicySchema.default('ignore'),
  /** Field set to the deletion time when `deletePolicy` is `mark`. */
  deleteMarkerField: identifier('column').optional(),
  /** Strategy-specific tab options. */
  options: z.record(z.string(), z.unknown()).default({}),
});
export type TabMappingConfig = z.output<typeof tabMappingSchema>;

/** One source column onto one entity field. */
export const columnMappingSchema = z.object({
  tabMappingId: id,
  /** Header name, column letter (`B`), or a strategy path such as `contacts[0].emails[0].email`. */
  sourceColumn: z.string().min(1),
  /** Entity field, or null for a column that is read but not stored. */
  targetField: identifier('column').nullable(),
  /** The column that identifies the entity. Exactly one per tab. */
  isKey: z.boolean().default(false),
  authority: authoritySchema.default('source_of_truth'),
  /** Name of a registered transformer (`date`, `currency`, `boolean`, ...). */
  transform: z.string().min(1).optional(),
  /** Options for the transformer, validated by the transformer itself. */
  transformOptions: z.record(z.string(), z.unknown()).default({}),
  /** Higher wins when several sources map to the same field. */
  sourcePriority: z.number().int().default(0),
  /** A row whose value here is empty is a row-level error. */
  required: z.boolean().default(false),
});
export type ColumnMappingConfig = z.output<typeof columnMappingSchema>;

/**
 * Field-level rules shared by every source that maps onto the field (the seed's `computed_fields`).
 * `sourcePriority` maps data source ids to priorities and overrides the column mappings' own.
 */
export const computedFieldSchema = z.object({
  entityType: identifier('table'),
  fieldName: identifier('column'),
  sourcePriority: z
    .record(z.string(), z.number().int())
    .default({})
    .transform((priorities) => Object.fromEntries(Object.entries(priorities).map(([source, priority]) => [stableUuid(source), priority]))),
});
export type ComputedFieldConfig = z.output<typeof computedFieldSchema>;

/** The whole configuration the engine runs on: what comes from `defineMapping` or from the host's tables. */
export const mappingConfigSchema = z.object({
  dataSources: z.array(dataSourceSchema),
  tabMappings: z.array(tabMappingSchema),
  columnMappings: z.array(columnMappingSchema),
  computedFields: z.array(computedFieldSchema).default([]),
});
export type MappingConfig = z.output<typeof mappingConfigSchema>;
export type MappingConfigInput = z.input<typeof mappingConfigSchema>;
