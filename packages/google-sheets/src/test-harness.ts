/**
 * Test support (not exported): builds read requests through core's schemas, makes real googleapis
 * clients pointed at the emulator, and drains readers. Used by this package's tests only.
 */
import { columnMappingSchema, dataSourceSchema, tabMappingSchema } from '@fieldsync/core';
import type { JsonValue, ReadRequest, SourceBatch, SourceReader } from '@fieldsync/core';
import { google } from 'googleapis';
import type { Auth, sheets_v4 } from 'googleapis';
import type { SheetsEmulator } from './testing/sheets-emulator.js';

let tokenCounter = 0;

/** A fresh token per call, so module-level quota buckets of different tests never mix. */
export function uniqueToken(prefix = 'token'): string {
  tokenCounter += 1;
  return `${prefix}-${process.pid}-${tokenCounter}-${Math.random().toString(36).slice(2)}`;
}

/** The real googleapis Sheets client on the emulator, with offline OAuth2 credentials. */
export function emulatorClient(emulator: SheetsEmulator, token: string = uniqueToken()): { client: sheets_v4.Sheets; auth: Auth.OAuth2Client; token: string } {
  const auth = new google.auth.OAuth2();
  auth.setCredentials({ access_token: token });
  return { client: google.sheets({ version: 'v4', auth, rootUrl: emulator.url }), auth, token };
}

/** What to read. */
export interface RequestSpec {
  spreadsheetId?: string;
  connectorConfig?: Record<string, unknown>;
  tabName: string;
  columns: string[];
  headerRow?: number;
  mode?: 'full' | 'incremental';
  batchSize?: number;
  rowLimit?: number;
  state?: JsonValue | null;
  signal?: AbortSignal;
}

/** A `ReadRequest` with core's defaults applied. */
export function readRequest(spec: RequestSpec): ReadRequest {
  const dataSource = dataSourceSchema.parse({
    id: 'master-sheet',
    name: 'Master Sheet',
    type: 'google_sheet',
    connectorConfig: spec.connectorConfig ?? (spec.spreadsheetId ? { spreadsheetId: spec.spreadsheetId } : {}),
  });
  const tab = tabMappingSchema.parse({
    id: `tab-${spec.tabName.replace(/\W+/g, '-')}`,
    dataSourceId: 'master-sheet',
    tabName: spec.tabName,
    primaryEntity: 'partners',
    ...(spec.headerRow ? { headerRow: spec.headerRow } : {}),
    ...(spec.mode ? { mode: spec.mode } : {}),
  });
  const columns = spec.columns.map((sourceColumn, index) =>
    columnMappingSchema.parse({ tabMappingId: tab.id, sourceColumn, targetField: `field_${index}`, isKey: index === 0 }),
  );
  const request: ReadRequest = {
    dataSource,
    tab,
    columns,
    batchSize: spec.batchSize ?? 500,
    state: spec.state ?? null,
    signal: spec.signal ?? new AbortController().signal,
  };
  if (spec.rowLimit !== undefined) request.rowLimit = spec.rowLimit;
  return request;
}

/** Reads every batch of a reader and closes it. */
export async function drain(reader: SourceReader): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = [];
  try {
    for await (const batch of reader.batches()) batches.push(batch);
  } finally {
    await reader.close?.();
  }
  return batches;
}

/** Resolves with what a promise rejected with; fails when it fulfils. */
export async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
