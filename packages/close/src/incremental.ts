import type { JsonValue } from '@fieldsync/core';
import { floorToMinute } from './close-dates.js';

/**
 * The incremental cursor of a Close tab, stored by the engine with each batch (JSON):
 *
 * ```json
 * { "dateUpdated": "2024-01-01T10:00:30.120Z",
 *   "seen": { "lead_a": "2024-01-01T10:00:12.000Z", "lead_b": "2024-01-01T10:00:30.120Z" },
 *   "deletedSince": "2024-01-01T10:01:00.000Z" }
 * ```
 *
 * `dateUpdated` is the newest `date_updated` applied. Close filters leads by the minute, so the
 * next read starts at that minute (the overlap) and re-reads it; `seen` holds each record of
 * that minute with the exact `date_updated` already applied, so re-read records are skipped and
 * records changed again, or made visible late within the minute, are read again.
 * `deletedSince` is when the event log was last read for deletions.
 */
export interface CloseCursor {
  dateUpdated: string | null;
  seen: Record<string, string>;
  deletedSince: string | null;
}

/** Reads a stored cursor; anything unreadable counts as no cursor (a full read). */
export function parseCursor(state: JsonValue | null | undefined): CloseCursor | null {
  if (!state || typeof state !== 'object' || Array.isArray(state)) return null;
  const dateUpdated = typeof state.dateUpdated === 'string' && !Number.isNaN(Date.parse(state.dateUpdated)) ? state.dateUpdated : null;
  const seen: Record<string, string> = {};
  const rawSeen = state.seen;
  if (rawSeen && typeof rawSeen === 'object' && !Array.isArray(rawSeen)) {
    for (const [id, date] of Object.entries(rawSeen)) if (typeof date === 'string') seen[id] = date;
  }
  // The short form `{ dateUpdated, seenIds }`: ids applied at exactly `dateUpdated`.
  if (Array.isArray(state.seenIds) && dateUpdated) {
    for (const id of state.seenIds) if (typeof id === 'string') seen[id] = dateUpdated;
  }
  const deletedSince = typeof state.deletedSince === 'string' && !Number.isNaN(Date.parse(state.deletedSince)) ? state.deletedSince : null;
  return { dateUpdated, seen, deletedSince };
}

/** What {@link createIncrementalTracker} decides per record. */
export type AcceptDecision = 'read' | 'already-applied' | 'before-cursor' | 'changed-during-run';

/** Keeps the cursor while a run reads records sorted (or not) by `date_updated`. */
export interface IncrementalTracker {
  /** Minute to start the server-side filter at (epoch ms), or null to read from the beginning. */
  readonly startMinute: number | null;
  /** Whether a record should be read, and records it as read when it should. */
  accept(id: string, dateUpdated: number | null): AcceptDecision;
  /** The cursor to store after the records accepted so far, or undefined once it cannot advance safely. */
  checkpoint(): JsonValue | undefined;
  /** Stops the checkpoint from advancing for the rest of the run (the listing shifted under the pages). */
  freeze(): void;
  /** Sets when the event log was read (epoch ms). */
  setDeletedSince(time: number): void;
  /** The previous `deletedSince` (epoch ms), or null when deletions were never read. */
  readonly previousDeletedSince: number | null;
}

/**
 * Creates the tracker of one run from the stored cursor (null: read everything).
 *
 * A record is skipped when its exact `date_updated` was already applied, or when it is older
 * than the minute the stored cursor sits in (the server filter already excludes those). Each id
 * is read once per run; a record edited again while the run pages is left for the next run,
 * and the checkpoint then stops advancing so the next run starts before it.
 */
export function createIncrementalTracker(cursor: CloseCursor | null): IncrementalTracker {
  let newest = cursor?.dateUpdated ? Date.parse(cursor.dateUpdated) : null;
  const startMinute = newest === null ? null : floorToMinute(newest);
  // Versions applied before this run (never pruned during the run: unsorted lists need them to the end).
  const applied = new Map<string, number>();
  for (const [id, date] of Object.entries(cursor?.seen ?? {})) {
    const time = Date.parse(date);
    if (!Number.isNaN(time)) applied.set(id, time);
  }
  // Versions in the newest minute, for the next checkpoint; pruned when that minute moves on.
  const window = new Map(applied);
  const readThisRun = new Map<string, number | null>();
  let frozen = false;
  let deletedSince = cursor?.deletedSince ? Date.parse(cursor.deletedSince) : null;
  const previousDeletedSince = deletedSince;

  const prune = () => {
    if (newest === null) return;
    const windowStart = floorToMinute(newest);
    for (const [id, time] of window) if (time < windowStart) window.delete(id);
  };
  prune();

  return {
    startMinute,
    previousDeletedSince,
    accept(id, dateUpdated) {
      if (dateUpdated !== null && startMinute !== null && dateUpdated < startMinute) return 'before-cursor';
      if (dateUpdated !== null && applied.get(id) === dateUpdated) return 'already-applied';
      if (readThisRun.has(id)) {
        if (readThisRun.get(id) === dateUpdated) return 'already-applied';
        frozen = true;
        return 'changed-during-run';
      }
      readThisRun.set(id, dateUpdated);
      if (dateUpdated !== null) {
        window.set(id, dateUpdated);
        if (newest === null || dateUpdated > newest) {
          const previousMinute = newest === null ? null : floorToMinute(newest);
          newest = dateUpdated;
          if (previousMinute !== floorToMinute(newest)) prune();
        }
      }
      return 'read';
    },
    freeze() {
      frozen = true;
    },
    checkpoint() {
      if (frozen) return undefined;
      const seenJson: Record<string, JsonValue> = {};
      const windowStart = newest === null ? null : floorToMinute(newest);
      for (const [id, time] of window) if (windowStart === null || time >= windowStart) seenJson[id] = new Date(time).toISOString();
      return {
        dateUpdated: newest === null ? null : new Date(newest).toISOString(),
        seen: seenJson,
        deletedSince: deletedSince === null ? null : new Date(deletedSince).toISOString(),
      };
    },
    setDeletedSince(time) {
      deletedSince = time;
    },
  };
}
