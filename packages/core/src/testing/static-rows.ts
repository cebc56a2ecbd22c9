import { SourceError, formatMessage } from '../errors.js';
import type { ColumnLocation, DeletedRecord, ReadRequest, SourceBatch, SourceReader, SourceRow, SyncStrategy } from '../strategy.js';
import { columnLetter } from '../strategies/column-letters.js';
import { readAbortedError } from '../strategies/read-aborted.js';

/** Options of {@link staticRows}. */
export interface StaticRowsOptions {
  /**
   * Rows by tab name (`tab.tabName`), keyed by source column (header). Row `i` has the address
   * `row: i + 2`, as if row 1 held the headers.
   *
   * @example { Partners: [{ Code: 'P-1', 'Brand Name': 'Acme' }] }
   */
  tabs: Record<string, Array<Record<string, unknown>>>;
  /** The data source `type` the strategy serves. @default 'static' */
  type?: string;
  /** Keys reported as deleted upstream, by tab, yielded with the last batch. */
  deleted?: Record<string, string[]>;
  /**
   * Headers of each tab, in column order. When given for a tab, a mapped column that is not in
   * it fails `open` with `SOURCE_SCHEMA_MISMATCH`, and column letters follow this order.
   * Otherwise the headers are the keys of the rows, in order of first appearance.
   */
  columns?: Record<string, string[]>;
}

/** The static-rows strategy, with setters to change the source between syncs. */
export interface StaticRowsStrategy extends SyncStrategy {
  /** Replaces the rows of a tab (creates the tab when new). */
  setRows(tab: string, rows: Array<Record<string, unknown>>): void;
  /** Replaces the keys a tab reports as deleted. */
  setDeleted(tab: string, keys: string[]): void;
}

const SCOPE = 'static-rows';

function headersOf(rows: ReadonlyArray<Record<string, unknown>>, declared: string[] | undefined): string[] {
  if (declared) return [...declared];
  const seen = new Set<string>();
  for (const row of rows) for (const header of Object.keys(row)) seen.add(header);
  return [...seen];
}

function keyText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const text = String(value).trim();
  return text === '' ? undefined : text;
}

/**
 * A {@link SyncStrategy} over rows given in code: the reference strategy, used by `testMapping`
 * and engine tests. Supports lookup by key (`ids`) and deletions, reads in batches of
 * `request.batchSize`, and honours `rowLimit` and the abort signal.
 *
 * @example
 * const source = staticRows({ tabs: { Partners: [{ Code: 'P-1', 'Brand Name': 'Acme' }] } });
 * source.setRows('Partners', [{ Code: 'P-1', 'Brand Name': 'Acme Outdoor' }]);
 */
export function staticRows(options: StaticRowsOptions): StaticRowsStrategy {
  const tabs = new Map(Object.entries(options.tabs).map(([name, rows]) => [name, rows.map((row) => ({ ...row }))]));
  const deleted = new Map(Object.entries(options.deleted ?? {}).map(([name, keys]) => [name, [...keys]]));
  const declaredColumns = new Map(Object.entries(options.columns ?? {}).map(([name, headers]) => [name, [...headers]]));

  async function open(request: ReadRequest): Promise<SourceReader> {
    const tabName = request.tab.tabName;
    if (request.signal.aborted) throw readAbortedError(SCOPE, request.signal.reason);
    const tabRows = tabs.get(tabName);
    if (!tabRows) {
      throw new SourceError('SOURCE_NOT_FOUND', formatMessage(SCOPE, `No tab named '${tabName}'. Tabs: ${[...tabs.keys()].map((name) => `'${name}'`).join(', ') || '(none)'}.`, 'Pass its rows in staticRows({ tabs }) or fix tabName in the mapping.'), {
        details: { tab: tabName },
      });
    }
    // A snapshot: edits with setRows during a read apply to the next read.
    const rows = tabRows.map((row) => ({ ...row }));
    const headers = headersOf(rows, declaredColumns.get(tabName));
    const declared = declaredColumns.has(tabName);
    const missing = request.columns.filter((column) => !headers.includes(column.sourceColumn)).map((column) => column.sourceColumn);
    if (declared && missing.length > 0) {
      throw new SourceError(
        'SOURCE_SCHEMA_MISMATCH',
        formatMessage(SCOPE, `Tab '${tabName}' has no column ${missing.map((name) => `'${name}'`).join(', ')}. Headers found: ${headers.map((name) => `'${name}'`).join(', ') || '(none)'}.`, 'Add the column to the tab or fix sourceColumn in the mapping.'),
        { details: { tab: tabName, missing, headers } },
      );
    }
    const columns = new Map<string, ColumnLocation>();
    for (const column of request.columns) {
      const index = headers.indexOf(column.sourceColumn);
      columns.set(column.sourceColumn, index === -1 ? { label: column.sourceColumn } : { label: `${columnLetter(index)} (${column.sourceColumn})`, letter: columnLetter(index) });
    }
    const keyColumn = (request.columns.find((column) => column.isKey) ?? request.columns[0])?.sourceColumn;
    const wanted = request.ids ? new Set(request.ids) : undefined;
    const deletedKeys = (deleted.get(tabName) ?? []).filter((key) => !wanted || wanted.has(key));

    async function* batches(): AsyncGenerator<SourceBatch> {
      const batchSize = Math.max(1, Math.floor(request.batchSize));
      const limit = request.rowLimit ?? Number.POSITIVE_INFINITY;
      let batch: SourceRow[] = [];
      let taken = 0;
      for (const [index, values] of rows.entries()) {
        if (taken >= limit) break;
        const key = keyColumn === undefined ? undefined : keyText(values[keyColumn]);
        if (wanted && (key === undefined || !wanted.has(key))) continue;
        batch.push({ values, address: key === undefined ? { row: index + 2 } : { row: index + 2, id: key } });
        taken += 1;
        if (batch.length === batchSize) {
          if (request.signal.aborted) throw readAbortedError(SCOPE, request.signal.reason);
          yield { rows: batch };
          batch = [];
        }
      }
      if (request.signal.aborted) throw readAbortedError(SCOPE, request.signal.reason);
      const deletions: DeletedRecord[] = deletedKeys.map((key) => ({ key }));
      if (batch.length > 0 || deletions.length > 0) yield deletions.length > 0 ? { rows: batch, deleted: deletions } : { rows: batch };
    }

    return { label: `${request.dataSource.name} > ${tabName}`, columns, batches };
  }

  return {
    type: options.type ?? 'static',
    capabilities: { incremental: false, streaming: true, deletes: true, lookup: true },
    open,
    setRows(tab, rows) {
      tabs.set(tab, rows.map((row) => ({ ...row })));
    },
    setDeleted(tab, keys) {
      deleted.set(tab, [...keys]);
    },
  };
}
