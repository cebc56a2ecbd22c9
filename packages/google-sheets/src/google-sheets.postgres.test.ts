import { PGlite } from '@electric-sql/pglite';
import { createSyncEngine, defineMapping } from '@fieldsync/core';
import { postgresStore } from '@fieldsync/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { googleSheets } from './google-sheets-strategy.js';
import { emulatorClient } from './test-harness.js';
import { startSheetsEmulator } from './testing/sheets-emulator.js';
import type { SheetsEmulator } from './testing/sheets-emulator.js';

let emulator: SheetsEmulator;
let pglite: PGlite;

beforeAll(async () => {
  emulator = await startSheetsEmulator();
  pglite = new PGlite();
  await pglite.exec(`
    create table partners (id uuid primary key default gen_random_uuid(), partner_code text unique, brand_name text, revenue numeric);
    create table staff (id uuid primary key default gen_random_uuid(), email text unique, name text);
  `);
});

afterAll(async () => {
  await emulator.close();
  await pglite.close();
});

describe('googleSheets with postgresStore (PGlite)', () => {
  it('syncDataSource - two tabs share the reads and lineage names the sheet cell', async () => {
    const rows = [['Partner ID', 'Brand Name', 'Revenue'], ...Array.from({ length: 40 }, (_, index) => [`P-${index + 1}`, `Brand ${index + 1}`, { value: index * 10.5, format: 'currency' as const }])];
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'Master Sheet',
      sheets: [
        { title: 'Partners', rows },
        { title: 'Staff', rows: [['Email', 'Name'], ['a@x.com', 'Ann']] },
      ],
    });
    const config = defineMapping({
      dataSources: [
        {
          id: 'master-sheet',
          name: 'Master Sheet',
          type: 'google_sheet',
          connectorConfig: { spreadsheetId },
          tabs: [
            { id: 'partners-tab', tabName: 'Partners', entity: 'partners', columns: { 'Partner ID': { field: 'partner_code', key: true }, 'Brand Name': { field: 'brand_name' }, Revenue: { field: 'revenue', transform: 'currency' } } },
            { id: 'staff-tab', tabName: 'Staff', entity: 'staff', columns: { Email: { field: 'email', key: true }, Name: { field: 'name' } } },
          ],
        },
      ],
    });
    const store = postgresStore({ pglite, schema: 'fieldsync' });
    const { client } = emulatorClient(emulator);
    const engine = createSyncEngine({ store, strategies: [googleSheets({ client, quota: false })], config, batchSize: 15 });
    try {
      const results = await engine.syncDataSource('master-sheet');
      expect(results.map((result) => [result.success, result.stats.rowsCreated])).toEqual([
        [true, 40],
        [true, 1],
      ]);
      const partner = (await pglite.query<{ id: string; revenue: string }>(`select id, revenue::text from partners where partner_code = 'P-3'`)).rows[0]!;
      expect(Number(partner.revenue)).toBe(21);
      const history = await store.fieldHistory({ entityType: 'partners', entityId: partner.id, fieldName: 'brand_name' });
      expect(history[0]?.sourceRef).toBe('Master Sheet > Partners > B (Brand Name), row 4');
      expect(emulator.requests.map((request) => request.method)).toEqual(['spreadsheets.get', 'values.batchGet']);
      const again = await engine.syncDataSource('master-sheet');
      expect(again.map((result) => result.stats.lineageCount)).toEqual([0, 0]);
    } finally {
      await engine.dispose();
    }
  });
});
