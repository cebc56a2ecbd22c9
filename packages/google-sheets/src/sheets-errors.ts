/**
 * Turns what a Sheets call threw (a GaxiosError, a network failure) into a core `SourceError`
 * whose message says the fix. Tokens never reach the message or the details: only the HTTP
 * status and Google's own error message and status are read.
 */
import { formatMessage, redactSecrets, SourceError } from '@fieldsync/core';

/** Where the failing call was going, for messages. */
export interface SheetsErrorContext {
  spreadsheetId: string;
  /** Service account email, when the credentials reveal it (shown in the 403 fix). */
  accountEmail?: string;
  /** Attempts made, for the 429/5xx message. */
  attempts?: number;
}

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string };
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as { status?: unknown; response?: { status?: unknown } };
  const status = candidate.response?.status ?? candidate.status;
  return typeof status === 'number' ? status : undefined;
}

function googleError(error: unknown): { message?: string; status?: string } {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data;
  const body = (typeof data === 'string' ? safeParse(data) : data) as GoogleErrorBody | undefined;
  const result: { message?: string; status?: string } = {};
  if (typeof body?.error?.message === 'string') result.message = body.error.message;
  if (typeof body?.error?.status === 'string') result.status = body.error.status;
  return result;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Error codes of a failed connection (Node's and undici's): the only status-less failures retried. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  // gaxios' code for a request past the client's `timeout` option.
  'TimeoutError',
]);

/** The errors of a status-less failure, outermost first (the error and its causes). */
function causeChain(error: unknown): object[] {
  const chain: object[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

/** The network code of a failed connection (`ECONNRESET`, `UND_ERR_SOCKET`, ...), or undefined when the failure is not a network one. */
export function networkFailureCode(error: unknown): string | undefined {
  for (const link of causeChain(error)) {
    const code = (link as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR_'))) return code;
  }
  for (const link of causeChain(error)) {
    const message = (link as { message?: unknown }).message;
    if (typeof message === 'string' && /socket hang up/i.test(message)) return 'socket hang up';
  }
  return undefined;
}

/** OAuth token endpoint errors (`{ error: 'invalid_grant', error_description }`): the credentials cannot be refreshed. */
function oauthError(error: unknown): { error: string; description?: string } | undefined {
  const raw = (error as { response?: { data?: unknown } } | null)?.response?.data;
  const data = (typeof raw === 'string' ? safeParse(raw) : raw) as { error?: unknown; error_description?: unknown } | undefined;
  if (typeof data?.error !== 'string') return undefined;
  return typeof data.error_description === 'string' ? { error: data.error, description: data.error_description } : { error: data.error };
}

/** A short, secret-free quote of what the auth library said. */
function quoted(text: string): string {
  const short = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  return redactSecrets(short);
}

const REFRESH_FIX =
  'Refresh or replace the credentials given to the Sheets client (a new access token, a valid refresh token, or a service account key) and run the sync again; retrying with the same credentials will not help.';

/** True for failures worth retrying: 408, 429, 5xx and network failures. */
export function isRetryableSheetsError(error: SourceError): boolean {
  return error.code === 'SOURCE_RATE_LIMITED' || error.code === 'SOURCE_UNAVAILABLE';
}

/** Converts anything a Sheets call threw into a `SourceError`. */
export function toSheetsSourceError(error: unknown, context: SheetsErrorContext): SourceError {
  if (error instanceof SourceError) return error;
  const status = httpStatus(error);
  const google = googleError(error);
  const said = google.message ? ` Google said: "${google.message}"` : '';
  const id = context.spreadsheetId;
  const details: Record<string, unknown> = { spreadsheetId: id };
  if (status !== undefined) details.status = status;
  if (google.status) details.googleStatus = google.status;
  const options = status === undefined ? { details } : { details, status };

  if (status === undefined) {
    const network = networkFailureCode(error);
    if (network !== undefined) {
      return new SourceError(
        'SOURCE_UNAVAILABLE',
        formatMessage('google-sheets', `Could not reach the Sheets API for spreadsheet ${id} (${network}).`, 'Check the network connection; the sync can simply be run again.'),
        options,
      );
    }
    // No HTTP status and no network code: the auth library failed before sending anything
    // (an expired access token without a refresh token, a broken key). Retrying cannot help.
    const said = error instanceof Error && error.message ? ` The auth library said: "${quoted(error.message)}"` : '';
    return new SourceError(
      'SOURCE_AUTH_FAILED',
      formatMessage('google-sheets', `Could not authenticate to read spreadsheet ${id}.${said}`, REFRESH_FIX),
      options,
    );
  }
  const oauth = oauthError(error);
  if (oauth && status < 500 && status !== 429 && status !== 408) {
    // The token endpoint refused a refresh (invalid_grant: revoked or expired refresh token;
    // unauthorized_client / invalid_client: wrong client id or secret).
    details.oauthError = oauth.error;
    const description = oauth.description ? `: ${quoted(oauth.description)}` : '';
    return new SourceError(
      'SOURCE_AUTH_FAILED',
      formatMessage('google-sheets', `Google refused to refresh the access token for spreadsheet ${id} (${status} ${quoted(oauth.error)}${description}).`, REFRESH_FIX),
      options,
    );
  }
  if (status === 401) {
    return new SourceError(
      'SOURCE_AUTH_FAILED',
      formatMessage(
        'google-sheets',
        `Google rejected the credentials reading spreadsheet ${id} (401 ${google.status ?? 'UNAUTHENTICATED'}).`,
        'Check that the access token or service account key is valid, not expired or revoked, and has the https://www.googleapis.com/auth/spreadsheets.readonly scope.',
      ),
      options,
    );
  }
  if (status === 403) {
    const who = context.accountEmail ? `the service account ${context.accountEmail}` : "the service account's email (client_email in its key file)";
    return new SourceError(
      'SOURCE_PERMISSION_DENIED',
      formatMessage(
        'google-sheets',
        `No permission to read spreadsheet ${id} (403 ${google.status ?? 'PERMISSION_DENIED'}).${said}`,
        `Share the spreadsheet with ${who} as a Viewer, and check that the Google Sheets API is enabled for the project.`,
      ),
      options,
    );
  }
  if (status === 404) {
    return new SourceError(
      'SOURCE_NOT_FOUND',
      formatMessage('google-sheets', `Spreadsheet ${id} was not found (404).`, 'Check the spreadsheet id in the data source (connectorConfig.spreadsheetId): it is the part of the sheet URL between /d/ and /edit.'),
      options,
    );
  }
  const attempts = context.attempts ? ` after ${context.attempts} attempts` : '';
  if (status === 429) {
    return new SourceError(
      'SOURCE_RATE_LIMITED',
      formatMessage('google-sheets', `Google Sheets read quota exceeded for spreadsheet ${id} (429${attempts}).`, 'Lower the quota option of googleSheets() so syncs wait instead, or ask Google for a higher "Read requests per minute per user" limit.'),
      options,
    );
  }
  if (status === 408 || status >= 500) {
    return new SourceError(
      'SOURCE_UNAVAILABLE',
      formatMessage('google-sheets', `The Sheets API failed for spreadsheet ${id} (${status}${attempts}).${said}`, 'This is usually temporary; run the sync again later.'),
      options,
    );
  }
  return new SourceError(
    'SOURCE_INVALID_RESPONSE',
    formatMessage('google-sheets', `The Sheets API refused a request for spreadsheet ${id} (${status}).${said}`, 'Check the tab and the header row of the mapping; if they are right, report this as a fieldsync bug.'),
    options,
  );
}
