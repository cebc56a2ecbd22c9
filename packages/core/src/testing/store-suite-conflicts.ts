import { expect, it } from 'vitest';
import { stableUuid } from '../config/ids.js';
import type { ConflictRecord, Store } from '../store.js';
import type { TestStoreOptions } from './contract-types.js';
import { ADMIN_USER_ID, CLOSE_SOURCE_ID, KEY_FIELD, PARTNERS, codeOf, describeGroup, idOf, partnerConflict, partnersBatch, pause, rejectionOf, seedPartners, startRun } from './store-suite-context.js';

/** Seeds one partner and returns it with a run to write conflicts in. */
async function partnerWithRun(store: Store, code: string, brandName: string): Promise<{ runId: string; entity: { key: string; id: string } }> {
  const run = await startRun(store);
  const ids = await seedPartners(store, run.id, { [code]: { brand_name: brandName } });
  return { runId: run.id, entity: { key: code, id: idOf(ids, code) } };
}

async function openConflict(store: Store, runId: string, entity: { key: string; id: string }, losingValue: string): Promise<ConflictRecord> {
  await store.applyBatch(partnersBatch(runId, { conflicts: [partnerConflict(entity, 'brand_name', losingValue, { syncRunId: runId })] }));
  const { items } = await store.listConflicts({ entityId: entity.id, status: 'open' });
  const conflict = items.find((item) => item.losingValue === losingValue);
  expect(conflict, 'the conflict just written').toBeDefined();
  return conflict as ConflictRecord;
}

/** Conflicts for admin review: dedupe, listing, resolving. */
export function conflictsGroup(options: TestStoreOptions): void {
  describeGroup(options, 'conflicts', (context) => {
    it('applyBatch - does not insert an identical open conflict again, comparing values as JSON', async () => {
      const { runId, entity } = await partnerWithRun(context.store, 'P-300', 'Fern');
      const conflict = partnerConflict(entity, 'meta', { tier: 'gold', regions: ['EU'] }, { currentValue: { tier: 'silver' } });
      expect((await context.store.applyBatch(partnersBatch(runId, { conflicts: [conflict] }))).conflicts).toBe(1);
      expect((await context.store.applyBatch(partnersBatch(runId, { conflicts: [conflict] }))).conflicts).toBe(0);
      const reordered = partnerConflict(entity, 'meta', { regions: ['EU'], tier: 'gold' }, { currentValue: { tier: 'silver' } });
      expect((await context.store.applyBatch(partnersBatch(runId, { conflicts: [reordered] }))).conflicts, 'same JSON, other key order').toBe(0);
      const otherValue = partnerConflict(entity, 'meta', { tier: 'platinum' });
      expect((await context.store.applyBatch(partnersBatch(runId, { conflicts: [otherValue] }))).conflicts).toBe(1);
      const otherSource = partnerConflict(entity, 'meta', { tier: 'gold', regions: ['EU'] }, { losingSourceId: stableUuid('contract-suite-crm-export') });
      expect((await context.store.applyBatch(partnersBatch(runId, { conflicts: [otherSource] }))).conflicts).toBe(1);
      expect((await context.store.listConflicts({ entityId: entity.id })).items).toHaveLength(3);
    });

    it('applyBatch - inserts the conflict again once the earlier one is resolved', async () => {
      const { runId, entity } = await partnerWithRun(context.store, 'P-301', 'Garnet');
      const first = await openConflict(context.store, runId, entity, 'Garnet Inc');
      await context.store.resolveConflict({ conflictId: first.id, resolution: 'keep_current', resolvedBy: ADMIN_USER_ID });
      const result = await context.store.applyBatch(partnersBatch(runId, { conflicts: [partnerConflict(entity, 'brand_name', 'Garnet Inc')] }));
      expect(result.conflicts).toBe(1);
    });

    it('listConflicts - lists newest first, filtered by entity type, entity and status, in pages', async () => {
      const { runId, entity } = await partnerWithRun(context.store, 'P-310', 'Hazel');
      const ids = await seedPartners(context.store, runId, { 'P-311': { brand_name: 'Indigo' } });
      const other = { key: 'P-311', id: idOf(ids, 'P-311') };
      const written: ConflictRecord[] = [];
      for (const value of ['Hazel 1', 'Hazel 2', 'Hazel 3']) {
        await pause(3);
        written.push(await openConflict(context.store, runId, entity, value));
      }
      await openConflict(context.store, runId, other, 'Indigo 1');
      await context.store.resolveConflict({ conflictId: written[0]!.id, resolution: 'keep_current', resolvedBy: ADMIN_USER_ID });

      const forEntity = await context.store.listConflicts({ entityType: PARTNERS, entityId: entity.id });
      expect(forEntity.items.map((conflict) => conflict.losingValue)).toEqual(['Hazel 3', 'Hazel 2', 'Hazel 1']);
      const open = await context.store.listConflicts({ entityId: entity.id, status: 'open' });
      expect(open.items.map((conflict) => conflict.losingValue)).toEqual(['Hazel 3', 'Hazel 2']);
      expect((await context.store.listConflicts({ status: 'resolved' })).items.map((conflict) => conflict.id)).toEqual([written[0]!.id]);
      expect((await context.store.listConflicts({ entityType: 'no_such_entity' })).items).toEqual([]);

      const firstPage = await context.store.listConflicts({ entityId: entity.id, limit: 2 });
      expect(firstPage.items.map((conflict) => conflict.losingValue)).toEqual(['Hazel 3', 'Hazel 2']);
      expect(firstPage.nextCursor).not.toBeNull();
      const secondPage = await context.store.listConflicts({ entityId: entity.id, limit: 2, cursor: firstPage.nextCursor });
      expect(secondPage.items.map((conflict) => conflict.losingValue)).toEqual(['Hazel 1']);
      expect(secondPage.nextCursor).toBeNull();
    });

    it('resolveConflict - keep_current marks the conflict resolved and leaves the entity alone', async () => {
      const { runId, entity } = await partnerWithRun(context.store, 'P-320', 'Jade');
      const conflict = await openConflict(context.store, runId, entity, 'Jade Ltd');
      const resolved = await context.store.resolveConflict({ conflictId: conflict.id, resolution: 'keep_current', resolvedBy: ADMIN_USER_ID });
      expect(resolved).toMatchObject({ id: conflict.id, status: 'resolved', resolution: 'keep_current', resolvedBy: ADMIN_USER_ID, losingSourceId: CLOSE_SOURCE_ID });
      expect(resolved.resolvedAt).toBeInstanceOf(Date);
      const loaded = await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: [entity.key], fields: ['brand_name'], withOwners: false });
      expect(loaded.get(entity.key)?.values.brand_name).toBe('Jade');
      expect(await context.store.fieldHistory({ entityType: PARTNERS, entityId: entity.id, fieldName: 'brand_name' })).toEqual([]);
      expect((await context.store.listConflicts({ entityId: entity.id, status: 'open' })).items).toEqual([]);
    });

    it('resolveConflict - apply_losing_value writes the losing value and a conflict_resolution lineage row', async () => {
      const { runId, entity } = await partnerWithRun(context.store, 'P-330', 'Koi');
      const conflict = await openConflict(context.store, runId, entity, 'Koi Trading');
      const resolved = await context.store.resolveConflict({ conflictId: conflict.id, resolution: 'apply_losing_value', resolvedBy: ADMIN_USER_ID });
      expect(resolved).toMatchObject({ status: 'resolved', resolution: 'apply_losing_value', resolvedBy: ADMIN_USER_ID });
      const loaded = await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: [entity.key], fields: ['brand_name'], withOwners: true });
      expect(loaded.get(entity.key)?.values.brand_name).toBe('Koi Trading');
      expect(loaded.get(entity.key)?.owners?.brand_name).toBe(CLOSE_SOURCE_ID);
      const [lineage] = await context.store.fieldHistory({ entityType: PARTNERS, entityId: entity.id, fieldName: 'brand_name' });
      expect(lineage).toMatchObject({ reason: 'conflict_resolution', changedBy: ADMIN_USER_ID, previousValue: 'Koi', newValue: 'Koi Trading', sourceId: CLOSE_SOURCE_ID, entityKey: entity.key });
    });

    it('resolveConflict - rejects with CONFLICT_NOT_FOUND for a resolved or unknown conflict', async () => {
      const { runId, entity } = await partnerWithRun(context.store, 'P-340', 'Lotus');
      const conflict = await openConflict(context.store, runId, entity, 'Lotus AG');
      await context.store.resolveConflict({ conflictId: conflict.id, resolution: 'keep_current', resolvedBy: ADMIN_USER_ID });
      const twice = await rejectionOf(context.store.resolveConflict({ conflictId: conflict.id, resolution: 'apply_losing_value', resolvedBy: ADMIN_USER_ID }));
      expect(codeOf(twice)).toBe('CONFLICT_NOT_FOUND');
      const unknown = await rejectionOf(context.store.resolveConflict({ conflictId: stableUuid('contract-suite-no-such-conflict'), resolution: 'keep_current', resolvedBy: null }));
      expect(codeOf(unknown)).toBe('CONFLICT_NOT_FOUND');
      const loaded = await context.store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys: [entity.key], fields: ['brand_name'], withOwners: false });
      expect(loaded.get(entity.key)?.values.brand_name, 'the second resolution wrote nothing').toBe('Lotus');
    });
  });
}
