import type { JsonValue } from './values.js';
import type { ColumnMappingConfig, DataSourceConfig, TabMappingConfig } from './config/schema.js';

/** Where a row sits in its source. Tabular sources give `row`, record sources give `id`; some give both. */
export interface RowAddress {
  /** 1-based row number in the sheet or file (the header row is not data). */
  row?: number;
  /** The record's id in the source, e.g. a Close lead id. */
  id?: string;
}

/** One row as read from the source, before any transformation. */
export interface SourceRow {
  /** Raw values keyed by the mapping's `sourceColumn`. A missing key means an empty cell. */
  values: Readonly<Record<string, unknown>>;
  address: RowAddress;
  /**
   * Problems the source itself reports for cells of this row, e.g. a formula error cell
   * (`#REF!`). Each becomes a row error with the cell's address; `error` severity drops the row.
   */
  cellErrors?: ReadonlyArray<{ column: string; error: string; severity?: 'error' | 'warning' }>;
}

/** A record the source reports as deleted (for example from an event log). */
export interface DeletedRecord {
  /** The entity key of the deleted record, as the key column would hold it. */
  key: string;
  /** When the source deleted it, if known. */
  deletedAt?: Date;
}

/** One batch of rows. The engine applies each batch atomically, then stores its checkpoint. */
export interface SourceBatch {
  rows: ReadonlyArray<SourceRow>;
  /** Records deleted upstream, handled by the tab's delete policy. */
  deleted?: ReadonlyArray<DeletedRecord>;
  /**
   * Incremental cursor to store in the same transaction as this batch, so a crash after it
   * resumes from here. Leave undefined to keep the previous cursor.
   */
  checkpoint?: JsonValue;
}

/** How a source column is shown to people: in lineage ("Master Sheet > Partners > B (Brand Name)") and errors. */
export interface ColumnLocation {
  /** Short label of the column, e.g. `B (Brand Name)` or `custom.cf_x (Industry)`. */
  label: string;
  /** Column letter(s) for A1 cell addresses, tabular sources only. */
  letter?: string;
}

/** What the engine asks a strategy to read. */
export interface ReadRequest {
  dataSource: DataSourceConfig;
  tab: TabMappingConfig;
  /** The mapped columns of the tab (every one must exist in the source). */
  columns: ReadonlyArray<ColumnMappingConfig>;
  /** Rows per batch the engine wants. Strategies may return smaller batches, never much larger. */
  batchSize: number;
  /** Stop after this many data rows. */
  rowLimit?: number;
  /** Cursor stored by the last successful incremental batch, or null on a first or full run. */
  state: JsonValue | null;
  /** Read only these records (by source id), e.g. for a webhook-triggered sync. Needs `capabilities.lookup`. */
  ids?: ReadonlyArray<string>;
  /** Aborts the read. */
  signal: AbortSignal;
}

/** An open read of one tab. */
export interface SourceReader {
  /** Human-readable place of the tab, e.g. `Master Sheet > Partners`. */
  readonly label: string;
  /** Location of each mapped source column, keyed by `sourceColumn`. */
  readonly columns: ReadonlyMap<string, ColumnLocation>;
  /** Warnings found while opening (blank or duplicate headers, unmapped columns), kept in the run record. */
  readonly warnings?: ReadonlyArray<string>;
  /** Time zone of the source (IANA), used by date transforms. */
  readonly timeZone?: string;
  /** Locale of the source (BCP 47), used by number and currency transforms. */
  readonly locale?: string;
  /** The rows, in batches. Memory should stay bounded by the batch size where the source pages or streams. */
  batches(): AsyncIterable<SourceBatch>;
  /** Releases what the read holds. Called once, whether the read ended or failed. */
  close?(): Promise<void>;
}

/** What a strategy can do; the engine adapts instead of calling what is missing. */
export interface StrategyCapabilities {
  /** Can read only what changed since a stored cursor (`tab.mode: 'incremental'`). */
  incremental: boolean;
  /** Yields batches as it reads, with memory bounded by the batch size. */
  streaming: boolean;
  /** Reports deleted records in `SourceBatch.deleted`. */
  deletes: boolean;
  /** Can read a given list of records by id (`ReadRequest.ids`). */
  lookup: boolean;
}

/**
 * Reads one kind of source. Write one for any source fieldsync does not ship, then run
 * `testStrategy` from `@fieldsync/core/testing` against it (see docs/writing-a-strategy.md).
 */
export interface SyncStrategy {
  /** The data source `type` this strategy serves, e.g. `google_sheet`. Recorded in lineage as `source_type`. */
  readonly type: string;
  readonly capabilities: StrategyCapabilities;
  /**
   * Opens a read of one tab. Must fail here, before any row is yielded, when the source cannot
   * be read or a mapped column is missing, so nothing is written on a broken source.
   */
  open(request: ReadRequest): Promise<SourceReader>;
  /**
   * Told by `syncDataSource` which tabs of a data source are about to be read, so the strategy
   * can fetch them together (one Sheets batchGet for all of them). Optional, and only a hint:
   * each tab is still opened with `open`, and a strategy must not fail here.
   */
  prepare?(request: { dataSource: DataSourceConfig; tabs: ReadonlyArray<TabMappingConfig> }): void;
  /** Releases clients and timers. The engine calls it once from `engine.dispose()`. */
  dispose?(): Promise<void>;
}
