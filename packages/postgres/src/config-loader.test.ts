import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncEngine } from '@fieldsync/core';
import { staticRows } from '@fieldsync/core/testing';
import { postgresConfigLoader } from './config-loader.js';
import { testDatabaseKinds, type TestDatabase } from './test-databases.js';

const SOURCE = '0b8f3c2e-1d4a-4e5f-9a6b-7c8d9e0f1a2b';
const TAB = '1c9a4d3f-2e5b-4f6a-8b7c-8d9e0f1a2b3c';

for (const kind of testDatabaseKinds()) {
  describe(`postgresConfigLoader (${kind.name})`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await kind.create();
      await db.store.init!();
      await db.createEntityTable('partners', { code: 'text', brand: 'text', tier: 'text' }, { uniqueKey: 'code' });
      const s = `"${db.schema}"`;
      await db.sql(`insert into ${s}.data_sources (id, name, type) values ($1, 'Master Sheet', 'static')`, [SOURCE]);
      await db.sql(`insert into ${s}.tab_mappings (id, data_source_id, tab_name, primary_entity) values ($1, $2, 'Partners', 'partners')`, [TAB, SOURCE]);
      await db.sql(
        `insert into ${s}.column_mappings (tab_mapping_id, source_column, target_field, is_key, authority) values
          ($1, 'Code', 'code', true, 'source_of_truth'), ($1, 'Brand Name', 'brand', false, 'source_of_truth'),
          ($1, 'Tier', 'tier', false, 'reference'), ($1, 'Internal note', null, false, 'source_of_truth')`,
        [TAB],
      );
      await db.sql(`insert into ${s}.computed_fields (entity_type, field_name, source_priority) values ('partners', 'tier', $1)`, [JSON.stringify({ [SOURCE]: 5 })]);
    });
    afterEach(async () => db.cleanup());
    afterAll(async () => kind.close());

    it('load - reads the seed-shaped tables into a validated mapping', async () => {
      const config = await postgresConfigLoader({ store: db.store }).load();
      expect(config.dataSources).toEqual([{ id: SOURCE, name: 'Master Sheet', type: 'static', connectorConfig: {} }]);
      expect(config.tabMappings[0]).toMatchObject({ id: TAB, dataSourceId: SOURCE, tabName: 'Partners', primaryEntity: 'partners', status: 'active', mode: 'full', deletePolicy: 'ignore' });
      expect(config.columnMappings.map((column) => [column.sourceColumn, column.targetField, column.isKey, column.authority])).toEqual(
        expect.arrayContaining([['Code', 'code', true, 'source_of_truth'], ['Tier', 'tier', false, 'reference'], ['Internal note', null, false, 'source_of_truth']]),
      );
      expect(config.computedFields).toEqual([{ entityType: 'partners', fieldName: 'tier', sourcePriority: { [SOURCE]: 5 } }]);
    });

    it('syncTab - syncs a tab mapping defined only in the config tables, by its id', async () => {
      const engine = createSyncEngine({
        store: db.store,
        config: postgresConfigLoader({ store: db.store }),
        strategies: [staticRows({ tabs: { Partners: [{ Code: 'P-1', 'Brand Name': 'Acme', Tier: 'gold', 'Internal note': 'x' }] } })],
      });
      const result = await engine.syncTab(TAB);
      expect(result).toMatchObject({ success: true, stats: { rowsCreated: 1 } });
      expect(await db.readEntities('partners')).toEqual([expect.objectContaining({ code: 'P-1', brand: 'Acme', tier: 'gold' })]);
    });

    it('load - a bad row fails with a ConfigurationError naming its path', async () => {
      await db.sql(`update "${db.schema}".column_mappings set authority = 'boss' where source_column = 'Tier'`);
      await db.sql(`update "${db.schema}".column_mappings set is_key = false where source_column = 'Code'`);
      const error = await postgresConfigLoader({ store: db.store }).load().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'ConfigurationError', code: 'CONFIGURATION_INVALID' });
      expect((error as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^columnMappings\[\d\]\.authority$/)]));
    });
  });
}
