import { describeError, FieldsyncError, formatMessage, SyncLockedError } from '../errors.js';
import type { Reconciler } from '../reconciler.js';
import { emptyStats, type RowError, type RunRecord, type RunStats } from '../runs.js';
import type { ExistingEntity, RowFingerprint, Store, StoreLock } from '../store.js';
import type { DeletedRecord, SourceReader } from '../strategy.js';
import type { IncomingRow, PendingConflict } from '../reconciler.js';
import type { JsonValue } from '../values.js';
import { buildBatch } from './build-batch.js';
import type { TabPlan } from './tab-plan.js';
import { fingerprintSeed, rowHash } from './row-fingerprint.js';
import { keyRows, settleDuplicates, transformKeyed, type DuplicateKey, type KeyedRow, type SeenKey } from './transform-rows.js';
import type { ChangePreview, LogEvent, PhaseTimings, SyncOptions, SyncResult } from './types.js';

export interface RunTabContext {
  store: Store;
  reconciler: Reconciler;
  batchSize: number;
  maxStoredErrors: number;
  staleRunAfterMs: number;
  /** Skip rows unchanged since the last run, when the store keeps fingerprints. */
  rowFingerprints: boolean;
  /** Send the rows ready to decide whenever no batch is in flight, not only full batches. */
  flushWhenIdle: boolean;
  log: (event: LogEvent) => void;
}

/** Attached to errors a failed run rethrows, so callers can find the run record. */
export const failedRunIds = new WeakMap<object, string>();

function abortError(): FieldsyncError {
  return new FieldsyncError('SYNC_ABORTED', formatMessage('engine', 'The sync was aborted.', 'Committed batches are kept; run it again to finish.'));
}

/** One turn of the event loop (setImmediate where the runtime has it, as Node, Bun and Deno do). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}

function byRow(a: RowError, b: RowError): number {
  return (a.row ?? Number.POSITIVE_INFINITY) - (b.row ?? Number.POSITIVE_INFINITY) || 0;
}

function addStats(total: RunStats, delta: Partial<RunStats>): void {
  for (const [name, value] of Object.entries(delta) as Array<[keyof RunStats, number]>) total[name] += value;
}

/**
 * Fingerprints of the rows a batch decided cleanly: a row with an error or warning (its own or
 * from a derivation) is decided again next run, so it is reported again.
 */
function fingerprintsOf(rows: ReadonlyArray<IncomingRow>, hashes: ReadonlyMap<string, number>, existing: ReadonlyMap<string, ExistingEntity>, errorLists: ReadonlyArray<ReadonlyArray<RowError>>): RowFingerprint[] {
  const flagged = new Set<string>();
  for (const list of errorLists) for (const error of list) if (error.key !== undefined) flagged.add(error.key);
  const fingerprints: RowFingerprint[] = [];
  for (const row of rows) {
    const hash = hashes.get(row.key);
    if (hash === undefined || flagged.has(row.key)) continue;
    const entity = existing.get(row.key);
    // A store that keeps fingerprints returns versions; without one the entity cannot be vouched for.
    if (entity && entity.version === undefined) continue;
    fingerprints.push({ key: row.key, hash, version: entity ? (entity.version as string) : null });
  }
  return fingerprints;
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
  // Batches are loaded, decided and written in the background while the next rows are read,
  // keyed and hashed, so the database works while this process does. At most two are in flight:
  // one writing, and the next loading and deciding behind it. Writes land in batch order (a batch
  // writes only once the one before it has landed); a batch may load before the one before it
  // has landed, because no key is in two batches of a run. Deletions are the exception (see
  // flush): a batch with deletions loads after every earlier batch has landed, since a key it
  // deletes may have been created by one of them, and the next batch after it has landed.
  let inFlight: Array<Promise<void>> = [];
  // The newest batch's load and decision (without its write): the next one starts after it.
  let deciding: Promise<void> | null = null;
  // Whether the newest batch in flight carries deletions.
  let afterDeletions = false;
  let busy = 0;
  let failedWrite = false;
  /** Waits for every batch in flight; rethrows the first failure once all have ended. */
  const settle = async (): Promise<void> => {
    const pending = inFlight;
    inFlight = [];
    deciding = null;
    const outcomes = await Promise.allSettled(pending);
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  };
  const errors: RowError[] = [];
  // Duplicate-key errors, worded once the first row with their key is decided.
  const duplicates: DuplicateKey[] = [];
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
  // The run keeps its first maxStoredErrors errors in row order, whatever order they are found in
  // (keys as rows are read, cells and derivations as batches are decided, in the background):
  // the list is cut back to the lowest rows whenever it reaches twice the cap.
  const keepFirstErrors = () => {
    errors.sort(byRow);
    if (errors.length > context.maxStoredErrors) errors.length = context.maxStoredErrors;
  };
  const recordErrors = (batchErrors: RowError[]) => {
    stats.errorCount += batchErrors.length;
    if (context.maxStoredErrors === 0) return;
    for (const error of batchErrors) errors.push(error);
    if (errors.length >= 2 * context.maxStoredErrors) keepFirstErrors();
  };

  try {
    // Row fingerprints: a row whose raw cells hash as when the last run decided it, and whose
    // entity nobody wrote since, is unchanged without being transformed, loaded or reconciled.
    // Forced and full-refresh runs decide every row (and record fresh fingerprints). The tab's
    // fingerprints load while the run is recorded and the source opens (the tab is locked, so no
    // other run of it writes meanwhile); a failed load fails the run where it is awaited.
    const fingerprinting = context.rowFingerprints && store.loadFingerprints !== undefined;
    const skipUnchanged = fingerprinting && !options.forceOverwrite && !options.fullRefresh;
    const knownLoad = skipUnchanged ? timed('load', () => store.loadFingerprints!({ tabMappingId: plan.tab.id, entity: plan.entity, keyField: plan.keyField })) : null;
    knownLoad?.catch(() => undefined);
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

    const seed = fingerprinting ? fingerprintSeed(plan, source, context.reconciler) : 0;
    let known: Map<string, number> | null = knownLoad ? await knownLoad : null;

    // Rows that need deciding are gathered across source batches into batches of at most
    // batchSize (see the read loop for when one goes), so a sparse change costs a few loads and
    // transactions, not one per source batch.
    let pending: KeyedRow[] = [];
    // The hash of every pending row, by key (keys are unique in a run); a flush takes its rows' out.
    const pendingHashes = new Map<string, number>();
    let pendingDeleted: DeletedRecord[] = [];
    const idleFlushRows = Math.ceil(context.batchSize / 4);
    // Counts reach `stats` once their batch is committed (or needs no write), so a failed run
    // reports what it committed. `read` holds the counts of rows read since the last flush, which
    // that flush's batch carries; `unsent` holds those of batches that needed no write, which
    // the next applyBatch adds to the stored run.
    let read: RunStats = emptyStats();
    let unsent: RunStats = emptyStats();
    // What progress events report: every row read and decided so far, committed or not.
    const progress: RunStats = emptyStats();
    const commit = (counts: RunStats, conflicts = 0) => addStats(stats, { ...counts, errorCount: 0, conflictCount: counts.conflictCount + conflicts });

    /**
     * Loads, decides and writes one batch of transformed rows (in the background of the read
     * loop). Once decided it calls `onDecided`; its write, and every count, wait for `before` (the
     * batch before it) to land.
     */
    const decide = async (
      transformed: ReturnType<typeof transformKeyed>,
      deleted: DeletedRecord[],
      hashes: ReadonlyMap<string, number>,
      counts: RunStats,
      checkpoint: { value: JsonValue } | null,
      before: Promise<void> | undefined,
      onDecided: () => void,
    ): Promise<void> => {
      const keys = [...transformed.rows.map((row) => row.key), ...deleted.map((record) => record.key)];
      const existing: Map<string, ExistingEntity> =
        keys.length === 0 ? new Map() : await timed('load', () => store.loadEntities({ entity: plan.entity, keyField: plan.keyField, keys, fields: plan.loadFields, withOwners: plan.withOwners, ...(fingerprinting && { withVersions: true }) }));
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
      recordErrors(built.errors);
      const fingerprints = fingerprinting && !dryRun ? fingerprintsOf(transformed.rows, hashes, existing, [transformed.errors, built.errors]) : [];
      timings.reconcile += performance.now() - reconcileStart;
      // Conflicts count what the store inserted (an open duplicate is not inserted again); a dry
      // run counts the candidates.
      const { conflictCount: candidates, ...written } = built.stats;
      const delta = { ...written, rowsSkipped: transformed.skipped, rowsUnchanged: decided.unchanged, errorCount: transformed.errors.length + built.errors.length, conflictCount: dryRun ? candidates : 0 };
      addStats(counts, delta);
      addStats(progress, delta);
      if (collect) {
        previews.push(...built.previews);
        conflicts.push(...decided.conflicts);
      }
      onDecided();
      // A failure of the batch before fails this one here, before it writes or counts anything.
      if (before) await before;
      const empty = built.batch.creates.length + built.batch.updates.length + built.batch.deletes.length + built.batch.lineage.length + built.batch.conflicts.length + fingerprints.length === 0;
      // A batch with nothing to write and no cursor to move costs no round trip; finishRun
      // stores the run's final counters.
      addStats(unsent, counts);
      if (dryRun || (empty && !checkpoint)) {
        commit(counts);
        return;
      }
      const request = { ...built.batch, stats: unsent, ...(checkpoint && { checkpoint: checkpoint.value }), ...(fingerprints.length > 0 && { fingerprints }) };
      unsent = emptyStats();
      const result = await timed('write', () => store.applyBatch(request));
      commit(counts, result.conflicts);
      progress.conflictCount += result.conflicts;
    };

    /**
     * Sends the pending rows: transformed here, then loaded, decided and written in the
     * background once the batch before them has landed.
     */
    const flush = async (checkpoint: { value: JsonValue } | null): Promise<void> => {
      const keyed = pending;
      const deleted = pendingDeleted;
      pending = [];
      pendingDeleted = [];
      const hashes = new Map<string, number>();
      for (const { key } of keyed) {
        const hash = pendingHashes.get(key);
        if (hash === undefined) continue;
        hashes.set(key, hash);
        pendingHashes.delete(key);
      }
      const counts = read;
      read = emptyStats();
      const transformed = await timed('transform', () => transformKeyed(plan, source, keyed));
      recordErrors(transformed.errors);
      // A batch with deletions loads after every earlier batch has landed, and the next batch
      // after it has landed (a key deleted there may come back in a later row).
      if (deleted.length > 0 || afterDeletions) await settle();
      afterDeletions = deleted.length > 0;
      // At most two in flight, and one deciding at a time (so previews, conflicts and progress
      // come in batch order); once a write has failed, nothing more starts.
      while (inFlight.length >= 2) await inFlight.shift()!.catch(() => undefined);
      if (failedWrite) await settle();
      if (deciding) await deciding;
      busy += 1;
      let markDecided = (): void => {};
      deciding = new Promise<void>((resolve) => (markDecided = resolve));
      const work = decide(transformed, deleted, hashes, counts, checkpoint, inFlight.at(-1), markDecided);
      inFlight.push(work);
      // Marks the rejection handled until settle() awaits (and rethrows) it; the read loop
      // checks `failedWrite` so a failure stops the run at once.
      work.then(
        () => {
          busy -= 1;
        },
        () => {
          busy -= 1;
          markDecided();
          failedWrite = true;
        },
      );
      // One turn of the event loop sends the load (a pooled connection is handed out on the
      // loop), so the database works on it while the next rows are read, even from a source
      // that never waits on I/O.
      await nextTurn();
    };

    const iterator = openedReader.batches()[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await timed('read', () => iterator.next());
        if (next.done) break;
        const sourceBatch = next.value;
        if (signal.aborted) throw abortError();
        if (failedWrite) await settle();
        // Rows read after a deletion never share its batch: the key may come back.
        if (pendingDeleted.length > 0) await flush(null);
        const sourceRows = sourceBatch.rows.length > remaining ? sourceBatch.rows.slice(0, remaining) : sourceBatch.rows;
        remaining -= sourceRows.length;
        batchNumber += 1;

        const transformStart = performance.now();
        const keyed = keyRows(plan, source, sourceRows, seenKeys);
        recordErrors(keyed.errors);
        for (const duplicate of keyed.duplicates) if (errors.includes(duplicate.error)) duplicates.push(duplicate);
        let unchanged = 0;
        let ownRows = 0;
        for (const row of keyed.rows) {
          if (fingerprinting && !row.row.cellErrors?.length) {
            const hash = rowHash(plan, row.row, seed);
            if (known !== null && known.get(row.key) === hash) {
              known.delete(row.key);
              row.seen.kept = true;
              unchanged += 1;
              continue;
            }
            pendingHashes.set(row.key, hash);
          }
          pending.push(row);
          ownRows += 1;
        }
        timings.transform += performance.now() - transformStart;
        const delta = { rowsProcessed: sourceRows.length, rowsSkipped: keyed.skipped, rowsUnchanged: unchanged, errorCount: keyed.errors.length };
        addStats(read, delta);
        addStats(progress, delta);
        if (sourceBatch.deleted?.length) {
          // A deletion is decided with rows of its own source batch only: gathered with earlier
          // rows, a key created by them would not be loaded yet and its deletion would be lost.
          const own = pending.splice(pending.length - ownRows);
          if (pending.length > 0) await flush(null);
          pending = own;
          pendingDeleted.push(...sourceBatch.deleted);
          // A later row with a deleted key is decided (and so created again), never skipped as unchanged.
          if (known) for (const record of sourceBatch.deleted) known.delete(record.key);
        }

        while (pending.length + pendingDeleted.length >= context.batchSize) {
          const rest = pending.splice(context.batchSize);
          const restDeleted = pendingDeleted.splice(Math.max(0, context.batchSize - pending.length));
          await flush(null);
          pending = rest;
          pendingDeleted = restDeleted;
        }
        // A cursor is stored with the batch that holds the last of its rows (never before them).
        const checkpoint = sourceBatch.checkpoint !== undefined && sourceRows === sourceBatch.rows;
        if (checkpoint) await flush({ value: sourceBatch.checkpoint as JsonValue });
        // With a store that works off this thread, a quarter batch ready to decide goes as soon as
        // nothing is in flight, so little is left to write when the read ends (a quarter, not any
        // row: each transaction has a fixed cost on the server); meanwhile a turn of the event
        // loop lets the batch in flight move on (its answer arrives as I/O).
        else if (context.flushWhenIdle && busy === 0 && pending.length + pendingDeleted.length >= idleFlushRows) await flush(null);
        else if (busy > 0) await nextTurn();
        options.onProgress?.({ runId, tabMappingId: plan.tab.id, batch: batchNumber, stats: { ...progress } });
        if (remaining <= 0) break;
      }
      if (pending.length > 0 || pendingDeleted.length > 0) await flush(null);
      await settle();
      commit(read);
      read = emptyStats();
      known = null;
    } finally {
      // Ends the source's generator (closing its streams) when the loop stops early.
      await iterator.return?.();
    }

    settleDuplicates(duplicates);
    keepFirstErrors();
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
      // A write still in flight lands (or fails) before the run's final record.
      await settle().catch(() => undefined);
      settleDuplicates(duplicates);
      keepFirstErrors();
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
