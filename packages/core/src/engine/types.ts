import type { ConfigLoader } from '../config/config-loader.js';
import type { MappingConfig } from '../config/schema.js';
import type { Reconciler, EntityChange, PendingConflict } from '../reconciler.js';
import type { RowError, RunStats, RunTrigger } from '../runs.js';
import type { Store } from '../store.js';
import type { SyncStrategy } from '../strategy.js';
import type { Transformer } from '../transformer.js';
import type { EntityValues, FieldValue } from '../values.js';

/** Computes a derived field from the entity's other fields, after every change to it. Must be pure. */
export type Derivation = (entity: Readonly<EntityValues>) => FieldValue;

/** A log line from the engine. */
export interface LogEvent {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  runId?: string;
  tabMappingId?: string;
  data?: Record<string, unknown>;
}

/** Options of {@link createSyncEngine}. */
export interface SyncEngineOptions {
  store: Store;
  /** Strategies by data source `type` (or by data source id, which wins). */
  strategies: Record<string, SyncStrategy> | ReadonlyArray<SyncStrategy>;
  /** A mapping from `defineMapping`, or a loader (e.g. over the host's config tables). */
  config: MappingConfig | ConfigLoader;
  /** Extra transformers, by name; they may replace built-ins. */
  transformers?: ReadonlyArray<Transformer<any>>;
  /** @default defaultReconciler */
  reconciler?: Reconciler;
  /** Derived fields: `{ partners: { display_name: (p) => ... } }`. */
  derivations?: Record<string, Record<string, Derivation>>;
  /** Rows per batch: one load and one transaction each. @default 500 */
  batchSize?: number;
  /**
   * Skip source rows unchanged since the last run (same raw cells, same mapping, entity not
   * written since), when the store keeps row fingerprints: an unchanged source then costs a
   * hash per row. Forced and `fullRefresh` runs always decide every row. @default true
   */
  rowFingerprints?: boolean;
  /**
   * Send the rows ready to decide once a quarter batch is ready and no batch is in flight, rather
   * than only full batches of `batchSize`: the database works while rows are read, and little is
   * left to write when the read ends (a sparse change of a large source is written as it is
   * found). Each batch still holds at most `batchSize` rows; a quarter batch goes only when no
   * batch is in flight, a full one at once.
   * @default store.capabilities.remote (true for a database server or Supabase, false for memory and PGlite)
   */
  flushWhenIdle?: boolean;
  /** Tabs of one data source synced at once by `syncDataSource`. @default 2 */
  concurrency?: number;
  /** Row errors kept in a run record (the first ones in row order); `errorCount` keeps the total. @default 100 */
  maxStoredErrors?: number;
  /** A `running` run whose heartbeat is older than this is failed before the next run of its tab. @default 300000 */
  staleRunAfterMs?: number;
  /** Receives log events. Never receives secrets. */
  logger?: (event: LogEvent) => void;
}

/** Options of one sync (the seed's `SyncOptions`, plus fieldsync's). */
export interface SyncOptions {
  /** Compute and return the changes without writing entities, lineage or conflicts. @default false */
  dryRun?: boolean;
  /** Ignore authority and priority. Requires `triggeredBy`; recorded in the run and in lineage. @default false */
  forceOverwrite?: boolean;
  /** Stop after this many source rows. */
  rowLimit?: number;
  /** Acting user (UUID) recorded on the run and on forced lineage. */
  triggeredBy?: string | null;
  /** @default 'manual' */
  trigger?: RunTrigger;
  /** Read only these source records (needs a strategy with `lookup`). */
  ids?: ReadonlyArray<string>;
  /** Return every change in `SyncResult.changes` in a real run too (a dry run always does). @default false */
  collectChanges?: boolean;
  /**
   * Ignore the stored cursor and read everything, and decide every row again even where its
   * fingerprint says it is unchanged (e.g. after changing a transformer's code in a way its
   * source text does not show). @default false
   */
  fullRefresh?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

/** Progress after each source batch: rows read and decided so far (their writes may still be in flight). */
export interface ProgressEvent {
  runId: string;
  tabMappingId: string;
  batch: number;
  stats: RunStats;
}

/** One field in a preview. */
export interface FieldPreview {
  field: string;
  previous: FieldValue;
  next: FieldValue;
  reason: EntityChange['fields'][number]['reason'];
  /** Human-readable source place, e.g. "Master Sheet > Partners > B (Brand Name), row 47". */
  sourceRef: string | null;
}

/** One entity change in a preview (the seed's `ChangePreview`). */
export interface ChangePreview {
  entity: string;
  keyField: string;
  keyValue: string;
  type: 'create' | 'update' | 'delete';
  entityId: string | null;
  fields: FieldPreview[];
}

/** The seed's `SyncResult`, with the run's full counters. */
export interface SyncResult {
  /** Always true: `syncTab` rejects when the run fails. `syncDataSource` reports failed tabs as {@link TabFailure}. */
  success: true;
  syncRunId: string;
  tabMappingId: string;
  dryRun: boolean;
  stats: RunStats & { errors: RowError[] };
  /** Every change a dry run would make; in a real run only when `collectChanges` is set. */
  changes: ChangePreview[];
  conflicts: PendingConflict[];
  warnings: string[];
  /** Milliseconds spent in each phase, for finding where a slow sync spends its time. */
  timings: PhaseTimings;
}

/** A tab of `syncDataSource` whose sync failed; the other tabs still ran. */
export interface TabFailure extends Omit<SyncResult, 'success' | 'syncRunId'> {
  success: false;
  /** The failed run's id; null when the tab failed before its run was recorded (a lock or configuration error). */
  syncRunId: string | null;
  failure: { code: string; message: string };
}

/**
 * Time per pipeline phase, in milliseconds, summed over batches. Phases overlap (the
 * fingerprint load runs while the source opens; a batch is loaded, decided and written while the
 * next rows are read, and loads while the batch before it writes), so they add up to more than
 * `total`.
 */
export interface PhaseTimings {
  /** Waiting for the source (open and every batch). */
  read: number;
  transform: number;
  /** `store.loadEntities` and `store.loadFingerprints`. */
  load: number;
  /** Reconcile, derive and build the batch. */
  reconcile: number;
  /** `store.applyBatch`. */
  write: number;
  total: number;
}

/** The engine: one per app, shared by every sync. */
export interface SyncEngine {
  /** Syncs one tab (the seed's `syncTab`). A fatal error fails the run and rejects with it; row errors do not. */
  syncTab(tabMappingId: string, options?: SyncOptions): Promise<SyncResult>;
  /** Syncs every active tab of a data source, a few at once (the seed's `syncDataSource`). Never rejects for one tab's failure. */
  syncDataSource(dataSourceId: string, options?: SyncOptions): Promise<Array<SyncResult | TabFailure>>;
  /** The store the engine writes to, for run, lineage and conflict queries. */
  readonly store: Store;
  /** The current configuration, validated. */
  loadConfig(): Promise<MappingConfig>;
  /** Disposes strategies and closes the store. Later calls fail with code `DISPOSED`. */
  dispose(): Promise<void>;
}
