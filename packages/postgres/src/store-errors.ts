import { FieldsyncError, StoreError, formatMessage } from '@fieldsync/core';

interface DatabaseErrorLike {
  code?: unknown;
  message?: unknown;
  table?: unknown;
  column?: unknown;
  constraint?: unknown;
  schema?: unknown;
  hint?: unknown;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ECONNABORTED', '57P01', '57P02', '57P03', '53300', '57014']);
const CONNECTION_MESSAGES = /connection terminated|terminating connection|connection error|not queryable|pool after calling end|pglite is closed|client was closed|Connection closed/i;

/** True when the error means the database could not be reached or the connection dropped. */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as DatabaseErrorLike;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}

/**
 * Maps a database error to a {@link StoreError}: a lost connection becomes `STORE_UNAVAILABLE`
 * (retryable), a missing table or column `STORE_SCHEMA_MISMATCH`, anything else
 * `STORE_WRITE_FAILED`. Messages name the table, column and constraint, never the values
 * (Postgres puts row values in `detail` and in data-error messages; both are left out).
 */
export function toStoreError(error: unknown, action: string): FieldsyncError {
  if (FieldsyncError.isInstance(error)) return error;
  const database = (typeof error === 'object' && error !== null ? error : {}) as DatabaseErrorLike;
  const code = typeof database.code === 'string' ? database.code : '';
  const where = [
    typeof database.table === 'string' ? `table ${database.table}` : '',
    typeof database.column === 'string' ? `column ${database.column}` : '',
    typeof database.constraint === 'string' ? `constraint ${database.constraint}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const details = { sqlState: code || undefined, table: database.table, column: database.column, constraint: database.constraint };
  if (isConnectionError(error)) {
    return new StoreError('STORE_UNAVAILABLE', formatMessage('postgres', `Lost the database connection while trying to ${action}${code ? ` (${code})` : ''}.`, 'Check that the database is reachable; the run can simply be retried, committed batches are kept.'), { cause: error, details });
  }
  if (code === '42P01' || code === '42703' || code === '3F000' || code === '42883') {
    const message = typeof database.message === 'string' ? database.message : 'missing object';
    return new StoreError('STORE_SCHEMA_MISMATCH', formatMessage('postgres', `Could not ${action}: ${message}.`, 'Create the entity table or column, or run migrate() (postgresStore({ migrate: true })).'), { cause: error, details });
  }
  if (code.startsWith('23')) {
    const kind = code === '23505' ? 'a unique constraint' : code === '23502' ? 'a not-null constraint' : code === '23503' ? 'a foreign key' : code === '23514' ? 'a check constraint' : 'a constraint';
    return new StoreError('STORE_WRITE_FAILED', formatMessage('postgres', `Could not ${action}: the write violates ${kind}${where ? ` (${where})` : ''}. Nothing of this batch was written.`, 'Fix the mapping or the data, then run the sync again.'), { cause: error, details });
  }
  if (code.startsWith('22')) {
    return new StoreError('STORE_WRITE_FAILED', formatMessage('postgres', `Could not ${action}: a value does not fit its column's type or range (SQLSTATE ${code}${where ? `, ${where}` : ''}). Nothing of this batch was written.`, "Check the column's type against the mapping's transform."), { cause: error, details });
  }
  const message = typeof database.message === 'string' ? database.message : String(error);
  if (code === 'FS002') {
    // The migrations' checks of a host's own tables (SQLSTATE FS002) raise the fix as the hint.
    return new StoreError('STORE_SCHEMA_MISMATCH', formatMessage('postgres', `Could not ${action}: ${message}.`, typeof database.hint === 'string' ? database.hint : undefined), { cause: error, details });
  }
  return new StoreError('STORE_WRITE_FAILED', formatMessage('postgres', `Could not ${action}: ${message}${code ? ` (SQLSTATE ${code})` : ''}.`), { cause: error, details });
}
