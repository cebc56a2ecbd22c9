import { FieldsyncError, SourceError } from '@fieldsync/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCloseClient } from './close-client.js';
import type { CloseLogEvent } from './close-client.js';
import { close } from './close-strategy.js';
import { createCloseEmulator } from './testing/close-emulator.js';
import type { CloseEmulator } from './testing/close-emulator.js';
import { errorText, readTab, recordingSleep } from './test-support.js';

const API_KEY = 'api_SecretKey4Tests.0123456789abcdef';
let emulator: CloseEmulator;

beforeAll(async () => {
  emulator = await createCloseEmulator({ apiKey: API_KEY });
  emulator.setTime('2026-03-01T12:00:00Z');
  emulator.addLead({ name: 'Acme' });
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => {
  emulator.setRateLimit(null);
});

function client(options: { apiKey?: string; baseUrl?: string; logger?: (event: CloseLogEvent) => void; maxRetries?: number } = {}) {
  // The recording sleep moves the emulator clock, so rate-limit windows reset as if time passed.
  const recorder = recordingSleep((milliseconds) => emulator.advanceTime(milliseconds));
  const instance = createCloseClient({
    apiKey: options.apiKey ?? API_KEY,
    baseUrl: options.baseUrl ?? emulator.url,
    fetch: (input, init) => fetch(input, init),
    sleep: recorder.sleep,
    now: () => emulator.now().getTime(),
    maxRetries: options.maxRetries ?? 3,
    retryBaseDelayMs: 1000,
    maxRateLimitWaitMs: 120_000,
    logger: options.logger,
  });
  return { client: instance, waits: recorder.waits };
}

function statuses(since: number) {
  return emulator.requests.slice(since).map((request) => request.status);
}

describe('close client - rate limits', () => {
  it('slows down before a 429: when RateLimit says nothing remains, waits for the reset', async () => {
    emulator.setRateLimit({ limit: 2, windowSeconds: 5 });
    const { client: api, waits } = client();
    const since = emulator.requests.length;
    for (let index = 0; index < 5; index += 1) await api.request({ path: '/lead/' });
    expect(statuses(since)).toEqual([200, 200, 200, 200, 200]);
    expect(waits).toEqual([5000, 5000]);
  });

  it('on a 429, waits for the RateLimit reset (or the longer Retry-After) and retries', async () => {
    emulator.setRateLimit({ limit: 1, windowSeconds: 7, header: false });
    const { client: api, waits } = client();
    const since = emulator.requests.length;
    await api.request({ path: '/lead/' });
    emulator.advanceTime(1500);
    await api.request({ path: '/lead/' });
    expect(statuses(since)).toEqual([200, 429, 200]);
    // RateLimit reset=5.5, Retry-After: 6 (whole seconds): the longer of both.
    expect(waits).toEqual([6000]);
  });

  it('on a 429 without RateLimit, waits for Retry-After', async () => {
    emulator.failNext({ status: 429, retryAfter: 3 });
    const { client: api, waits } = client();
    await api.request({ path: '/lead/' });
    expect(waits).toEqual([3000]);
  });

  it('a 429 with RateLimit reset=0 waits the longer Retry-After, or at least a second, never retries at once', async () => {
    // Bug: reset=0 was preferred over Retry-After and the retry went out immediately.
    emulator.failNext({ status: 429, retryAfter: 2, headers: { ratelimit: 'limit=100, remaining=0, reset=0' } });
    emulator.failNext({ status: 429, headers: { ratelimit: 'limit=100, remaining=0, reset=0' } });
    const { client: api, waits } = client();
    await api.request({ path: '/lead/' });
    expect(waits).toEqual([2000, 1000]);
  });

  it('the wait before a request when nothing remains is capped by maxRateLimitWaitMs too', async () => {
    // Bug: the proactive wait for a RateLimit reset had no cap and could hold the run for any time.
    emulator.setRateLimit({ limit: 1, windowSeconds: 600 });
    const { client: api, waits } = client();
    await api.request({ path: '/lead/' });
    const failure = await api.request({ path: '/lead/' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourceError);
    expect((failure as SourceError).code).toBe('SOURCE_RATE_LIMITED');
    expect((failure as SourceError).retryable).toBe(true);
    expect(waits).toEqual([]);
  });

  it('works when responses carry no RateLimit header at all', async () => {
    const { client: api, waits } = client();
    for (let index = 0; index < 3; index += 1) await api.request({ path: '/lead/' });
    expect(waits).toEqual([]);
  });

  it('gives up with SOURCE_RATE_LIMITED when 429s outlast the retries', async () => {
    emulator.failNext({ status: 429, count: 4, retryAfter: 1 });
    const { client: api, waits } = client({ maxRetries: 3 });
    const failure = await api.request({ path: '/lead/' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SourceError);
    expect((failure as SourceError).code).toBe('SOURCE_RATE_LIMITED');
    expect((failure as SourceError).retryable).toBe(true);
    expect(waits).toEqual([1000, 1000, 1000]);
  });

  it('fails at once when a 429 asks for a longer wait than maxRateLimitWaitMs', async () => {
    emulator.failNext({ status: 429, retryAfter: 3600 });
    const { client: api, waits } = client();
    const failure = await api.request({ path: '/lead/' }).catch((error: unknown) => error);
    expect((failure as SourceError).code).toBe('SOURCE_RATE_LIMITED');
    expect((failure as SourceError).details?.retryAfterMs).toBe(3_600_000);
    expect(waits).toEqual([]);
  });
});

describe('close client - failures', () => {
  it('retries 503 with doubling backoff', async () => {
    emulator.failNext({ status: 503, count: 2 });
    const { client: api, waits } = client();
    const body = await api.request<{ data: unknown[] }>({ path: '/lead/' });
    expect(body.data).toHaveLength(1);
    expect(waits).toEqual([1000, 2000]);
  });

  it('retries 502 and 504 on GET, but not on POST', async () => {
    emulator.failNext({ status: 502 });
    emulator.failNext({ status: 504 });
    const { client: api, waits } = client();
    await api.request({ path: '/lead/' });
    expect(waits).toEqual([1000, 2000]);
    emulator.failNext({ status: 502 });
    const failure = await api.request({ method: 'POST', path: '/webhook/', body: { url: 'http://127.0.0.1:1/', events: [] } }).catch((error: unknown) => error);
    expect((failure as SourceError).code).toBe('SOURCE_UNAVAILABLE');
    expect((failure as SourceError).status).toBe(502);
  });

  it('401 is fatal SOURCE_AUTH_FAILED, says to check the API key, and does not contain it', async () => {
    const wrongKey = 'api_WrongKeyValue.fedcba9876543210';
    const { client: api, waits } = client({ apiKey: wrongKey });
    const since = emulator.requests.length;
    const failure = await api.request({ path: '/lead/' }).catch((error: unknown) => error);
    expect((failure as SourceError).code).toBe('SOURCE_AUTH_FAILED');
    expect((failure as SourceError).status).toBe(401);
    expect((failure as Error).message).toMatch(/\[fieldsync\] \[close\].*check the API key/i);
    expect(errorText(failure)).not.toContain(wrongKey);
    expect(errorText(failure)).not.toContain(Buffer.from(`${wrongKey}:`).toString('base64'));
    expect(statuses(since)).toEqual([401]);
    expect(waits).toEqual([]);
  });

  it('404 is SOURCE_NOT_FOUND', async () => {
    const failure = await client().client.request({ path: '/lead/lead_nope/' }).catch((error: unknown) => error);
    expect((failure as SourceError).code).toBe('SOURCE_NOT_FOUND');
  });

  it("400 is SOURCE_INVALID_RESPONSE with Close's field errors", async () => {
    const failure = await client().client.request({ path: '/lead/', query: { _limit: 500 } }).catch((error: unknown) => error);
    expect((failure as SourceError).code).toBe('SOURCE_INVALID_RESPONSE');
    expect((failure as SourceError).details?.fieldErrors).toEqual({ _limit: 'Input should be less than or equal to 200' });
    expect((failure as Error).message).toContain('Input should be less than or equal to 200');
  });

  it('an unreachable server is SOURCE_UNAVAILABLE after the retries', async () => {
    const dead = await createCloseEmulator();
    const deadUrl = dead.url;
    await dead.close();
    const { client: api, waits } = client({ baseUrl: deadUrl, maxRetries: 2 });
    const failure = await api.request({ path: '/lead/' }).catch((error: unknown) => error);
    expect((failure as SourceError).code).toBe('SOURCE_UNAVAILABLE');
    expect(waits).toEqual([1000, 2000]);
    expect(errorText(failure)).not.toContain(API_KEY);
  });
});

describe('close client - the API key stays secret', () => {
  it('never appears in errors, details, causes or log lines, whatever fails', async () => {
    const logs: CloseLogEvent[] = [];
    const { client: api } = client({ logger: (event) => logs.push(event) });
    const failures: unknown[] = [];
    emulator.failNext({ status: 503, count: 4, body: { error: `echo ${API_KEY}` } });
    failures.push(await api.request({ path: '/lead/' }).catch((error: unknown) => error));
    emulator.failNext({ status: 400, body: { errors: [`bad key ${API_KEY}`], 'field-errors': { key: API_KEY } } });
    failures.push(await api.request({ path: '/lead/' }).catch((error: unknown) => error));
    emulator.failNext({ status: 429, count: 4, retryAfter: 1 });
    failures.push(await api.request({ path: '/lead/' }).catch((error: unknown) => error));
    failures.push(await client({ apiKey: `${API_KEY}x` }).client.request({ path: '/lead/' }).catch((error: unknown) => error));
    expect(failures.every((failure) => FieldsyncError.isInstance(failure))).toBe(true);
    const text = failures.map(errorText).join('\n') + JSON.stringify(logs);
    expect(logs.length).toBeGreaterThan(0);
    expect(text).toContain('[redacted]');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(Buffer.from(`${API_KEY}:`).toString('base64'));
  });

  it('a strategy open that fails on auth keeps the key out of the error', async () => {
    const key = 'api_OtherSecret.00000000000000000000';
    const failure = await readTab(close({ apiKey: key, baseUrl: emulator.url, sleep: async () => {} }), { columns: ['id'] }).catch((error: unknown) => error);
    expect((failure as SourceError).code).toBe('SOURCE_AUTH_FAILED');
    expect(errorText(failure)).not.toContain(key);
  });
});
