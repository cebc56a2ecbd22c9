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
 * `dateUpdated` is the newest `date_updated` applied (for contacts, which Close cannot sort or
 * filter by date, at most the minute the run started less the overlap, since a contact edited
 * on an already read page keeps an older date than one read later). Close filters leads by the
 * minute, so the next read starts at the minute `overlapSeconds` before it and re-reads from
 * there; `seen` holds each record of that window with the exact `date_updated` already applied,
 * so re-read records are skipped and records changed again, or made visible late, are read again.
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
export type AcceptDecision = 'read' | 'already-applied' | 'before-cursor' | 'older-version';

/** How one run reads: sorted by `date_updated` (leads, opportunities) or not (contacts). */
export interface TrackerOptions {
  /** The listing is sorted by `date_updated` and filtered from {@link IncrementalTracker.startMinute}. @default true */
  sorted?: boolean;
  /**
   * How far before the cursor the next read starts, and how long applied versions stay in
   * `seen` (Close's search index may show a change late). @default 0
   */
  overlapMs?: number;
  /** When the run started (epoch ms): an unsorted list's cursor never passes it (less the overlap). */
  runStartedAt?: number;
  /** The run stores checkpoints (incremental mode); a full read keeps only what de-duplicates restarted pages. @default true */
  checkpoints?: boolean;
}

/** Keeps the cursor while a run reads records sorted (or not) by `date_updated`. */
export interface IncrementalTracker {
  /** Minute to start the server-side filter at (epoch ms), or null to read from the beginning. */
  readonly startMinute: number | null;
  /** Whether a record should be read, and records it as read when it should. */
  accept(id: string, dateUpdated: number | null): AcceptDecision;
  /** A sorted listing restarted at this minute (epoch ms): versions older than it are not met again this run. */
  restartAt(minute: number): void;
  /** The cursor to store after the records accepted so far. */
  checkpoint(): JsonValue;
  /**
   * For an unsorted list read in part: the previous cursor, with every version read so far added
   * to `seen`, so a run that stops or fails does not apply them again. Undefined on a first run
   * (every record would be in `seen`) or once `seen` would hold more than `maxSeen` versions.
   */
  partialCheckpoint(maxSeen: number): JsonValue | undefined;
  /** Sets when the event log was read (epoch ms). */
  setDeletedSince(time: number): void;
  /** The previous `deletedSince` (epoch ms), or null when deletions were never read. */
  readonly previousDeletedSince: number | null;
  /** How many record versions the tracker holds (memory). */
  readonly size: number;
}

/**
 * Creates the tracker of one run from the stored cursor (null: read everything).
 *
 * A record is skipped when its exact `date_updated` was already applied (before or earlier in
 * this run), or when it is older than the minute the read starts at. A record read earlier in
 * this run and met again with a newer `date_updated` (edited while the run pages) is a new
 * version and is read again; the checkpoint then covers it like any other row.
 *
 * Memory: a sorted listing only meets again what is at or after the minute it (re)started at,
 * so versions older than that minute and older than the `seen` window are dropped as the read
 * advances. Unsorted lists keep every version read in the run (a restarted listing meets them
 * all again); in incremental mode those are only the records that changed since the cursor.
 */
export function createIncrementalTracker(cursor: CloseCursor | null, options: TrackerOptions = {}): IncrementalTracker {
  const sorted = options.sorted ?? true;
  const overlapMs = Math.max(0, options.overlapMs ?? 0);
  const checkpoints = options.checkpoints ?? true;
  const previousNewest = cursor?.dateUpdated ? Date.parse(cursor.dateUpdated) : null;
  const startMinute = previousNewest === null ? null : floorToMinute(previousNewest - overlapMs);
  // Newest date_updated met (the previous cursor's to begin with).
  let newest = previousNewest;
  // The latest version applied per id: from the stored `seen`, then from this run.
  const versions = new Map<string, number | null>();
  if (checkpoints) {
    for (const [id, date] of Object.entries(cursor?.seen ?? {})) {
      const time = Date.parse(date);
      if (!Number.isNaN(time) && (startMinute === null || time >= startMinute)) versions.set(id, time);
    }
  }
  let listingMinute = startMinute;
  let deletedSince = cursor?.deletedSince ? Date.parse(cursor.deletedSince) : null;
  const previousDeletedSince = deletedSince;

  /** The `dateUpdated` to store: for an unsorted list, never past the run's start less the overlap. */
  const storedNewest = (): number | null => {
    if (newest === null || sorted || options.runStartedAt === undefined) return newest;
    return Math.min(newest, floorToMinute(options.runStartedAt - overlapMs));
  };
  /** Versions at or after this are kept in `seen`: the next run starts its read there. */
  const seenFrom = (): number | null => {
    const stored = storedNewest();
    return stored === null ? null : floorToMinute(stored - overlapMs);
  };
  /** Sorted lists drop what neither the listing nor the next checkpoint needs. */
  let prunedBelow = Number.NEGATIVE_INFINITY;
  const prune = () => {
    if (!sorted) return;
    const window = checkpoints ? seenFrom() : Number.POSITIVE_INFINITY;
    const listing = listingMinute ?? Number.NEGATIVE_INFINITY;
    const threshold = Math.min(window ?? Number.NEGATIVE_INFINITY, listing);
    if (threshold <= prunedBelow) return;
    prunedBelow = threshold;
    for (const [id, time] of versions) if (time !== null && time < threshold) versions.delete(id);
  };

  return {
    startMinute,
    previousDeletedSince,
    get size() {
      return versions.size;
    },
    accept(id, dateUpdated) {
      if (dateUpdated !== null && startMinute !== null && dateUpdated < startMinute) return 'before-cursor';
      if (dateUpdated !== null && sorted && listingMinute !== null && dateUpdated < listingMinute) return 'before-cursor';
      if (versions.has(id)) {
        const known = versions.get(id) ?? null;
        if (known === dateUpdated) return 'already-applied';
        // A stale copy of a version older than the one applied: nothing new.
        if (known !== null && dateUpdated !== null && dateUpdated < known) return 'older-version';
      }
      versions.set(id, dateUpdated);
      if (dateUpdated !== null && (newest === null || dateUpdated > newest)) {
        const previousMinute = newest === null ? null : floorToMinute(newest);
        newest = dateUpdated;
        if (previousMinute !== floorToMinute(newest)) prune();
      }
      return 'read';
    },
    restartAt(minute) {
      if (listingMinute === null || minute > listingMinute) {
        listingMinute = minute;
        prune();
      }
    },
    checkpoint() {
      const seenJson: Record<string, JsonValue> = {};
      const from = seenFrom();
      for (const [id, time] of versions) if (time !== null && (from === null || time >= from)) seenJson[id] = new Date(time).toISOString();
      const stored = storedNewest();
      return {
        dateUpdated: stored === null ? null : new Date(stored).toISOString(),
        seen: seenJson,
        deletedSince: deletedSince === null ? null : new Date(deletedSince).toISOString(),
      };
    },
    partialCheckpoint(maxSeen) {
      if (previousNewest === null || versions.size > maxSeen) return undefined;
      const seenJson: Record<string, JsonValue> = {};
      // Every version held is at or after startMinute: the next run meets them all again.
      for (const [id, time] of versions) if (time !== null) seenJson[id] = new Date(time).toISOString();
      return {
        dateUpdated: new Date(previousNewest).toISOString(),
        seen: seenJson,
        deletedSince: previousDeletedSince === null ? null : new Date(previousDeletedSince).toISOString(),
      };
    },
    setDeletedSince(time) {
      deletedSince = time;
    },
  };
}
