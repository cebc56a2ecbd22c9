import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncEngine, type SyncEngine } from '@fieldsync/core';
import { PARTNER_COLUMNS, TAB_ID, gate, gatedRows, mapping, partnerRows } from './engine-fixtures.js';
import { testDatabaseKinds, type TestDatabase } from './test-databases.js';

const count = async (db: TestDatabase, table: string) => Number((await db.sql<{ n: string }>(`select count(*)::text as n from "${db.schema}".${table}`))[0]!.n);
const versions = async (db: TestDatabase) => (await db.sql<{ code: string; version: string }>(`select code, xmin::text as version from "${db.schema}".partners order by code`)).map((row) => `${row.code}:${row.version}`);

for (const kind of testDatabaseKinds()) {
  describe(`postgresStore with the engine (${kind.name})`, () => {
    let db: TestDatabase;
    const engines: SyncEngine[] = [];
    const engineFor = (store = db.store, strategy = gatedRows(() => partnerRows(25))) => {
      const engine = createSyncEngine({ store, strategies: [strategy], config: mapping, batchSize: 10 });
      engines.push(engine);
      return engine;
    };
    beforeEach(async () => {
      db = await kind.create();
      await db.store.init!();
      await db.createEntityTable('partners', PARTNER_COLUMNS, { uniqueKey: 'code' });
    });
    afterEach(async () => {
      // Engines close their store on dispose; the database's cleanup closes the rest.
      engines.length = 0;
      await db.cleanup();
    });
    afterAll(async () => kind.close());

    it('syncTab - an unchanged re-sync writes no entity row and no lineage; one edit writes one lineage row', async () => {
      let rows = partnerRows(25);
      const engine = engineFor(db.store, gatedRows(() => rows));
      const first = await engine.syncTab(TAB_ID);
      expect(first.stats).toMatchObject({ rowsProcessed: 25, rowsCreated: 25, lineageCount: 100 });
      expect(await count(db, 'field_lineage')).toBe(100);
      const before = await versions(db);
      const second = await engine.syncTab(TAB_ID);
      expect(second.stats).toMatchObject({ rowsProcessed: 25, rowsCreated: 0, rowsUpdated: 0, rowsUnchanged: 25, lineageCount: 0 });
      expect(await versions(db), 'no entity row was rewritten').toEqual(before);
      expect(await count(db, 'field_lineage')).toBe(100);
      rows = partnerRows(25, (index) => (index === 7 ? { Brand: 'Renamed' } : {}));
      const third = await engine.syncTab(TAB_ID);
      expect(third.stats).toMatchObject({ rowsUpdated: 1, lineageCount: 1 });
      expect(await count(db, 'field_lineage')).toBe(101);
      const changed = (await versions(db)).filter((version, index) => version !== before[index]);
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatch(/^P00007:/);
      const runs = await db.store.listRuns({ tabMappingId: TAB_ID });
      expect(runs.items.map((run) => run.status)).toEqual(['completed', 'completed', 'completed']);
      expect(runs.items[0]).toMatchObject({ rowsUpdated: 1, lineageCount: 1, rowsUnchanged: 24 });
    });

    it('syncTab - a second sync of the same tab while one runs is refused with SYNC_LOCKED', async () => {
      const held = gate();
      const reached = gate();
      const engine = engineFor(db.store, gatedRows(() => partnerRows(25), async (batch) => {
        if (batch === 2) {
          reached.open();
          await held.promise;
        }
      }));
      const running = engine.syncTab(TAB_ID);
      await reached.promise;
      await expect(engineFor(db.otherStore()).syncTab(TAB_ID)).rejects.toMatchObject({ code: 'SYNC_LOCKED' });
      const peer = db.peerStore?.();
      if (peer) await expect(engineFor(peer).syncTab(TAB_ID)).rejects.toMatchObject({ code: 'SYNC_LOCKED' });
      held.open();
      expect((await running).stats.rowsCreated).toBe(25);
      const after = await engineFor(db.otherStore()).syncTab(TAB_ID);
      expect(after.success).toBe(true);
      expect((await db.store.listRuns({ tabMappingId: TAB_ID })).items.map((run) => run.status)).toEqual(['completed', 'completed']);
    });

    it('syncTab - a run abandoned mid-way (its process died) is failed by the next run, which converges', async () => {
      // What a crashed process leaves: a running run with one committed batch and a heartbeat that stopped long ago.
      const engine = engineFor(db.store, gatedRows(() => partnerRows(25), async (batch) => {
        if (batch === 2) throw new Error('process killed');
      }));
      const abandoned = await db.store.createRun({ dataSourceId: mapping.dataSources[0]!.id, tabMappingId: TAB_ID, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await expect(engine.syncTab(TAB_ID)).rejects.toThrow('process killed');
      await db.sql(`update "${db.schema}".sync_runs set status = 'running', completed_at = null, failure = null, heartbeat_at = now() - interval '1 hour' where status = 'failed'`);
      await db.sql(`update "${db.schema}".sync_runs set heartbeat_at = now() - interval '1 hour' where id = $1`, [abandoned.id]);
      expect(await count(db, 'partners')).toBe(10);
      const next = await engineFor().syncTab(TAB_ID);
      expect(next.stats).toMatchObject({ rowsCreated: 15, rowsUnchanged: 10 });
      const runs = (await db.store.listRuns({ tabMappingId: TAB_ID })).items;
      expect(runs.map((run) => run.status)).toEqual(['completed', 'failed', 'failed']);
      expect(runs.slice(1).map((run) => run.failure?.code)).toEqual(['RUN_ABANDONED', 'RUN_ABANDONED']);
      expect(await count(db, 'partners')).toBe(25);
      expect(await count(db, 'field_lineage')).toBe(100);
    });
  });
}
