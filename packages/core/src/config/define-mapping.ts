import type { Authority, DeletePolicy, MappingConfig, MappingConfigInput } from './schema.js';
import { ConfigurationError, formatMessage } from '../errors.js';
import { parseMappingConfig } from './parse-config.js';

/** Entity tables and their fields, e.g. `{ partners: { brand_name: string; tier: string } }`. */
export type EntityShapes = Record<string, Record<string, unknown>>;

/** One column of a tab in {@link defineMapping}. */
export interface ColumnDefinition<Field extends string = string> {
  /** Entity field the column writes, or `null` to read and ignore it. */
  field: Field | null;
  /** This column identifies the entity. Exactly one per tab. @default false */
  key?: boolean;
  /** @default 'source_of_truth' */
  authority?: Authority;
  /** A registered transformer name, e.g. `'currency'`. */
  transform?: string;
  /** Options for the transformer, e.g. `{ locale: 'de-DE', unit: 'minor' }`. */
  options?: Record<string, unknown>;
  /** Higher wins when several sources write this field. @default 0 */
  priority?: number;
  /** An empty value is a row-level error. @default false */
  required?: boolean;
}

type TabDefinitionFor<E extends EntityShapes> = {
  [Entity in keyof E & string]: {
    id: string;
    /** Tab name in the source (sheet tab title, Close object, file name). */
    tabName: string;
    /** Entity table the rows go to. */
    entity: Entity;
    /** Source column (header, letter or path) to its rule. */
    columns: Record<string, ColumnDefinition<keyof E[Entity] & string>>;
    status?: 'active' | 'paused' | 'archived';
    headerRow?: number;
    mode?: 'full' | 'incremental';
    deletePolicy?: DeletePolicy;
    deleteMarkerField?: keyof E[Entity] & string;
    options?: Record<string, unknown>;
  };
}[keyof E & string];

/** A data source with its tabs, for {@link defineMapping}. */
export interface DataSourceDefinition<E extends EntityShapes = EntityShapes> {
  id: string;
  name: string;
  type: string;
  connectorConfig?: Record<string, unknown>;
  tabs: ReadonlyArray<TabDefinitionFor<E>>;
}

/** Everything {@link defineMapping} takes. */
export interface MappingDefinition<E extends EntityShapes = EntityShapes> {
  dataSources: ReadonlyArray<DataSourceDefinition<E>>;
  /** Per-field rules across sources: `{ partners: { tier: { sourcePriority: { close: 10, 'master-sheet': 5 } } } }`. */
  fields?: { [Entity in keyof E]?: { [Field in keyof E[Entity]]?: { sourcePriority?: Record<string, number> } } };
}

/**
 * Defines a mapping in code, checked against your entity types and validated at once.
 *
 * @example
 * type Entities = { partners: { id: string; brand_name: string; tier: string | null } };
 * const mapping = defineMapping<Entities>({
 *   dataSources: [{ id: 'master-sheet', name: 'Master Sheet', type: 'google_sheet', tabs: [{
 *     id: 'partners-tab', tabName: 'Partners', entity: 'partners',
 *     columns: { 'Brand Name': { field: 'brand_name', key: true }, Tier: { field: 'tier' } },
 *   }] }],
 * });
 */
export function defineMapping<E extends EntityShapes = EntityShapes>(definition: MappingDefinition<E>): MappingConfig {
  const plain = definition as unknown as MappingDefinition;
  try {
    return parseMappingConfig(toMappingConfigInput(plain), 'defineMapping');
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    // Name the places as the caller wrote them, not as the flat table-shaped form has them.
    const issues = error.issues.map((issue) => ({ path: definitionPath(plain, issue.path), message: issue.message }));
    const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n');
    throw new ConfigurationError(formatMessage('config', `Invalid defineMapping configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines}`), { issues });
  }
}

const FIELD_NAMES: Record<string, string> = { targetField: 'field', isKey: 'key', transformOptions: 'options', sourcePriority: 'priority', primaryEntity: 'entity' };

/** Maps a path of the flat form (`columnMappings[3].authority`) to the definition's (`dataSources[0].tabs[1].columns["Tier"].authority`). */
function definitionPath(definition: MappingDefinition, flatPath: string): string {
  const tabs: string[] = [];
  const columns: string[] = [];
  definition.dataSources.forEach((source, sourceIndex) =>
    source.tabs.forEach((tab, tabIndex) => {
      tabs.push(`dataSources[${sourceIndex}].tabs[${tabIndex}]`);
      for (const name of Object.keys(tab.columns)) columns.push(`dataSources[${sourceIndex}].tabs[${tabIndex}].columns[${JSON.stringify(name)}]`);
    }),
  );
  const fields: string[] = [];
  for (const [entity, entityFields] of Object.entries(definition.fields ?? {})) for (const field of Object.keys(entityFields ?? {})) fields.push(`fields.${entity}.${field}`);
  const match = /^(tabMappings|columnMappings|computedFields)\[(\d+)\](?:\.([A-Za-z]+))?(.*)$/.exec(flatPath);
  if (!match) return flatPath;
  const [, list, index, field, rest] = match;
  const base = (list === 'tabMappings' ? tabs : list === 'columnMappings' ? columns : fields)[Number(index)];
  if (!base) return flatPath;
  if (list === 'tabMappings' && field === 'dataSourceId') return `${base.replace(/\.tabs\[\d+\]$/, '')}.id${rest ?? ''}`;
  return field ? `${base}.${FIELD_NAMES[field] ?? field}${rest ?? ''}` : `${base}${rest ?? ''}`;
}

/** The flat table-shaped form of a code mapping (what the host's config tables hold). */
export function toMappingConfigInput(definition: MappingDefinition): MappingConfigInput {
  const input: MappingConfigInput = { dataSources: [], tabMappings: [], columnMappings: [], computedFields: [] };
  for (const source of definition.dataSources) {
    input.dataSources.push({ id: source.id, name: source.name, type: source.type, connectorConfig: source.connectorConfig ?? {} });
    for (const tab of source.tabs) {
      input.tabMappings.push({
        id: tab.id,
        dataSourceId: source.id,
        tabName: tab.tabName,
        primaryEntity: tab.entity,
        ...(tab.status && { status: tab.status }),
        ...(tab.headerRow !== undefined && { headerRow: tab.headerRow }),
        ...(tab.mode && { mode: tab.mode }),
        ...(tab.deletePolicy && { deletePolicy: tab.deletePolicy }),
        ...(tab.deleteMarkerField && { deleteMarkerField: tab.deleteMarkerField }),
        ...(tab.options && { options: tab.options }),
      });
      for (const [sourceColumn, column] of Object.entries(tab.columns)) {
        input.columnMappings.push({
          tabMappingId: tab.id,
          sourceColumn,
          targetField: column.field,
          isKey: column.key ?? false,
          ...(column.authority && { authority: column.authority }),
          ...(column.transform && { transform: column.transform }),
          ...(column.options && { transformOptions: column.options }),
          ...(column.priority !== undefined && { sourcePriority: column.priority }),
          ...(column.required !== undefined && { required: column.required }),
        });
      }
    }
  }
  for (const [entityType, fields] of Object.entries(definition.fields ?? {})) {
    for (const [fieldName, rule] of Object.entries(fields ?? {})) {
      input.computedFields!.push({ entityType, fieldName, sourcePriority: rule?.sourcePriority ?? {} });
    }
  }
  return input;
}
