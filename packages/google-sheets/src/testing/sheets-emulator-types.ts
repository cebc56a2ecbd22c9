/**
 * The public types of the Sheets emulator: its options, its API, and what it records.
 */
import type { SheetsClient } from '../sheets-client.js';
import type { Cell } from './emulator-cells.js';
import type { SheetDefinition, SpreadsheetDefinition } from './emulator-spreadsheet.js';

/** Which API method a request called. */
export type EmulatedMethod = 'spreadsheets.get' | 'values.get' | 'values.batchGet' | 'token' | 'unknown';

/** One request the emulator received, in arrival order. */
export interface RecordedRequest {
  method: EmulatedMethod;
  /** The bearer token or API key the request carried, if any. */
  token: string | undefined;
  spreadsheetId?: string;
  /** Decoded ranges (`values.get`: one; `values.batchGet`: all, in order). */
  ranges?: string[];
  /** Query parameters other than `ranges`. */
  params: Record<string, string>;
  /** HTTP status answered; 0 for a dropped connection. */
  status: number;
}

/** A per-token request budget: more than `requests` within any `windowMs` answers 429. */
export interface EmulatorQuota {
  requests: number;
  windowMs: number;
}

/** Options of {@link createSheetsEmulator}. */
export interface SheetsEmulatorOptions {
  /** @default 0 (a random free port) */
  port?: number;
  /** Delay before each API answer, in milliseconds. @default 0 */
  latencyMs?: number;
  /** Per-token read quota. @default none */
  quota?: EmulatorQuota;
  /**
   * Bearer tokens (or API keys) that are accepted; any other answers 401. Tokens issued by
   * `/token` are added. @default any non-empty token is accepted
   */
  acceptedTokens?: ReadonlyArray<string>;
}

/** A failure to inject into the next API requests. */
export interface InjectedFailure {
  /** HTTP status to answer with (e.g. 429, 500, 503, 401, 403, 404). */
  status?: number;
  /** Destroy the socket without answering, instead of a status. */
  drop?: boolean;
  /** How many requests fail this way. @default 1 */
  count?: number;
  /** Only requests of this method fail. @default any API method */
  method?: Exclude<EmulatedMethod, 'token' | 'unknown'>;
}

/** What `createSpreadsheet` returns. */
export interface CreatedSpreadsheet {
  spreadsheetId: string;
  sheets: Array<{ title: string; sheetId: number }>;
}

/** The emulator: its URL, its spreadsheets, and knobs to misbehave. */
export interface SheetsEmulator {
  /** Base URL with a trailing slash, for `rootUrl`, e.g. `http://127.0.0.1:41234/`. Set by `start()`. */
  readonly url: string;
  /** URL of the OAuth2 token endpoint, for `new google.auth.OAuth2({ endpoints: { oauth2TokenUrl } })`. */
  readonly tokenUrl: string;
  /**
   * A real googleapis Sheets client pointed at the emulator, with offline OAuth2 credentials
   * (`setCredentials({ access_token: token })`, never refreshed). Needs `googleapis` installed.
   * @default token 'emulator-token'
   */
  createClient(options?: { token?: string }): Promise<SheetsClient>;
  /** Starts listening. `createSheetsEmulator` does not start it; `startSheetsEmulator` does. */
  start(): Promise<void>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;

  createSpreadsheet(definition: SpreadsheetDefinition): CreatedSpreadsheet;
  deleteSpreadsheet(spreadsheetId: string): void;
  addSheet(spreadsheetId: string, sheet: SheetDefinition): { title: string; sheetId: number };
  deleteSheet(spreadsheetId: string, title: string): void;
  renameSheet(spreadsheetId: string, from: string, to: string): void;
  /** Sets one cell, by A1 address with the sheet: `setCell(id, "Partners!B47", 'Acme')`. */
  setCell(spreadsheetId: string, address: string, cell: Cell): void;
  /** Writes rows with their top-left cell at `start` (`"Partners!A2"`); grows the grid as needed. */
  setValues(spreadsheetId: string, start: string, rows: ReadonlyArray<ReadonlyArray<Cell>>): void;
  /** Appends rows after the last used row of a sheet; grows the grid as needed. Returns the first new row number. */
  appendRows(spreadsheetId: string, sheetTitle: string, rows: ReadonlyArray<ReadonlyArray<Cell>>): number;
  /** Deletes `count` rows from `startRow` (1-based); the rows below move up and the grid shrinks. */
  deleteRows(spreadsheetId: string, sheetTitle: string, startRow: number, count?: number): void;
  /** Answers 403 PERMISSION_DENIED for this spreadsheet, to one token or (without one) to everyone. */
  revokeAccess(spreadsheetId: string, token?: string): void;
  restoreAccess(spreadsheetId: string): void;
  /** `POST /token` then answers 400 `invalid_grant` ("Token has been expired or revoked.") for this refresh token. */
  revokeRefreshToken(refreshToken: string): void;
  /** Reads a sheet as the API would (UNFORMATTED_VALUE, SERIAL_NUMBER), for assertions. */
  readSheet(spreadsheetId: string, sheetTitle: string): unknown[][];

  /** Makes the next API requests fail. Calls queue up. */
  failNext(failure: InjectedFailure): void;
  /** Sets the delay before each API answer. */
  setLatency(milliseconds: number): void;
  /** Sets or removes (null) the per-token quota. */
  setQuota(quota: EmulatorQuota | null): void;
  /** API requests received (every status, dropped ones too), for one token or for all. */
  requestCount(token?: string): number;
  /** Every request received, oldest first. */
  readonly requests: ReadonlyArray<RecordedRequest>;
  /** Clears the request log, counters and quota windows, and injected failures. */
  resetCounters(): void;
  /** Clears everything: spreadsheets, failures, counters, latency, quota, revoked refresh tokens. */
  reset(): void;
}
