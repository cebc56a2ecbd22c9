/**
 * Everything the route needs, locally: a "Supabase project" (PGlite with Supabase's API roles,
 * the fieldsync migration applied as `supabase db push` would, and the PostgREST RPC emulator in
 * front of it) and a "Master Sheet" in the Sheets API emulator. It sets the environment variables
 * the route reads, pointing at both.
 */
import { PGlite } from '@electric-sql/pglite';
import { startSheetsEmulator, type SheetsEmulator } from '@fieldsync/google-sheets/testing';
import { pgliteDriver, type PGliteLike } from '@fieldsync/postgres';
import { supabaseMigrationSql } from '@fieldsync/supabase';
import { startPostgrestEmulator, type PostgrestEmulator } from '@fieldsync/supabase/testing';
import { PARTNERS_TABLE_SQL } from './partners-mapping.js';

/** The local stand-ins, and how to stop them. */
export interface DemoEnvironment {
  pglite: PGlite;
  sheets: SheetsEmulator;
  postgrest: PostgrestEmulator;
  spreadsheetId: string;
  adminToken: string;
  close(): Promise<void>;
}

const SERVICE_ROLE_KEY = 'demo-service-role-key';
const ANON_KEY = 'demo-anon-key';

// What a new Supabase project has before any migration: the API roles, and default privileges
// that give them every new table and function in public.
const SUPABASE_ROLES_SQL = `
create role anon nologin;
create role authenticated nologin;
create role service_role nologin bypassrls;
grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;`;

/** The Master Sheet's Partners tab. */
export const PARTNER_ROWS = [
  ['Partner Code', 'Brand Name', 'Monthly Fee', 'Active', 'Notes'],
  ['P-001', 'Acme Outdoor', { value: 1299, format: 'currency' as const }, 'TRUE', 'Key account'],
  ['P-002', 'Birch & Co', { value: 450.5, format: 'currency' as const }, 'TRUE', ''],
  ['P-003', 'Cobalt Pets', { value: 0, format: 'currency' as const }, 'FALSE', 'Paused'],
  ['', 'No code yet', { value: 10, format: 'currency' as const }, 'TRUE', 'skipped: no key'],
];

/** Starts the stand-ins and sets SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, MASTER_SHEET_ID, GOOGLE_* and SYNC_ADMIN_TOKEN. */
export async function startDemoEnvironment(): Promise<DemoEnvironment> {
  const pglite = await PGlite.create();
  await pglite.exec(SUPABASE_ROLES_SQL);
  await pglite.exec(PARTNERS_TABLE_SQL);
  await pglite.exec(await supabaseMigrationSql());
  const postgrest = await startPostgrestEmulator({
    database: pgliteDriver({ pglite: pglite as unknown as PGliteLike }),
    schemas: ['public'],
    roles: { [SERVICE_ROLE_KEY]: 'service_role', [ANON_KEY]: 'anon' },
  });
  const sheets = await startSheetsEmulator();
  const { spreadsheetId } = sheets.createSpreadsheet({ title: 'Master Sheet', sheets: [{ title: 'Partners', rows: PARTNER_ROWS }] });
  const adminToken = 'demo-admin-token';
  Object.assign(process.env, {
    SUPABASE_URL: postgrest.url,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
    GOOGLE_SHEETS_ROOT_URL: sheets.url,
    GOOGLE_ACCESS_TOKEN: 'demo-google-token',
    MASTER_SHEET_ID: spreadsheetId,
    SYNC_ADMIN_TOKEN: adminToken,
  });
  return {
    pglite,
    sheets,
    postgrest,
    spreadsheetId,
    adminToken,
    async close() {
      await postgrest.close();
      await sheets.close();
      await pglite.close();
    },
  };
}

/** A request as Next.js hands it to the route, and the route's context. */
export function syncRequest(tabId: string, body: unknown, token: string | null) {
  const request = new Request(`http://localhost:3000/api/sync/tab/${encodeURIComponent(tabId)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token !== null && { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return [request, { params: Promise.resolve({ id: tabId }) }] as const;
}
