/**
 * Runs the route handler the way Next.js would call it, against local stand-ins of Supabase and
 * Google Sheets: a first sync, an edit in the sheet, a dry run, the real sync, and a re-run that
 * changes nothing.
 */
import { disposeSyncEngine, getSyncEngine } from './lib/sync-engine.js';
import { startDemoEnvironment, syncRequest } from './lib/demo-environment.js';

async function call(label: string, body: unknown, token: string) {
  // Imported after the environment is set, as Next.js loads a route once its env is in place.
  const { POST } = await import('./app/api/sync/tab/[id]/route.js');
  const response = await POST(...syncRequest('master-sheet-partners', body, token));
  console.log(`\n${label}\nPOST /api/sync/tab/master-sheet-partners ${JSON.stringify(body)} -> ${response.status}`);
  console.log(JSON.stringify(await response.json(), null, 2));
}

async function main() {
  const environment = await startDemoEnvironment();
  try {
    console.log(`Supabase (PostgREST emulator on PGlite) at ${environment.postgrest.url}; Sheets API emulator at ${environment.sheets.url}`);
    await call('1. First sync', {}, environment.adminToken);

    environment.sheets.setCell(environment.spreadsheetId, "'Partners'!C2", { value: 1349.99, format: 'currency' });
    environment.sheets.setCell(environment.spreadsheetId, "'Partners'!B3", 'Birch & Co.');
    console.log('\n(edited the sheet: P-001 Monthly Fee 1299 -> 1349.99, P-002 Brand Name gets a period)');

    await call('2. Dry run: what would change', { dry_run: true }, environment.adminToken);
    await call('3. Real sync', {}, environment.adminToken);
    await call('4. Again, nothing changed', { row_limit: 10 }, environment.adminToken);

    const { rows } = await environment.pglite.query<{ partner_code: string; brand_name: string; monthly_fee: string; active: boolean }>(
      'select partner_code, brand_name, monthly_fee::text, active from public.partners order by partner_code',
    );
    console.log('\npublic.partners now:');
    console.table(rows);
    const [partner] = (await environment.pglite.query<{ id: string }>("select id from public.partners where partner_code = 'P-001'")).rows;
    const history = await getSyncEngine().store.fieldHistory({ entityType: 'partners', entityId: partner!.id, fieldName: 'monthly_fee' });
    console.log("Lineage of P-001's monthly_fee (newest first):");
    for (const line of history) console.log(`  ${JSON.stringify(line.previousValue)} -> ${JSON.stringify(line.newValue)}  ${line.reason}  from ${line.sourceRef}`);
  } finally {
    await disposeSyncEngine();
    await environment.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
