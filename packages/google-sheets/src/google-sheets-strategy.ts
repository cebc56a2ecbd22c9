/**
 * `googleSheets()`: the core `SyncStrategy` for Google Sheets tabs (data source type `google_sheet`).
 */
import { ConfigurationError, formatMessage, SourceError } from '@fieldsync/core';
import type { ColumnLocation, DataSourceConfig, JsonValue, ReadRequest, SourceReader, SyncStrategy } from '@fieldsync/core';
import { formatRange } from './a1-notation.js';
import type { GoogleSheetsOptions } from './google-sheets-options.js';
import { spreadsheetIdFrom, validateGoogleSheetsOptions } from './google-sheets-options.js';
import type { QuotaBucket } from './quota-bucket.js';
import { credentialIdentity, sharedQuotaBucket } from './quota-bucket.js';
import { resolveColumns } from './resolve-columns.js';
import type { SheetsClient, ValueRangeResource } from './sheets-client.js';
import { credentialsOfClient, sheetsClientFromAuth } from './sheets-client.js';
import type { SheetCursor } from './sheet-reader.js';
import { readSheetRows } from './sheet-reader.js';
import { createSheetsRequester } from './sheets-requester.js';
import type { SheetsRequester } from './sheets-requester.js';
import type { SheetMetadata, SpreadsheetCache, SpreadsheetMetadata } from './spreadsheet-cache.js';
import { createSpreadsheetCache } from './spreadsheet-cache.js';
import { createTabPrefetch } from './tab-prefetch.js';
import type { WindowSizes } from './read-plan.js';
import { firstWindow, mappedSpan, matchSheet, rowFingerprint, rowsPerWindow } from './read-plan.js';

/** A `SyncStrategy` reading Google Sheets tabs. */
export interface GoogleSheetsStrategy extends SyncStrategy {
  readonly type: 'google_sheet';
  /** The read budget this strategy uses (shared with others on the same credentials); resolved at the first read. */
  quotaBucket(): QuotaBucket;
}

const UNLIMITED: QuotaBucket = {
  requests: Number.POSITIVE_INFINITY,
  intervalMs: 0,
  waits: 0,
  pending: 0,
  acquire: (signal) => (signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve(() => {})),
};

function spreadsheetIdOf(dataSource: DataSourceConfig, fallback: string | undefined): string {
  const config = dataSource.connectorConfig;
  const configured = config.spreadsheetId ?? config.spreadsheet_id;
  if (typeof configured === 'string' && configured.trim() !== '') return spreadsheetIdFrom(configured);
  if (fallback) return spreadsheetIdFrom(fallback);
  throw new ConfigurationError(
    formatMessage('google-sheets', `Data source "${dataSource.name}" names no spreadsheet.`, 'Set connectorConfig.spreadsheetId on the data source, or pass googleSheets({ spreadsheetId }).'),
    { issues: [{ path: `dataSources.${dataSource.name}.connectorConfig.spreadsheetId`, message: 'is required for google_sheet sources' }] },
  );
}

/** How long a first window fetched ahead for a tab planned by `prepare` waits for its open. */
const PLANNED_WINDOW_TTL_MS = 10 * 60_000;

function findSheet(metadata: SpreadsheetMetadata, tabName: string): SheetMetadata {
  const found = matchSheet(metadata, tabName);
  if (found && found.sheetType !== 'GRID') {
    throw new SourceError(
      'SOURCE_SCHEMA_MISMATCH',
      formatMessage(
        'google-sheets',
        `Tab "${found.title}" of spreadsheet "${metadata.title}" (${metadata.spreadsheetId}) is a chart sheet (sheetType ${found.sheetType}), not a grid of cells: it has no rows to read.`,
        "Point the tab mapping's tabName at the tab that holds the chart's data.",
      ),
      { details: { spreadsheetId: metadata.spreadsheetId, tab: found.title, sheetType: found.sheetType } },
    );
  }
  if (found) return found;
  const tabs = metadata.sheets.map((sheet) => `"${sheet.title}"${sheet.hidden ? ' (hidden)' : ''}`).join(', ');
  throw new SourceError(
    'SOURCE_NOT_FOUND',
    formatMessage(
      'google-sheets',
      `Tab "${tabName}" was not found in spreadsheet "${metadata.title}" (${metadata.spreadsheetId}). Tabs found: ${tabs || 'none'}.`,
      "If the tab was renamed, update the tab mapping's tabName to its new title.",
    ),
    { details: { spreadsheetId: metadata.spreadsheetId, tab: tabName, tabs: metadata.sheets.map((sheet) => sheet.title) } },
  );
}

function readCursor(state: JsonValue | null, sheetId: number): { rowCount: number; fingerprint?: string; warning?: string } {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return { rowCount: 0 };
  const cursor = state as Partial<SheetCursor>;
  if (typeof cursor.rowCount !== 'number' || !Number.isInteger(cursor.rowCount) || cursor.rowCount < 0) {
    return { rowCount: 0, warning: 'The stored incremental cursor is not a Google Sheets cursor; the tab is read from the top.' };
  }
  if (cursor.sheetId !== undefined && cursor.sheetId !== sheetId) {
    return { rowCount: 0, warning: 'The tab was replaced since the last incremental sync (its sheetId changed); it is read from the top.' };
  }
  return typeof cursor.fingerprint === 'string' ? { rowCount: cursor.rowCount, fingerprint: cursor.fingerprint } : { rowCount: cursor.rowCount };
}

/** Sheets locales are `en_US`; readers give BCP 47 (`en-US`). */
function bcp47(locale: string | undefined): string | undefined {
  return locale?.replaceAll('_', '-');
}

/**
 * Creates the Google Sheets strategy.
 *
 * Reads each tab with one shared metadata request and one shared `values.batchGet` for the tabs
 * opened together, in row windows for large tabs, typed (UNFORMATTED_VALUE, dates as serial
 * numbers in the spreadsheet's time zone), within a read budget shared per credentials.
 *
 * @example
 * const strategy = googleSheets({ client: google.sheets({ version: 'v4', auth }) });
 * createSyncEngine({ store, strategies: [strategy], config });
 */
export function googleSheets(options: GoogleSheetsOptions): GoogleSheetsStrategy {
  validateGoogleSheetsOptions(options);
  const client: SheetsClient = options.client ?? sheetsClientFromAuth(options.auth!, options.rootUrl);
  const credentials = options.auth ?? credentialsOfClient(client);
  const sizes: WindowSizes = { windowRows: options.windowRows ?? 10_000, windowCells: options.windowCells ?? 200_000 };
  let bucket: QuotaBucket | undefined;
  let quotaWarning: string | undefined;
  let requester: SheetsRequester | undefined;
  let cache: SpreadsheetCache | undefined;
  // Tabs planned by `prepare` (syncDataSource) always come along, kept until their open takes
  // them; with prefetchKnownTabs, also every tab read before (kept for metadataTtlMs).
  const prefetch = createTabPrefetch({
    ttlMs: options.metadataTtlMs ?? 5000,
    plannedTtlMs: PLANNED_WINDOW_TTL_MS,
    maxCells: options.prefetchMaxCells ?? 2_000_000,
    sizes,
  });

  function resolveBucket(): QuotaBucket {
    if (bucket) return bucket;
    const quota = options.quota;
    if (quota === false) bucket = UNLIMITED;
    else if (quota && 'acquire' in quota) bucket = quota;
    else {
      const identity = options.quotaKey ?? credentialIdentity(credentials);
      const key: { identity?: string; object?: object } = {};
      if (identity !== undefined) key.identity = identity;
      else key.object = typeof credentials === 'object' && credentials !== null ? credentials : client;
      const wanted = { requests: quota?.requests ?? 60, intervalMs: quota?.intervalMs ?? 60_000 };
      bucket = sharedQuotaBucket(key, wanted);
      if (bucket.requests !== wanted.requests || bucket.intervalMs !== wanted.intervalMs) {
        // The first strategy on these credentials sized the shared budget; say so rather than
        // silently running on someone else's numbers.
        quotaWarning =
          `Google Sheets quota: this strategy asks for ${wanted.requests} requests per ${wanted.intervalMs} ms, but another googleSheets() strategy on the same credentials already sized their shared budget at ${bucket.requests} per ${bucket.intervalMs} ms, which is used. ` +
          'Give every strategy on these credentials the same quota option, or pass one createQuotaBucket() to all of them.';
      }
    }
    return bucket;
  }

  function reads(): { requester: SheetsRequester; cache: SpreadsheetCache } {
    if (!requester || !cache) {
      const email = (credentials as { email?: unknown } | undefined)?.email;
      requester = createSheetsRequester({
        client,
        quota: resolveBucket(),
        retry: options.retry ?? {},
        valueRenderOption: options.valueRenderOption ?? 'UNFORMATTED_VALUE',
        dateTimeRenderOption: options.dateTimeRenderOption ?? 'SERIAL_NUMBER',
        ...(typeof email === 'string' ? { accountEmail: email } : {}),
      });
      cache = createSpreadsheetCache({ requester, metadataTtlMs: options.metadataTtlMs ?? 5000, coalesceMs: options.coalesceMs ?? 10 });
    }
    return { requester, cache };
  }

  async function open(request: ReadRequest): Promise<SourceReader> {
    const spreadsheetId = spreadsheetIdOf(request.dataSource, options.spreadsheetId);
    const opened = prefetch.opening(spreadsheetId, request.tab.tabName);
    try {
      return await openTab(request, spreadsheetId);
    } catch (error) {
      // Google refused a range built from cached metadata (a tab renamed or shrunk since):
      // read the metadata again once, so the open fails or succeeds on the current structure.
      if (!(error instanceof SourceError) || error.code !== 'SOURCE_INVALID_RESPONSE' || error.status !== 400) throw error;
      reads().cache.forget(spreadsheetId);
      return await openTab(request, spreadsheetId);
    } finally {
      opened?.();
    }
  }

  async function openTab(request: ReadRequest, spreadsheetId: string): Promise<SourceReader> {
    const { requester, cache } = reads();
    const headerRow = request.tab.headerRow;
    const incremental = request.tab.mode === 'incremental';
    // A first window fetched ahead (prepare, prefetchKnownTabs) comes with the metadata its range
    // was built from, so this open makes no request at all.
    const prefetched = !incremental || request.state === null ? prefetch.take(spreadsheetId, request.tab.tabName, headerRow) : undefined;
    const metadata = prefetched?.metadata ?? (await cache.metadata(spreadsheetId, request.signal));
    const sheet = findSheet(metadata, request.tab.tabName);
    const label = `${metadata.title} > ${sheet.title}`;
    if (headerRow > sheet.rowCount) {
      throw new SourceError(
        'SOURCE_SCHEMA_MISMATCH',
        formatMessage('google-sheets', `${label}: the header row ${headerRow} is past the tab's last row (${sheet.rowCount}).`, "Set the tab mapping's headerRow to the row that holds the column names."),
        { details: { spreadsheetId, tab: sheet.title, headerRow } },
      );
    }
    const warnings: string[] = quotaWarning ? [quotaWarning] : [];
    const columnsOf = (headers: ReadonlyArray<unknown>) =>
      resolveColumns(
        headers,
        request.columns.map((column) => column.sourceColumn),
        { label, tabTitle: sheet.title, headerRow, columnCount: sheet.columnCount },
      );
    const block = (startRow: number, endRow: number) => formatRange(sheet.title, { startRow, startColumn: 1, endRow, endColumn: sheet.columnCount });

    /** The header row and the first window, every column (the mapped span is known only after the header). */
    const readFromTop = async (): Promise<{ headers: ReadonlyArray<unknown>; rows: unknown[][]; end: number }> => {
      const first = firstWindow(sheet, headerRow, sizes);
      let valueRange: ValueRangeResource | undefined;
      if (prefetched && prefetched.range === first.range) {
        valueRange = prefetched.valueRange;
      } else {
        const extras = prefetch.extraRanges(spreadsheetId, metadata, sheet.title);
        const valueRanges = await cache.readTogether(spreadsheetId, [first.range, ...extras.map((extra) => extra.range)], request.signal);
        if (extras.length > 0) prefetch.keep(spreadsheetId, metadata, extras.map((extra, index) => [extra, valueRanges[1 + index]] as const));
        valueRange = valueRanges[0];
      }
      const values = valueRange?.values ?? [];
      return { headers: values[0] ?? [], rows: values.slice(1), end: first.end };
    };

    let consumed = 0;
    let headers: ReadonlyArray<unknown>;
    let firstRows: unknown[][];
    let firstEnd: number;
    let resolution: ReturnType<typeof resolveColumns> | undefined;
    const cursor = incremental ? readCursor(request.state, sheet.sheetId) : { rowCount: 0 };
    if (cursor.warning) warnings.push(`${label}: ${cursor.warning}`);
    if (cursor.rowCount > 0 && cursor.fingerprint !== undefined && headerRow + cursor.rowCount > sheet.rowCount) {
      warnings.push(`${label}: the tab has ${sheet.rowCount} rows but ${headerRow + cursor.rowCount} were synced before; rows were deleted. The tab is read from the top.`);
    } else if (cursor.rowCount > 0) {
      consumed = cursor.rowCount;
      if (cursor.fingerprint === undefined && headerRow + consumed > sheet.rowCount) {
        warnings.push(`${label}: the tab has ${sheet.rowCount} rows but ${headerRow + consumed} were synced before; rows were deleted. Incremental mode only reads appended rows: run a full refresh.`);
      }
    }

    if (consumed > 0) {
      const lastSynced = headerRow + consumed;
      // With a fingerprint, the last synced row is read again (first in the data range) to check
      // that no row was deleted or inserted above it.
      const check = cursor.fingerprint !== undefined;
      const dataStart = check ? lastSynced : lastSynced + 1;
      const ranges = [block(headerRow, headerRow)];
      firstEnd = Math.min(dataStart + rowsPerWindow(sizes, sheet.columnCount) - 1, sheet.rowCount);
      if (dataStart <= sheet.rowCount) ranges.push(block(dataStart, firstEnd));
      else firstEnd = dataStart - 1;
      const valueRanges = await cache.readTogether(spreadsheetId, ranges, request.signal);
      headers = valueRanges[0]?.values?.[0] ?? [];
      const data = valueRanges[1]?.values ?? [];
      resolution = columnsOf(headers);
      firstRows = check ? data.slice(1) : data;
      if (check && rowFingerprint(data[0], resolution.columns) !== cursor.fingerprint) {
        warnings.push(`${label}: row ${lastSynced}, the last row synced before, has changed (rows were deleted or inserted above it, it was edited, or the mapped columns changed). Incremental mode cannot tell which rows are new, so the tab is read from the top.`);
        consumed = 0;
      }
    }
    if (consumed === 0) {
      const top = await readFromTop();
      headers = top.headers;
      firstRows = top.rows;
      firstEnd = top.end;
      resolution = columnsOf(headers);
    }
    warnings.push(...resolution!.warnings);
    if (consumed === 0 && options.prefetchKnownTabs) prefetch.remember(spreadsheetId, request.tab.tabName, headerRow);
    const dataStart = headerRow + 1 + consumed;
    const span = mappedSpan(resolution!.columns);
    const resolved = resolution!;
    const firstEndRow = firstEnd!;
    const columns = new Map<string, ColumnLocation>(resolved.columns.map((column) => [column.sourceColumn, column.location]));

    let rows: unknown[][] | undefined = firstRows!;
    const reader: SourceReader = {
      label,
      columns,
      warnings,
      batches() {
        const plannedRows = rows ?? [];
        rows = undefined;
        return readSheetRows({
          requester,
          spreadsheetId,
          sheetTitle: sheet.title,
          sheetId: sheet.sheetId,
          headerRow,
          gridRowCount: sheet.rowCount,
          windowRows: rowsPerWindow(sizes, span.endColumn - span.startColumn + 1),
          windowStartColumn: span.startColumn,
          windowEndColumn: span.endColumn,
          columns: resolved.columns,
          firstRows: plannedRows,
          firstRowNumber: dataStart,
          nextRowNumber: firstEndRow + 1,
          batchSize: Math.max(1, request.batchSize),
          rowLimit: request.rowLimit,
          incremental,
          signal: request.signal,
        });
      },
      async close() {
        rows = undefined;
      },
    };
    const timeZone = metadata.timeZone;
    const locale = bcp47(metadata.locale);
    return Object.assign(reader, timeZone ? { timeZone } : {}, locale ? { locale } : {});
  }

  return {
    type: 'google_sheet',
    capabilities: { incremental: true, streaming: true, deletes: false, lookup: false },
    open,
    prepare({ dataSource, tabs }) {
      let spreadsheetId: string;
      try {
        spreadsheetId = spreadsheetIdOf(dataSource, options.spreadsheetId);
      } catch {
        return; // open() reports the missing id
      }
      prefetch.plan(spreadsheetId, tabs.filter((tab) => tab.mode === 'full').map((tab) => ({ tabName: tab.tabName, headerRow: tab.headerRow })));
    },
    quotaBucket: resolveBucket,
    async dispose() {
      prefetch.clear();
      cache?.clear(new SourceError('DISPOSED', formatMessage('google-sheets', 'The strategy was disposed while a read was starting.', 'Dispose the engine only after its syncs have finished.')));
    },
  };
}
