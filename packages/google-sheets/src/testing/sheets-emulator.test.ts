import { google } from 'googleapis';
import type { sheets_v4 } from 'googleapis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSheetsEmulator } from './sheets-emulator.js';
import type { SheetsEmulator } from './sheets-emulator.js';

let emulator: SheetsEmulator;
let sheets: sheets_v4.Sheets;
const TOKEN = 'emulator-test-token';

function clientWith(token: string | undefined): sheets_v4.Sheets {
  const auth = new google.auth.OAuth2();
  if (token) auth.setCredentials({ access_token: token });
  return google.sheets({ version: 'v4', auth, rootUrl: emulator.url });
}

async function failureOf(promise: Promise<unknown>): Promise<{ status: number; data: any }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { status?: number; response?: { status: number; data: unknown } };
    return { status: failure.response?.status ?? failure.status ?? -1, data: failure.response?.data };
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  emulator = await startSheetsEmulator();
  sheets = clientWith(TOKEN);
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
});

describe('spreadsheets.get', () => {
  it('spreadsheets.get - answers the properties and sheets, hidden only when true, sheetId 0 first', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'Master Sheet',
      timeZone: 'America/New_York',
      sheets: [{ title: 'Sheet1' }, { title: 'finances', rowCount: 100, columnCount: 100 }, { title: 'gacha', hidden: true }],
    });
    const { data } = await sheets.spreadsheets.get({ spreadsheetId, includeGridData: false });
    expect(data.properties).toMatchObject({ title: 'Master Sheet', locale: 'en_US', timeZone: 'America/New_York' });
    const [first, second, third] = data.sheets ?? [];
    expect(first?.properties).toEqual({ sheetId: 0, title: 'Sheet1', index: 0, sheetType: 'GRID', gridProperties: { rowCount: 1000, columnCount: 26 } });
    expect(second?.properties?.sheetId).toBeGreaterThan(1000);
    expect(second?.properties).not.toHaveProperty('hidden');
    expect(third?.properties?.hidden).toBe(true);
  });

  it('spreadsheets.get - trims the body to a fields mask with dotted and parenthesised paths', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Example Spreadsheet', sheets: [{ title: 'Class Data', rowCount: 101, columnCount: 22, frozenRowCount: 1 }] });
    const dotted = await sheets.spreadsheets.get({ spreadsheetId, fields: 'spreadsheetId,properties.title,sheets.properties' });
    expect(dotted.data).toEqual({
      spreadsheetId,
      properties: { title: 'Example Spreadsheet' },
      sheets: [{ properties: { sheetId: 0, title: 'Class Data', index: 0, sheetType: 'GRID', gridProperties: { rowCount: 101, columnCount: 22, frozenRowCount: 1 } } }],
    });
    const nested = await sheets.spreadsheets.get({ spreadsheetId, fields: 'properties(title,timeZone),sheets(properties(title,gridProperties(rowCount)))' });
    expect(nested.data).toEqual({ properties: { title: 'Example Spreadsheet', timeZone: 'Etc/GMT' }, sheets: [{ properties: { title: 'Class Data', gridProperties: { rowCount: 101 } } }] });
  });

  it('spreadsheets.get - a mask selecting nothing present answers {}; a malformed mask is 400', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
    expect((await sheets.spreadsheets.get({ spreadsheetId, fields: 'namedRanges' })).data).toEqual({});
    const failure = await failureOf(sheets.spreadsheets.get({ spreadsheetId, fields: 'sheets(properties' }, { retry: false }));
    expect(failure.status).toBe(400);
    expect(failure.data.error.status).toBe('INVALID_ARGUMENT');
  });

  it('spreadsheets.get - an unknown sheet in ranges is 400 Unable to parse range', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
    const failure = await failureOf(sheets.spreadsheets.get({ spreadsheetId, ranges: ['NOPE!A5:F15'] }, { retry: false }));
    expect(failure).toEqual({ status: 400, data: { error: { code: 400, message: 'Unable to parse range: NOPE!A5:F15', status: 'INVALID_ARGUMENT' } } });
  });
});

describe('values', () => {
  it('values.get - trims trailing empty cells and rows, keeps interior "" and []', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'x',
      sheets: [{ title: 'Sheet1', rowCount: 4, columnCount: 4, rows: [['A1', 'B1', '', 'D1'], ['', 'b2', '', ''], ['', '', '', ''], ['A4', 'B4', '', 'D4']] }],
    });
    const { data } = await sheets.spreadsheets.values.get({ spreadsheetId, range: "'Sheet1'" });
    expect(data).toEqual({ range: 'Sheet1!A1:D4', majorDimension: 'ROWS', values: [['A1', 'B1', '', 'D1'], ['', 'b2'], [], ['A4', 'B4', '', 'D4']] });
  });

  it('values.get - an empty open-ended range has no values key and echoes the clamped grid', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
    const { data } = await sheets.spreadsheets.values.get({ spreadsheetId, range: "'Sheet1'!A1:C" });
    expect(data).toEqual({ range: 'Sheet1!A1:C1000', majorDimension: 'ROWS' });
  });

  it('values.get - echoes the whole grid, quoting names that need it, reversing reversed ranges', async () => {
    const rows = Array.from({ length: 31 }, (_, index) => [`Student ${index}`, 'x']);
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Class Data', rowCount: 101, columnCount: 22, rows }, { title: 'Small', rowCount: 10, columnCount: 4 }] });
    const whole = await sheets.spreadsheets.values.get({ spreadsheetId, range: 'Class Data' });
    expect(whole.data.range).toBe("'Class Data'!A1:V101");
    expect(whole.data.values).toHaveLength(31);
    expect((await sheets.spreadsheets.values.get({ spreadsheetId, range: 'Small!A:A' })).data.range).toBe('Small!A1:A10');
    expect((await sheets.spreadsheets.values.get({ spreadsheetId, range: 'Small!D4:A1' })).data.range).toBe('Small!A1:D4');
  });

  it('values.get - a start past the grid is 400 exceeds grid limits; an unknown sheet is 400 Unable to parse range', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
    const past = await failureOf(sheets.spreadsheets.values.get({ spreadsheetId, range: 'Sheet1!A1001:B1002' }, { retry: false }));
    expect(past.status).toBe(400);
    expect(past.data.error.message).toBe('Range (Sheet1!A1001:B1002) exceeds grid limits. Max rows: 1000, max columns: 26');
    const unknown = await failureOf(sheets.spreadsheets.values.get({ spreadsheetId, range: 'paper10' }, { retry: false }));
    expect(unknown.data).toEqual({ error: { code: 400, message: 'Unable to parse range: paper10', status: 'INVALID_ARGUMENT' } });
  });

  it('values.get - renders UNFORMATTED_VALUE with serial dates, FORMATTED_STRING dates, FORMATTED_VALUE and FORMULA', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'x',
      sheets: [
        {
          title: 'Sheet1',
          rows: [
            [{ value: 2, formula: '=4/2' }, new Date('2020-01-01T00:00:00Z'), 'string', 53],
            [{ value: 1.5, formula: '=3/2' }, 0.12, new Date('1999-01-02T00:00:00Z'), ''],
            [{ value: 1.23, format: 'currency' }, { value: 0.125, format: 'percent' }, true, { formula: '=A1/0', error: '#DIV/0!' }],
          ],
        },
      ],
    });
    const read = async (valueRenderOption: string, dateTimeRenderOption: string) =>
      (await sheets.spreadsheets.values.get({ spreadsheetId, range: "'Sheet1'", valueRenderOption, dateTimeRenderOption })).data.values;
    expect(await read('UNFORMATTED_VALUE', 'SERIAL_NUMBER')).toEqual([
      [2, 43831, 'string', 53],
      [1.5, 0.12, 36162],
      [1.23, 0.125, true, '#DIV/0!'],
    ]);
    expect(await read('UNFORMATTED_VALUE', 'FORMATTED_STRING')).toEqual([
      [2, '2020-01-01', 'string', 53],
      [1.5, 0.12, '1999-01-02'],
      [1.23, 0.125, true, '#DIV/0!'],
    ]);
    expect(await read('FORMATTED_VALUE', 'SERIAL_NUMBER')).toEqual([
      ['2', '2020-01-01', 'string', '53'],
      ['1.5', '0.12', '1999-01-02'],
      ['$1.23', '12.50%', 'TRUE', '#DIV/0!'],
    ]);
    expect(await read('FORMULA', 'SERIAL_NUMBER')).toEqual([
      ['=4/2', 43831, 'string', 53],
      ['=3/2', 0.12, 36162],
      [1.23, 0.125, true, '=A1/0'],
    ]);
  });

  it('values.get - a Date becomes a serial in the spreadsheet time zone, with the time as a fraction', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'x',
      timeZone: 'America/New_York',
      sheets: [{ title: 'Sheet1', rows: [[new Date('1900-01-01T17:00:00Z'), new Date('2024-07-01T04:00:00Z')]] }],
    });
    const { data } = await sheets.spreadsheets.values.get({ spreadsheetId, range: 'Sheet1', valueRenderOption: 'UNFORMATTED_VALUE' });
    // 1900-01-01 17:00Z is 12:00 in New York (EST, UTC-5): serial 2.5. 2024-07-01 04:00Z is midnight EDT.
    expect(data.values).toEqual([[2.5, 45474]]);
  });

  it('values.batchGet - answers in request order, the unqualified range on the first sheet', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'x',
      sheets: [
        { title: 'Class Data', rows: [['Student Name', 'Gender'], ['Alexandra', 'Female']] },
        { title: 'Sheet1', rows: [['A1', 'B1'], [], [], ['', 'B4', '', 'D4']] },
      ],
    });
    const { data } = await sheets.spreadsheets.values.batchGet({ spreadsheetId, ranges: ["'Sheet1'!B4:D4", "'Sheet1'!A1:B1", 'A1:D5'] });
    expect(data).toEqual({
      spreadsheetId,
      valueRanges: [
        { range: 'Sheet1!B4:D4', majorDimension: 'ROWS', values: [['B4', '', 'D4']] },
        { range: 'Sheet1!A1:B1', majorDimension: 'ROWS', values: [['A1', 'B1']] },
        { range: "'Class Data'!A1:D5", majorDimension: 'ROWS', values: [['Student Name', 'Gender'], ['Alexandra', 'Female']] },
      ],
    });
    expect(emulator.requests.at(-1)?.ranges).toEqual(["'Sheet1'!B4:D4", "'Sheet1'!A1:B1", 'A1:D5']);
  });

  it('values.get - a single cell echoes as one cell; COLUMNS answers one array per column', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1', rows: [['a', 'b'], ['c']] }] });
    expect((await sheets.spreadsheets.values.get({ spreadsheetId, range: 'Sheet1!B1' })).data).toEqual({ range: 'Sheet1!B1', majorDimension: 'ROWS', values: [['b']] });
    const columns = await sheets.spreadsheets.values.get({ spreadsheetId, range: 'Sheet1!A1:B', majorDimension: 'COLUMNS' });
    expect(columns.data).toEqual({ range: 'Sheet1!A1:B1000', majorDimension: 'COLUMNS', values: [['a', 'c'], ['b']] });
  });

  it('values.get - FORMATTED_VALUE formats negative currency, datetimes and plain numbers', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({
      title: 'x',
      sheets: [{ title: 'Sheet1', rows: [[{ value: -1234.5, format: 'currency' }, new Date('2024-01-31T13:45:00Z'), 1 / 3, { value: 7, format: 'text' }]] }],
    });
    const { data } = await sheets.spreadsheets.values.get({ spreadsheetId, range: 'Sheet1' });
    expect(data.values).toEqual([['-$1,234.50', '2024-01-31 13:45:00', '0.3333333333', '7']]);
  });

  it('values.get - answers after the configured latency', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1', rows: [['a']] }] });
    emulator.setLatency(5);
    expect((await sheets.spreadsheets.values.get({ spreadsheetId, range: 'Sheet1' })).data.values).toEqual([['a']]);
  });

  it('values.get - appendRows, deleteRows, renameSheet and setCell change what is read', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Tab', rowCount: 3, rows: [['Name'], ['a'], ['b']] }] });
    expect(emulator.appendRows(spreadsheetId, 'Tab', [['c'], ['d']])).toBe(4);
    emulator.deleteRows(spreadsheetId, 'Tab', 2);
    emulator.setCell(spreadsheetId, 'Tab!B1', 'Extra');
    emulator.renameSheet(spreadsheetId, 'Tab', 'Renamed Tab');
    const { data } = await sheets.spreadsheets.values.get({ spreadsheetId, range: "'Renamed Tab'" });
    expect(data).toEqual({ range: "'Renamed Tab'!A1:Z4", majorDimension: 'ROWS', values: [['Name', 'Extra'], ['b'], ['c'], ['d']] });
  });
});

describe('errors and misbehaviour', () => {
  it('errors - 401 without a token, 403 when revoked, 404 for an unknown spreadsheet', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
    const anonymous = google.sheets({ version: 'v4', rootUrl: emulator.url });
    const unauthenticated = await failureOf(anonymous.spreadsheets.get({ spreadsheetId }, { retry: false }));
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.data.error.status).toBe('UNAUTHENTICATED');
    emulator.revokeAccess(spreadsheetId);
    expect((await failureOf(sheets.spreadsheets.get({ spreadsheetId }, { retry: false }))).data).toEqual({
      error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' },
    });
    expect((await failureOf(sheets.spreadsheets.get({ spreadsheetId: 'test' }, { retry: false }))).data).toEqual({
      error: { code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' },
    });
  });

  it('errors - an injected 429 is RESOURCE_EXHAUSTED with the quota message and no Retry-After', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
    emulator.failNext({ status: 429 });
    let retryAfter: unknown = 'not read';
    try {
      await sheets.spreadsheets.get({ spreadsheetId }, { retry: false });
      throw new Error('expected a 429');
    } catch (error) {
      const failure = error as { response: { status: number; data: any; headers: Headers | Record<string, unknown> } };
      expect(failure.response.status).toBe(429);
      expect(failure.response.data.error.status).toBe('RESOURCE_EXHAUSTED');
      expect(failure.response.data.error.message).toContain("limit 'Read requests per minute per user'");
      const raw = failure.response.headers;
      retryAfter = raw instanceof Headers ? raw.get('retry-after') : raw['retry-after'];
    }
    expect(retryAfter ?? null).toBeNull();
    expect((await sheets.spreadsheets.get({ spreadsheetId })).status).toBe(200);
  });

  it('quota - answers 429 past the per-token budget and counts requests per token', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
    emulator.setQuota({ requests: 2, windowMs: 60_000 });
    await sheets.spreadsheets.get({ spreadsheetId });
    await sheets.spreadsheets.get({ spreadsheetId });
    expect((await failureOf(sheets.spreadsheets.get({ spreadsheetId }, { retry: false }))).status).toBe(429);
    // Another user has a budget of its own.
    expect((await clientWith('other-user').spreadsheets.get({ spreadsheetId })).status).toBe(200);
    expect(emulator.requestCount(TOKEN)).toBe(3);
    expect(emulator.requestCount('other-user')).toBe(1);
    expect(emulator.requestCount()).toBe(4);
  });

  it('misbehaviour - a dropped connection fails the request, the next one succeeds', async () => {
    const { spreadsheetId } = emulator.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
    emulator.failNext({ drop: true });
    await expect(sheets.spreadsheets.get({ spreadsheetId }, { retry: false })).rejects.toThrow();
    expect((await sheets.spreadsheets.get({ spreadsheetId })).status).toBe(200);
    expect(emulator.requests.map((request) => request.status)).toEqual([0, 200]);
  });

  it('auth - the /token endpoint refreshes an OAuth2 client once after a 401 and the replay succeeds', async () => {
    const strict = await startSheetsEmulator({ acceptedTokens: [] });
    try {
      const { spreadsheetId } = strict.createSpreadsheet({ title: 'x', sheets: [{ title: 'Sheet1' }] });
      const auth = new google.auth.OAuth2({ clientId: 'id', clientSecret: 'secret', endpoints: { oauth2TokenUrl: strict.tokenUrl } });
      auth.setCredentials({ access_token: 'expired', refresh_token: 'refresh' });
      const client = google.sheets({ version: 'v4', auth, rootUrl: strict.url });
      const { status } = await client.spreadsheets.get({ spreadsheetId }, { retry: false });
      expect(status).toBe(200);
      expect(strict.requests.map((request) => [request.method, request.status])).toEqual([
        ['spreadsheets.get', 401],
        ['token', 200],
        ['spreadsheets.get', 200],
      ]);
    } finally {
      await strict.close();
    }
  });
});
