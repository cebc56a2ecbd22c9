import pRetry, { AbortError } from 'p-retry';
import { ConfigurationError, FieldsyncError, StoreError, formatMessage } from '@fieldsync/core';
import { toRpcStoreError, type SupabaseRpcError } from './rpc-errors.js';

/** What `.rpc()` resolves to: supabase-js returns errors instead of throwing. */
export interface SupabaseRpcResponse {
  data: unknown;
  error: SupabaseRpcError | null;
  status: number;
}

/** The part of a supabase-js client (or its `.schema(name)`) that calls SQL functions. */
export interface SupabaseRpcTarget {
  /** `POST /rest/v1/rpc/<fn>` with `args` as the JSON body; the builder is a thenable. */
  rpc(fn: string, args?: Record<string, unknown>): PromiseLike<SupabaseRpcResponse>;
}

/**
 * The part of a supabase-js client the store uses (a structural type: supabase-js stays a peer).
 * A `SupabaseClient` from `createClient(url, serviceRoleKey)` fits.
 */
export interface SupabaseClientLike extends SupabaseRpcTarget {
  /** Selects the schema (Content-Profile header) the functions live in. */
  schema?(schema: string): SupabaseRpcTarget;
}

/** Retries of idempotent calls (reads, locks) on network errors and 5xx answers. */
export interface SupabaseRetryOptions {
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** Wait before the first retry, doubled for each next one. @default 200 */
  minTimeoutMs?: number;
}

/** One way of calling the fieldsync SQL functions. */
export interface RpcCaller {
  /**
   * Calls `<schema>.<functionName>(payload := ...)`. `idempotent` calls are retried on network
   * errors and 5xx answers; others never are (their outcome is unknown after a lost answer).
   */
  call<Result>(functionName: string, payload: Record<string, unknown>, options: { action: string; idempotent: boolean }): Promise<Result>;
}

/** Builds the caller the store uses for every function. */
export function createRpcCaller(client: SupabaseClientLike, schema: string | undefined, retry: SupabaseRetryOptions = {}): RpcCaller {
  if (schema !== undefined && typeof client.schema !== 'function') {
    // Calling client.rpc() instead would quietly use the client's own schema.
    throw new ConfigurationError(
      formatMessage('supabase', `The option schema "${schema}" needs a supabase-js client with .schema(name), and this client has none.`, 'Upgrade @supabase/supabase-js, or drop the schema option (or create the client with db: { schema }).'),
      { issues: [{ path: 'schema', message: 'the client has no .schema()' }] },
    );
  }
  const target: SupabaseRpcTarget = schema !== undefined && client.schema ? client.schema(schema) : client;
  const schemaName = schema ?? 'public';

  async function once<Result>(functionName: string, payload: Record<string, unknown>, action: string, idempotent: boolean): Promise<Result> {
    let response: SupabaseRpcResponse;
    try {
      response = await target.rpc(functionName, { payload });
    } catch (error) {
      // supabase-js catches fetch failures itself; a throw here is a custom fetch or a bug.
      response = { data: null, error: { message: error instanceof Error ? error.message : String(error), code: '' }, status: 0 };
    }
    if (!response.error) return response.data as Result;
    throw toRpcStoreError({ functionName, schema: schemaName, action, status: response.status, error: response.error, writes: !idempotent });
  }

  return {
    async call<Result>(functionName: string, payload: Record<string, unknown>, options: { action: string; idempotent: boolean }): Promise<Result> {
      if (!options.idempotent) return once<Result>(functionName, payload, options.action, false);
      return pRetry(
        async () => {
          try {
            return await once<Result>(functionName, payload, options.action, true);
          } catch (error) {
            const kind = FieldsyncError.isInstance(error) ? (error.details?.kind as string | undefined) : undefined;
            if (kind !== 'unavailable') throw new AbortError(error as Error);
            throw error;
          }
        },
        { retries: retry.retries ?? 3, minTimeout: retry.minTimeoutMs ?? 200, factor: 2 },
      );
    },
  };
}

/** A store error for an answer that is not the shape the SQL function returns. */
export function unexpectedAnswer(functionName: string): StoreError {
  return new StoreError(
    'STORE_WRITE_FAILED',
    formatMessage('supabase', `The function ${functionName} answered with an unexpected shape.`, 'Run the fieldsync migrations again so the functions match this version of @fieldsync/supabase.'),
  );
}
