/**
 * Read-ahead of other tabs' first windows, in the same batchGet as a tab's own first read.
 *
 * - Tabs planned by `strategy.prepare` (the engine's `syncDataSource`) are fetched along with the
 *   first read of the spreadsheet, once, and kept until their open takes them (or `plannedTtlMs`,
 *   default 10 minutes, or `clear()` on dispose), so a slow first tab never makes later tabs read
 *   their first window again.
 * - With `prefetchKnownTabs`, tabs read before come along too, and are handed out within `ttlMs`
 *   (`metadataTtlMs`).
 *
 * Each kept window holds the metadata it was planned with, so its open needs no request at all.
 * Memory is bounded: windows are only fetched along while all kept windows stay under `maxCells`.
 */
import type { ValueRangeResource } from './sheets-client.js';
import type { SpreadsheetMetadata } from './spreadsheet-cache.js';
import type { WindowSizes } from './read-plan.js';
import { firstWindow, matchSheet } from './read-plan.js';

export interface TabPrefetchOptions {
  /** How long a window fetched along for a known tab (`prefetchKnownTabs`) may be handed out, in ms. */
  ttlMs: number;
  /** How long a window of a tab planned by `prepare` is kept for its open, in ms. */
  plannedTtlMs: number;
  /** Most cells kept at once; more tabs are not fetched along. */
  maxCells: number;
  sizes: WindowSizes;
}

/** A tab's first window fetched ahead, with the metadata its range was built from. */
export interface PrefetchedWindow {
  metadata: SpreadsheetMetadata;
  range: string;
  valueRange: ValueRangeResource;
}

/** A range to fetch along. */
export interface ExtraRange {
  tabName: string;
  headerRow: number;
  range: string;
  cells: number;
  planned: boolean;
}

export interface TabPrefetch {
  /** Marks a tab as being opened now, so others do not fetch it for it; call the result when the open is done. */
  opening(spreadsheetId: string, tabName: string): () => void;
  /** Records a tab read in full mode, with its header row, as one to fetch along next time. */
  remember(spreadsheetId: string, tabName: string, headerRow: number): void;
  /** Takes (once) the prefetched first window of this tab, if one is kept. */
  take(spreadsheetId: string, tabName: string, headerRow: number): PrefetchedWindow | undefined;
  /** Ranges of planned and known tabs worth fetching along with `sheetTitle`'s read. */
  extraRanges(spreadsheetId: string, metadata: SpreadsheetMetadata, sheetTitle: string): ExtraRange[];
  /** Tabs the engine is about to read (`strategy.prepare`): fetched along with the first of them, once. */
  plan(spreadsheetId: string, tabs: ReadonlyArray<{ tabName: string; headerRow: number }>): void;
  /** Keeps prefetched answers for later opens. */
  keep(spreadsheetId: string, metadata: SpreadsheetMetadata, entries: ReadonlyArray<readonly [ExtraRange, ValueRangeResource | undefined]>): void;
  /** Drops everything kept (dispose). */
  clear(): void;
  /** Cells kept right now (for tests). */
  readonly keptCells: number;
}

const normal = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/** Creates the read-ahead memory of one strategy. */
export function createTabPrefetch(options: TabPrefetchOptions): TabPrefetch {
  const known = new Map<string, Map<string, number>>();
  const planned = new Map<string, Map<string, number>>();
  const openings = new Map<string, Map<string, number>>();
  const kept = new Map<string, PrefetchedWindow & { expiresAt: number; cells: number }>();
  let keptCells = 0;
  const keyOf = (spreadsheetId: string, tabName: string, headerRow: number) => `${spreadsheetId}\u0000${tabName}\u0000${headerRow}`;

  function drop(key: string): void {
    const entry = kept.get(key);
    if (!entry) return;
    kept.delete(key);
    keptCells -= entry.cells;
  }

  function sweep(now: number): void {
    for (const [key, entry] of kept) if (entry.expiresAt <= now) drop(key);
  }

  return {
    get keptCells() {
      return keptCells;
    },
    opening(spreadsheetId, tabName) {
      const name = normal(tabName);
      let tabs = openings.get(spreadsheetId);
      if (!tabs) {
        tabs = new Map();
        openings.set(spreadsheetId, tabs);
      }
      tabs.set(name, (tabs.get(name) ?? 0) + 1);
      planned.get(spreadsheetId)?.delete(tabName);
      let done = false;
      return () => {
        if (done) return;
        done = true;
        const count = (tabs.get(name) ?? 1) - 1;
        if (count <= 0) tabs.delete(name);
        else tabs.set(name, count);
      };
    },
    remember(spreadsheetId, tabName, headerRow) {
      let tabs = known.get(spreadsheetId);
      if (!tabs) {
        tabs = new Map();
        known.set(spreadsheetId, tabs);
      }
      tabs.set(tabName, headerRow);
    },
    take(spreadsheetId, tabName, headerRow) {
      sweep(performance.now());
      const key = keyOf(spreadsheetId, tabName, headerRow);
      const entry = kept.get(key);
      if (!entry) return undefined;
      drop(key);
      return { metadata: entry.metadata, range: entry.range, valueRange: entry.valueRange };
    },
    plan(spreadsheetId, tabs) {
      const tabsOfSheet = planned.get(spreadsheetId) ?? new Map<string, number>();
      for (const tab of tabs) tabsOfSheet.set(tab.tabName, tab.headerRow);
      planned.set(spreadsheetId, tabsOfSheet);
    },
    extraRanges(spreadsheetId, metadata, sheetTitle) {
      const candidates = new Map<string, { headerRow: number; planned: boolean }>();
      for (const [tabName, headerRow] of known.get(spreadsheetId) ?? []) candidates.set(tabName, { headerRow, planned: false });
      const plannedTabs = planned.get(spreadsheetId);
      for (const [tabName, headerRow] of plannedTabs ?? []) candidates.set(tabName, { headerRow, planned: true });
      plannedTabs?.clear();
      if (candidates.size === 0) return [];
      sweep(performance.now());
      const busy = openings.get(spreadsheetId);
      const ranges: ExtraRange[] = [];
      let cells = keptCells;
      for (const [tabName, { headerRow, planned: isPlanned }] of candidates) {
        const sheet = matchSheet(metadata, tabName);
        if (!sheet || sheet.sheetType !== 'GRID' || sheet.title === sheetTitle || busy?.has(normal(tabName)) || headerRow > sheet.rowCount) continue;
        if (kept.has(keyOf(spreadsheetId, tabName, headerRow))) continue;
        const window = firstWindow(sheet, headerRow, options.sizes);
        // Memory stays bounded: a tab that would take the kept windows past the cap reads its own window when it opens.
        if (cells + window.cells > options.maxCells) continue;
        cells += window.cells;
        ranges.push({ tabName, headerRow, range: window.range, cells: window.cells, planned: isPlanned });
      }
      return ranges;
    },
    keep(spreadsheetId, metadata, entries) {
      const now = performance.now();
      for (const [extra, valueRange] of entries) {
        if (!valueRange) continue;
        const key = keyOf(spreadsheetId, extra.tabName, extra.headerRow);
        drop(key);
        kept.set(key, { metadata, range: extra.range, valueRange, cells: extra.cells, expiresAt: now + (extra.planned ? options.plannedTtlMs : options.ttlMs) });
        keptCells += extra.cells;
      }
    },
    clear() {
      kept.clear();
      keptCells = 0;
      planned.clear();
    },
  };
}
