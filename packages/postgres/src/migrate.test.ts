import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, renderMigrations } from './migrate.js';
import { testDatabaseKinds, type TestDatabase } from './test-databases.js';

// The seed's DDL, verbatim (with the referenced config tables a host would already have).
const SEED_TABLES = (schema: string) => `
create schema "${schema}";
set search_path to "${schema}";
CREATE TABLE data_sources (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name TEXT NOT NULL, type TEXT NOT NULL, connector_config JSONB);
CREATE TABLE tab_mappings (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), data_source_id UUID REFERENCES data_sources(id), tab_name TEXT NOT NULL, primary_entity TEXT NOT NULL, status TEXT DEFAULT 'active');
CREATE TABLE sync_runs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  data_source_id UUID REFERENCES data_sources(id),
  tab_mapping_id UUID REFERENCES tab_mappings(id),
  status TEXT NOT NULL,
  started_at TIMESTAMPTZ DEFAULT NOW(),
  completed_at TIMESTAMPTZ,
  rows_processed INT DEFAULT 0,
  rows_created INT DEFAULT 0,
  rows_updated INT DEFAULT 0,
  rows_skipped INT DEFAULT 0,
  errors JSONB,
  triggered_by UUID,
  created_at TIMESTAMPTZ DEFAULT NOW()
);
CREATE TABLE field_lineage (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  entity_type TEXT NOT NULL,
  entity_id UUID NOT NULL,
  field_name TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source_id UUID,
  source_ref TEXT,
  previous_value JSONB,
  new_value JSONB,
  sync_run_id UUID,
  changed_by UUID,
  changed_at TIMESTAMPTZ DEFAULT NOW(),
  UNIQUE(entity_type, entity_id, field_name, changed_at)
);
CREATE INDEX idx_lineage_entity ON field_lineage(entity_type, entity_id);
CREATE INDEX idx_lineage_source ON field_lineage(source_id);
insert into data_sources (id, name, type) values ('11111111-1111-4111-8111-111111111111', 'Master Sheet', 'google_sheet');
insert into tab_mappings (id, data_source_id, tab_name, primary_entity) values ('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111', 'Partners', 'partners');
insert into sync_runs (data_source_id, tab_mapping_id, status, rows_processed, errors) values ('11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333333', 'completed', 150, '[{"row": 47, "error": "Invalid email format", "severity": "error"}]');
reset search_path;
`;

const columnsOf = async (db: TestDatabase, table: string) =>
  (await db.sql<{ column_name: string }>(`select column_name from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`, [db.schema, table])).map((row) => row.column_name);

for (const kind of testDatabaseKinds()) {
  describe(`migrate (${kind.name})`, () => {
    let db: TestDatabase;
    beforeEach(async () => {
      db = await kind.create({ migrate: false });
    });
    afterEach(async () => db.cleanup());
    afterAll(async () => kind.close());

    it('migrate - applies every migration once; a second run applies nothing and changes nothing', async () => {
      const driver = await db.store.driver();
      const first = await migrate(driver, { schema: db.schema });
      expect(first.applied).toEqual(['001_tables', '002_functions']);
      const before = await columnsOf(db, 'sync_runs');
      expect(await migrate(driver, { schema: db.schema })).toEqual({ applied: [] });
      expect(await columnsOf(db, 'sync_runs')).toEqual(before);
      // Applying the plain SQL again (as a host's migration tool might) is harmless too.
      for (const migration of await renderMigrations({ schema: db.schema })) await driver.transaction((executor) => executor.exec(migration.sql));
      expect(await columnsOf(db, 'sync_runs')).toEqual(before);
    });

    it('migrate - keeps pre-existing seed tables and their rows, adding only the missing columns', async () => {
      for (const statement of SEED_TABLES(db.schema).split(';\n').filter((text) => text.trim())) await db.sql(statement);
      const seedRunColumns = await columnsOf(db, 'sync_runs');
      await migrate(await db.store.driver(), { schema: db.schema });
      const runColumns = await columnsOf(db, 'sync_runs');
      expect(runColumns.slice(0, seedRunColumns.length)).toEqual(seedRunColumns);
      expect(runColumns.slice(seedRunColumns.length)).toEqual(['trigger', 'dry_run', 'force_overwrite', 'rows_deleted', 'rows_unchanged', 'error_count', 'lineage_count', 'conflict_count', 'heartbeat_at', 'warnings', 'failure']);
      expect((await columnsOf(db, 'field_lineage')).slice(-2)).toEqual(['entity_key', 'change_reason']);
      const [old] = (await db.store.listRuns()).items;
      expect(old).toMatchObject({ status: 'completed', rowsProcessed: 150, trigger: 'manual', errors: [{ row: 47, error: 'Invalid email format', severity: 'error' }] });
      // The host's foreign keys stay: a run for a data source that is a row works...
      const run = await db.store.createRun({ dataSourceId: '11111111-1111-4111-8111-111111111111', tabMappingId: '33333333-3333-4333-8333-333333333333', trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      expect(run.status).toBe('running');
      // ...and one for a code-defined id that is not a row fails as a write error naming the constraint.
      const error = await db.store.createRun({ dataSourceId: '99999999-9999-4999-8999-999999999999', tabMappingId: '33333333-3333-4333-8333-333333333333', trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'STORE_WRITE_FAILED' });
      expect((error as Error).message).toContain('foreign key');
    });

    it('migrate - a field_lineage without a usable index on (entity_type, entity_id, field_name, changed_at) gets one; one with it (the seed\'s UNIQUE, in any order of the first three) gets no second copy', async () => {
      const indexesOn = async () =>
        (await db.sql<{ definition: string }>(`select indexdef as definition from pg_indexes where schemaname = $1 and tablename = 'field_lineage' order by indexname`, [db.schema]))
          .map((row) => row.definition.replace(/^.* USING btree /, ''))
          .filter((columns) => columns.startsWith('(entity_type, entity_id, field_name'));
      const driver = await db.store.driver();
      await db.sql(`create schema "${db.schema}"`);
      await db.sql(`create table "${db.schema}".field_lineage (id uuid primary key default gen_random_uuid(), entity_type text not null, entity_id uuid not null, field_name text not null, source_type text not null, source_id uuid, source_ref text, previous_value jsonb, new_value jsonb, sync_run_id uuid, changed_by uuid, changed_at timestamptz default now())`);
      // A partial index on those columns cannot serve every field's probe.
      await db.sql(`create index host_partial on "${db.schema}".field_lineage (entity_type, entity_id, field_name, changed_at) where source_type = 'app'`);
      await migrate(driver, { schema: db.schema });
      expect(await indexesOn()).toEqual(['(entity_type, entity_id, field_name, changed_at)', "(entity_type, entity_id, field_name, changed_at) WHERE (source_type = 'app'::text)"]);
      await db.sql(`drop schema "${db.schema}" cascade`);
      await migrate(driver, { schema: db.schema });
      expect(await indexesOn()).toEqual(['(entity_type, entity_id, field_name, changed_at)']);
      // A unique key with the first three columns in another order serves too.
      await db.sql(`drop schema "${db.schema}" cascade`);
      await db.sql(`create schema "${db.schema}"`);
      await db.sql(`create table "${db.schema}".field_lineage (id uuid primary key default gen_random_uuid(), entity_type text not null, entity_id uuid not null, field_name text not null, source_type text not null, source_id uuid, source_ref text, previous_value jsonb, new_value jsonb, sync_run_id uuid, changed_by uuid, changed_at timestamptz default now(), unique (entity_id, field_name, entity_type, changed_at))`);
      await migrate(driver, { schema: db.schema });
      expect((await db.sql<{ n: string }>(`select count(*)::text as n from pg_indexes where schemaname = $1 and tablename = 'field_lineage' and indexdef like '%changed_at%'`, [db.schema]))[0]!.n).toBe('1');
    });

    it('migrate - a host field_lineage whose id is not the seed\'s uuid (or a domain over it) is refused with the fix, and the migration leaves nothing', async () => {
      await db.sql(`create schema "${db.schema}"`);
      await db.sql(`create table "${db.schema}".field_lineage (id bigint generated by default as identity primary key, entity_type text not null, entity_id uuid not null, field_name text not null, source_type text not null, source_id uuid, source_ref text, previous_value jsonb, new_value jsonb, sync_run_id uuid, changed_by uuid, changed_at timestamptz default now())`);
      const error = await migrate(await db.store.driver(), { schema: db.schema }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'StoreError', code: 'STORE_SCHEMA_MISMATCH' });
      expect(String((error as Error).message)).toContain('field_lineage.id is bigint, not uuid');
      expect(String((error as Error).message)).toContain('id uuid primary key default gen_random_uuid()');
      // The migration ran in one transaction: nothing of it stayed.
      expect(await db.sql(`select to_regclass('"${db.schema}".sync_runs') as missing`)).toEqual([{ missing: null }]);
      expect(await columnsOf(db, 'field_lineage')).not.toContain('entity_key');
      // A domain over uuid is a uuid.
      await db.sql(`drop table "${db.schema}".field_lineage`);
      await db.sql(`create domain "${db.schema}".lineage_id as uuid`);
      await db.sql(`create table "${db.schema}".field_lineage (id "${db.schema}".lineage_id primary key default gen_random_uuid(), entity_type text not null, entity_id uuid not null, field_name text not null, source_type text not null, source_id uuid, source_ref text, previous_value jsonb, new_value jsonb, sync_run_id uuid, changed_by uuid, changed_at timestamptz default now())`);
      expect((await migrate(await db.store.driver(), { schema: db.schema })).applied).toHaveLength(2);
    });

    it('migrate - creates sync_runs without foreign keys, so code-defined ids need no config rows', async () => {
      await migrate(await db.store.driver(), { schema: db.schema });
      const keys = await db.sql(`select conname from pg_constraint where conrelid = $1::regclass and contype = 'f'`, [`"${db.schema}".sync_runs`]);
      expect(keys).toEqual([]);
    });

    it('renderMigrations - rewrites the schema and renamed tables, and rejects hostile names', async () => {
      const [tables, functions] = await renderMigrations({ schema: 'sync', tables: { syncRuns: 'import_runs' } });
      expect(tables!.sql).toContain('create table if not exists "sync"."import_runs"');
      expect(tables!.sql).not.toContain('"public".');
      expect(functions!.sql).toContain('update "sync"."import_runs"');
      await expect(renderMigrations({ schema: 'x"; drop schema public; --' })).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID' });
      await expect(renderMigrations({ tables: { fieldLineage: 'a b' } })).rejects.toMatchObject({ code: 'CONFIGURATION_INVALID' });
    });

    it('postgresStore - works with renamed tables', async () => {
      const store = db.otherStore({ migrate: true, tables: { syncRuns: 'import_runs', fieldLineage: 'import_lineage' } });
      const run = await store.createRun({ dataSourceId: '11111111-1111-4111-8111-111111111111', tabMappingId: '33333333-3333-4333-8333-333333333333', trigger: 'webhook', triggeredBy: null, dryRun: false, forceOverwrite: false });
      expect((await db.sql(`select id from "${db.schema}".import_runs`)).map((row) => row.id)).toEqual([run.id]);
      expect(await db.sql(`select to_regclass('"${db.schema}".sync_runs') as missing`)).toEqual([{ missing: null }]);
    });
  });
}
