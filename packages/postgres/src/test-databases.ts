/**
 * Test support (not exported): the databases every suite runs on. PGlite always; the server
 * in DATABASE_URL too when it is set. Each call of `create` makes a schema with a random name,
 * and `cleanup` drops it.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { ColumnType } from '@fieldsync/core';
import { postgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
import type { PgPoolLike } from './pg-driver.js';
import type { PGliteLike } from './pglite-driver.js';

/** A store in a fresh schema, with raw SQL access for setting up and checking. */
export interface TestDatabase {
  store: PostgresStore;
  schema: string;
  /** Runs SQL directly (not through the store). */
  sql<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  createEntityTable(name: string, columns: Record<string, ColumnType>, options?: { uniqueKey?: string }): Promise<void>;
  readEntities(name: string): Promise<Array<Record<string, unknown>>>;
  /** A second store on the same database and schema (another "app instance"), sharing the connection. */
  otherStore(options?: Partial<PostgresStoreOptions>): PostgresStore;
  /** A store with a pool of its own, as another process would open it; undefined for PGlite (one process only). */
  peerStore?(): PostgresStore;
  cleanup(): Promise<void>;
}

/** One database kind the suites run on. */
export interface TestDatabaseKind {
  name: 'PGlite' | 'server';
  create(options?: Partial<PostgresStoreOptions>): Promise<TestDatabase>;
  /** Closes the shared connection; call in afterAll. */
  close(): Promise<void>;
}

const SQL_TYPES: Record<ColumnType, string> = {
  text: 'text',
  numeric: 'numeric',
  integer: 'integer',
  boolean: 'boolean',
  date: 'date',
  timestamptz: 'timestamptz',
  jsonb: 'jsonb',
  'text[]': 'text[]',
  uuid: 'uuid',
  other: 'bytea',
};

export const randomSchema = (): string => `fs_test_${randomBytes(6).toString('hex')}`;

function build(
  connection: { pool: PgPoolLike } | { pglite: PGliteLike },
  run: <Row>(text: string, params?: unknown[]) => Promise<Row[]>,
  options: Partial<PostgresStoreOptions>,
  connectionString?: string,
): TestDatabase {
  const schema = randomSchema();
  const stores: PostgresStore[] = [];
  const makeStore = (extra: Partial<PostgresStoreOptions> = {}) => {
    const store = postgresStore({ ...connection, schema, entitySchema: schema, ...options, ...extra });
    stores.push(store);
    return store;
  };
  const store = makeStore();
  const peer = connectionString
    ? () => {
        const other = postgresStore({ connectionString, schema, entitySchema: schema, ...options });
        stores.push(other);
        return other;
      }
    : undefined;
  return {
    ...(peer && { peerStore: peer }),
    store,
    schema,
    sql: run,
    async createEntityTable(name, columns, tableOptions) {
      await run(`create schema if not exists "${schema}"`);
      const definitions = Object.entries(columns).map(([column, type]) => `"${column}" ${SQL_TYPES[type]}${tableOptions?.uniqueKey === column ? ' unique' : ''}`);
      await run(`create table "${schema}"."${name}" (id uuid primary key default gen_random_uuid()${definitions.map((line) => `, ${line}`).join('')})`);
      store.forgetEntitySchemas();
    },
    async readEntities(name) {
      return run(`select * from "${schema}"."${name}"`);
    },
    otherStore: makeStore,
    async cleanup() {
      for (const each of stores) await each.close?.();
      await run(`drop schema if exists "${schema}" cascade`);
    },
  };
}

function pgliteKind(): TestDatabaseKind {
  let instance: Promise<PGlite> | undefined;
  return {
    name: 'PGlite',
    async create(options = {}) {
      instance ??= PGlite.create();
      const pglite = await instance;
      return build({ pglite: pglite as unknown as PGliteLike }, async <Row>(text: string, params?: unknown[]) => (await pglite.query<Row>(text, params)).rows, options);
    },
    async close() {
      if (instance) await (await instance).close();
      instance = undefined;
    },
  };
}

function serverKind(connectionString: string): TestDatabaseKind {
  let pool: pg.Pool | undefined;
  return {
    name: 'server',
    async create(options = {}) {
      pool ??= new pg.Pool({ connectionString, max: 8 });
      pool.on('error', () => {});
      const shared = pool;
      return build({ pool: shared as unknown as PgPoolLike }, async <Row>(text: string, params?: unknown[]) => (await shared.query(text, params)).rows as Row[], options, connectionString);
    },
    async close() {
      await pool?.end();
      pool = undefined;
    },
  };
}

/** PGlite always; the server too when DATABASE_URL is set. */
export function testDatabaseKinds(): TestDatabaseKind[] {
  const kinds = [pgliteKind()];
  if (process.env.DATABASE_URL) kinds.push(serverKind(process.env.DATABASE_URL));
  return kinds;
}
