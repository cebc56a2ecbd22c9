import type { MappingConfig } from './schema.js';

/**
 * Where the engine gets its configuration. A static mapping from {@link defineMapping}, or
 * the host's own tables (`data_sources`, `tab_mappings`, `column_mappings`, `computed_fields`)
 * through a store's loader, read again at the start of each sync so edits apply at once.
 */
export interface ConfigLoader {
  /** Returns the validated configuration. Throws a ConfigurationError naming every bad path. */
  load(): Promise<MappingConfig>;
}

/** A loader over a fixed configuration. */
export function staticConfig(config: MappingConfig): ConfigLoader {
  return { load: async () => config };
}
