import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stableUuid } from '@fieldsync/core';
import { testBackendKinds, type TestBackend } from './test-backends.js';

const TAB = stableUuid('paging-tab');
const SOURCE = stableUuid('paging-source');

for (const kind of testBackendKinds()) {
  describe(`supabaseStore history pages (${kind.name})`, () => {
    let backend: TestBackend;
    const callsOf = (name: string) => backend.emulator.calls.filter((call) => call.functionName === name).length;

    beforeEach(async () => {
      backend = await kind.create();
      await backend.createEntityTable('partners', { partner_code: 'text', brand_name: 'text' });
    });
    afterEach(async () => backend?.cleanup());
    afterAll(async () => kind.close());

    it('loadEntities and applyBatch - thousands of keys travel in one POST body each, never in a URL', async () => {
      const codes = Array.from({ length: 3000 }, (_, index) => `PARTNER-${String(index).padStart(5, '0')}`);
      const run = await backend.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      const result = await backend.store.applyBatch({
        runId: run.id,
        tabMappingId: TAB,
        entity: 'partners',
        keyField: 'partner_code',
        creates: codes.map((code) => ({ key: code, values: { partner_code: code, brand_name: `Brand ${code}` } })),
        updates: [],
        deletes: [],
        lineage: [],
        conflicts: [],
        stats: { rowsProcessed: 3000, rowsCreated: 3000, rowsUpdated: 0, rowsSkipped: 0, rowsDeleted: 0, rowsUnchanged: 0, errorCount: 0, lineageCount: 0, conflictCount: 0 },
      });
      expect(result.created).toBe(3000);
      const loaded = await backend.store.loadEntities({ entity: 'partners', keyField: 'partner_code', keys: codes, fields: ['brand_name'], withOwners: true });
      expect(loaded.size).toBe(3000);
      expect(loaded.get('PARTNER-02999')?.values.brand_name).toBe('Brand PARTNER-02999');
      const loads = backend.emulator.calls.filter((call) => call.functionName === 'fieldsync_load_entities');
      expect(loads).toHaveLength(1);
      expect((loads[0]!.body as { payload: { keys: string[] } }).payload.keys).toHaveLength(3000);
      expect(callsOf('fieldsync_apply_batch')).toBe(1);
    });

    it('listRuns - a limit above the 1,000-row cap is fetched in pages, newest first, and the cursor continues after it', async () => {
      await backend.sql(
        `insert into "${backend.schema}".sync_runs (data_source_id, tab_mapping_id, status, started_at, created_at)
         select $1::uuid, $2::uuid, 'completed', timestamptz '2026-01-01' + n * interval '1 second', now() from generate_series(1, 1200) n`,
        [SOURCE, TAB],
      );
      const first = await backend.store.listRuns({ limit: 1100 });
      expect(first.items).toHaveLength(1100);
      expect(callsOf('fieldsync_list_runs')).toBe(2);
      const times = first.items.map((run) => run.startedAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(new Set(first.items.map((run) => run.id)).size).toBe(1100);
      expect(first.nextCursor).not.toBeNull();
      const rest = await backend.store.listRuns({ limit: 1100, cursor: first.nextCursor });
      expect(rest.items).toHaveLength(100);
      expect(rest.nextCursor).toBeNull();
      expect(rest.items[0]!.startedAt.getTime()).toBeLessThan(times.at(-1)!);
    });

    it('listConflicts - pages by maxRowsPerCall (a project with a lower db-max-rows)', async () => {
      const store = backend.otherStore({ maxRowsPerCall: 3 });
      await backend.sql(
        `insert into "${backend.schema}".fieldsync_conflicts (entity_type, entity_id, field_name, losing_value, reason, created_at)
         select 'partners', gen_random_uuid(), 'brand_name', to_jsonb(n), 'lower_priority', timestamptz '2026-01-01' + n * interval '1 second' from generate_series(1, 8) n`,
      );
      backend.emulator.reset();
      const page = await store.listConflicts({ limit: 7 });
      expect(page.items.map((conflict) => conflict.losingValue)).toEqual([8, 7, 6, 5, 4, 3, 2]);
      expect(callsOf('fieldsync_list_conflicts')).toBe(3);
      const rest = await store.listConflicts({ limit: 7, cursor: page.nextCursor });
      expect(rest).toMatchObject({ items: [{ losingValue: 1 }], nextCursor: null });
    });

    it('fieldHistory - a limit above maxRowsPerCall is fetched in pages without duplicates', async () => {
      const store = backend.otherStore({ maxRowsPerCall: 3 });
      const entityId = stableUuid('paging-entity');
      await backend.sql(
        `insert into "${backend.schema}".field_lineage (entity_type, entity_id, field_name, source_type, new_value, changed_at)
         select 'partners', $1::uuid, 'brand_name', 'google_sheet', to_jsonb(n), timestamptz '2026-01-01' + n * interval '1 second' from generate_series(1, 8) n`,
        [entityId],
      );
      const history = await store.fieldHistory({ entityType: 'partners', entityId, fieldName: 'brand_name', limit: 100 });
      expect(history.map((line) => line.newValue)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    });

    // Bug: with maxRowsPerCall above the functions' own cap of 1,000 rows, the first 1,000-row page looked short and reading stopped there.
    it('fieldHistory - maxRowsPerCall above 1,000 (a raised db-max-rows) still reads the whole limit', async () => {
      const raised = await kind.create({ emulator: { maxRows: 5000 }, store: { maxRowsPerCall: 5000 } });
      try {
        const entityId = stableUuid('paging-entity-3');
        await raised.sql(
          `insert into "${raised.schema}".field_lineage (entity_type, entity_id, field_name, source_type, new_value, changed_at)
           select 'partners', $1::uuid, 'brand_name', 'google_sheet', to_jsonb(n), timestamptz '2026-01-01' + n * interval '1 second' from generate_series(1, 3500) n`,
          [entityId],
        );
        const history = await raised.store.fieldHistory({ entityType: 'partners', entityId, fieldName: 'brand_name', limit: 3000 });
        expect(history).toHaveLength(3000);
        expect(history[0]!.newValue).toBe(3500);
        expect(history.at(-1)!.newValue).toBe(501);
        expect(new Set(history.map((line) => line.id)).size).toBe(3000);
      } finally {
        await raised.cleanup();
      }
    });

    it('fieldHistory - never returns a row twice, whatever the function does with the cursor', async () => {
      const store = backend.otherStore({ maxRowsPerCall: 3 });
      const entityId = stableUuid('paging-entity-2');
      await backend.sql(
        `insert into "${backend.schema}".field_lineage (entity_type, entity_id, field_name, source_type, new_value, changed_at)
         select 'partners', $1::uuid, 'brand_name', 'google_sheet', to_jsonb(n), timestamptz '2026-01-01' + n * interval '1 second' from generate_series(1, 8) n`,
        [entityId],
      );
      const history = await store.fieldHistory({ entityType: 'partners', entityId, fieldName: 'brand_name', limit: 100 });
      const ids = history.map((line) => line.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(history.slice(0, 3).map((line) => line.newValue)).toEqual([8, 7, 6]);
    });
  });
}
