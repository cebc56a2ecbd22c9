import { ConfigurationError, formatMessage } from '../errors.js';
import type { RunRecord, RunStats } from '../runs.js';
import type { ConflictRecord, LineageRecord, Page } from '../store.js';
import type { JsonValue } from '../values.js';

/** A stored record with its insertion order, the tie-breaker for "newest first". */
export interface Sequenced<T> {
  sequence: number;
  record: T;
}

const STAT_KEYS = ['rowsProcessed', 'rowsCreated', 'rowsUpdated', 'rowsSkipped', 'rowsDeleted', 'rowsUnchanged', 'errorCount', 'lineageCount', 'conflictCount'] as const satisfies ReadonlyArray<keyof RunStats>;

/** `run` with `stats` added to its counters. */
export function addStats(run: RunRecord, stats: RunStats): RunRecord {
  const next = { ...run };
  for (const key of STAT_KEYS) next[key] = run[key] + (stats[key] ?? 0);
  return next;
}

/** `run` with its counters replaced by `stats`. */
export function replaceStats(run: RunRecord, stats: RunStats): RunRecord {
  const next = { ...run };
  for (const key of STAT_KEYS) next[key] = stats[key] ?? 0;
  return next;
}

function copyJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** A copy of a run record that shares nothing with the store. */
export function copyRun(run: RunRecord): RunRecord {
  return {
    ...run,
    startedAt: new Date(run.startedAt.getTime()),
    completedAt: run.completedAt && new Date(run.completedAt.getTime()),
    heartbeatAt: run.heartbeatAt && new Date(run.heartbeatAt.getTime()),
    createdAt: new Date(run.createdAt.getTime()),
    errors: run.errors.map((error) => ({ ...error })),
    warnings: [...run.warnings],
    failure: run.failure && { ...run.failure },
  };
}

/** A copy of a lineage record that shares nothing with the store. */
export function copyLineage(lineage: LineageRecord): LineageRecord {
  return { ...lineage, previousValue: copyJson(lineage.previousValue), newValue: copyJson(lineage.newValue), changedAt: new Date(lineage.changedAt.getTime()) };
}

/** A copy of a conflict record that shares nothing with the store. */
export function copyConflict(conflict: ConflictRecord): ConflictRecord {
  return {
    ...conflict,
    currentValue: copyJson(conflict.currentValue),
    losingValue: copyJson(conflict.losingValue),
    createdAt: new Date(conflict.createdAt.getTime()),
    resolvedAt: conflict.resolvedAt && new Date(conflict.resolvedAt.getTime()),
  };
}

/** Sorts newest first: by `time` descending, then by `tieBreak` descending. */
export function newestFirst<T>(items: T[], time: (item: T) => Date, tieBreak: (item: T) => string | number): T[] {
  return items.sort((a, b) => {
    const difference = time(b).getTime() - time(a).getTime();
    if (difference !== 0) return difference;
    const tieA = tieBreak(a);
    const tieB = tieBreak(b);
    return tieA < tieB ? 1 : tieA > tieB ? -1 : 0;
  });
}

/**
 * One page of `sorted` (already filtered and in page order). The cursor is the opaque id of the
 * last item of the previous page, so paging stays stable while new records arrive at the front.
 */
export function pageOf<T>(sorted: T[], idOf: (item: T) => string, options: { limit?: number; cursor?: string | null; scope: string }): Page<T> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ConfigurationError(formatMessage(options.scope, `Invalid limit ${limit}.`, 'Pass a positive whole number, or leave limit out for 50.'));
  }
  let start = 0;
  if (options.cursor) {
    let afterId: string;
    try {
      afterId = Buffer.from(options.cursor, 'base64url').toString('utf8');
    } catch {
      afterId = '';
    }
    const index = sorted.findIndex((item) => idOf(item) === afterId);
    if (index === -1) {
      throw new ConfigurationError(formatMessage(options.scope, 'Unknown page cursor.', 'Pass the nextCursor of the previous page unchanged, or null for the first page.'));
    }
    start = index + 1;
  }
  const items = sorted.slice(start, start + limit);
  const last = items.at(-1);
  const nextCursor = last !== undefined && start + limit < sorted.length ? Buffer.from(idOf(last), 'utf8').toString('base64url') : null;
  return { items, nextCursor };
}
