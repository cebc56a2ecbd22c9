import type { Severity } from './transformer.js';

/** How a run was started. */
export type RunTrigger = 'manual' | 'scheduled' | 'webhook';

/** A run's state. A `running` run whose heartbeat stops is failed by the next run's reaper. */
export type RunStatus = 'running' | 'completed' | 'failed';

/** A row-level problem. Errors drop the row, warnings drop only the field; neither stops the run. */
export interface RowError {
  /** 1-based source row, or null for record sources without rows. */
  row: number | null;
  /** The source column, when the problem is in one cell. */
  column?: string;
  /** A1 cell (`B47`) for tabular sources, or `<record id>.<column>` for record sources. */
  address?: string;
  /** The entity key, when known. */
  key?: string;
  error: string;
  severity: Severity;
}

/** Counts of one run (the seed's `rows_*` columns plus fieldsync's own). */
export interface RunStats {
  rowsProcessed: number;
  rowsCreated: number;
  rowsUpdated: number;
  rowsSkipped: number;
  rowsDeleted: number;
  /** Rows whose entity needed no change. */
  rowsUnchanged: number;
  /** Row errors and warnings in total (the stored list is capped). */
  errorCount: number;
  lineageCount: number;
  conflictCount: number;
}

/** A run as stored: the seed's `sync_runs` columns, plus the ones fieldsync adds. */
export interface RunRecord extends RunStats {
  id: string;
  dataSourceId: string;
  tabMappingId: string;
  status: RunStatus;
  trigger: RunTrigger;
  /** Acting user (UUID), or null for a system run. */
  triggeredBy: string | null;
  dryRun: boolean;
  forceOverwrite: boolean;
  startedAt: Date;
  completedAt: Date | null;
  heartbeatAt: Date | null;
  createdAt: Date;
  /** Row errors, capped at the engine's `maxStoredErrors`; `errorCount` has the total. */
  errors: RowError[];
  /** Source warnings (blank or duplicate headers, ...). */
  warnings: string[];
  /** Why a failed run failed. Never holds secrets. */
  failure: { code: string; message: string } | null;
}

/** A new run, as the engine creates it. */
export interface NewRun {
  dataSourceId: string;
  tabMappingId: string;
  trigger: RunTrigger;
  triggeredBy: string | null;
  dryRun: boolean;
  forceOverwrite: boolean;
}

/** How a run ends. */
export type RunOutcome =
  | { status: 'completed'; stats: RunStats; errors: RowError[]; warnings: string[] }
  | { status: 'failed'; stats: RunStats; errors: RowError[]; warnings: string[]; failure: { code: string; message: string } };

/** Empty counters. */
export function emptyStats(): RunStats {
  return { rowsProcessed: 0, rowsCreated: 0, rowsUpdated: 0, rowsSkipped: 0, rowsDeleted: 0, rowsUnchanged: 0, errorCount: 0, lineageCount: 0, conflictCount: 0 };
}
