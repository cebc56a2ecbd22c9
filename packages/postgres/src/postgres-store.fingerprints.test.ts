import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncEngine, defineMapping, defineTransformer, type SyncEngine, type Transformer } from '@fieldsync/core';
import { PARTNER_COLUMNS, gatedRows, partnerRows } from './engine-fixtures.js';
import { testDatabaseKinds, type TestDatabase } from './test-databases.js';

/** The partners mapping with Brand through a transformer that counts the values it decides. */
function countingMapping(options: Record<string, unknown> = {}) {
  return defineMapping({
    dataSources: [
      {
        id: 'master-sheet',
        name: 'Master Sheet',
        type: 'gated',
        tabs: [
          {
            id: 'partners-tab',
            tabName: 'Partners',
            entity: 'partners',
            columns: { Code: { field: 'code', key: true }, Brand: { field: 'brand', transform: 'counted', options }, Revenue: { field: 'revenue' }, Tier: { field: 'tier' } },
          },
        ],
      },
    ],
  });
}

function countingTransformer(): { transformer: Transformer<any>; calls: () => number; reset: () => void } {
  let calls = 0;
  const transformer = defineTransformer<Record<string, unknown>>({
    name: 'counted',
    transform: (value, context) => {
      calls += 1;
      if (value === 'BAD') return { ok: false, error: 'bad brand' };
      return { ok: true, value: context.options.upper ? String(value).toUpperCase() : String(value) };
    },
  });
  return { transformer, calls: () => calls, reset: () => (calls = 0) };
}

for (const kind of testDatabaseKinds()) {
  describe(`row fingerprints with the engine (${kind.name})`, () => {
    let db: TestDatabase;
    let rows: Array<Record<string, string>>;
    const engines: SyncEngine[] = [];
    const counter = countingTransformer();
    const engineFor = (config = countingMapping(), extra: { rowFingerprints?: boolean; flushWhenIdle?: boolean } = {}) => {
      const engine = createSyncEngine({ store: db.store, strategies: [gatedRows(() => rows)], config, transformers: [counter.transformer], batchSize: 10, ...extra });
      engines.push(engine);
      return engine;
    };
    const tabId = countingMapping().tabMappings[0]!.id;
    const brands = async () => (await db.sql<{ code: string; brand: string }>(`select code, brand from "${db.schema}".partners order by code`)).map((row) => row.brand);

    beforeEach(async () => {
      db = await kind.create();
      await db.store.init!();
      await db.createEntityTable('partners', PARTNER_COLUMNS, { uniqueKey: 'code' });
      rows = partnerRows(25);
      counter.reset();
    });
    afterEach(async () => {
      engines.length = 0;
      await db.cleanup();
    });
    afterAll(async () => kind.close());

    it('an unchanged re-sync decides no row: no transform, 25 unchanged, nothing written', async () => {
      const engine = engineFor();
      await engine.syncTab(tabId);
      expect(counter.calls()).toBe(25);
      expect(Number((await db.sql<{ n: string }>(`select count(*)::text as n from "${db.schema}".fieldsync_row_fingerprints`))[0]!.n)).toBe(25);
      counter.reset();
      const second = await engine.syncTab(tabId);
      expect(counter.calls()).toBe(0);
      expect(second.stats).toMatchObject({ rowsProcessed: 25, rowsUnchanged: 25, rowsCreated: 0, rowsUpdated: 0, lineageCount: 0 });
      const run = await db.store.getRun(second.syncRunId);
      expect(run).toMatchObject({ status: 'completed', rowsProcessed: 25, rowsUnchanged: 25 });
    });

    it('a source edit decides only the edited row', async () => {
      const engine = engineFor();
      await engine.syncTab(tabId);
      counter.reset();
      rows = partnerRows(25, (index) => (index === 3 ? { Brand: 'Renamed' } : {}));
      const result = await engine.syncTab(tabId);
      expect(counter.calls()).toBe(1);
      expect(result.stats).toMatchObject({ rowsUpdated: 1, rowsUnchanged: 24, lineageCount: 1 });
      expect((await brands())[3]).toBe('Renamed');
    });

    it('an entity another writer changed is decided again: the source value is restored with its lineage', async () => {
      const engine = engineFor();
      await engine.syncTab(tabId);
      await db.sql(`update "${db.schema}".partners set brand = 'Edited in the app' where code = 'P00005'`);
      counter.reset();
      const result = await engine.syncTab(tabId);
      expect(counter.calls()).toBe(1);
      expect(result.stats).toMatchObject({ rowsUpdated: 1, rowsUnchanged: 24 });
      expect((await brands())[5]).toBe('Brand 5');
      const [entity] = await db.sql<{ id: string }>(`select id::text from "${db.schema}".partners where code = 'P00005'`);
      const history = await db.store.fieldHistory({ entityType: 'partners', entityId: entity!.id, fieldName: 'brand' });
      expect(history[0]).toMatchObject({ previousValue: 'Edited in the app', newValue: 'Brand 5' });
      counter.reset();
      expect((await engine.syncTab(tabId)).stats.rowsUnchanged).toBe(25);
      expect(counter.calls()).toBe(0);
    });

    it('a partitioned entity table: an edited row is decided again although another partition holds a row at its old (ctid, xmin)', async () => {
      // Partitions number their ctids each, and one batch gives all its rows one xmin: rows of
      // the first batch share (ctid, xmin) across the two partitions.
      await db.sql(`drop table "${db.schema}".partners`);
      await db.sql(`create table "${db.schema}".partners (id uuid not null default gen_random_uuid() primary key, code text not null, brand text, revenue numeric, tier text) partition by hash (id)`);
      for (const remainder of [0, 1]) await db.sql(`create table "${db.schema}".partners_${remainder} partition of "${db.schema}".partners for values with (modulus 2, remainder ${remainder})`);
      const engine = engineFor();
      await engine.syncTab(tabId);
      const shared = await db.sql<{ n: string }>(
        `select count(*)::text as n from (select ctid, xmin::text from "${db.schema}".partners group by 1, 2 having count(*) > 1) twins`,
      );
      expect(Number(shared[0]!.n), 'rows of both partitions share (ctid, xmin)').toBeGreaterThan(0);
      for (const code of ['P00001', 'P00002', 'P00003', 'P00004']) await db.sql(`update "${db.schema}".partners set brand = 'Edited' where code = $1`, [code]);
      counter.reset();
      const result = await engine.syncTab(tabId);
      expect(counter.calls()).toBe(4);
      expect(result.stats).toMatchObject({ rowsUpdated: 4, rowsUnchanged: 21 });
      expect((await brands()).filter((brand) => brand === 'Edited')).toEqual([]);
    });

    it('after VACUUM FULL, an edited row is decided again although a row of its batch now sits at its old (ctid, xmin)', async () => {
      // One batch gives its rows one xmin; VACUUM FULL moves rows to new ctids and keeps their xmin.
      const engine = engineFor();
      await engine.syncTab(tabId);
      await db.sql(`update "${db.schema}".partners set brand = 'Edited' where code = 'P00000'`);
      await db.sql(`vacuum full "${db.schema}".partners`);
      const [moved] = await db.sql<{ n: string }>(
        `select count(*)::text as n from "${db.schema}".partners e join "${db.schema}".fieldsync_row_fingerprints f on f.entity_ctid = e.ctid and f.entity_xmin = e.xmin where f.entity_key = 'P00000'`,
      );
      expect(Number(moved!.n), "another row now sits at P00000's recorded (ctid, xmin)").toBe(1);
      counter.reset();
      const result = await engine.syncTab(tabId);
      expect(result.stats.rowsUpdated).toBe(1);
      expect((await brands()).filter((brand) => brand === 'Edited')).toEqual([]);
    });

    it('a changed mapping (transform options) decides every row again', async () => {
      await engineFor().syncTab(tabId);
      counter.reset();
      const result = await engineFor(countingMapping({ upper: true })).syncTab(tabId);
      expect(counter.calls()).toBe(25);
      expect(result.stats.rowsUpdated).toBe(25);
      expect((await brands())[0]).toBe('BRAND 0');
    });

    it('a row with an error is decided, and reported, on every run', async () => {
      rows = partnerRows(25, (index) => (index === 9 ? { Brand: 'BAD' } : {}));
      const engine = engineFor();
      const first = await engine.syncTab(tabId);
      expect(first.stats.errorCount).toBe(1);
      counter.reset();
      const second = await engine.syncTab(tabId);
      expect(counter.calls()).toBe(1);
      expect(second.stats.errorCount).toBe(1);
      expect(second.stats.errors[0]).toMatchObject({ address: 'B11', error: 'bad brand' });
    });

    it('fullRefresh, forceOverwrite and rowFingerprints: false decide every row', async () => {
      const engine = engineFor();
      await engine.syncTab(tabId);
      for (const options of [{ fullRefresh: true }, { forceOverwrite: true, triggeredBy: '7c9e6679-7425-40de-944b-e07fc1f90ae7' }]) {
        counter.reset();
        const result = await engine.syncTab(tabId, options);
        expect(counter.calls(), JSON.stringify(options)).toBe(25);
        expect(result.stats.rowsUnchanged).toBe(25);
      }
      counter.reset();
      await engineFor(countingMapping(), { rowFingerprints: false }).syncTab(tabId);
      expect(counter.calls()).toBe(25);
    });

    it('resetState forgets the fingerprints, so the next run decides every row', async () => {
      const engine = engineFor();
      await engine.syncTab(tabId);
      await db.store.resetState(tabId);
      counter.reset();
      await engine.syncTab(tabId);
      expect(counter.calls()).toBe(25);
    });

    it('a dry run skips unchanged rows too, and its changes are those of the real run', async () => {
      const engine = engineFor();
      await engine.syncTab(tabId);
      rows = partnerRows(25, (index) => (index % 10 === 0 ? { Tier: 'platinum' } : {}));
      counter.reset();
      const dry = await engine.syncTab(tabId, { dryRun: true });
      expect(counter.calls()).toBe(3);
      const real = await engine.syncTab(tabId, { collectChanges: true });
      expect(dry.changes.map((change) => [change.keyValue, change.fields.map((field) => field.field)])).toEqual(
        real.changes.map((change) => [change.keyValue, change.fields.map((field) => field.field)]),
      );
      expect(real.stats).toMatchObject({ rowsUpdated: 3, rowsUnchanged: 22 });
    });

    it('with full batches (flushWhenIdle off), a sparse change is gathered: 3 changed rows in 3 source batches cost one load and one write', async () => {
      const engine = engineFor(countingMapping(), { flushWhenIdle: false });
      await engine.syncTab(tabId);
      rows = partnerRows(25, (index) => (index % 10 === 0 ? { Tier: 'platinum' } : {}));
      const result = await engine.syncTab(tabId);
      expect(result.stats).toMatchObject({ rowsUpdated: 3, lineageCount: 3 });
      const lineageBatches = await db.sql<{ n: string }>(`select count(distinct changed_at)::text as n from "${db.schema}".field_lineage where sync_run_id = $1`, [result.syncRunId]);
      expect(Number(lineageBatches[0]!.n)).toBe(1);
    });
  });
}
