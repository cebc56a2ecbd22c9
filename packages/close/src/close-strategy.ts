import { ConfigurationError, formatMessage } from '@fieldsync/core';
import type { ReadRequest, SourceReader, SyncStrategy } from '@fieldsync/core';
import { createCloseClient } from './close-client.js';
import type { CloseFetch, CloseLogEvent } from './close-client.js';
import { createCloseReader } from './close-reader.js';
import { customFieldTypesNeeded, listCustomFields, resolveColumns } from './custom-fields.js';
import type { CustomFieldDefinition } from './custom-fields.js';
import type { CloseObjectType } from './field-path.js';
import { OBJECT_PLURALS, STANDARD_FIELDS, tabObjectType } from './close-objects.js';
import { realSleep } from './rate-limit.js';
import type { Sleep } from './rate-limit.js';

/** Options of {@link close}. */
export interface CloseOptions {
  /**
   * Close API key. Never logged and never part of an error or run record.
   * @default process.env.CLOSE_API_KEY
   */
  apiKey?: string;
  /**
   * API root, e.g. an emulator's `url`.
   * @default 'https://api.close.com/api/v1'
   */
  baseUrl?: string;
  /** `fetch` to use. @default globalThis.fetch */
  fetch?: CloseFetch;
  /** Records asked per page (`_limit`); Close allows at most 200. @default 100 */
  pageSize?: number;
  /** Retries of one request on 429, 503, and for reads 502, 504 and network errors. @default 5 */
  maxRetries?: number;
  /** First backoff for 5xx and network errors, doubled per attempt. @default 1000 */
  retryBaseDelayMs?: number;
  /** A 429 asking to wait longer than this fails the run (retryable) instead of holding it. @default 120 */
  maxRateLimitWaitSeconds?: number;
  /**
   * How far before the last read the event log is scanned again for deletions, since Close
   * may show events late (its docs advise the latest five minutes). @default 300
   */
  deleteLookbackSeconds?: number;
  /**
   * How far before the stored cursor an incremental read starts again. Close's search index
   * may show a change some seconds after its `date_updated`; versions already applied in this
   * window are skipped by id and date, so only new ones are read. Contacts (no date filter)
   * also never move the cursor past the run's start less this. @default 60
   */
  overlapSeconds?: number;
  /** Waits between attempts and for rate-limit resets. Inject a recorder in tests. @default a timer */
  sleep?: Sleep;
  /** Clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Receives retries and waits. Never receives the API key. */
  logger?: (event: CloseLogEvent) => void;
}

/** The largest `_limit` Close accepts on leads, contacts and opportunities. */
export const CLOSE_MAX_PAGE_SIZE = 200;

/**
 * The Close CRM strategy (data source type `close`). Each tab reads one object type
 * (`tabName` or `options.object`: `lead`, `contact`, `opportunity`), page by page.
 *
 * @example
 * const engine = createSyncEngine({ store, config, strategies: [close({ apiKey: process.env.CLOSE_API_KEY })] });
 */
export function close(options: CloseOptions = {}): SyncStrategy {
  const apiKey = options.apiKey ?? process.env.CLOSE_API_KEY;
  if (!apiKey || apiKey.trim() === '') {
    throw new ConfigurationError(formatMessage('close', 'Missing Close API key.', 'Pass it to close({ apiKey }) or set the CLOSE_API_KEY environment variable.'), {
      issues: [{ path: 'apiKey', message: 'required (or the CLOSE_API_KEY environment variable)' }],
    });
  }
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > CLOSE_MAX_PAGE_SIZE) {
    throw new ConfigurationError(formatMessage('close', `Option pageSize must be an integer from 1 to ${CLOSE_MAX_PAGE_SIZE}, got ${String(pageSize)}.`, `Pass close({ pageSize: 100 }).`), {
      issues: [{ path: 'pageSize', message: `must be an integer from 1 to ${CLOSE_MAX_PAGE_SIZE}` }],
    });
  }
  const overlapSeconds = options.overlapSeconds ?? 60;
  if (!Number.isFinite(overlapSeconds) || overlapSeconds < 0) {
    throw new ConfigurationError(formatMessage('close', `Option overlapSeconds must be a number of seconds from 0, got ${String(overlapSeconds)}.`, 'Pass close({ overlapSeconds: 60 }).'), {
      issues: [{ path: 'overlapSeconds', message: 'must be a number from 0' }],
    });
  }
  const overlapMs = overlapSeconds * 1000;
  const fetchImplementation = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;
  const client = createCloseClient({
    apiKey: apiKey.trim(),
    baseUrl: options.baseUrl ?? 'https://api.close.com/api/v1',
    fetch: fetchImplementation,
    sleep: options.sleep ?? realSleep,
    now,
    maxRetries: options.maxRetries ?? 5,
    retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
    maxRateLimitWaitMs: (options.maxRateLimitWaitSeconds ?? 120) * 1000,
    logger: options.logger,
  });

  return {
    type: 'close',
    capabilities: { incremental: true, streaming: true, deletes: true, lookup: true },
    async open(request: ReadRequest): Promise<SourceReader> {
      const objectType = tabObjectType(request.tab);
      const sourceColumns = [...new Set(request.columns.map((column) => column.sourceColumn))];
      const definitions = new Map<CloseObjectType, CustomFieldDefinition[]>();
      // One custom field listing per object type per open; it also checks the key works before any row.
      const types = customFieldTypesNeeded(objectType, sourceColumns);
      if (types.size === 0) types.add(objectType);
      for (const type of types) definitions.set(type, await listCustomFields(client, type, request.signal));
      const columns = resolveColumns(objectType, sourceColumns, definitions);
      const warnings: string[] = [];
      for (const column of columns) {
        const first = column.segments[0];
        if (first?.kind === 'key' && !STANDARD_FIELDS[objectType].has(first.name)) {
          warnings.push(`Column "${column.sourceColumn}": "${first.name}" is not a documented Close ${objectType} field; it reads as empty unless Close returns it.`);
        }
      }
      const keyColumn = request.columns.find((column) => column.isKey);
      if (request.tab.deletePolicy !== 'ignore' && keyColumn?.sourceColumn !== 'id') {
        warnings.push(`Deletions are not tracked: the tab's delete policy is "${request.tab.deletePolicy}" but its key column is "${keyColumn?.sourceColumn ?? '(none)'}", not the Close id ("id").`);
      }
      return createCloseReader({
        client,
        request,
        objectType,
        columns,
        label: `${request.dataSource.name} > ${OBJECT_PLURALS[objectType]}`,
        warnings,
        pageSize,
        now,
        deleteLookbackMs: (options.deleteLookbackSeconds ?? 300) * 1000,
        overlapMs,
        keyIsId: keyColumn?.sourceColumn === 'id',
      });
    },
  };
}
