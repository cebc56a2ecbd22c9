import { describe, expect, it } from 'vitest';
import { stableUuid } from '../config/ids.js';
import { emptyStats } from '../runs.js';
import type { ApplyBatch } from '../store.js';
import { memoryStore } from './memory-store.js';
import { testStore } from './test-store.js';

testStore({
  name: 'memoryStore',
  async create() {
    const store = memoryStore({ tables: {} });
    return {
      store,
      async createEntityTable(name, columns, options) {
        store.createTable(name, columns, options?.uniqueKey ? { uniqueKeys: [options.uniqueKey] } : {});
      },
      async readEntities(name) {
        return store.entities(name);
      },
      async cleanup() {},
    };
  },
  skip: { crossProcessLocks: 'memoryStore keeps its data and locks in this process only' },
});

const run = { dataSourceId: stableUuid('memory-source'), tabMappingId: stableUuid('memory-tab'), trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false } as const;

function batch(runId: string, parts: Partial<ApplyBatch> = {}): ApplyBatch {
  return { runId, tabMappingId: run.tabMappingId, entity: 'partners', keyField: 'partner_code', creates: [], updates: [], deletes: [], lineage: [], conflicts: [], stats: emptyStats(), ...parts };
}

describe('memoryStore', () => {
  it('describeEntity - without tables, every table exists and is open to any field', async () => {
    const store = memoryStore();
    expect(await store.describeEntity('anything')).toMatchObject({ idColumn: 'id', open: true });
    const { id } = await store.createRun(run);
    await store.applyBatch(batch(id, { entity: 'anything', creates: [{ key: 'P-1', values: { partner_code: 'P-1', whatever: { nested: [1] } } }] }));
    expect(store.entities('anything')).toEqual([expect.objectContaining({ partner_code: 'P-1', whatever: { nested: [1] } })]);
  });

  it('applyBatch - without tables, refuses to create a key that exists', async () => {
    const store = memoryStore();
    const { id } = await store.createRun(run);
    await store.applyBatch(batch(id, { creates: [{ key: 'P-1', values: {} }] }));
    await expect(store.applyBatch(batch(id, { creates: [{ key: 'P-1', values: {} }] }))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
    expect(store.entities('partners')).toHaveLength(1);
  });

  it('describeEntity - with tables, an undeclared table is null and seed rows get ids', async () => {
    const store = memoryStore({ tables: { partners: { columns: { partner_code: 'text', onboarded: 'date' }, rows: [{ partner_code: 'P-1', onboarded: new Date('2024-01-02T05:00:00Z') }] } } });
    expect(await store.describeEntity('staff')).toBeNull();
    const [row] = store.entities('partners');
    expect(row).toMatchObject({ partner_code: 'P-1', onboarded: '2024-01-02' });
    expect(row?.id).toBeTypeOf('string');
    await expect(store.loadEntities({ entity: 'staff', keyField: 'code', keys: ['x'], fields: [], withOwners: false })).rejects.toMatchObject({ code: 'STORE_SCHEMA_MISMATCH' });
  });

  it('applyBatch - rejects a field the declared table does not have, writing nothing', async () => {
    const store = memoryStore({ tables: { partners: { columns: { partner_code: 'text' } } } });
    const { id } = await store.createRun(run);
    await expect(store.applyBatch(batch(id, { creates: [{ key: 'P-1', values: { partner_code: 'P-1' } }, { key: 'P-2', values: { partner_code: 'P-2', tier: 'gold' } }] }))).rejects.toMatchObject({
      code: 'STORE_SCHEMA_MISMATCH',
      message: expect.stringContaining('tier'),
    });
    expect(store.entities('partners')).toEqual([]);
  });

  it('faults - an injected error is thrown by that batch before anything is written', async () => {
    const injected = new Error('disk full');
    const store = memoryStore({ faults: { applyBatch: (batchNumber) => (batchNumber === 2 ? injected : undefined) } });
    const { id } = await store.createRun(run);
    await store.applyBatch(batch(id, { creates: [{ key: 'P-1', values: {} }], stats: { ...emptyStats(), rowsCreated: 1 } }));
    await expect(store.applyBatch(batch(id, { creates: [{ key: 'P-2', values: {} }], stats: { ...emptyStats(), rowsCreated: 1 }, checkpoint: 'c2' }))).rejects.toBe(injected);
    await store.applyBatch(batch(id, { creates: [{ key: 'P-3', values: {} }] }));
    expect(store.entities('partners').map((row) => row.partner_code)).toEqual(['P-1', 'P-3']);
    expect((await store.getRun(id))?.rowsCreated).toBe(1);
    expect(await store.getState(run.tabMappingId)).toBeNull();
  });

  it('applyBatch - rejects a fingerprint hash that is not a safe integer, writing nothing', async () => {
    const store = memoryStore();
    const { id } = await store.createRun(run);
    for (const hash of [1.5, 2 ** 53, Number.NaN]) {
      await expect(store.applyBatch(batch(id, { creates: [{ key: 'P-1', values: {} }], fingerprints: [{ key: 'P-1', hash, version: null }] }))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
    }
    expect(store.entities('partners')).toEqual([]);
  });

  it('applyBatch - records no fingerprint with version null for an entity that existed before the batch', async () => {
    const store = memoryStore();
    const { id } = await store.createRun(run);
    const request = { tabMappingId: run.tabMappingId, entity: 'partners', keyField: 'partner_code' };
    // The run saw no P-1, but another writer created it before the batch landed.
    await store.applyBatch(batch(id, { tabMappingId: stableUuid('memory-other-tab'), creates: [{ key: 'P-1', values: {} }] }));
    await store.applyBatch(batch(id, { fingerprints: [{ key: 'P-1', hash: 1, version: null }] }));
    expect(await store.loadFingerprints(request)).toEqual(new Map());
  });

  it('failStaleRuns - uses the injected clock', async () => {
    let time = new Date('2024-05-01T10:00:00Z');
    const store = memoryStore({ now: () => time });
    const { id } = await store.createRun(run);
    time = new Date('2024-05-01T10:04:00Z');
    expect(await store.failStaleRuns({ staleAfterMs: 300_000 })).toBe(0);
    time = new Date('2024-05-01T10:05:01Z');
    expect(await store.failStaleRuns({ staleAfterMs: 300_000 })).toBe(1);
    expect(await store.getRun(id)).toMatchObject({ status: 'failed', completedAt: time, failure: { code: 'RUN_ABANDONED' } });
  });

  it('entities, lineage, conflicts, runs - return copies that do not change the store', async () => {
    const store = memoryStore();
    const { id } = await store.createRun(run);
    await store.applyBatch(
      batch(id, {
        creates: [{ key: 'P-1', values: { tags: ['a'] } }],
        lineage: [{ entityType: 'partners', entityId: null, entityKey: 'P-1', fieldName: 'tags', sourceType: 'csv', sourceId: null, sourceRef: null, previousValue: null, newValue: ['a'], syncRunId: id, changedBy: null, reason: 'create' }],
      }),
    );
    (store.entities('partners')[0]?.tags as string[]).push('b');
    (store.lineage()[0]?.newValue as string[]).push('b');
    store.runs()[0]!.rowsCreated = 99;
    expect(store.entities('partners')[0]?.tags).toEqual(['a']);
    expect(store.lineage()[0]?.newValue).toEqual(['a']);
    expect(store.runs()[0]?.rowsCreated).toBe(0);
  });
});
