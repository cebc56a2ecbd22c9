import type { ColumnMappingConfig, DataSourceConfig, MappingConfig, TabMappingConfig } from '../config/schema.js';
import { ConfigurationError, formatMessage } from '../errors.js';
import type { FieldRule } from '../reconciler.js';
import type { ColumnType, EntitySchema, Store } from '../store.js';
import type { SyncStrategy } from '../strategy.js';
import type { Transformer } from '../transformer.js';
import type { Derivation } from './types.js';

/** A mapped column, ready to run. */
export interface PlannedColumn {
  mapping: ColumnMappingConfig;
  field: string;
  transformer: Transformer<any> | null;
  options: Record<string, unknown>;
}

/** Everything one tab's sync needs, resolved and checked before anything is read or written. */
export interface TabPlan {
  dataSource: DataSourceConfig;
  tab: TabMappingConfig;
  strategy: SyncStrategy;
  entity: string;
  keyField: string;
  keyColumn: PlannedColumn;
  /** Synced columns (not derived, with a target field), the key included. */
  columns: PlannedColumn[];
  rules: Map<string, FieldRule>;
  derivations: Array<[string, Derivation]>;
  /** Fields to load for each existing entity. */
  loadFields: string[];
  /** Column type of each synced field, when the store knows it (values are coerced to it). */
  columnTypes: Map<string, ColumnType>;
  /** Whether another source also writes one of this tab's fields, so owners matter. */
  withOwners: boolean;
  priorityOf(field: string, dataSourceId: string | null): number | null;
  /**
   * Everything above that shapes a row's decision, as text (mapping, transformer names, options
   * and code, priorities of every source, derivation code, column types): the row fingerprints'
   * seed, so a change to any of it makes the next run decide every row again.
   */
  signature: string;
}

/** Which column types a built-in transformer's output fits. Host transformers are not checked. */
const FITS: Record<string, ReadonlyArray<ColumnType>> = {
  date: ['date', 'timestamptz', 'text'],
  currency: ['numeric', 'integer', 'text'],
  number: ['numeric', 'integer', 'text'],
  boolean: ['boolean', 'text'],
  email: ['text'],
  string: ['text', 'uuid'],
  list: ['text[]', 'jsonb'],
};

export interface TransformerLookup {
  resolve(name: string): Transformer<any>;
}

export interface PlanInput {
  config: MappingConfig;
  tab: TabMappingConfig;
  strategies: (dataSource: DataSourceConfig) => SyncStrategy;
  transformers: TransformerLookup;
  parseOptions: (transformer: Transformer<any>, options: Record<string, unknown>, where: string) => Record<string, unknown>;
  derivations: Record<string, Record<string, Derivation>>;
  store: Store;
}

/** Resolves and checks a tab's mapping against the strategy, transformers and the entity table. */
export async function planTab(input: PlanInput): Promise<TabPlan> {
  const { config, tab } = input;
  const dataSource = config.dataSources.find((source) => source.id === tab.dataSourceId);
  if (!dataSource) {
    throw new ConfigurationError(formatMessage('engine', `Tab '${tab.tabName}' names a data source that is not configured.`, 'Add the data source or fix tabMappings[].dataSourceId.'));
  }
  const strategy = input.strategies(dataSource);
  const issues: Array<{ path: string; message: string }> = [];
  const mappings = config.columnMappings.filter((column) => column.tabMappingId === tab.id);

  const columns: PlannedColumn[] = [];
  for (const mapping of mappings) {
    if (mapping.targetField === null || mapping.authority === 'derived') continue;
    let transformer: Transformer<any> | null = null;
    let options: Record<string, unknown> = mapping.transformOptions;
    if (mapping.transform) {
      try {
        transformer = input.transformers.resolve(mapping.transform);
        options = input.parseOptions(transformer, mapping.transformOptions, `column '${mapping.sourceColumn}' of tab '${tab.tabName}'`);
      } catch (error) {
        issues.push({ path: `columns.${mapping.sourceColumn}.transform`, message: error instanceof Error ? error.message : String(error) });
      }
    }
    columns.push({ mapping, field: mapping.targetField, transformer, options });
  }
  const keyColumn = columns.find((column) => column.mapping.isKey);
  if (!keyColumn) throw new ConfigurationError(formatMessage('engine', `Tab '${tab.tabName}' has no key column.`, 'Mark exactly one column mapping with isKey: true.'));

  if (tab.mode === 'incremental' && !strategy.capabilities.incremental) {
    issues.push({ path: 'mode', message: `strategy '${strategy.type}' cannot read incrementally; use mode 'full'` });
  }

  const entityDerivations = Object.entries(input.derivations[tab.primaryEntity] ?? {});
  const schema = await input.store.describeEntity(tab.primaryEntity);
  if (!schema) {
    throw new ConfigurationError(
      formatMessage('engine', `Entity table '${tab.primaryEntity}' does not exist in the store.`, 'Create the table (fieldsync never creates entity tables) or fix primaryEntity.'),
      { details: { tab: tab.tabName, entity: tab.primaryEntity } },
    );
  }
  checkFields(schema, tab, columns, entityDerivations, issues);
  if (issues.length > 0) {
    throw new ConfigurationError(
      formatMessage('engine', `Tab '${tab.tabName}' cannot sync into '${tab.primaryEntity}' (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n')}`),
      { issues },
    );
  }

  const priorities = buildPriorities(config, tab.primaryEntity);
  const rules = new Map<string, FieldRule>();
  for (const column of columns) {
    rules.set(column.field, { authority: column.mapping.authority, priority: priorities.get(column.field)?.get(dataSource.id) ?? column.mapping.sourcePriority });
  }
  const sharedFields = new Set<string>();
  for (const [field, bySource] of priorities) if ([...bySource.keys()].some((source) => source !== dataSource.id)) sharedFields.add(field);
  const withOwners = columns.some((column) => sharedFields.has(column.field));

  const loadFields = new Set(columns.map((column) => column.field));
  for (const [field] of entityDerivations) loadFields.add(field);
  if (entityDerivations.length > 0) for (const name of schema.columns.keys()) loadFields.add(name);
  if (tab.deleteMarkerField) loadFields.add(tab.deleteMarkerField);
  loadFields.delete(schema.idColumn);

  const columnTypes = new Map<string, ColumnType>();
  if (!schema.open) for (const column of columns) {
    const type = schema.columns.get(column.field)?.type;
    if (type) columnTypes.set(column.field, type);
  }

  const { status: _status, ...tabRules } = tab;
  const signature = JSON.stringify({
    tab: tabRules,
    columns: columns.map((column) => [column.mapping, column.options, column.transformer ? [column.transformer.name, column.transformer.version ?? String(column.transformer.transform)] : null]),
    priorities: [...priorities].map(([field, bySource]) => [field, [...bySource].sort()]).sort(),
    derivations: entityDerivations.map(([field, derive]) => [field, String(derive)]),
    columnTypes: [...columnTypes],
    loadFields: [...loadFields],
    withOwners,
  });

  return {
    signature,
    columnTypes,
    dataSource,
    tab,
    strategy,
    entity: tab.primaryEntity,
    keyField: keyColumn.field,
    keyColumn,
    columns,
    rules,
    derivations: entityDerivations,
    loadFields: [...loadFields],
    withOwners,
    priorityOf: (field, sourceId) => (sourceId === null ? null : (priorities.get(field)?.get(sourceId) ?? null)),
  };
}

function checkFields(schema: EntitySchema, tab: TabMappingConfig, columns: PlannedColumn[], derivations: Array<[string, Derivation]>, issues: Array<{ path: string; message: string }>): void {
  if (schema.open) return;
  const known = [...schema.columns.keys()].join(', ');
  for (const column of columns) {
    const target = schema.columns.get(column.field);
    if (!target) {
      issues.push({ path: `columns.${column.mapping.sourceColumn}.targetField`, message: `'${tab.primaryEntity}' has no column '${column.field}' (it has: ${known}); add the column or fix the mapping` });
      continue;
    }
    const fits = column.mapping.transform ? FITS[column.mapping.transform] : undefined;
    if (fits && target.type !== 'other' && !fits.includes(target.type)) {
      issues.push({ path: `columns.${column.mapping.sourceColumn}.transform`, message: `transform '${column.mapping.transform}' gives values that column '${column.field}' (${target.type}) cannot hold; use a column of type ${fits.join(' or ')}, or another transform` });
    }
  }
  for (const [field] of derivations) {
    if (!schema.columns.has(field)) issues.push({ path: `derivations.${tab.primaryEntity}.${field}`, message: `'${tab.primaryEntity}' has no column '${field}'; add it or remove the derivation` });
  }
  if (tab.deleteMarkerField && !schema.columns.has(tab.deleteMarkerField)) {
    issues.push({ path: 'deleteMarkerField', message: `'${tab.primaryEntity}' has no column '${tab.deleteMarkerField}'; add a timestamptz column or change deleteMarkerField` });
  }
}

/** Priority of each source per field of an entity: computed_fields first, then each column mapping's own. */
function buildPriorities(config: MappingConfig, entity: string): Map<string, Map<string, number>> {
  const tabsById = new Map(config.tabMappings.map((tab) => [tab.id, tab]));
  const priorities = new Map<string, Map<string, number>>();
  for (const column of config.columnMappings) {
    const tab = tabsById.get(column.tabMappingId);
    if (!tab || tab.primaryEntity !== entity || column.targetField === null || column.authority === 'derived') continue;
    const bySource = priorities.get(column.targetField) ?? new Map<string, number>();
    const previous = bySource.get(tab.dataSourceId);
    bySource.set(tab.dataSourceId, previous === undefined ? column.sourcePriority : Math.max(previous, column.sourcePriority));
    priorities.set(column.targetField, bySource);
  }
  for (const computed of config.computedFields) {
    if (computed.entityType !== entity) continue;
    const bySource = priorities.get(computed.fieldName) ?? new Map<string, number>();
    for (const [source, priority] of Object.entries(computed.sourcePriority)) bySource.set(source, priority);
    priorities.set(computed.fieldName, bySource);
  }
  return priorities;
}
