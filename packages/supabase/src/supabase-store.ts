import { ConfigurationError, StoreError, SyncLockedError, formatMessage, isValidIdentifier } from '@fieldsync/core';
import type {
  ApplyBatch,
  ApplyResult,
  ConflictQuery,
  ConflictRecord,
  ConflictResolution,
  EntitySchema,
  ExistingEntity,
  JsonValue,
  LineageRecord,
  FingerprintRequest,
  LoadRequest,
  NewRun,
  Page,
  RunOutcome,
  RunQuery,
  RunRecord,
  Store,
  StoreLock,
} from '@fieldsync/core';
import { conflictFromRow, fingerprintMap, isEmptyPayload, type FingerprintAnswer, lineageFromRow, runFromRow, toBatchPayload, entitySchemaCache, type DescribedEntity } from '@fieldsync/postgres';
import { DEFAULT_MAX_ROWS_PER_CALL, readAll, readPaged } from './history-pages.js';
import { leaseOptionIssues, tryLeaseLock, type LeaseLock, type LeaseLockOptions } from './lease-lock.js';
import { entitiesFromLoadAnswer } from './loaded-entities.js';
import { createRpcCaller, unexpectedAnswer, type SupabaseClientLike, type SupabaseRetryOptions } from './rpc-caller.js';

/** Options of {@link supabaseStore}. */
export interface SupabaseStoreOptions {
  /**
   * Your supabase-js client, created on the server with the service-role key. The store only
   * calls `.rpc()` (and `.schema()` when `schema` is given).
   * @example createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!, { auth: { persistSession: false } })
   */
  client: SupabaseClientLike;
  /**
   * Schema of fieldsync's tables and SQL functions (as given to the migrations). It must be
   * exposed through the Data API. When omitted, calls go to the client's own schema.
   * @default the client's schema (`public`)
   */
  schema?: string;
  /** Schema of the entity tables. @default 'public' */
  entitySchema?: string;
  /** Retries of idempotent calls (reads, locks, heartbeats) on network errors and 5xx answers. Writes are never retried. */
  retry?: SupabaseRetryOptions;
  /**
   * Lease lock timing. A lease whose renewals stop for longer than `ttlMs` is treated as lost:
   * later `applyBatch` calls for that tab reject with `SYNC_LOCKED`. `renewEveryMs` must be below `ttlMs`.
   */
  locks?: LeaseLockOptions;
  /** Rows one call may return: the project's `db-max-rows`. Longer history reads are fetched in pages. @default 1000 */
  maxRowsPerCall?: number;
}

/** The {@link Store} over supabase-js that {@link supabaseStore} returns. */
export interface SupabaseStore extends Store {
  /** Schema of fieldsync's functions and tables (`public` when the client's own is used). */
  readonly schema: string;
  readonly entitySchema: string;
  /** Forgets cached entity table descriptions (after the host alters a table). */
  forgetEntitySchemas(): void;
}

/** The key the engine locks a tab with (core's runTab): `fieldsync:tab:<tabMappingId>`. */
const tabLockKey = (tabMappingId: string) => `fieldsync:tab:${tabMappingId}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

function identifierIssue(name: string | undefined, path: string): Array<{ path: string; message: string }> {
  return name === undefined || isValidIdentifier(name) ? [] : [{ path, message: 'must be a plain identifier (letters, digits, underscore)' }];
}

function checkOptions(options: SupabaseStoreOptions): void {
  const issues = [...identifierIssue(options.schema, 'schema'), ...identifierIssue(options.entitySchema, 'entitySchema')];
  if (typeof options.client?.rpc !== 'function') issues.unshift({ path: 'client', message: 'must be a supabase-js client (an object with rpc())' });
  else if (options.schema !== undefined && typeof options.client.schema !== 'function') {
    // Without .schema() every call would quietly go to the client's own schema.
    issues.push({ path: 'schema', message: 'needs a client with .schema(name): upgrade @supabase/supabase-js, or drop the schema option (or create the client with db: { schema })' });
  }
  issues.push(...leaseOptionIssues(options.locks));
  if (options.maxRowsPerCall !== undefined && !(Number.isInteger(options.maxRowsPerCall) && options.maxRowsPerCall > 0)) {
    issues.push({ path: 'maxRowsPerCall', message: 'must be a positive integer' });
  }
  if (issues.length > 0) {
    throw new ConfigurationError(
      formatMessage('supabase', `Invalid options: ${issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}.`, 'Pass supabaseStore({ client: createClient(url, serviceRoleKey), schema?: "public" }).'),
      { issues },
    );
  }
}

function checkIdentifier(name: string, what: string): void {
  if (!isValidIdentifier(name)) {
    throw new ConfigurationError(
      formatMessage('supabase', `Refusing the ${what} name ${JSON.stringify(name.slice(0, 80))}: not a plain identifier.`, 'Use letters, digits and underscores only (at most 63), starting with a letter or underscore.'),
      { issues: [{ path: what, message: 'not a plain identifier' }] },
    );
  }
}

/**
 * The fieldsync {@link Store} over the host's supabase-js client. Every read and write is one
 * `.rpc()` call of a `fieldsync_*` SQL function that the @fieldsync/postgres migrations install
 * (the same functions the Postgres store calls): a batch is one call, and so one transaction,
 * even over HTTP. Keys travel in the request body, never in a URL. Reads, lock calls and
 * heartbeats are retried on network errors and 5xx answers; writes never are.
 *
 * @example
 * const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!, { auth: { persistSession: false } });
 * const engine = createSyncEngine({ store: supabaseStore({ client: supabase }), strategies: [...], config });
 */
export function supabaseStore(options: SupabaseStoreOptions): SupabaseStore {
  checkOptions(options);
  const rpc = createRpcCaller(options.client, options.schema, options.retry);
  const schema = options.schema ?? 'public';
  const entitySchema = options.entitySchema ?? 'public';
  const maxRowsPerCall = options.maxRowsPerCall ?? DEFAULT_MAX_ROWS_PER_CALL;
  const heldLocks = new Set<LeaseLock>();
  let closed = false;

  const disposed = () => new StoreError('DISPOSED', formatMessage('supabase', 'The store is closed.', 'Create a new supabaseStore().'));

  function call<Result>(functionName: string, payload: Record<string, unknown>, action: string, idempotent: boolean): Promise<Result> {
    if (closed) return Promise.reject(disposed());
    return rpc.call<Result>(functionName, payload, { action, idempotent });
  }

  const entities = entitySchemaCache({
    scope: 'supabase',
    entitySchema,
    describe: (entity) => call<DescribedEntity | null>('fieldsync_describe_entity', { entitySchema, entity }, `describe table ${entity}`, true),
  });
  const describe = async (entity: string) => {
    checkIdentifier(entity, 'entity table');
    return entities.describe(entity);
  };
  const requireEntity = async (entity: string) => {
    checkIdentifier(entity, 'entity table');
    return entities.require(entity);
  };

  function listed<T>(functionName: string, filters: Record<string, unknown>, query: { limit?: number; cursor?: string | null }, action: string, map: (row: Record<string, unknown>) => T, cursorColumn: string): Promise<Page<T>> {
    return readPaged({
      limit: query.limit ?? 50,
      cursor: query.cursor,
      maxRowsPerCall,
      cursorColumn,
      map,
      fetch: async (limit, cursor) => {
        const result = await call<{ items?: Array<Record<string, unknown>>; pageSize?: number } | null>(functionName, { ...filters, limit, cursor }, action, true);
        if (!result || !Array.isArray(result.items) || typeof result.pageSize !== 'number') throw unexpectedAnswer(functionName);
        return { items: result.items, pageSize: result.pageSize };
      },
    });
  }

  return {
    capabilities: { transactions: true, crossProcessLocks: true, remote: true },
    schema,
    entitySchema,
    forgetEntitySchemas: () => entities.forget(),

    async init() {
      // Fails early, with the migration fix, when the functions are missing or not exposed.
      await call('fieldsync_get_state', { tabMappingId: NIL_UUID }, 'check that the fieldsync functions are installed', true);
    },

    describeEntity: (entity) => describe(entity),

    async loadEntities(request: LoadRequest): Promise<Map<string, ExistingEntity>> {
      const described = await requireEntity(request.entity);
      checkIdentifier(request.keyField, 'key field');
      for (const field of request.fields) checkIdentifier(field, 'field');
      if (request.keys.length === 0) return new Map();
      const answer = await call<unknown>(
        'fieldsync_load_entities',
        { entitySchema, entity: request.entity, keyField: request.keyField, idColumn: described.idColumn, keys: request.keys, fields: request.fields, withOwners: request.withOwners, withVersions: request.withVersions ?? false },
        `load entities from ${request.entity}`,
        true,
      );
      return entitiesFromLoadAnswer(answer, described, request);
    },

    async loadFingerprints(request: FingerprintRequest): Promise<Map<string, number>> {
      const described = await requireEntity(request.entity);
      checkIdentifier(request.keyField, 'key field');
      if (!UUID.test(request.tabMappingId)) return new Map();
      const answer = await call<FingerprintAnswer | null>(
        'fieldsync_load_fingerprints',
        { entitySchema, entity: request.entity, keyField: request.keyField, idColumn: described.idColumn, tabMappingId: request.tabMappingId },
        `load the row fingerprints of ${request.entity}`,
        true,
      );
      return fingerprintMap(answer);
    },

    async applyBatch(batch: ApplyBatch): Promise<ApplyResult> {
      if (closed) throw disposed();
      const lockKey = tabLockKey(batch.tabMappingId);
      let tabLease: LeaseLock | undefined;
      for (const lock of heldLocks) {
        if (lock.key !== lockKey) continue;
        if (lock.held()) {
          tabLease = lock;
          continue;
        }
        throw new SyncLockedError(
          formatMessage(
            'supabase',
            `The lease on tab ${batch.tabMappingId} was lost: another instance took the tab (a renewal found another holder, or none succeeded within locks.ttlMs). This batch was not written.`,
            'Let the other run finish, then sync again; if renewals fail, check that Supabase is reachable or raise locks.ttlMs.',
          ),
          { details: { tabMappingId: batch.tabMappingId, lockKey } },
        );
      }
      const described = await requireEntity(batch.entity);
      checkIdentifier(batch.keyField, 'key field');
      const payload = toBatchPayload(batch, described, { entitySchema });
      // The columns written, checked once per group of rows writing the same ones (not per row).
      for (const group of [...payload.creates, ...payload.updates]) for (const field of group.columns) checkIdentifier(field, 'field');
      if (isEmptyPayload(payload)) return { created: 0, updated: 0, deleted: 0, lineage: 0, conflicts: 0 };
      // The function checks the lease in the batch's own transaction (SQLSTATE FS001 → SYNC_LOCKED):
      // the check above cannot stop a batch sent just before the lease runs out from committing after it.
      if (tabLease) payload.lock = { key: lockKey, holder: tabLease.holder };
      const result = await call<ApplyResult | null>('fieldsync_apply_batch', payload as unknown as Record<string, unknown>, `write a batch to ${batch.entity}`, false);
      if (!result) throw unexpectedAnswer('fieldsync_apply_batch');
      return { created: Number(result.created), updated: Number(result.updated), deleted: Number(result.deleted), lineage: Number(result.lineage), conflicts: Number(result.conflicts) };
    },

    async createRun(run: NewRun): Promise<RunRecord> {
      const row = await call<Record<string, unknown> | null>('fieldsync_create_run', { ...run }, 'record a new run', false);
      if (!row) throw unexpectedAnswer('fieldsync_create_run');
      return runFromRow(row);
    },

    async heartbeatRun(runId: string): Promise<void> {
      if (!UUID.test(runId)) return;
      await call('fieldsync_heartbeat_run', { runId }, 'record a run heartbeat', true);
    },

    async finishRun(runId: string, outcome: RunOutcome): Promise<RunRecord> {
      const row = UUID.test(runId)
        ? await call<Record<string, unknown> | null>(
            'fieldsync_finish_run',
            { runId, status: outcome.status, stats: outcome.stats, errors: outcome.errors, warnings: outcome.warnings, failure: outcome.status === 'failed' ? outcome.failure : null },
            'finish the run',
            // Sets the run to fixed values: a replay after a lost answer writes the same again.
            true,
          )
        : null;
      if (!row) throw new StoreError('STORE_WRITE_FAILED', formatMessage('supabase', `No run ${runId} to finish.`, 'Finish a run returned by createRun().'));
      return runFromRow(row);
    },

    async failStaleRuns(query: { staleAfterMs: number; tabMappingId?: string }): Promise<number> {
      // A plain update to fixed values, so retried: a replay finds the runs already failed.
      const result = await call<{ failed?: number } | null>('fieldsync_fail_stale_runs', { ...query }, 'fail abandoned runs', true);
      return Number(result?.failed ?? 0);
    },

    async getRun(runId: string): Promise<RunRecord | null> {
      if (!UUID.test(runId)) return null;
      const row = await call<Record<string, unknown> | null>('fieldsync_get_run', { runId }, 'read a run', true);
      return row ? runFromRow(row) : null;
    },

    listRuns(query: RunQuery = {}): Promise<Page<RunRecord>> {
      const { limit: _limit, cursor: _cursor, ...filters } = query;
      return listed('fieldsync_list_runs', filters, query, 'list runs', runFromRow, 'started_at');
    },

    async getState(tabMappingId: string): Promise<JsonValue | null> {
      const result = await call<{ found?: boolean; cursor?: JsonValue } | null>('fieldsync_get_state', { tabMappingId }, 'read the sync state', true);
      return result?.found ? (result.cursor ?? null) : null;
    },

    async resetState(tabMappingId: string): Promise<void> {
      await call('fieldsync_reset_state', { tabMappingId }, 'reset the sync state', true);
    },

    async fieldHistory(query: { entityType: string; entityId: string; fieldName: string; limit?: number }): Promise<LineageRecord[]> {
      if (!UUID.test(query.entityId)) return [];
      const rows = await readAll({
        limit: Math.max(1, Math.floor(query.limit ?? 50)),
        maxRowsPerCall,
        cursorColumn: 'changed_at',
        fetch: async (limit, cursor) => {
          const page = await call<Array<Record<string, unknown>> | null>(
            'fieldsync_field_history',
            { entityType: query.entityType, entityId: query.entityId, fieldName: query.fieldName, limit, ...(cursor && { cursor }) },
            'read field history',
            true,
          );
          if (!Array.isArray(page)) throw unexpectedAnswer('fieldsync_field_history');
          return page;
        },
      });
      return rows.map(lineageFromRow);
    },

    listConflicts(query: ConflictQuery = {}): Promise<Page<ConflictRecord>> {
      if (query.entityId !== undefined && !UUID.test(query.entityId)) return Promise.resolve({ items: [], nextCursor: null });
      const { limit: _limit, cursor: _cursor, ...filters } = query;
      return listed('fieldsync_list_conflicts', filters, query, 'list conflicts', conflictFromRow, 'created_at');
    },

    async resolveConflict(request: { conflictId: string; resolution: ConflictResolution; resolvedBy: string | null }): Promise<ConflictRecord> {
      const notFound = () =>
        new StoreError('CONFLICT_NOT_FOUND', formatMessage('supabase', `No open conflict ${request.conflictId}.`, 'List open conflicts with listConflicts({ status: "open" }); a resolved conflict cannot be resolved again.'));
      if (!UUID.test(request.conflictId)) throw notFound();
      let row: Record<string, unknown> | null;
      try {
        row = await call<Record<string, unknown> | null>('fieldsync_resolve_conflict', { ...request, entitySchema }, 'resolve the conflict', false);
      } catch (error) {
        if (StoreError.isInstance(error) && error.details?.code === 'P0002') throw notFound();
        throw error;
      }
      if (!row) throw notFound();
      return conflictFromRow(row);
    },

    async tryLock(key: string): Promise<StoreLock | null> {
      if (closed) throw disposed();
      const lock = await tryLeaseLock(rpc, key, options.locks);
      if (!lock) return null;
      heldLocks.add(lock);
      return {
        async release() {
          // Forgotten on release: the tab's next lock starts afresh.
          heldLocks.delete(lock);
          await lock.release();
        },
      };
    },

    async close() {
      if (closed) return;
      // Free the leases still held, so another process does not wait for them to expire.
      await Promise.allSettled([...heldLocks].map((lock) => lock.release()));
      heldLocks.clear();
      closed = true;
    },
  };
}
