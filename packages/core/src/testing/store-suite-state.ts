import { expect, it } from 'vitest';
import type { Store, StoreLock } from '../store.js';
import type { TestStoreOptions } from './contract-types.js';
import { PARTNERS_TAB_ID, STAFF_TAB_ID, codeOf, describeGroup, partnerCreate, partnerRows, partnersBatch, rejectionOf, seedPartners, startRun } from './store-suite-context.js';

const LOCK_KEY = `sync:${PARTNERS_TAB_ID}`;

/** Incremental cursors, saved in the batch transaction. */
export function incrementalGroup(options: TestStoreOptions): void {
  describeGroup(options, 'incremental', (context) => {
    it('getState - returns null for a tab without a cursor', async () => {
      expect(await context.store.getState(PARTNERS_TAB_ID)).toBeNull();
    });

    it('applyBatch - saves the checkpoint as the tab cursor, and keeps it when a batch has none', async () => {
      const run = await startRun(context.store);
      const checkpoint = { updatedAfter: '2024-05-01T10:00:00.000Z', ids: ['lead_1', 'lead_2'], page: 3 };
      await context.store.applyBatch(partnersBatch(run.id, { creates: [partnerCreate('P-400')], checkpoint }));
      expect(await context.store.getState(PARTNERS_TAB_ID)).toEqual(checkpoint);
      await context.store.applyBatch(partnersBatch(run.id, { creates: [partnerCreate('P-401')] }));
      expect(await context.store.getState(PARTNERS_TAB_ID)).toEqual(checkpoint);
      await context.store.applyBatch(partnersBatch(run.id, { checkpoint: 'cursor-2' }));
      expect(await context.store.getState(PARTNERS_TAB_ID)).toBe('cursor-2');
      expect(await context.store.getState(STAFF_TAB_ID), 'cursors are per tab').toBeNull();
    });

    it('applyBatch - does not save the checkpoint of a batch that fails', async () => {
      const run = await startRun(context.store);
      await seedPartners(context.store, run.id, { 'P-410': {} });
      await context.store.applyBatch(partnersBatch(run.id, { checkpoint: { page: 1 } }));
      const before = await partnerRows(context.under);
      const error = await rejectionOf(context.store.applyBatch(partnersBatch(run.id, { creates: [partnerCreate('P-411'), partnerCreate('P-410')], checkpoint: { page: 2 } })));
      expect(codeOf(error)).toMatch(/^STORE_/);
      expect(await context.store.getState(PARTNERS_TAB_ID)).toEqual({ page: 1 });
      expect(await partnerRows(context.under)).toEqual(before);
    });

    it('resetState - forgets the cursor of that tab only', async () => {
      const run = await startRun(context.store);
      await context.store.applyBatch(partnersBatch(run.id, { checkpoint: { page: 4 } }));
      await context.store.applyBatch({ ...partnersBatch(run.id, { checkpoint: { page: 9 } }), tabMappingId: STAFF_TAB_ID });
      await context.store.resetState(PARTNERS_TAB_ID);
      expect(await context.store.getState(PARTNERS_TAB_ID)).toBeNull();
      expect(await context.store.getState(STAFF_TAB_ID)).toEqual({ page: 9 });
    });
  });
}

/** Locks within one store instance. */
export function locksGroup(options: TestStoreOptions): void {
  describeGroup(options, 'locks', (context) => {
    it('tryLock - returns null while the lock is held, and a lock again after release', async () => {
      const lock = await context.store.tryLock(LOCK_KEY);
      expect(lock).not.toBeNull();
      expect(await context.store.tryLock(LOCK_KEY)).toBeNull();
      await lock?.release();
      const again = await context.store.tryLock(LOCK_KEY);
      expect(again).not.toBeNull();
      await again?.release();
    });

    it('tryLock - locks keys independently', async () => {
      const first = await context.store.tryLock(LOCK_KEY);
      const second = await context.store.tryLock(`sync:${STAFF_TAB_ID}`);
      expect(first).not.toBeNull();
      expect(second).not.toBeNull();
      await first?.release();
      await second?.release();
    });
  });
}

/** Locks seen by a second store over the same database, as another process would open it. */
export function crossProcessLocksGroup(options: TestStoreOptions): void {
  describeGroup(options, 'crossProcessLocks', (context) => {
    it('tryLock - a lock held by one store instance is refused to another until released', async (test) => {
      if (!context.under.createPeer) test.skip('the factory has no createPeer, so no second store over the same database can be opened');
      expect(context.store.capabilities.crossProcessLocks).toBe(true);
      const peer: Store = await context.under.createPeer!();
      let lock: StoreLock | null = null;
      try {
        lock = await context.store.tryLock(LOCK_KEY);
        expect(lock).not.toBeNull();
        expect(await peer.tryLock(LOCK_KEY)).toBeNull();
        await lock?.release();
        lock = null;
        const peerLock = await peer.tryLock(LOCK_KEY);
        expect(peerLock).not.toBeNull();
        expect(await context.store.tryLock(LOCK_KEY)).toBeNull();
        await peerLock?.release();
      } finally {
        // The factory's cleanup closes the peer.
        await lock?.release();
      }
    });
  });
}
