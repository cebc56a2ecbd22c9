import { migrate, type MigrateResult, type MigrationOptions, type SqlDriver } from '@fieldsync/postgres';
import { renderSupabaseGrants } from './migration-sql.js';

/** Options of {@link migrateSupabase}: the database connection and the migration options. */
export interface MigrateSupabaseOptions extends MigrationOptions {
  /** The database, e.g. `pgDriver({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) })`. */
  driver: SqlDriver;
}

function isDriver(value: SqlDriver | MigrateSupabaseOptions): value is SqlDriver {
  return typeof (value as SqlDriver).transaction === 'function';
}

/**
 * Installs or upgrades fieldsync on a Supabase database from code: the @fieldsync/postgres
 * `migrate()` and then the grants of `sql/grants.sql`, in the same transaction. Use it instead of
 * `migrate()`: a migration that re-creates a function gives it Supabase's default EXECUTE for
 * `anon` and `authenticated`, which the grants take back before anything commits.
 *
 * @example
 * await migrateSupabase({ driver: pgDriver({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) }), schema: 'public' });
 */
export async function migrateSupabase(driverOrOptions: SqlDriver | MigrateSupabaseOptions, options: MigrationOptions = {}): Promise<MigrateResult> {
  const { driver, ...migration } = isDriver(driverOrOptions) ? { driver: driverOrOptions, ...options } : { ...options, ...driverOrOptions };
  const grants = await renderSupabaseGrants(migration);
  let granted = false;
  // migrate() runs its migrations in one driver.transaction(): the grants run at its end, inside it.
  const withGrants: SqlDriver = {
    kind: driver.kind,
    identity: driver.identity,
    query: (text, params) => driver.query(text, params),
    transaction: (work) =>
      driver.transaction(async (executor) => {
        const result = await work(executor);
        await executor.exec(grants);
        granted = true;
        return result;
      }),
    ...(driver.reserve && { reserve: () => driver.reserve!() }),
    close: () => driver.close(),
  };
  const result = await migrate(withGrants, migration);
  // Should a future migrate() not use a transaction, the grants still run, right after it.
  if (!granted) await driver.transaction((executor) => executor.exec(grants));
  return result;
}
