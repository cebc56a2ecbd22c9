import { SourceError } from '@fieldsync/core';
import { describe, expect, it } from 'vitest';
import { createRateLimiter, parseRateLimitHeader, parseRetryAfter } from './rate-limit.js';

describe('parseRateLimitHeader', () => {
  it('reads limit, remaining and a fractional reset', () => {
    expect(parseRateLimitHeader('limit=100, remaining=50, reset=5')).toEqual({ limit: 100, remaining: 50, resetSeconds: 5 });
    expect(parseRateLimitHeader('limit=40,remaining=0,reset=0.25')).toEqual({ limit: 40, remaining: 0, resetSeconds: 0.25 });
  });

  it('returns null when absent or incomplete', () => {
    expect(parseRateLimitHeader(null)).toBeNull();
    expect(parseRateLimitHeader('limit=100')).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
});

describe('createRateLimiter', () => {
  it('waits for the reset only when nothing remains in the group', async () => {
    const waits: number[] = [];
    let time = 1_000;
    const limiter = createRateLimiter({ now: () => time, sleep: async (milliseconds) => void waits.push(milliseconds) });
    limiter.afterResponse('lead', 'limit=2, remaining=1, reset=4');
    await limiter.beforeRequest('lead');
    expect(waits).toEqual([]);
    limiter.afterResponse('lead', 'limit=2, remaining=0, reset=2.5');
    await limiter.beforeRequest('contact');
    expect(waits).toEqual([]);
    time += 500;
    await limiter.beforeRequest('lead');
    expect(waits).toEqual([2000]);
    await limiter.beforeRequest('lead');
    expect(waits).toEqual([2000]);
  });

  it('changes nothing when the header is absent', async () => {
    const waits: number[] = [];
    const limiter = createRateLimiter({ now: () => 0, sleep: async (milliseconds) => void waits.push(milliseconds) });
    limiter.afterResponse('lead', null);
    await limiter.beforeRequest('lead');
    expect(waits).toEqual([]);
  });

  it('fails with a retryable SOURCE_RATE_LIMITED instead of waiting past maxWaitMs', async () => {
    // Bug: the wait when nothing remains had no cap (a reset of hours held the run for hours).
    const waits: number[] = [];
    const limiter = createRateLimiter({ now: () => 0, maxWaitMs: 120_000, sleep: async (milliseconds) => void waits.push(milliseconds) });
    limiter.afterResponse('lead', 'limit=2, remaining=0, reset=600');
    const failure = await limiter.beforeRequest('lead').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourceError);
    expect((failure as SourceError).code).toBe('SOURCE_RATE_LIMITED');
    expect((failure as SourceError).retryable).toBe(true);
    expect(waits).toEqual([]);
    limiter.afterResponse('lead', 'limit=2, remaining=0, reset=60');
    await limiter.beforeRequest('lead');
    expect(waits).toEqual([60_000]);
  });
});
