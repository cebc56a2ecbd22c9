import { readFile, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { ConfigurationError, formatMessage, isValidIdentifier } from '@fieldsync/core';
import type { SqlDriver } from './sql-driver.js';
import { toStoreError } from './store-errors.js';

/** Names of the tables fieldsync reads and writes; each may be renamed. */
export interface FieldsyncTableNames {
  /** @default 'sync_runs' */
  syncRuns: string;
  /** @default 'field_lineage' */
  fieldLineage: string;
  /** @default 'fieldsync_conflicts' */
  conflicts: string;
  /** @default 'fieldsync_sync_state' */
  syncState: string;
  /** @default 'fieldsync_locks' */
  locks: string;
  /** @default 'fieldsync_row_fingerprints' */
  rowFingerprints: string;
  /** @default 'data_sources' */
  dataSources: string;
  /** @default 'tab_mappings' */
  tabMappings: string;
  /** @default 'column_mappings' */
  columnMappings: string;
  /** @default 'computed_fields' */
  computedFields: string;
}

/** The tables' default names: the seed's, and fieldsync's own prefixed `fieldsync_`. */
export const defaultTableNames: Readonly<FieldsyncTableNames> = {
  syncRuns: 'sync_runs',
  fieldLineage: 'field_lineage',
  conflicts: 'fieldsync_conflicts',
  syncState: 'fieldsync_sync_state',
  locks: 'fieldsync_locks',
  rowFingerprints: 'fieldsync_row_fingerprints',
  dataSources: 'data_sources',
  tabMappings: 'tab_mappings',
  columnMappings: 'column_mappings',
  computedFields: 'computed_fields',
};

/** Options of {@link renderMigrations} and {@link migrate}. */
export interface MigrationOptions {
  /** Schema of fieldsync's tables and functions. @default 'public' */
  schema?: string;
  /** Table renames, e.g. `{ syncRuns: 'import_runs' }`. */
  tables?: Partial<FieldsyncTableNames>;
}

/** One migration, ready to run. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** sha256 of `sql`: a changed file is applied again (every migration is idempotent). */
  checksum: string;
}

const MIGRATIONS_DIRECTORY = new URL('../migrations/', import.meta.url);

/** Checks the schema and table names, and fills in the defaults. */
export function resolveNames(options: MigrationOptions = {}): { schema: string; tables: FieldsyncTableNames } {
  const schema = options.schema ?? 'public';
  const tables = { ...defaultTableNames, ...options.tables };
  const issues: Array<{ path: string; message: string }> = [];
  if (!isValidIdentifier(schema)) issues.push({ path: 'schema', message: 'must be a plain identifier (letters, digits, underscore)' });
  for (const [role, name] of Object.entries(tables)) {
    if (!isValidIdentifier(name)) issues.push({ path: `tables.${role}`, message: 'must be a plain identifier (letters, digits, underscore)' });
  }
  if (issues.length > 0) {
    throw new ConfigurationError(
      formatMessage('postgres', `Invalid names: ${issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}.`, 'Use names like my_schema or sync_runs.'),
      { issues },
    );
  }
  return { schema, tables };
}

/**
 * The migration SQL for a schema and table names: the files in `migrations/`, whose
 * `"public"."name"` references are rewritten. Use it to hand the SQL to your own migration
 * tool (e.g. write each `sql` to a Supabase migration file).
 */
export async function renderMigrations(options: MigrationOptions = {}): Promise<Migration[]> {
  const { schema, tables } = resolveNames(options);
  const files = (await readdir(MIGRATIONS_DIRECTORY)).filter((file) => /^\d+_[a-z0-9_]+\.sql$/.test(file)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    let sql = await readFile(new URL(file, MIGRATIONS_DIRECTORY), 'utf8');
    for (const role of Object.keys(defaultTableNames) as Array<keyof FieldsyncTableNames>) {
      sql = sql.replaceAll(`"public"."${defaultTableNames[role]}"`, `"${schema}"."${tables[role]}"`);
    }
    sql = sql.replaceAll('"public".', `"${schema}".`);
    migrations.push({
      version: Number.parseInt(file, 10),
      name: file.replace(/\.sql$/, ''),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Names of the migrations run now (new ones, or changed ones run again). */
  applied: string[];
}

/**
 * Brings a schema up to date: creates it if needed and runs, in one transaction under an
 * advisory lock, every migration not yet recorded in `fieldsync_migrations` (or changed since).
 * Safe to call on every start and from several processes at once.
 */
export async function migrate(driver: SqlDriver, options: MigrationOptions = {}): Promise<MigrateResult> {
  const { schema } = resolveNames(options);
  const migrations = await renderMigrations(options);
  try {
    return await driver.transaction(async (executor) => {
      await executor.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`fieldsync.migrate.${schema}`]);
      await executor.exec(
        `create schema if not exists "${schema}";
         create table if not exists "${schema}"."fieldsync_migrations" (
           version integer primary key, name text not null, checksum text not null, applied_at timestamptz not null default now());`,
      );
      const { rows } = await executor.query<{ version: number; checksum: string }>(`select version, checksum from "${schema}"."fieldsync_migrations"`);
      const done = new Map(rows.map((row) => [row.version, row.checksum]));
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.get(migration.version) === migration.checksum) continue;
        await executor.exec(migration.sql);
        await executor.query(
          `insert into "${schema}"."fieldsync_migrations" (version, name, checksum) values ($1, $2, $3)
           on conflict (version) do update set name = excluded.name, checksum = excluded.checksum, applied_at = now()`,
          [migration.version, migration.name, migration.checksum],
        );
        applied.push(migration.name);
      }
      return { applied };
    });
  } catch (error) {
    throw toStoreError(error, 'run the migrations');
  }
}
