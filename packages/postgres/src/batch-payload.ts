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
  lineage: Array<Record<string, JsonValue>>;
  conflicts: Array<Record<string, JsonValue>>;
  stats: Record<string, number>;
  checkpoint?: JsonValue;
}

/** Options of {@link toBatchPayload}. */
export interface BatchPayloadOptions {
  /** Schema of the entity tables. @default 'public' */
  entitySchema?: string;
}

function groupByColumns(items: ReadonlyArray<{ values: EntityValues; id?: string }>, schema: EntitySchema, idColumn: string | null): RowGroup[] {
  const groups = new Map<string, RowGroup>();
  for (const item of items) {
    const columns = Object.keys(item.values)
      .filter((column) => item.values[column] !== undefined)
      .sort();
    if (columns.length === 0) continue;
    const signature = columns.join('\u0000');
    let group = groups.get(signature);
    if (!group) {
      group = { columns, rows: [] };
      groups.set(signature, group);
    }
    const row: Record<string, JsonValue> = {};
    if (idColumn !== null && item.id !== undefined) row[idColumn] = item.id;
    for (const column of columns) row[column] = toColumnValue(item.values[column], schema.columns.get(column)?.type);
    group.rows.push(row);
  }
  return [...groups.values()];
}

/**
 * Turns an {@link ApplyBatch} into the one jsonb argument of `fieldsync_apply_batch`: creates
 * and updates grouped by the columns they write, values converted for their columns, lineage
 * and conflicts as rows. Shared by the pg/PGlite store and the Supabase store.
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
    lineage: batch.lineage.map((line) => ({
      entity_type: line.entityType,
      entity_id: line.entityId,
      entity_key: line.entityKey,
      field_name: line.fieldName,
      source_type: line.sourceType,
      source_id: line.sourceId,
      source_ref: line.sourceRef,
      previous_value: toJsonValue(line.previousValue),
      new_value: toJsonValue(line.newValue),
      sync_run_id: line.syncRunId,
      changed_by: line.changedBy,
      change_reason: line.reason,
    })),
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
  return payload;
}

/** True when a payload would write nothing at all (no rows, no counters, no cursor). */
export function isEmptyPayload(payload: BatchPayload): boolean {
  return (
    payload.creates.length === 0 &&
    payload.updates.length === 0 &&
    payload.deletes.length === 0 &&
    payload.lineage.length === 0 &&
    payload.conflicts.length === 0 &&
    payload.checkpoint === undefined &&
    Object.values(payload.stats).every((count) => count === 0)
  );
}
