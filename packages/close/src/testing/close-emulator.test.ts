import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloseEmulator } from './close-emulator.js';
import type { CloseEmulator } from './close-emulator.js';

const schemaDocument = parse(readFileSync(new URL('../../test-fixtures/close-schemas.yml', import.meta.url), 'utf8')) as { components: { schemas: Record<string, unknown> } };
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
ajv.addSchema({ $id: 'close.json', components: schemaDocument.components });
// The published description leaves the event and custom field lists without a schema; these come from the recordings.
const recordedShapes = parse(readFileSync(new URL('../../test-fixtures/close-recorded-shapes.yml', import.meta.url), 'utf8')) as { components: { schemas: Record<string, unknown> } };
ajv.addSchema({ $id: 'close-recorded.json', components: recordedShapes.components });
const validator = (name: string) => ajv.getSchema(`close.json#/components/schemas/${name}`) ?? ajv.getSchema(`close-recorded.json#/components/schemas/${name}`)!;

function expectValid(name: string, body: unknown): void {
  const validate = validator(name);
  const valid = validate(body);
  expect(valid, JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
}

let emulator: CloseEmulator;
let leadId = '';
const industryFieldId = 'cf_Industry00000000000000000000000000000000001';

async function call(path: string, query: Record<string, string | number> = {}, init: { auth?: string | null; method?: string; body?: unknown } = {}) {
  const url = new URL(emulator.url + path);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
  const headers: Record<string, string> = {};
  const auth = init.auth === undefined ? emulator.apiKey : init.auth;
  if (auth !== null) headers.authorization = `Basic ${Buffer.from(`${auth}:`).toString('base64')}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
}

beforeAll(async () => {
  emulator = await createCloseEmulator();
  emulator.setTime('2026-06-19T11:04:19.934Z');
  emulator.defineCustomField({ objectType: 'lead', name: 'Industry', type: 'text', id: industryFieldId });
  emulator.defineCustomField({ objectType: 'contact', name: 'Birthday', type: 'date' });
  const lead = emulator.addLead({
    name: 'Globex Industries',
    url: 'https://globex.example',
    addresses: [{ address_1: '500 Industrial Blvd', city: 'Chicago', state: 'IL', zipcode: '60601', country: 'US', label: 'headquarters' }],
    contacts: [{ name: 'Carol Martinez', title: 'Head of Procurement', emails: [{ email: 'carol@globex.example' }], phones: [{ phone: '+13125559876' }], custom: { Birthday: '2022-12-01' } }],
    custom: { Industry: 'Manufacturing' },
  });
  leadId = lead.id;
  emulator.advanceTime(60_000);
  emulator.addLead({ name: 'Initech' });
  emulator.advanceTime(1_000);
  emulator.addOpportunity({ lead_id: leadId, value: 25000, confidence: 50, note: 'Logistics integration project' });
  emulator.advanceTime(1_000);
  emulator.addOpportunity({ lead_id: leadId, value: 50000, value_period: 'annual', confidence: 80 });
});

afterAll(async () => {
  await emulator.close();
});

describe('close emulator - lists', () => {
  it('GET /lead/ - matches the Lead list schema, with total_results and custom fields as flat keys', async () => {
    const response = await call('/lead/');
    expect(response.status).toBe(200);
    expectValid('leads_list_Response_200', response.body);
    expect(response.body.total_results).toBe(2);
    const lead = response.body.data.find((item: { id: string }) => item.id === leadId);
    expect(lead.custom).toEqual({});
    expect(lead[`custom.${industryFieldId}`]).toBe('Manufacturing');
    expect(lead.contacts[0].emails[0]).toEqual({ email: 'carol@globex.example', type: 'office', is_unsubscribed: false });
    expect(lead.opportunities).toHaveLength(2);
    expect(lead.date_updated).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/);
  });

  it('GET /contact/ - matches the Contact list schema and has no total_results', async () => {
    const response = await call('/contact/');
    expectValid('contacts_list_Response_200', response.body);
    expect(Object.keys(response.body).sort()).toEqual(['data', 'has_more']);
    expect(Object.keys(response.body.data[0]).some((key) => key.startsWith('custom.cf_'))).toBe(true);
  });

  it('GET /opportunity/ - matches the schema, values in cents, 17 aggregate keys', async () => {
    const response = await call('/opportunity/', { _order_by: 'date_updated' });
    expectValid('opportunities_list_Response_200', response.body);
    const aggregateKeys = Object.keys(response.body).filter((key) => !['data', 'has_more', 'total_results'].includes(key));
    expect(aggregateKeys).toHaveLength(17);
    expect(response.body.total_value_one_time).toBe(25000);
    expect(response.body.total_value_one_time_formatted).toBe('$250');
    expect(response.body.total_value_monthly_formatted).toBeNull();
    expect(response.body.data[0]).toMatchObject({ value: 25000, value_formatted: '$250', expected_value: 12500, value_period: 'one_time', lead_name: 'Globex Industries' });
    expect(response.body.data[1]).toMatchObject({ value_formatted: '$500 annual' });
  });

  it('GET /lead/ - pages with _skip/_limit and has_more', async () => {
    const first = await call('/lead/', { _limit: 1, _skip: 0 });
    const second = await call('/lead/', { _limit: 1, _skip: 1 });
    expect(first.body.has_more).toBe(true);
    expect(second.body.has_more).toBe(false);
    expect(first.body.data[0].id).not.toBe(second.body.data[0].id);
  });

  it('GET /lead/ - _limit over 200 is a 400 with field-errors', async () => {
    const response = await call('/lead/', { _limit: 201 });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [], 'field-errors': { _limit: 'Input should be less than or equal to 200' } });
  });

  it('GET /lead/ - _fields keeps only the asked fields; custom gives every custom key', async () => {
    const one = await call('/lead/', { _fields: `id,custom.${industryFieldId}` });
    expect(Object.keys(one.body.data.find((item: { id: string }) => item.id === leadId)).sort()).toEqual(['custom.' + industryFieldId, 'id']);
    const all = await call('/lead/', { _fields: 'id,custom' });
    expect(all.body.data.find((item: { id: string }) => item.id === leadId)).toEqual({ id: leadId, custom: {}, [`custom.${industryFieldId}`]: 'Manufacturing' });
  });

  it('GET /lead/ - the search query filters date_updated by the minute and sorts', async () => {
    // Initech was created at 11:05:19.934; Globex last changed at 11:05:21.934 (its second opportunity).
    const sameMinute = await call('/lead/', { query: 'date_updated>="2026-06-19T11:05:59" sort:date_updated', _fields: 'id,date_updated' });
    expect(sameMinute.body.data.map((item: { id: string }) => item.id)[1]).toBe(leadId);
    expect(sameMinute.body.data).toHaveLength(2);
    const descending = await call('/lead/', { query: 'date_updated>="2026-06-19T11:04" sort:-date_updated' });
    expect(descending.body.data[0].id).toBe(leadId);
    const beforeMinute = await call('/lead/', { query: 'date_updated<"2026-06-19T11:05:40"' });
    expect(beforeMinute.body.data).toHaveLength(0);
    const throughMinute = await call('/lead/', { query: 'date_updated<="2026-06-19T11:05:00"' });
    expect(throughMinute.body.data).toHaveLength(2);
    const later = await call('/lead/', { query: 'date_updated>="2026-06-19T11:06" sort:date_updated' });
    expect(later.body.data).toHaveLength(0);
    expect(later.body.total_results).toBe(0);
    const bad = await call('/lead/', { query: 'name:"x"' });
    expect(bad.status).toBe(400);
  });

  it('GET /opportunity/ - date_updated__gte/__lt filter', async () => {
    const response = await call('/opportunity/', { date_updated__gte: '2026-06-19T11:05:21.934Z', _order_by: '-date_updated' });
    expect(response.body.data).toHaveLength(1);
    expect(response.body.data[0].value).toBe(50000);
    const before = await call('/opportunity/', { date_updated__lt: '2026-06-19T11:05:21.934Z' });
    expect(before.body.data).toHaveLength(1);
  });
});

describe('close emulator - objects, custom fields, auth', () => {
  it('GET /lead/{id}/ - one lead matching the Lead schema; unknown id 404', async () => {
    const response = await call(`/lead/${leadId}/`);
    expectValid('Lead', response.body);
    expect((await call('/lead/lead_missing/')).status).toBe(404);
  });

  it('GET /custom_field/lead/ - definitions in a data page', async () => {
    const response = await call('/custom_field/lead/');
    expectValid('custom_fields_list_Response_200', response.body);
    expectValid('custom_fields_list_Response_200', (await call('/custom_field/contact/')).body);
    expect(response.body.has_more).toBe(false);
    expect(response.body.data[0]).toMatchObject({ id: industryFieldId, name: 'Industry', type: 'text', accepts_multiple_values: false, choices: null });
    expect((await call(`/custom_field/lead/${industryFieldId}/`)).body.name).toBe('Industry');
  });

  it('answers 401 {"error": "Unauthorized"} without or with a wrong key', async () => {
    expect(await call('/lead/', {}, { auth: null })).toMatchObject({ status: 401, body: { error: 'Unauthorized' } });
    expect(await call('/lead/', {}, { auth: 'wrong' })).toMatchObject({ status: 401, body: { error: 'Unauthorized' } });
  });

  it('POST /webhook/ - 201 with a hex signature_key', async () => {
    const body = { url: 'http://127.0.0.1:9/hook', events: [{ object_type: 'lead', action: 'updated' }] };
    expectValid('CreateWebhook', body);
    const response = await call('/webhook/', {}, { method: 'POST', body });
    expect(response.status).toBe(201);
    expect(response.body.signature_key).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('close emulator - event log', () => {
  it('GET /event/ - newest first, naive timestamps, paged by _cursor, _limit at most 50', async () => {
    const local = await createCloseEmulator();
    try {
      local.setTime('2022-11-08T17:15:13.041Z');
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        ids.push(local.addLead({ name: `Lead ${index}` }).id);
        local.advanceTime(1000);
      }
      for (const id of ids) local.delete(id);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const url = new URL(`${local.url}/event/`);
        url.search = new URLSearchParams({ object_type: 'lead', action: 'deleted', _limit: '2', ...(cursor ? { _cursor: cursor } : {}) }).toString();
        const response = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${local.apiKey}:`).toString('base64')}` } });
        const body = (await response.json()) as { data: Array<{ object_id: string; date_created: string }>; cursor_next: string | null };
        expectValid('events_list_Response_200', body);
        for (const event of body.data) {
          expect(event.date_created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
          seen.push(event.object_id);
        }
        if (!body.cursor_next) break;
        cursor = body.cursor_next;
      }
      expect(seen).toEqual([...ids].reverse());
      const tooMany = await fetch(`${local.url}/event/?_limit=51`, { headers: { authorization: `Basic ${Buffer.from(`${local.apiKey}:`).toString('base64')}` } });
      expect(tooMany.status).toBe(400);
    } finally {
      await local.close();
    }
  });
});

describe('close emulator - misbehaving', () => {
  it('setRateLimit - RateLimit header on each response, then 429 with Retry-After until the window resets', async () => {
    emulator.setRateLimit({ limit: 2, windowSeconds: 10 });
    try {
      const first = await call('/contact/');
      expect(first.headers.get('ratelimit')).toBe('limit=2, remaining=1, reset=10');
      await call('/contact/');
      emulator.advanceTime(4_000);
      const refused = await call('/contact/');
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('6');
      expect(refused.headers.get('ratelimit')).toBe('limit=2, remaining=0, reset=6');
      emulator.advanceTime(6_000);
      expect((await call('/contact/')).status).toBe(200);
    } finally {
      emulator.setRateLimit(null);
    }
  });

  it('failNext - fails the next count requests with the status and Retry-After, and logs requests', async () => {
    emulator.failNext({ status: 503, count: 2, retryAfter: 3 });
    const before = emulator.requests.length;
    const first = await call('/contact/');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('3');
    expect((await call('/contact/')).status).toBe(503);
    expect((await call('/contact/')).status).toBe(200);
    expect(emulator.requests.slice(before).map((request) => [request.path, request.status])).toEqual([
      ['/contact/', 503],
      ['/contact/', 503],
      ['/contact/', 200],
    ]);
  });
});

describe('close emulator - webhook deliveries', () => {
  it('deliver() stamps close-sig-timestamp with the emulator clock', async () => {
    // Bug: deliver() signed with Date.now(), so a handler on the emulator clock refused every delivery as stale.
    const local = await createCloseEmulator();
    const received: Array<string | undefined> = [];
    const server = createServer((request, response) => {
      received.push(request.headers['close-sig-timestamp'] as string | undefined);
      request.resume();
      request.on('end', () => response.end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      local.setTime('2022-11-08T17:15:13.041Z');
      local.createWebhook({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events: [{ object_type: 'lead', action: 'created' }] });
      local.addLead({ name: 'Hooli' });
      await local.deliver(local.events.at(-1)!);
      expect(received).toEqual([String(Math.floor(Date.parse('2022-11-08T17:15:13.041Z') / 1000))]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await local.close();
    }
  });
});
