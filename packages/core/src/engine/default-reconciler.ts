import type { EntityChange, FieldChange, PendingConflict, ReconcileInput, ReconcileOutput, Reconciler } from '../reconciler.js';
import type { ExistingEntity } from '../store.js';
import { isEmptyValue, sameValue, type FieldValue } from '../values.js';

/**
 * The built-in rules, per field of each incoming row:
 *
 * - a new entity gets every non-empty synced value (`create`);
 * - `source_of_truth` overwrites when the normalised value differs, unless the field's last
 *   writer is another source with a higher priority: then the incoming value is a conflict
 *   (`lower_priority`) and nothing is written. When it overwrites another writer's value, that
 *   value is kept as a conflict (`overwritten`) for review;
 * - `reference` fills a field only while it is empty (`reference_fill`); a differing value is
 *   kept as a conflict (`reference`) and never overwrites;
 * - `derived` is never synced (the engine computes it afterwards);
 * - `forceOverwrite` writes every differing value (`forced`), whatever the authority or priority.
 *
 * Values are compared normalised (`sameValue`), so `"1"` vs `1`, `" a"` vs `"a"` and `""` vs
 * `null` are not changes.
 */
export const defaultReconciler: Reconciler = {
  reconcile(input: ReconcileInput): ReconcileOutput {
    const changes: EntityChange[] = [];
    const conflicts: PendingConflict[] = [];
    let unchanged = 0;
    for (const row of input.rows) {
      const existing = input.existing.get(row.key);
      if (!existing) {
        changes.push(createChange(input, row));
        continue;
      }
      const fields = updateFields(input, row, existing, conflicts);
      if (fields.length === 0) unchanged += 1;
      else changes.push({ type: 'update', key: row.key, entityId: existing.id, address: row.address, fields });
    }
    return { changes, conflicts, unchanged };
  },
};

function createChange(input: ReconcileInput, row: ReconcileInput['rows'][number]): EntityChange {
  const fields: FieldChange[] = [];
  // Object.keys, not Object.entries: one array per row instead of one per field too.
  for (const field of Object.keys(row.values)) {
    const value = row.values[field] as FieldValue;
    const rule = input.rules.get(field);
    if (field !== input.keyField && (!rule || rule.authority === 'derived')) continue;
    if (field !== input.keyField && isEmptyValue(value)) continue;
    fields.push({ field, previous: null, next: value, reason: 'create' });
  }
  return { type: 'create', key: row.key, entityId: null, address: row.address, fields };
}

function updateFields(
  input: ReconcileInput,
  row: ReconcileInput['rows'][number],
  existing: ExistingEntity,
  conflicts: PendingConflict[],
): FieldChange[] {
  const fields: FieldChange[] = [];
  for (const field of Object.keys(row.values)) {
    if (field === input.keyField) continue;
    const next = row.values[field] as FieldValue;
    const rule = input.rules.get(field);
    if (!rule || rule.authority === 'derived') continue;
    const previous: FieldValue = existing.values[field] ?? null;
    if (sameValue(previous, next)) continue;
    const owner = existing.owners?.[field];
    const conflict = (reason: PendingConflict['reason'], losingValue: FieldValue, currentValue: FieldValue, losingSourceId: string | null, winningSourceId: string | null) =>
      conflicts.push({ key: row.key, entityId: existing.id, address: row.address, field, currentValue, losingValue, losingSourceId, winningSourceId, reason });

    if (input.forceOverwrite) {
      fields.push({ field, previous, next, reason: 'forced' });
      continue;
    }
    if (rule.authority === 'reference') {
      if (isEmptyValue(previous)) fields.push({ field, previous, next, reason: 'reference_fill' });
      else if (!isEmptyValue(next)) conflict('reference', next, previous, input.dataSourceId, owner ?? null);
      continue;
    }
    // source_of_truth
    if (owner !== undefined && owner !== input.dataSourceId) {
      const ownerPriority = input.priorityOf(field, owner);
      if (ownerPriority !== null && ownerPriority > rule.priority) {
        if (!isEmptyValue(next)) conflict('lower_priority', next, previous, input.dataSourceId, owner);
        continue;
      }
      if (!isEmptyValue(previous)) conflict('overwritten', previous, next, owner, input.dataSourceId);
    }
    fields.push({ field, previous, next, reason: 'source_of_truth' });
  }
  return fields;
}
