#!/usr/bin/env node
/**
 * `fieldsync-supabase-migration [--schema name] [--out directory]`: prints the SQL of
 * {@link supabaseMigrationSql}, or writes it to `<directory>/<timestamp>_fieldsync.sql`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { supabaseMigrationFileName, supabaseMigrationSql } from './migration-sql.js';

const USAGE = `Usage: fieldsync-supabase-migration [--schema public] [--no-grants] [--out supabase/migrations]
Prints fieldsync's tables, SQL functions and grants as one migration, or writes it to
<out>/<timestamp>_fieldsync.sql for the Supabase CLI (then: supabase db push).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { schema: { type: 'string' }, out: { type: 'string' }, 'no-grants': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sql = await supabaseMigrationSql({ ...(values.schema !== undefined && { schema: values.schema }), grants: values['no-grants'] !== true });
  if (values.out === undefined) {
    process.stdout.write(sql);
    return;
  }
  await mkdir(values.out, { recursive: true });
  const file = join(values.out, supabaseMigrationFileName());
  await writeFile(file, sql);
  process.stderr.write(`Wrote ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exitCode = 1;
});
