/**
 * Opt-in read-ahead (`prefetchKnownTabs`): when a spreadsheet is read, the first windows of the
 * other tabs this strategy has read from it before come along in the same batchGet, and are
 * handed to their opens within `ttlMs`. Quota is counted per request, not per row, so a
 * `syncDataSource` over many tabs costs one batchGet even when the engine opens them one after
 * another.
 */
import { formatRange } from './a1-notation.js';
import type { ValueRangeResource } from './sheets-client.js';
import type { SpreadsheetMetadata } from './spreadsheet-cache.js';

export interface TabPrefetchOptions {
  /** How long a prefetched window may be handed out, in ms. */
  ttlMs: number;
  windowRows: number;
}

export interface TabPrefetch {
  /** Marks a tab as being opened now, so others do not fetch it for it; call the result when the open is done. */
  opening(spreadsheetId: string, tabName: string): () => void;
  /** Records a tab read in full mode, with its header row, as one to fetch along next time. */
  remember(spreadsheetId: string, sheetTitle: string, headerRow: number): void;
  /** Takes (once) a prefetched answer for exactly this range, if still fresh. */
  take(spreadsheetId: string, range: string): ValueRangeResource | undefined;
  /** Ranges of known tabs worth fetching along with `sheetTitle`'s read. */
  extraRanges(spreadsheetId: string, metadata: SpreadsheetMetadata, sheetTitle: string): string[];
  /** Tabs the engine is about to read (`strategy.prepare`): fetched along with the first of them, once. */
  plan(spreadsheetId: string, tabs: ReadonlyArray<{ title: string; headerRow: number }>): void;
  /** Keeps prefetched answers for later opens. */
  keep(spreadsheetId: string, entries: ReadonlyArray<readonly [string, ValueRangeResource | undefined]>): void;
}

const normal = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** Creates the read-ahead memory of one strategy. */
export function createTabPrefetch(options: TabPrefetchOptions): TabPrefetch {
  const known = new Map<string, Map<string, number>>();
  const planned = new Map<string, Map<string, number>>();
  const openings = new Map<string, Map<string, number>>();
  const kept = new Map<string, { valueRange: ValueRangeResource; expiresAt: number }>();
  const keyOf = (spreadsheetId: string, range: string) => `${spreadsheetId}\u0000${range}`;

  function sweep(now: number): void {
    for (const [key, entry] of kept) if (entry.expiresAt <= now) kept.delete(key);
  }

  return {
    opening(spreadsheetId, tabName) {
      const name = normal(tabName);
      let tabs = openings.get(spreadsheetId);
      if (!tabs) {
        tabs = new Map();
        openings.set(spreadsheetId, tabs);
      }
      tabs.set(name, (tabs.get(name) ?? 0) + 1);
      planned.get(spreadsheetId)?.delete(name);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const count = (tabs.get(name) ?? 1) - 1;
        if (count <= 0) tabs.delete(name);
        else tabs.set(name, count);
      };
    },
    remember(spreadsheetId, sheetTitle, headerRow) {
      let tabs = known.get(spreadsheetId);
      if (!tabs) {
        tabs = new Map();
        known.set(spreadsheetId, tabs);
      }
      tabs.set(sheetTitle, headerRow);
    },
    take(spreadsheetId, range) {
      const now = performance.now();
      sweep(now);
      const key = keyOf(spreadsheetId, range);
      const entry = kept.get(key);
      if (!entry) return undefined;
      kept.delete(key);
      return entry.valueRange;
    },
    plan(spreadsheetId, tabs) {
      const tabsOfSheet = planned.get(spreadsheetId) ?? new Map<string, number>();
      for (const tab of tabs) tabsOfSheet.set(normal(tab.title), tab.headerRow);
      planned.set(spreadsheetId, tabsOfSheet);
    },
    extraRanges(spreadsheetId, metadata, sheetTitle) {
      const tabs = new Map(known.get(spreadsheetId));
      const plannedTabs = planned.get(spreadsheetId);
      for (const [name, headerRow] of plannedTabs ?? []) {
        const sheet = metadata.sheets.find((candidate) => normal(candidate.title) === name);
        if (sheet) tabs.set(sheet.title, headerRow);
      }
      plannedTabs?.clear();
      if (tabs.size === 0) return [];
      const now = performance.now();
      sweep(now);
      const busy = openings.get(spreadsheetId);
      const ranges: string[] = [];
      for (const [title, headerRow] of tabs) {
        if (normal(title) === normal(sheetTitle) || busy?.has(normal(title))) continue;
        const sheet = metadata.sheets.find((candidate) => candidate.title === title);
        if (!sheet || headerRow > sheet.rowCount) continue;
        const range = formatRange(title, { startRow: headerRow, startColumn: 1, endRow: Math.min(headerRow + options.windowRows, sheet.rowCount), endColumn: sheet.columnCount });
        if (!kept.has(keyOf(spreadsheetId, range))) ranges.push(range);
      }
      return ranges;
    },
    keep(spreadsheetId, entries) {
      const expiresAt = performance.now() + options.ttlMs;
      for (const [range, valueRange] of entries) {
        if (valueRange) kept.set(keyOf(spreadsheetId, range), { valueRange, expiresAt });
      }
    },
  };
}
