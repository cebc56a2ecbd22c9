import { parseMappingConfig } from '@fieldsync/core';
import type { ConfigLoader, MappingConfig } from '@fieldsync/core';
import type { PostgresStore } from './postgres-store.js';

/** Options of {@link postgresConfigLoader}. */
export interface PostgresConfigLoaderOptions {
  /** The store whose database holds the config tables (in the store's schema). */
  store: Pick<PostgresStore, 'callFunction'>;
}

type Row = Record<string, unknown>;

const camel = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** A table row as a config object: camelCase keys, nulls dropped (so defaults apply), except `keep`. */
function toConfigObject(row: Row, fields: ReadonlyArray<string>, keep: ReadonlyArray<string> = []): Row {
  const out: Row = {};
  for (const field of fields) {
    const value = row[field];
    if (value === null && keep.includes(field)) out[camel(field)] = null;
    else if (value !== null && value !== undefined) out[camel(field)] = value;
  }
  return out;
}

/** The four config tables' rows as the input of `parseMappingConfig`. */
export function configFromRows(rows: { dataSources: Row[]; tabMappings: Row[]; columnMappings: Row[]; computedFields: Row[] }): unknown {
  return {
    dataSources: rows.dataSources.map((row) => toConfigObject(row, ['id', 'name', 'type', 'connector_config'])),
    tabMappings: rows.tabMappings.map((row) =>
      toConfigObject(row, ['id', 'data_source_id', 'tab_name', 'primary_entity', 'status', 'header_row', 'mode', 'delete_policy', 'delete_marker_field', 'options']),
    ),
    columnMappings: rows.columnMappings.map((row) =>
      toConfigObject(row, ['tab_mapping_id', 'source_column', 'target_field', 'is_key', 'authority', 'transform', 'transform_options', 'source_priority', 'required'], ['target_field']),
    ),
    computedFields: rows.computedFields.map((row) => toConfigObject(row, ['entity_type', 'field_name', 'source_priority'])),
  };
}

/**
 * A {@link ConfigLoader} over the host's config tables in the seed's shape (`data_sources`,
 * `tab_mappings`, `column_mappings`, `computed_fields`), read in one call each time a sync
 * starts, so edits apply at once. Validated with `parseMappingConfig`: a bad row fails with
 * a ConfigurationError naming its path (e.g. `columnMappings[3].authority`).
 *
 * @example
 * const store = postgresStore({ connectionString });
 * const engine = createSyncEngine({ store, config: postgresConfigLoader({ store }), strategies });
 * await engine.syncTab(tabMappingId);
 */
export function postgresConfigLoader(options: PostgresConfigLoaderOptions): ConfigLoader {
  return {
    async load(): Promise<MappingConfig> {
      const rows = await options.store.callFunction<{ dataSources: Row[]; tabMappings: Row[]; columnMappings: Row[]; computedFields: Row[] }>(
        'fieldsync_load_config',
        {},
        'read the config tables',
      );
      return parseMappingConfig(configFromRows(rows), 'database');
    },
  };
}
