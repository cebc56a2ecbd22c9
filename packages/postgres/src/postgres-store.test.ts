import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyStats, type ApplyBatch, type NewLineage } from '@fieldsync/core';
import pg from 'pg';
import { testDatabaseKinds, type TestDatabase } from './test-databases.js';

const SOURCE = '11111111-1111-4111-8111-111111111111';
const OTHER_SOURCE = '22222222-2222-4222-8222-222222222222';
const TAB = '33333333-3333-4333-8333-333333333333';
/** A UUID of version 7 (RFC 9562), as fieldsync gives every lineage row it writes. */
const VERSION_7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function lineage(entityKey: string, fieldName: string, newValue: string | number | null, entityId: string | null = null, runId: string | null = null): NewLineage {
  return {
    entityType: 'partners',
    entityId,
    entityKey,
    fieldName,
    sourceType: 'google_sheet',
    sourceId: SOURCE,
    sourceRef: `Master > Partners > ${fieldName}`,
    previousValue: null,
    newValue,
    syncRunId: runId,
    changedBy: null,
    reason: 'create',
  };
}

function batch(runId: string, parts: Partial<ApplyBatch>): ApplyBatch {
  return { runId, tabMappingId: TAB, entity: 'partners', keyField: 'code', creates: [], updates: [], deletes: [], lineage: [], conflicts: [], stats: emptyStats(), ...parts };
}

for (const kind of testDatabaseKinds()) {
  describe(`postgresStore (${kind.name})`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await kind.create();
      await db.store.init!();
      await db.createEntityTable('partners', { code: 'text', brand: 'text', revenue: 'numeric', seats: 'integer', active: 'boolean', signed_on: 'date', seen_at: 'timestamptz', meta: 'jsonb', tags: 'text[]', owner_id: 'uuid' }, { uniqueKey: 'code' });
    });
    afterEach(async () => db.cleanup());
    afterAll(async () => kind.close());

    it('describeEntity - reports columns with core types, null for a missing table', async () => {
      const schema = await db.store.describeEntity('partners');
      expect(schema?.idColumn).toBe('id');
      expect(Object.fromEntries([...schema!.columns].map(([name, column]) => [name, column.type]))).toEqual({
        id: 'uuid', code: 'text', brand: 'text', revenue: 'numeric', seats: 'integer', active: 'boolean', signed_on: 'date', seen_at: 'timestamptz', meta: 'jsonb', tags: 'text[]', owner_id: 'uuid',
      });
      expect(await db.store.describeEntity('nothing_here')).toBeNull();
    });

    it('applyBatch - creates with every type round-tripping, lineage resolved by key, counters added', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      const seenAt = new Date('2024-03-04T05:06:07.089Z');
      const result = await db.store.applyBatch(
        batch(run.id, {
          creates: [
            { key: 'A1', values: { code: 'A1', brand: 'Acme', revenue: '12.50', seats: 3, active: true, signed_on: new Date('2024-01-02T00:00:00Z'), seen_at: seenAt, meta: { tier: 'gold', n: [1, 2] }, tags: ['x', 'y'], owner_id: OTHER_SOURCE } },
            { key: 'B2', values: { code: 'B2', brand: 42 } },
          ],
          lineage: [lineage('A1', 'brand', 'Acme', null, run.id), lineage('B2', 'brand', '42', null, run.id)],
          stats: { ...emptyStats(), rowsProcessed: 2, rowsCreated: 2, lineageCount: 2 },
          checkpoint: { page: 7 },
        }),
      );
      expect(result).toEqual({ created: 2, updated: 0, deleted: 0, lineage: 2, conflicts: 0 });
      const loaded = await db.store.loadEntities({ entity: 'partners', keyField: 'code', keys: ['A1', 'B2', 'ZZ'], fields: ['brand', 'revenue', 'seats', 'active', 'signed_on', 'seen_at', 'meta', 'tags', 'owner_id'], withOwners: true });
      expect([...loaded.keys()].sort()).toEqual(['A1', 'B2']);
      const a1 = loaded.get('A1')!;
      expect(a1.values).toEqual({ code: 'A1', brand: 'Acme', revenue: 12.5, seats: 3, active: true, signed_on: '2024-01-02', seen_at: seenAt, meta: { tier: 'gold', n: [1, 2] }, tags: ['x', 'y'], owner_id: OTHER_SOURCE });
      expect(a1.owners).toEqual({ brand: SOURCE });
      expect(loaded.get('B2')!.values).toMatchObject({ brand: '42', revenue: null, tags: null });
      const history = await db.store.fieldHistory({ entityType: 'partners', entityId: a1.id, fieldName: 'brand' });
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ entityId: a1.id, entityKey: 'A1', newValue: 'Acme', previousValue: null, reason: 'create', sourceId: SOURCE, syncRunId: run.id });
      const stored = await db.store.getRun(run.id);
      expect(stored).toMatchObject({ status: 'running', rowsProcessed: 2, rowsCreated: 2, lineageCount: 2 });
      expect(await db.store.getState(TAB)).toEqual({ page: 7 });
    });

    it('applyBatch - updates only the given columns, grouped by column set', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch(batch(run.id, { creates: ['A', 'B', 'C'].map((key) => ({ key, values: { code: key, brand: `brand ${key}`, seats: 1 } })) }));
      const loaded = await db.store.loadEntities({ entity: 'partners', keyField: 'code', keys: ['A', 'B', 'C'], fields: ['brand', 'seats'], withOwners: false });
      const id = (key: string) => loaded.get(key)!.id;
      // The row is changed behind the store's back: an update of other columns must not touch it.
      await db.sql(`update "${db.schema}".partners set active = true where code = 'C'`);
      const result = await db.store.applyBatch(
        batch(run.id, {
          updates: [
            { id: id('A'), key: 'A', values: { brand: 'new A' } },
            { id: id('B'), key: 'B', values: { seats: 9 } },
            { id: id('C'), key: 'C', values: { brand: 'new C', seats: 5 } },
          ],
          lineage: [lineage('A', 'brand', 'new A', id('A'))],
        }),
      );
      expect(result).toMatchObject({ created: 0, updated: 3, lineage: 1 });
      const rows = Object.fromEntries((await db.readEntities('partners')).map((row) => [row.code, row]));
      expect(rows.A).toMatchObject({ brand: 'new A', seats: 1 });
      expect(rows.B).toMatchObject({ brand: 'brand B', seats: 9 });
      expect(rows.C).toMatchObject({ brand: 'new C', seats: 5, active: true });
      expect(loaded.get('A')!.owners).toBeUndefined();
    });

    it('applyBatch - all or nothing: a failing row leaves no entity, lineage or counter behind', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch(batch(run.id, { creates: [{ key: 'A', values: { code: 'A' } }] }));
      const failing = batch(run.id, {
        creates: [{ key: 'N', values: { code: 'N', brand: 'new' } }, { key: 'A', values: { code: 'A', brand: 'secret-value-123' } }],
        lineage: [lineage('N', 'brand', 'new')],
        stats: { ...emptyStats(), rowsProcessed: 2 },
        checkpoint: 'after',
      });
      const error = await db.store.applyBatch(failing).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'StoreError', code: 'STORE_WRITE_FAILED' });
      expect((error as Error).message).toContain('unique');
      expect((error as Error).message).not.toContain('secret-value-123');
      expect((await db.readEntities('partners')).map((row) => row.code)).toEqual(['A']);
      expect(await db.sql(`select * from "${db.schema}".field_lineage`)).toHaveLength(0);
      expect((await db.store.getRun(run.id))!.rowsProcessed).toBe(0);
      expect(await db.store.getState(TAB)).toBeNull();
    });

    it('applyBatch - an open conflict with the same losing value is not inserted twice', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch(batch(run.id, { creates: [{ key: 'A', values: { code: 'A', brand: 'kept' } }] }));
      const [entity] = [...(await db.store.loadEntities({ entity: 'partners', keyField: 'code', keys: ['A'], fields: [], withOwners: false })).values()];
      const conflict = (losingValue: string | { a: number; b: number }) => ({
        entityType: 'partners', entityId: entity!.id, entityKey: 'A', fieldName: 'brand', currentValue: 'kept', losingValue, losingSourceId: OTHER_SOURCE, losingSourceRef: 'Close > lead', winningSourceId: SOURCE, reason: 'lower_priority' as const, syncRunId: run.id,
      });
      expect((await db.store.applyBatch(batch(run.id, { conflicts: [conflict('lost'), conflict('lost'), conflict({ a: 1, b: 2 })] }))).conflicts).toBe(2);
      expect((await db.store.applyBatch(batch(run.id, { conflicts: [conflict('lost'), conflict({ b: 2, a: 1 })] }))).conflicts).toBe(0);
      const open = await db.store.listConflicts({ status: 'open' });
      expect(open.items).toHaveLength(2);
      const lost = open.items.find((item) => item.losingValue === 'lost')!;
      const resolved = await db.store.resolveConflict({ conflictId: lost.id, resolution: 'apply_losing_value', resolvedBy: OTHER_SOURCE });
      expect(resolved).toMatchObject({ status: 'resolved', resolution: 'apply_losing_value', resolvedBy: OTHER_SOURCE });
      expect((await db.readEntities('partners'))[0]).toMatchObject({ brand: 'lost' });
      const [newest] = await db.store.fieldHistory({ entityType: 'partners', entityId: entity!.id, fieldName: 'brand' });
      expect(newest).toMatchObject({ reason: 'conflict_resolution', previousValue: 'kept', newValue: 'lost', changedBy: OTHER_SOURCE });
      expect(newest!.id).toMatch(VERSION_7);
      await expect(db.store.resolveConflict({ conflictId: lost.id, resolution: 'keep_current', resolvedBy: null })).rejects.toMatchObject({ code: 'CONFLICT_NOT_FOUND' });
      // Resolved, the same losing value may be raised again.
      expect((await db.store.applyBatch(batch(run.id, { conflicts: [conflict('lost')] }))).conflicts).toBe(1);
    });

    it('runs - finish replaces counters, list is newest first with filters and cursor pages', async () => {
      const runs = [];
      for (let index = 0; index < 5; index++) {
        runs.push(await db.store.createRun({ dataSourceId: index % 2 ? OTHER_SOURCE : SOURCE, tabMappingId: TAB, trigger: 'scheduled', triggeredBy: null, dryRun: index === 4, forceOverwrite: false }));
      }
      expect(runs[0]).toMatchObject({ status: 'running', rowsProcessed: 0, trigger: 'scheduled', errors: [], failure: null });
      expect(runs[0]!.heartbeatAt).toBeInstanceOf(Date);
      const finished = await db.store.finishRun(runs[1]!.id, {
        status: 'failed', stats: { ...emptyStats(), rowsProcessed: 7, errorCount: 1 }, errors: [{ row: 4, column: 'B', address: 'B4', error: 'bad', severity: 'error' }], warnings: ['blank header'], failure: { code: 'SOURCE_UNAVAILABLE', message: 'down' },
      });
      expect(finished).toMatchObject({ status: 'failed', rowsProcessed: 7, errorCount: 1, warnings: ['blank header'], failure: { code: 'SOURCE_UNAVAILABLE', message: 'down' } });
      expect(finished.completedAt).toBeInstanceOf(Date);
      const first = await db.store.listRuns({ limit: 2 });
      expect(first.items.map((run) => run.id)).toEqual([runs[4]!.id, runs[3]!.id]);
      const second = await db.store.listRuns({ limit: 2, cursor: first.nextCursor });
      expect(second.items.map((run) => run.id)).toEqual([runs[2]!.id, runs[1]!.id]);
      const third = await db.store.listRuns({ limit: 2, cursor: second.nextCursor });
      expect(third.items.map((run) => run.id)).toEqual([runs[0]!.id]);
      expect(third.nextCursor).toBeNull();
      expect((await db.store.listRuns({ dataSourceId: OTHER_SOURCE })).items).toHaveLength(2);
      expect((await db.store.listRuns({ status: 'failed' })).items.map((run) => run.id)).toEqual([runs[1]!.id]);
    });

    it('failStaleRuns - fails running runs whose heartbeat is older than the threshold', async () => {
      const stale = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.sql(`update "${db.schema}".sync_runs set heartbeat_at = now() - interval '10 minutes' where id = $1`, [stale.id]);
      const fresh = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      expect(await db.store.failStaleRuns({ staleAfterMs: 60_000 })).toBe(1);
      expect(await db.store.getRun(stale.id)).toMatchObject({ status: 'failed', failure: { code: 'RUN_ABANDONED' } });
      expect((await db.store.getRun(fresh.id))!.status).toBe('running');
    });

    it('tryLock - a second holder gets null until release', async () => {
      const lock = await db.store.tryLock('tab-1');
      expect(lock).not.toBeNull();
      expect(await db.store.tryLock('tab-1')).toBeNull();
      const other = db.otherStore();
      expect(await other.tryLock('tab-1')).toBeNull();
      const unrelated = await other.tryLock('tab-2');
      expect(unrelated).not.toBeNull();
      await lock!.release();
      const again = await other.tryLock('tab-1');
      expect(again).not.toBeNull();
      await again!.release();
      await unrelated!.release();
    });

    it('loadEntities - reads a wide table (more fields than one json_build_array call takes)', async () => {
      const columns = Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`field_${index}`, index % 2 ? 'integer' : 'text'] as const));
      await db.createEntityTable('wide', { code: 'text', ...columns }, { uniqueKey: 'code' });
      const values = Object.fromEntries(Object.entries(columns).map(([name, type], index) => [name, type === 'integer' ? index : `v${index}`]));
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch({ ...batch(run.id, { creates: [{ key: 'W', values: { code: 'W', ...values } }] }), entity: 'wide' });
      const loaded = await db.store.loadEntities({ entity: 'wide', keyField: 'code', keys: ['W'], fields: Object.keys(columns), withOwners: false });
      expect(loaded.get('W')!.values).toEqual({ code: 'W', ...values });
    });

    it('fieldsync_field_history - pages by a keyset cursor (for RPC callers with capped answers)', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch(batch(run.id, { creates: [{ key: 'A', values: { code: 'A', brand: 'v0' } }], lineage: [lineage('A', 'brand', 'v0')] }));
      const id = (await db.store.loadEntities({ entity: 'partners', keyField: 'code', keys: ['A'], fields: [], withOwners: false })).get('A')!.id;
      for (const value of ['v1', 'v2']) await db.store.applyBatch(batch(run.id, { updates: [{ id, key: 'A', values: { brand: value } }], lineage: [lineage('A', 'brand', value, id)] }));
      const query = { entityType: 'partners', entityId: id, fieldName: 'brand' };
      const first = await db.store.callFunction<Array<{ new_value: string; changed_at: string; id: string }>>('fieldsync_field_history', { ...query, limit: 2 }, 'page');
      expect(first.map((row) => row.new_value)).toEqual(['v2', 'v1']);
      const last = first[1]!;
      const rest = await db.store.callFunction<Array<{ new_value: string }>>('fieldsync_field_history', { ...query, limit: 2, cursor: { at: last.changed_at, id: last.id } }, 'page');
      expect(rest.map((row) => row.new_value)).toEqual(['v0']);
    });

    it('entitySchema - entity tables may live in another schema than fieldsync\'s tables', async () => {
      const entities = `${db.schema}_app`;
      await db.sql(`create schema "${entities}"`);
      try {
        await db.sql(`create table "${entities}".staff (id uuid primary key default gen_random_uuid(), email text unique, name text)`);
        const store = db.otherStore({ entitySchema: entities });
        expect(await store.describeEntity('partners'), 'partners is in the other schema').toBeNull();
        const run = await store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
        await store.applyBatch({ ...batch(run.id, { creates: [{ key: 'a@x.io', values: { email: 'a@x.io', name: 'Ann' } }] }), entity: 'staff', keyField: 'email' });
        const loaded = await store.loadEntities({ entity: 'staff', keyField: 'email', keys: ['a@x.io'], fields: ['name'], withOwners: false });
        expect(loaded.get('a@x.io')!.values).toEqual({ email: 'a@x.io', name: 'Ann' });
        expect(await db.sql(`select name from "${entities}".staff`)).toEqual([{ name: 'Ann' }]);
      } finally {
        await db.sql(`drop schema "${entities}" cascade`);
      }
    });

    it('fieldsync_apply_batch - takes lineage by column (toBatchPayload) and as row objects (older payloads)', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch(batch(run.id, { creates: [{ key: 'A', values: { code: 'A', brand: 'x' } }], lineage: [lineage('A', 'brand', 'x', null, run.id)] }));
      const id = (await db.store.loadEntities({ entity: 'partners', keyField: 'code', keys: ['A'], fields: [], withOwners: false })).get('A')!.id;
      const rowForm = { entity_type: 'partners', entity_id: id, entity_key: 'A', field_name: 'brand', source_type: 'app', source_id: null, source_ref: null, previous_value: 'x', new_value: 'y', sync_run_id: run.id, changed_by: null, change_reason: 'forced' };
      const written = await db.store.callFunction<{ lineage: number }>('fieldsync_apply_batch', { entitySchema: db.schema, entity: 'partners', keyField: 'code', runId: run.id, tabMappingId: TAB, lineage: [rowForm], stats: {} }, 'write');
      expect(written.lineage).toBe(1);
      const history = await db.store.fieldHistory({ entityType: 'partners', entityId: id, fieldName: 'brand' });
      expect(history.map((row) => [row.previousValue, row.newValue, row.reason, row.syncRunId])).toEqual([['x', 'y', 'forced', run.id], [null, 'x', 'create', run.id]]);
      for (const row of history) expect(row.id).toMatch(VERSION_7);
    });

    it('fieldsync_apply_batch - lineage columns sent once as uniform values (every row the same) are written to every row', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch(batch(run.id, { creates: ['A', 'B', 'C'].map((key) => ({ key, values: { code: key, brand: 'x' } })), lineage: ['A', 'B', 'C'].map((key) => lineage(key, 'brand', 'x', null, run.id)) }));
      const ids = await db.store.loadEntities({ entity: 'partners', keyField: 'code', keys: ['A', 'B', 'C'], fields: [], withOwners: false });
      // Every column of these updates is uniform but the entity id and key: one field, one value, one reason.
      const updates = ['A', 'B', 'C'].map((key) => ({ id: ids.get(key)!.id, key, values: { brand: 'same' } }));
      const changes = ['A', 'B', 'C'].map((key): NewLineage => ({ ...lineage(key, 'brand', 'same', ids.get(key)!.id, run.id), previousValue: 'x', reason: 'source_of_truth' }));
      expect(await db.store.applyBatch(batch(run.id, { updates, lineage: changes }))).toMatchObject({ updated: 3, lineage: 3 });
      for (const key of ['A', 'B', 'C']) {
        const history = await db.store.fieldHistory({ entityType: 'partners', entityId: ids.get(key)!.id, fieldName: 'brand' });
        expect(history.map((row) => [row.entityKey, row.previousValue, row.newValue, row.reason, row.sourceId, row.sourceRef, row.syncRunId])).toEqual([
          [key, 'x', 'same', 'source_of_truth', SOURCE, 'Master > Partners > brand', run.id],
          [key, null, 'x', 'create', SOURCE, 'Master > Partners > brand', run.id],
        ]);
      }
    });

    it('applyBatch - lineage ids are time-ordered UUIDs (version 7): a later batch\'s sort after an earlier one\'s', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      const idsOf = async (field: string) => (await db.sql<{ id: string }>(`select id::text as id from "${db.schema}".field_lineage where field_name = $1`, [field])).map((row) => row.id);
      const serverMs = async () => Number((await db.sql<{ ms: string }>(`select floor(extract(epoch from clock_timestamp()) * 1000)::text as ms`))[0]!.ms);
      const before = await serverMs();
      await db.store.applyBatch(batch(run.id, { creates: ['A', 'B', 'C'].map((key) => ({ key, values: { code: key, brand: 'x' } })), lineage: ['A', 'B', 'C'].map((key) => lineage(key, 'brand', 'x', null, run.id)) }));
      await new Promise((resolve) => setTimeout(resolve, 5));
      await db.store.applyBatch(batch(run.id, { creates: ['D', 'E'].map((key) => ({ key, values: { code: key, seats: 1 } })), lineage: ['D', 'E'].map((key) => lineage(key, 'seats', 1, null, run.id)) }));
      const after = await serverMs();
      // A version 7 UUID's first 48 bits are its Unix milliseconds.
      const stampOf = (id: string) => Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
      const first = await idsOf('brand');
      const second = await idsOf('seats');
      for (const id of [...first, ...second]) {
        expect(id).toMatch(VERSION_7);
        expect(stampOf(id)).toBeGreaterThanOrEqual(before);
        expect(stampOf(id)).toBeLessThanOrEqual(after);
      }
      expect(new Set([...first, ...second]).size).toBe(5);
      expect(Math.max(...first.map(stampOf))).toBeLessThan(Math.min(...second.map(stampOf)));
    });

    it('applyBatch - a change is stamped after the last stored change of its field, even when that one is ahead of the clock (row and column payloads)', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch(batch(run.id, { creates: [{ key: 'A', values: { code: 'A', brand: 'x' } }], lineage: [lineage('A', 'brand', 'x', null, run.id)] }));
      const id = (await db.store.loadEntities({ entity: 'partners', keyField: 'code', keys: ['A'], fields: [], withOwners: false })).get('A')!.id;
      // The stored change is an hour ahead (a clock that stepped back since, or another writer's clock).
      await db.sql(`update "${db.schema}".field_lineage set changed_at = changed_at + interval '1 hour' where entity_id = $1`, [id]);
      const [ahead] = await db.sql<{ at: string }>(`select changed_at::text as at from "${db.schema}".field_lineage where entity_id = $1`, [id]);
      // Two lineage rows of one entity: its id goes once, as a uniform column.
      await db.store.applyBatch(batch(run.id, {
        updates: [{ id, key: 'A', values: { brand: 'y', revenue: 5 } }],
        lineage: [{ ...lineage('A', 'brand', 'y', id, run.id), previousValue: 'x', reason: 'source_of_truth' }, { ...lineage('A', 'revenue', 5, id, run.id), reason: 'source_of_truth' }],
      }));
      const rowForm = { entity_type: 'partners', entity_id: id, entity_key: 'A', field_name: 'brand', source_type: 'app', source_id: null, source_ref: null, previous_value: 'y', new_value: 'z', sync_run_id: run.id, changed_by: null, change_reason: 'forced' };
      await db.store.callFunction('fieldsync_apply_batch', { entitySchema: db.schema, entity: 'partners', keyField: 'code', runId: run.id, tabMappingId: TAB, lineage: [rowForm], stats: {} }, 'write');
      const stamps = await db.sql<{ value: unknown; later: boolean }>(
        `select new_value as value, changed_at > $2::timestamptz as later from "${db.schema}".field_lineage where entity_id = $1 and field_name = 'brand' order by changed_at`,
        [id, ahead!.at],
      );
      expect(stamps).toEqual([{ value: 'x', later: false }, { value: 'y', later: true }, { value: 'z', later: true }]);
      expect((await db.store.fieldHistory({ entityType: 'partners', entityId: id, fieldName: 'brand' })).map((row) => row.newValue)).toEqual(['z', 'y', 'x']);
      // A stored change without a time (a host's row; the column allows null) does not hide the last timed one.
      await db.sql(`insert into "${db.schema}".field_lineage (entity_type, entity_id, field_name, source_type, new_value, changed_at) values ('partners', $1, 'brand', 'app', '"n"', null)`, [id]);
      await db.store.applyBatch(batch(run.id, { updates: [{ id, key: 'A', values: { brand: 'w' } }], lineage: [{ ...lineage('A', 'brand', 'w', id, run.id), previousValue: 'z', reason: 'source_of_truth' }] }));
      const [last] = await db.sql<{ value: unknown }>(`select new_value as value from "${db.schema}".field_lineage where entity_id = $1 and field_name = 'brand' and changed_at is not null order by changed_at desc limit 1`, [id]);
      expect(last!.value).toBe('w');
    });

    it('loadFingerprints - a stored key that is not of the key column\'s type (left from an earlier key field) is no match, not an error', async () => {
      await db.createEntityTable('counters', { code: 'integer', label: 'text' }, { uniqueKey: 'code' });
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch({ ...batch(run.id, { creates: [{ key: '42', values: { code: 42, label: 'x' } }] }), entity: 'counters', fingerprints: [{ key: '42', hash: 7, version: null }] });
      // A fingerprint of the same tab kept from when its key was a text code, naming the same tuple.
      await db.sql(
        `insert into "${db.schema}".fieldsync_row_fingerprints (tab_mapping_id, entity_key, row_hash, entity_id, entity_xmin, entity_ctid, entity_tableoid)
         select tab_mapping_id, 'P00001', 9, entity_id, entity_xmin, entity_ctid, entity_tableoid from "${db.schema}".fieldsync_row_fingerprints where entity_key = '42'`,
      );
      expect(await db.store.loadFingerprints!({ tabMappingId: TAB, entity: 'counters', keyField: 'code' })).toEqual(new Map([['42', 7]]));
    });

    // Server only: PGlite is one connection, so no second writer can hold a transaction open across the batch.
    it.runIf(kind.name === 'server')('applyBatch - a fingerprint is not recorded when another writer commits a change to a row the batch updates while it waits for that row', async () => {
      const run = await db.store.createRun({ dataSourceId: SOURCE, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await db.store.applyBatch(batch(run.id, { creates: [{ key: 'A', values: { code: 'A', brand: 'x' } }] }));
      const loaded = (await db.store.loadEntities({ entity: 'partners', keyField: 'code', keys: ['A'], fields: [], withOwners: false, withVersions: true })).get('A')!;
      // Another writer changes A's revenue and holds its transaction open.
      const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await other.connect();
      try {
        await other.query('begin');
        await other.query(`update "${db.schema}".partners set revenue = 7 where code = 'A'`);
        const applying = db.store.applyBatch(batch(run.id, { updates: [{ id: loaded.id, key: 'A', values: { brand: 'y' } }], fingerprints: [{ key: 'A', hash: 42, version: loaded.version! }] }));
        await new Promise((resolve) => setTimeout(resolve, 200));
        await other.query('commit');
        expect((await applying).updated).toBe(1);
      } finally {
        await other.end();
      }
      // The run decided A on a version that is gone: next run must decide it again.
      expect(await db.store.loadFingerprints!({ tabMappingId: TAB, entity: 'partners', keyField: 'code' })).toEqual(new Map());
      expect((await db.readEntities('partners'))[0]).toMatchObject({ brand: 'y', revenue: '7' });
    });

    it('identifiers - hostile table and column names are rejected before any SQL', async () => {
      await expect(db.store.describeEntity('partners"; drop table x; --')).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID' });
      await expect(db.store.loadEntities({ entity: 'partners', keyField: 'code"--', keys: ['a'], fields: [], withOwners: false })).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID' });
      await expect(db.store.applyBatch(batch('00000000-0000-4000-8000-000000000000', { creates: [{ key: 'a', values: { code: 'a', 'brand = 1; --': 'x' } }] }))).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID' });
      expect(await db.readEntities('partners')).toHaveLength(0);
    });
  });
}
