import { expect, it } from 'vitest';
import type { TestStoreOptions } from './contract-types.js';
import { CLOSE_SOURCE_ID, KEY_FIELD, MASTER_SHEET_ID, PARTNERS, describeGroup, idOf, partnerCreate, partnerLineage, partnersBatch, pause, seedPartners, startRun } from './store-suite-context.js';

/** Value-level lineage: fieldHistory and the owners loadEntities reports. */
export function lineageGroup(options: TestStoreOptions): void {
  describeGroup(options, 'lineage', (context) => {
    it('fieldHistory - lists one field of one entity, newest first, with every recorded column', async () => {
      const run = await startRun(context.store);
      const created = { key: 'P-200', id: null };
      await context.store.applyBatch(
        partnersBatch(run.id, {
          creates: [partnerCreate('P-200', { brand_name: 'Atlas', revenue: 10 })],
          lineage: [partnerLineage(created, 'brand_name', 'Atlas', { syncRunId: run.id }), partnerLineage(created, 'revenue', 10, { syncRunId: run.id })],
        }),
      );
      const id = (await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: ['P-200'], fields: [], withOwners: false })).get('P-200')?.id ?? '';
      await pause(3);
      const second = await startRun(context.store);
      const update = partnerLineage({ key: 'P-200', id }, 'brand_name', 'Atlas Outdoor', {
        previousValue: 'Atlas',
        syncRunId: second.id,
        sourceRef: 'Master Sheet > Partners > B (Brand Name), row 9',
      });
      await context.store.applyBatch(partnersBatch(second.id, { updates: [{ id, key: 'P-200', values: { brand_name: 'Atlas Outdoor' } }], lineage: [update] }));

      const history = await context.store.fieldHistory({ entityType: PARTNERS, entityId: id, fieldName: 'brand_name' });
      expect(history.map((row) => row.newValue)).toEqual(['Atlas Outdoor', 'Atlas']);
      expect(history[0]).toMatchObject({ ...update, entityId: id });
      expect(history[0]?.id).toBeTypeOf('string');
      expect(history[0]?.changedAt).toBeInstanceOf(Date);
      expect(history[1]).toMatchObject({ entityId: id, previousValue: null, reason: 'create', syncRunId: run.id });
    });

    it('fieldHistory - honours limit', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-210': { brand_name: 'Basalt' } });
      const entity = { key: 'P-210', id: idOf(ids, 'P-210') };
      for (const name of ['Basalt 2', 'Basalt 3', 'Basalt 4']) {
        await pause(2);
        await context.store.applyBatch(partnersBatch(run.id, { updates: [{ ...entity, values: { brand_name: name } }], lineage: [partnerLineage(entity, 'brand_name', name)] }));
      }
      const history = await context.store.fieldHistory({ entityType: PARTNERS, entityId: entity.id, fieldName: 'brand_name', limit: 2 });
      expect(history.map((row) => row.newValue)).toEqual(['Basalt 4', 'Basalt 3']);
    });

    it('fieldHistory - keeps JSON values of every shape as written', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-220': {} });
      const entity = { key: 'P-220', id: idOf(ids, 'P-220') };
      const newValue = { tier: 'gold', regions: ['EU', 'US'], score: 4.5, churned: false, note: null };
      await context.store.applyBatch(partnersBatch(run.id, { updates: [{ ...entity, values: { meta: newValue } }], lineage: [partnerLineage(entity, 'meta', newValue, { previousValue: [1, 'two'] })] }));
      const [row] = await context.store.fieldHistory({ entityType: PARTNERS, entityId: entity.id, fieldName: 'meta' });
      expect(row?.newValue).toEqual(newValue);
      expect(row?.previousValue).toEqual([1, 'two']);
    });

    it('fieldHistory - returns only the asked entity and field', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-230': {}, 'P-231': {} });
      const first = { key: 'P-230', id: idOf(ids, 'P-230') };
      const second = { key: 'P-231', id: idOf(ids, 'P-231') };
      await context.store.applyBatch(
        partnersBatch(run.id, {
          lineage: [partnerLineage(first, 'brand_name', 'Cedar'), partnerLineage(first, 'revenue', 3), partnerLineage(second, 'brand_name', 'Dune')],
        }),
      );
      const history = await context.store.fieldHistory({ entityType: PARTNERS, entityId: first.id, fieldName: 'brand_name' });
      expect(history.map((row) => [row.entityId, row.fieldName, row.newValue])).toEqual([[first.id, 'brand_name', 'Cedar']]);
    });

    it('loadEntities - withOwners gives the source of the newest lineage row of each field', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-240': { brand_name: 'Elm', revenue: 1, tags: ['a'] } });
      const entity = { key: 'P-240', id: idOf(ids, 'P-240') };
      await context.store.applyBatch(partnersBatch(run.id, { lineage: [partnerLineage(entity, 'brand_name', 'Elm'), partnerLineage(entity, 'revenue', 1)] }));
      await pause(3);
      await context.store.applyBatch(
        partnersBatch(run.id, {
          lineage: [
            partnerLineage(entity, 'brand_name', 'Elm & Oak', { sourceId: CLOSE_SOURCE_ID, sourceType: 'close' }),
            partnerLineage(entity, 'revenue', 2, { sourceId: null, sourceType: 'app', changedBy: null }),
          ],
        }),
      );
      const loaded = await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: ['P-240'], fields: ['brand_name', 'revenue', 'tags'], withOwners: true });
      const owners = loaded.get('P-240')?.owners;
      expect(owners?.brand_name).toBe(CLOSE_SOURCE_ID);
      expect(owners?.revenue).toBeNull();
      expect(owners && 'tags' in owners, 'a field without lineage has no owner entry').toBe(false);
      expect(owners?.brand_name).not.toBe(MASTER_SHEET_ID);
    });
  });
}
