import { StoreError, SyncLockedError, formatMessage } from '@fieldsync/core';

/** The error supabase-js returns from `.rpc()`: PostgREST's body, or its own for a failed fetch (status 0). */
export interface SupabaseRpcError {
  code?: string | null;
  message?: string | null;
  details?: string | null;
  hint?: string | null;
}

/** What kind of failure a PostgREST answer is. */
export type RpcFailureKind =
  | 'unavailable'
  | 'statement-timeout'
  | 'function-missing'
  | 'schema-not-exposed'
  | 'permission-denied'
  | 'api-key-refused'
  | 'schema-mismatch'
  | 'constraint'
  | 'invalid-value'
  | 'lease-lost'
  | 'other';

// Connection failures, an unloaded schema cache, resource exhaustion, shutdown, serialization.
const TRANSIENT_CODE = /^(PGRST00[0-3]|08...|53...|57P0.|40001|40P01)$/;
// SQLSTATE classes that mean the statement itself is wrong, whatever the HTTP status.
const STATEMENT_CODE = /^(22|23|42|P0|XX)/;

/** The SQLSTATE fieldsync_apply_batch raises when the payload's lease is no longer this holder's. */
const LEASE_LOST_CODE = 'FS001';

/** Classifies an error answer by its HTTP status and PostgREST/SQLSTATE code. */
export function classifyRpcFailure(status: number, error: SupabaseRpcError | null): RpcFailureKind {
  const code = error?.code ?? '';
  if (status === 0) return 'unavailable';
  // fieldsync_apply_batch found the tab's lease expired or taken (raised before any write).
  if (code === LEASE_LOST_CODE) return 'lease-lost';
  // Cancelled by statement_timeout: the same call would time out again, so it is not transient.
  if (code === '57014') return 'statement-timeout';
  if (code === 'PGRST202') return 'function-missing';
  if (code === 'PGRST106') return 'schema-not-exposed';
  if (code === '42501') return 'permission-denied';
  if (/^PGRST3/.test(code) || (status === 401 && code === '')) return 'api-key-refused';
  if (TRANSIENT_CODE.test(code)) return 'unavailable';
  if (status >= 500 && !STATEMENT_CODE.test(code)) return 'unavailable';
  if (code === '42P01' || code === '42703' || code === '42883' || code === '3F000') return 'schema-mismatch';
  if (code.startsWith('23')) return 'constraint';
  if (code.startsWith('22')) return 'invalid-value';
  return 'other';
}

const CONSTRAINTS: Record<string, string> = {
  '23505': 'a unique constraint',
  '23502': 'a not-null constraint',
  '23503': 'a foreign key',
  '23514': 'a check constraint',
};

/** Options of {@link toRpcStoreError}. */
export interface RpcFailure {
  /** The SQL function called, e.g. `fieldsync_apply_batch`. */
  functionName: string;
  /** Schema the function was looked up in. */
  schema: string;
  /** What the store was doing, e.g. `write a batch to partners`. */
  action: string;
  status: number;
  error: SupabaseRpcError | null;
  /** Whether the call could have written something (then a lost answer leaves the outcome unknown). */
  writes: boolean;
}

/**
 * Turns a failed `.rpc()` answer into a {@link StoreError} whose message says the fix (or a
 * {@link SyncLockedError}, code `SYNC_LOCKED`, when the database refused a batch because the tab's
 * lease was lost: SQLSTATE FS001). Messages name functions, schemas, constraints and SQLSTATEs,
 * never row values (PostgREST's `details` carries them) and never the API key.
 */
export function toRpcStoreError(failure: RpcFailure): StoreError | SyncLockedError {
  const { functionName, schema, action, status, error } = failure;
  const code = error?.code ?? '';
  const kind = classifyRpcFailure(status, error);
  const details = { function: functionName, schema, status, code: code || undefined, kind };
  // PostgREST's `details` holds row values (e.g. "Key (code)=(...) already exists" on 23505) and
  // its `message` may too: the cause keeps the code and hint only.
  const options = { cause: { code: code || null, hint: error?.hint ?? null }, details };
  const tag = code ? ` (${code})` : status ? ` (HTTP ${status})` : '';
  switch (kind) {
    case 'lease-lost':
      return new SyncLockedError(
        formatMessage(
          'supabase',
          `Could not ${action}: the database refused it because this instance's lease on the tab was lost: it expired, or another instance took the tab${tag}. Nothing of this call was written.`,
          'Let the other run finish, then sync again; if renewals fail, check that Supabase is reachable or raise locks.ttlMs.',
        ),
        options,
      );
    case 'unavailable':
      return new StoreError(
        'STORE_UNAVAILABLE',
        formatMessage(
          'supabase',
          `Could not ${action}: ${status === 0 ? 'the request to Supabase failed before an answer came back' : 'Supabase is unavailable'}${tag}.${failure.writes && status === 0 ? ' The call may or may not have been committed; it was not retried, and the next run converges.' : ''}`,
          'Check that the project is reachable and not paused; the run can be retried, committed batches are kept.',
        ),
        options,
      );
    case 'statement-timeout':
      return new StoreError(
        'STORE_WRITE_FAILED',
        formatMessage(
          'supabase',
          `Could not ${action}: the call ran past the statement timeout and was cancelled${tag}.${failure.writes ? ' Nothing of this call was written.' : ''} It was not retried.`,
          "Lower the engine's batchSize (createSyncEngine({ batchSize })), or raise statement_timeout for the role the calls run as (alter role service_role set statement_timeout = '60s', then notify pgrst, 'reload config').",
        ),
        options,
      );
    case 'function-missing':
      return new StoreError(
        'STORE_SCHEMA_MISMATCH',
        formatMessage(
          'supabase',
          `The SQL function ${schema}.${functionName}(payload) is not installed or not in PostgREST's schema cache${tag}.`,
          `Run the fieldsync migrations on this project (npx fieldsync-supabase-migration --schema ${schema} > supabase/migrations/<timestamp>_fieldsync.sql, then supabase db push), then reload the schema cache (notify pgrst, 'reload schema').`,
        ),
        options,
      );
    case 'schema-not-exposed':
      return new StoreError(
        'STORE_SCHEMA_MISMATCH',
        formatMessage('supabase', `The schema "${schema}" is not exposed through the Data API${tag}.`, `Add ${schema} to "Exposed schemas" in the project's API settings, or pass the schema the fieldsync functions live in to supabaseStore({ schema }).`),
        options,
      );
    case 'permission-denied':
      return new StoreError(
        'STORE_WRITE_FAILED',
        formatMessage(
          'supabase',
          `Could not ${action}: permission denied calling ${schema}.${functionName}${tag}.`,
          'Use a client created with the service-role key (server side only), and apply the grants that supabaseMigrationSql() renders (execute on the fieldsync functions granted to service_role).',
        ),
        options,
      );
    case 'api-key-refused':
      return new StoreError('STORE_WRITE_FAILED', formatMessage('supabase', `Could not ${action}: Supabase refused the API key${tag}.`, "Create the client with the project's service-role key (SUPABASE_SERVICE_ROLE_KEY)."), options);
    case 'schema-mismatch':
      return new StoreError(
        'STORE_SCHEMA_MISMATCH',
        formatMessage('supabase', `Could not ${action}: ${error?.message ?? 'a table, column or function is missing'}${tag}.`, 'Create the entity table or column, or run the fieldsync migrations on this project.'),
        options,
      );
    case 'constraint':
      return new StoreError(
        'STORE_WRITE_FAILED',
        formatMessage('supabase', `Could not ${action}: the write violates ${CONSTRAINTS[code] ?? 'a constraint'}${tag}. Nothing of this call was written.`, 'Fix the mapping or the data, then run the sync again.'),
        options,
      );
    case 'invalid-value':
      return new StoreError(
        'STORE_WRITE_FAILED',
        formatMessage('supabase', `Could not ${action}: a value does not fit its column's type or range${tag}. Nothing of this call was written.`, "Check the column's type against the mapping's transform."),
        options,
      );
    default:
      return new StoreError('STORE_WRITE_FAILED', formatMessage('supabase', `Could not ${action}: ${error?.message ?? 'Supabase answered with an error'}${tag}.`), options);
  }
}
