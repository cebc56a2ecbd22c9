import type { EntityValues, FieldValue, JsonValue } from './values.js';
import type { NewRun, RowError, RunOutcome, RunRecord, RunStats, RunStatus } from './runs.js';

/** Column types a store reports for an entity table, used to check mappings before writing. */
export type ColumnType = 'text' | 'numeric' | 'integer' | 'boolean' | 'date' | 'timestamptz' | 'jsonb' | 'text[]' | 'uuid' | 'other';

/** An entity table's columns, as the store sees them. */
export interface EntitySchema {
  /** Primary key column (fieldsync expects a single `id` column by default). */
  idColumn: string;
  columns: ReadonlyMap<string, { type: ColumnType; nullable: boolean }>;
  /** The store cannot list columns (e.g. a schemaless memory table): any field is accepted. @default false */
  open?: boolean;
}

/** An entity that exists, as loaded for a batch. */
export interface ExistingEntity {
  id: string;
  key: string;
  values: EntityValues;
  /** Data source id (or null for the app or a person) that last wrote each field, from lineage. Only when `withOwners`. */
  owners?: Readonly<Record<string, string | null>>;
  /**
   * The entity row's version: an opaque text that changes whenever anyone writes the row
   * (Postgres: `xmin` and `ctid`). Stores with {@link Store.loadFingerprints} return it when
   * asked (`withVersions`).
   */
  version?: string;
}

/** What {@link Store.loadEntities} reads. */
export interface LoadRequest {
  entity: string;
  keyField: string;
  /** Every key of the batch: loaded in ONE query. */
  keys: ReadonlyArray<string>;
  /** Fields to read besides the id and key. */
  fields: ReadonlyArray<string>;
  /** Also return the last writer of each field in `fields` (needed when several sources share a field). */
  withOwners: boolean;
  /** Also return each entity's {@link ExistingEntity.version} (the engine asks when it records row fingerprints). */
  withVersions?: boolean;
}

/**
 * What a tab row looked like when a run last decided it: a hash of the row's raw source cells
 * and of everything that shapes the decision (the mapping, transformers, priorities, derivations,
 * reconciler). A later run skips a row whose hash is unchanged while its entity was not written
 * since, so an unchanged source costs a hash per row instead of a transform, load and reconcile.
 */
export interface RowFingerprint {
  key: string;
  /** 53-bit hash (a safe integer). */
  hash: number;
  /**
   * The entity's version as loaded for the batch ({@link ExistingEntity.version}), or null for an
   * entity the batch creates. The store records the fingerprint only if the entity is still at
   * this version when the batch writes (else another writer raced the run, and the row must be
   * decided again next time), then stores the entity's version after the batch's own writes.
   */
  version: string | null;
}

/** What {@link Store.loadFingerprints} reads. */
export interface FingerprintRequest {
  tabMappingId: string;
  entity: string;
  keyField: string;
}

/** Why a field value changed, recorded in lineage. */
export type ChangeReason = 'create' | 'source_of_truth' | 'reference_fill' | 'forced' | 'derived' | 'delete' | 'conflict_resolution';

/** One lineage row: where one field's value came from. The seed's `field_lineage` plus `entity_key` and `reason`. */
export interface NewLineage {
  entityType: string;
  /** Entity id, or null for an entity the same batch creates (the store fills it in). */
  entityId: string | null;
  entityKey: string;
  fieldName: string;
  /** `google_sheet`, `close`, `csv`, `app`, `derived`, ... */
  sourceType: string;
  /** Data source id, or null for the app. */
  sourceId: string | null;
  /** Human-readable place: "Master Sheet > Partners > B (Brand Name), row 47". */
  sourceRef: string | null;
  previousValue: JsonValue;
  newValue: JsonValue;
  syncRunId: string | null;
  /** Acting user for forced or manual changes; null for ordinary syncs. */
  changedBy: string | null;
  reason: ChangeReason;
}

/** A stored lineage row. */
export interface LineageRecord extends NewLineage {
  id: string;
  entityId: string;
  changedAt: Date;
}

/** Why a value lost. */
export type ConflictReason = 'lower_priority' | 'overwritten' | 'reference';

/** A value that did not win, kept for admin review. */
export interface NewConflict {
  entityType: string;
  entityId: string | null;
  entityKey: string;
  fieldName: string;
  /** The value that was kept in the entity. */
  currentValue: JsonValue;
  /** The value that lost. */
  losingValue: JsonValue;
  /** Source of the losing value (null for the app). */
  losingSourceId: string | null;
  losingSourceRef: string | null;
  /** Source whose value was kept. */
  winningSourceId: string | null;
  reason: ConflictReason;
  syncRunId: string | null;
}

export type ConflictStatus = 'open' | 'resolved';

/** A stored conflict. Stores keep at most one open conflict per entity, field, losing source and losing value. */
export interface ConflictRecord extends NewConflict {
  id: string;
  entityId: string;
  status: ConflictStatus;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  /** `keep_current` or `apply_losing_value`, once resolved. */
  resolution: ConflictResolution | null;
}

export type ConflictResolution = 'keep_current' | 'apply_losing_value';

/** One batch to write atomically. */
export interface ApplyBatch {
  runId: string;
  tabMappingId: string;
  entity: string;
  keyField: string;
  /** New entities. `values` holds the key field and every initial field. */
  creates: ReadonlyArray<{ key: string; values: EntityValues }>;
  /** Existing entities; `values` holds only the fields that change. */
  updates: ReadonlyArray<{ id: string; key: string; values: EntityValues }>;
  /** Entities to delete (delete policy `delete`). */
  deletes: ReadonlyArray<{ id: string; key: string }>;
  lineage: ReadonlyArray<NewLineage>;
  conflicts: ReadonlyArray<NewConflict>;
  /** Added to the run's counters in the same transaction. */
  stats: RunStats;
  /** Incremental cursor to store with this batch. */
  checkpoint?: JsonValue;
  /**
   * Fingerprints of rows this batch decided without errors (written or not), recorded in the
   * same transaction; see {@link RowFingerprint}. Stores without fingerprints ignore them.
   */
  fingerprints?: ReadonlyArray<RowFingerprint>;
}

/** What a batch wrote. */
export interface ApplyResult {
  created: number;
  updated: number;
  deleted: number;
  lineage: number;
  /** Conflicts inserted (an open duplicate is not inserted again). */
  conflicts: number;
}

/** A page of records, newest first. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/** Filters for {@link Store.listRuns}. */
export interface RunQuery {
  dataSourceId?: string;
  tabMappingId?: string;
  status?: RunStatus;
  /** @default 50 */
  limit?: number;
  cursor?: string | null;
}

/** Filters for {@link Store.listConflicts}. */
export interface ConflictQuery {
  entityType?: string;
  entityId?: string;
  status?: ConflictStatus;
  /** @default 50 */
  limit?: number;
  cursor?: string | null;
}

/** Held while a tab syncs. */
export interface StoreLock {
  release(): Promise<void>;
}

/** What a store can do; the engine adapts. */
export interface StoreCapabilities {
  /** `applyBatch` is one transaction. */
  transactions: boolean;
  /** Locks hold across processes (e.g. Postgres advisory locks), not only in this process. */
  crossProcessLocks: boolean;
  /**
   * The store's work runs outside this process's JavaScript thread (a database server, an HTTP
   * API), so a batch it writes costs this process only the wait. The engine then sends the rows
   * ready to decide once a quarter batch is ready and no batch is in flight (see `flushWhenIdle`). In-process stores
   * (memory, PGlite) leave it unset: each batch's fixed cost would land on the same thread, so
   * they get full batches. @default false
   */
  remote?: boolean;
}

/**
 * Where entities, runs, lineage, conflicts and cursors live. Implementations: `memoryStore`
 * (reference, in `@fieldsync/core/testing`), `postgresStore`, `supabaseStore`. Every store
 * passes `testStore` from `@fieldsync/core/testing`.
 */
export interface Store {
  /** What the store can do (transactions, cross-process locks); the engine adapts. */
  readonly capabilities: StoreCapabilities;
  /** Prepares the store (migrations, connections). The engine calls it once before first use. */
  init?(): Promise<void>;
  /** The entity table's columns, or null when the table does not exist. */
  describeEntity(entity: string): Promise<EntitySchema | null>;
  /** Existing entities for a batch's keys, by key: ONE round trip per batch. */
  loadEntities(request: LoadRequest): Promise<Map<string, ExistingEntity>>;
  /** Writes a whole batch atomically: entities, lineage, conflicts, counters, checkpoint. */
  applyBatch(batch: ApplyBatch): Promise<ApplyResult>;

  /** Records a new `running` run. */
  createRun(run: NewRun): Promise<RunRecord>;
  /** Tells the store the run is alive. */
  heartbeatRun(runId: string): Promise<void>;
  /** Ends a run with its final counters, errors and failure. */
  finishRun(runId: string, outcome: RunOutcome): Promise<RunRecord>;
  /** Marks `running` runs whose heartbeat is older than `staleAfterMs` as failed; returns how many. */
  failStaleRuns(options: { staleAfterMs: number; tabMappingId?: string }): Promise<number>;
  /** One run with its row errors and warnings, or null. */
  getRun(runId: string): Promise<RunRecord | null>;
  /** Runs newest first, filtered by data source, tab and status, paged by cursor. */
  listRuns(query?: RunQuery): Promise<Page<RunRecord>>;

  /** The incremental cursor of a tab, or null. */
  getState(tabMappingId: string): Promise<JsonValue | null>;
  /** Forgets a tab's cursor and row fingerprints, so the next run reads and decides every row. */
  resetState(tabMappingId: string): Promise<void>;

  /**
   * The tab's row fingerprints whose entity has not been written since they were recorded (by
   * anyone: a sync of another tab, the app, a resolved conflict), by key; one round trip.
   * Optional: without it every run transforms, loads and reconciles every row. A store that
   * has it returns {@link ExistingEntity.version} from `loadEntities` and records
   * {@link ApplyBatch.fingerprints}.
   */
  loadFingerprints?(request: FingerprintRequest): Promise<Map<string, number>>;

  /** Lineage of one entity field, newest first: the first item is where the current value came from. */
  fieldHistory(query: { entityType: string; entityId: string; fieldName: string; limit?: number }): Promise<LineageRecord[]>;

  /** Conflicts newest first, filtered by entity and status, paged by cursor. */
  listConflicts(query?: ConflictQuery): Promise<Page<ConflictRecord>>;
  /**
   * Resolves an open conflict. `apply_losing_value` writes the losing value to the entity with a
   * lineage row (reason `conflict_resolution`), in one transaction.
   */
  resolveConflict(request: { conflictId: string; resolution: ConflictResolution; resolvedBy: string | null }): Promise<ConflictRecord>;

  /** Takes the lock for a key without waiting; null when another holder has it. */
  tryLock(key: string): Promise<StoreLock | null>;
  /** Closes connections. */
  close?(): Promise<void>;
}

/** Re-exported for store authors. */
export type { EntityValues, FieldValue, JsonValue, NewRun, RowError, RunOutcome, RunRecord, RunStats };
