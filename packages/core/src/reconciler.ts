import type { Authority } from './config/schema.js';
import type { RowAddress } from './strategy.js';
import type { ChangeReason, ConflictReason, ExistingEntity } from './store.js';
import type { FieldValue } from './values.js';

/** The rule for one field of the tab being synced. */
export interface FieldRule {
  authority: Authority;
  /** This source's priority for the field (higher wins). */
  priority: number;
}

/** A transformed, keyed source row. */
export interface IncomingRow {
  key: string;
  address: RowAddress;
  /** Transformed values of the synced fields (derived fields excluded). A field left out is not touched. */
  values: Readonly<Record<string, FieldValue>>;
}

/** Everything the reconciler decides on. It is pure: no I/O. */
export interface ReconcileInput {
  entity: string;
  keyField: string;
  /** The data source the rows come from. */
  dataSourceId: string;
  rows: ReadonlyArray<IncomingRow>;
  existing: ReadonlyMap<string, ExistingEntity>;
  rules: ReadonlyMap<string, FieldRule>;
  /** Priority of another source for a field, to weigh against the field's last writer. Null when unknown (the app). */
  priorityOf(field: string, dataSourceId: string | null): number | null;
  /** Ignore authority and priority. @default false */
  forceOverwrite: boolean;
}

/** One field that changes. */
export interface FieldChange {
  field: string;
  previous: FieldValue;
  next: FieldValue;
  reason: ChangeReason;
}

/** One entity that changes. */
export interface EntityChange {
  type: 'create' | 'update';
  key: string;
  /** Null for a create. */
  entityId: string | null;
  address: RowAddress;
  fields: FieldChange[];
}

/** A value that lost, before it is stored. */
export interface PendingConflict {
  key: string;
  entityId: string | null;
  address: RowAddress;
  field: string;
  currentValue: FieldValue;
  losingValue: FieldValue;
  /** Source of the losing value: this run's source, or the field's previous writer. */
  losingSourceId: string | null;
  winningSourceId: string | null;
  reason: ConflictReason;
}

export interface ReconcileOutput {
  changes: EntityChange[];
  conflicts: PendingConflict[];
  /** Rows that needed no change. */
  unchanged: number;
}

/** Decides, per field, what a batch changes. Replace it to change the rules; `defaultReconciler` documents the built-in ones. */
export interface Reconciler {
  reconcile(input: ReconcileInput): ReconcileOutput;
}
