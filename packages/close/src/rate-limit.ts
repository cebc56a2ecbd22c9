/**
 * Close's `RateLimit: limit=100, remaining=50, reset=5` header (reset in seconds, may be
 * fractional, may be absent) and a limiter that waits for the reset before a request that
 * would be refused, instead of running into a 429.
 */

/** One parsed `RateLimit` header. */
export interface RateLimitInfo {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * Parses a `RateLimit` header value. Returns null when absent or unreadable.
 *
 * @example parseRateLimitHeader('limit=100, remaining=50, reset=5') // { limit: 100, remaining: 50, resetSeconds: 5 }
 */
export function parseRateLimitHeader(value: string | null | undefined): RateLimitInfo | null {
  if (!value) return null;
  const parts = new Map<string, number>();
  for (const part of value.split(/[,;]/)) {
    const [name, raw] = part.split('=').map((piece) => piece.trim());
    if (!name || raw === undefined || raw === '') continue;
    const number = Number(raw);
    if (Number.isFinite(number)) parts.set(name.toLowerCase(), number);
  }
  const limit = parts.get('limit');
  const remaining = parts.get('remaining');
  const resetSeconds = parts.get('reset');
  if (limit === undefined || remaining === undefined || resetSeconds === undefined) return null;
  return { limit, remaining, resetSeconds: Math.max(0, resetSeconds) };
}

/**
 * Parses `Retry-After` (seconds, or an HTTP date) into milliseconds from `now`, or null.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

import { SourceError, formatMessage } from '@fieldsync/core';

/** Waits for the given milliseconds. Injected so tests never wait in real time. */
export type Sleep = (milliseconds: number, signal?: AbortSignal) => Promise<void>;

/** The default {@link Sleep}: a timer that an abort signal cancels. */
export const realSleep: Sleep = (milliseconds, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, milliseconds);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Tracks the `RateLimit` header per endpoint group. */
export interface RateLimiter {
  /** Waits, when the last response of `group` said nothing remains, until its window resets. */
  beforeRequest(group: string, signal?: AbortSignal): Promise<void>;
  /** Records the `RateLimit` header of a response (absent headers change nothing). */
  afterResponse(group: string, header: string | null): void;
}

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  sleep: Sleep;
  /** Epoch milliseconds. */
  now: () => number;
  /**
   * A reset further away than this fails the request at once with `SOURCE_RATE_LIMITED`
   * (retryable later) instead of holding the run. @default no cap
   */
  maxWaitMs?: number;
}

/** Creates a {@link RateLimiter}. Close limits per endpoint group; the group here is the first path segment. */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const windows = new Map<string, { remaining: number; resetAt: number }>();
  return {
    async beforeRequest(group, signal) {
      const window = windows.get(group);
      if (!window || window.remaining > 0) return;
      const wait = window.resetAt - options.now();
      if (options.maxWaitMs !== undefined && wait > options.maxWaitMs) {
        // The window stays recorded: the next request (a later retry) still waits for its reset.
        throw new SourceError(
          'SOURCE_RATE_LIMITED',
          formatMessage('close', `Close's rate limit for /${group}/ resets in ${Math.ceil(wait / 1000)} s, longer than the ${Math.ceil(options.maxWaitMs / 1000)} s a run waits.`, 'Run the sync later, or lower how often it runs.'),
          { details: { group, retryAfterMs: wait } },
        );
      }
      windows.delete(group);
      if (wait > 0) await options.sleep(wait, signal);
    },
    afterResponse(group, header) {
      const info = parseRateLimitHeader(header);
      if (!info) return;
      windows.set(group, { remaining: info.remaining, resetAt: options.now() + Math.ceil(info.resetSeconds * 1000) });
    },
  };
}
