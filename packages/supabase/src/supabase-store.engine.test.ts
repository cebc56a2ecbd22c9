import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncEngine, defineMapping, type SyncEngine } from '@fieldsync/core';
import { staticRows } from '@fieldsync/core/testing';
import { testBackendKinds, type TestBackend } from './test-backends.js';

const mapping = defineMapping({
  dataSources: [
    {
      id: 'master-sheet',
      name: 'Master Sheet',
      type: 'static',
      tabs: [{ id: 'partners-tab', tabName: 'Partners', entity: 'partners', columns: { Code: { field: 'partner_code', key: true }, 'Brand Name': { field: 'brand_name' } } }],
    },
  ],
});

const rows = (count: number, brand = 'Brand') => Array.from({ length: count }, (_, index) => ({ Code: `P-${index + 1}`, 'Brand Name': `${brand} ${index + 1}` }));

for (const kind of testBackendKinds()) {
  describe(`supabaseStore under the engine (${kind.name})`, () => {
    let backend: TestBackend;
    let engine: SyncEngine;
    const source = staticRows({ tabs: { Partners: rows(10) } });
    const count = async (table: string) => Number((await backend.sql<{ count: string }>(`select count(*) from "${backend.schema}".${table}`))[0]?.count);

    beforeEach(async () => {
      backend = await kind.create();
      await backend.createEntityTable('partners', { partner_code: 'text', brand_name: 'text' }, { uniqueKey: 'partner_code' });
      source.setRows('Partners', rows(10));
      engine = createSyncEngine({ store: backend.store, strategies: [source], config: mapping, batchSize: 4 });
    });
    afterEach(async () => {
      await engine?.dispose();
      await backend?.cleanup();
    });
    afterAll(async () => kind.close());

    it('syncTab - a batch whose call fails mid-way fails the run, keeps the committed batches, and the next run converges', async () => {
      // Batches of 4: the first apply commits; the second runs in its transaction, is rolled back, and the connection drops.
      backend.emulator.fail({ kind: 'rollback-and-drop', functionName: 'fieldsync_apply_batch', after: 1 });
      await expect(engine.syncTab('partners-tab')).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(backend.emulator.calls.filter((call) => call.functionName === 'fieldsync_apply_batch')).toHaveLength(2);
      expect(await count('partners')).toBe(4);
      // Two lineage rows per created partner: partner_code and brand_name.
      expect(await count('field_lineage')).toBe(8);
      const [failed] = (await backend.store.listRuns({ limit: 1 })).items;
      expect(failed).toMatchObject({ status: 'failed', failure: { code: 'STORE_UNAVAILABLE' }, rowsCreated: 4, rowsProcessed: 4 });

      const result = await engine.syncTab('partners-tab');
      expect(result).toMatchObject({ success: true, stats: { rowsCreated: 6, rowsUnchanged: 4 } });
      expect(await count('partners')).toBe(10);
      expect(await count('field_lineage')).toBe(20);
      const again = await engine.syncTab('partners-tab');
      expect(again.stats).toMatchObject({ rowsCreated: 0, rowsUpdated: 0, lineageCount: 0 });
    });
    it('syncTab - a dry run writes nothing and previews exactly what the real run then writes', async () => {
      const preview = await engine.syncTab('partners-tab', { dryRun: true });
      expect(await count('partners')).toBe(0);
      const real = await engine.syncTab('partners-tab');
      expect(real.stats.rowsCreated).toBe(preview.changes.length);
      const loads = backend.emulator.calls.filter((call) => call.functionName === 'fieldsync_load_entities').length;
      const applies = backend.emulator.calls.filter((call) => call.functionName === 'fieldsync_apply_batch').length;
      // One load per batch of both runs, one apply per batch of the real run: no per-row calls.
      expect(loads).toBe(6);
      expect(applies).toBe(3);
    });

    it('syncTab - is refused with SYNC_LOCKED while another instance holds the tab lease, and runs once it is released', async () => {
      const tabId = (await engine.loadConfig()).tabMappings[0]!.id;
      const lock = await backend.otherStore().tryLock(`fieldsync:tab:${tabId}`);
      expect(lock).not.toBeNull();
      await expect(engine.syncTab('partners-tab')).rejects.toMatchObject({ code: 'SYNC_LOCKED' });
      expect(await count('partners')).toBe(0);
      await lock?.release();
      expect((await engine.syncTab('partners-tab')).success).toBe(true);
      expect(await backend.sql(`select lock_key from "${backend.schema}".fieldsync_locks`)).toEqual([]);
    });

    it('tryLock - a lease left by a crashed holder is taken once it expires', async () => {
      const crashed = backend.otherStore({ locks: { ttlMs: 60_000 } });
      expect(await crashed.tryLock('sync:crash')).not.toBeNull();
      expect(await backend.store.tryLock('sync:crash')).toBeNull();
      // The holder never renews nor releases (its process died); its lease runs out.
      await backend.sql(`update "${backend.schema}".fieldsync_locks set expires_at = now() - interval '1 second'`);
      const taken = await backend.store.tryLock('sync:crash');
      expect(taken).not.toBeNull();
      await taken?.release();
    });

    it('tryLock - a held lease is renewed while held', async () => {
      const renewing = backend.otherStore({ locks: { ttlMs: 60_000, renewEveryMs: 20 } });
      const lock = await renewing.tryLock('sync:renew');
      expect(lock).not.toBeNull();
      const [shortened] = await backend.sql<{ expires_at: Date }>(`update "${backend.schema}".fieldsync_locks set expires_at = now() + interval '5 seconds' returning expires_at`);
      const calls = () => backend.emulator.calls.filter((call) => call.functionName === 'fieldsync_try_lock').length;
      const start = calls();
      // Two renewals after the update (one may have been in flight); no timing is asserted.
      await expect.poll(calls, { timeout: 10_000, interval: 10 }).toBeGreaterThanOrEqual(start + 2);
      const [renewed] = await backend.sql<{ expires_at: Date }>(`select expires_at from "${backend.schema}".fieldsync_locks`);
      expect(new Date(renewed!.expires_at).getTime()).toBeGreaterThan(new Date(shortened!.expires_at).getTime());
      await lock?.release();
      expect(await backend.sql(`select * from "${backend.schema}".fieldsync_locks`)).toEqual([]);
    });
  });
}
