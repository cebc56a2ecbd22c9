import { expect, it } from 'vitest';
import { stableUuid } from '../config/ids.js';
import type { RunRecord } from '../runs.js';
import type { Store } from '../store.js';
import type { TestStoreOptions } from './contract-types.js';
import { CLOSE_SOURCE_ID, MASTER_SHEET_ID, PARTNERS_TAB_ID, STAFF_TAB_ID, describeGroup, partnersBatch, pause, startRun, statsOf } from './store-suite-context.js';

/** Newest first: `startedAt` descending, then `id` descending. */
function byNewest(a: RunRecord, b: RunRecord): number {
  const difference = b.startedAt.getTime() - a.startedAt.getTime();
  if (difference !== 0) return difference;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Starts runs one after another, a little apart so their start times differ. */
async function startRuns(store: Store, count: number, overrides: Parameters<typeof startRun>[1] = {}): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (let index = 0; index < count; index++) {
    if (index > 0) await pause(3);
    runs.push(await startRun(store, overrides));
  }
  return runs;
}

/** The audited run log: createRun, heartbeatRun, finishRun, listRuns, failStaleRuns. */
export function runsGroup(options: TestStoreOptions): void {
  describeGroup(options, 'runs', (context) => {
    it('createRun - stores a running run with zero counters and a heartbeat', async () => {
      const run = await context.store.createRun({ dataSourceId: MASTER_SHEET_ID, tabMappingId: PARTNERS_TAB_ID, trigger: 'webhook', triggeredBy: stableUuid('user-mira'), dryRun: true, forceOverwrite: true });
      expect(run).toMatchObject({ dataSourceId: MASTER_SHEET_ID, tabMappingId: PARTNERS_TAB_ID, status: 'running', trigger: 'webhook', triggeredBy: stableUuid('user-mira'), dryRun: true, forceOverwrite: true });
      expect(run).toMatchObject({ rowsProcessed: 0, rowsCreated: 0, rowsUpdated: 0, rowsSkipped: 0, rowsDeleted: 0, rowsUnchanged: 0, errorCount: 0, lineageCount: 0, conflictCount: 0 });
      expect(run.heartbeatAt).toBeInstanceOf(Date);
      expect(run.startedAt).toBeInstanceOf(Date);
      expect(run.completedAt).toBeNull();
      expect(run.failure).toBeNull();
      expect(await context.store.getRun(run.id)).toEqual(run);
    });

    it('getRun - returns null for an unknown run', async () => {
      expect(await context.store.getRun(stableUuid('contract-suite-no-such-run'))).toBeNull();
    });

    it('heartbeatRun - moves heartbeatAt forward', async () => {
      const run = await startRun(context.store);
      await pause(5);
      await context.store.heartbeatRun(run.id);
      const stored = await context.store.getRun(run.id);
      expect(stored?.heartbeatAt?.getTime()).toBeGreaterThan(run.heartbeatAt?.getTime() ?? Number.POSITIVE_INFINITY);
    });

    it('finishRun - replaces the counters and records status, errors, warnings and completedAt', async () => {
      const run = await startRun(context.store);
      await context.store.applyBatch(partnersBatch(run.id, { stats: statsOf({ rowsProcessed: 5, rowsCreated: 5 }) }));
      const errors = [{ row: 7, column: 'Revenue', address: 'C7', key: 'P-007', error: 'Not a number: "n/a"', severity: 'error' as const }];
      const finished = await context.store.finishRun(run.id, { status: 'completed', stats: statsOf({ rowsProcessed: 8, rowsCreated: 6, errorCount: 1 }), errors, warnings: ['Column E has no header'] });
      expect(finished).toMatchObject({ status: 'completed', rowsProcessed: 8, rowsCreated: 6, errorCount: 1, errors, warnings: ['Column E has no header'], failure: null });
      expect(finished.completedAt).toBeInstanceOf(Date);
      expect(await context.store.getRun(run.id)).toEqual(finished);
    });

    it('finishRun - records the failure of a failed run', async () => {
      const run = await startRun(context.store);
      const failure = { code: 'SOURCE_UNAVAILABLE', message: '[fieldsync] [google-sheets] The Sheets API answered 503.' };
      const finished = await context.store.finishRun(run.id, { status: 'failed', stats: statsOf({ rowsProcessed: 2 }), errors: [], warnings: [], failure });
      expect(finished).toMatchObject({ status: 'failed', failure, rowsProcessed: 2 });
      expect((await context.store.getRun(run.id))?.failure).toEqual(failure);
    });

    it('listRuns - lists newest first by startedAt, then id', async () => {
      const runs = await startRuns(context.store, 3);
      const page = await context.store.listRuns();
      expect(page.items.map((run) => run.id)).toEqual([...runs].sort(byNewest).map((run) => run.id));
      expect(page.items.map((run) => run.id)).toEqual(runs.map((run) => run.id).reverse());
      expect(page.nextCursor).toBeNull();
    });

    it('listRuns - filters by data source, tab and status', async () => {
      const [sheetRun] = await startRuns(context.store, 1);
      const [closeRun] = await startRuns(context.store, 1, { dataSourceId: CLOSE_SOURCE_ID, tabMappingId: STAFF_TAB_ID });
      const [finishedRun] = await startRuns(context.store, 1);
      await context.store.finishRun(finishedRun!.id, { status: 'completed', stats: statsOf({}), errors: [], warnings: [] });
      const ids = async (query: Parameters<Store['listRuns']>[0]) => (await context.store.listRuns(query)).items.map((run) => run.id).sort();
      expect(await ids({ dataSourceId: CLOSE_SOURCE_ID })).toEqual([closeRun!.id]);
      expect(await ids({ tabMappingId: PARTNERS_TAB_ID })).toEqual([sheetRun!.id, finishedRun!.id].sort());
      expect(await ids({ status: 'completed' })).toEqual([finishedRun!.id]);
      expect(await ids({ dataSourceId: MASTER_SHEET_ID, status: 'running' })).toEqual([sheetRun!.id]);
    });

    it('listRuns - pages with the cursor over more than one page', async () => {
      const runs = await startRuns(context.store, 5);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Awaited<ReturnType<Store['listRuns']>> = await context.store.listRuns({ limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((run) => run.id));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(runs.map((run) => run.id).reverse());
    });

    it('failStaleRuns - fails running runs of the tab whose heartbeat is older than the threshold', async () => {
      const partnersRun = await startRun(context.store);
      const staffRun = await startRun(context.store, { tabMappingId: STAFF_TAB_ID });
      const doneRun = await startRun(context.store);
      await context.store.finishRun(doneRun.id, { status: 'completed', stats: statsOf({}), errors: [], warnings: [] });
      expect(await context.store.failStaleRuns({ staleAfterMs: 3_600_000 })).toBe(0);
      expect((await context.store.getRun(partnersRun.id))?.status).toBe('running');
      await pause(30);
      expect(await context.store.failStaleRuns({ staleAfterMs: 5, tabMappingId: PARTNERS_TAB_ID })).toBe(1);
      const failed = await context.store.getRun(partnersRun.id);
      expect(failed?.status).toBe('failed');
      expect(failed?.failure?.code).toBe('RUN_ABANDONED');
      expect(failed?.completedAt).toBeInstanceOf(Date);
      expect((await context.store.getRun(staffRun.id))?.status).toBe('running');
      expect((await context.store.getRun(doneRun.id))?.status).toBe('completed');
    });
  });
}
