import { FieldsyncError, SourceError } from '@fieldsync/core';
import { inspect } from 'node:util';
import { google, GoogleApis } from 'googleapis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { googleSheets } from './google-sheets-strategy.js';
import { createQuotaBucket, credentialIdentity } from './quota-bucket.js';
import { drain, emulatorClient, readRequest, rejectionOf, uniqueToken } from './test-harness.js';
import { startSheetsEmulator } from './testing/sheets-emulator.js';
import type { SheetsEmulator } from './testing/sheets-emulator.js';

let emulator: SheetsEmulator;
let spreadsheetId: string;

beforeAll(async () => {
  emulator = await startSheetsEmulator();
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.reset();
  spreadsheetId = emulator.createSpreadsheet({ title: 'Master Sheet', sheets: [{ title: 'Partners', rows: [['ID', 'Name'], ['p1', 'Acme'], ['p2', 'Globex']] }] }).spreadsheetId;
});

const FAST_RETRY = { minTimeout: 1, maxTimeout: 5 };

/** The default bucket, counting the slots taken (one per HTTP request when nothing retries underneath). */
function countingBucket() {
  const quota = createQuotaBucket({ requests: 1000, intervalMs: 60_000 });
  const counter = { slots: 0 };
  const bucket = {
    requests: quota.requests,
    intervalMs: quota.intervalMs,
    waits: 0,
    pending: 0,
    acquire(signal?: AbortSignal) {
      counter.slots += 1;
      return quota.acquire(signal);
    },
  };
  return { bucket, counter };
}

function open(options: { token?: string; retry?: false | typeof FAST_RETRY & { retries?: number } } = {}) {
  const { client } = emulatorClient(emulator, options.token ?? uniqueToken());
  const sheets = googleSheets({ client, quota: false, retry: options.retry ?? FAST_RETRY });
  return sheets.open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['ID', 'Name'] }));
}

describe('retries', () => {
  it('retry - one 429 then success is exactly 2 requests (googleapis does not retry as well)', async () => {
    emulator.failNext({ status: 429, method: 'spreadsheets.get' });
    const rows = (await drain(await open())).flatMap((batch) => batch.rows);
    expect(rows).toHaveLength(2);
    expect(emulator.requests.map((request) => [request.method, request.status])).toEqual([
      ['spreadsheets.get', 429],
      ['spreadsheets.get', 200],
      ['values.batchGet', 200],
    ]);
  });

  it('retry - 500 and 503 are retried with backoff', async () => {
    emulator.failNext({ status: 500, method: 'values.batchGet' });
    emulator.failNext({ status: 503, method: 'values.batchGet' });
    await drain(await open());
    expect(emulator.requests.map((request) => request.status)).toEqual([200, 500, 503, 200]);
  });

  it('retry - a dropped connection is retried', async () => {
    emulator.failNext({ drop: true, method: 'values.batchGet' });
    const rows = (await drain(await open())).flatMap((batch) => batch.rows);
    expect(rows).toHaveLength(2);
    expect(emulator.requests.map((request) => request.status)).toEqual([200, 0, 200]);
  });

  it('retry - a request past the client timeout is a network failure (retried, SOURCE_UNAVAILABLE), not an auth failure', async () => {
    const auth = new google.auth.OAuth2();
    auth.setCredentials({ access_token: uniqueToken() });
    const client = google.sheets({ version: 'v4', auth, rootUrl: emulator.url, timeout: 20 });
    emulator.setLatency(300);
    const error = await rejectionOf(googleSheets({ client, quota: false, retry: { ...FAST_RETRY, retries: 1 } }).open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['ID'] })));
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(error.message).toContain('(TimeoutError)');
    expect(emulator.requestCount()).toBe(2);
    // Let the emulator finish the abandoned requests, so they do not take the next test's injected failures.
    await vi.waitFor(() => expect(emulator.requests.every((request) => request.status !== 0)).toBe(true), { timeout: 5000 });
  });

  it('retry - exhausted retries of 429 fail with SOURCE_RATE_LIMITED after retries + 1 requests', async () => {
    emulator.failNext({ status: 429, count: 10 });
    const error = await rejectionOf(open({ retry: { ...FAST_RETRY, retries: 2 } }));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.code).toBe('SOURCE_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('(429 after 3 attempts)');
    expect(emulator.requestCount()).toBe(3);
  });

  // Bug: a client created with retryConfig kept gaxios retrying under `retry: false` (8 requests, outside the quota).
  it('retry - a client created with retryConfig does not retry underneath: constant 429 with retries 1 is 2 requests', async () => {
    const auth = new google.auth.OAuth2();
    auth.setCredentials({ access_token: uniqueToken() });
    const client = google.sheets({ version: 'v4', auth, rootUrl: emulator.url, retryConfig: { retry: 3, retryDelay: 1 } });
    const { bucket: counted, counter } = countingBucket();
    emulator.failNext({ status: 429, count: 100 });
    const sheets = googleSheets({ client, quota: counted, retry: { ...FAST_RETRY, retries: 1 } });
    const error = await rejectionOf(sheets.open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['ID'] })));
    expect(error.code).toBe('SOURCE_RATE_LIMITED');
    expect(emulator.requestCount()).toBe(2);
    // Every HTTP request took a quota slot.
    expect(counter.slots).toBe(2);
  });

  // Bug: retryConfig set through google.options() on a GoogleApis instance also retried underneath.
  it('retry - retryConfig from google.options() does not retry underneath either', async () => {
    const apis = new GoogleApis();
    const auth = new apis.auth.OAuth2();
    auth.setCredentials({ access_token: uniqueToken() });
    apis.options({ retryConfig: { retry: 3, retryDelay: 1 } });
    const client = apis.sheets({ version: 'v4', auth, rootUrl: emulator.url });
    emulator.failNext({ status: 503, count: 100 });
    const error = await rejectionOf(googleSheets({ client, quota: false, retry: false }).open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['ID'] })));
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(emulator.requestCount()).toBe(1);
  });

  it('retry - retry: false makes one request only, so googleapis does not retry underneath', async () => {
    emulator.failNext({ status: 503 });
    const error = await rejectionOf(open({ retry: false }));
    expect(error.code).toBe('SOURCE_UNAVAILABLE');
    expect(emulator.requestCount()).toBe(1);
    emulator.resetCounters();
    emulator.failNext({ status: 429 });
    expect((await rejectionOf(open({ retry: false }))).code).toBe('SOURCE_RATE_LIMITED');
    expect(emulator.requestCount()).toBe(1);
  });
});

describe('fatal errors', () => {
  it('errors - 401 is SOURCE_AUTH_FAILED, not retried, and never shows the token', async () => {
    const token = uniqueToken('secret-token');
    emulator.failNext({ status: 401 });
    const error = await rejectionOf(open({ token }));
    expect(error.code).toBe('SOURCE_AUTH_FAILED');
    expect(error.status).toBe(401);
    expect(error.message).toContain('spreadsheets.readonly');
    // No cause is attached (a GaxiosError's config holds the Authorization header); nothing reachable shows the token.
    expect(error.cause).toBeUndefined();
    expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(token);
    expect(emulator.requestCount()).toBe(1);
  });

  it('errors - 403 is SOURCE_PERMISSION_DENIED and says to share the sheet with the service account', async () => {
    emulator.revokeAccess(spreadsheetId);
    const error = await rejectionOf(open());
    expect(error.code).toBe('SOURCE_PERMISSION_DENIED');
    expect(error.message).toContain("Share the spreadsheet with the service account's email");
    expect(error.message).toContain('The caller does not have permission');
    expect(emulator.requestCount()).toBe(1);
  });

  it('errors - 404 is SOURCE_NOT_FOUND and says to check the spreadsheet id', async () => {
    emulator.deleteSpreadsheet(spreadsheetId);
    const error = await rejectionOf(open());
    expect(error.code).toBe('SOURCE_NOT_FOUND');
    expect(error.message).toBe(
      `[fieldsync] [google-sheets] Spreadsheet ${spreadsheetId} was not found (404). Check the spreadsheet id in the data source (connectorConfig.spreadsheetId): it is the part of the sheet URL between /d/ and /edit.`,
    );
    expect(emulator.requestCount()).toBe(1);
  });
});

describe('abort', () => {
  // Bug: on abort the raw GaxiosError was rethrown, and its config carries the Bearer header.
  it('abort - an aborted window read throws SYNC_ABORTED without the client error or the token', async () => {
    const token = uniqueToken('secret-token');
    const { client } = emulatorClient(emulator, token);
    const controller = new AbortController();
    const reader = await googleSheets({ client, quota: false, retry: FAST_RETRY, windowRows: 1 }).open(
      readRequest({ spreadsheetId, tabName: 'Partners', columns: ['ID'], signal: controller.signal }),
    );
    emulator.setLatency(300);
    const drained = rejectionOf(drain(reader));
    // Abort while the second window's request is at the emulator.
    await vi.waitFor(() => expect(emulator.requestCount()).toBe(3));
    controller.abort();
    const error = await drained;
    expect(FieldsyncError.isInstance(error) && error.code).toBe('SYNC_ABORTED');
    expect(error.cause).toBeUndefined();
    expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(token);
    // Let the emulator finish the abandoned request before the next test.
    await vi.waitFor(() => expect(emulator.requests.every((request) => request.status !== 0)).toBe(true), { timeout: 5000 });
  });
});

describe('quota', () => {
  it('quota - a small shared bucket makes reads wait instead of hitting the per-token quota', async () => {
    const rows = [['ID'], ...Array.from({ length: 40 }, (_, index) => [`r${index}`])];
    const { spreadsheetId: bigId } = emulator.createSpreadsheet({ title: 'Big', sheets: [{ title: 'A', rows, columnCount: 1, rowCount: 41 }, { title: 'B', rows, columnCount: 1, rowCount: 41 }] });
    emulator.setQuota({ requests: 3, windowMs: 150 });
    const quota = createQuotaBucket({ requests: 3, intervalMs: 150 });
    const { client } = emulatorClient(emulator);
    // Two strategies on the same credentials share the bucket passed to both.
    const first = googleSheets({ client, quota, windowRows: 5, retry: false });
    const second = googleSheets({ client, quota, windowRows: 5, retry: false });
    const results = await Promise.all([
      drain(await first.open(readRequest({ spreadsheetId: bigId, tabName: 'A', columns: ['ID'] }))),
      drain(await second.open(readRequest({ spreadsheetId: bigId, tabName: 'B', columns: ['ID'] }))),
    ]);
    expect(results.map((batches) => batches.flatMap((batch) => batch.rows).length)).toEqual([40, 40]);
    // 2 metadata + 2 first windows + 7 more windows per tab; none answered 429.
    expect(emulator.requestCount()).toBe(18);
    expect(emulator.requests.filter((request) => request.status !== 200)).toEqual([]);
    expect(quota.waits).toBeGreaterThan(0);
  });

  it('quota - strategies on the same credentials share one bucket from the registry', () => {
    const token = uniqueToken();
    const one = emulatorClient(emulator, token);
    const two = emulatorClient(emulator, token);
    const three = emulatorClient(emulator);
    const bucketOf = (client: typeof one.client) => googleSheets({ client, quota: { requests: 7 } }).quotaBucket();
    expect(bucketOf(one.client)).toBe(bucketOf(two.client));
    expect(bucketOf(one.client)).not.toBe(bucketOf(three.client));
    expect(bucketOf(one.client).requests).toBe(7);
  });

  // Bug: credentials set with google.options({ auth }) were not seen, so each client got its own bucket.
  it('quota - credentials set with google.options({ auth }) identify the shared bucket', () => {
    const token = uniqueToken();
    const clientOf = () => {
      const apis = new GoogleApis();
      const auth = new apis.auth.OAuth2();
      auth.setCredentials({ access_token: token });
      apis.options({ auth });
      return apis.sheets({ version: 'v4', rootUrl: emulator.url });
    };
    const bucketOf = (client: ReturnType<typeof clientOf>) => googleSheets({ client }).quotaBucket();
    expect(bucketOf(clientOf())).toBe(bucketOf(clientOf()));
  });

  // Bug: a second strategy on the same credentials asking for another quota size silently ran on the first one's.
  it('quota - a strategy asking for another quota size than the shared bucket has gets a warning on its readers', async () => {
    const token = uniqueToken();
    const first = googleSheets({ client: emulatorClient(emulator, token).client, quota: { requests: 7, intervalMs: 1000 } });
    const second = googleSheets({ client: emulatorClient(emulator, token).client, quota: { requests: 9, intervalMs: 1000 } });
    const request = () => readRequest({ spreadsheetId, tabName: 'Partners', columns: ['ID'] });
    const firstReader = await first.open(request());
    expect(firstReader.warnings).toEqual([]);
    const secondReader = await second.open(request());
    expect(second.quotaBucket()).toBe(first.quotaBucket());
    expect(secondReader.warnings).toEqual([expect.stringContaining('asks for 9 requests per 1000 ms, but another googleSheets() strategy on the same credentials already sized their shared budget at 7 per 1000 ms')]);
    await drain(firstReader);
    await drain(secondReader);
  });

  it('quota - the credential identity is a digest, never the token itself', () => {
    const auth = new google.auth.OAuth2();
    auth.setCredentials({ access_token: 'ya29.very-secret' });
    const identity = credentialIdentity(auth);
    expect(identity).toMatch(/^access:[0-9a-f]{32}$/);
    expect(identity).not.toContain('very-secret');
    expect(credentialIdentity({ email: 'sync@project.iam.gserviceaccount.com' })).toBe('account:sync@project.iam.gserviceaccount.com');
  });
});

describe('auth', () => {
  it('auth - reads through a google-auth-library client when no Sheets client is given, with a token refresh', async () => {
    const strict = await startSheetsEmulator({ acceptedTokens: [] });
    try {
      const { spreadsheetId: id } = strict.createSpreadsheet({ title: 'x', sheets: [{ title: 'T', rows: [['ID'], ['1'], ['2']] }] });
      const auth = new google.auth.OAuth2({ clientId: 'id', clientSecret: 'secret', endpoints: { oauth2TokenUrl: strict.tokenUrl } });
      auth.setCredentials({ access_token: 'stale', refresh_token: uniqueToken('refresh') });
      const sheets = googleSheets({ auth, rootUrl: strict.url, quota: false, retry: FAST_RETRY });
      const rows = (await drain(await sheets.open(readRequest({ spreadsheetId: id, tabName: 'T', columns: ['ID'] })))).flatMap((batch) => batch.rows);
      expect(rows.map((row) => row.values.ID)).toEqual(['1', '2']);
      expect(strict.requests.map((request) => [request.method, request.status])).toEqual([
        ['spreadsheets.get', 401],
        ['token', 200],
        ['spreadsheets.get', 200],
        ['values.batchGet', 200],
      ]);
    } finally {
      await strict.close();
    }
  });
  // Bug: an expired token without a refresh token ("No refresh token is set.") was retried as a network failure.
  it('auth - an expired access token without a refresh token is SOURCE_AUTH_FAILED, not retried, and says to refresh the credentials', async () => {
    const auth = new google.auth.OAuth2();
    auth.setCredentials({ access_token: uniqueToken(), expiry_date: Date.now() - 60_000 });
    const client = google.sheets({ version: 'v4', auth, rootUrl: emulator.url });
    const { bucket, counter } = countingBucket();
    const sheets = googleSheets({ client, quota: bucket, retry: { ...FAST_RETRY, retries: 3 } });
    const error = await rejectionOf(sheets.open(readRequest({ spreadsheetId, tabName: 'Partners', columns: ['ID'] })));
    expect(error).toBeInstanceOf(SourceError);
    expect(error.code).toBe('SOURCE_AUTH_FAILED');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('No refresh token is set.');
    expect(error.message).toContain('Refresh or replace the credentials');
    expect(error.message).not.toContain('network');
    expect(counter.slots).toBe(1);
    expect(emulator.requestCount()).toBe(0);
  });

  // Bug: a refresh refused with invalid_grant became SOURCE_INVALID_RESPONSE and open() tried again.
  it('auth - a refresh refused with invalid_grant is SOURCE_AUTH_FAILED and is not tried again', async () => {
    const strict = await startSheetsEmulator({ acceptedTokens: [] });
    try {
      const { spreadsheetId: id } = strict.createSpreadsheet({ title: 'x', sheets: [{ title: 'T', rows: [['ID'], ['1']] }] });
      const refreshToken = uniqueToken('refresh');
      strict.revokeRefreshToken(refreshToken);
      const auth = new google.auth.OAuth2({ clientId: 'id', clientSecret: 'secret', endpoints: { oauth2TokenUrl: strict.tokenUrl } });
      auth.setCredentials({ access_token: 'stale', refresh_token: refreshToken });
      const client = google.sheets({ version: 'v4', auth, rootUrl: strict.url });
      const error = await rejectionOf(googleSheets({ client, quota: false, retry: FAST_RETRY }).open(readRequest({ spreadsheetId: id, tabName: 'T', columns: ['ID'] })));
      expect(error.code).toBe('SOURCE_AUTH_FAILED');
      expect(error.details).toMatchObject({ status: 400, oauthError: 'invalid_grant' });
      expect(error.message).toContain('invalid_grant: Token has been expired or revoked.');
      expect(error.message).toContain('Refresh or replace the credentials');
      expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(refreshToken);
      expect(strict.requests.map((request) => [request.method, request.status])).toEqual([
        ['spreadsheets.get', 401],
        ['token', 400],
      ]);
    } finally {
      await strict.close();
    }
  });
});
