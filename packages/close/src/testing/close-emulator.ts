import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CloseObjectType } from '../field-path.js';
import { signCloseWebhook } from '../webhook-verify.js';
import { closeId, composeLead, composeOpportunity, createEmulatorData } from './emulator-data.js';
import type { EmulatorCustomField, EmulatorEvent, EmulatorRecord } from './emulator-data.js';
import { EmulatorBadRequest, matchesDateFilters, matchesLeadQuery, opportunityAggregates, pageEvents, paging, parseLeadQuery, project, sortRecords } from './emulator-queries.js';
import { addContact, addLead, addOpportunity, defineCustomField, deleteRecord, findRecord, updateRecord } from './emulator-records.js';
import type { ContactInput, CustomFieldInput, LeadInput, OpportunityInput } from './emulator-records.js';

/** Options of {@link createCloseEmulator}. */
export interface CloseEmulatorOptions {
  /** The API key the emulator accepts (Basic auth user name). @default 'test-api-key' */
  apiKey?: string;
  /** Clock for `date_updated`, events and rate-limit windows, epoch ms. Or use `setTime`. @default Date.now */
  now?: () => number;
}

/** One request as the emulator saw it. */
export interface EmulatorRequest {
  method: string;
  /** Path below the API root, e.g. `/lead/`. */
  path: string;
  query: Record<string, string>;
  status: number;
}

/** A failure to serve instead of the next requests. */
export interface EmulatorFailure {
  status: number;
  /** How many requests fail. @default 1 */
  count?: number;
  /** `Retry-After` seconds to send. */
  retryAfter?: number;
  /** Only requests whose path starts with this. */
  path?: string;
  body?: unknown;
  /** More response headers, e.g. `{ ratelimit: 'limit=100, remaining=0, reset=0' }`. */
  headers?: Record<string, string>;
}

/** A webhook subscription. */
export interface EmulatorWebhook {
  id: string;
  url: string;
  events: Array<{ object_type: string; action: string }>;
  signature_key: string;
}

/** A Close API emulator on 127.0.0.1, with knobs to make it misbehave. */
export interface CloseEmulator {
  /** API root to pass as `baseUrl`, e.g. `http://127.0.0.1:PORT/api/v1`. */
  readonly url: string;
  readonly apiKey: string;
  /** Every request, in order. */
  readonly requests: EmulatorRequest[];
  /** The event log, oldest first. */
  readonly events: ReadonlyArray<EmulatorEvent>;
  close(): Promise<void>;
  addLead(input: LeadInput): EmulatorRecord;
  addContact(input: ContactInput): EmulatorRecord;
  addOpportunity(input: OpportunityInput): EmulatorRecord;
  /** Changes fields (`custom: { Industry: 'x' }` by name or id), bumps `date_updated`, records an `updated` event. */
  update(id: string, patch: Record<string, unknown>): EmulatorRecord;
  /** Deletes an object and records a `deleted` event. */
  delete(id: string): void;
  /** The stored object (a lead with contacts and opportunities embedded), or undefined. */
  get(id: string): EmulatorRecord | undefined;
  defineCustomField(input: CustomFieldInput): EmulatorCustomField;
  /** Limits requests per window; every response then carries `RateLimit` (unless `header: false`). */
  setRateLimit(limit: { limit: number; windowSeconds: number; header?: boolean } | null): void;
  /** Fails the next requests with a status (429s carry `Retry-After` when given). */
  failNext(failure: EmulatorFailure): void;
  createWebhook(input: { url: string; events: Array<{ object_type: string; action: string }> }): EmulatorWebhook;
  /** POSTs an event to matching webhooks (or `url`), signed as Close signs, stamped with the emulator clock. */
  deliver(event: EmulatorEvent | string, options?: { url?: string; signatureKey?: string; timestamp?: number }): Promise<Array<{ url: string; status: number; body: string }>>;
  /** Fixes the clock at a time (ISO string, Date or epoch ms). */
  setTime(time: string | number | Date): void;
  /** Moves the clock forward. */
  advanceTime(milliseconds: number): void;
  now(): Date;
}

const API_ROOT = '/api/v1';
const OBJECTS = new Set(['lead', 'contact', 'opportunity']);

/**
 * Starts a Close API emulator on 127.0.0.1 (random port). It serves what the Close strategy uses,
 * as the real API answers it (see WIRE-FACTS): lists with `_skip`/`_limit`/`has_more`,
 * `total_results` on leads and opportunities, aggregates on opportunities, `_fields`, date
 * filters and `_order_by`, the lead search query at minute precision, single objects, custom
 * fields, the event log with cursors, Basic auth, `RateLimit` and 429s, and signed webhooks.
 */
export async function createCloseEmulator(options: CloseEmulatorOptions = {}): Promise<CloseEmulator> {
  const apiKey = options.apiKey ?? 'test-api-key';
  let fixedTime: number | null = null;
  const now = () => fixedTime ?? (options.now ?? Date.now)();
  const data = createEmulatorData(now);
  const requests: EmulatorRequest[] = [];
  const failures: Array<Required<Pick<EmulatorFailure, 'status' | 'count'>> & EmulatorFailure> = [];
  const webhooks: EmulatorWebhook[] = [];
  let rateLimit: { limit: number; windowMs: number; header: boolean; windowStart: number; used: number } | null = null;

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };

  const rateLimitHeaders = (): { headers: Record<string, string>; limited: boolean } => {
    if (!rateLimit) return { headers: {}, limited: false };
    const time = now();
    if (time >= rateLimit.windowStart + rateLimit.windowMs) {
      rateLimit.windowStart = time;
      rateLimit.used = 0;
    }
    const resetSeconds = Math.max(0, (rateLimit.windowStart + rateLimit.windowMs - time) / 1000);
    const limited = rateLimit.used >= rateLimit.limit;
    if (!limited) rateLimit.used += 1;
    const remaining = Math.max(0, rateLimit.limit - rateLimit.used);
    const header = `limit=${rateLimit.limit}, remaining=${remaining}, reset=${Number(resetSeconds.toFixed(3))}`;
    if (limited) return { headers: { ratelimit: header, 'retry-after': String(Math.max(1, Math.ceil(resetSeconds))) }, limited };
    return { headers: rateLimit.header ? { ratelimit: header } : {}, limited };
  };

  const listObjects = (objectType: CloseObjectType, params: URLSearchParams): Record<string, unknown> => {
    const { limit, skip } = paging(params, { defaultLimit: 100, maxLimit: 200 });
    let records = [...data.records[objectType].values()].map((record) =>
      objectType === 'lead' ? composeLead(data, record) : objectType === 'opportunity' ? composeOpportunity(data, record) : record,
    );
    if (params.get('lead_id') !== null) records = records.filter((record) => record.lead_id === params.get('lead_id'));
    if (objectType === 'lead') {
      const query = parseLeadQuery(params.get('query') ?? '');
      records = records.filter((record) => matchesLeadQuery(record, query));
      if (query.sort) records = sortRecords(records, query.sort.field, query.sort.descending);
    } else if (objectType === 'opportunity') {
      records = records.filter((record) => matchesDateFilters(record, params));
      const orderBy = params.get('_order_by');
      if (orderBy) records = sortRecords(records, orderBy.replace(/^-/, ''), orderBy.startsWith('-'));
    }
    const page = records.slice(skip, skip + limit).map((record) => project(record, params.get('_fields')));
    const body: Record<string, unknown> = { data: page, has_more: skip + limit < records.length };
    if (objectType !== 'contact') body.total_results = records.length;
    if (objectType === 'opportunity') Object.assign(body, opportunityAggregates(records));
    return body;
  };

  const route = (method: string, path: string, params: URLSearchParams, body: unknown): { status: number; body: unknown } => {
    const segments = path.split('/').filter(Boolean);
    const [first, second, third] = segments;
    if (method === 'GET' && first && OBJECTS.has(first) && segments.length === 1) {
      return { status: 200, body: listObjects(first as CloseObjectType, params) };
    }
    if (method === 'GET' && first && OBJECTS.has(first) && second && segments.length === 2) {
      const found = data.records[first as CloseObjectType].get(second);
      if (!found) return { status: 404, body: { error: 'Not found' } };
      const composed = first === 'lead' ? composeLead(data, found) : first === 'opportunity' ? composeOpportunity(data, found) : found;
      return { status: 200, body: project(composed, params.get('_fields')) };
    }
    if (method === 'GET' && first === 'custom_field' && second && OBJECTS.has(second)) {
      const fields = data.customFields[second as CloseObjectType];
      if (third) {
        const field = fields.find((candidate) => candidate.id === third);
        return field ? { status: 200, body: field } : { status: 404, body: { error: 'Not found' } };
      }
      const { limit, skip } = paging(params, { defaultLimit: 100, maxLimit: 200 });
      return { status: 200, body: { data: fields.slice(skip, skip + limit), has_more: skip + limit < fields.length } };
    }
    if (method === 'GET' && first === 'event' && segments.length === 1) return { status: 200, body: pageEvents(data.events, params) };
    if (method === 'POST' && first === 'webhook' && segments.length === 1) {
      const input = body as { url?: unknown; events?: unknown };
      if (typeof input?.url !== 'string' || !Array.isArray(input.events)) throw new EmulatorBadRequest({ errors: [], 'field-errors': { url: 'This field is required.', events: 'This field is required.' } });
      const webhook = api.createWebhook({ url: input.url, events: input.events as EmulatorWebhook['events'] });
      return { status: 201, body: { ...webhook, status: 'active', verify_ssl: true, organization_id: data.organizationId } };
    }
    return { status: 404, body: { error: 'Not found' } };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const path = url.pathname.startsWith(API_ROOT) ? url.pathname.slice(API_ROOT.length) : url.pathname;
    const entry: EmulatorRequest = { method, path, query: Object.fromEntries(url.searchParams), status: 0 };
    requests.push(entry);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      send(response, status, body, headers);
    };
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const failureIndex = failures.findIndex((failure) => !failure.path || path.startsWith(failure.path));
    const failure = failures[failureIndex];
    if (failure) {
      failure.count -= 1;
      if (failure.count <= 0) failures.splice(failureIndex, 1);
      const headers: Record<string, string> = { ...(failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) }), ...failure.headers };
      reply(failure.status, failure.body ?? { error: failure.status === 429 ? 'API call rate limit exceeded.' : 'Service unavailable.' }, headers);
      return;
    }
    const authorization = request.headers.authorization ?? '';
    const expected = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
    if (authorization !== expected) {
      reply(401, { error: 'Unauthorized' });
      return;
    }
    const limits = rateLimitHeaders();
    if (limits.limited) {
      reply(429, { error: 'API call rate limit exceeded. Please wait before retrying.' }, limits.headers);
      return;
    }
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const result = route(method, path, url.searchParams, text === '' ? undefined : JSON.parse(text));
      reply(result.status, result.body, limits.headers);
    } catch (error) {
      if (error instanceof EmulatorBadRequest) reply(400, error.body, limits.headers);
      else reply(500, { error: error instanceof Error ? error.message : String(error) });
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const api: CloseEmulator = {
    url: `http://127.0.0.1:${port}${API_ROOT}`,
    apiKey,
    requests,
    events: data.events,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
    addLead: (input) => composeLead(data, addLead(data, input)),
    addContact: (input) => addContact(data, input),
    addOpportunity: (input) => addOpportunity(data, input),
    update: (id, patch) => updateRecord(data, id, patch),
    delete: (id) => deleteRecord(data, id),
    get: (id) => {
      const found = findRecord(data, id);
      if (!found) return undefined;
      return found.objectType === 'lead' ? composeLead(data, found.record) : found.objectType === 'opportunity' ? composeOpportunity(data, found.record) : found.record;
    },
    defineCustomField: (input) => defineCustomField(data, input),
    setRateLimit(limit) {
      rateLimit = limit ? { limit: limit.limit, windowMs: limit.windowSeconds * 1000, header: limit.header ?? true, windowStart: now(), used: 0 } : null;
    },
    failNext(failure) {
      failures.push({ ...failure, count: failure.count ?? 1 });
    },
    createWebhook(input) {
      const webhook: EmulatorWebhook = { id: closeId('whsub', 22), url: input.url, events: input.events, signature_key: randomBytes(32).toString('hex') };
      webhooks.push(webhook);
      return webhook;
    },
    async deliver(eventOrId, deliverOptions = {}) {
      const event = typeof eventOrId === 'string' ? data.events.find((candidate) => candidate.id === eventOrId) : eventOrId;
      if (!event) throw new Error(`close emulator: no event ${String(eventOrId)}`);
      const targets = deliverOptions.url
        ? [{ url: deliverOptions.url, signature_key: deliverOptions.signatureKey ?? webhooks.find((webhook) => webhook.url === deliverOptions.url)?.signature_key ?? '', id: webhooks.find((webhook) => webhook.url === deliverOptions.url)?.id ?? null }]
        : webhooks.filter((webhook) => webhook.events.some((wanted) => wanted.object_type === event.object_type && wanted.action === event.action));
      const results: Array<{ url: string; status: number; body: string }> = [];
      for (const target of targets) {
        const rawBody = JSON.stringify({ subscription_id: target.id, event });
        const timestamp = deliverOptions.timestamp ?? Math.floor(now() / 1000);
        const signature = signCloseWebhook({ rawBody, signatureKey: deliverOptions.signatureKey ?? target.signature_key, timestamp });
        const response = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'close-sig-hash': signature, 'close-sig-timestamp': String(timestamp) },
          body: rawBody,
        });
        results.push({ url: target.url, status: response.status, body: await response.text() });
      }
      return results;
    },
    setTime(time) {
      fixedTime = time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : time;
    },
    advanceTime(milliseconds) {
      fixedTime = now() + milliseconds;
    },
    now: () => new Date(now()),
  };
  return api;
}
