/**
 * Every Sheets call goes through here: it waits for the shared quota, calls the client with
 * `{ retry: false, retryConfig: NO_GAXIOS_RETRIES }` (so googleapis does not retry as well, even on a
 * client created with `retryConfig`), and retries 429, 5xx and network
 * failures with exponential backoff and jitter (p-retry). Exactly one layer retries.
 */
import { FieldsyncError, formatMessage } from '@fieldsync/core';
import pRetry, { AbortError } from 'p-retry';
import type { QuotaBucket } from './quota-bucket.js';
import type { BatchGetResource, SheetsCallOptions, SheetsClient, SpreadsheetResource } from './sheets-client.js';
import { NO_GAXIOS_RETRIES } from './sheets-client.js';
import { isRetryableSheetsError, toSheetsSourceError } from './sheets-errors.js';

/** How 429, 5xx and network failures are retried. */
export interface SheetsRetryOptions {
  /** Retries after the first attempt. @default 5 */
  retries?: number;
  /** Delay before the first retry, in ms; later ones grow by `factor`, times a random 1-2 (jitter). @default 2000 */
  minTimeout?: number;
  /** @default 60000 */
  maxTimeout?: number;
  /** @default 2 */
  factor?: number;
}

/** What the requester reads with. */
export interface SheetsRequesterOptions {
  client: SheetsClient;
  quota: QuotaBucket;
  /** `false` turns retries off. */
  retry: SheetsRetryOptions | false;
  valueRenderOption: string;
  dateTimeRenderOption: string;
  /** Service account email, for the 403 message. */
  accountEmail?: string;
}

/** The two reads the strategy makes. */
export interface SheetsRequester {
  metadata(spreadsheetId: string, signal?: AbortSignal): Promise<SpreadsheetResource>;
  batchGet(spreadsheetId: string, ranges: string[], signal?: AbortSignal): Promise<BatchGetResource>;
}

/** The `fields` mask of the one metadata request: title, locale, time zone, and each sheet's id, title, visibility, type (grid or chart) and grid size. */
export const METADATA_FIELDS = 'spreadsheetId,properties(title,locale,timeZone),sheets(properties(sheetId,title,index,hidden,sheetType,gridProperties(rowCount,columnCount)))';

/** The error of an aborted read: it never carries the client's error (whose config holds the token) as its cause. */
function abortedError(spreadsheetId: string): FieldsyncError {
  return new FieldsyncError('SYNC_ABORTED', formatMessage('google-sheets', `The read of spreadsheet ${spreadsheetId} was aborted.`, 'Committed batches are kept; run the sync again to finish.'), {
    details: { spreadsheetId },
  });
}

/** Wraps a client so each call waits for quota and is retried (only here) on 429, 5xx and network failures. */
export function createSheetsRequester(options: SheetsRequesterOptions): SheetsRequester {
  const retry = options.retry === false ? { retries: 0 } : options.retry;

  async function call<T>(spreadsheetId: string, signal: AbortSignal | undefined, run: (callOptions: SheetsCallOptions) => Promise<T>): Promise<T> {
    let attempts = 0;
    const context = () => {
      const result: { spreadsheetId: string; attempts?: number; accountEmail?: string } = { spreadsheetId };
      if (attempts > 1) result.attempts = attempts;
      if (options.accountEmail) result.accountEmail = options.accountEmail;
      return result;
    };
    const attempt = pRetry(
      async () => {
        const release = await options.quota.acquire(signal);
        attempts += 1;
        try {
          // `retry: false` alone does not stop gaxios when the client has a retryConfig: override it too,
          // so each attempt here is exactly one HTTP request and one quota slot.
          const callOptions: SheetsCallOptions = { retry: false, retryConfig: { ...NO_GAXIOS_RETRIES } };
          if (signal) callOptions.signal = signal;
          return await run(callOptions);
        } catch (error) {
          // Never rethrow the client's error on abort: a GaxiosError's config carries the Authorization header.
          if (signal?.aborted) throw new AbortError(abortedError(spreadsheetId));
          const sourceError = toSheetsSourceError(error, context());
          if (!isRetryableSheetsError(sourceError)) throw new AbortError(sourceError);
          throw sourceError;
        } finally {
          release();
        }
      },
      {
        retries: retry.retries ?? 5,
        minTimeout: retry.minTimeout ?? 2000,
        maxTimeout: retry.maxTimeout ?? 60_000,
        factor: retry.factor ?? 2,
        randomize: true,
        ...(signal ? { signal } : {}),
      },
    );
    try {
      return await attempt;
    } catch (error) {
      if (signal?.aborted && !(error instanceof FieldsyncError && error.code === 'SYNC_ABORTED')) throw abortedError(spreadsheetId);
      throw error;
    }
  }

  return {
    metadata(spreadsheetId, signal) {
      return call(spreadsheetId, signal, async (callOptions) => {
        const response = await options.client.spreadsheets.get({ spreadsheetId, includeGridData: false, fields: METADATA_FIELDS }, callOptions);
        return response.data;
      });
    },
    batchGet(spreadsheetId, ranges, signal) {
      return call(spreadsheetId, signal, async (callOptions) => {
        const response = await options.client.spreadsheets.values.batchGet(
          {
            spreadsheetId,
            ranges,
            majorDimension: 'ROWS',
            valueRenderOption: options.valueRenderOption,
            dateTimeRenderOption: options.dateTimeRenderOption,
          },
          callOptions,
        );
        return response.data;
      });
    },
  };
}
