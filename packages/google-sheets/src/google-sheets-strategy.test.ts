import { ConfigurationError, SourceError } from '@fieldsync/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { googleSheets } from './google-sheets-strategy.js';
import type { GoogleSheetsOptions } from './google-sheets-options.js';
import { drain, emulatorClient, readRequest, rejectionOf } from './test-harness.js';
import { startSheetsEmulator } from './testing/sheets-emulator.js';
import type { SheetsEmulator } from './testing/sheets-emulator.js';

let emulator: SheetsEmulator;

beforeAll(async () => {
  emulator = await startSheetsEmulator();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

/** A strategy on the emulator with its own token and no shared budget, unless the test says otherwise. */
function strategy(options: Partial<GoogleSheetsOptions> = {}) {
  const { client } = emulatorClient(emulator);
  return googleSheets({ client, quota: false, retry: { minTimeout: 1, maxTimeout: 5 }, ...options });
}

const PARTNERS = [
  ['Partner ID', 'Brand Name', 'Revenue', 'Active', 'Signed'],
  ['P-1', 'Acme', { value: 1234.5, format: 'currency' as const }, true, new Date('2024-03-01T05:00:00Z')],
  ['P-2', 'Globex', { value: 0.125, format: 'percent' as const }, false],
  [],
  ['P-3', '', 42],
];

describe('open and read', () => {
  it('open - reads typed values with row addresses, labels, time zone and locale', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Master Sheet', timeZone: 'America/New_York', locale: 'en_GB', sheets: [{ title: 'Partners', rows: PARTNERS }] });
    const reader = await strategy().open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['Partner ID', 'Brand Name', 'Revenue', 'Active', 'Signed'] }));
    expect(reader.label).toBe('Master Sheet > Partners');
    expect(reader.timeZone).toBe('America/New_York');
    expect(reader.locale).toBe('en-GB');
    expect(reader.columns.get('Brand Name')).toEqual({ label: 'B (Brand Name)', letter: 'B' });
    const batches = await drain(reader);
    const rows = batches.flatMap((batch) => batch.rows);
    // Midnight in New York is serial 45352. The empty row 4 is skipped; row 5 keeps its sheet row number.
    expect(rows).toEqual([
      { values: { 'Partner ID': 'P-1', 'Brand Name': 'Acme', Revenue: 1234.5, Active: true, Signed: 45352 }, address: { row: 2 } },
      { values: { 'Partner ID': 'P-2', 'Brand Name': 'Globex', Revenue: 0.125, Active: false }, address: { row: 3 } },
      { values: { 'Partner ID': 'P-3', Revenue: 42 }, address: { row: 5 } },
    ]);
    expect(batches.every((batch) => batch.checkpoint === undefined)).toBe(true);
  });

  it('open - several tabs opened together cost one metadata request and one batchGet', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'Master Sheet',
      sheets: [
        { title: 'Partners', rows: [['ID'], ['p1']] },
        { title: 'Staff', rows: [['ID'], ['s1'], ['s2']] },
        { title: 'Class Data', rows: [['ID'], ['c1']] },
      ],
    });
    const sheets = strategy();
    const readers = await Promise.all(['Partners', 'Staff', 'Class Data'].map((tabName) => sheets.open(readRequest({ spreadsheetId, tabName, columns: ['ID'] }))));
    const counts = await Promise.all(readers.map(async (reader) => (await drain(reader)).flatMap((batch) => batch.rows).length));
    expect(counts).toEqual([1, 2, 1]);
    expect(emulator.requests.map((request) => request.method)).toEqual(['spreadsheets.get', 'values.batchGet']);
    expect(emulator.requests[1]?.ranges).toEqual(['Partners!A1:Z1000', 'Staff!A1:Z1000', "'Class Data'!A1:Z1000"]);
    expect(emulator.requests[0]?.params.fields).toBe(
      'spreadsheetId,properties(title,locale,timeZone),sheets(properties(sheetId,title,index,hidden,sheetType,gridProperties(rowCount,columnCount)))',
    );
    expect(emulator.requests[1]?.params).toMatchObject({ valueRenderOption: 'UNFORMATTED_VALUE', dateTimeRenderOption: 'SERIAL_NUMBER', majorDimension: 'ROWS' });
  });

  it('open - a range refused in a shared batchGet fails only its own tab, after fresh metadata', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'A', rows: [['ID'], ['1']] }, { title: 'B', rows: [['ID'], ['2']] }] });
    const sheets = strategy({ metadataTtlMs: 60_000 });
    await sheets.open(readRequest({ spreadsheetId, tabName: 'A', columns: ['ID'] }));
    // The cached metadata still lists B; B is renamed before both tabs are opened together.
    emulator.renameSheet(spreadsheetId, 'B', 'B2');
    const [a, b] = await Promise.allSettled([
      sheets.open(readRequest({ spreadsheetId, tabName: 'A', columns: ['ID'] })),
      sheets.open(readRequest({ spreadsheetId, tabName: 'B', columns: ['ID'] })),
    ]);
    expect(a.status).toBe('fulfilled');
    // B's range was refused; with fresh metadata B is reported missing, naming the tabs.
    expect(b.status === 'rejected' && b.reason.code).toBe('SOURCE_NOT_FOUND');
    expect(b.status === 'rejected' && b.reason.message).toContain('Tabs found: "A", "B2"');
  });

  it('open - metadata is reused for later opens within metadataTtlMs, values are not', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'A', rows: [['ID'], ['1']] }, { title: 'B', rows: [['ID'], ['2']] }] });
    const sheets = strategy({ metadataTtlMs: 60_000 });
    await drain(await sheets.open(readRequest({ spreadsheetId, tabName: 'A', columns: ['ID'] })));
    await drain(await sheets.open(readRequest({ spreadsheetId, tabName: 'B', columns: ['ID'] })));
    expect(emulator.requests.map((request) => request.method)).toEqual(['spreadsheets.get', 'values.batchGet', 'values.batchGet']);
    const fresh = strategy({ metadataTtlMs: 0 });
    emulator.resetCounters();
    await drain(await fresh.open(readRequest({ spreadsheetId, tabName: 'A', columns: ['ID'] })));
    await drain(await fresh.open(readRequest({ spreadsheetId, tabName: 'A', columns: ['ID'] })));
    expect(emulator.requests.filter((request) => request.method === 'spreadsheets.get')).toHaveLength(2);
  });

  it('open - formula error cells become cellErrors with the column, and the value is left out', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'x',
      sheets: [{ title: 'Partners', rows: [['ID', 'Total', 'Ratio'], ['p1', { formula: '=X1', error: '#REF!' }, { formula: '=1/0', error: '#DIV/0!' }], ['p2', 3, { error: '#N/A' }]] }],
    });
    const rows = (await drain(await strategy().open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['ID', 'Total', 'Ratio'] })))).flatMap((batch) => batch.rows);
    expect(rows).toEqual([
      {
        values: { ID: 'p1' },
        address: { row: 2 },
        cellErrors: [
          { column: 'Total', error: 'The cell holds the formula error #REF!.', severity: 'error' },
          { column: 'Ratio', error: 'The cell holds the formula error #DIV/0!.', severity: 'error' },
        ],
      },
      { values: { ID: 'p2', Total: 3 }, address: { row: 3 }, cellErrors: [{ column: 'Ratio', error: 'The cell holds the formula error #N/A.', severity: 'error' }] },
    ]);
  });

  it('open - reads the spreadsheet id from connectorConfig.spreadsheet_id or a sheet URL; none is a ConfigurationError', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'T', rows: [['ID'], ['1']] }] });
    const sheets = strategy();
    const snake = await sheets.open(readRequest({ connectorConfig: { spreadsheet_id: spreadsheetId }, tabName: 'T', columns: ['ID'] }));
    expect(snake.label).toBe('x > T');
    const url = await sheets.open(readRequest({ connectorConfig: { spreadsheetId: `https://docs.google.com/spreadsheets/d/${spreadsheetId}/edit#gid=0` }, tabName: 'T', columns: ['ID'] }));
    expect(url.label).toBe('x > T');
    const fallback = await strategy({ spreadsheetId }).open(readRequest({ tabName: 'T', columns: ['ID'] }));
    expect(fallback.label).toBe('x > T');
    const error = await rejectionOf(sheets.open(readRequest({ tabName: 'T', columns: ['ID'] })));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('Set connectorConfig.spreadsheetId');
  });

  it('open - valueRenderOption FORMATTED_VALUE reads the displayed text instead', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'T', rows: [['ID', 'Revenue', 'Active'], ['a', { value: 1234.5, format: 'currency' }, true]] }] });
    const rows = (await drain(await strategy({ valueRenderOption: 'FORMATTED_VALUE' }).open(readRequest({ spreadsheetId, tabName: 'T', columns: ['ID', 'Revenue', 'Active'] })))).flatMap((batch) => batch.rows);
    expect(rows[0]?.values).toEqual({ ID: 'a', Revenue: '$1,234.50', Active: 'TRUE' });
    expect(emulator.requests.at(-1)?.params.valueRenderOption).toBe('FORMATTED_VALUE');
  });

  it('open - rowLimit stops after that many rows; batches respect batchSize', async () => {
    const rows = [['ID'], ...Array.from({ length: 30 }, (_, index) => [`r${index}`])];
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'T', rows }] });
    const batches = await drain(await strategy().open(readRequest({ spreadsheetId, tabName: 'T', columns: ['ID'], batchSize: 4, rowLimit: 10 })));
    expect(batches.map((batch) => batch.rows.length)).toEqual([4, 4, 2]);
    expect(batches.at(-1)?.rows.at(-1)?.address.row).toBe(11);
  });
});

describe('headers', () => {
  it('headers - match case- and whitespace-insensitively or by column letter, with blank and duplicate warnings', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'Master Sheet',
      sheets: [{ title: 'Partners', rows: [['  Partner   ID ', 'Email', '', 'email', 'Notes'], ['p1', 'a@x.com', 'blank-col', 'b@x.com', 'n']] }],
    });
    const reader = await strategy().open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['partner id', 'EMAIL', 'column:C', 'Column: e'] }));
    expect(reader.warnings).toEqual([
      'Master Sheet > Partners: column C has a blank header (row 1); it can only be mapped by its letter (sourceColumn "column:C").',
      'Master Sheet > Partners: the header "Email" appears in columns B, D (row 1); mappings by name read column B.',
    ]);
    expect(reader.columns.get('column:C')).toEqual({ label: 'C', letter: 'C' });
    expect(reader.columns.get('Column: e')).toEqual({ label: 'E (Notes)', letter: 'E' });
    const rows = (await drain(reader)).flatMap((batch) => batch.rows);
    expect(rows[0]?.values).toEqual({ 'partner id': 'p1', EMAIL: 'a@x.com', 'column:C': 'blank-col', 'Column: e': 'n' });
  });

  // Bug: a mapped name of 1-3 capitals matching no header (a renamed "X" or "ID") was silently read as that column letter.
  it('headers - a bare "X" or "ID" that matches no header is missing, never read as a column letter', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'Master Sheet',
      sheets: [{ title: 'Points', columnCount: 300, rows: [['Name', 'X coord', 'Y coord'], ['a', 1, 2]] }],
    });
    const error = await rejectionOf(strategy().open(readRequest({ spreadsheetId, tabName: 'Points', columns: ['Name', 'X', 'ID'] })));
    expect(error.code).toBe('SOURCE_SCHEMA_MISMATCH');
    expect(error.details).toMatchObject({ missingColumns: ['X', 'ID'] });
    expect(error.message).toContain('A bare "X", "ID" is a header name, never a column letter: to read a column by its letter, write sourceColumn "column:X".');
  });

  it('headers - a header row other than 1 is honoured and the rows above it are not data', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'T', rows: [['Report title'], [], ['ID', 'Name'], ['a', 'A'], ['b', 'B']] }] });
    const rows = (await drain(await strategy().open(readRequest({ spreadsheetId, tabName: 'T', columns: ['ID', 'Name'], headerRow: 3 })))).flatMap((batch) => batch.rows);
    expect(rows.map((row) => [row.address.row, row.values.ID])).toEqual([
      [4, 'a'],
      [5, 'b'],
    ]);
  });

  it('headers - a renamed mapped column fails open with SOURCE_SCHEMA_MISMATCH naming the tab, column and headers found', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Master Sheet', sheets: [{ title: 'Partners', rows: [['Partner ID', 'Brand'], ['p1', 'Acme']] }] });
    const error = await rejectionOf(strategy().open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['Partner ID', 'Brand Name'] })));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.code).toBe('SOURCE_SCHEMA_MISMATCH');
    expect(error.message).toContain('Master Sheet > Partners: mapped column "Brand Name" is not in the header row (row 1) of tab "Partners". Headers found: A "Partner ID", B "Brand".');
    expect(error.details).toMatchObject({ tab: 'Partners', missingColumns: ['Brand Name'] });
  });

  // Bug: sheetType was not read, so a chart sheet was read as a 1000 x 26 grid and failed with a misleading 400.
  it('headers - a chart sheet named as the tab is SOURCE_SCHEMA_MISMATCH saying it is a chart, with no values request', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Master Sheet', sheets: [{ title: 'Partners', rows: [['ID'], ['p1']] }, { title: 'Revenue Chart', sheetType: 'OBJECT' }] });
    const error = await rejectionOf(strategy().open(readRequest({ spreadsheetId, tabName: 'Revenue Chart', columns: ['ID'] })));
    expect(error.code).toBe('SOURCE_SCHEMA_MISMATCH');
    expect(error.message).toContain('Tab "Revenue Chart" of spreadsheet "Master Sheet"');
    expect(error.message).toContain('is a chart sheet (sheetType OBJECT)');
    expect(emulator.requests.map((request) => request.method)).toEqual(['spreadsheets.get']);
  });

  it('headers - a missing tab is SOURCE_NOT_FOUND listing the tabs', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Master Sheet', sheets: [{ title: 'Partners' }, { title: 'Old', hidden: true }] });
    const error = await rejectionOf(strategy().open(readRequest({ spreadsheetId, tabName: 'Staff', columns: ['ID'] })));
    expect(error.code).toBe('SOURCE_NOT_FOUND');
    expect(error.message).toContain('Tab "Staff" was not found in spreadsheet "Master Sheet"');
    expect(error.message).toContain('Tabs found: "Partners", "Old" (hidden).');
    // The tab is known missing from the metadata: no values request was made.
    expect(emulator.requests.map((request) => request.method)).toEqual(['spreadsheets.get']);
  });
});

describe('windows', () => {
  it('windows - a 25,000-row tab is read in row windows, every row once and in order', async () => {
    const rows = [['ID', 'N'], ...Array.from({ length: 25_000 }, (_, index) => [`r${index + 1}`, index + 1])];
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Big', rows, columnCount: 2 }] });
    const reader = await strategy({ windowRows: 3000 }).open(readRequest({ spreadsheetId, tabName: 'Big', columns: ['ID', 'N'], batchSize: 1000 }));
    let count = 0;
    let previous = 1;
    let largest = 0;
    for await (const batch of reader.batches()) {
      largest = Math.max(largest, batch.rows.length);
      for (const row of batch.rows) {
        expect(row.address.row).toBe(previous + 1);
        expect(row.values.N).toBe(row.address.row! - 1);
        previous = row.address.row!;
        count += 1;
      }
    }
    expect(count).toBe(25_000);
    expect(largest).toBe(1000);
    const valueRequests = emulator.requests.filter((request) => request.method === 'values.batchGet');
    // Rows 1-3001 with the header, then windows of 3000 up to row 25001: 1 + 8 requests.
    expect(valueRequests).toHaveLength(9);
    expect(valueRequests[0]?.ranges).toEqual(['Big!A1:B3001']);
    expect(valueRequests[1]?.ranges).toEqual(['Big!A3002:B6001']);
    expect(valueRequests.at(-1)?.ranges).toEqual(['Big!A24002:B25001']);
  });
});

describe('wide grids', () => {
  // Bug: every window spanned all grid columns, so memory per window grew with the grid's width.
  it('windows - after the header, a wide grid with 2 mapped columns is read over their span only, in windows sized in cells', async () => {
    const header = Array.from({ length: 100 }, (_, index) => `H${index + 1}`);
    header[2] = 'ID';
    header[5] = 'Amount';
    const rows = [header, ...Array.from({ length: 39 }, (_, index) => header.map((_, column) => (column === 2 ? `r${index + 2}` : column === 5 ? index + 2 : `x${column}`)))];
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Wide', rows, columnCount: 100, rowCount: 40 }] });
    const reader = await strategy({ windowCells: 1000 }).open(readRequest({ spreadsheetId, tabName: 'Wide', columns: ['ID', 'Amount'], batchSize: 7 }));
    const read = (await drain(reader)).flatMap((batch) => batch.rows);
    expect(read.map((row) => [row.address.row, row.values.ID, row.values.Amount])).toEqual(Array.from({ length: 39 }, (_, index) => [index + 2, `r${index + 2}`, index + 2]));
    // First window: the header and 1000 / 100 = 10 rows, every column. Then C:F (4 columns): up to 250 rows.
    expect(emulator.requests.filter((request) => request.method === 'values.batchGet').map((request) => request.ranges)).toEqual([['Wide!A1:CV11'], ['Wide!C12:F40']]);
  });
});

describe('incremental', () => {
  it('incremental - reads only appended rows after the stored row count, with a checkpoint per batch', async () => {
    const { spreadsheetId, sheets: created } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Log', rows: [['ID'], ['a'], ['b'], ['c']] }] });
    const sheetId = created[0]!.sheetId;
    const sheets = strategy({ metadataTtlMs: 0 });
    const first = await drain(await sheets.open(readRequest({ spreadsheetId, tabName: 'Log', columns: ['ID'], mode: 'incremental', batchSize: 2 })));
    expect(first.map((batch) => batch.checkpoint)).toEqual([
      { rowCount: 2, sheetId, fingerprint: expect.any(String) },
      { rowCount: 3, sheetId, fingerprint: expect.any(String) },
    ]);
    emulator.appendRows(spreadsheetId, 'Log', [['d'], [], ['e']]);
    emulator.resetCounters();
    const second = await drain(await sheets.open(readRequest({ spreadsheetId, tabName: 'Log', columns: ['ID'], mode: 'incremental', state: first.at(-1)!.checkpoint ?? null })));
    expect(second.flatMap((batch) => batch.rows).map((row) => [row.address.row, row.values.ID])).toEqual([
      [5, 'd'],
      [7, 'e'],
    ]);
    expect(second.at(-1)?.checkpoint).toEqual({ rowCount: 6, sheetId, fingerprint: expect.any(String) });
    // The last synced row (4) is read again to check nothing moved above it.
    expect(emulator.requests.find((request) => request.method === 'values.batchGet')?.ranges).toEqual(['Log!A1:Z1', 'Log!A4:Z1000']);
    expect(second.flatMap((batch) => batch.rows)).toHaveLength(2);
    const third = await drain(await sheets.open(readRequest({ spreadsheetId, tabName: 'Log', columns: ['ID'], mode: 'incremental', state: second.at(-1)!.checkpoint ?? null })));
    expect(third).toEqual([]);
  });

  // Bug: shifted rows went unseen because the deleted-rows check compared the cursor with the (unchanged) grid size.
  it('incremental - rows deleted above the cursor and rows appended: the last synced row has changed, so the tab is read from the top', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Log', rows: [['ID'], ['a'], ['b'], ['c'], ['d'], ['e']] }] });
    const sheets = strategy({ metadataTtlMs: 0 });
    const first = await drain(await sheets.open(readRequest({ spreadsheetId, tabName: 'Log', columns: ['ID'], mode: 'incremental' })));
    emulator.deleteRows(spreadsheetId, 'Log', 2, 2);
    emulator.appendRows(spreadsheetId, 'Log', [['f'], ['g']]);
    const reader = await sheets.open(readRequest({ spreadsheetId, tabName: 'Log', columns: ['ID'], mode: 'incremental', state: first.at(-1)!.checkpoint ?? null }));
    expect(reader.warnings).toEqual([expect.stringContaining('row 6, the last row synced before, has changed')]);
    expect((await drain(reader)).flatMap((batch) => batch.rows).map((row) => row.values.ID)).toEqual(['c', 'd', 'e', 'f', 'g']);
  });

  it('incremental - a cursor without a fingerprint (stored by an older version) still reads after the stored row count', async () => {
    const { spreadsheetId, sheets: created } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Log', rows: [['ID'], ['a'], ['b'], ['c']] }] });
    const reader = await strategy().open(readRequest({ spreadsheetId, tabName: 'Log', columns: ['ID'], mode: 'incremental', state: { rowCount: 2, sheetId: created[0]!.sheetId } }));
    expect((await drain(reader)).flatMap((batch) => batch.rows).map((row) => row.values.ID)).toEqual(['c']);
  });

  it('incremental - a cursor from a replaced tab reads from the top with a warning', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Log', rows: [['ID'], ['a']] }] });
    const reader = await strategy().open(readRequest({ spreadsheetId, tabName: 'Log', columns: ['ID'], mode: 'incremental', state: { rowCount: 5, sheetId: 123 } }));
    expect(reader.warnings?.some((warning) => warning.includes('sheetId changed'))).toBe(true);
    expect((await drain(reader)).flatMap((batch) => batch.rows)).toHaveLength(1);
  });

  it('incremental - mode full ignores the state and reads everything', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Log', rows: [['ID'], ['a'], ['b']] }] });
    const batches = await drain(await strategy().open(readRequest({ spreadsheetId, tabName: 'Log', columns: ['ID'], state: { rowCount: 1 } })));
    expect(batches.flatMap((batch) => batch.rows)).toHaveLength(2);
  });
});

describe('options', () => {
  it('options - bad options are one ConfigurationError listing every path', () => {
    let error: unknown;
    try {
      googleSheets({ windowRows: 0, retry: { retries: -1 }, valueRenderOption: 'FORMULA' as never });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual(['client', 'windowRows', 'retry.retries', 'valueRenderOption']);
  });

  it('options - declares its type and capabilities', () => {
    const sheets = strategy();
    expect(sheets.type).toBe('google_sheet');
    expect(sheets.capabilities).toEqual({ incremental: true, streaming: true, deletes: false, lookup: false });
  });
});

describe('emulator client', () => {
  it('createClient - the documented host test: a googleapis client from the emulator reads a mapping', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Master Sheet', sheets: [{ title: 'Partners', rows: [['Brand Name', 'Tier'], ['Acme', 'gold']] }] });
    const client = await emulator.createClient({ token: 'host-test' });
    const reader = await googleSheets({ client, quota: false }).open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['Brand Name', 'Tier'] }));
    expect((await drain(reader)).flatMap((batch) => batch.rows)).toEqual([{ values: { 'Brand Name': 'Acme', Tier: 'gold' }, address: { row: 2 } }]);
    expect(emulator.requestCount('host-test')).toBe(2);
  });
});
