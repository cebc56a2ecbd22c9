import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldsyncError, emptyStats, stableUuid } from '@fieldsync/core';
import { defaultTableNames, migrate, pgliteDriver, renderMigrations, type PGliteLike } from '@fieldsync/postgres';
import { migrateSupabase } from './migrate-supabase.js';
import { renderSupabaseGrants, supabaseMigrationFileName, supabaseMigrationSql } from './migration-sql.js';
import { supabaseStore } from './supabase-store.js';
import { testClient } from './test-backends.js';
import { startPostgrestEmulator, type PostgrestEmulator } from './testing/postgrest-emulator.js';

const run = promisify(execFile);
const PACKAGE_DIRECTORY = fileURLToPath(new URL('..', import.meta.url));
const TAB = stableUuid('grants-tab');

describe('supabaseMigrationSql', () => {
  it('holds every @fieldsync/postgres migration for the schema, then the grants', async () => {
    const sql = await supabaseMigrationSql({ schema: 'sync_data' });
    expect(sql).toContain('create schema if not exists "sync_data";');
    for (const migration of await renderMigrations({ schema: 'sync_data' })) expect(sql).toContain(migration.sql.trim());
    expect(sql).not.toContain('"public".');
    expect(sql).toContain('grant execute on function %s to service_role');
    expect(sql).toContain('alter table "sync_data"."fieldsync_locks" enable row level security;');
    expect(sql.indexOf('-- grants')).toBeGreaterThan(sql.indexOf('fieldsync_release_lock'));
    expect(await supabaseMigrationSql({ grants: false })).not.toContain('-- grants');
  });

  it('follows table renames in the grants too', async () => {
    const sql = await supabaseMigrationSql({ tables: { syncRuns: 'import_runs' } });
    expect(sql).toContain('alter table "public"."import_runs" enable row level security;');
    expect(sql).not.toContain('"public"."sync_runs"');
  });

  it('supabaseMigrationFileName - is the Supabase CLI timestamp form', () => {
    expect(supabaseMigrationFileName(new Date('2026-03-04T05:06:07.890Z'))).toBe('20260304050607_fieldsync.sql');
  });

  it('the fieldsync-supabase-migration command prints the SQL, or writes the migration file', async () => {
    const cli = ['--conditions=source', 'src/cli.ts'];
    // tsx is the workspace root's dev dependency.
    const tsx = join(PACKAGE_DIRECTORY, '..', '..', 'node_modules', '.bin', 'tsx');
    const printed = await run(tsx, [...cli, '--schema', 'sync_data'], { cwd: PACKAGE_DIRECTORY });
    expect(printed.stdout).toBe(await supabaseMigrationSql({ schema: 'sync_data' }));
    const directory = await mkdtemp(join(tmpdir(), 'fieldsync-migrations-'));
    try {
      await run(tsx, [...cli, '--out', directory], { cwd: PACKAGE_DIRECTORY });
      const files = await readdir(directory);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^\d{14}_fieldsync\.sql$/);
      expect(await readFile(join(directory, files[0]!), 'utf8')).toBe(await supabaseMigrationSql());
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

// Roles are cluster-wide on a server, where other test runs share them; PGlite is a cluster of
// its own, so the Supabase roles are created (and the grants checked) only here.
describe('grants on a database with the Supabase roles (PGlite)', () => {
  let pglite: PGlite;
  let emulator: PostgrestEmulator;
  const schema = 'fieldsync';

  beforeAll(async () => {
    pglite = await PGlite.create();
    await pglite.exec(`
      create role anon nologin;
      create role authenticated nologin;
      create role service_role nologin bypassrls;
      -- Supabase's default privileges grant EXECUTE on new functions to every API role.
      create schema ${schema};
      alter default privileges in schema ${schema} grant execute on functions to anon, authenticated, service_role;
    `);
    await pglite.exec(await supabaseMigrationSql({ schema }));
    await pglite.exec(`
      create table public.partners (id uuid primary key default gen_random_uuid(), partner_code text unique, brand_name text);
      grant select, insert, update, delete on public.partners to service_role;
    `);
    emulator = await startPostgrestEmulator({
      database: pgliteDriver({ pglite: pglite as unknown as PGliteLike }),
      schemas: [schema],
      roles: { 'service-role-key': 'service_role', 'anon-key': 'anon', 'authenticated-key': 'authenticated' },
    });
  });

  afterAll(async () => {
    await emulator?.close();
    await pglite?.close();
  });

  it('EXECUTE on every fieldsync function is granted to service_role only', async () => {
    const { rows } = await pglite.query<{ name: string; anon: boolean; authenticated: boolean; service_role: boolean }>(`
      select p.proname as name,
             has_function_privilege('anon', p.oid, 'execute') as anon,
             has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
             has_function_privilege('service_role', p.oid, 'execute') as service_role
      from pg_proc p where p.pronamespace = '${schema}'::regnamespace and p.proname like 'fieldsync\\_%'`);
    expect(rows.length).toBeGreaterThan(15);
    for (const row of rows) expect(row, row.name).toMatchObject({ anon: false, authenticated: false, service_role: true });
  });

  it('row-level security is on for every fieldsync table', async () => {
    const { rows } = await pglite.query<{ relname: string; relrowsecurity: boolean }>(
      `select relname, relrowsecurity from pg_class where relnamespace = '${schema}'::regnamespace and relkind = 'r'`,
    );
    expect(rows.length).toBe(Object.keys(defaultTableNames).length);
    for (const row of rows) expect(row, row.relname).toMatchObject({ relrowsecurity: true });
  });

  it('the service-role key syncs through the store', async () => {
    const store = supabaseStore({ client: testClient(emulator.url, 'service-role-key'), schema });
    await store.init!();
    const created = await store.createRun({ dataSourceId: TAB, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
    const result = await store.applyBatch({
      runId: created.id,
      tabMappingId: TAB,
      entity: 'partners',
      keyField: 'partner_code',
      creates: [{ key: 'P1', values: { partner_code: 'P1', brand_name: 'Acme' } }],
      updates: [],
      deletes: [],
      lineage: [],
      conflicts: [],
      stats: emptyStats(),
    });
    expect(result.created).toBe(1);
    const lock = await store.tryLock('sync:grants');
    expect(lock).not.toBeNull();
    await lock?.release();
  });

  it.each([
    ['anon-key', 401],
    ['authenticated-key', 403],
  ])('the %s is refused (42501, HTTP %i) with the grants fix', async (key, status) => {
    const store = supabaseStore({ client: testClient(emulator.url, key), schema });
    try {
      await store.init!();
      expect.fail('expected permission denied');
    } catch (error) {
      expect(FieldsyncError.isInstance(error)).toBe(true);
      expect((error as FieldsyncError).details).toMatchObject({ code: '42501', status });
      expect((error as FieldsyncError).message).toContain('service-role key');
    }
  });
});

const SUPABASE_ROLES = `
  create role anon nologin;
  create role authenticated nologin;
  create role service_role nologin bypassrls;`;

/** Supabase's default privileges on a schema: every API role may use what is created in it. */
const supabaseDefaults = (schema: string) => `
  create schema ${schema};
  grant usage on schema ${schema} to anon, authenticated, service_role;
  alter default privileges in schema ${schema} grant all on tables to anon, authenticated, service_role;
  alter default privileges in schema ${schema} grant execute on functions to anon, authenticated, service_role;`;

async function privileges(pglite: PGlite, schema: string) {
  const functions = await pglite.query<{ name: string; anon: boolean; authenticated: boolean; service_role: boolean }>(`
    select p.proname as name,
           has_function_privilege('anon', p.oid, 'execute') as anon,
           has_function_privilege('authenticated', p.oid, 'execute') as authenticated,
           has_function_privilege('service_role', p.oid, 'execute') as service_role
    from pg_proc p where p.pronamespace = '${schema}'::regnamespace and p.proname like 'fieldsync\\_%'`);
  const tables = await pglite.query<{ relname: string; relrowsecurity: boolean; anon: boolean; authenticated: boolean }>(`
    select relname, relrowsecurity,
           has_table_privilege('anon', oid, 'select, insert, update, delete') as anon,
           has_table_privilege('authenticated', oid, 'select, insert, update, delete') as authenticated
    from pg_class where relnamespace = '${schema}'::regnamespace and relkind = 'r' order by relname`);
  return { functions: functions.rows, tables: tables.rows };
}

describe('migrateSupabase on a database with the Supabase roles (PGlite)', () => {
  let pglite: PGlite;
  const schema = 'fieldsync';

  beforeAll(async () => {
    pglite = await PGlite.create();
    await pglite.exec(SUPABASE_ROLES + supabaseDefaults(schema));
    expect((await migrateSupabase(pgliteDriver({ pglite: pglite as unknown as PGliteLike }), { schema })).applied).toEqual(['001_tables', '002_functions']);
  });

  afterAll(async () => pglite?.close());

  // Bug: fieldsync_migrations, made by migrate(), kept Supabase's default grants to anon and had no row-level security.
  it('row-level security is on for every table, fieldsync_migrations too, and anon and authenticated have no privilege on it', async () => {
    const { tables } = await privileges(pglite, schema);
    expect(tables.map((table) => table.relname)).toContain('fieldsync_migrations');
    expect(tables).toHaveLength(Object.keys(defaultTableNames).length + 1);
    for (const table of tables) expect(table, table.relname).toMatchObject({ relrowsecurity: true });
    expect(tables.find((table) => table.relname === 'fieldsync_migrations')).toMatchObject({ anon: false, authenticated: false });
  });

  // Bug: an upgrade through migrate() re-created the functions with Supabase's default EXECUTE for anon until the grants ran again.
  it('an upgrade that re-creates the functions leaves them callable by service_role only', async () => {
    // A changed 002 (as after upgrading fieldsync) whose functions are created anew.
    await pglite.exec(`
      update ${schema}.fieldsync_migrations set checksum = 'older' where version = 2;
      drop function ${schema}.fieldsync_apply_batch(jsonb);`);
    const result = await migrateSupabase({ driver: pgliteDriver({ pglite: pglite as unknown as PGliteLike }), schema });
    expect(result.applied).toEqual(['002_functions']);
    const { functions } = await privileges(pglite, schema);
    expect(functions.map((row) => row.name)).toContain('fieldsync_apply_batch');
    for (const row of functions) expect(row, row.name).toMatchObject({ anon: false, authenticated: false, service_role: true });
  });

  it('(the hazard it closes) the same upgrade through plain migrate() leaves a re-created function callable by anon', async () => {
    await pglite.exec(`
      update ${schema}.fieldsync_migrations set checksum = 'older' where version = 2;
      drop function ${schema}.fieldsync_apply_batch(jsonb);`);
    await migrate(pgliteDriver({ pglite: pglite as unknown as PGliteLike }), { schema });
    const { functions } = await privileges(pglite, schema);
    expect(functions.find((row) => row.name === 'fieldsync_apply_batch')).toMatchObject({ anon: true });
    await pglite.exec(await renderSupabaseGrants({ schema }));
    expect((await privileges(pglite, schema)).functions.find((row) => row.name === 'fieldsync_apply_batch')).toMatchObject({ anon: false });
  });
});
