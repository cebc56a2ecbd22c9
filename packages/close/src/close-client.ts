import pRetry, { AbortError } from 'p-retry';
import { FieldsyncError, SourceError, formatMessage } from '@fieldsync/core';
import { createRateLimiter, parseRateLimitHeader, parseRetryAfter } from './rate-limit.js';
import type { Sleep } from './rate-limit.js';

/** A log line from the Close client. Never holds the API key. */
export interface CloseLogEvent {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

/** The part of `fetch` the client uses, so any compatible implementation can be injected. */
export type CloseFetch = (input: string, init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<Response>;

/** Options of {@link createCloseClient}. */
export interface CloseClientOptions {
  apiKey: string;
  /** @default 'https://api.close.com/api/v1' */
  baseUrl: string;
  fetch: CloseFetch;
  sleep: Sleep;
  /** Epoch milliseconds. */
  now: () => number;
  /** Retries of one request on 429, 503, and (GET only) 502, 504 and network errors. */
  maxRetries: number;
  /** First backoff for 5xx and network errors, doubled each attempt (capped at 30 s). */
  retryBaseDelayMs: number;
  /** A 429 asking to wait longer than this fails at once (retryable later) instead of holding the run. */
  maxRateLimitWaitMs: number;
  logger?: ((event: CloseLogEvent) => void) | undefined;
}

/** What one request takes. */
export interface CloseRequest {
  method?: 'GET' | 'POST';
  /** Path below the base URL, with Close's trailing slash, e.g. `/lead/`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
}

/** A small JSON client for the Close REST API: Basic auth, `RateLimit` pacing, retries, typed errors. */
export interface CloseClient {
  request<T>(request: CloseRequest): Promise<T>;
}

const MAX_BACKOFF_MS = 30_000;
/** The shortest wait after a 429, whatever its headers say. */
const MIN_RATE_LIMIT_WAIT_MS = 1000;

/** Thrown inside an attempt: the error to surface, and whether and when to retry. */
class AttemptError extends Error {
  constructor(
    readonly error: SourceError,
    readonly retry: boolean,
    readonly delayMs: number | null,
  ) {
    super(error.message);
  }
}

/** Creates a {@link CloseClient}. The API key goes only into the Authorization header. */
export function createCloseClient(options: CloseClientOptions): CloseClient {
  const limiter = createRateLimiter({ sleep: options.sleep, now: options.now, maxWaitMs: options.maxRateLimitWaitMs });
  const authorization = `Basic ${Buffer.from(`${options.apiKey}:`).toString('base64')}`;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const secrets = [options.apiKey, authorization.slice('Basic '.length)].filter((secret) => secret.length >= 4);

  /** Removes the key from any text that came from elsewhere (a response body, a network error). */
  const redact = (text: string): string => secrets.reduce((result, secret) => result.split(secret).join('[redacted]'), text);

  const buildUrl = (path: string, query: CloseRequest['query']): string => {
    const url = new URL(baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  };

  async function attempt(request: CloseRequest, method: string, url: string, attemptNumber: number): Promise<unknown> {
    const group = request.path.split('/').find((segment) => segment !== '') ?? '';
    await limiter.beforeRequest(group, request.signal);
    const where = `${method} ${request.path}`;
    let response: Response;
    try {
      const init: Parameters<CloseFetch>[1] = {
        method,
        headers: { authorization, accept: 'application/json', ...(request.body === undefined ? {} : { 'content-type': 'application/json' }) },
      };
      if (request.body !== undefined) init.body = JSON.stringify(request.body);
      if (request.signal) init.signal = request.signal;
      response = await options.fetch(url, init);
    } catch (error) {
      if (request.signal?.aborted) throw new AbortError(request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted'));
      const reason = redact(error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error));
      const failure = new SourceError('SOURCE_UNAVAILABLE', formatMessage('close', `Could not reach Close for ${where}: ${reason}.`, 'Check the network and the baseUrl option; the sync can be retried.'), {
        details: { method, path: request.path },
      });
      throw new AttemptError(failure, method === 'GET', backoff(attemptNumber));
    }
    limiter.afterResponse(group, response.headers.get('ratelimit'));
    const text = await response.text();
    if (response.ok) {
      try {
        return text === '' ? {} : JSON.parse(text);
      } catch {
        throw new AttemptError(
          new SourceError('SOURCE_INVALID_RESPONSE', formatMessage('close', `Close answered ${where} with a body that is not JSON.`, 'Check the baseUrl option points at the Close API.'), {
            status: response.status,
            details: { method, path: request.path },
          }),
          false,
          null,
        );
      }
    }
    throw statusError(response, text, method, request.path, attemptNumber);
  }

  function backoff(attemptNumber: number): number {
    return Math.min(options.retryBaseDelayMs * 2 ** (attemptNumber - 1), MAX_BACKOFF_MS);
  }

  function statusError(response: Response, text: string, method: string, path: string, attemptNumber: number): AttemptError {
    const status = response.status;
    const where = `${method} ${path}`;
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    const details: Record<string, unknown> = { method, path };
    if (status === 401) {
      return new AttemptError(
        new SourceError('SOURCE_AUTH_FAILED', formatMessage('close', `Close rejected the API key (401 Unauthorized) on ${where}.`, 'Check the API key passed to close({ apiKey }) or set in the CLOSE_API_KEY environment variable.'), { status, details }),
        false,
        null,
      );
    }
    if (status === 403) {
      return new AttemptError(
        new SourceError('SOURCE_PERMISSION_DENIED', formatMessage('close', `Close refused ${where} (403 Forbidden).`, "Check the API key's user can read this object type."), { status, details }),
        false,
        null,
      );
    }
    if (status === 404) {
      return new AttemptError(
        new SourceError('SOURCE_NOT_FOUND', formatMessage('close', `Close has nothing at ${where} (404).`, 'Check the object id, or that the object was not deleted.'), { status, details }),
        false,
        null,
      );
    }
    if (status === 400) {
      const fieldErrors = body && typeof body === 'object' ? ((body as Record<string, unknown>)['field-errors'] ?? null) : null;
      const errors = body && typeof body === 'object' ? ((body as Record<string, unknown>).errors ?? null) : null;
      const summary = redact(JSON.stringify({ errors, 'field-errors': fieldErrors }));
      return new AttemptError(
        new SourceError('SOURCE_INVALID_RESPONSE', formatMessage('close', `Close refused ${where} (400 Bad Request): ${summary}.`, 'Check the tab options and mapped fields against Close.'), {
          status,
          details: { ...details, fieldErrors: JSON.parse(redact(JSON.stringify(fieldErrors))) as unknown, errors: JSON.parse(redact(JSON.stringify(errors))) as unknown },
        }),
        false,
        null,
      );
    }
    if (status === 429) {
      const now = options.now();
      const rateLimit = parseRateLimitHeader(response.headers.get('ratelimit'));
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), now);
      // Close's own client prefers the RateLimit reset, then Retry-After; a reset of 0 (the
      // window just rolled over) must not retry at once, so wait the longest of both, and a floor.
      const told = Math.max(rateLimit ? Math.ceil(rateLimit.resetSeconds * 1000) : 0, retryAfter ?? 0);
      const delay = rateLimit || retryAfter !== null ? Math.max(told, MIN_RATE_LIMIT_WAIT_MS) : Math.max(backoff(attemptNumber), MIN_RATE_LIMIT_WAIT_MS);
      const tooLong = delay > options.maxRateLimitWaitMs;
      const problem = tooLong ? `Close rate-limited ${where} (429) for ${Math.ceil(delay / 1000)} s, longer than the ${Math.ceil(options.maxRateLimitWaitMs / 1000)} s a run waits.` : `Close rate-limited ${where} (429) and retries ran out.`;
      return new AttemptError(
        new SourceError('SOURCE_RATE_LIMITED', formatMessage('close', problem, 'Run the sync later, or lower how often it runs.'), { status, details: { ...details, retryAfterMs: delay } }),
        !tooLong,
        delay,
      );
    }
    const retry = status === 503 || (method === 'GET' && (status === 502 || status === 504));
    return new AttemptError(
      new SourceError('SOURCE_UNAVAILABLE', formatMessage('close', `Close answered ${where} with ${status}.`, 'Close may be down; the sync can be retried later.'), { status, details }),
      retry,
      retry ? backoff(attemptNumber) : null,
    );
  }

  return {
    async request<T>(request: CloseRequest): Promise<T> {
      const method = request.method ?? 'GET';
      const url = buildUrl(request.path, request.query);
      let attemptNumber = 0;
      try {
        return (await pRetry(() => attempt(request, method, url, ++attemptNumber), {
          retries: options.maxRetries,
          minTimeout: 0,
          maxTimeout: 0,
          randomize: false,
          ...(request.signal ? { signal: request.signal } : {}),
          shouldRetry: ({ error }) => error instanceof AttemptError && error.retry,
          onFailedAttempt: async ({ error, retriesLeft }) => {
            if (!(error instanceof AttemptError) || !error.retry || retriesLeft <= 0) return;
            const delay = error.delayMs ?? 0;
            options.logger?.({
              level: 'warn',
              message: `Close answered ${method} ${request.path} with ${error.error.status ?? 'a network error'}; retrying in ${delay} ms.`,
              data: { status: error.error.status ?? null, delayMs: delay, retriesLeft },
            });
            if (delay > 0) await options.sleep(delay, request.signal);
          },
        })) as T;
      } catch (error) {
        // An abort (before, during or between attempts) surfaces as SYNC_ABORTED, not a raw DOMException.
        if (request.signal?.aborted) {
          throw new FieldsyncError('SYNC_ABORTED', formatMessage('close', `${method} ${request.path} was aborted.`), { cause: request.signal.reason });
        }
        if (error instanceof AttemptError) throw error.error;
        throw error;
      }
    },
  };
}
