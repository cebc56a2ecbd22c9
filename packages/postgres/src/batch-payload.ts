import type { ApplyBatch, EntitySchema, EntityValues, JsonValue } from '@fieldsync/core';
import { toJsonValue } from '@fieldsync/core';
import { toColumnValue } from './column-values.js';

/** Rows that write the same columns, written by one statement. */
export interface RowGroup {
  columns: string[];
  rows: Array<Record<string, JsonValue>>;
}

/** The jsonb argument of `fieldsync_apply_batch`. */
export interface BatchPayload {
  entitySchema: string;
  entity: string;
  keyField: string;
  idColumn: string;
  runId: string;
  tabMappingId: string;
  creates: RowGroup[];
  updates: RowGroup[];
  deletes: Array<Record<string, JsonValue>>;
  /** Lineage rows by column (`{ field_name: [...], new_value: [...], ... }`), every array one item per row. */
  lineage: LineageColumns;
  conflicts: Array<Record<string, JsonValue>>;
  stats: Record<string, number>;
  checkpoint?: JsonValue;
  /** Row fingerprints to record, by column; `versions[i]` null for an entity the batch creates. */
  fingerprints?: { keys: string[]; hashes: number[]; versions: Array<string | null> };
  /**
   * A lease the batch may only be written under (the Supabase store's tab lock): the function
   * raises SQLSTATE FS001 unless this holder's row is unexpired. The Postgres store sends none.
   */
  lock?: { key: string; holder: string };
}

/** Names of the lineage columns a {@link BatchPayload} carries. */
export type LineageColumnName =
  | 'entity_type' | 'entity_id' | 'entity_key' | 'field_name' | 'source_type' | 'source_id'
  | 'source_ref' | 'previous_value' | 'new_value' | 'sync_run_id' | 'changed_by' | 'change_reason';

const LINEAGE_COLUMN_NAMES: ReadonlyArray<LineageColumnName> = [
  'entity_type', 'entity_id', 'entity_key', 'field_name', 'source_type', 'source_id',
  'source_ref', 'previous_value', 'new_value', 'sync_run_id', 'changed_by', 'change_reason',
];

/**
 * The lineage rows of a {@link BatchPayload}, by column: `rows` rows; a column whose rows all
 * hold one scalar value (the entity type, source, run and reason of a batch; null ids and
 * previous values of creates) is sent once in `uniform` instead of as an array. A batch holds
 * about 10 lineage rows per entity: row objects with 12 repeated keys made payloads 1.7x larger
 * than columns, and uniform columns halve them again (less to send, parse and keep in memory).
 */
export type LineageColumns = { rows: number; uniform: Partial<Record<LineageColumnName, JsonValue>> } & Partial<Record<LineageColumnName, JsonValue[]>>;

function lineageColumns(lineage: ApplyBatch['lineage']): LineageColumns {
  // Arrays sized up front and filled by index: a batch has thousands of lineage rows, and
  // arrays grown by push left as much garbage again.
  const rows = lineage.length;
  const column = (): JsonValue[] => new Array<JsonValue>(rows);
  const arrays: Record<LineageColumnName, JsonValue[]> = {
    entity_type: column(), entity_id: column(), entity_key: column(), field_name: column(), source_type: column(), source_id: column(),
    source_ref: column(), previous_value: column(), new_value: column(), sync_run_id: column(), changed_by: column(), change_reason: column(),
  };
  for (let index = 0; index < rows; index++) {
    const line = lineage[index]!;
    arrays.entity_type[index] = line.entityType;
    arrays.entity_id[index] = line.entityId;
    arrays.entity_key[index] = line.entityKey;
    arrays.field_name[index] = line.fieldName;
    arrays.source_type[index] = line.sourceType;
    arrays.source_id[index] = line.sourceId;
    arrays.source_ref[index] = line.sourceRef;
    arrays.previous_value[index] = toJsonValue(line.previousValue);
    arrays.new_value[index] = toJsonValue(line.newValue);
    arrays.sync_run_id[index] = line.syncRunId;
    arrays.changed_by[index] = line.changedBy;
    arrays.change_reason[index] = line.reason;
  }
  const columns: LineageColumns = { rows: lineage.length, uniform: {} };
  for (const name of LINEAGE_COLUMN_NAMES) {
    const values = arrays[name];
    const first = values[0];
    // Only scalars (a JSON array or object value is always sent in full).
    const scalar = first === null || typeof first === 'string' || typeof first === 'number' || typeof first === 'boolean';
    if (values.length > 1 && scalar && values.every((value) => value === first)) columns.uniform[name] = first as JsonValue;
    else columns[name] = values;
  }
  return columns;
}

/** Options of {@link toBatchPayload}. */
export interface BatchPayloadOptions {
  /** Schema of the entity tables. @default 'public' */
  entitySchema?: string;
}

function groupByColumns(items: ReadonlyArray<{ values: EntityValues; id?: string }>, schema: EntitySchema, idColumn: string | null): RowGroup[] {
  const groups = new Map<string, RowGroup>();
  // Rows of a batch mostly list the same columns in the same order: such a row joins the group
  // of the row before it without sorting and joining its column names again.
  let previousKeys: string[] | null = null;
  let previousGroup: RowGroup | null = null;
  for (const item of items) {
    const keys = Object.keys(item.values);
    let allDefined = true;
    for (const key of keys) if (item.values[key] === undefined) allDefined = false;
    let group: RowGroup | undefined;
    if (allDefined && previousGroup !== null && previousKeys !== null && sameKeys(keys, previousKeys)) {
      group = previousGroup;
    } else {
      const columns = keys.filter((column) => item.values[column] !== undefined).sort();
      if (columns.length === 0) continue;
      const signature = columns.join('\u0000');
      group = groups.get(signature);
      if (!group) {
        group = { columns, rows: [] };
        groups.set(signature, group);
      }
      previousKeys = allDefined ? keys : null;
      previousGroup = allDefined ? group : null;
    }
    const row: Record<string, JsonValue> = {};
    if (idColumn !== null && item.id !== undefined) row[idColumn] = item.id;
    for (const column of group.columns) row[column] = toColumnValue(item.values[column], schema.columns.get(column)?.type);
    group.rows.push(row);
  }
  return [...groups.values()];
}

function sameKeys(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/**
 * Turns an {@link ApplyBatch} into the one jsonb argument of `fieldsync_apply_batch`: creates
 * and updates grouped by the columns they write, values converted for their columns, lineage
 * by column and conflicts as rows. Shared by the pg/PGlite store and the Supabase store.
 */
export function toBatchPayload(batch: ApplyBatch, schema: EntitySchema, options: BatchPayloadOptions = {}): BatchPayload {
  const payload: BatchPayload = {
    entitySchema: options.entitySchema ?? 'public',
    entity: batch.entity,
    keyField: batch.keyField,
    idColumn: schema.idColumn,
    runId: batch.runId,
    tabMappingId: batch.tabMappingId,
    creates: groupByColumns(batch.creates, schema, null),
    updates: groupByColumns(batch.updates, schema, schema.idColumn),
    deletes: batch.deletes.map((entity) => ({ [schema.idColumn]: entity.id })),
    lineage: lineageColumns(batch.lineage),
    conflicts: batch.conflicts.map((conflict) => ({
      entity_type: conflict.entityType,
      entity_id: conflict.entityId,
      entity_key: conflict.entityKey,
      field_name: conflict.fieldName,
      current_value: toJsonValue(conflict.currentValue),
      losing_value: toJsonValue(conflict.losingValue),
      losing_source_id: conflict.losingSourceId,
      losing_source_ref: conflict.losingSourceRef,
      winning_source_id: conflict.winningSourceId,
      reason: conflict.reason,
      sync_run_id: conflict.syncRunId,
    })),
    stats: { ...batch.stats },
  };
  if (batch.checkpoint !== undefined) payload.checkpoint = batch.checkpoint;
  if (batch.fingerprints && batch.fingerprints.length > 0) {
    const fingerprints = { keys: [] as string[], hashes: [] as number[], versions: [] as Array<string | null> };
    for (const fingerprint of batch.fingerprints) {
      if (!Number.isSafeInteger(fingerprint.hash) || fingerprint.hash < 0) continue;
      fingerprints.keys.push(fingerprint.key);
      fingerprints.hashes.push(fingerprint.hash);
      fingerprints.versions.push(fingerprint.version);
    }
    payload.fingerprints = fingerprints;
  }
  return payload;
}

/** True when a payload would write nothing at all (no rows, no counters, no cursor). */
export function isEmptyPayload(payload: BatchPayload): boolean {
  return (
    payload.creates.length === 0 &&
    payload.updates.length === 0 &&
    payload.deletes.length === 0 &&
    payload.lineage.rows === 0 &&
    payload.conflicts.length === 0 &&
    payload.checkpoint === undefined &&
    (payload.fingerprints?.keys.length ?? 0) === 0 &&
    Object.values(payload.stats).every((count) => count === 0)
  );
}
