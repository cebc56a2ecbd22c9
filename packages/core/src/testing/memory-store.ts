import { v4 as uuidv4 } from 'uuid';
import { StoreError, formatMessage } from '../errors.js';
import type { RunRecord } from '../runs.js';
import type {
  ApplyBatch,
  ApplyResult,
  ColumnType,
  ConflictRecord,
  EntitySchema,
  ExistingEntity,
  FingerprintRequest,
  LineageRecord,
  LoadRequest,
  Store,
  StoreLock,
} from '../store.js';
import { toJsonValue, type EntityValues, type FieldValue, type JsonValue } from '../values.js';
import { copyStoredValue, stableJson } from './column-values.js';
import { memoryFingerprints } from './memory-fingerprints.js';
import { addStats, copyConflict, copyLineage, copyRun, newestFirst, pageOf, type Sequenced } from './memory-records.js';
import { memoryRunLog } from './memory-run-log.js';
import {
  createMemoryTable,
  deleteRow,
  describeMemoryTable,
  draftTable,
  readField,
  checkColumn,
  insertRow,
  keyText,
  rowsByKey,
  updateRow,
  type MemoryTable,
  type MemoryTableDefinition,
  type TableDraft,
} from './memory-tables.js';

export type { MemoryTableDefinition } from './memory-tables.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Entity tables. Declared tables report their columns from `describeEntity` and reject unknown
   * fields and values of the wrong type, like Postgres. Without this option every table exists
   * and is schemaless (`open: true`); with it, an undeclared table does not exist.
   *
   * @example { partners: { columns: { partner_code: 'text', brand_name: 'text' }, uniqueKeys: ['partner_code'] } }
   */
  tables?: Record<string, MemoryTableDefinition>;
  /** Fault injection, to test all-or-nothing runs. */
  faults?: {
    /**
     * Called before each `applyBatch` (1-based count); a returned error is thrown before anything
     * is written. It may return a promise, to hold a write in flight (as a slow database would).
     */
    applyBatch?: (batchNumber: number) => Error | undefined | Promise<Error | undefined>;
  };
  /** The clock, for stale-run tests. @default () => new Date() */
  now?: () => Date;
}

/** The memory store, with inspection methods for tests. */
export interface MemoryStore extends Store {
  /** Always present: the memory store keeps row fingerprints. */
  loadFingerprints(request: FingerprintRequest): Promise<Map<string, number>>;
  /** Every row of an entity table (copies), in insertion order. Empty for an unknown table. */
  entities(name: string): Array<Record<string, unknown>>;
  /** Every lineage row, oldest first. */
  lineage(): LineageRecord[];
  /** Every conflict, oldest first. */
  conflicts(): ConflictRecord[];
  /** Every run, oldest first. */
  runs(): RunRecord[];
  /** Creates (or replaces) a declared entity table with an `id` uuid primary key and these columns. */
  createTable(name: string, columns: Record<string, ColumnType>, options?: Omit<MemoryTableDefinition, 'columns'>): void;
}

const SCOPE = 'memory-store';

function notFound(what: string, id: string, fix: string): StoreError {
  return new StoreError('STORE_WRITE_FAILED', formatMessage(SCOPE, `No ${what} with id ${id}.`, fix), { details: { id } });
}

function unresolvedEntity(kind: string, entityKey: string): StoreError {
  return new StoreError(
    'STORE_WRITE_FAILED',
    formatMessage(SCOPE, `A ${kind} row has entityId null but no entity with key ${JSON.stringify(entityKey)} is created in the same batch.`, 'Set entityId for existing entities; use null only for entities in `creates`.'),
    { details: { entityKey } },
  );
}

/**
 * The reference {@link Store}: everything in memory, behaving as docs/architecture.md "Store
 * semantics" says (and as the Postgres store does), so engine and mapping tests need no database.
 * `applyBatch` builds the new state aside and swaps it in, so a failing batch writes nothing.
 * An entity's version is its row object's identity (rows are copied on write); row fingerprints
 * are kept per tab and key (`memory-fingerprints.ts`).
 *
 * @example
 * const store = memoryStore({ tables: { partners: { columns: { partner_code: 'text', brand_name: 'text' } } } });
 */
export function memoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const now = options.now ?? (() => new Date());
  const schemaless = options.tables === undefined;
  const tables = new Map<string, MemoryTable>();
  for (const [name, definition] of Object.entries(options.tables ?? {})) tables.set(name, createMemoryTable(name, definition));
  const runLog = memoryRunLog({ now, scope: SCOPE });
  const runs = runLog.records;
  let lineage: Array<Sequenced<LineageRecord>> = [];
  let conflicts: Array<Sequenced<ConflictRecord>> = [];
  const states = new Map<string, JsonValue>();
  const fingerprints = memoryFingerprints();
  const locks = new Set<string>();
  let sequence = 0;
  let batchNumber = 0;

  function table(name: string): MemoryTable | null {
    const found = tables.get(name);
    if (found) return found;
    if (!schemaless) return null;
    const created = createMemoryTable(name, {});
    tables.set(name, created);
    return created;
  }

  function requireTable(name: string): MemoryTable {
    const found = table(name);
    if (!found) {
      throw new StoreError('STORE_SCHEMA_MISMATCH', formatMessage(SCOPE, `Entity table ${name} does not exist.`, `Declare it in memoryStore({ tables: { ${name}: { columns } } }) or call createTable('${name}', columns).`), {
        details: { table: name },
      });
    }
    return found;
  }

  function newestLineage(entityType: string, entityId: string, fieldName: string): LineageRecord | undefined {
    for (let index = lineage.length - 1; index >= 0; index--) {
      const { record } = lineage[index]!;
      if (record.entityType === entityType && record.entityId === entityId && record.fieldName === fieldName) return record;
    }
    return undefined;
  }

  async function loadEntities(request: LoadRequest): Promise<Map<string, ExistingEntity>> {
    const found = requireTable(request.entity);
    checkColumn(found, request.keyField);
    for (const field of request.fields) checkColumn(found, field);
    const result = new Map<string, ExistingEntity>();
    for (const [key, row] of rowsByKey(found.rows, request.keyField, request.keys)) {
      const id = String(row.id);
      const values: EntityValues = { [request.keyField]: readField(row, request.keyField) as FieldValue };
      for (const field of request.fields) values[field] = readField(row, field) as FieldValue;
      const entity: ExistingEntity = { id, key, values, version: fingerprints.versionOf(row) };
      if (request.withOwners) {
        const owners: Record<string, string | null> = {};
        for (const field of request.fields) {
          const newest = newestLineage(request.entity, id, field);
          if (newest) owners[field] = newest.sourceId;
        }
        entity.owners = owners;
      }
      result.set(key, entity);
    }
    return result;
  }

  async function applyBatch(batch: ApplyBatch): Promise<ApplyResult> {
    batchNumber += 1;
    const fault = await options.faults?.applyBatch?.(batchNumber);
    if (fault) throw fault;
    const target = requireTable(batch.entity);
    const run = runLog.require(batch.runId);
    const time = now();
    const draft: TableDraft = draftTable(target);
    const createdIds = new Map<string, string>();
    const result: ApplyResult = { created: 0, updated: 0, deleted: 0, lineage: 0, conflicts: 0 };

    // A schemaless table has no declared constraints; its key field is its natural unique key.
    const implicitKeys = target.columns === null && target.uniqueKeys.size === 0 && batch.creates.length > 0 ? existingKeys(draft.rows, batch.keyField) : undefined;
    for (const create of batch.creates) {
      const values: Record<string, unknown> = { ...create.values };
      if (values[batch.keyField] === undefined) values[batch.keyField] = create.key;
      if (implicitKeys) {
        const key = keyText(values[batch.keyField]);
        if (implicitKeys.has(key)) {
          throw new StoreError('STORE_WRITE_FAILED', formatMessage(SCOPE, `Entity ${batch.entity} with ${batch.keyField} ${JSON.stringify(key)} already exists.`, 'Update the existing entity instead of creating it again.'));
        }
        implicitKeys.add(key);
      }
      createdIds.set(create.key, insertRow(draft, values));
      result.created += 1;
    }
    for (const update of batch.updates) {
      if (updateRow(draft, update.id, update.values)) result.updated += 1;
    }
    for (const entity of batch.deletes) {
      if (deleteRow(draft, entity.id)) result.deleted += 1;
    }

    const newLineage: Array<Sequenced<LineageRecord>> = [];
    let nextSequence = sequence;
    for (const row of batch.lineage) {
      const entityId = row.entityId ?? createdIds.get(row.entityKey);
      if (entityId === undefined) throw unresolvedEntity('lineage', row.entityKey);
      nextSequence += 1;
      newLineage.push({ sequence: nextSequence, record: { ...row, previousValue: toJsonValue(row.previousValue), newValue: toJsonValue(row.newValue), id: uuidv4(), entityId, changedAt: time } });
    }

    const openKeys = new Set(conflicts.filter(({ record }) => record.status === 'open').map(({ record }) => conflictIdentity(record)));
    const newConflicts: Array<Sequenced<ConflictRecord>> = [];
    for (const conflict of batch.conflicts) {
      const entityId = conflict.entityId ?? createdIds.get(conflict.entityKey);
      if (entityId === undefined) throw unresolvedEntity('conflict', conflict.entityKey);
      const record: ConflictRecord = {
        ...conflict,
        currentValue: toJsonValue(conflict.currentValue),
        losingValue: toJsonValue(conflict.losingValue),
        id: uuidv4(),
        entityId,
        status: 'open',
        createdAt: time,
        resolvedAt: null,
        resolvedBy: null,
        resolution: null,
      };
      const identity = conflictIdentity(record);
      if (openKeys.has(identity)) continue;
      openKeys.add(identity);
      nextSequence += 1;
      newConflicts.push({ sequence: nextSequence, record });
    }
    result.lineage = newLineage.length;
    result.conflicts = newConflicts.length;
    const newFingerprints = fingerprints.prepare(batch.tabMappingId, batch.keyField, batch.fingerprints ?? [], target.rows, draft.rows);

    // Commit: nothing below can throw, so the batch lands whole or not at all.
    target.rows = draft.rows;
    lineage = lineage.concat(newLineage);
    conflicts = conflicts.concat(newConflicts);
    sequence = nextSequence;
    runs.set(run.id, addStats(run, batch.stats));
    if (batch.checkpoint !== undefined) states.set(batch.tabMappingId, structuredClone(batch.checkpoint));
    newFingerprints.commit();
    return result;
  }

  async function resolveConflict(request: { conflictId: string; resolution: 'keep_current' | 'apply_losing_value'; resolvedBy: string | null }): Promise<ConflictRecord> {
    const index = conflicts.findIndex(({ record }) => record.id === request.conflictId);
    const entry = conflicts[index];
    if (!entry || entry.record.status !== 'open') {
      throw new StoreError(
        'CONFLICT_NOT_FOUND',
        formatMessage(SCOPE, `No open conflict with id ${request.conflictId}.`, 'List open conflicts with listConflicts({ status: "open" }); a conflict can be resolved once.'),
        { details: { conflictId: request.conflictId } },
      );
    }
    const conflict = entry.record;
    const time = now();
    let newLineage: Sequenced<LineageRecord> | undefined;
    let draft: TableDraft | undefined;
    if (request.resolution === 'apply_losing_value') {
      const target = requireTable(conflict.entityType);
      draft = draftTable(target);
      const row = draft.rows.get(conflict.entityId);
      if (!row) throw notFound(`${conflict.entityType} entity`, conflict.entityId, 'The entity was deleted; resolve the conflict with keep_current instead.');
      const previousValue = toJsonValue(readField(row, conflict.fieldName));
      updateRow(draft, conflict.entityId, { [conflict.fieldName]: conflict.losingValue });
      const source = conflict.losingSourceId === null ? undefined : lineage.findLast(({ record }) => record.sourceId === conflict.losingSourceId);
      newLineage = {
        sequence: sequence + 1,
        record: {
          id: uuidv4(),
          entityType: conflict.entityType,
          entityId: conflict.entityId,
          entityKey: conflict.entityKey,
          fieldName: conflict.fieldName,
          sourceType: source?.record.sourceType ?? 'app',
          sourceId: conflict.losingSourceId,
          sourceRef: conflict.losingSourceRef,
          previousValue,
          newValue: toJsonValue(draft.rows.get(conflict.entityId)?.[conflict.fieldName]),
          syncRunId: null,
          changedBy: request.resolvedBy,
          reason: 'conflict_resolution',
          changedAt: time,
        },
      };
    }
    const resolved: ConflictRecord = { ...conflict, status: 'resolved', resolvedAt: time, resolvedBy: request.resolvedBy, resolution: request.resolution };
    if (draft) draft.table.rows = draft.rows;
    if (newLineage) {
      lineage = lineage.concat([newLineage]);
      sequence = newLineage.sequence;
    }
    conflicts = conflicts.map((item, position) => (position === index ? { sequence: item.sequence, record: resolved } : item));
    return copyConflict(resolved);
  }

  function createTable(name: string, columns: Record<string, ColumnType>, tableOptions: Omit<MemoryTableDefinition, 'columns'> = {}): void {
    tables.set(name, createMemoryTable(name, { ...tableOptions, columns }));
  }

  return {
    capabilities: { transactions: true, crossProcessLocks: false },

    async describeEntity(entity: string): Promise<EntitySchema | null> {
      const found = table(entity);
      return found ? describeMemoryTable(found) : null;
    },

    loadEntities,
    applyBatch,

    ...runLog.methods,

    async getState(tabMappingId) {
      const state = states.get(tabMappingId);
      return state === undefined ? null : structuredClone(state);
    },

    async resetState(tabMappingId) {
      states.delete(tabMappingId);
      fingerprints.reset(tabMappingId);
    },

    async loadFingerprints(request: FingerprintRequest): Promise<Map<string, number>> {
      const found = requireTable(request.entity);
      checkColumn(found, request.keyField);
      return fingerprints.load(request, found.rows);
    },

    async fieldHistory(query) {
      const matching = lineage.filter(({ record }) => record.entityType === query.entityType && record.entityId === query.entityId && record.fieldName === query.fieldName);
      const sorted = newestFirst(matching, ({ record }) => record.changedAt, ({ sequence: order }) => order);
      return sorted.slice(0, query.limit ?? sorted.length).map(({ record }) => copyLineage(record));
    },

    async listConflicts(query = {}) {
      const matching = conflicts.filter(
        ({ record }) =>
          (query.entityType === undefined || record.entityType === query.entityType) &&
          (query.entityId === undefined || record.entityId === query.entityId) &&
          (query.status === undefined || record.status === query.status),
      );
      const sorted = newestFirst(matching, ({ record }) => record.createdAt, ({ sequence: order }) => order);
      const page = pageOf(sorted, ({ record }) => record.id, { ...query, scope: SCOPE });
      return { items: page.items.map(({ record }) => copyConflict(record)), nextCursor: page.nextCursor };
    },

    resolveConflict,

    async tryLock(key): Promise<StoreLock | null> {
      if (locks.has(key)) return null;
      locks.add(key);
      let held = true;
      return {
        async release() {
          if (!held) return;
          held = false;
          locks.delete(key);
        },
      };
    },

    entities(name) {
      const found = tables.get(name);
      return found ? [...found.rows.values()].map((row) => copyStoredValue(row) as Record<string, unknown>) : [];
    },
    lineage: () => lineage.map(({ record }) => copyLineage(record)),
    conflicts: () => conflicts.map(({ record }) => copyConflict(record)),
    runs: () => [...runs.values()].map(copyRun),
    createTable,
  };
}

/** The key texts present in a table's rows. */
function existingKeys(rows: ReadonlyMap<string, Record<string, unknown>>, keyField: string): Set<string> {
  const keys = new Set<string>();
  for (const row of rows.values()) {
    const value = row[keyField];
    if (value !== null && value !== undefined) keys.add(keyText(value));
  }
  return keys;
}

/** Open conflicts with the same identity are stored once. */
function conflictIdentity(conflict: ConflictRecord): string {
  return stableJson([conflict.entityType, conflict.entityId, conflict.fieldName, conflict.losingSourceId, conflict.losingValue]);
}
