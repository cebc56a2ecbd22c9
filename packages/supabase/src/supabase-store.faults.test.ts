import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FieldsyncError, emptyStats, stableUuid, type ApplyBatch, type Store } from '@fieldsync/core';
import { ConfigurationError } from '@fieldsync/core';
import { supabaseStore } from './supabase-store.js';
import { SERVICE_ROLE_KEY, testBackendKinds, testClient, type TestBackend } from './test-backends.js';
import { startPostgrestEmulator } from './testing/postgrest-emulator.js';

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

    // Bug: finish_run (a plain update to fixed values, safe to replay) was not retried, so one 503 failed the end of a run.
    it('finishRun and failStaleRuns - 503 answers are retried (they set fixed values, so a replay is harmless)', async () => {
      const run = await newRun();
      await store.applyBatch(batch(run.id, ['A']));
      backend.emulator.fail({ kind: 'status', status: 503, functionName: 'fieldsync_finish_run' });
      const stats = { ...emptyStats(), rowsProcessed: 1, rowsCreated: 1, lineageCount: 1 };
      const finished = await store.finishRun(run.id, { status: 'completed', stats, errors: [], warnings: [] });
      expect(finished).toMatchObject({ id: run.id, status: 'completed', rowsCreated: 1 });
      expect(callsOf('fieldsync_finish_run')).toBe(2);
      // A replay after a committed call whose answer was lost ends the same.
      backend.emulator.fail({ kind: 'commit-and-drop', functionName: 'fieldsync_finish_run' });
      expect(await store.finishRun(run.id, { status: 'completed', stats, errors: [], warnings: [] })).toMatchObject({ status: 'completed', rowsCreated: 1 });
      expect(callsOf('fieldsync_finish_run')).toBe(4);

      await newRun();
      backend.emulator.fail({ kind: 'status', status: 503, functionName: 'fieldsync_fail_stale_runs' });
      expect(await store.failStaleRuns({ staleAfterMs: 0, tabMappingId: TAB })).toBe(1);
      expect(callsOf('fieldsync_fail_stale_runs')).toBe(2);
    });

    // Atomicity of fieldsync_apply_batch itself, over RPC: the entity inserts succeed, then a later statement of the function fails.
    it.each<[string, { lineageSourceId?: string; conflictSourceId?: string }]>([
      ['a lineage row', { lineageSourceId: 'not-a-uuid' }],
      ['a conflict row', { conflictSourceId: 'not-a-uuid' }],
    ])('applyBatch - when %s fails after the entities were inserted, nothing of the batch is kept', async (_what, bad) => {
      const run = await newRun();
      await store.applyBatch(batch(run.id, ['A']));
      const codes = ['B', 'C'];
      const failing = batch(run.id, codes, {
        lineage: batch(run.id, codes).lineage.map((line) => ({ ...line, sourceId: bad.lineageSourceId ?? SOURCE })),
        conflicts: bad.conflictSourceId
          ? [{ entityType: 'partners', entityId: null, entityKey: 'B', fieldName: 'brand_name', currentValue: 'Brand B', losingValue: 'Other', losingSourceId: bad.conflictSourceId, losingSourceRef: null, winningSourceId: SOURCE, reason: 'lower_priority', syncRunId: run.id }]
          : [],
      });
      const error = await rejectionOf(store.applyBatch(failing));
      expect(error.code).toBe('STORE_WRITE_FAILED');
      expect(error.details).toMatchObject({ code: '22P02', kind: 'invalid-value' });
      expect(await counts()).toEqual({ partners: 1, lineage: 1 });
      expect(await backend.sql(`select count(*)::int as count from "${backend.schema}".fieldsync_conflicts`)).toEqual([{ count: 0 }]);
      expect(await store.getRun(run.id)).toMatchObject({ rowsCreated: 1, lineageCount: 1 });
      expect(await store.getState(TAB)).toEqual({ after: 'A' });
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

    // The tab lock key the engine takes (core's runTab).
    const TAB_LOCK = `fieldsync:tab:${TAB}`;
    const newRun = (on: Store = store) => on.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
    /** What applyBatch of a batch with nothing to write answers: 'accepted' or the error code (nothing is written either way). */
    const emptyBatchOutcome = async (on: Store, runId: string) =>
      on.applyBatch(batch(runId, [], { checkpoint: undefined, stats: emptyStats() })).then(
        () => 'accepted',
        (error: FieldsyncError) => error.code,
      );

    // Bug: a renewal answering acquired:false was ignored, so a store kept writing after another instance took the tab.
    it('applyBatch - is refused with SYNC_LOCKED once another instance took the lapsed tab lease', async () => {
      const first = backend.otherStore({ locks: { ttlMs: 60_000, renewEveryMs: 10 } });
      const lock = await first.tryLock(TAB_LOCK);
      expect(lock).not.toBeNull();
      const run = await newRun(first);
      expect((await first.applyBatch(batch(run.id, ['A']))).created).toBe(1);
      // Renewals stall (every one answers 503) and the lease runs out under the holder.
      backend.emulator.fail({ kind: 'status', status: 503, count: 1_000_000, functionName: 'fieldsync_try_lock' });
      await expect.poll(() => backend.emulator.calls.some((call) => call.functionName === 'fieldsync_try_lock' && call.status === 503), { timeout: 10_000, interval: 5 }).toBe(true);
      await backend.sql(`update "${backend.schema}".fieldsync_locks set expires_at = now() - interval '1 second'`);
      // Another instance (its own PostgREST, so the stall does not reach it) takes the tab.
      const otherApi = await startPostgrestEmulator({ database: backend.driver, schemas: [backend.schema] });
      try {
        const second = supabaseStore({ client: testClient(otherApi.url), schema: backend.schema, entitySchema: backend.schema });
        expect(await second.tryLock(TAB_LOCK)).not.toBeNull();
        // The first's renewals get through again and find another holder.
        backend.emulator.reset();
        await expect.poll(() => emptyBatchOutcome(first, run.id), { timeout: 10_000, interval: 5 }).toBe('SYNC_LOCKED');
        const error = await rejectionOf(first.applyBatch(batch(run.id, ['B', 'C'])));
        expect(error.code).toBe('SYNC_LOCKED');
        expect(error.message).toContain('The lease on tab');
        expect(error.message).toContain('another instance took the tab');
        expect(callsOf('fieldsync_apply_batch')).toBe(0);
        expect(await counts()).toEqual({ partners: 1, lineage: 1 });
        // Releasing the lost lease leaves the new holder's row alone.
        await lock?.release();
        expect(await backend.sql(`select lock_key from "${backend.schema}".fieldsync_locks`)).toEqual([{ lock_key: TAB_LOCK }]);
        await second.close?.();
      } finally {
        await otherApi.close();
      }
    });

    // Bug: renewals failing for longer than ttlMs went unnoticed, and the store kept writing on a lease that had run out.
    it('applyBatch - is refused with SYNC_LOCKED once no renewal succeeded within ttlMs', async () => {
      const first = backend.otherStore({ locks: { ttlMs: 200, renewEveryMs: 20 } });
      const run = await newRun(first);
      const lock = await first.tryLock(TAB_LOCK);
      expect(lock).not.toBeNull();
      expect(await emptyBatchOutcome(first, run.id)).toBe('accepted');
      // Every renewal is lost on the way (connection dropped): the lease runs out.
      backend.emulator.fail({ kind: 'drop', count: 1_000_000, functionName: 'fieldsync_try_lock' });
      await expect.poll(() => emptyBatchOutcome(first, run.id), { timeout: 10_000, interval: 5 }).toBe('SYNC_LOCKED');
      expect((await rejectionOf(first.applyBatch(batch(run.id, ['A'])))).code).toBe('SYNC_LOCKED');
      expect(callsOf('fieldsync_apply_batch')).toBe(0);
      expect(await counts()).toEqual({ partners: 0, lineage: 0 });
      await lock?.release();
      backend.emulator.reset();
      // The tab's next lock starts afresh.
      const next = await first.tryLock(TAB_LOCK);
      expect(next).not.toBeNull();
      expect((await first.applyBatch(batch(run.id, ['A']))).created).toBe(1);
      await next?.release();
    });

    // Bug: the lease was only checked client-side, so a batch sent just before the lease ran out could commit after another instance took the tab.
    it.each([
      ['expired', false],
      ['another instance took over', true],
    ] as const)('applyBatch - the database refuses a batch sent under a lease that %s (SYNC_LOCKED, nothing written)', async (_what, taken) => {
      // No renewal during the test, so the client-side check still sees the lease as held: only the SQL check can refuse.
      const first = backend.otherStore({ locks: { ttlMs: 60_000, renewEveryMs: 59_000 } });
      const lock = await first.tryLock(TAB_LOCK);
      expect(lock).not.toBeNull();
      const run = await newRun(first);
      expect((await first.applyBatch(batch(run.id, ['A']))).created).toBe(1);
      const [sent] = backend.emulator.calls.filter((call) => call.functionName === 'fieldsync_apply_batch');
      const [row] = await backend.sql<{ holder: string }>(`select holder::text as holder from "${backend.schema}".fieldsync_locks where lock_key = $1`, [TAB_LOCK]);
      expect((sent?.body as { payload?: { lock?: unknown } } | undefined)?.payload?.lock).toEqual({ key: TAB_LOCK, holder: row?.holder });
      // The lease runs out under the holder without its renewal noticing.
      await backend.sql(`update "${backend.schema}".fieldsync_locks set expires_at = clock_timestamp() - interval '1 second'`);
      let second: Store | undefined;
      if (taken) {
        second = backend.otherStore();
        expect(await second.tryLock(TAB_LOCK)).not.toBeNull();
      }
      const error = await rejectionOf(first.applyBatch(batch(run.id, ['B', 'C'])));
      expect(error.code).toBe('SYNC_LOCKED');
      expect(error.details).toMatchObject({ code: 'FS001', kind: 'lease-lost', function: 'fieldsync_apply_batch' });
      expect(error.message).toContain('another instance took the tab');
      expect(error.message).toContain('Nothing of this call was written');
      // The database refused it: the call was made, and none of the batch (entities, lineage, counters, cursor) was kept.
      expect(callsOf('fieldsync_apply_batch')).toBe(2);
      expect(await counts()).toEqual({ partners: 1, lineage: 1 });
      expect(await first.getRun(run.id)).toMatchObject({ rowsCreated: 1, rowsProcessed: 1, lineageCount: 1 });
      expect(await first.getState(TAB)).toEqual({ after: 'A' });
      await lock?.release();
      expect(await backend.sql(`select lock_key from "${backend.schema}".fieldsync_locks`)).toEqual(taken ? [{ lock_key: TAB_LOCK }] : []);
      await second?.close?.();
    });

    it('applyBatch - a payload without a lock (no lease held) is written as before', async () => {
      const run = await newRun();
      expect((await store.applyBatch(batch(run.id, ['A']))).created).toBe(1);
      const [sent] = backend.emulator.calls.filter((call) => call.functionName === 'fieldsync_apply_batch');
      expect(sent?.body).toHaveProperty('payload');
      expect((sent?.body as { payload: Record<string, unknown> }).payload).not.toHaveProperty('lock');
    });

    it('locks - renewEveryMs at or above ttlMs is refused', () => {
      try {
        supabaseStore({ client: testClient(backend.emulator.url), schema: backend.schema, locks: { ttlMs: 1000, renewEveryMs: 1000 } });
        expect.fail('expected a configuration error');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as ConfigurationError).issues).toEqual([{ path: 'locks.renewEveryMs', message: expect.stringContaining('below locks.ttlMs') }]);
      }
    });

    it('errors - never contain the API key', async () => {
      backend.emulator.fail({ kind: 'drop', functionName: 'fieldsync_create_run' });
      const error = await rejectionOf(store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false }));
      const shown = `${error.message} ${String(error)} ${JSON.stringify(error.details)} ${error.stack ?? ''}`;
      expect(shown).not.toContain(SERVICE_ROLE_KEY);
    });
  });
}
