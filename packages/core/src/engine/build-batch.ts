import type { EntityChange, FieldChange, PendingConflict } from '../reconciler.js';
import type { RowError, RunStats } from '../runs.js';
import type { ApplyBatch, ExistingEntity, NewConflict, NewLineage } from '../store.js';
import type { DeletedRecord, RowAddress } from '../strategy.js';
import { sameValue, toJsonValue, type EntityValues, type FieldValue } from '../values.js';
import type { SourceContext } from './transform-rows.js';
import type { TabPlan } from './tab-plan.js';
import type { ChangePreview } from './types.js';

export interface BuildBatchInput {
  plan: TabPlan;
  source: SourceContext & { label: string };
  runId: string;
  changes: EntityChange[];
  conflicts: PendingConflict[];
  deleted: ReadonlyArray<DeletedRecord>;
  existing: ReadonlyMap<string, ExistingEntity>;
  changedBy: string | null;
  now: Date;
  /** Build the per-field preview too (dry runs and `collectChanges`). */
  preview: boolean;
}

export interface BuiltBatch {
  batch: Omit<ApplyBatch, 'stats' | 'checkpoint'>;
  /** Warnings from derivations that threw (the derived field is left as it was). */
  errors: RowError[];
  previews: ChangePreview[];
  stats: Pick<RunStats, 'rowsCreated' | 'rowsUpdated' | 'rowsDeleted' | 'lineageCount' | 'conflictCount'>;
}

/** Human-readable place of a value: "Master Sheet > Partners > B (Brand Name), row 47". */
export function sourceRef(source: BuildBatchInput['source'], column: string | undefined, address: RowAddress): string {
  return placeRef(sourcePlace(source, column), address);
}

/** "Master Sheet > Partners > B (Brand Name)": the source and column part of a {@link sourceRef}. */
function sourcePlace(source: BuildBatchInput['source'], column: string | undefined): string {
  const columnLabel = column === undefined ? undefined : (source.columns.get(column)?.label ?? column);
  if (!source.label) return columnLabel || '';
  return columnLabel ? `${source.label} > ${columnLabel}` : source.label;
}

function placeRef(place: string, address: RowAddress): string {
  if (address.row !== undefined) return `${place}, row ${address.row}`;
  return address.id !== undefined ? `${place}, id ${address.id}` : place;
}

/** Adds derived fields to each change: recomputed from the entity's values after the change. */
function applyDerivations(plan: TabPlan, change: EntityChange, existing: ExistingEntity | undefined, errors: RowError[]): void {
  if (plan.derivations.length === 0) return;
  const merged: EntityValues = { ...(existing?.values ?? {}) };
  for (const field of change.fields) merged[field.field] = field.next;
  for (const [field, derive] of plan.derivations) {
    let next: FieldValue;
    try {
      next = derive(merged);
    } catch (error) {
      // A throwing derivation leaves the field as it was; the run goes on, and says so.
      errors.push({ row: change.address.row ?? null, key: change.key, error: `Derivation of '${field}' failed: ${error instanceof Error ? error.message : String(error)}`, severity: 'warning' });
      continue;
    }
    const previous = existing?.values[field] ?? null;
    if (sameValue(previous, next)) continue;
    merged[field] = next;
    change.fields.push({ field, previous, next, reason: 'derived' });
  }
}

/** Turns the reconciler's decisions into one store batch (entities, lineage, conflicts) and its preview. */
export function buildBatch(input: BuildBatchInput): BuiltBatch {
  const { plan, source, runId } = input;
  const creates: Array<{ key: string; values: EntityValues }> = [];
  const updates: Array<{ id: string; key: string; values: EntityValues }> = [];
  const deletes: Array<{ id: string; key: string }> = [];
  const errors: RowError[] = [];
  let marked = 0;
  const lineage: NewLineage[] = [];
  const previews: ChangePreview[] = [];
  const columnOfField = new Map(plan.columns.map((column) => [column.field, column.mapping.sourceColumn]));
  // The source and column part of each field's source ref, built once per batch (a batch has
  // about 10 lineage rows per entity, each with its ref).
  const places = new Map<string, string>();
  const placeOf = (field: string): string => {
    let place = places.get(field);
    if (place === undefined) {
      place = sourcePlace(source, columnOfField.get(field));
      places.set(field, place);
    }
    return place;
  };

  const lineageRow = (change: { key: string; entityId: string | null; address: RowAddress }, field: FieldChange): NewLineage => {
    const derived = field.reason === 'derived';
    return {
      entityType: plan.entity,
      entityId: change.entityId,
      entityKey: change.key,
      fieldName: field.field,
      sourceType: derived ? 'derived' : plan.strategy.type,
      sourceId: derived ? null : plan.dataSource.id,
      sourceRef: derived ? null : placeRef(placeOf(field.field), change.address),
      previousValue: toJsonValue(field.previous),
      newValue: toJsonValue(field.next),
      syncRunId: runId,
      changedBy: field.reason === 'forced' ? input.changedBy : null,
      reason: field.reason,
    };
  };

  for (const change of input.changes) {
    applyDerivations(plan, change, input.existing.get(change.key), errors);
    if (change.fields.length === 0) continue;
    const values: EntityValues = {};
    for (const field of change.fields) values[field.field] = field.next;
    if (change.type === 'create') creates.push({ key: change.key, values });
    else updates.push({ id: change.entityId as string, key: change.key, values });
    for (const field of change.fields) lineage.push(lineageRow(change, field));
    if (input.preview) previews.push({
      entity: plan.entity,
      keyField: plan.keyField,
      keyValue: change.key,
      type: change.type,
      entityId: change.entityId,
      fields: change.fields.map((field) => ({ ...field, sourceRef: lineageRow(change, field).sourceRef })),
    });
  }

  for (const record of input.deleted) {
    const existing = input.existing.get(record.key);
    if (!existing || plan.tab.deletePolicy === 'ignore') continue;
    const address: RowAddress = { id: record.key };
    if (plan.tab.deletePolicy === 'delete') {
      deletes.push({ id: existing.id, key: record.key });
      const field: FieldChange = { field: plan.keyField, previous: record.key, next: null, reason: 'delete' };
      lineage.push({ ...lineageRow({ key: record.key, entityId: existing.id, address }, field), sourceRef: `${source.label}, id ${record.key} (deleted)` });
      if (input.preview) previews.push({ entity: plan.entity, keyField: plan.keyField, keyValue: record.key, type: 'delete', entityId: existing.id, fields: [{ ...field, sourceRef: null }] });
    } else {
      const marker = plan.tab.deleteMarkerField as string;
      if (existing.values[marker] !== null && existing.values[marker] !== undefined) continue; // already marked
      const field: FieldChange = { field: marker, previous: null, next: record.deletedAt ?? input.now, reason: 'delete' };
      updates.push({ id: existing.id, key: record.key, values: { [marker]: field.next } });
      marked += 1;
      lineage.push({ ...lineageRow({ key: record.key, entityId: existing.id, address }, field), sourceRef: `${source.label}, id ${record.key} (deleted)` });
      if (input.preview) previews.push({ entity: plan.entity, keyField: plan.keyField, keyValue: record.key, type: 'update', entityId: existing.id, fields: [{ ...field, sourceRef: null }] });
    }
  }

  const conflicts: NewConflict[] = input.conflicts.map((conflict) => ({
    entityType: plan.entity,
    entityId: conflict.entityId,
    entityKey: conflict.key,
    fieldName: conflict.field,
    currentValue: toJsonValue(conflict.currentValue),
    losingValue: toJsonValue(conflict.losingValue),
    losingSourceId: conflict.losingSourceId,
    losingSourceRef: conflict.losingSourceId === plan.dataSource.id ? sourceRef(source, columnOfField.get(conflict.field), conflict.address) : null,
    winningSourceId: conflict.winningSourceId,
    reason: conflict.reason,
    syncRunId: runId,
  }));

  return {
    batch: { runId, tabMappingId: plan.tab.id, entity: plan.entity, keyField: plan.keyField, creates, updates, deletes, lineage, conflicts },
    previews,
    errors,
    stats: { rowsCreated: creates.length, rowsUpdated: updates.length - marked, rowsDeleted: deletes.length + marked, lineageCount: lineage.length, conflictCount: conflicts.length },
  };
}
