import type { ConflictRecord, JsonValue, LineageRecord, RowError, RunRecord, RunStatus, RunTrigger } from '@fieldsync/core';
import type { ChangeReason, ConflictReason, ConflictResolution, ConflictStatus } from '@fieldsync/core';

type Row = Record<string, unknown>;

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const count = (value: unknown): number => (typeof value === 'number' ? value : value === null || value === undefined ? 0 : Number(value));
const instant = (value: unknown): Date | null => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(String(value)));
const json = (value: unknown): JsonValue => (value === undefined ? null : (value as JsonValue));

/** A `sync_runs` row (as `to_jsonb` returns it) as a {@link RunRecord}. */
export function runFromRow(row: Row): RunRecord {
  const failure = row.failure as { code?: unknown; message?: unknown } | null | undefined;
  return {
    id: String(row.id),
    dataSourceId: text(row.data_source_id) ?? '',
    tabMappingId: text(row.tab_mapping_id) ?? '',
    status: String(row.status) as RunStatus,
    trigger: (text(row.trigger) ?? 'manual') as RunTrigger,
    triggeredBy: text(row.triggered_by),
    dryRun: row.dry_run === true,
    forceOverwrite: row.force_overwrite === true,
    startedAt: instant(row.started_at) ?? new Date(0),
    completedAt: instant(row.completed_at),
    heartbeatAt: instant(row.heartbeat_at),
    createdAt: instant(row.created_at) ?? instant(row.started_at) ?? new Date(0),
    rowsProcessed: count(row.rows_processed),
    rowsCreated: count(row.rows_created),
    rowsUpdated: count(row.rows_updated),
    rowsSkipped: count(row.rows_skipped),
    rowsDeleted: count(row.rows_deleted),
    rowsUnchanged: count(row.rows_unchanged),
    errorCount: count(row.error_count),
    lineageCount: count(row.lineage_count),
    conflictCount: count(row.conflict_count),
    errors: Array.isArray(row.errors) ? (row.errors as RowError[]) : [],
    warnings: Array.isArray(row.warnings) ? (row.warnings as string[]) : [],
    failure: failure && typeof failure === 'object' ? { code: String(failure.code ?? 'UNEXPECTED'), message: String(failure.message ?? '') } : null,
  };
}

/** A `field_lineage` row as a {@link LineageRecord}. */
export function lineageFromRow(row: Row): LineageRecord {
  return {
    id: String(row.id),
    entityType: String(row.entity_type),
    entityId: String(row.entity_id),
    entityKey: text(row.entity_key) ?? '',
    fieldName: String(row.field_name),
    sourceType: String(row.source_type),
    sourceId: text(row.source_id),
    sourceRef: text(row.source_ref),
    previousValue: json(row.previous_value),
    newValue: json(row.new_value),
    syncRunId: text(row.sync_run_id),
    changedBy: text(row.changed_by),
    reason: (text(row.change_reason) ?? 'source_of_truth') as ChangeReason,
    changedAt: instant(row.changed_at) ?? new Date(0),
  };
}

/** A `fieldsync_conflicts` row as a {@link ConflictRecord}. */
export function conflictFromRow(row: Row): ConflictRecord {
  return {
    id: String(row.id),
    entityType: String(row.entity_type),
    entityId: String(row.entity_id),
    entityKey: text(row.entity_key) ?? '',
    fieldName: String(row.field_name),
    currentValue: json(row.current_value),
    losingValue: json(row.losing_value),
    losingSourceId: text(row.losing_source_id),
    losingSourceRef: text(row.losing_source_ref),
    winningSourceId: text(row.winning_source_id),
    reason: String(row.reason) as ConflictReason,
    syncRunId: text(row.sync_run_id),
    status: String(row.status) as ConflictStatus,
    createdAt: instant(row.created_at) ?? new Date(0),
    resolvedAt: instant(row.resolved_at),
    resolvedBy: text(row.resolved_by),
    resolution: (text(row.resolution) as ConflictResolution | null) ?? null,
  };
}

/** An opaque page cursor from the last row of a page: its timestamp as Postgres wrote it (microseconds kept) and its id. */
export function encodeCursor(at: unknown, id: unknown): string {
  return Buffer.from(JSON.stringify({ at: String(at), id: String(id) })).toString('base64url');
}

/** The `{ at, id }` inside a cursor, or null for no cursor. Throws on a cursor this store did not make. */
export function decodeCursor(cursor: string | null | undefined): { at: string; id: string } | null {
  if (!cursor) return null;
  const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { at?: unknown; id?: unknown };
  if (typeof decoded.at !== 'string' || typeof decoded.id !== 'string') throw new Error('bad cursor');
  return { at: decoded.at, id: decoded.id };
}
