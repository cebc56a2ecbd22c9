import { FieldsyncError, SourceError, formatMessage } from '@fieldsync/core';
import type { ColumnLocation, DeletedRecord, JsonValue, ReadRequest, SourceBatch, SourceReader, SourceRow } from '@fieldsync/core';
import type { CloseClient } from './close-client.js';
import { floorToMinute, formatSearchMinute } from './close-dates.js';
import { parseCloseTimestamp } from './close-dates.js';
import type { ResolvedColumn } from './custom-fields.js';
import { readDeletedEvents } from './deleted-events.js';
import { deletionTimeOf } from './deletion-hints.js';
import { readPath } from './field-path.js';
import type { CloseObjectType } from './field-path.js';
import { createIncrementalTracker, parseCursor } from './incremental.js';
import type { IncrementalTracker } from './incremental.js';

/** What {@link createCloseReader} needs from the strategy. */
export interface CloseReaderOptions {
  client: CloseClient;
  request: ReadRequest;
  objectType: CloseObjectType;
  columns: ReadonlyArray<ResolvedColumn>;
  label: string;
  warnings: string[];
  pageSize: number;
  now: () => number;
  deleteLookbackMs: number;
  /** How far before the cursor an incremental read starts again (Close's search index may lag). */
  overlapMs: number;
  /** The tab's key column is the Close id, so deletions and 404 lookups can be reported. */
  keyIsId: boolean;
}

/** Close refuses a `_limit` over 200. */
const CLOSE_MAX_LIMIT = 200;
/** Versions an unsorted list's partial checkpoints carry in `seen` at most (each batch stores them all). */
const MAX_PARTIAL_SEEN = 5000;
/** Listing restarts per run after a shift, before the run stops moving the cursor. */
const MAX_RESTARTS = 20;

type CloseRecord = Record<string, unknown> & { id?: unknown; date_updated?: unknown };

interface Page {
  data: CloseRecord[];
  hasMore: boolean;
}

/** Reads one tab: lookups by id, or pages sorted by `date_updated` with the incremental cursor. */
export function createCloseReader(options: CloseReaderOptions): SourceReader {
  const { client, request, objectType, columns } = options;
  const fields = [...new Set(['id', 'date_updated', ...columns.map((column) => column.topLevelField)])].join(',');
  const columnLocations = new Map<string, ColumnLocation>(columns.map((column) => [column.sourceColumn, { label: column.label }]));
  const incremental = request.tab.mode === 'incremental';
  const signalOption = { signal: request.signal };

  const toRow = (record: CloseRecord): SourceRow => {
    const values: Record<string, unknown> = {};
    for (const column of columns) {
      const value = readPath(record, column.segments);
      if (value !== undefined) values[column.sourceColumn] = value;
    }
    return { values, address: { id: String(record.id) } };
  };

  const checkAborted = () => {
    if (request.signal.aborted) {
      throw new FieldsyncError('SYNC_ABORTED', formatMessage('close', `Reading ${options.label} was aborted.`), { cause: request.signal.reason });
    }
  };

  const readPage = async (startMinute: number | null, skip: number, limit: number): Promise<Page> => {
    const query: Record<string, string | number | undefined> = { _limit: limit, _skip: skip, _fields: fields };
    if (objectType === 'lead') {
      // Leads filter through the search query, by the minute.
      query.query = startMinute === null ? 'sort:date_updated' : `date_updated>="${formatSearchMinute(startMinute)}" sort:date_updated`;
    } else if (objectType === 'opportunity') {
      query._order_by = 'date_updated';
      if (startMinute !== null) query.date_updated__gte = new Date(startMinute).toISOString();
    }
    const body = await client.request<{ data?: unknown; has_more?: unknown }>({ path: `/${objectType}/`, query, ...signalOption });
    if (!Array.isArray(body.data)) {
      throw new SourceError('SOURCE_INVALID_RESPONSE', formatMessage('close', `Close answered GET /${objectType}/ without a data array.`, 'Check the baseUrl option points at the Close API.'), {
        details: { path: `/${objectType}/` },
      });
    }
    return { data: body.data.filter((item): item is CloseRecord => typeof item === 'object' && item !== null && typeof (item as CloseRecord).id === 'string'), hasMore: body.has_more === true };
  };

  async function* lookup(ids: ReadonlyArray<string>): AsyncGenerator<SourceBatch> {
    let rows: SourceRow[] = [];
    let deleted: DeletedRecord[] = [];
    for (const id of new Set(ids)) {
      checkAborted();
      try {
        const record = await client.request<CloseRecord>({ path: `/${objectType}/${encodeURIComponent(id)}/`, query: { _fields: fields }, ...signalOption });
        rows.push(toRow({ ...record, id: typeof record.id === 'string' ? record.id : id }));
      } catch (error) {
        // A 404 on a looked-up id means the object is gone (a deleted event, or a stale id).
        if (!(error instanceof SourceError && error.status === 404)) throw error;
        if (options.keyIsId) {
          // A webhook-reported deletion carries the event's time.
          const deletedAt = deletionTimeOf(objectType, id);
          deleted.push(deletedAt ? { key: id, deletedAt } : { key: id });
        }
      }
      if (rows.length + deleted.length >= request.batchSize) {
        yield deleted.length > 0 ? { rows, deleted } : { rows };
        rows = [];
        deleted = [];
        checkAborted();
      }
    }
    if (rows.length > 0 || deleted.length > 0) yield deleted.length > 0 ? { rows, deleted } : { rows };
  }

  async function* scan(): AsyncGenerator<SourceBatch> {
    const cursor = incremental ? parseCursor(request.state) : null;
    const runStartedAt = options.now();
    const sorted = objectType !== 'contact';
    const tracker: IncrementalTracker = createIncrementalTracker(cursor, { sorted, overlapMs: options.overlapMs, runStartedAt, checkpoints: incremental });
    const rowLimit = request.rowLimit ?? Number.POSITIVE_INFINITY;
    let read = 0;
    let stoppedEarly = false;
    let rows: SourceRow[] = [];
    const checkpoint = (): { checkpoint?: JsonValue } => {
      if (!incremental) return {};
      if (sorted) return { checkpoint: tracker.checkpoint() };
      // Unsorted lists (contacts) only move the cursor once everything was read; until then each
      // batch's checkpoint adds what it read to `seen`, so a failed run does not apply it twice.
      const partial = tracker.partialCheckpoint(MAX_PARTIAL_SEEN);
      return partial === undefined ? {} : { checkpoint: partial };
    };

    let startMinute = tracker.startMinute;
    // Records of the current listing consumed so far, and the id of the last one: each next page
    // starts one record early and must begin with it. When it does not, a record before it was
    // edited (moved to the end) or deleted, the pages shifted, and `_skip` would jump over a
    // record; the listing restarts instead (what was read is skipped by id and date).
    let skip = 0;
    let overlapId: string | null = null;
    let restarts = 0;
    pages: for (;;) {
      checkAborted();
      const wanted = Math.min(options.pageSize, Math.max(1, rowLimit - read));
      const limit = Math.min(CLOSE_MAX_LIMIT, wanted + (overlapId === null ? 0 : 1));
      const page = await readPage(sorted ? startMinute : null, overlapId === null ? skip : skip - 1, limit);
      let records = page.data;
      if (overlapId !== null) {
        if (records[0]?.id !== overlapId) {
          restarts += 1;
          // Endless churn: stop this run here rather than restart forever. Every row yielded so
          // far is covered by its checkpoint; a sorted list's next run goes on from there, an
          // unsorted one reads the list again and skips what the partial checkpoint holds.
          if (restarts > MAX_RESTARTS) {
            stoppedEarly = true;
            break;
          }
          skip = 0;
          overlapId = null;
          continue;
        }
        records = records.slice(1);
      }
      for (const record of records) {
        const decision = tracker.accept(String(record.id), parseCloseTimestamp(record.date_updated));
        if (decision !== 'read') continue;
        rows.push(toRow(record));
        read += 1;
        if (rows.length >= request.batchSize || read >= rowLimit) {
          yield { rows, ...checkpoint() };
          rows = [];
          checkAborted();
        }
        if (read >= rowLimit) {
          stoppedEarly = true;
          break pages;
        }
      }
      if (!page.hasMore || records.length === 0) break;
      const first = parseCloseTimestamp(page.data[0]?.date_updated);
      const last = parseCloseTimestamp(page.data[page.data.length - 1]?.date_updated);
      if (sorted && first !== null && last !== null && floorToMinute(last) > floorToMinute(first)) {
        // Restart the sorted listing at the newest minute seen (records already read there are
        // skipped by id and date), so `_skip` stays small.
        startMinute = floorToMinute(last);
        tracker.restartAt(startMinute);
        skip = 0;
        overlapId = null;
      } else {
        skip += records.length;
        overlapId = String(records[records.length - 1]?.id);
      }
    }

    let deleted: DeletedRecord[] = [];
    const trackDeletes = incremental && options.keyIsId && request.tab.deletePolicy !== 'ignore' && request.rowLimit === undefined;
    if (trackDeletes) {
      if (cursor !== null) {
        const since = (tracker.previousDeletedSince ?? runStartedAt) - options.deleteLookbackMs;
        const events = await readDeletedEvents(client, { objectType, since, signal: request.signal });
        const byId = new Map<string, DeletedRecord>();
        for (const event of events) if (!byId.has(event.objectId)) byId.set(event.objectId, event.deletedAt ? { key: event.objectId, deletedAt: event.deletedAt } : { key: event.objectId });
        deleted = [...byId.values()];
      }
      tracker.setDeletedSince(runStartedAt);
    }
    // An unsorted list read only in part cannot move the cursor (older records may be unread);
    // its partial checkpoint only adds what was read to `seen`.
    const finalCheckpoint: { checkpoint?: JsonValue } = incremental && (sorted || !stoppedEarly) ? { checkpoint: tracker.checkpoint() } : checkpoint();
    if (rows.length > 0 || deleted.length > 0 || finalCheckpoint.checkpoint !== undefined) {
      yield { rows, ...(deleted.length > 0 ? { deleted } : {}), ...finalCheckpoint };
    }
  }

  return {
    label: options.label,
    columns: columnLocations,
    warnings: options.warnings,
    timeZone: 'UTC',
    batches() {
      return request.ids !== undefined ? lookup(request.ids) : scan();
    },
  };
}
