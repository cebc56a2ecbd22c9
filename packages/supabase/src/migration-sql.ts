import { readFile } from 'node:fs/promises';
import { ConfigurationError, formatMessage, isValidIdentifier } from '@fieldsync/core';
import { defaultTableNames, renderMigrations, type FieldsyncTableNames, type MigrationOptions } from '@fieldsync/postgres';

/** Options of {@link supabaseMigrationSql}. */
export interface SupabaseMigrationOptions extends MigrationOptions {
  /** Append the grants and row-level security of `sql/grants.sql`. @default true */
  grants?: boolean;
}

const GRANTS_FILE = new URL('../sql/grants.sql', import.meta.url);

function resolveNames(options: MigrationOptions): { schema: string; tables: FieldsyncTableNames } {
  const schema = options.schema ?? 'public';
  const tables = { ...defaultTableNames, ...options.tables };
  const bad = [schema, ...Object.values(tables)].filter((name) => !isValidIdentifier(name));
  if (bad.length > 0) {
    throw new ConfigurationError(formatMessage('supabase', `Invalid schema or table names: ${bad.map((name) => JSON.stringify(name)).join(', ')}.`, 'Use names like my_schema or sync_runs.'), {
      issues: bad.map((name) => ({ path: name === schema ? 'schema' : 'tables', message: 'must be a plain identifier (letters, digits, underscore)' })),
    });
  }
  return { schema, tables };
}

/**
 * The grants and row-level security fieldsync needs on Supabase (`sql/grants.sql`) for a schema
 * and table names: EXECUTE on the `fieldsync_*` functions revoked from `public`, `anon` and
 * `authenticated` and granted to `service_role`; RLS enabled with no policies on fieldsync's tables.
 */
export async function renderSupabaseGrants(options: MigrationOptions = {}): Promise<string> {
  const { schema, tables } = resolveNames(options);
  let sql = await readFile(GRANTS_FILE, 'utf8');
  for (const role of Object.keys(defaultTableNames) as Array<keyof FieldsyncTableNames>) {
    sql = sql.replaceAll(`"public"."${defaultTableNames[role]}"`, `"${schema}"."${tables[role]}"`);
  }
  return sql.replaceAll('"public".', `"${schema}".`);
}

/**
 * One SQL file with everything fieldsync needs on a Supabase project: the @fieldsync/postgres
 * migrations (tables and `fieldsync_*` functions, the same SQL the Postgres store runs) followed
 * by the grants. Write it to `supabase/migrations/<timestamp>_fieldsync.sql` and `supabase db push`,
 * or run `npx fieldsync-supabase-migration > supabase/migrations/$(date +%Y%m%d%H%M%S)_fieldsync.sql`.
 *
 * @example
 * await writeFile(`supabase/migrations/${supabaseMigrationFileName()}`, await supabaseMigrationSql());
 */
export async function supabaseMigrationSql(options: SupabaseMigrationOptions = {}): Promise<string> {
  const { schema } = resolveNames(options);
  const migrations = await renderMigrations({ ...(options.schema !== undefined && { schema: options.schema }), ...(options.tables && { tables: options.tables }) });
  const parts = [
    `-- fieldsync for Supabase (schema "${schema}"), rendered by @fieldsync/supabase: the @fieldsync/postgres migrations, then the grants.`,
    `-- Re-render it after upgrading fieldsync; every statement is idempotent.`,
    schema === 'public' ? '' : `create schema if not exists "${schema}";`,
    ...migrations.map((migration) => `-- ${migration.name}\n${migration.sql.trim()}\n`),
  ];
  if (options.grants !== false) parts.push(`-- grants\n${(await renderSupabaseGrants(options)).trim()}\n`);
  return `${parts.filter((part) => part !== '').join('\n\n')}`;
}

/** The Supabase CLI's migration file name for now: `<YYYYMMDDHHmmss>_fieldsync.sql` (UTC). */
export function supabaseMigrationFileName(date: Date = new Date()): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}_fieldsync.sql`;
}
