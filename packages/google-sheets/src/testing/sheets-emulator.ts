/**
 * An HTTP emulator of the read side of the Google Sheets v4 API, for tests that run the real
 * `googleapis` client against it (`google.sheets({ version: 'v4', auth, rootUrl: emulator.url })`).
 * It listens on 127.0.0.1 on a random port, and can be told to misbehave.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parseRange } from '../a1-notation.js';
import type { SheetsClient } from '../sheets-client.js';
import type { DateTimeRenderOption, ValueRenderOption } from './emulator-cells.js';
import { enumParam, errorBody, readBody, sendJson, STATUS_TEXT } from './emulator-http.js';
import type { EmulatedSheet, EmulatedSpreadsheet, ValueReadOptions } from './emulator-spreadsheet.js';
import { buildSheet, EmulatedApiError, lastUsedRow, randomSpreadsheetId, readValueRange, resolveRange, spreadsheetResource, writeCells } from './emulator-spreadsheet.js';
import { applyFieldMask, FieldMaskError, parseFieldMask } from './field-mask.js';
import type { EmulatedMethod, EmulatorQuota, InjectedFailure, RecordedRequest, SheetsEmulator, SheetsEmulatorOptions } from './sheets-emulator-types.js';

export type { CreatedSpreadsheet, EmulatedMethod, EmulatorQuota, InjectedFailure, RecordedRequest, SheetsEmulator, SheetsEmulatorOptions } from './sheets-emulator-types.js';

/**
 * Creates a Sheets v4 emulator (not yet listening: call `start()`, or use {@link startSheetsEmulator}).
 *
 * @example
 * const emulator = await startSheetsEmulator();
 * const { spreadsheetId } = emulator.createSpreadsheet({ title: 'Master Sheet', sheets: [{ title: 'Partners', rows: [['Brand Name'], ['Acme']] }] });
 * const auth = new google.auth.OAuth2();
 * auth.setCredentials({ access_token: 'test-token' });
 * const client = google.sheets({ version: 'v4', auth, rootUrl: emulator.url });
 * // ... googleSheets({ client, spreadsheetId }) ...
 * await emulator.close();
 */
export function createSheetsEmulator(options: SheetsEmulatorOptions = {}): SheetsEmulator {
  const spreadsheets = new Map<string, EmulatedSpreadsheet>();
  const failures: Array<Required<Pick<InjectedFailure, 'count'>> & InjectedFailure> = [];
  const log: RecordedRequest[] = [];
  const quotaWindows = new Map<string, number[]>();
  const acceptedTokens = options.acceptedTokens ? new Set(options.acceptedTokens) : undefined;
  const sockets = new Set<Socket>();
  let latencyMs = options.latencyMs ?? 0;
  let quota: EmulatorQuota | null = options.quota ?? null;
  let server: Server | undefined;
  let baseUrl = '';
  let issuedTokens = 0;
  const revokedRefreshTokens = new Set<string>();

  function spreadsheetOf(spreadsheetId: string): EmulatedSpreadsheet {
    const spreadsheet = spreadsheets.get(spreadsheetId);
    if (!spreadsheet) throw new Error(`Sheets emulator: no spreadsheet ${spreadsheetId}`);
    return spreadsheet;
  }

  function sheetOf(spreadsheetId: string, title: string): EmulatedSheet {
    const sheet = spreadsheetOf(spreadsheetId).sheets.find((candidate) => candidate.title === title);
    if (!sheet) throw new Error(`Sheets emulator: no sheet ${title} in ${spreadsheetId}`);
    return sheet;
  }

  function topLeft(spreadsheetId: string, address: string): { sheet: EmulatedSheet; row: number; column: number } {
    const spreadsheet = spreadsheetOf(spreadsheetId);
    const parsed = parseRange(address, (title) => spreadsheet.sheets.some((sheet) => sheet.title === title));
    const sheet = parsed?.sheetTitle === undefined ? spreadsheet.sheets[0] : spreadsheet.sheets.find((candidate) => candidate.title === parsed.sheetTitle);
    if (!parsed || !sheet) throw new Error(`Sheets emulator: cannot resolve ${address}`);
    return { sheet, row: parsed.block?.startRow ?? 1, column: parsed.block?.startColumn ?? 1 };
  }

  function takeFailure(method: EmulatedMethod): InjectedFailure | undefined {
    const index = failures.findIndex((failure) => failure.method === undefined || failure.method === method);
    if (index < 0) return undefined;
    const failure = failures[index]!;
    failure.count -= 1;
    if (failure.count <= 0) failures.splice(index, 1);
    return failure;
  }

  function overQuota(token: string): boolean {
    if (!quota) return false;
    const now = performance.now();
    const arrivals = (quotaWindows.get(token) ?? []).filter((time) => now - time < quota!.windowMs);
    quotaWindows.set(token, arrivals);
    if (arrivals.length >= quota.requests) return true;
    arrivals.push(now);
    return false;
  }

  function tokenOf(request: IncomingMessage, url: URL): string | undefined {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) return header.slice(7).trim() || undefined;
    return url.searchParams.get('key') ?? undefined;
  }

  function classify(segments: string[]): { method: EmulatedMethod; spreadsheetId?: string; range?: string } {
    // ['', 'v4', 'spreadsheets', id, ...]
    if (segments[1] !== 'v4' || segments[2] !== 'spreadsheets' || !segments[3]) return { method: 'unknown' };
    const spreadsheetId = decodeURIComponent(segments[3]);
    if (segments.length === 4) return { method: 'spreadsheets.get', spreadsheetId };
    const rest = segments[4] ? decodeURIComponent(segments[4]) : '';
    if (segments.length === 5 && rest === 'values:batchGet') return { method: 'values.batchGet', spreadsheetId };
    if (segments.length === 6 && rest === 'values') return { method: 'values.get', spreadsheetId, range: decodeURIComponent(segments[5] ?? '') };
    return { method: 'unknown', spreadsheetId };
  }

  function valueOptions(url: URL): ValueReadOptions {
    return {
      majorDimension: enumParam(url.searchParams.get('majorDimension'), ['ROWS', 'COLUMNS'] as const, 'ROWS', 'major_dimension'),
      valueRenderOption: enumParam<ValueRenderOption>(url.searchParams.get('valueRenderOption'), ['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA'], 'FORMATTED_VALUE', 'value_render_option'),
      dateTimeRenderOption: enumParam<DateTimeRenderOption>(url.searchParams.get('dateTimeRenderOption'), ['SERIAL_NUMBER', 'FORMATTED_STRING'], 'SERIAL_NUMBER', 'date_time_render_option'),
    };
  }

  function answer(method: EmulatedMethod, spreadsheetId: string, range: string | undefined, url: URL): unknown {
    const spreadsheet = spreadsheets.get(spreadsheetId);
    if (!spreadsheet) throw new EmulatedApiError(404, 'NOT_FOUND', STATUS_TEXT[404]!.message);
    if (method === 'spreadsheets.get') {
      for (const spec of url.searchParams.getAll('ranges')) resolveRange(spreadsheet, spec);
      const fields = url.searchParams.get('fields');
      const resource = spreadsheetResource(spreadsheet);
      if (!fields) return resource;
      try {
        return applyFieldMask(resource, parseFieldMask(fields));
      } catch (error) {
        if (error instanceof FieldMaskError) throw new EmulatedApiError(400, 'INVALID_ARGUMENT', error.message);
        throw error;
      }
    }
    const readOptions = valueOptions(url);
    if (method === 'values.get') return readValueRange(spreadsheet, range ?? '', readOptions);
    const ranges = url.searchParams.getAll('ranges');
    return { spreadsheetId, valueRanges: ranges.map((spec) => readValueRange(spreadsheet, spec, readOptions)) };
  }

  async function handleToken(request: IncomingMessage, response: ServerResponse, entry: RecordedRequest): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    if (form.get('grant_type') !== 'refresh_token' || !form.get('refresh_token')) {
      entry.status = 400;
      sendJson(response, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
      return;
    }
    if (revokedRefreshTokens.has(form.get('refresh_token')!)) {
      // What Google's token endpoint answers for a revoked or expired refresh token.
      entry.status = 400;
      sendJson(response, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      return;
    }
    issuedTokens += 1;
    const accessToken = `emulator-access-token-${issuedTokens}`;
    acceptedTokens?.add(accessToken);
    entry.status = 200;
    sendJson(response, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/spreadsheets.readonly' });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const token = tokenOf(request, url);
    const params: Record<string, string> = {};
    for (const [key, value] of url.searchParams) if (key !== 'ranges' && key !== 'key') params[key] = value;
    if (request.method === 'POST' && url.pathname === '/token') {
      const entry: RecordedRequest = { method: 'token', token: undefined, params, status: 0 };
      log.push(entry);
      await handleToken(request, response, entry);
      return;
    }
    const { method, spreadsheetId, range } = classify(url.pathname.split('/'));
    const entry: RecordedRequest = { method, token, params, status: 0 };
    if (spreadsheetId !== undefined) entry.spreadsheetId = spreadsheetId;
    if (method === 'values.get' && range !== undefined) entry.ranges = [range];
    if (method === 'values.batchGet') entry.ranges = url.searchParams.getAll('ranges');
    log.push(entry);

    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    const failure = takeFailure(method);
    if (failure?.drop) {
      request.socket.destroy();
      return;
    }
    const fail = (code: number, message?: string, status?: string) => {
      entry.status = code;
      sendJson(response, code, errorBody(code, message, status));
    };
    if (failure?.status) return fail(failure.status);
    if (request.method !== 'GET') return fail(405, 'Method not allowed.', 'INVALID_ARGUMENT');
    if (!token) {
      return fail(
        401,
        'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
    }
    if (acceptedTokens && !acceptedTokens.has(token)) return fail(401);
    if (overQuota(token)) return fail(429);
    if (method === 'unknown' || spreadsheetId === undefined) return fail(404, `The requested URL ${url.pathname} was not found on this server.`);
    const spreadsheet = spreadsheets.get(spreadsheetId);
    if (spreadsheet && (spreadsheet.denied.has('*') || spreadsheet.denied.has(token))) return fail(403);
    try {
      const body = answer(method, spreadsheetId, range, url);
      entry.status = 200;
      sendJson(response, 200, body);
    } catch (error) {
      if (error instanceof EmulatedApiError) return fail(error.code, error.message, error.status);
      fail(500);
    }
  }

  const emulator: SheetsEmulator = {
    get url() {
      return baseUrl;
    },
    get tokenUrl() {
      return `${baseUrl}token`;
    },
    async createClient(clientOptions = {}) {
      if (!baseUrl) throw new Error('Sheets emulator: call start() before createClient()');
      // googleapis is an optional peer: load it only when a test asks for a client.
      const { google } = await import('googleapis');
      const auth = new google.auth.OAuth2();
      auth.setCredentials({ access_token: clientOptions.token ?? 'emulator-token' });
      return google.sheets({ version: 'v4', auth, rootUrl: baseUrl }) as unknown as SheetsClient;
    },
    async start() {
      if (server) return;
      server = createServer((request, response) => {
        handle(request, response).catch(() => {
          if (!response.headersSent) sendJson(response, 500, errorBody(500));
        });
      });
      server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(options.port ?? 0, '127.0.0.1', () => resolve());
      });
      const address = server.address();
      if (typeof address !== 'object' || address === null) throw new Error('Sheets emulator: no address');
      baseUrl = `http://127.0.0.1:${address.port}/`;
    },
    async close() {
      const running = server;
      if (!running) return;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => running.close(() => resolve()));
    },

    createSpreadsheet(definition) {
      const id = definition.id ?? randomSpreadsheetId();
      const timeZone = definition.timeZone ?? 'Etc/GMT';
      if (definition.sheets.length === 0) throw new Error('Sheets emulator: a spreadsheet needs at least one sheet');
      const spreadsheet: EmulatedSpreadsheet = {
        id,
        title: definition.title,
        locale: definition.locale ?? 'en_US',
        timeZone,
        sheets: definition.sheets.map((sheet, index) => buildSheet(sheet, index, timeZone)),
        denied: new Set(),
      };
      spreadsheets.set(id, spreadsheet);
      return { spreadsheetId: id, sheets: spreadsheet.sheets.map((sheet) => ({ title: sheet.title, sheetId: sheet.sheetId })) };
    },
    deleteSpreadsheet(spreadsheetId) {
      spreadsheets.delete(spreadsheetId);
    },
    addSheet(spreadsheetId, definition) {
      const spreadsheet = spreadsheetOf(spreadsheetId);
      const sheet = buildSheet(definition, spreadsheet.sheets.length, spreadsheet.timeZone);
      spreadsheet.sheets.push(sheet);
      return { title: sheet.title, sheetId: sheet.sheetId };
    },
    deleteSheet(spreadsheetId, title) {
      const spreadsheet = spreadsheetOf(spreadsheetId);
      spreadsheet.sheets = spreadsheet.sheets.filter((sheet) => sheet.title !== title);
    },
    renameSheet(spreadsheetId, from, to) {
      sheetOf(spreadsheetId, from).title = to;
    },
    setCell(spreadsheetId, address, cell) {
      const { sheet, row, column } = topLeft(spreadsheetId, address);
      writeCells(sheet, row, column, [[cell]], spreadsheetOf(spreadsheetId).timeZone);
    },
    setValues(spreadsheetId, start, rows) {
      const { sheet, row, column } = topLeft(spreadsheetId, start);
      writeCells(sheet, row, column, rows, spreadsheetOf(spreadsheetId).timeZone);
    },
    appendRows(spreadsheetId, sheetTitle, rows) {
      const sheet = sheetOf(spreadsheetId, sheetTitle);
      const first = lastUsedRow(sheet) + 1;
      writeCells(sheet, first, 1, rows, spreadsheetOf(spreadsheetId).timeZone);
      return first;
    },
    deleteRows(spreadsheetId, sheetTitle, startRow, count = 1) {
      const sheet = sheetOf(spreadsheetId, sheetTitle);
      sheet.cells.splice(startRow - 1, count);
      sheet.rowCount = Math.max(1, sheet.rowCount - count);
    },
    revokeAccess(spreadsheetId, token) {
      spreadsheetOf(spreadsheetId).denied.add(token ?? '*');
    },
    restoreAccess(spreadsheetId) {
      spreadsheetOf(spreadsheetId).denied.clear();
    },
    revokeRefreshToken(refreshToken) {
      revokedRefreshTokens.add(refreshToken);
    },
    readSheet(spreadsheetId, sheetTitle) {
      const spreadsheet = spreadsheetOf(spreadsheetId);
      const body = readValueRange(spreadsheet, `'${sheetTitle.replaceAll("'", "''")}'`, {
        majorDimension: 'ROWS',
        valueRenderOption: 'UNFORMATTED_VALUE',
        dateTimeRenderOption: 'SERIAL_NUMBER',
      });
      return (body.values as unknown[][] | undefined) ?? [];
    },

    failNext(failure) {
      failures.push({ ...failure, count: failure.count ?? 1 });
    },
    setLatency(milliseconds) {
      latencyMs = milliseconds;
    },
    setQuota(next) {
      quota = next;
      quotaWindows.clear();
    },
    requestCount(token) {
      return log.filter((entry) => entry.method !== 'token' && (token === undefined || entry.token === token)).length;
    },
    get requests() {
      return log;
    },
    resetCounters() {
      log.length = 0;
      quotaWindows.clear();
      failures.length = 0;
    },
    reset() {
      spreadsheets.clear();
      revokedRefreshTokens.clear();
      log.length = 0;
      quotaWindows.clear();
      failures.length = 0;
      latencyMs = options.latencyMs ?? 0;
      quota = options.quota ?? null;
    },
  };
  return emulator;
}

/** Creates and starts an emulator: `const emulator = await startSheetsEmulator()`; close it in `afterAll`. */
export async function startSheetsEmulator(options: SheetsEmulatorOptions = {}): Promise<SheetsEmulator> {
  const emulator = createSheetsEmulator(options);
  await emulator.start();
  return emulator;
}
