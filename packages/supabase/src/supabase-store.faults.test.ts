import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FieldsyncError, emptyStats, stableUuid, type ApplyBatch, type Store } from '@fieldsync/core';
import { SERVICE_ROLE_KEY, testBackendKinds, type TestBackend } from './test-backends.js';

const TAB = stableUuid('faults-tab');
const SOURCE = stableUuid('faults-source');

async function rejectionOf(promise: Promise<unknown>): Promise<FieldsyncError> {
  try {
    await promise;
  } catch (error) {
    expect(FieldsyncError.isInstance(error), String(error)).toBe(true);
    return error as FieldsyncError;
  }
  return expect.fail('expected the call to reject');
}

function batch(runId: string, codes: string[], parts: Partial<ApplyBatch> = {}): ApplyBatch {
  return {
    runId,
    tabMappingId: TAB,
    entity: 'partners',
    keyField: 'partner_code',
    creates: codes.map((code) => ({ key: code, values: { partner_code: code, brand_name: `Brand ${code}` } })),
    updates: [],
    deletes: [],
    lineage: codes.map((code) => ({
      entityType: 'partners',
      entityId: null,
      entityKey: code,
      fieldName: 'brand_name',
      sourceType: 'google_sheet',
      sourceId: SOURCE,
      sourceRef: 'Master Sheet > Partners > B (Brand Name)',
      previousValue: null,
      newValue: `Brand ${code}`,
      syncRunId: runId,
      changedBy: null,
      reason: 'create' as const,
    })),
    conflicts: [],
    stats: { ...emptyStats(), rowsProcessed: codes.length, rowsCreated: codes.length, lineageCount: codes.length },
    checkpoint: { after: codes.at(-1) ?? null },
    ...parts,
  };
}

for (const kind of testBackendKinds()) {
  describe(`supabaseStore faults (${kind.name})`, () => {
    let backend: TestBackend;
    let store: Store;
    const callsOf = (name: string) => backend.emulator.calls.filter((call) => call.functionName === name).length;
    const counts = async () => ({
      partners: Number((await backend.sql<{ count: string }>(`select count(*) from "${backend.schema}".partners`))[0]?.count),
      lineage: Number((await backend.sql<{ count: string }>(`select count(*) from "${backend.schema}".field_lineage`))[0]?.count),
    });

    beforeEach(async () => {
      backend = await kind.create({ store: { retry: { retries: 2, minTimeoutMs: 1 } } });
      store = backend.store;
      await backend.createEntityTable('partners', { partner_code: 'text', brand_name: 'text' });
    });
    afterEach(async () => backend?.cleanup());
    afterAll(async () => kind.close());

    it('loadEntities - a dropped connection is retried and the read succeeds', async () => {
      const run = await store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await store.applyBatch(batch(run.id, ['A', 'B']));
      backend.emulator.fail({ kind: 'drop', functionName: 'fieldsync_load_entities' });
      const loaded = await store.loadEntities({ entity: 'partners', keyField: 'partner_code', keys: ['A', 'B', 'C'], fields: ['brand_name'], withOwners: false });
      expect([...loaded.keys()].sort()).toEqual(['A', 'B']);
      expect(callsOf('fieldsync_load_entities')).toBe(2);
    });

    it('reads - 503 answers are retried; after the retries the error is STORE_UNAVAILABLE', async () => {
      backend.emulator.fail({ kind: 'status', status: 503, count: 2, functionName: 'fieldsync_get_state' });
      expect(await store.getState(TAB)).toBeNull();
      expect(callsOf('fieldsync_get_state')).toBe(3);
      backend.emulator.fail({ kind: 'status', status: 503, count: 3, functionName: 'fieldsync_list_runs' });
      const error = await rejectionOf(store.listRuns());
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.retryable).toBe(true);
      expect(callsOf('fieldsync_list_runs')).toBe(3);
    });

    it('applyBatch - a call that fails mid-batch (rolled back, connection lost) leaves nothing written and is not retried', async () => {
      const run = await store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await store.applyBatch(batch(run.id, ['A']));
      backend.emulator.fail({ kind: 'rollback-and-drop', functionName: 'fieldsync_apply_batch' });
      const error = await rejectionOf(store.applyBatch(batch(run.id, ['B', 'C', 'D'])));
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.message).toContain('may or may not have been committed');
      expect(callsOf('fieldsync_apply_batch')).toBe(2);
      expect(await counts()).toEqual({ partners: 1, lineage: 1 });
      const stored = await store.getRun(run.id);
      expect(stored).toMatchObject({ rowsCreated: 1, rowsProcessed: 1, lineageCount: 1 });
      expect(await store.getState(TAB)).toEqual({ after: 'A' });
    });

    it('applyBatch - a dropped connection or a 503 is never retried', async () => {
      const run = await store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      backend.emulator.fail({ kind: 'drop', functionName: 'fieldsync_apply_batch' });
      expect((await rejectionOf(store.applyBatch(batch(run.id, ['A'])))).code).toBe('STORE_UNAVAILABLE');
      backend.emulator.fail({ kind: 'status', status: 503, functionName: 'fieldsync_apply_batch' });
      expect((await rejectionOf(store.applyBatch(batch(run.id, ['A'])))).code).toBe('STORE_UNAVAILABLE');
      expect(callsOf('fieldsync_apply_batch')).toBe(2);
      expect(await counts()).toEqual({ partners: 0, lineage: 0 });
    });

    it('applyBatch - a batch committed but whose answer was lost is written once (no retry duplicates it)', async () => {
      const run = await store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      backend.emulator.fail({ kind: 'commit-and-drop', functionName: 'fieldsync_apply_batch' });
      expect((await rejectionOf(store.applyBatch(batch(run.id, ['A', 'B'])))).code).toBe('STORE_UNAVAILABLE');
      expect(callsOf('fieldsync_apply_batch')).toBe(1);
      // The table has no unique key: a retry would have created A and B twice.
      expect(await counts()).toEqual({ partners: 2, lineage: 2 });
    });

    it('createRun and resolveConflict - are not retried', async () => {
      backend.emulator.fail({ kind: 'drop', functionName: 'fieldsync_create_run' });
      const input = { dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual' as const, triggeredBy: null, dryRun: false, forceOverwrite: false };
      expect((await rejectionOf(store.createRun(input))).code).toBe('STORE_UNAVAILABLE');
      expect(callsOf('fieldsync_create_run')).toBe(1);
      backend.emulator.fail({ kind: 'status', status: 503, functionName: 'fieldsync_resolve_conflict' });
      const resolve = store.resolveConflict({ conflictId: stableUuid('no-such-conflict'), resolution: 'keep_current', resolvedBy: null });
      expect((await rejectionOf(resolve)).code).toBe('STORE_UNAVAILABLE');
      expect(callsOf('fieldsync_resolve_conflict')).toBe(1);
    });

    it('tryLock - a dropped answer is retried with the same holder, so the lock is still taken once', async () => {
      backend.emulator.fail({ kind: 'commit-and-drop', functionName: 'fieldsync_try_lock' });
      const lock = await store.tryLock('sync:tab');
      expect(lock).not.toBeNull();
      expect(callsOf('fieldsync_try_lock')).toBe(2);
      expect(await backend.otherStore().tryLock('sync:tab')).toBeNull();
      await lock?.release();
      expect(await backend.sql(`select * from "${backend.schema}".fieldsync_locks`)).toEqual([]);
    });

    it('errors - never contain the API key', async () => {
      backend.emulator.fail({ kind: 'drop', functionName: 'fieldsync_create_run' });
      const error = await rejectionOf(store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false }));
      const shown = `${error.message} ${String(error)} ${JSON.stringify(error.details)} ${error.stack ?? ''}`;
      expect(shown).not.toContain(SERVICE_ROLE_KEY);
    });
  });
}
