/**
 * Per-spreadsheet request sharing, so tabs opened together cost one metadata request and one
 * `values.batchGet` between them.
 *
 * Freshness rule: a metadata answer is shared by every open that starts while it is in flight and
 * for `metadataTtlMs` after it arrived (default 5 s); later opens ask again. Values are never
 * reused: the first reads of tabs whose opens start within `coalesceMs` of each other (default
 * 10 ms, or while waiting for the same metadata) go out as one batchGet, and each open gets only
 * its own ranges from it.
 */
import { formatMessage, SourceError } from '@fieldsync/core';
import type { SpreadsheetResource, ValueRangeResource } from './sheets-client.js';
import type { SheetsRequester } from './sheets-requester.js';

/** One tab as the metadata describes it. */
export interface SheetMetadata {
  sheetId: number;
  title: string;
  index: number;
  hidden: boolean;
  /** `GRID`, or `OBJECT` for a chart sheet. */
  sheetType: string;
  rowCount: number;
  columnCount: number;
}

/** What the strategy needs to know of a spreadsheet. */
export interface SpreadsheetMetadata {
  spreadsheetId: string;
  title: string;
  locale: string | undefined;
  timeZone: string | undefined;
  sheets: SheetMetadata[];
}

export interface SpreadsheetCacheOptions {
  requester: SheetsRequester;
  /** @default 5000 */
  metadataTtlMs: number;
  /** @default 10 */
  coalesceMs: number;
  /** Ranges per batchGet; more start another request. @default 100 */
  maxRangesPerRequest?: number;
}

export interface SpreadsheetCache {
  metadata(spreadsheetId: string, signal?: AbortSignal): Promise<SpreadsheetMetadata>;
  /** Reads ranges in a batchGet shared with other tabs' opens of the same spreadsheet. Answers in request order. */
  readTogether(spreadsheetId: string, ranges: string[], signal?: AbortSignal): Promise<ValueRangeResource[]>;
  /** Drops the cached metadata of one spreadsheet (it proved stale). */
  forget(spreadsheetId: string): void;
  /** Drops cached metadata; pending shared reads are rejected with `reason`. */
  clear(reason: unknown): void;
}

interface Waiter {
  offset: number;
  count: number;
  resolve(value: ValueRangeResource[]): void;
  reject(reason: unknown): void;
}

interface PendingBatch {
  ranges: string[];
  waiters: Waiter[];
  timer: ReturnType<typeof setTimeout>;
}

function invalid(spreadsheetId: string, problem: string): SourceError {
  return new SourceError('SOURCE_INVALID_RESPONSE', formatMessage('google-sheets', `Unexpected Sheets API answer for spreadsheet ${spreadsheetId}: ${problem}.`, 'Report this as a fieldsync bug.'), {
    details: { spreadsheetId },
  });
}

function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Parses and checks a `spreadsheets.get` answer. */
export function parseMetadata(spreadsheetId: string, data: SpreadsheetResource): SpreadsheetMetadata {
  const sheets: SheetMetadata[] = (data.sheets ?? []).map((sheet, position) => {
    const properties = sheet.properties;
    if (!properties || typeof properties.title !== 'string') throw invalid(spreadsheetId, 'a sheet without a title');
    return {
      sheetId: properties.sheetId ?? 0,
      title: properties.title,
      index: properties.index ?? position,
      hidden: properties.hidden === true,
      sheetType: properties.sheetType ?? 'GRID',
      rowCount: properties.gridProperties?.rowCount ?? 1000,
      columnCount: properties.gridProperties?.columnCount ?? 26,
    };
  });
  return {
    spreadsheetId,
    title: data.properties?.title ?? spreadsheetId,
    locale: data.properties?.locale ?? undefined,
    timeZone: data.properties?.timeZone ?? undefined,
    sheets,
  };
}

/** Creates the per-strategy sharing of metadata and first reads (see the freshness rule above). */
export function createSpreadsheetCache(options: SpreadsheetCacheOptions): SpreadsheetCache {
  const metadataEntries = new Map<string, { promise: Promise<SpreadsheetMetadata>; expiresAt: number }>();
  const pending = new Map<string, PendingBatch>();
  const maxRanges = options.maxRangesPerRequest ?? 100;

  function flush(spreadsheetId: string, batch: PendingBatch): void {
    if (pending.get(spreadsheetId) === batch) pending.delete(spreadsheetId);
    clearTimeout(batch.timer);
    // The shared request is not tied to one open's signal: each waiter honours its own.
    options.requester.batchGet(spreadsheetId, batch.ranges).then(
      (data) => {
        const valueRanges = data.valueRanges ?? [];
        if (valueRanges.length !== batch.ranges.length) {
          const error = invalid(spreadsheetId, `${valueRanges.length} value ranges for ${batch.ranges.length} ranges`);
          for (const waiter of batch.waiters) waiter.reject(error);
          return;
        }
        for (const waiter of batch.waiters) waiter.resolve(valueRanges.slice(waiter.offset, waiter.offset + waiter.count));
      },
      (error: unknown) => {
        // A range Google refuses (a tab resized or renamed since the metadata) must not fail the
        // other tabs of the batch: each open then asks for its own ranges alone.
        if (batch.waiters.length > 1 && error instanceof SourceError && error.code === 'SOURCE_INVALID_RESPONSE') {
          for (const waiter of batch.waiters) {
            options.requester.batchGet(spreadsheetId, batch.ranges.slice(waiter.offset, waiter.offset + waiter.count)).then(
              (data) => waiter.resolve(data.valueRanges ?? []),
              (alone: unknown) => waiter.reject(alone),
            );
          }
          return;
        }
        for (const waiter of batch.waiters) waiter.reject(error);
      },
    );
  }

  return {
    metadata(spreadsheetId, signal) {
      const now = performance.now();
      const cached = metadataEntries.get(spreadsheetId);
      if (cached && cached.expiresAt > now) return withAbort(cached.promise, signal);
      const entry = {
        expiresAt: Number.POSITIVE_INFINITY,
        promise: options.requester.metadata(spreadsheetId).then((data) => parseMetadata(spreadsheetId, data)),
      };
      metadataEntries.set(spreadsheetId, entry);
      entry.promise.then(
        () => {
          entry.expiresAt = performance.now() + options.metadataTtlMs;
        },
        () => {
          if (metadataEntries.get(spreadsheetId) === entry) metadataEntries.delete(spreadsheetId);
        },
      );
      return withAbort(entry.promise, signal);
    },

    readTogether(spreadsheetId, ranges, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      let batch = pending.get(spreadsheetId);
      if (batch && batch.ranges.length + ranges.length > maxRanges) {
        flush(spreadsheetId, batch);
        batch = undefined;
      }
      if (!batch) {
        const created: PendingBatch = {
          ranges: [],
          waiters: [],
          timer: setTimeout(() => flush(spreadsheetId, created), options.coalesceMs),
        };
        batch = created;
        pending.set(spreadsheetId, batch);
      }
      const target = batch;
      const promise = new Promise<ValueRangeResource[]>((resolve, reject) => {
        target.waiters.push({ offset: target.ranges.length, count: ranges.length, resolve, reject });
        target.ranges.push(...ranges);
      });
      return withAbort(promise, signal);
    },

    forget(spreadsheetId) {
      metadataEntries.delete(spreadsheetId);
    },

    clear(reason) {
      metadataEntries.clear();
      for (const batch of pending.values()) {
        clearTimeout(batch.timer);
        for (const waiter of batch.waiters) waiter.reject(reason);
      }
      pending.clear();
    },
  };
}
