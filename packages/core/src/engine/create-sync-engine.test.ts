import { describe, expect, it } from 'vitest';
import { defineMapping } from '../config/define-mapping.js';
import { FieldsyncError } from '../errors.js';
import type { SourceBatch, SourceReader, SourceRow, SyncStrategy } from '../strategy.js';
import { staticRows } from '../testing/static-rows.js';
import { memoryStore, type MemoryStoreOptions } from '../testing/memory-store.js';
import { createSyncEngine } from './create-sync-engine.js';
import { ADMIN, partnerRows, partnersStore, sheetMapping, type Entities } from './engine-test-fixtures.js';

/** The sheet mapping with `deletePolicy: 'delete'`. */
function deletingMapping() {
  const mapping = sheetMapping();
  return { ...mapping, tabMappings: mapping.tabMappings.map((tab) => ({ ...tab, deletePolicy: 'delete' as const })) };
}

/** `source` whose readers yield `batches(reader)` instead of their own batches. */
function withBatches(source: SyncStrategy, batches: (reader: SourceReader) => AsyncIterable<SourceBatch>): SyncStrategy {
  return {
    ...source,
    async open(request) {
      const reader = await source.open(request);
      return { ...reader, batches: () => batches(reader) };
    },
  };
}

function setup(options: { rows?: Array<Record<string, unknown>>; batchSize?: number; faults?: MemoryStoreOptions['faults'] } = {}) {
  const store = partnersStore(options.faults ? { faults: options.faults } : {});
  const source = staticRows({ tabs: { Partners: options.rows ?? partnerRows(25) } });
  const engine = createSyncEngine({ store, strategies: [source], config: sheetMapping(), batchSize: options.batchSize ?? 10 });
  return { store, source, engine };
}

describe('createSyncEngine', () => {
  it('syncTab - creates entities with typed values, lineage and a completed run', async () => {
    const { store, engine } = setup({ rows: partnerRows(3) });
    const result = await engine.syncTab('partners-tab');
    expect(result.success).toBe(true);
    expect(result.stats).toMatchObject({ rowsProcessed: 3, rowsCreated: 3, rowsUpdated: 0, rowsSkipped: 0 });
    const partners = store.entities('partners');
    expect(partners.find((partner) => partner.partner_code === 'P0002')).toMatchObject({ brand_name: 'Brand 2', revenue: 20.5, active: true, tier: 'silver' });
    const run = await store.getRun(result.syncRunId);
    expect(run).toMatchObject({ status: 'completed', rowsCreated: 3, trigger: 'manual', dryRun: false });
    const lineage = store.lineage().filter((row) => row.entityKey === 'P0002' && row.fieldName === 'brand_name');
    expect(lineage).toHaveLength(1);
    expect(lineage[0]).toMatchObject({ sourceType: 'static', previousValue: null, newValue: 'Brand 2', reason: 'create', syncRunId: result.syncRunId });
    expect(lineage[0]?.sourceRef).toContain('row 3');
  });

  it('syncTab - a dry run returns exactly what the real run then writes', async () => {
    const { store, source, engine } = setup({ rows: partnerRows(25) });
    await engine.syncTab('partners-tab');
    const edited = partnerRows(30).map((row, index) => (index % 4 === 0 ? { ...row, Tier: 'platinum', Revenue: '$1.00' } : row));
    source.setRows('Partners', edited);
    const before = store.lineage().length;
    const dry = await engine.syncTab('partners-tab', { dryRun: true });
    expect(store.lineage().length).toBe(before);
    const real = await engine.syncTab('partners-tab');
    const written = store
      .lineage()
      .filter((row) => row.syncRunId === real.syncRunId)
      .map((row) => `${row.entityKey}.${row.fieldName}=${JSON.stringify(row.newValue)}`)
      .sort();
    const previewed = dry.changes.flatMap((change) => change.fields.map((field) => `${change.keyValue}.${field.field}=${JSON.stringify(field.next instanceof Date ? field.next.toISOString() : field.next)}`)).sort();
    expect(written.length).toBeGreaterThan(0);
    expect(previewed).toEqual(written);
    expect(dry.stats).toMatchObject({ rowsCreated: real.stats.rowsCreated, rowsUpdated: real.stats.rowsUpdated, lineageCount: real.stats.lineageCount });
  });

  it('syncTab - a second run over an unchanged source writes nothing', async () => {
    const { store, engine } = setup();
    await engine.syncTab('partners-tab');
    const lineageBefore = store.lineage().length;
    const second = await engine.syncTab('partners-tab');
    expect(second.stats).toMatchObject({ rowsProcessed: 25, rowsCreated: 0, rowsUpdated: 0, lineageCount: 0, rowsUnchanged: 25 });
    expect(store.lineage().length).toBe(lineageBefore);
  });

  it('syncTab - a failing batch fails the run, keeps whole batches, and the next run converges', async () => {
    let failOn = 2;
    const { store, engine } = setup({ rows: partnerRows(25), faults: { applyBatch: (n) => (n === failOn ? new Error('connection reset') : undefined) } });
    await expect(engine.syncTab('partners-tab')).rejects.toThrow('connection reset');
    const partners = store.entities('partners');
    expect(partners).toHaveLength(10); // batch 1 only: batch 2 wrote nothing
    expect(store.lineage().every((row) => partners.some((partner) => partner.partner_code === row.entityKey))).toBe(true);
    const failed = store.runs().at(-1);
    expect(failed).toMatchObject({ status: 'failed', failure: { message: 'connection reset' } });
    failOn = -1;
    const next = await engine.syncTab('partners-tab');
    expect(next.stats).toMatchObject({ rowsCreated: 15, rowsUnchanged: 10 });
    expect(store.entities('partners')).toHaveLength(25);
  });

  it('syncTab - row errors drop the row, warnings the field, rows without a key are skipped', async () => {
    const rows = [
      ...partnerRows(2),
      { Code: '', 'Brand Name': 'No key' },
      { Code: 'P0009', 'Brand Name': '', Revenue: '$5' },
      { Code: 'P0010', 'Brand Name': 'Bad money', Revenue: 'twelve dollars' },
      { Code: 'P0001', 'Brand Name': 'Duplicate' },
    ];
    const { store, engine } = setup({ rows });
    const result = await engine.syncTab('partners-tab');
    expect(result.stats).toMatchObject({ rowsProcessed: 6, rowsCreated: 2, rowsSkipped: 4, errorCount: 3 });
    const messages = result.stats.errors.map((error) => `${error.row}:${error.column}:${error.severity}`);
    expect(messages).toEqual(['5:Brand Name:error', '6:Revenue:error', '7:Code:error']);
    expect(result.stats.errors[2]?.error).toMatch(/Duplicate key 'P0001'.*row 2/);
    expect(store.entities('partners').map((partner) => partner.brand_name).sort()).toEqual(['Brand 1', 'Brand 2']);
  });

  it('syncTab - keeps at most maxStoredErrors errors and the total count', async () => {
    const rows = Array.from({ length: 30 }, (_, index) => ({ Code: `E${index}`, 'Brand Name': '' }));
    const store = partnersStore();
    const engine = createSyncEngine({ store, strategies: [staticRows({ tabs: { Partners: rows } })], config: sheetMapping(), maxStoredErrors: 5 });
    const result = await engine.syncTab('partners-tab');
    const run = await store.getRun(result.syncRunId);
    expect(run?.errors).toHaveLength(5);
    expect(run?.errorCount).toBe(30);
  });

  it('syncTab - the errors kept are the first in row order, though a duplicate key is found before the cell errors of earlier rows', async () => {
    // Rows 2 and 3 miss a required field (found when their batch is decided); row 5 repeats row 2's key (found as it is read).
    const rows = [
      { Code: 'D1', 'Brand Name': '' },
      { Code: 'D2', 'Brand Name': '' },
      { Code: 'D3', 'Brand Name': 'Three' },
      { Code: 'D1', 'Brand Name': 'Again' },
    ];
    const store = partnersStore();
    const engine = createSyncEngine({ store, strategies: [staticRows({ tabs: { Partners: rows } })], config: sheetMapping(), maxStoredErrors: 2 });
    const result = await engine.syncTab('partners-tab');
    expect(result.stats.errorCount).toBe(3);
    expect(result.stats.errors.map((error) => error.row)).toEqual([2, 3]);
    expect((await store.getRun(result.syncRunId))?.errors.map((error) => error.row)).toEqual([2, 3]);
  });

  it('syncTab - reference fills only empty fields; forceOverwrite overwrites and is recorded', async () => {
    const { store, source, engine } = setup({ rows: partnerRows(2) });
    await engine.syncTab('partners-tab');
    source.setRows('Partners', partnerRows(2).map((row) => ({ ...row, Notes: 'changed in sheet' })));
    const normal = await engine.syncTab('partners-tab', { collectChanges: true });
    expect(normal.stats.rowsUpdated).toBe(0);
    expect(normal.conflicts.map((conflict) => conflict.reason)).toEqual(['reference', 'reference']);
    await expect(engine.syncTab('partners-tab', { forceOverwrite: true })).rejects.toThrow(/triggeredBy/);
    const forced = await engine.syncTab('partners-tab', { forceOverwrite: true, triggeredBy: ADMIN });
    expect(forced.stats.rowsUpdated).toBe(2);
    expect(store.entities('partners').every((partner) => partner.notes === 'changed in sheet')).toBe(true);
    expect(store.lineage().filter((row) => row.reason === 'forced').every((row) => row.changedBy === ADMIN)).toBe(true);
    expect(await store.getRun(forced.syncRunId)).toMatchObject({ forceOverwrite: true, triggeredBy: ADMIN });
  });

  it('syncTab - derived fields are computed after each change, never synced', async () => {
    const store = partnersStore();
    const source = staticRows({ tabs: { Partners: partnerRows(2) } });
    const engine = createSyncEngine({
      store,
      strategies: [source],
      config: sheetMapping(),
      derivations: { partners: { display_name: (partner) => `${String(partner.brand_name)} (${String(partner.tier)})` } },
    });
    await engine.syncTab('partners-tab');
    expect(store.entities('partners').map((partner) => partner.display_name).sort()).toEqual(['Brand 1 (silver)', 'Brand 2 (silver)']);
    source.setRows('Partners', partnerRows(2).map((row) => ({ ...row, Tier: 'gold' })));
    await engine.syncTab('partners-tab');
    expect(store.entities('partners').map((partner) => partner.display_name).sort()).toEqual(['Brand 1 (gold)', 'Brand 2 (gold)']);
    expect(store.lineage().filter((row) => row.fieldName === 'display_name').map((row) => row.sourceType)).toEqual(['derived', 'derived', 'derived', 'derived']);
  });

  it('syncTab - a missing entity column is a configuration error before anything is read', async () => {
    const store = partnersStore();
    const mapping = defineMapping<{ partners: { partner_code: string; nope: string } }>({
      dataSources: [{ id: 's', name: 'S', type: 'static', tabs: [{ id: 't', tabName: 'Partners', entity: 'partners', columns: { Code: { field: 'partner_code', key: true }, X: { field: 'nope' } } }] }],
    });
    const engine = createSyncEngine({ store, strategies: [staticRows({ tabs: { Partners: partnerRows(2) } })], config: mapping });
    await expect(engine.syncTab('t')).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID', message: expect.stringContaining("no column 'nope'") });
    expect(store.runs()).toHaveLength(0);
    expect(store.entities('partners')).toHaveLength(0);
  });

  it('syncTab - a second sync of the same tab at once is refused', async () => {
    const { engine } = setup({ rows: partnerRows(50), batchSize: 5 });
    const first = engine.syncTab('partners-tab');
    const second = engine.syncTab('partners-tab');
    const outcomes = await Promise.allSettled([first, second]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'SYNC_LOCKED' });
  });

  it('syncTab - rowLimit, progress events and abort', async () => {
    const { engine, store } = setup({ rows: partnerRows(25) });
    const events: number[] = [];
    const limited = await engine.syncTab('partners-tab', { rowLimit: 12, onProgress: (event) => events.push(event.stats.rowsProcessed) });
    expect(limited.stats.rowsProcessed).toBe(12);
    expect(events).toEqual([10, 12]);
    const controller = new AbortController();
    const aborted = engine.syncTab('partners-tab', { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(aborted).rejects.toSatisfy((error: unknown) => FieldsyncError.isInstance(error) && error.code === 'SYNC_ABORTED');
    expect(store.runs().at(-1)).toMatchObject({ status: 'failed', failure: { code: 'SYNC_ABORTED' } });
  });

  it('syncTab - with unchanged rows skipped, a key created in one source batch and reported deleted in a later one is deleted', async () => {
    const store = partnersStore();
    const source = staticRows({ tabs: { Partners: partnerRows(25) } });
    const config = deletingMapping();
    const engine = createSyncEngine({ store, strategies: [source], config, batchSize: 10 });
    await engine.syncTab('partners-tab');
    // P0099 is new in the first source batch (the only row there left to decide, so it waits
    // to be gathered); the last source batch reports it deleted.
    source.setRows('Partners', [...partnerRows(1, 99), ...partnerRows(25)]);
    source.setDeleted('Partners', ['P0099']);
    const result = await engine.syncTab('partners-tab');
    expect(result.stats).toMatchObject({ rowsCreated: 1, rowsDeleted: 1, rowsUnchanged: 25 });
    expect(store.entities('partners').map((partner) => partner.partner_code)).not.toContain('P0099');
  });

  describe('batches in flight', () => {
    // A store whose first write is held until released, logging loads (by their first key) and writes.
    const heldStore = () => {
      const events: string[] = [];
      let release = () => {};
      const held = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
      const store = partnersStore({ faults: { applyBatch: (batch) => (events.push(`write ${batch}`), batch === 1 ? held : undefined) } });
      const watched: typeof store = {
        ...store,
        loadEntities: async (request) => {
          events.push(`load ${request.keys[0]}`);
          return store.loadEntities(request);
        },
      };
      return { store, watched, events, release };
    };
    const idle = () => new Promise((resolve) => setTimeout(resolve, 30));

    it('the next batch loads and decides while one writes, writes only after it lands, and no third starts meanwhile', async () => {
      const { store, watched, events, release } = heldStore();
      const engine = createSyncEngine({ store: watched, strategies: [staticRows({ tabs: { Partners: partnerRows(30) } })], config: sheetMapping(), batchSize: 10 });
      const running = engine.syncTab('partners-tab');
      await idle();
      expect(events).toEqual(['load P0001', 'write 1', 'load P0011']);
      release();
      expect((await running).stats).toMatchObject({ rowsCreated: 30 });
      expect(events.indexOf('write 2')).toBeGreaterThan(events.indexOf('load P0011'));
      expect(events.filter((event) => event.startsWith('write'))).toEqual(['write 1', 'write 2', 'write 3']);
      expect(store.entities('partners')).toHaveLength(30);
    });

    it('a batch with deletions loads only once every earlier batch has landed (a key it deletes may be one they created)', async () => {
      const { store, watched, events, release } = heldStore();
      // Source batches of 10: P0001-P0010 fill a batch (its write held); P0011-P0015 and the
      // deletion of P0001 go in the next one.
      const source = staticRows({ tabs: { Partners: partnerRows(15) } });
      source.setDeleted('Partners', ['P0001']);
      const config = deletingMapping();
      const engine = createSyncEngine({ store: watched, strategies: [source], config, batchSize: 10 });
      const running = engine.syncTab('partners-tab');
      await idle();
      expect(events).toEqual(['load P0001', 'write 1']);
      release();
      expect((await running).stats).toMatchObject({ rowsCreated: 15, rowsDeleted: 1 });
      expect(events).toEqual(['load P0001', 'write 1', 'load P0011', 'write 2']);
      expect(store.entities('partners').map((partner) => partner.partner_code)).not.toContain('P0001');
    });

    it('a failed write fails the batch decided behind it before that one writes', async () => {
      const events: string[] = [];
      let fail = (_error: Error) => {};
      const failing = new Promise<Error>((resolve) => (fail = resolve));
      const store = partnersStore({ faults: { applyBatch: (batch) => (events.push(`write ${batch}`), batch === 1 ? failing : undefined) } });
      const watched: typeof store = {
        ...store,
        loadEntities: async (request) => {
          events.push(`load ${request.keys[0]}`);
          const found = await store.loadEntities(request);
          // The second batch is loaded (and decided next) while the first still writes: now it fails.
          if (request.keys[0] === 'P0011') setTimeout(() => fail(new Error('disk full')), 10);
          return found;
        },
      };
      const engine = createSyncEngine({ store: watched, strategies: [staticRows({ tabs: { Partners: partnerRows(30) } })], config: sheetMapping(), batchSize: 10 });
      await expect(engine.syncTab('partners-tab')).rejects.toThrow('disk full');
      expect(events).toEqual(['load P0001', 'write 1', 'load P0011']);
      expect(store.entities('partners')).toHaveLength(0);
      expect(store.runs().at(-1)).toMatchObject({ status: 'failed', rowsCreated: 0, rowsProcessed: 0 });
    });

    it('a key reported deleted comes back when a later source batch has its row again: the row waits for the deletion to land and is not skipped as unchanged', async () => {
      const store = partnersStore();
      const config = deletingMapping();
      const rows = staticRows({ tabs: { Partners: partnerRows(11) } });
      await createSyncEngine({ store, strategies: [rows], config, batchSize: 10 }).syncTab('partners-tab');
      // Now the source says P0011 was deleted (with the first ten rows), then has its row again.
      let release = () => {};
      const held = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
      const deleteThenReadd = withBatches(rows, async function* (reader) {
        const read: SourceRow[] = [];
        for await (const batch of reader.batches()) read.push(...batch.rows);
        yield { rows: read.slice(0, 10), deleted: [{ key: 'P0011' }] };
        setTimeout(release, 20);
        yield { rows: read.slice(10) };
      });
      const heldStore: typeof store = { ...store, applyBatch: async (batch) => (batch.deletes.length > 0 && (await held), store.applyBatch(batch)) };
      const result = await createSyncEngine({ store: heldStore, strategies: [deleteThenReadd], config, batchSize: 10 }).syncTab('partners-tab');
      expect(result.stats).toMatchObject({ rowsDeleted: 1, rowsCreated: 1, rowsUnchanged: 10 });
      expect(store.entities('partners').map((partner) => partner.partner_code)).toContain('P0011');
    });
  });

  describe('flushWhenIdle', () => {
    // 30 partners in source batches of 10 (a quarter batch is 3 rows); the re-sync changes
    // `perBatch` rows in each source batch.
    const changedRows = (perBatch: number) => partnerRows(30).map((row, index) => (index % 10 < perBatch ? { ...row, Tier: 'platinum' } : row));
    const writesOf = async (flushWhenIdle: boolean, perBatch: number, holdFirstWrite = false) => {
      let writes = 0;
      let holding = false;
      let release = () => {};
      let released = Promise.resolve(undefined);
      // Counts the re-sync's writes; with `holdFirstWrite` its first write stays in flight until the source is read to its end.
      const store = partnersStore({ faults: { applyBatch: () => ((writes += 1), holding && writes === 1 ? released : undefined) } });
      const source = staticRows({ tabs: { Partners: partnerRows(30) } });
      const endSignalling = withBatches(source, async function* (reader) {
        yield* reader.batches();
        release();
      });
      const engine = createSyncEngine({ store, strategies: [endSignalling], config: sheetMapping(), batchSize: 10, flushWhenIdle });
      await engine.syncTab('partners-tab');
      source.setRows('Partners', changedRows(perBatch));
      writes = 0;
      holding = holdFirstWrite;
      released = new Promise((resolve) => (release = () => resolve(undefined)));
      const result = await engine.syncTab('partners-tab');
      expect(result.stats).toMatchObject({ rowsUpdated: 3 * perBatch, rowsUnchanged: 30 - 3 * perBatch });
      expect(store.entities('partners').filter((partner) => partner.tier === 'platinum')).toHaveLength(3 * perBatch);
      return writes;
    };
    it('with nothing in flight, a quarter batch ready to decide is written at once: 3 changed rows in each of 3 source batches are 3 writes', async () => {
      expect(await writesOf(true, 3)).toBe(3);
    });
    it('fewer rows than a quarter batch wait for more: 1 changed row in each of 3 source batches is 1 write', async () => {
      expect(await writesOf(true, 1)).toBe(1);
    });
    it('off, rows are gathered into full batches: 9 changed rows in 3 source batches are 1 write', async () => {
      expect(await writesOf(false, 3)).toBe(1);
    });
    it('a failed write stops the run: it counts only the batch written before, and the next run converges', async () => {
      let writes = 0;
      let failSecond = false;
      const store = partnersStore({ faults: { applyBatch: () => ((writes += 1), failSecond && writes === 2 ? new Error('disk full') : undefined) } });
      const source = staticRows({ tabs: { Partners: partnerRows(30) } });
      const engine = createSyncEngine({ store, strategies: [source], config: sheetMapping(), batchSize: 10, flushWhenIdle: true });
      await engine.syncTab('partners-tab');
      source.setRows('Partners', changedRows(3));
      writes = 0;
      failSecond = true;
      await expect(engine.syncTab('partners-tab')).rejects.toThrow('disk full');
      expect(store.runs().at(-1)).toMatchObject({ status: 'failed', rowsProcessed: 10, rowsUpdated: 3, rowsUnchanged: 7 });
      expect(store.entities('partners').filter((partner) => partner.tier === 'platinum')).toHaveLength(3);
      failSecond = false;
      expect((await engine.syncTab('partners-tab')).stats).toMatchObject({ rowsUpdated: 6, rowsUnchanged: 24 });
    });
    it('while a write is in flight, the rows read meanwhile gather into the next batch', async () => {
      expect(await writesOf(true, 3, true)).toBe(2);
    });
  });

  it('syncTab - a fingerprint load that fails (it runs while the run is recorded and the source opens) fails the run, and the tab is free again', async () => {
    const store = partnersStore();
    let failing = true;
    const flaky: typeof store = {
      ...store,
      loadFingerprints: async (request) => {
        if (failing) throw new Error('fingerprints unreachable');
        return store.loadFingerprints(request);
      },
    };
    const engine = createSyncEngine({ store: flaky, strategies: [staticRows({ tabs: { Partners: partnerRows(3) } })], config: sheetMapping() });
    await expect(engine.syncTab('partners-tab')).rejects.toThrow('fingerprints unreachable');
    expect(store.runs().at(-1)).toMatchObject({ status: 'failed' });
    expect(store.entities('partners')).toHaveLength(0);
    failing = false;
    expect(await engine.syncTab('partners-tab')).toMatchObject({ success: true, stats: { rowsCreated: 3 } });
  });

  it('syncTab - a failed run counts only the batches it committed', async () => {
    const { store, engine } = setup({ faults: { applyBatch: (batch) => (batch === 2 ? new Error('disk full') : undefined) } });
    await expect(engine.syncTab('partners-tab')).rejects.toThrow('disk full');
    expect(store.runs().at(-1)).toMatchObject({ status: 'failed', rowsProcessed: 10, rowsCreated: 10 });
    expect(store.entities('partners')).toHaveLength(10);
  });

  it('syncDataSource - runs every active tab and reports a failing tab without rejecting', async () => {
    const store = partnersStore();
    const mapping = defineMapping<Entities>({
      dataSources: [
        {
          id: 'master-sheet',
          name: 'Master Sheet',
          type: 'static',
          tabs: [
            { id: 'a', tabName: 'A', entity: 'partners', columns: { Code: { field: 'partner_code', key: true }, 'Brand Name': { field: 'brand_name' } } },
            { id: 'b', tabName: 'B', entity: 'partners', columns: { Code: { field: 'partner_code', key: true }, 'Brand Name': { field: 'brand_name' } } },
            { id: 'c', tabName: 'Missing', entity: 'partners', columns: { Code: { field: 'partner_code', key: true } } },
            { id: 'd', tabName: 'Paused', entity: 'partners', status: 'paused', columns: { Code: { field: 'partner_code', key: true } } },
          ],
        },
      ],
    });
    const engine = createSyncEngine({ store, strategies: [staticRows({ tabs: { A: partnerRows(3), B: partnerRows(3, 10), Paused: partnerRows(1, 50) } })], config: mapping });
    const results = await engine.syncDataSource('master-sheet');
    expect(results.map((result) => result.success)).toEqual([true, true, false]);
    const failed = results[2];
    expect(failed?.success === false && failed.failure.code).toBe('SOURCE_NOT_FOUND');
    expect(await store.getRun(failed!.syncRunId!)).toMatchObject({ status: 'failed' });
    expect(store.entities('partners')).toHaveLength(6);
  });

  it('dispose - later calls fail with DISPOSED', async () => {
    const { engine } = setup();
    await engine.dispose();
    await expect(engine.syncTab('partners-tab')).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});

describe('createSyncEngine column types', () => {
  // Regression: a calendar date written to a timestamptz column compared unequal to the Date read back, so every re-run rewrote it.
  it('syncTab - a date into a timestamptz column and numeric text into numeric are stable across re-runs', async () => {
    const store = memoryStore({ tables: { events: { columns: { code: 'text', happened_at: 'timestamptz', on_day: 'date', amount: 'numeric' } } } });
    const mapping = defineMapping<{ events: { code: string; happened_at: unknown; on_day: unknown; amount: unknown } }>({
      dataSources: [
        {
          id: 'events-source',
          name: 'Events',
          type: 'static',
          tabs: [
            {
              id: 'events-tab',
              tabName: 'Events',
              entity: 'events',
              columns: { Code: { field: 'code', key: true }, Happened: { field: 'happened_at', transform: 'date' }, Day: { field: 'on_day', transform: 'date', options: { output: 'timestamp' } }, Amount: { field: 'amount' } },
            },
          ],
        },
      ],
    });
    const engine = createSyncEngine({ store, strategies: [staticRows({ tabs: { Events: [{ Code: 'E1', Happened: '2024-03-01', Day: '2024-03-02T15:00:00Z', Amount: '12.50' }] } })], config: mapping });
    await engine.syncTab('events-tab');
    expect(store.entities('events')[0]).toMatchObject({ happened_at: new Date('2024-03-01T00:00:00Z'), on_day: '2024-03-02', amount: 12.5 });
    const second = await engine.syncTab('events-tab');
    expect(second.stats).toMatchObject({ rowsUpdated: 0, lineageCount: 0 });
  });
});

describe('createSyncEngine edge cases', () => {
  // Regression: the duplicate message said "the first row wins" when the first row had been dropped for an error.
  it('syncTab - a duplicate of a dropped row says both were skipped', async () => {
    const rows = [
      { Code: 'P1', 'Brand Name': '' },
      { Code: 'P1', 'Brand Name': 'Second' },
    ];
    const { engine, store } = setup({ rows });
    const result = await engine.syncTab('partners-tab');
    expect(result.stats.errors[1]?.error).toMatch(/had errors and was skipped, and this one is skipped too/);
    expect(store.entities('partners')).toHaveLength(0);
  });

  // Regression: a derivation that threw was skipped without a word.
  it('syncTab - a throwing derivation leaves the field and records a warning', async () => {
    const store = partnersStore();
    const engine = createSyncEngine({
      store,
      strategies: [staticRows({ tabs: { Partners: partnerRows(1) } })],
      config: sheetMapping(),
      derivations: { partners: { display_name: () => { throw new Error('no brand'); } } },
    });
    const result = await engine.syncTab('partners-tab');
    expect(result.stats.rowsCreated).toBe(1);
    expect(result.stats.errors).toMatchObject([{ severity: 'warning', error: "Derivation of 'display_name' failed: no brand", key: 'P0001' }]);
  });

  // Regression: a batch cut short by rowLimit stored its checkpoint, so the rows cut off were never read again.
  it('syncTab - a batch cut by rowLimit does not move the incremental cursor past the rows it skipped', async () => {
    const store = partnersStore();
    const appendOnly: SyncStrategy = {
      type: 'static',
      capabilities: { incremental: true, streaming: true, deletes: false, lookup: false },
      async open(request) {
        const from = (request.state as { next?: number } | null)?.next ?? 1;
        const rows = partnerRows(6).slice(from - 1);
        return {
          label: 'Append only',
          columns: new Map(),
          async *batches() {
            // One batch for everything left, ignoring rowLimit (as a third-party strategy may).
            yield { rows: rows.map((values, index) => ({ values, address: { row: from + index + 1 } })), checkpoint: { next: from + rows.length } };
          },
        };
      },
    };
    const mapping = sheetMapping();
    const incremental = { ...mapping, tabMappings: mapping.tabMappings.map((tab) => ({ ...tab, mode: 'incremental' as const })) };
    const engine = createSyncEngine({ store, strategies: [appendOnly], config: incremental });
    await engine.syncTab('partners-tab', { rowLimit: 4 });
    expect(await store.getState(incremental.tabMappings[0]!.id)).toBeNull();
    await engine.syncTab('partners-tab');
    expect(store.entities('partners')).toHaveLength(6);
    expect(await store.getState(incremental.tabMappings[0]!.id)).toEqual({ next: 7 });
  });
});
