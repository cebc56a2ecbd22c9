import { expect, it } from 'vitest';
import type { TestStoreOptions } from './contract-types.js';
import {
  KEY_FIELD,
  PARTNERS,
  PARTNER_COLUMNS,
  codeOf,
  describeGroup,
  idOf,
  partnerConflict,
  partnerCreate,
  partnerLineage,
  partnerRows,
  partnersBatch,
  rejectionOf,
  seedPartners,
  startRun,
  statsOf,
} from './store-suite-context.js';

/** Entities: describeEntity, loadEntities and the all-or-nothing applyBatch. */
export function basicGroup(options: TestStoreOptions): void {
  describeGroup(options, 'basic', (context) => {
    it('describeEntity - reports the id column and every column with its type', async () => {
      const schema = await context.store.describeEntity(PARTNERS);
      expect(schema).not.toBeNull();
      expect(schema?.idColumn).toBe('id');
      for (const [column, type] of Object.entries(PARTNER_COLUMNS)) {
        expect(schema?.columns.get(column)?.type, `type of ${column}`).toBe(type);
      }
    });

    it('describeEntity - returns null for a table that does not exist', async () => {
      expect(await context.store.describeEntity('no_such_partners_table')).toBeNull();
    });

    it('loadEntities - returns the requested keys with id, key field and fields; unknown keys are absent', async () => {
      const run = await startRun(context.store);
      await seedPartners(context.store, run.id, {
        'P-001': { brand_name: 'Acme Outdoor', revenue: 1200.5 },
        'P-002': { brand_name: 'Birch & Co', revenue: 80 },
        'P-003': { brand_name: 'Cobalt Labs', revenue: null },
      });
      const rows = await context.under.readEntities(PARTNERS);
      const loaded = await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: ['P-001', 'P-003', 'P-404'], fields: ['brand_name', 'revenue'], withOwners: false });
      expect([...loaded.keys()].sort()).toEqual(['P-001', 'P-003']);
      const first = loaded.get('P-001');
      expect(first?.id).toBe(rows.find((row) => row[KEY_FIELD] === 'P-001')?.id);
      expect(first?.key).toBe('P-001');
      expect(first?.values).toMatchObject({ partner_code: 'P-001', brand_name: 'Acme Outdoor', revenue: 1200.5 });
      expect(loaded.get('P-003')?.values.revenue).toBeNull();
    });

    it('loadEntities - returns an empty map for no keys', async () => {
      const run = await startRun(context.store);
      await seedPartners(context.store, run.id, { 'P-001': { brand_name: 'Acme Outdoor' } });
      const loaded = await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: [], fields: ['brand_name'], withOwners: false });
      expect(loaded.size).toBe(0);
    });

    it('applyBatch - creates entities with a generated uuid id and counts them', async () => {
      const run = await startRun(context.store);
      const result = await context.store.applyBatch(
        partnersBatch(run.id, { creates: [partnerCreate('P-010', { brand_name: 'Delta Goods' }), partnerCreate('P-011', { brand_name: 'Echo Home' })] }),
      );
      expect(result).toMatchObject({ created: 2, updated: 0, deleted: 0 });
      const rows = await context.under.readEntities(PARTNERS);
      expect(rows.map((row) => row[KEY_FIELD]).sort()).toEqual(['P-010', 'P-011']);
      for (const row of rows) expect(String(row.id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
      expect(new Set(rows.map((row) => row.id)).size).toBe(2);
    });

    it('applyBatch - updates write only the given fields', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, {
        'P-020': { brand_name: 'Fjord Supply', revenue: 10, staff_count: 4 },
        'P-021': { brand_name: 'Gale Works', revenue: 20 },
      });
      const result = await context.store.applyBatch(partnersBatch(run.id, { updates: [{ id: idOf(ids, 'P-020'), key: 'P-020', values: { revenue: 15 } }] }));
      expect(result.updated).toBe(1);
      const loaded = await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: ['P-020', 'P-021'], fields: ['brand_name', 'revenue', 'staff_count'], withOwners: false });
      expect(loaded.get('P-020')?.values).toMatchObject({ brand_name: 'Fjord Supply', revenue: 15, staff_count: 4 });
      expect(loaded.get('P-021')?.values).toMatchObject({ brand_name: 'Gale Works', revenue: 20 });
    });

    it('applyBatch - deletes only the given entities', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-030': { brand_name: 'Harbor' }, 'P-031': { brand_name: 'Iris' } });
      const result = await context.store.applyBatch(partnersBatch(run.id, { deletes: [{ id: idOf(ids, 'P-030'), key: 'P-030' }] }));
      expect(result.deleted).toBe(1);
      const rows = await context.under.readEntities(PARTNERS);
      expect(rows.map((row) => row[KEY_FIELD])).toEqual(['P-031']);
    });

    it('applyBatch - gives lineage and conflicts of created entities their new id through entityKey', async () => {
      const run = await startRun(context.store);
      const created = { key: 'P-040', id: null };
      const result = await context.store.applyBatch(
        partnersBatch(run.id, {
          creates: [partnerCreate('P-040', { brand_name: 'Juniper' })],
          lineage: [partnerLineage(created, 'brand_name', 'Juniper', { syncRunId: run.id })],
          conflicts: [partnerConflict(created, 'brand_name', 'Juniper Ltd', { currentValue: 'Juniper', syncRunId: run.id })],
        }),
      );
      expect(result).toMatchObject({ created: 1, lineage: 1, conflicts: 1 });
      const id = (await context.under.readEntities(PARTNERS))[0]?.id;
      expect(id).toBeTypeOf('string');
      const history = await context.store.fieldHistory({ entityType: PARTNERS, entityId: String(id), fieldName: 'brand_name' });
      expect(history.map((row) => row.newValue)).toEqual(['Juniper']);
      const conflicts = await context.store.listConflicts({ entityId: String(id) });
      expect(conflicts.items.map((conflict) => conflict.losingValue)).toEqual(['Juniper Ltd']);
    });

    it('applyBatch - adds stats to the run counters', async () => {
      const run = await startRun(context.store);
      await context.store.applyBatch(partnersBatch(run.id, { creates: [partnerCreate('P-050')], stats: statsOf({ rowsProcessed: 3, rowsCreated: 1, rowsUnchanged: 2 }) }));
      await context.store.applyBatch(partnersBatch(run.id, { creates: [partnerCreate('P-051')], stats: statsOf({ rowsProcessed: 4, rowsCreated: 1, rowsSkipped: 1, errorCount: 2 }) }));
      const stored = await context.store.getRun(run.id);
      expect(stored).toMatchObject({ rowsProcessed: 7, rowsCreated: 2, rowsUnchanged: 2, rowsSkipped: 1, errorCount: 2, rowsUpdated: 0 });
    });

    it('applyBatch - writes nothing when one create violates the unique key', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-060': { brand_name: 'Kestrel', revenue: 5 } });
      const before = await partnerRows(context.under);
      const existing = { key: 'P-060', id: idOf(ids, 'P-060') };
      const error = await rejectionOf(
        context.store.applyBatch(
          partnersBatch(run.id, {
            creates: [partnerCreate('P-061', { brand_name: 'Lumen' }), partnerCreate('P-060', { brand_name: 'Kestrel again' })],
            updates: [{ id: existing.id, key: existing.key, values: { revenue: 99 } }],
            lineage: [partnerLineage(existing, 'revenue', 99), partnerLineage({ key: 'P-061', id: null }, 'brand_name', 'Lumen')],
            conflicts: [partnerConflict(existing, 'brand_name', 'Kestrel GmbH')],
            stats: statsOf({ rowsProcessed: 2, rowsCreated: 2 }),
          }),
        ),
      );
      expect(codeOf(error), 'a fieldsync StoreError code').toMatch(/^STORE_/);
      expect(await partnerRows(context.under)).toEqual(before);
      expect(await context.store.fieldHistory({ entityType: PARTNERS, entityId: existing.id, fieldName: 'revenue' })).toEqual([]);
      expect((await context.store.listConflicts({})).items).toEqual([]);
      expect(await context.store.getRun(run.id)).toMatchObject({ rowsProcessed: 0, rowsCreated: 0 });
    });

    it('applyBatch - writes nothing when one value does not fit its column type', async () => {
      const run = await startRun(context.store);
      await seedPartners(context.store, run.id, { 'P-070': { brand_name: 'Meridian' } });
      const before = await partnerRows(context.under);
      const error = await rejectionOf(
        context.store.applyBatch(
          partnersBatch(run.id, {
            creates: [partnerCreate('P-071', { brand_name: 'Nimbus', revenue: 10 }), partnerCreate('P-072', { brand_name: 'Orchid', revenue: 'a lot' })],
            stats: statsOf({ rowsProcessed: 2 }),
          }),
        ),
      );
      expect(codeOf(error), 'a fieldsync StoreError code').toMatch(/^STORE_/);
      expect(await partnerRows(context.under)).toEqual(before);
      expect((await context.store.getRun(run.id))?.rowsProcessed).toBe(0);
    });
  });
}
