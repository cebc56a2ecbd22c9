/**
 * Options of `googleSheets()`, with their validation: a bad option is a `ConfigurationError`
 * that lists every bad path, raised when the factory is called.
 */
import { ConfigurationError, formatMessage } from '@fieldsync/core';
import type { QuotaBucket, QuotaBucketOptions } from './quota-bucket.js';
import type { SheetsAuthClient, SheetsClient } from './sheets-client.js';
import type { SheetsRetryOptions } from './sheets-requester.js';

/**
 * Options of {@link googleSheets}.
 *
 * @example
 * import { google } from 'googleapis';
 * const auth = new google.auth.JWT({ email, key, scopes: ['https://www.googleapis.com/auth/spreadsheets.readonly'] });
 * googleSheets({ client: google.sheets({ version: 'v4', auth }) });
 */
export interface GoogleSheetsOptions {
  /** A Sheets v4 client: `google.sheets({ version: 'v4', auth })` from `googleapis` or `@googleapis/sheets`. Give this or `auth`. */
  client?: SheetsClient;
  /** A google-auth-library client (`JWT`, `OAuth2Client`, ...); the strategy then calls the REST API through `auth.request`. Give this or `client`. */
  auth?: SheetsAuthClient;
  /** API root when reading through `auth`. @default 'https://sheets.googleapis.com/' */
  rootUrl?: string;
  /**
   * Spreadsheet id (or its URL) for data sources whose `connectorConfig` names none. A data
   * source's `connectorConfig.spreadsheetId` (or `spreadsheet_id`) wins.
   */
  spreadsheetId?: string;
  /** Most rows per values request; larger tabs are read in windows of this many rows, so memory stays bounded. @default 10000 */
  windowRows?: number;
  /**
   * Most cells per values request: a window reads `min(windowRows, floor(windowCells / columns))`
   * rows, where columns is the grid width for the first window (which holds the header row) and
   * the span of the mapped columns (first to last) for later ones. @default 200000
   */
  windowCells?: number;
  /**
   * Most cells of first windows fetched ahead (for tabs `syncDataSource` is about to read, and with
   * `prefetchKnownTabs`) and kept in memory at once; tabs past it read their own first window
   * when they open. @default 2000000
   */
  prefetchMaxCells?: number;
  /**
   * Read budget. Options size the bucket shared by every strategy in the process that uses the
   * same credentials (keyed by `quotaKey` or by an identity derived from the credentials without
   * keeping any secret); a bucket from `createQuotaBucket()` is shared explicitly; `false` turns
   * the budget off. @default { requests: 60, intervalMs: 60000 }
   */
  quota?: QuotaBucketOptions | QuotaBucket | false;
  /** Names the credentials for the shared quota, e.g. the service account email. @default derived from the credentials */
  quotaKey?: string;
  /** Retries of 429, 5xx and network failures (the only retry layer: googleapis' own is off). `false` turns them off. @default { retries: 5, minTimeout: 2000, maxTimeout: 60000, factor: 2 } */
  retry?: SheetsRetryOptions | false;
  /** How long a spreadsheet's metadata is reused by later opens, in ms. @default 5000 */
  metadataTtlMs?: number;
  /** Opens of tabs of one spreadsheet starting within this many ms share one batchGet. @default 10 */
  coalesceMs?: number;
  /**
   * Fetch along, in the same batchGet, the first window of every other tab this strategy has read
   * from the spreadsheet before, and hand it to that tab's open within `metadataTtlMs`. Quota
   * counts requests, so a `syncDataSource` over N tabs then costs one batchGet even when the engine
   * opens them one after another; the price is reading those tabs' rows up to `metadataTtlMs`
   * before their sync starts. @default false
   */
  prefetchKnownTabs?: boolean;
  /** @default 'UNFORMATTED_VALUE' (numbers, booleans and dates arrive typed) */
  valueRenderOption?: 'UNFORMATTED_VALUE' | 'FORMATTED_VALUE';
  /** @default 'SERIAL_NUMBER' (dates as serial numbers in the spreadsheet's time zone) */
  dateTimeRenderOption?: 'SERIAL_NUMBER' | 'FORMATTED_STRING';
}

type Issue = { path: string; message: string };

function checkNumber(issues: Issue[], path: string, value: unknown, minimum: number, integer: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < minimum || (integer && !Number.isInteger(value))) {
    issues.push({ path, message: `must be ${integer ? 'an integer' : 'a number'} of at least ${minimum}` });
  }
}

/** Validates options; throws a `ConfigurationError` listing every bad path. */
export function validateGoogleSheetsOptions(options: GoogleSheetsOptions): void {
  const issues: Issue[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError(formatMessage('google-sheets', 'googleSheets() needs an options object.', 'Pass googleSheets({ client }) or googleSheets({ auth }).'));
  }
  const client = options.client as { spreadsheets?: { get?: unknown; values?: { batchGet?: unknown } } } | undefined;
  if (client === undefined && options.auth === undefined) {
    issues.push({ path: 'client', message: "is required (or auth): pass google.sheets({ version: 'v4', auth }) from googleapis" });
  }
  if (client !== undefined && (typeof client?.spreadsheets?.get !== 'function' || typeof client.spreadsheets.values?.batchGet !== 'function')) {
    issues.push({ path: 'client', message: "must be a Sheets v4 client with spreadsheets.get and spreadsheets.values.batchGet (google.sheets({ version: 'v4', auth }))" });
  }
  if (options.auth !== undefined && typeof (options.auth as { request?: unknown } | null)?.request !== 'function') {
    issues.push({ path: 'auth', message: 'must be a google-auth-library client with a request() method (JWT, OAuth2Client, ...)' });
  }
  if (options.spreadsheetId !== undefined && (typeof options.spreadsheetId !== 'string' || options.spreadsheetId.trim() === '')) {
    issues.push({ path: 'spreadsheetId', message: 'must be a non-empty string' });
  }
  if (options.rootUrl !== undefined && (typeof options.rootUrl !== 'string' || !/^https?:\/\//.test(options.rootUrl))) {
    issues.push({ path: 'rootUrl', message: 'must be an http(s) URL' });
  }
  checkNumber(issues, 'windowRows', options.windowRows, 1, true);
  checkNumber(issues, 'windowCells', options.windowCells, 1, true);
  checkNumber(issues, 'prefetchMaxCells', options.prefetchMaxCells, 0, true);
  checkNumber(issues, 'metadataTtlMs', options.metadataTtlMs, 0, false);
  checkNumber(issues, 'coalesceMs', options.coalesceMs, 0, false);
  const quota = options.quota;
  if (quota !== undefined && quota !== false) {
    if (typeof quota !== 'object' || quota === null) {
      issues.push({ path: 'quota', message: 'must be { requests, intervalMs }, a bucket from createQuotaBucket(), or false' });
    } else if (!('acquire' in quota)) {
      checkNumber(issues, 'quota.requests', quota.requests, 1, true);
      checkNumber(issues, 'quota.intervalMs', quota.intervalMs, 0, false);
    }
  }
  if (options.retry !== undefined && options.retry !== false) {
    if (typeof options.retry !== 'object' || options.retry === null) {
      issues.push({ path: 'retry', message: 'must be { retries, minTimeout, maxTimeout, factor } or false' });
    } else {
      checkNumber(issues, 'retry.retries', options.retry.retries, 0, true);
      checkNumber(issues, 'retry.minTimeout', options.retry.minTimeout, 0, false);
      checkNumber(issues, 'retry.maxTimeout', options.retry.maxTimeout, 0, false);
      checkNumber(issues, 'retry.factor', options.retry.factor, 1, false);
    }
  }
  if (options.prefetchKnownTabs !== undefined && typeof options.prefetchKnownTabs !== 'boolean') {
    issues.push({ path: 'prefetchKnownTabs', message: 'must be a boolean' });
  }
  if (options.valueRenderOption !== undefined && !['UNFORMATTED_VALUE', 'FORMATTED_VALUE'].includes(options.valueRenderOption)) {
    issues.push({ path: 'valueRenderOption', message: "must be 'UNFORMATTED_VALUE' or 'FORMATTED_VALUE'" });
  }
  if (options.dateTimeRenderOption !== undefined && !['SERIAL_NUMBER', 'FORMATTED_STRING'].includes(options.dateTimeRenderOption)) {
    issues.push({ path: 'dateTimeRenderOption', message: "must be 'SERIAL_NUMBER' or 'FORMATTED_STRING'" });
  }
  if (issues.length > 0) {
    const list = issues.map((issue) => `${issue.path} ${issue.message}`).join('; ');
    throw new ConfigurationError(formatMessage('google-sheets', `Invalid googleSheets() options: ${list}.`, 'Fix these options where googleSheets() is called.'), { issues });
  }
}

/** Takes the id out of a spreadsheet URL (`https://docs.google.com/spreadsheets/d/<id>/edit`), or returns the id as given. */
export function spreadsheetIdFrom(value: string): string {
  const match = /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/.exec(value);
  return match ? match[1]! : value.trim();
}
