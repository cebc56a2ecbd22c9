import { describeError, FieldsyncError, formatMessage, SyncLockedError } from '../errors.js';
import type { Reconciler } from '../reconciler.js';
import { emptyStats, type RowError, type RunRecord, type RunStats } from '../runs.js';
import type { ExistingEntity, Store, StoreLock } from '../store.js';
import type { SourceReader } from '../strategy.js';
import type { PendingConflict } from '../reconciler.js';
import type { JsonValue } from '../values.js';
import { buildBatch } from './build-batch.js';
import type { TabPlan } from './tab-plan.js';
import { transformRows, type SeenKey } from './transform-rows.js';
import type { ChangePreview, LogEvent, PhaseTimings, SyncOptions, SyncResult } from './types.js';

export interface RunTabContext {
  store: Store;
  reconciler: Reconciler;
  batchSize: number;
  maxStoredErrors: number;
  staleRunAfterMs: number;
  log: (event: LogEvent) => void;
}

/** Attached to errors a failed run rethrows, so callers can find the run record. */
export const failedRunIds = new WeakMap<object, string>();

function abortError(): FieldsyncError {
  return new FieldsyncError('SYNC_ABORTED', formatMessage('engine', 'The sync was aborted.', 'Committed batches are kept; run it again to finish.'));
}

function addStats(total: RunStats, delta: Partial<RunStats>): void {
  for (const [name, value] of Object.entries(delta) as Array<[keyof RunStats, number]>) total[name] += value;
}

/**
 * Runs one tab: lock, run record, read, then per batch transform, load once, reconcile,
 * apply once; the run ends completed, or failed with the fatal error (which is rethrown).
 */
export async function runTab(context: RunTabContext, plan: TabPlan, options: SyncOptions): Promise<SyncResult> {
  const { store } = context;
  const dryRun = options.dryRun ?? false;
  const signal = options.signal ?? new AbortController().signal;
  if (signal.aborted) throw abortError();

  let lock: StoreLock | null = null;
  if (!dryRun) {
    lock = await store.tryLock(`fieldsync:tab:${plan.tab.id}`);
    if (!lock) {
      throw new SyncLockedError(
        formatMessage('engine', `Tab '${plan.tab.tabName}' is already syncing.`, 'Wait for that run to finish, then sync again; two syncs of one tab never run at once.'),
        { details: { tabMappingId: plan.tab.id } },
      );
    }
  }
  let run: RunRecord | undefined;
  let reader: SourceReader | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stats = emptyStats();
  const errors: RowError[] = [];
  const warnings: string[] = [];
  const previews: ChangePreview[] = [];
  const conflicts: PendingConflict[] = [];
  const timings: PhaseTimings = { read: 0, transform: 0, load: 0, reconcile: 0, write: 0, total: 0 };
  const startedAt = performance.now();
  const timed = async <T>(phase: Exclude<keyof PhaseTimings, 'total'>, work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[phase] += performance.now() - start;
    }
  };
  const collect = dryRun || (options.collectChanges ?? false);
  const recordErrors = (batchErrors: RowError[]) => {
    stats.errorCount += batchErrors.length;
    for (const error of batchErrors) if (errors.length < context.maxStoredErrors) errors.push(error);
  };

  try {
    if (!dryRun) {
      // A run whose heartbeat stopped for longer than the lease was left by a process that died.
      // (Not "every running run": dry runs take no lock and may be live.)
      const reaped = await store.failStaleRuns({ staleAfterMs: context.staleRunAfterMs, tabMappingId: plan.tab.id });
      if (reaped > 0) context.log({ level: 'warn', message: `Marked ${reaped} abandoned run(s) of this tab as failed.`, tabMappingId: plan.tab.id });
    }
    run = await store.createRun({
      dataSourceId: plan.dataSource.id,
      tabMappingId: plan.tab.id,
      trigger: options.trigger ?? 'manual',
      triggeredBy: options.triggeredBy ?? null,
      dryRun,
      forceOverwrite: options.forceOverwrite ?? false,
    });
    const runId = run.id;
    heartbeat = setInterval(() => {
      store.heartbeatRun(runId).catch(() => undefined);
    }, Math.max(1000, Math.floor(context.staleRunAfterMs / 3)));
    heartbeat.unref?.();

    const state: JsonValue | null = plan.tab.mode === 'incremental' && !options.fullRefresh ? await store.getState(plan.tab.id) : null;
    reader = await timed('read', () => plan.strategy.open({
      dataSource: plan.dataSource,
      tab: plan.tab,
      columns: plan.columns.map((column) => column.mapping),
      batchSize: context.batchSize,
      state,
      signal,
      ...(options.rowLimit !== undefined && { rowLimit: options.rowLimit }),
      ...(options.ids !== undefined && { ids: options.ids }),
    }));
    const openedReader = reader;
    warnings.push(...(reader.warnings ?? []));
    const source = {
      label: reader.label,
      columns: reader.columns,
      ...(reader.timeZone !== undefined && { timeZone: reader.timeZone }),
      ...(reader.locale !== undefined && { locale: reader.locale }),
    };
    const seenKeys = new Map<string, SeenKey>();
    let batchNumber = 0;
    let remaining = options.rowLimit ?? Number.POSITIVE_INFINITY;

    const iterator = openedReader.batches()[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await timed('read', () => iterator.next());
        if (next.done) break;
        const sourceBatch = next.value;
        if (signal.aborted) throw abortError();
        const sourceRows = sourceBatch.rows.length > remaining ? sourceBatch.rows.slice(0, remaining) : sourceBatch.rows;
        remaining -= sourceRows.length;
        batchNumber += 1;
        const transformed = await timed('transform', () => transformRows(plan, source, sourceRows, seenKeys));
        recordErrors(transformed.errors);
        const deleted = sourceBatch.deleted ?? [];
        const keys = [...transformed.rows.map((row) => row.key), ...deleted.map((record) => record.key)];
        const existing: Map<string, ExistingEntity> =
          keys.length === 0 ? new Map() : await timed('load', () => store.loadEntities({ entity: plan.entity, keyField: plan.keyField, keys, fields: plan.loadFields, withOwners: plan.withOwners }));
        const reconcileStart = performance.now();
        const decided = context.reconciler.reconcile({
          entity: plan.entity,
          keyField: plan.keyField,
          dataSourceId: plan.dataSource.id,
          rows: transformed.rows,
          existing,
          rules: plan.rules,
          priorityOf: plan.priorityOf,
          forceOverwrite: options.forceOverwrite ?? false,
        });
        const built = buildBatch({ plan, source, runId, changes: decided.changes, conflicts: decided.conflicts, deleted, existing, changedBy: options.triggeredBy ?? null, now: new Date(), preview: collect });
        timings.reconcile += performance.now() - reconcileStart;
        recordErrors(built.errors);
        const delta: RunStats = {
          ...emptyStats(),
          ...built.stats,
          rowsProcessed: sourceRows.length,
          rowsSkipped: transformed.skipped,
          rowsUnchanged: decided.unchanged,
          errorCount: transformed.errors.length + built.errors.length,
        };
        const empty = built.batch.creates.length + built.batch.updates.length + built.batch.deletes.length + built.batch.lineage.length + built.batch.conflicts.length === 0;
        const checkpoint = sourceBatch.checkpoint !== undefined && sourceRows === sourceBatch.rows;
        // A batch with nothing to write and no cursor to move costs no round trip; finishRun
        // stores the run's final counters.
        if (!dryRun && (!empty || checkpoint)) {
          const written = await timed('write', () => store.applyBatch({ ...built.batch, stats: delta, ...(checkpoint && { checkpoint: sourceBatch.checkpoint }) }));
          delta.conflictCount = written.conflicts;
        }
        addStats(stats, { ...delta, errorCount: 0 });
        if (collect) {
          previews.push(...built.previews);
          conflicts.push(...decided.conflicts);
        }
        options.onProgress?.({ runId, tabMappingId: plan.tab.id, batch: batchNumber, stats: { ...stats } });
        if (remaining <= 0) break;
      }
    } finally {
      // Ends the source's generator (closing its streams) when the loop stops early.
      await iterator.return?.();
    }

    // Some warnings (a ragged row) are only found while reading.
    for (const warning of openedReader.warnings ?? []) if (!warnings.includes(warning)) warnings.push(warning);
    run = await store.finishRun(runId, { status: 'completed', stats, errors, warnings });
    context.log({ level: 'info', message: `Run completed: ${stats.rowsProcessed} processed, ${stats.rowsCreated} created, ${stats.rowsUpdated} updated.`, runId, tabMappingId: plan.tab.id });
    timings.total = performance.now() - startedAt;
    return { success: true, syncRunId: runId, tabMappingId: plan.tab.id, dryRun, stats: { ...stats, errors }, changes: previews, conflicts, warnings, timings };
  } catch (error) {
    const failure = describeError(signal.aborted && !FieldsyncError.isInstance(error) ? abortError() : error);
    if (run) {
      failedRunIds.set(error as object, run.id);
      await store.finishRun(run.id, { status: 'failed', stats, errors, warnings, failure }).catch((finishError: unknown) => {
        context.log({ level: 'error', message: `Could not record the failure of run ${run?.id}: ${describeError(finishError).message}`, tabMappingId: plan.tab.id });
      });
    }
    context.log({ level: 'error', message: failure.message, ...(run && { runId: run.id }), tabMappingId: plan.tab.id, data: { code: failure.code } });
    throw error;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    await reader?.close?.().catch(() => undefined);
    await lock?.release().catch(() => undefined);
  }
}
