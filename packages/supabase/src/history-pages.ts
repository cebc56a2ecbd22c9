import { StoreError, formatMessage } from '@fieldsync/core';
import type { Page } from '@fieldsync/core';
import { decodeCursor, encodeCursor } from '@fieldsync/postgres';

type Row = Record<string, unknown>;

/** Supabase's default `db-max-rows`, and the most rows the fieldsync functions return per call. */
export const DEFAULT_MAX_ROWS_PER_CALL = 1000;

/** The most rows a fieldsync list function answers per call (`least(limit, 1000)` in its SQL). */
export const SQL_ROWS_PER_CALL = 1000;

/** Fetches one page of at most `limit` rows after `cursor` (`{ at, id }` of the last row seen). */
export type PageFetcher = (limit: number, cursor: { at: string; id: string } | null) => Promise<{ items: Row[]; pageSize: number }>;

function badCursor(error: unknown): StoreError {
  return new StoreError('STORE_WRITE_FAILED', formatMessage('supabase', 'The page cursor is not one this store made.', 'Pass the nextCursor of a previous page, or null for the first page.'), { cause: error });
}

/**
 * Reads a page of `limit` records newest first, in as many calls as `maxRowsPerCall` needs
 * (Supabase caps results at 1,000 rows by default), and the cursor of the next page.
 */
export async function readPaged<T>(options: {
  limit: number;
  cursor: string | null | undefined;
  maxRowsPerCall: number;
  cursorColumn: string;
  fetch: PageFetcher;
  map: (row: Row) => T;
}): Promise<Page<T>> {
  let cursor: { at: string; id: string } | null;
  try {
    cursor = decodeCursor(options.cursor);
  } catch (error) {
    throw badCursor(error);
  }
  const limit = Math.max(1, Math.floor(options.limit));
  const rows: Row[] = [];
  let more = false;
  for (;;) {
    const result = await options.fetch(Math.min(limit - rows.length, options.maxRowsPerCall), cursor);
    const pageItems = result.items.slice(0, result.pageSize);
    rows.push(...pageItems);
    more = result.items.length > result.pageSize;
    const last = pageItems[pageItems.length - 1];
    if (!more || !last || rows.length >= limit) break;
    cursor = { at: String(last[options.cursorColumn]), id: String(last.id) };
  }
  const last = rows[rows.length - 1];
  return { items: rows.map(options.map), nextCursor: more && last ? encodeCursor(last[options.cursorColumn], last.id) : null };
}

/**
 * Reads up to `limit` rows of a newest-first list that the function returns as a plain array,
 * asking for the rows after the last one seen (`cursor: { at, id }`) when `limit` is above
 * `maxRowsPerCall`. A function that ignores the cursor answers the same rows again: reading then
 * stops with what it has rather than returning duplicates.
 */
export async function readAll(options: {
  limit: number;
  maxRowsPerCall: number;
  cursorColumn: string;
  fetch: (limit: number, cursor: { at: string; id: string } | null) => Promise<Row[]>;
}): Promise<Row[]> {
  const rows: Row[] = [];
  const seen = new Set<string>();
  let cursor: { at: string; id: string } | null = null;
  for (;;) {
    // The functions answer at most SQL_ROWS_PER_CALL rows whatever the limit asked: a short page
    // means the end only relative to what the function could have answered.
    const want = Math.min(options.limit - rows.length, options.maxRowsPerCall, SQL_ROWS_PER_CALL);
    const page = await options.fetch(want, cursor);
    const fresh = page.filter((row) => !seen.has(String(row.id)));
    for (const row of fresh) seen.add(String(row.id));
    rows.push(...fresh);
    const last = page[page.length - 1];
    if (fresh.length < want || fresh.length === 0 || !last || rows.length >= options.limit) break;
    cursor = { at: String(last[options.cursorColumn]), id: String(last.id) };
  }
  return rows.slice(0, options.limit);
}
