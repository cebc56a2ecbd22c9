/**
 * Test support (not exported): a Supabase store over the real supabase-js client, talking to the
 * PostgREST emulator, which runs every call on real Postgres: PGlite always, the server in
 * DATABASE_URL too when it is set. On PGlite the Supabase roles exist with Supabase's default
 * privileges, fieldsync is installed with migrateSupabase() and the calls run as service_role
 * (on a server roles are cluster-wide and shared, so calls run as the connection's user). Each `create()` makes a schema with a random name (fieldsync's
 * tables, functions and the entity tables all live there) and `cleanup()` drops it.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createClient } from '@supabase/supabase-js';
import type { ColumnType } from '@fieldsync/core';
import { pgDriver, pgliteDriver, type PGliteLike, type PgPoolLike, type SqlDriver } from '@fieldsync/postgres';
import { migrateSupabase } from './migrate-supabase.js';
import { supabaseStore, type SupabaseStore, type SupabaseStoreOptions } from './supabase-store.js';
import { startPostgrestEmulator, type PostgrestEmulator, type PostgrestEmulatorOptions } from './testing/postgrest-emulator.js';

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

/** The key the tests' clients send. Never printed by the store. */
export const SERVICE_ROLE_KEY = 'service-role-key';

/** A supabase-js client on the emulator, as a host would create it on the server. */
export function testClient(url: string, key: string = SERVICE_ROLE_KEY, schema?: string) {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(schema !== undefined && { db: { schema } }),
  });
}

/** A fresh schema with fieldsync installed, an emulator on it, and a store over supabase-js. */
export interface TestBackend {
  schema: string;
  /** The database connection the emulator runs calls on. */
  driver: SqlDriver;
  emulator: PostgrestEmulator;
  store: SupabaseStore;
  /** Runs SQL directly on the database (not through the emulator). */
  sql<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<Row[]>;
  /** Another store over its own client, as another app instance would open it. */
  otherStore(options?: Partial<SupabaseStoreOptions>): SupabaseStore;
  createEntityTable(name: string, columns: Record<string, ColumnType>, options?: { uniqueKey?: string }): Promise<void>;
  readEntities(name: string): Promise<Array<Record<string, unknown>>>;
  cleanup(): Promise<void>;
}

/** One database kind the tests run on. */
export interface TestBackendKind {
  name: 'PGlite' | 'server';
  /** PGlite: the Supabase roles exist and the store's calls run as service_role. */
  readonly supabaseRoles: boolean;
  create(options?: { store?: Partial<SupabaseStoreOptions>; emulator?: Partial<PostgrestEmulatorOptions> }): Promise<TestBackend>;
  /** Closes the shared database connection; call in afterAll. */
  close(): Promise<void>;
}

/** The Supabase API roles, as a Supabase project has them (PGlite only: roles are cluster-wide on a server). */
const SUPABASE_ROLES = `
  create role anon nologin;
  create role authenticated nologin;
  create role service_role nologin bypassrls;`;

async function build(
  driver: SqlDriver,
  options: { store?: Partial<SupabaseStoreOptions>; emulator?: Partial<PostgrestEmulatorOptions> },
  supabaseRoles: boolean,
): Promise<TestBackend> {
  const schema = `fs_supabase_${randomBytes(6).toString('hex')}`;
  const run = async <Row>(text: string, params?: unknown[]) => (await driver.query<Row>(text, params)).rows;
  if (supabaseRoles) {
    // Supabase's default privileges: every API role may use what is created, until the grants say otherwise.
    await driver.transaction((executor) =>
      executor.exec(`
        create schema "${schema}";
        grant usage on schema "${schema}" to anon, authenticated, service_role;
        alter default privileges in schema "${schema}" grant all on tables to anon, authenticated, service_role;
        alter default privileges in schema "${schema}" grant all on sequences to anon, authenticated, service_role;
        alter default privileges in schema "${schema}" grant execute on functions to anon, authenticated, service_role;`),
    );
  }
  await migrateSupabase(driver, { schema });
  // With the roles, calls run as service_role (set local role), as on Supabase with the service-role key.
  const emulator = await startPostgrestEmulator({
    database: driver,
    schemas: [schema],
    ...(supabaseRoles && { roles: { [SERVICE_ROLE_KEY]: 'service_role', 'anon-key': 'anon' } }),
    ...options.emulator,
  });
  const stores: SupabaseStore[] = [];
  const makeStore = (extra: Partial<SupabaseStoreOptions> = {}) => {
    const store = supabaseStore({ client: testClient(emulator.url), schema, entitySchema: schema, retry: { minTimeoutMs: 1 }, ...options.store, ...extra });
    stores.push(store);
    return store;
  };
  const store = makeStore();
  return {
    schema,
    driver,
    emulator,
    store,
    sql: run,
    otherStore: makeStore,
    async createEntityTable(name, columns, tableOptions) {
      const definitions = Object.entries(columns).map(([column, type]) => `, "${column}" ${SQL_TYPES[type]}${tableOptions?.uniqueKey === column ? ' unique' : ''}`);
      await run(`create table "${schema}"."${name}" (id uuid primary key default gen_random_uuid()${definitions.join('')})`);
      for (const each of stores) each.forgetEntitySchemas();
    },
    readEntities: (name) => run(`select * from "${schema}"."${name}"`),
    async cleanup() {
      for (const each of stores) await each.close?.();
      await emulator.close();
      await run(`drop schema if exists "${schema}" cascade`);
    },
  };
}

function pgliteKind(): TestBackendKind {
  let instance: Promise<PGlite> | undefined;
  return {
    name: 'PGlite',
    supabaseRoles: true,
    async create(options = {}) {
      instance ??= PGlite.create().then(async (pglite) => {
        await pglite.exec(SUPABASE_ROLES);
        return pglite;
      });
      return build(pgliteDriver({ pglite: (await instance) as unknown as PGliteLike }), options, true);
    },
    async close() {
      if (instance) await (await instance).close();
      instance = undefined;
    },
  };
}

function serverKind(connectionString: string): TestBackendKind {
  let pool: pg.Pool | undefined;
  return {
    name: 'server',
    supabaseRoles: false,
    async create(options = {}) {
      if (!pool) {
        pool = new pg.Pool({ connectionString, max: 8 });
        pool.on('error', () => {});
      }
      return build(pgDriver({ pool: pool as unknown as PgPoolLike }), options, false);
    },
    async close() {
      await pool?.end();
      pool = undefined;
    },
  };
}

/** PGlite always; the server too when DATABASE_URL is set. */
export function testBackendKinds(): TestBackendKind[] {
  const kinds = [pgliteKind()];
  if (process.env.DATABASE_URL) kinds.push(serverKind(process.env.DATABASE_URL));
  return kinds;
}
