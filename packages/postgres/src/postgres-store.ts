import { ConfigurationError, StoreError, formatMessage, isValidIdentifier } from '@fieldsync/core';
import type {
  ApplyBatch,
  ApplyResult,
  ConflictQuery,
  ConflictRecord,
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
import { tryAdvisoryLock } from './advisory-locks.js';
import { isEmptyPayload, toBatchPayload } from './batch-payload.js';
import { fingerprintMap } from './fingerprints.js';
import { fromColumnValue, type DescribedEntity } from './column-values.js';
import { entitySchemaCache } from './entity-schemas.js';
import { migrate, resolveNames, type FieldsyncTableNames } from './migrate.js';
import { createPgPool, pgDriver, type PgPoolLike } from './pg-driver.js';
import { openPglite, pgliteDriver, type PGliteLike } from './pglite-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { toStoreError } from './store-errors.js';
import { conflictFromRow, decodeCursor, encodeCursor, lineageFromRow, runFromRow } from './store-records.js';

/** Options of {@link postgresStore}. Give at most one of `pool`, `connectionString`, `pglite`, `dataDir`. */
export interface PostgresStoreOptions {
  /** A `pg` Pool you own (left open by `close()`). */
  pool?: PgPoolLike;
  /** A server to connect to; `pg` is imported and a pool created (and closed by `close()`). @example 'postgres://user@localhost:5432/app' */
  connectionString?: string;
  /** A PGlite instance you own (left open by `close()`). */
  pglite?: PGliteLike;
  /** A directory for embedded PGlite, or `memory://` for an in-memory database. @default './.fieldsync/pglite' when no connection is given */
  dataDir?: string;
  /** Schema of fieldsync's tables and functions. @default 'public' */
  schema?: string;
  /** Schema of the entity tables. @default 'public' */
  entitySchema?: string;
  /** Table renames, e.g. `{ syncRuns: 'import_runs' }`. */
  tables?: Partial<FieldsyncTableNames>;
  /** Run the migrations on first use. Turn off when your own migration tool applied them. @default true */
  migrate?: boolean;
}

/** A {@link Store} on PostgreSQL, with what hosts and the Supabase store reuse. */
export interface PostgresStore extends Store {
  readonly schema: string;
  readonly entitySchema: string;
  /** The connection (after init), for the host's own queries and tests. */
  driver(): Promise<SqlDriver>;
  /** Calls one of the `fieldsync_*` SQL functions with its jsonb payload and returns its jsonb result. */
  callFunction<Result = unknown>(name: string, payload: Record<string, unknown>, action: string): Promise<Result>;
  /** Forgets cached entity table descriptions (after the host alters a table). */
  forgetEntitySchemas(): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function checkIdentifier(name: string, what: string): void {
  if (!isValidIdentifier(name)) {
    throw new ConfigurationError(
      formatMessage('postgres', `Refusing the ${what} name ${JSON.stringify(name.slice(0, 80))}: not a plain identifier.`, 'Use letters, digits and underscores only (at most 63), starting with a letter or underscore.'),
      { issues: [{ path: what, message: 'not a plain identifier' }] },
    );
  }
}

function checkOptions(options: PostgresStoreOptions): void {
  const given = (['pool', 'connectionString', 'pglite', 'dataDir'] as const).filter((name) => options[name] !== undefined);
  if (given.length > 1) {
    throw new ConfigurationError(formatMessage('postgres', `Got ${given.join(' and ')}; the store connects one way.`, 'Pass only one of pool, connectionString, pglite or dataDir to postgresStore().'), {
      issues: given.map((path) => ({ path, message: 'only one connection option is allowed' })),
    });
  }
  if (options.entitySchema !== undefined) checkIdentifier(options.entitySchema, 'entitySchema');
}

async function openDriver(options: PostgresStoreOptions): Promise<SqlDriver> {
  if (options.pool) return pgDriver({ pool: options.pool });
  if (options.connectionString) return pgDriver({ pool: await createPgPool(options.connectionString), ownsPool: true });
  if (options.pglite) return pgliteDriver({ pglite: options.pglite });
  return pgliteDriver({ pglite: await openPglite(options.dataDir ?? './.fieldsync/pglite'), ownsInstance: true });
}

/**
 * The fieldsync {@link Store} on PostgreSQL: a server through `pg`, or embedded PGlite. Every
 * write batch is one call of the SQL function `fieldsync_apply_batch` (one transaction,
 * set-based statements); every read of a batch's entities is one call of
 * `fieldsync_load_entities`. The migrations (run on first use) install the tables and functions.
 *
 * @example
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL });
 * const engine = createSyncEngine({ store, strategies: [...], config: mapping });
 */
export function postgresStore(options: PostgresStoreOptions = {}): PostgresStore {
  checkOptions(options);
  const { schema, tables } = resolveNames({ ...(options.schema !== undefined && { schema: options.schema }), ...(options.tables && { tables: options.tables }) });
  const entitySchema = options.entitySchema ?? 'public';
  let opening: Promise<SqlDriver> | undefined;
  let closed = false;

  function ready(): Promise<SqlDriver> {
    if (closed) return Promise.reject(new StoreError('DISPOSED', formatMessage('postgres', 'The store is closed.', 'Create a new postgresStore().')));
    opening ??= (async () => {
      let driver: SqlDriver | undefined;
      try {
        driver = await openDriver(options);
        if (options.migrate !== false) await migrate(driver, { schema, tables });
        return driver;
      } catch (error) {
        opening = undefined;
        await driver?.close().catch(() => {});
        throw toStoreError(error, 'open the database');
      }
    })();
    return opening;
  }

  async function callFunction<Result>(name: string, payload: Record<string, unknown>, action: string): Promise<Result> {
    const driver = await ready();
    try {
      const { rows } = await driver.query<{ result: Result }>(`select "${schema}".${name}($1::jsonb) as result`, [JSON.stringify(payload)]);
      return rows[0]?.result as Result;
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  const entities = entitySchemaCache({
    scope: 'postgres',
    entitySchema,
    describe: (entity) => callFunction<DescribedEntity | null>('fieldsync_describe_entity', { entitySchema, entity }, `describe table ${entity}`),
  });
  const describe = async (entity: string) => {
    checkIdentifier(entity, 'entity table');
    return entities.describe(entity);
  };
  const requireEntity = async (entity: string) => {
    checkIdentifier(entity, 'entity table');
    return entities.require(entity);
  };

  async function page<T>(name: string, payload: Record<string, unknown>, action: string, map: (row: Record<string, unknown>) => T, cursorColumn: string): Promise<Page<T>> {
    let cursor: { at: string; id: string } | null;
    try {
      cursor = decodeCursor(payload.cursor as string | null | undefined);
    } catch (error) {
      throw new StoreError('STORE_WRITE_FAILED', formatMessage('postgres', 'The page cursor is not one this store made.', 'Pass the nextCursor of a previous page, or null for the first page.'), { cause: error });
    }
    const result = await callFunction<{ items: Array<Record<string, unknown>>; pageSize: number }>(name, { ...payload, cursor }, action);
    const items = result.items.slice(0, result.pageSize);
    const last = items[items.length - 1];
    return {
      items: items.map(map),
      nextCursor: result.items.length > result.pageSize && last ? encodeCursor(last[cursorColumn], last.id) : null,
    };
  }

  // A pool (or connection string) reaches a server, in another process; PGlite runs on this thread.
  const serverBacked = options.pglite === undefined && options.dataDir === undefined && (options.pool !== undefined || options.connectionString !== undefined);
  return {
    capabilities: { transactions: true, crossProcessLocks: serverBacked, remote: serverBacked },
    schema,
    entitySchema,
    driver: ready,
    callFunction,
    forgetEntitySchemas: () => entities.forget(),

    async init() {
      await ready();
    },

    describeEntity: (entity) => describe(entity),

    async loadEntities(request: LoadRequest): Promise<Map<string, ExistingEntity>> {
      const entitySchemaOf = await requireEntity(request.entity);
      checkIdentifier(request.keyField, 'key field');
      for (const field of request.fields) checkIdentifier(field, 'field');
      const found = new Map<string, ExistingEntity>();
      if (request.keys.length === 0) return found;
      const result = await callFunction<{ fields: string[]; rows: Array<[string, string, ...unknown[]]>; versions?: string[]; owners: Record<string, Record<string, string | null>> }>(
        'fieldsync_load_entities',
        { entitySchema, entity: request.entity, keyField: request.keyField, idColumn: entitySchemaOf.idColumn, keys: request.keys, fields: request.fields, withOwners: request.withOwners, withVersions: request.withVersions ?? false },
        `load entities from ${request.entity}`,
      );
      const types = result.fields.map((field) => entitySchemaOf.columns.get(field)?.type);
      for (const [position, row] of result.rows.entries()) {
        const id = row[0];
        const key = row[1];
        const values: ExistingEntity['values'] = {};
        for (let index = 0; index < result.fields.length; index++) values[result.fields[index]!] = fromColumnValue(row[index + 2], types[index]);
        const entity: ExistingEntity = { id, key, values };
        const version = result.versions?.[position];
        if (version !== undefined) entity.version = version;
        if (request.withOwners) {
          const owners: Record<string, string | null> = {};
          const stored = result.owners[id] ?? {};
          for (const field of request.fields) if (field in stored) owners[field] = stored[field] ?? null;
          entity.owners = owners;
        }
        found.set(key, entity);
      }
      return found;
    },

    async loadFingerprints(request: FingerprintRequest): Promise<Map<string, number>> {
      const entitySchemaOf = await requireEntity(request.entity);
      checkIdentifier(request.keyField, 'key field');
      if (!UUID.test(request.tabMappingId)) return new Map();
      const result = await callFunction<{ keys: unknown; hashes: unknown }>(
        'fieldsync_load_fingerprints',
        { entitySchema, entity: request.entity, keyField: request.keyField, idColumn: entitySchemaOf.idColumn, tabMappingId: request.tabMappingId },
        `load the row fingerprints of ${request.entity}`,
      );
      return fingerprintMap(result);
    },

    async applyBatch(batch: ApplyBatch): Promise<ApplyResult> {
      const entitySchemaOf = await requireEntity(batch.entity);
      checkIdentifier(batch.keyField, 'key field');
      const payload = toBatchPayload(batch, entitySchemaOf, { entitySchema });
      // The columns written, checked once per group of rows writing the same ones (not per row).
      for (const group of [...payload.creates, ...payload.updates]) for (const field of group.columns) checkIdentifier(field, 'field');
      if (isEmptyPayload(payload)) return { created: 0, updated: 0, deleted: 0, lineage: 0, conflicts: 0 };
      return callFunction<ApplyResult>('fieldsync_apply_batch', payload as unknown as Record<string, unknown>, `write a batch to ${batch.entity}`);
    },

    async createRun(run: NewRun): Promise<RunRecord> {
      return runFromRow(await callFunction('fieldsync_create_run', { ...run }, 'record a new run'));
    },

    async heartbeatRun(runId: string): Promise<void> {
      if (!UUID.test(runId)) return;
      await callFunction('fieldsync_heartbeat_run', { runId }, 'record a run heartbeat');
    },

    async finishRun(runId: string, outcome: RunOutcome): Promise<RunRecord> {
      const row = UUID.test(runId)
        ? await callFunction<Record<string, unknown> | null>(
            'fieldsync_finish_run',
            { runId, status: outcome.status, stats: outcome.stats, errors: outcome.errors, warnings: outcome.warnings, failure: outcome.status === 'failed' ? outcome.failure : null },
            'finish the run',
          )
        : null;
      if (!row) throw new StoreError('STORE_WRITE_FAILED', formatMessage('postgres', `No run ${runId} to finish.`, 'Finish a run returned by createRun().'));
      return runFromRow(row);
    },

    async failStaleRuns(query: { staleAfterMs: number; tabMappingId?: string }): Promise<number> {
      const result = await callFunction<{ failed: number }>('fieldsync_fail_stale_runs', { ...query }, 'fail abandoned runs');
      return result.failed;
    },

    async getRun(runId: string): Promise<RunRecord | null> {
      if (!UUID.test(runId)) return null;
      const row = await callFunction<Record<string, unknown> | null>('fieldsync_get_run', { runId }, 'read a run');
      return row ? runFromRow(row) : null;
    },

    listRuns: (query: RunQuery = {}) => page('fieldsync_list_runs', { ...query }, 'list runs', runFromRow, 'started_at'),

    async getState(tabMappingId: string): Promise<JsonValue | null> {
      const result = await callFunction<{ found: boolean; cursor: JsonValue }>('fieldsync_get_state', { tabMappingId }, 'read the sync state');
      return result.found ? result.cursor : null;
    },

    async resetState(tabMappingId: string): Promise<void> {
      await callFunction('fieldsync_reset_state', { tabMappingId }, 'reset the sync state');
    },

    async fieldHistory(query: { entityType: string; entityId: string; fieldName: string; limit?: number }): Promise<LineageRecord[]> {
      if (!UUID.test(query.entityId)) return [];
      const rows = await callFunction<Array<Record<string, unknown>>>('fieldsync_field_history', { ...query }, 'read field history');
      return rows.map(lineageFromRow);
    },

    listConflicts: (query: ConflictQuery = {}) => {
      if (query.entityId !== undefined && !UUID.test(query.entityId)) return Promise.resolve({ items: [], nextCursor: null });
      return page('fieldsync_list_conflicts', { ...query }, 'list conflicts', conflictFromRow, 'created_at');
    },

    async resolveConflict(request: { conflictId: string; resolution: 'keep_current' | 'apply_losing_value'; resolvedBy: string | null }): Promise<ConflictRecord> {
      const notFound = () =>
        new StoreError('CONFLICT_NOT_FOUND', formatMessage('postgres', `No open conflict ${request.conflictId}.`, 'List open conflicts with listConflicts({ status: "open" }); a resolved conflict cannot be resolved again.'));
      if (!UUID.test(request.conflictId)) throw notFound();
      const driver = await ready();
      try {
        const { rows } = await driver.query<{ result: Record<string, unknown> }>(`select "${schema}".fieldsync_resolve_conflict($1::jsonb) as result`, [
          JSON.stringify({ ...request, entitySchema }),
        ]);
        return conflictFromRow(rows[0]!.result);
      } catch (error) {
        if ((error as { code?: unknown }).code === 'P0002') throw notFound();
        throw toStoreError(error, 'resolve the conflict');
      }
    },

    async tryLock(key: string): Promise<StoreLock | null> {
      return tryAdvisoryLock(await ready(), `fieldsync:${schema}:${key}`);
    },

    async close() {
      if (closed) return;
      closed = true;
      const driver = await opening?.catch(() => undefined);
      await driver?.close();
    },
  };
}
