/**
 * Errors thrown by fieldsync. Every error carries a stable `code`, an optional `cause`,
 * and a brand registered with `Symbol.for`, so `FieldsyncError.isInstance(error)` works
 * even when two copies of the package are installed side by side.
 */

const BRAND = Symbol.for('fieldsync.error');

/** Stable error codes. Match on these, never on messages. */
export type FieldsyncErrorCode =
  | 'CONFIGURATION_INVALID'
  | 'MAPPING_NOT_FOUND'
  | 'STRATEGY_NOT_FOUND'
  | 'TRANSFORMER_NOT_FOUND'
  | 'SOURCE_AUTH_FAILED'
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_PERMISSION_DENIED'
  | 'SOURCE_RATE_LIMITED'
  | 'SOURCE_UNAVAILABLE'
  | 'SOURCE_SCHEMA_MISMATCH'
  | 'SOURCE_INVALID_RESPONSE'
  | 'STORE_UNAVAILABLE'
  | 'STORE_WRITE_FAILED'
  | 'STORE_SCHEMA_MISMATCH'
  | 'SYNC_LOCKED'
  | 'SYNC_ABORTED'
  | 'CONFLICT_NOT_FOUND'
  | 'WEBHOOK_INVALID'
  | 'DISPOSED';

export interface FieldsyncErrorOptions {
  /** The underlying error, kept for debugging. Never shown to end users verbatim. */
  cause?: unknown;
  /** Structured details (bad paths, the tab, the column). Must never hold secrets. */
  details?: Record<string, unknown>;
}

/** Base class of every error fieldsync throws on purpose. */
export class FieldsyncError extends Error {
  readonly [BRAND] = true;
  readonly code: FieldsyncErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: FieldsyncErrorCode, message: string, options: FieldsyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FieldsyncError';
    this.code = code;
    this.details = options.details;
  }

  /** True for any fieldsync error, from any installed copy of the package. */
  static isInstance(error: unknown): error is FieldsyncError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Whether the run that hit this error may succeed when simply tried again later. */
  get retryable(): boolean {
    return this.code === 'SOURCE_RATE_LIMITED' || this.code === 'SOURCE_UNAVAILABLE' || this.code === 'STORE_UNAVAILABLE';
  }
}

/** A mapping, option or data source definition is wrong. Raised before anything is read or written. */
export class ConfigurationError extends FieldsyncError {
  /** Every bad path with what is wrong there, e.g. `{ path: 'tabs[0].columns.Brand.authority', message: ... }`. */
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
  constructor(message: string, options: FieldsyncErrorOptions & { issues?: ReadonlyArray<{ path: string; message: string }>; code?: FieldsyncErrorCode } = {}) {
    super(options.code ?? 'CONFIGURATION_INVALID', message, options);
    this.name = 'ConfigurationError';
    this.issues = options.issues ?? [];
  }
}

/** The external source failed: auth, not found, quota, outage, or a response we cannot read. */
export class SourceError extends FieldsyncError {
  /** HTTP status from the source, when there was one. */
  readonly status: number | undefined;
  constructor(code: FieldsyncErrorCode, message: string, options: FieldsyncErrorOptions & { status?: number } = {}) {
    super(code, message, options);
    this.name = 'SourceError';
    this.status = options.status;
  }
}

/** The store could not be reached or refused a write. Nothing of the failing batch was kept. */
export class StoreError extends FieldsyncError {
  constructor(code: FieldsyncErrorCode, message: string, options: FieldsyncErrorOptions = {}) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}

/** Another sync of the same tab holds the lock. */
export class SyncLockedError extends FieldsyncError {
  constructor(message: string, options: FieldsyncErrorOptions = {}) {
    super('SYNC_LOCKED', message, options);
    this.name = 'SyncLockedError';
  }
}

/**
 * Builds a message with the one prefix every fieldsync message uses, and the fix.
 *
 * @example formatMessage('google-sheets', 'Missing option spreadsheetId.', 'Pass it to googleSheets({ spreadsheetId }).')
 * // "[fieldsync] [google-sheets] Missing option spreadsheetId. Pass it to googleSheets({ spreadsheetId })."
 */
export function formatMessage(scope: string, problem: string, fix?: string): string {
  return `[fieldsync] [${scope}] ${problem}${fix ? ` ${fix}` : ''}`;
}

const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // user:password@ in URLs (connection strings, Basic auth in URLs)
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]*(:[^\s/@]*)?@/gi, '$1[redacted]@'],
  // Authorization header values
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, '$1 [redacted]'],
  // key=..., token=..., password=... in query strings and messages
  [/\b((?:api[_-]?)?key|token|access_token|refresh_token|secret|password|passwd|apikey|signature)=([^&\s"']+)/gi, '$1=[redacted]'],
];

/** Removes credentials from a message: URL user-info, bearer and basic tokens, `key=`/`token=`/`password=` values. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A short description of any thrown value, for run records and logs. Messages of errors that
 * fieldsync did not build (a driver's, a host transformer's) are passed through
 * {@link redactSecrets} first.
 */
export function describeError(error: unknown): { code: string; message: string } {
  if (FieldsyncError.isInstance(error)) return { code: error.code, message: redactSecrets(error.message) };
  if (error instanceof Error) return { code: 'UNEXPECTED', message: redactSecrets(error.message) };
  return { code: 'UNEXPECTED', message: redactSecrets(String(error)) };
}
