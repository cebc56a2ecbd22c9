/**
 * The quickstart: a "Master Sheet" served by the Sheets API emulator, read through the real
 * googleapis client, synced into embedded Postgres (PGlite in ./.fieldsync/quickstart), edited,
 * and synced again. It prints the runs, the changes and the lineage of one field.
 */
import { rm } from 'node:fs/promises';
import { createSyncEngine, type SyncResult, type TabFailure } from '@fieldsync/core';
import { googleSheets } from '@fieldsync/google-sheets';
import { startSheetsEmulator } from '@fieldsync/google-sheets/testing';
import { postgresStore } from '@fieldsync/postgres';
import { google } from 'googleapis';
import { masterSheet } from './master-sheet.js';
import { ENTITY_TABLES_SQL, mapping } from './mapping.js';

const DATA_DIR = '.fieldsync/quickstart';

function printRun(label: string, result: SyncResult | TabFailure) {
  const { stats } = result;
  const status = result.success ? 'completed' : `failed: ${result.failure.message}`;
  console.log(`  ${label.padEnd(9)} ${status} · ${stats.rowsProcessed} processed · ${stats.rowsCreated} created · ${stats.rowsUpdated} updated · ${stats.rowsUnchanged} unchanged · ${stats.rowsSkipped} skipped · ${stats.errorCount} errors`);
  for (const error of stats.errors) console.log(`      └─ ${error.severity} at ${error.address ?? `row ${error.row}`}: ${error.error}`);
}

async function main() {
  await rm(DATA_DIR, { recursive: true, force: true }); // a fresh database each time, so the output is the same
  const emulator = await startSheetsEmulator();
  const spreadsheet = emulator.createSpreadsheet(masterSheet);
  const auth = new google.auth.OAuth2();
  auth.setCredentials({ access_token: 'quickstart-token' });
  const client = google.sheets({ version: 'v4', auth, rootUrl: emulator.url });

  const store = postgresStore({ dataDir: DATA_DIR });
  const engine = createSyncEngine({
    store,
    strategies: [googleSheets({ client, spreadsheetId: spreadsheet.spreadsheetId })],
    config: mapping,
  });
  try {
    await store.init?.();
    const driver = await store.driver();
    await driver.transaction((sql) => sql.exec(ENTITY_TABLES_SQL));

    console.log(`fieldsync quickstart: "${masterSheet.title}" (Sheets API emulator at ${emulator.url}) -> embedded Postgres in ${DATA_DIR}\n`);
    console.log('1. First sync of every tab');
    const tabs = ['Partners', 'Staff', 'ASINs'];
    const first = await engine.syncDataSource('master-sheet');
    first.forEach((result, index) => printRun(tabs[index] ?? '?', result));
    console.log(`   Sheets API requests so far: ${emulator.requestCount()}`);

    console.log('\n2. Someone edits the sheet: P-001 fee and tier change, P-003 becomes active');
    emulator.setCell(spreadsheet.spreadsheetId, "'Partners'!C2", { value: 1349.99, format: 'currency' });
    emulator.setCell(spreadsheet.spreadsheetId, "'Partners'!F2", 'Silver');
    emulator.setCell(spreadsheet.spreadsheetId, "'Partners'!D4", 'yes');

    console.log('\n3. Dry run of Partners: what would change, field by field');
    const preview = await engine.syncTab('master-sheet-partners', { dryRun: true });
    for (const change of preview.changes) {
      for (const field of change.fields) console.log(`   ${change.keyValue}.${field.field}: ${JSON.stringify(field.previous)} -> ${JSON.stringify(field.next)}   (${field.sourceRef})`);
    }

    console.log('\n4. Real sync of Partners, then again with nothing changed');
    printRun('Partners', await engine.syncTab('master-sheet-partners'));
    printRun('again', await engine.syncTab('master-sheet-partners'));

    console.log('\n5. Run history (newest first)');
    const runs = await store.listRuns({ limit: 8 });
    for (const run of runs.items) {
      console.log(`   ${run.startedAt.toISOString()}  ${run.status.padEnd(9)} ${run.dryRun ? 'dry run ' : ''}${run.rowsProcessed} processed · ${run.rowsCreated} created · ${run.rowsUpdated} updated · ${run.errorCount} errors`);
    }

    console.log('\n6. Where did P-001\'s monthly fee come from?');
    const [partner] = (await driver.query<{ id: string }>("select id from partners where partner_code = 'P-001'")).rows;
    const history = await store.fieldHistory({ entityType: 'partners', entityId: partner!.id, fieldName: 'monthly_fee' });
    for (const entry of history) {
      console.log(`   ${entry.changedAt.toISOString()}  ${JSON.stringify(entry.previousValue)} -> ${JSON.stringify(entry.newValue)}  ${entry.reason}  from ${entry.sourceRef}`);
    }
  } finally {
    await engine.dispose();
    await emulator.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
