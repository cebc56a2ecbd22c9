import { createSyncEngine, defineMapping } from '@fieldsync/core';
import type { SyncEngine } from '@fieldsync/core';
import { memoryStore } from '@fieldsync/core/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GoogleSheetsOptions } from './google-sheets-options.js';
import { googleSheets } from './google-sheets-strategy.js';
import { emulatorClient } from './test-harness.js';
import { startSheetsEmulator } from './testing/sheets-emulator.js';
import type { SheetsEmulator } from './testing/sheets-emulator.js';

let emulator: SheetsEmulator;
const engines: SyncEngine[] = [];

beforeAll(async () => {
  emulator = await startSheetsEmulator();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.dispose()));
});

type Entities = {
  partners: { partner_code: unknown; brand_name: unknown; revenue: unknown; active: unknown; signed_at: unknown; onboarded: unknown };
  staff: { email: unknown; name: unknown };
};

function mapping(spreadsheetId: string, partnersMode: 'full' | 'incremental' = 'full') {
  return defineMapping<Entities>({
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
            mode: partnersMode,
            columns: {
              'Partner ID': { field: 'partner_code', key: true },
              'Brand Name': { field: 'brand_name' },
              Revenue: { field: 'revenue', transform: 'currency' },
              Active: { field: 'active', transform: 'boolean' },
              'Signed At': { field: 'signed_at', transform: 'date', options: { output: 'timestamp' } },
              Onboarded: { field: 'onboarded', transform: 'date' },
            },
          },
          { id: 'staff-tab', tabName: 'Staff', entity: 'staff', columns: { Email: { field: 'email', key: true }, Name: { field: 'name' } } },
        ],
      },
    ],
  });
}

function store() {
  return memoryStore({
    tables: {
      partners: {
        columns: { partner_code: 'text', brand_name: 'text', revenue: 'numeric', active: 'boolean', signed_at: 'timestamptz', onboarded: 'date' },
        uniqueKeys: ['partner_code'],
      },
      staff: { columns: { email: 'text', name: 'text' }, uniqueKeys: ['email'] },
    },
  });
}

function createSpreadsheet() {
  return emulator.createSpreadsheet({
    title: 'Master Sheet',
    timeZone: 'America/New_York',
    sheets: [
      {
        title: 'Partners',
        rows: [
          ['Partner ID', 'Brand Name', 'Revenue', 'Active', 'Signed At', 'Onboarded'],
          // 2024-03-01 09:30 in New York (EST) and the calendar date 2024-03-02.
          ['P-1', 'Acme', { value: 1234.5, format: 'currency' }, true, new Date('2024-03-01T14:30:00Z'), new Date('2024-03-02T05:00:00Z')],
          ['P-2', 'Globex', 99, false],
          ['P-3', 'Initech', { formula: '=1/0', error: '#DIV/0!' }, true],
        ],
      },
      { title: 'Staff', rows: [['Email', 'Name'], ['a@x.com', 'Ann'], ['b@x.com', 'Bob']] },
    ],
  });
}

function engineFor(spreadsheetId: string, partnersMode: 'full' | 'incremental' = 'full', extra: { concurrency?: number; sheets?: Partial<GoogleSheetsOptions> } = {}) {
  const memory = store();
  const { client } = emulatorClient(emulator);
  const engine = createSyncEngine({
    store: memory,
    strategies: [googleSheets({ client, quota: false, retry: { minTimeout: 1, maxTimeout: 5 }, ...extra.sheets })],
    config: mapping(spreadsheetId, partnersMode),
    ...(extra.concurrency ? { concurrency: extra.concurrency } : {}),
  });
  engines.push(engine);
  return { engine, memory };
}

function threeTabs() {
  return emulator.createSpreadsheet({
    title: 'Staff',
    sheets: ['A', 'B', 'C'].map((title) => ({ title, rows: [['Email', 'Name'], [`${title.toLowerCase()}@x`, title]] })),
  });
}

/** Three tabs of one sheet into one entity, opened one at a time. */
function threeTabEngine(spreadsheetId: string, sheets: Partial<GoogleSheetsOptions>) {
  const memory = memoryStore({ tables: { staff: { columns: { email: 'text', name: 'text' }, uniqueKeys: ['email'] } } });
  const { client } = emulatorClient(emulator);
  const config = defineMapping<{ staff: { email: unknown; name: unknown } }>({
    dataSources: [
      {
        id: 'master-sheet',
        name: 'Staff',
        type: 'google_sheet',
        connectorConfig: { spreadsheetId },
        tabs: ['A', 'B', 'C'].map((title) => ({ id: `tab-${title}`, tabName: title, entity: 'staff' as const, columns: { Email: { field: 'email', key: true }, Name: { field: 'name' } } })),
      },
    ],
  });
  const engine = createSyncEngine({
    store: memory,
    strategies: [googleSheets({ client, quota: false, retry: { minTimeout: 1, maxTimeout: 5 }, ...sheets })],
    config,
    concurrency: 1,
  });
  engines.push(engine);
  return { engine, memory };
}

describe('googleSheets with the engine', () => {
  it('syncDataSource - writes typed values, lineage with the sheet place, and cell errors with A1 addresses', async () => {
    const { spreadsheetId } = createSpreadsheet();
    const { engine, memory } = engineFor(spreadsheetId);
    const results = await engine.syncDataSource('master-sheet');
    expect(results.map((result) => result.success)).toEqual([true, true]);
    const partners = memory.entities('partners');
    expect(partners.find((partner) => partner.partner_code === 'P-1')).toMatchObject({ brand_name: 'Acme', revenue: 1234.5, active: true, onboarded: '2024-03-02' });
    expect((partners.find((partner) => partner.partner_code === 'P-1')?.signed_at as Date).toISOString()).toBe('2024-03-01T14:30:00.000Z');
    // The #DIV/0! cell drops row 4 and is reported at its cell.
    expect(partners.map((partner) => partner.partner_code).sort()).toEqual(['P-1', 'P-2']);
    const partnersResult = results[0]!;
    expect(partnersResult.stats.errors).toEqual([expect.objectContaining({ row: 4, column: 'Revenue', address: 'C4', severity: 'error', error: expect.stringContaining('#DIV/0!') })]);
    const lineage = memory.lineage().find((row) => row.entityKey === 'P-1' && row.fieldName === 'brand_name');
    expect(lineage?.sourceRef).toBe('Master Sheet > Partners > B (Brand Name), row 2');
    expect(lineage?.sourceType).toBe('google_sheet');
    expect(memory.entities('staff')).toHaveLength(2);
    // Both tabs started together: they shared one metadata request and one batchGet.
    expect(emulator.requests.map((request) => request.method)).toEqual(['spreadsheets.get', 'values.batchGet']);
  });

  it('syncTab - a second run over an unchanged sheet writes nothing', async () => {
    const { spreadsheetId } = createSpreadsheet();
    const { engine, memory } = engineFor(spreadsheetId);
    await engine.syncTab('partners-tab');
    const lineage = memory.lineage().length;
    const second = await engine.syncTab('partners-tab');
    expect(second.stats).toMatchObject({ rowsCreated: 0, rowsUpdated: 0, lineageCount: 0 });
    expect(memory.lineage().length).toBe(lineage);
  });

  it('syncTab - a renamed mapped column fails the run before anything is written', async () => {
    const { spreadsheetId } = createSpreadsheet();
    emulator.setCell(spreadsheetId, 'Partners!B1', 'Brand');
    const { engine, memory } = engineFor(spreadsheetId);
    await expect(engine.syncTab('partners-tab')).rejects.toMatchObject({ code: 'SOURCE_SCHEMA_MISMATCH' });
    expect(memory.entities('partners')).toEqual([]);
    expect(memory.runs().at(-1)).toMatchObject({ status: 'failed', failure: { code: 'SOURCE_SCHEMA_MISMATCH' } });
  });

  it('syncTab - incremental mode reads only appended rows on the next run', async () => {
    const { spreadsheetId } = createSpreadsheet();
    const { engine, memory } = engineFor(spreadsheetId, 'incremental');
    const first = await engine.syncTab('partners-tab');
    expect(first.stats.rowsCreated).toBe(2);
    emulator.appendRows(spreadsheetId, 'Partners', [['P-4', 'Umbrella', 10, true]]);
    emulator.resetCounters();
    const second = await engine.syncTab('partners-tab');
    expect(second.stats).toMatchObject({ rowsProcessed: 1, rowsCreated: 1 });
    expect(memory.entities('partners').map((partner) => partner.partner_code).sort()).toEqual(['P-1', 'P-2', 'P-4']);
    // The last synced row (4) is read again, to check no row moved above it.
    expect(emulator.requests.find((request) => request.method === 'values.batchGet')?.ranges).toEqual(['Partners!A1:Z1', 'Partners!A4:Z1000']);
  });

  it('syncDataSource - tabs opened one after another share one metadata request and one batchGet (prepare hint)', async () => {
    const { spreadsheetId } = createSpreadsheet();
    const { engine } = engineFor(spreadsheetId, 'full', { concurrency: 1 });
    const results = await engine.syncDataSource('master-sheet');
    expect(results.map((result) => result.success)).toEqual([true, true]);
    expect(emulator.requests.map((request) => request.method)).toEqual(['spreadsheets.get', 'values.batchGet']);
    expect([...(emulator.requests[1]?.ranges ?? [])].sort()).toEqual(['Partners!A1:Z1000', 'Staff!A1:Z1000']);
    // A plain syncTab afterwards reads only its own tab.
    emulator.resetCounters();
    await engine.syncTab('staff-tab');
    expect(emulator.requests.filter((request) => request.method === 'values.batchGet').map((request) => request.ranges)).toEqual([['Staff!A1:Z1000']]);
  });

  it('syncTab - with prefetchKnownTabs, tabs read before come along, so a later syncTab costs no request', async () => {
    const { spreadsheetId } = createSpreadsheet();
    const { engine } = engineFor(spreadsheetId, 'full', { concurrency: 1, sheets: { prefetchKnownTabs: true, metadataTtlMs: 60_000 } });
    await engine.syncTab('partners-tab');
    await engine.syncTab('staff-tab');
    emulator.resetCounters();
    emulator.setCell(spreadsheetId, 'Staff!B2', 'Anna');
    await engine.syncTab('partners-tab');
    const staff = await engine.syncTab('staff-tab');
    expect(emulator.requests.map((request) => request.method)).toEqual(['values.batchGet']);
    expect([...(emulator.requests[0]?.ranges ?? [])].sort()).toEqual(['Partners!A1:Z1000', 'Staff!A1:Z1000']);
    expect(staff.stats).toMatchObject({ rowsUpdated: 1 });
  });
  // Bug: the deleted-rows check compared the cursor with the grid size, which stays put; shifted rows were skipped silently.
  it('syncTab - incremental: after 2 data rows are deleted and 2 appended, the next run loses no row', async () => {
    const { spreadsheetId } = createSpreadsheet();
    const { engine, memory } = engineFor(spreadsheetId, 'incremental');
    await engine.syncTab('partners-tab');
    emulator.deleteRows(spreadsheetId, 'Partners', 2, 2);
    emulator.appendRows(spreadsheetId, 'Partners', [
      ['P-4', 'Umbrella', 10, true],
      ['P-5', 'Hooli', 20, false],
    ]);
    const second = await engine.syncTab('partners-tab');
    expect(memory.entities('partners').map((partner) => partner.partner_code).sort()).toEqual(['P-1', 'P-2', 'P-4', 'P-5']);
    expect(second.warnings).toEqual([expect.stringContaining('rows were deleted or inserted above it')]);
    // The run after it reads only what is appended again.
    emulator.appendRows(spreadsheetId, 'Partners', [['P-6', 'Vandelay', 30, true]]);
    const third = await engine.syncTab('partners-tab');
    expect(third.stats).toMatchObject({ rowsProcessed: 1, rowsCreated: 1 });
    expect(third.warnings).toEqual([]);
  });

  // Bug: windows fetched ahead for prepare() expired with metadataTtlMs, so a slow first tab made later tabs read again.
  it('syncDataSource - 3 tabs, concurrency 1, metadata expired between opens: still 1 metadata request and 1 batchGet', async () => {
    const { spreadsheetId } = threeTabs();
    const { engine, memory } = threeTabEngine(spreadsheetId, { metadataTtlMs: 0 });
    const results = await engine.syncDataSource('master-sheet');
    expect(results.map((result) => result.success)).toEqual([true, true, true]);
    expect(emulator.requests.map((request) => request.method)).toEqual(['spreadsheets.get', 'values.batchGet']);
    expect([...(emulator.requests[1]?.ranges ?? [])].sort()).toEqual(['A!A1:Z1000', 'B!A1:Z1000', 'C!A1:Z1000']);
    expect(memory.entities('staff').map((row) => row.email).sort()).toEqual(['a@x', 'b@x', 'c@x']);
  });

  it('syncDataSource - first windows past prefetchMaxCells are not fetched ahead; each such tab reads its own', async () => {
    const { spreadsheetId } = threeTabs();
    // One 1000 x 26 window is 26,026 cells: a cap of 30,000 holds one tab's window, not two.
    const { engine } = threeTabEngine(spreadsheetId, { metadataTtlMs: 60_000, prefetchMaxCells: 30_000 });
    await engine.syncDataSource('master-sheet');
    const batchGets = emulator.requests.filter((request) => request.method === 'values.batchGet').map((request) => request.ranges);
    expect(batchGets).toEqual([['A!A1:Z1000', 'B!A1:Z1000'], ['C!A1:Z1000']]);
  });
});
