import type { MappingConfig } from '../config/schema.js';
import { stableUuid } from '../config/ids.js';
import { ConfigurationError, formatMessage } from '../errors.js';
import { createSyncEngine } from '../engine/create-sync-engine.js';
import type { ChangePreview, Derivation } from '../engine/types.js';
import type { PendingConflict } from '../reconciler.js';
import type { RowError } from '../runs.js';
import type { ColumnType } from '../store.js';
import type { Transformer } from '../transformer.js';
import { memoryStore } from './memory-store.js';
import { staticRows } from './static-rows.js';

/** Options of {@link testMapping}. */
export interface TestMappingOptions {
  /** The mapping under test, from `defineMapping`. */
  mapping: MappingConfig;
  /** Source rows keyed by source column (header), as the source would give them. */
  rows: Array<Record<string, unknown>>;
  /** Entities that already exist in the tab's entity table (with their key field). */
  existing?: Array<Record<string, unknown>>;
  /**
   * Column types of the tab's entity table, so values are coerced as they would be for the real
   * table (a date into timestamptz, numeric text into numeric). Omit for a schemaless table.
   */
  columns?: Record<string, ColumnType>;
  /** Tab to run, by id; needed only when the mapping has several tabs. */
  tab?: string;
  transformers?: ReadonlyArray<Transformer<any>>;
  derivations?: Record<string, Record<string, Derivation>>;
  /** @default false */
  forceOverwrite?: boolean;
}

/** What a mapping does to the rows. */
export interface TestMappingResult {
  /** Per entity, per field: what would change. */
  changes: ChangePreview[];
  /** Values that would lose to a higher-priority source or a reference rule. */
  conflicts: PendingConflict[];
  /** Row-level errors and warnings with their row, column and address. */
  errors: RowError[];
  /** Rows with no key, an error or a duplicate key. */
  skipped: number;
}

const TEST_USER = '00000000-0000-4000-8000-000000000001';

/**
 * Runs a mapping over rows given in code, with no network and no database: the real
 * transform, key, reconcile and derive steps over an in-memory store, as a dry run.
 *
 * @example
 * const result = await testMapping({ mapping, rows: [{ 'Brand Name': 'Acme', Revenue: '$1,200.50' }] });
 * expect(result.changes[0]?.fields).toContainEqual(expect.objectContaining({ field: 'revenue', next: 1200.5 }));
 */
export async function testMapping(options: TestMappingOptions): Promise<TestMappingResult> {
  const { mapping } = options;
  const tab = options.tab ? mapping.tabMappings.find((candidate) => candidate.id === stableUuid(options.tab as string)) : mapping.tabMappings[0];
  if (!tab || (!options.tab && mapping.tabMappings.length > 1)) {
    throw new ConfigurationError(
      formatMessage('testing', options.tab ? `No tab '${options.tab}' in the mapping.` : 'The mapping has several tabs.', `Pass tab: one of ${mapping.tabMappings.map((candidate) => candidate.tabName).join(', ')}.`),
    );
  }
  const dataSource = mapping.dataSources.find((source) => source.id === tab.dataSourceId);
  const store = memoryStore({ tables: { [tab.primaryEntity]: { rows: options.existing ?? [], ...(options.columns && { columns: options.columns }) } } });
  const engine = createSyncEngine({
    store,
    strategies: { [dataSource?.type ?? 'static']: staticRows({ type: dataSource?.type ?? 'static', tabs: { [tab.tabName]: options.rows } }) },
    config: mapping,
    ...(options.transformers && { transformers: options.transformers }),
    ...(options.derivations && { derivations: options.derivations }),
    maxStoredErrors: Number.MAX_SAFE_INTEGER,
  });
  const result = await engine.syncTab(tab.id, { dryRun: true, ...(options.forceOverwrite && { forceOverwrite: true, triggeredBy: TEST_USER }) });
  return { changes: result.changes, conflicts: result.conflicts, errors: result.stats.errors, skipped: result.stats.rowsSkipped };
}
