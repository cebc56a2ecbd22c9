// The host example of docs/google-sheets.md, verbatim but for the import paths: it must keep working.
import { createSyncEngine, defineMapping } from '@fieldsync/core';
import { memoryStore } from '@fieldsync/core/testing';
import { googleSheets } from './index.js';
import { startSheetsEmulator, type SheetsEmulator } from './testing/index.js';
import { afterAll, beforeAll, expect, it } from 'vitest';

let emulator: SheetsEmulator;
beforeAll(async () => {
  emulator = await startSheetsEmulator();
});
afterAll(async () => {
  await emulator.close();
});

it('syncs my Partners tab', async () => {
  const { spreadsheetId } = emulator.createSpreadsheet({
    title: 'Master Sheet',
    timeZone: 'America/New_York',
    sheets: [
      {
        title: 'Partners',
        rows: [
          ['Brand Name', 'Revenue', 'Active'],
          ['Acme', { value: 1234.5, format: 'currency' }, true],
          ['Globex', { formula: '=1/0', error: '#DIV/0!' }, false],
        ],
      },
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
          {
            id: 'partners-tab',
            tabName: 'Partners',
            entity: 'partners',
            columns: {
              'Brand Name': { field: 'brand_name', key: true },
              Revenue: { field: 'revenue', transform: 'currency' },
              Active: { field: 'active', transform: 'boolean' },
            },
          },
        ],
      },
    ],
  });
  const store = memoryStore({
    tables: { partners: { columns: { brand_name: 'text', revenue: 'numeric', active: 'boolean' }, uniqueKeys: ['brand_name'] } },
  });
  // The same as google.sheets({ version: 'v4', auth, rootUrl: emulator.url }) with an
  // OAuth2 client holding setCredentials({ access_token: 'my-test' }).
  const client = await emulator.createClient({ token: 'my-test' });
  const engine = createSyncEngine({ store, strategies: [googleSheets({ client })], config });
  try {
    const result = await engine.syncTab('partners-tab');
    expect(store.entities('partners')).toEqual([expect.objectContaining({ brand_name: 'Acme', revenue: 1234.5, active: true })]);
    expect(result.stats.errors).toEqual([expect.objectContaining({ address: 'B3', severity: 'error' })]);
    expect(emulator.requestCount('my-test')).toBe(2); // 1 metadata + 1 batchGet
  } finally {
    await engine.dispose();
  }
});
