import { beforeEach, expect, it } from 'vitest';
import type { RowFingerprint, Store } from '../store.js';
import type { TestStoreOptions } from './contract-types.js';
import {
  ADMIN_USER_ID,
  KEY_FIELD,
  PARTNERS,
  PARTNERS_TAB_ID,
  STAFF_TAB_ID,
  codeOf,
  describeGroup,
  idOf,
  partnerConflict,
  partnerCreate,
  partnerLineage,
  partnersBatch,
  rejectionOf,
  seedPartners,
  startRun,
} from './store-suite-context.js';

const NO_FINGERPRINTS = 'the store has no loadFingerprints, so every run decides every row';

/** The tab's fingerprints, as the engine loads them before a run. */
function fingerprintsOf(store: Store, tabMappingId = PARTNERS_TAB_ID): Promise<Map<string, number>> {
  return store.loadFingerprints!({ tabMappingId, entity: PARTNERS, keyField: KEY_FIELD });
}

/** The version of each partner, by key (undefined for a missing partner). */
async function versionsOf(store: Store, keys: string[]): Promise<Map<string, string | undefined>> {
  const loaded = await store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys, fields: [], withOwners: false, withVersions: true });
  return new Map(keys.map((key) => [key, loaded.get(key)?.version]));
}

async function versionOf(store: Store, key: string): Promise<string> {
  const version = (await versionsOf(store, [key])).get(key);
  expect(version, `partner ${key} should have a version`).toBeTypeOf('string');
  return version as string;
}

/** Creates partners with a fingerprint each (version null: the batch creates them) and returns their ids. */
async function seedFingerprinted(store: Store, runId: string, hashes: Record<string, number>, tabMappingId = PARTNERS_TAB_ID): Promise<Map<string, string>> {
  const keys = Object.keys(hashes);
  await store.applyBatch({
    ...partnersBatch(runId, { creates: keys.map((key) => partnerCreate(key, { brand_name: `Brand ${key}` })), fingerprints: keys.map((key) => ({ key, hash: hashes[key]!, version: null })) }),
    tabMappingId,
  });
  const loaded = await store.loadEntities({ entity: PARTNERS, keyField: KEY_FIELD, keys, fields: [], withOwners: false });
  return new Map([...loaded].map(([key, entity]) => [key, entity.id]));
}

/** A batch of another tab (the staff sheet) that renames partner `key`: a writer other than the run. */
async function renameFromStaffTab(store: Store, key: string, id: string, brandName: string): Promise<void> {
  const run = await startRun(store, { tabMappingId: STAFF_TAB_ID });
  await store.applyBatch({ ...partnersBatch(run.id, { updates: [{ id, key, values: { brand_name: brandName } }] }), tabMappingId: STAFF_TAB_ID });
}

/** Row fingerprints: skip rows whose source and entity have not changed since the last run. */
export function fingerprintsGroup(options: TestStoreOptions): void {
  describeGroup(options, 'fingerprints', (context) => {
    beforeEach((test) => {
      // Fingerprints are optional in the Store interface: a store without loadFingerprints has
      // nothing here to test (the engine decides every row for it). Every store in this
      // repository implements them, so CI runs this group for each.
      if (!context.store.loadFingerprints) test.skip(NO_FINGERPRINTS);
    });

    it('loadEntities - returns a text version that changes when the row is written, and only then', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-500': { brand_name: 'Alder' }, 'P-501': { brand_name: 'Birch' } });
      const first = await versionsOf(context.store, ['P-500', 'P-501']);
      expect(first.get('P-500')).toBeTypeOf('string');
      expect(first.get('P-501')).toBeTypeOf('string');
      const other = { key: 'P-501', id: idOf(ids, 'P-501') };
      await context.store.applyBatch(
        partnersBatch(run.id, {
          updates: [{ id: idOf(ids, 'P-500'), key: 'P-500', values: { brand_name: 'Alder Co' } }],
          lineage: [partnerLineage(other, 'brand_name', 'Birch')],
          conflicts: [partnerConflict(other, 'brand_name', 'Birch Ltd')],
          checkpoint: { page: 1 },
        }),
      );
      const second = await versionsOf(context.store, ['P-500', 'P-501']);
      expect(second.get('P-500'), 'an updated row gets a new version').not.toBe(first.get('P-500'));
      expect(second.get('P-501'), 'lineage and conflicts of a row do not write the row').toBe(first.get('P-501'));
      await context.store.applyBatch(partnersBatch(run.id, { creates: [partnerCreate('P-502')] }));
      expect(await versionsOf(context.store, ['P-500', 'P-501']), 'a batch that writes neither row').toEqual(second);
    });

    it('loadEntities - the version changes when apply_losing_value writes the row, not on keep_current', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-510': { brand_name: 'Cedar' } });
      const entity = { key: 'P-510', id: idOf(ids, 'P-510') };
      await context.store.applyBatch(partnersBatch(run.id, { conflicts: [partnerConflict(entity, 'brand_name', 'Cedar 1'), partnerConflict(entity, 'brand_name', 'Cedar 2')] }));
      const [kept, applied] = (await context.store.listConflicts({ entityId: entity.id, status: 'open' })).items.sort((a, b) => String(a.losingValue).localeCompare(String(b.losingValue)));
      const before = await versionOf(context.store, entity.key);
      await context.store.resolveConflict({ conflictId: kept!.id, resolution: 'keep_current', resolvedBy: ADMIN_USER_ID });
      expect(await versionOf(context.store, entity.key), 'keep_current does not write the row').toBe(before);
      await context.store.resolveConflict({ conflictId: applied!.id, resolution: 'apply_losing_value', resolvedBy: ADMIN_USER_ID });
      expect(await versionOf(context.store, entity.key)).not.toBe(before);
    });

    it('applyBatch - records the fingerprints of created entities; a key with no entity after the batch records nothing', async () => {
      const run = await startRun(context.store);
      expect(await fingerprintsOf(context.store)).toEqual(new Map());
      const ids = await seedPartners(context.store, run.id, { 'P-522': {} });
      const gone = await versionOf(context.store, 'P-522');
      await context.store.applyBatch(
        partnersBatch(run.id, {
          creates: [partnerCreate('P-520'), partnerCreate('P-521')],
          deletes: [{ id: idOf(ids, 'P-522'), key: 'P-522' }],
          fingerprints: [
            { key: 'P-520', hash: 20, version: null },
            { key: 'P-521', hash: 21, version: null },
            { key: 'P-522', hash: 22, version: gone },
            { key: 'P-529', hash: 29, version: null },
          ],
        }),
      );
      expect(await fingerprintsOf(context.store)).toEqual(new Map([['P-520', 20], ['P-521', 21]]));
    });

    it('applyBatch - records an existing entity at the loaded version, also when the same batch updates it', async () => {
      const run = await startRun(context.store);
      const ids = await seedPartners(context.store, run.id, { 'P-530': { brand_name: 'Dogwood' }, 'P-531': { brand_name: 'Elm' } });
      const loaded = await versionsOf(context.store, ['P-530', 'P-531']);
      await context.store.applyBatch(
        partnersBatch(run.id, {
          updates: [{ id: idOf(ids, 'P-530'), key: 'P-530', values: { brand_name: 'Dogwood & Co' } }],
          fingerprints: [
            { key: 'P-530', hash: 30, version: loaded.get('P-530')! },
            { key: 'P-531', hash: 31, version: loaded.get('P-531')! },
          ],
        }),
      );
      expect(await fingerprintsOf(context.store), 'the updated row is fingerprinted at its version after the batch').toEqual(new Map([['P-530', 30], ['P-531', 31]]));
    });

    it('applyBatch - records nothing for an entity written since the run loaded it, and drops its older fingerprint', async () => {
      const run = await startRun(context.store);
      const ids = await seedFingerprinted(context.store, run.id, { 'P-540': 40, 'P-541': 41 });
      const loaded = await versionsOf(context.store, ['P-540', 'P-541']);
      await renameFromStaffTab(context.store, 'P-540', idOf(ids, 'P-540'), 'Fir (staff)');
      await context.store.applyBatch(
        partnersBatch(run.id, {
          fingerprints: [
            { key: 'P-540', hash: 400, version: loaded.get('P-540')! },
            { key: 'P-541', hash: 410, version: loaded.get('P-541')! },
          ],
        }),
      );
      expect(await fingerprintsOf(context.store), 'only the row nobody raced is recorded').toEqual(new Map([['P-541', 410]]));
    });

    it('applyBatch - records nothing for version null (an entity the run found missing) when another writer created that entity since', async () => {
      const run = await startRun(context.store);
      // The run loaded no P-545 and decided to create it; another writer created it first.
      await seedPartners(context.store, run.id, { 'P-545': { brand_name: 'Larch (app)' } });
      await context.store.applyBatch(partnersBatch(run.id, { fingerprints: [{ key: 'P-545', hash: 450, version: null }] }));
      expect(await fingerprintsOf(context.store)).toEqual(new Map());
    });

    it('applyBatch - a batch that fails records no fingerprint and keeps the earlier ones', async () => {
      const run = await startRun(context.store);
      await seedFingerprinted(context.store, run.id, { 'P-550': 50 });
      const version = await versionOf(context.store, 'P-550');
      const failing = partnersBatch(run.id, {
        creates: [partnerCreate('P-551'), partnerCreate('P-550')],
        fingerprints: [
          { key: 'P-551', hash: 51, version: null },
          { key: 'P-550', hash: 500, version },
        ],
      });
      expect(codeOf(await rejectionOf(context.store.applyBatch(failing)))).toMatch(/^STORE_/);
      expect(await fingerprintsOf(context.store)).toEqual(new Map([['P-550', 50]]));
    });

    it('applyBatch - recording a key again replaces its hash', async () => {
      const run = await startRun(context.store);
      await seedFingerprinted(context.store, run.id, { 'P-560': 60, 'P-561': 61 });
      await context.store.applyBatch(partnersBatch(run.id, { fingerprints: [{ key: 'P-560', hash: 600, version: await versionOf(context.store, 'P-560') }] }));
      expect(await fingerprintsOf(context.store)).toEqual(new Map([['P-560', 600], ['P-561', 61]]));
      await context.store.applyBatch(partnersBatch(run.id, { fingerprints: [{ key: 'P-560', hash: 60, version: await versionOf(context.store, 'P-560') }] }));
      expect(await fingerprintsOf(context.store), 'back to the first hash').toEqual(new Map([['P-560', 60], ['P-561', 61]]));
    });

    it('loadFingerprints - drops the fingerprint of an entity written since, by another tab or a resolved conflict', async () => {
      const run = await startRun(context.store);
      const ids = await seedFingerprinted(context.store, run.id, { 'P-570': 70, 'P-571': 71, 'P-572': 72 });
      await renameFromStaffTab(context.store, 'P-570', idOf(ids, 'P-570'), 'Ginkgo (staff)');
      const entity = { key: 'P-571', id: idOf(ids, 'P-571') };
      await context.store.applyBatch(partnersBatch(run.id, { conflicts: [partnerConflict(entity, 'brand_name', 'Hawthorn')] }));
      expect(await fingerprintsOf(context.store), 'writing a conflict does not write the row').toEqual(new Map([['P-571', 71], ['P-572', 72]]));
      const [conflict] = (await context.store.listConflicts({ entityId: entity.id, status: 'open' })).items;
      await context.store.resolveConflict({ conflictId: conflict!.id, resolution: 'apply_losing_value', resolvedBy: ADMIN_USER_ID });
      expect(await fingerprintsOf(context.store)).toEqual(new Map([['P-572', 72]]));
    });

    it('loadFingerprints - drops the fingerprint of a deleted entity, also once the key is created again', async () => {
      const run = await startRun(context.store);
      const ids = await seedFingerprinted(context.store, run.id, { 'P-580': 80, 'P-581': 81 });
      await context.store.applyBatch(partnersBatch(run.id, { deletes: [{ id: idOf(ids, 'P-580'), key: 'P-580' }] }));
      expect(await fingerprintsOf(context.store)).toEqual(new Map([['P-581', 81]]));
      const staffRun = await startRun(context.store, { tabMappingId: STAFF_TAB_ID });
      await context.store.applyBatch({ ...partnersBatch(staffRun.id, { creates: [partnerCreate('P-580')] }), tabMappingId: STAFF_TAB_ID });
      expect(await fingerprintsOf(context.store), 'a new entity with the same key is not the fingerprinted one').toEqual(new Map([['P-581', 81]]));
    });

    it('loadFingerprints - returns only the requested tab\'s fingerprints', async () => {
      const run = await startRun(context.store);
      await seedFingerprinted(context.store, run.id, { 'P-590': 90 });
      const staffRun = await startRun(context.store, { tabMappingId: STAFF_TAB_ID });
      await seedFingerprinted(context.store, staffRun.id, { 'P-591': 91 }, STAFF_TAB_ID);
      const version = await versionOf(context.store, 'P-590');
      await context.store.applyBatch({ ...partnersBatch(staffRun.id, { fingerprints: [{ key: 'P-590', hash: 900, version }] }), tabMappingId: STAFF_TAB_ID });
      expect(await fingerprintsOf(context.store, PARTNERS_TAB_ID)).toEqual(new Map([['P-590', 90]]));
      expect(await fingerprintsOf(context.store, STAFF_TAB_ID)).toEqual(new Map([['P-590', 900], ['P-591', 91]]));
    });

    it('loadFingerprints - returns hashes exactly and keys with quotes, backslashes, newlines, tabs and unicode', async () => {
      const run = await startRun(context.store);
      const hashes: Record<string, number> = {
        "O'Brien \"quoted\"": 0,
        'back\\slash\\': 1,
        'two\nlines': 2 ** 53 - 1,
        'tab\there': 2 ** 52 + 1,
        'Zürich 東京 🚀': 1_234_567_890_123,
        '%_ [x]': 987_654_321,
      };
      await seedFingerprinted(context.store, run.id, hashes);
      const loaded = await fingerprintsOf(context.store);
      expect(loaded).toEqual(new Map(Object.entries(hashes)));
      for (const [key, hash] of Object.entries(hashes)) expect(loaded.get(key), `hash of ${JSON.stringify(key)}`).toBe(hash);
    });

    it('resetState - forgets the fingerprints of that tab only', async () => {
      const run = await startRun(context.store);
      await seedFingerprinted(context.store, run.id, { 'P-600': 100 });
      const staffRun = await startRun(context.store, { tabMappingId: STAFF_TAB_ID });
      await seedFingerprinted(context.store, staffRun.id, { 'P-601': 101 }, STAFF_TAB_ID);
      await context.store.resetState(PARTNERS_TAB_ID);
      expect(await fingerprintsOf(context.store, PARTNERS_TAB_ID)).toEqual(new Map());
      expect(await fingerprintsOf(context.store, STAFF_TAB_ID)).toEqual(new Map([['P-601', 101]]));
      const fingerprint: RowFingerprint = { key: 'P-600', hash: 100, version: await versionOf(context.store, 'P-600') };
      await context.store.applyBatch(partnersBatch(run.id, { fingerprints: [fingerprint] }));
      expect(await fingerprintsOf(context.store, PARTNERS_TAB_ID), 'recorded again after the reset').toEqual(new Map([['P-600', 100]]));
    });
  });
}
