import { v4 as uuidv4 } from 'uuid';
import { StoreError, formatMessage } from '../errors.js';
import type { RunRecord } from '../runs.js';
import type { Store } from '../store.js';
import { copyRun, newestFirst, pageOf, replaceStats } from './memory-records.js';

/** The run methods of a store. */
export type RunMethods = Pick<Store, 'createRun' | 'heartbeatRun' | 'finishRun' | 'failStaleRuns' | 'getRun' | 'listRuns'>;

/** The `sync_runs` of the memory store. */
export interface MemoryRunLog {
  /** Runs by id; `applyBatch` replaces a run here when it commits its counters. */
  records: Map<string, RunRecord>;
  /** The run, or a StoreError when there is none. */
  require(runId: string): RunRecord;
  methods: RunMethods;
}

/** Runs held in memory, as docs/architecture.md "Store semantics: Runs" describes. */
export function memoryRunLog(options: { now: () => Date; scope: string }): MemoryRunLog {
  const { now, scope: SCOPE } = options;
  const runs = new Map<string, RunRecord>();

  function require(runId: string): RunRecord {
    const run = runs.get(runId);
    if (!run) {
      throw new StoreError('STORE_WRITE_FAILED', formatMessage(SCOPE, `No run with id ${runId}.`, 'Create the run with createRun before using it.'), { details: { runId } });
    }
    return run;
  }

  const methods: RunMethods = {
    async createRun(run) {
      const time = now();
      const record: RunRecord = {
        id: uuidv4(),
        dataSourceId: run.dataSourceId,
        tabMappingId: run.tabMappingId,
        status: 'running',
        trigger: run.trigger,
        triggeredBy: run.triggeredBy,
        dryRun: run.dryRun,
        forceOverwrite: run.forceOverwrite,
        startedAt: time,
        completedAt: null,
        heartbeatAt: time,
        createdAt: time,
        rowsProcessed: 0,
        rowsCreated: 0,
        rowsUpdated: 0,
        rowsSkipped: 0,
        rowsDeleted: 0,
        rowsUnchanged: 0,
        errorCount: 0,
        lineageCount: 0,
        conflictCount: 0,
        errors: [],
        warnings: [],
        failure: null,
      };
      runs.set(record.id, record);
      return copyRun(record);
    },

    async heartbeatRun(runId) {
      const run = require(runId);
      runs.set(runId, { ...run, heartbeatAt: now() });
    },

    async finishRun(runId, outcome) {
      const run = require(runId);
      const finished: RunRecord = {
        ...replaceStats(run, outcome.stats),
        status: outcome.status,
        completedAt: now(),
        errors: outcome.errors.map((error) => ({ ...error })),
        warnings: [...outcome.warnings],
        failure: outcome.status === 'failed' ? { ...outcome.failure } : null,
      };
      runs.set(runId, finished);
      return copyRun(finished);
    },

    async failStaleRuns({ staleAfterMs, tabMappingId }) {
      const time = now();
      let failed = 0;
      for (const run of [...runs.values()]) {
        if (run.status !== 'running' || (tabMappingId !== undefined && run.tabMappingId !== tabMappingId)) continue;
        const alive = (run.heartbeatAt ?? run.startedAt).getTime();
        if (time.getTime() - alive <= staleAfterMs) continue;
        runs.set(run.id, {
          ...run,
          status: 'failed',
          completedAt: time,
          failure: { code: 'RUN_ABANDONED', message: formatMessage('sync', `The run stopped sending heartbeats for more than ${staleAfterMs} ms and was marked failed.`, 'Run the sync again; it converges from what earlier batches wrote.') },
        });
        failed += 1;
      }
      return failed;
    },

    async getRun(runId) {
      const run = runs.get(runId);
      return run ? copyRun(run) : null;
    },

    async listRuns(query = {}) {
      const matching = [...runs.values()].filter(
        (run) =>
          (query.dataSourceId === undefined || run.dataSourceId === query.dataSourceId) &&
          (query.tabMappingId === undefined || run.tabMappingId === query.tabMappingId) &&
          (query.status === undefined || run.status === query.status),
      );
      const sorted = newestFirst(matching, (run) => run.startedAt, (run) => run.id);
      const page = pageOf(sorted, (run) => run.id, { ...query, scope: SCOPE });
      return { items: page.items.map(copyRun), nextCursor: page.nextCursor };
    },
  };

  return { records: runs, require, methods };
}
