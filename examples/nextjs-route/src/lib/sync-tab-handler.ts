/**
 * `POST /api/sync/tab/:id` (the seed's endpoint), on Web `Request`/`Response` only, so it runs in a
 * Next.js route handler or any other fetch-style server. Body `{ dry_run?, force_overwrite?, row_limit? }`;
 * answer `{ success, sync_run_id, stats: { rows_processed, rows_created, rows_updated, rows_skipped, errors } }`
 * (plus `changes` for a dry run).
 */
import { timingSafeEqual } from 'node:crypto';
import { FieldsyncError, type RowError, type SyncEngine, type SyncResult } from '@fieldsync/core';

/** The request body. */
export interface SyncTabRequest {
  dry_run?: boolean;
  force_overwrite?: boolean;
  row_limit?: number;
}

/** The answer, in the seed's shape. */
export interface SyncTabResponse {
  success: boolean;
  sync_run_id: string | null;
  stats: {
    rows_processed: number;
    rows_created: number;
    rows_updated: number;
    rows_skipped: number;
    errors: Array<Pick<RowError, 'row' | 'column' | 'error' | 'severity'>>;
  };
  /** A dry run's preview, field by field. */
  changes?: Array<{ key: string; type: string; fields: Array<{ field: string; previous: unknown; next: unknown }> }>;
  error?: { code: string; message: string };
}

const json = (status: number, body: unknown) => Response.json(body, { status, headers: { 'cache-control': 'no-store' } });

function failure(status: number, code: string, message: string): Response {
  const body: SyncTabResponse = { success: false, sync_run_id: null, stats: { rows_processed: 0, rows_created: 0, rows_updated: 0, rows_skipped: 0, errors: [] }, error: { code, message } };
  return json(status, body);
}

/** Reads and checks the body; a list of problems when it is wrong. */
async function readBody(request: Request): Promise<SyncTabRequest | string[]> {
  const text = await request.text();
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return ['the body is not JSON'];
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ['the body must be a JSON object'];
  const { dry_run, force_overwrite, row_limit, ...rest } = body as Record<string, unknown>;
  const problems = Object.keys(rest).map((key) => `unknown field ${key}`);
  if (dry_run !== undefined && typeof dry_run !== 'boolean') problems.push('dry_run must be a boolean');
  if (force_overwrite !== undefined && typeof force_overwrite !== 'boolean') problems.push('force_overwrite must be a boolean');
  if (row_limit !== undefined && !(typeof row_limit === 'number' && Number.isInteger(row_limit) && row_limit > 0)) problems.push('row_limit must be a positive integer');
  if (problems.length > 0) return problems;
  return { ...(dry_run !== undefined && { dry_run }), ...(force_overwrite !== undefined && { force_overwrite }), ...(row_limit !== undefined && { row_limit }) } as SyncTabRequest;
}

/** True when the request carries the admin token (compared in constant time). */
function authorized(request: Request, token: string): boolean {
  const given = Buffer.from(request.headers.get('authorization')?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const STATUS_BY_CODE: Record<string, number> = {
  MAPPING_NOT_FOUND: 404,
  SYNC_LOCKED: 409,
  SOURCE_RATE_LIMITED: 503,
  SOURCE_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  SOURCE_AUTH_FAILED: 502,
  SOURCE_PERMISSION_DENIED: 502,
  SOURCE_NOT_FOUND: 502,
  SOURCE_SCHEMA_MISMATCH: 502,
  SOURCE_INVALID_RESPONSE: 502,
};

function toResponse(result: SyncResult): SyncTabResponse {
  const { stats } = result;
  const body: SyncTabResponse = {
    success: result.success,
    sync_run_id: result.syncRunId,
    stats: {
      rows_processed: stats.rowsProcessed,
      rows_created: stats.rowsCreated,
      rows_updated: stats.rowsUpdated,
      rows_skipped: stats.rowsSkipped,
      errors: stats.errors.map((error) => ({ row: error.row, ...(error.column !== undefined && { column: error.column }), error: error.error, severity: error.severity })),
    },
  };
  if (result.dryRun) {
    body.changes = result.changes.map((change) => ({ key: change.keyValue, type: change.type, fields: change.fields.map((field) => ({ field: field.field, previous: field.previous, next: field.next })) }));
  }
  return body;
}

/** Options of {@link handleSyncTab}. */
export interface SyncTabHandlerOptions {
  engine: SyncEngine;
  /** The admin token callers must send as `Authorization: Bearer <token>`. In a real app, check your own session instead. */
  adminToken: string;
}

/** Handles `POST /api/sync/tab/:id`. */
export async function handleSyncTab(request: Request, tabId: string, options: SyncTabHandlerOptions): Promise<Response> {
  if (!authorized(request, options.adminToken)) return failure(401, 'UNAUTHORIZED', 'Send Authorization: Bearer <admin token>.');
  const body = await readBody(request);
  if (Array.isArray(body)) return failure(400, 'CONFIGURATION_INVALID', `Invalid request body: ${body.join('; ')}.`);
  try {
    const result = await options.engine.syncTab(tabId, {
      dryRun: body.dry_run ?? false,
      forceOverwrite: body.force_overwrite ?? false,
      ...(body.row_limit !== undefined && { rowLimit: body.row_limit }),
      trigger: 'manual',
    });
    return json(result.success ? 200 : 500, toResponse(result));
  } catch (error) {
    // Fatal errors (unknown tab, lock held, source or database down) fail the run; messages hold no secrets.
    if (FieldsyncError.isInstance(error)) return failure(STATUS_BY_CODE[error.code] ?? 500, error.code, error.message);
    console.error(error);
    return failure(500, 'UNEXPECTED', 'The sync failed unexpectedly; see the server log.');
  }
}
