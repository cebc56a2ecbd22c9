import { columnMappingSchema, dataSourceSchema, tabMappingSchema } from '@fieldsync/core';
import type { StrategyFixture, StrategyUnderTest } from '@fieldsync/core/testing';
import { testStrategy } from '@fieldsync/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { googleSheets } from './google-sheets-strategy.js';
import { emulatorClient } from './test-harness.js';
import { startSheetsEmulator } from './testing/sheets-emulator.js';
import type { SheetsEmulator } from './testing/sheets-emulator.js';

let emulator: SheetsEmulator;

beforeAll(async () => {
  emulator = await startSheetsEmulator();
});

afterAll(async () => {
  await emulator.close();
});

/** A spreadsheet holding the fixture under `sheetHeaders`, and a strategy mapping every fixture header. */
function underTest(fixture: StrategyFixture, sheetHeaders: string[]): StrategyUnderTest {
  const rows = fixture.rows.map((row) => sheetHeaders.map((header) => row[fixture.headers.indexOf(header)] ?? ''));
  const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Master Sheet', sheets: [{ title: 'Partners', rows: [sheetHeaders, ...rows] }] });
  const { client } = emulatorClient(emulator);
  const dataSource = dataSourceSchema.parse({ id: 'master-sheet', name: 'Master Sheet', type: 'google_sheet', connectorConfig: { spreadsheetId } });
  const tab = tabMappingSchema.parse({ id: 'partners-tab', dataSourceId: 'master-sheet', tabName: 'Partners', primaryEntity: 'partners' });
  const columns = fixture.headers.map((sourceColumn, index) =>
    columnMappingSchema.parse({ tabMappingId: 'partners-tab', sourceColumn, targetField: `field_${index}`, isKey: index === 0 }),
  );
  return {
    strategy: googleSheets({ client, quota: false, retry: { minTimeout: 1, maxTimeout: 5 }, windowRows: 7 }),
    dataSource,
    tab,
    columns,
    // No `edit`: incremental mode is append-only (the seed's "last synced row count"), so an edit
    // of an already synced row is only seen by a full read; the suite skips that check without it.
    async cleanup() {
      emulator.deleteSpreadsheet(spreadsheetId);
    },
  };
}

testStrategy({
  name: 'googleSheets (emulator, 7-row windows)',
  create: async (fixture) => underTest(fixture, fixture.headers),
  createWithMissingColumn: async (fixture, missing) => underTest(fixture, fixture.headers.filter((header) => header !== missing)),
  skip: { lookup: 'Sheets rows have no ids to look up (capabilities.lookup is false)' },
});
