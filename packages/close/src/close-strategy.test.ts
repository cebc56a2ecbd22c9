import { ConfigurationError, FieldsyncError } from '@fieldsync/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { close } from './close-strategy.js';
import { createCloseEmulator } from './testing/close-emulator.js';
import type { CloseEmulator } from './testing/close-emulator.js';
import { allRows, readTab } from './test-support.js';

let emulator: CloseEmulator;
let globexId = '';
let initechId = '';
const industryId = 'cf_IndustryAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const tagsId = 'cf_TagsAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

beforeAll(async () => {
  emulator = await createCloseEmulator();
  emulator.setTime('2026-06-19T11:00:00.000Z');
  emulator.defineCustomField({ objectType: 'lead', name: 'Industry', id: industryId });
  emulator.defineCustomField({ objectType: 'lead', name: 'Tags', type: 'choices', acceptsMultipleValues: true, choices: ['a', 'b'], id: tagsId });
  emulator.defineCustomField({ objectType: 'contact', name: 'Birthday', type: 'date' });
  globexId = emulator.addLead({
    name: 'Globex',
    addresses: [{ city: 'Chicago', country: 'US' }],
    contacts: [{ name: 'Carol', emails: [{ email: 'carol@globex.example' }, { email: 'c@globex.example' }], custom: { Birthday: '2022-12-01' } }, { name: 'Dan' }],
    custom: { Industry: 'Manufacturing', Tags: ['a', 'b'] },
  }).id;
  emulator.advanceTime(1000);
  initechId = emulator.addLead({ name: 'Initech' }).id;
  emulator.advanceTime(1000);
  emulator.addOpportunity({ lead_id: globexId, value: 25000, confidence: 50 });
});

afterAll(async () => {
  await emulator.close();
});

const strategy = () => close({ apiKey: emulator.apiKey, baseUrl: emulator.url });

describe('close strategy - reading leads', () => {
  it('open - reads standard fields, custom fields by name and id, and nested paths, with the lead id as address', async () => {
    const before = emulator.requests.length;
    const { reader, batches } = await readTab(strategy(), {
      columns: ['id', 'name', 'custom.Industry', `custom.${industryId}`, 'custom.Tags', 'contacts[0].emails[1].email', 'contacts[0].custom.Birthday', 'addresses[0].city', 'contacts[5].name'],
    });
    expect(reader.label).toBe('Close CRM > leads');
    expect(reader.columns.get('custom.Industry')).toEqual({ label: `custom.${industryId} (Industry)` });
    expect(reader.columns.get('contacts[0].emails[1].email')).toEqual({ label: 'contacts[0].emails[1].email' });
    const rows = allRows(batches);
    expect(rows).toHaveLength(2);
    const globex = rows.find((row) => row.address.id === globexId);
    expect(globex?.values).toEqual({
      id: globexId,
      name: 'Globex',
      'custom.Industry': 'Manufacturing',
      [`custom.${industryId}`]: 'Manufacturing',
      'custom.Tags': ['a', 'b'],
      'contacts[0].emails[1].email': 'c@globex.example',
      'contacts[0].custom.Birthday': '2022-12-01',
      'addresses[0].city': 'Chicago',
    });
    expect(rows.find((row) => row.address.id === initechId)?.values).toEqual({ id: initechId, name: 'Initech' });
    // Custom fields are listed once per object type per open; the page asks only for mapped fields.
    const requests = emulator.requests.slice(before);
    expect(requests.map((request) => request.path)).toEqual(['/custom_field/lead/', '/custom_field/contact/', '/lead/']);
    const fields = requests[2]?.query._fields?.split(',').sort();
    expect(fields).toEqual(['addresses', 'contacts', `custom.${industryId}`, `custom.${tagsId}`, 'date_updated', 'id', 'name'].sort());
  });

  it('open - pages with _skip/_limit within Close maximum, batches bounded by batchSize', async () => {
    const local = await createCloseEmulator();
    try {
      local.setTime('2026-01-01T00:00:00Z');
      for (let index = 0; index < 7; index += 1) {
        local.addLead({ name: `Lead ${index}` });
        local.advanceTime(1000);
      }
      const { batches } = await readTab(close({ apiKey: local.apiKey, baseUrl: local.url, pageSize: 3 }), { columns: ['id', 'name'], batchSize: 2 });
      expect(batches.every((batch) => batch.rows.length <= 2)).toBe(true);
      expect(allRows(batches).map((row) => row.values.name)).toEqual([0, 1, 2, 3, 4, 5, 6].map((index) => `Lead ${index}`));
      const pages = local.requests.filter((request) => request.path === '/lead/');
      // Each next page starts one record early, to check the listing did not shift.
      expect(pages.map((request) => [request.query._limit, request.query._skip])).toEqual([
        ['3', '0'],
        ['4', '2'],
        ['4', '5'],
      ]);
      expect(pages.every((request) => request.query.query === 'sort:date_updated')).toBe(true);
    } finally {
      await local.close();
    }
  });

  it('open - a mapped custom field name that does not exist fails with SOURCE_SCHEMA_MISMATCH before any row is read', async () => {
    const before = emulator.requests.length;
    const failure = await readTab(strategy(), { columns: ['id', 'custom.Industy', 'custom.cf_doesNotExist'] }).catch((error: unknown) => error);
    expect(FieldsyncError.isInstance(failure) && failure.code).toBe('SOURCE_SCHEMA_MISMATCH');
    expect((failure as Error).message).toContain('"Industy"');
    expect((failure as Error).message).toContain('"Industry"');
    expect((failure as Error).message).toContain('cf_doesNotExist');
    expect(emulator.requests.slice(before).some((request) => request.path === '/lead/')).toBe(false);
  });

  it('open - a malformed path fails with SOURCE_SCHEMA_MISMATCH', async () => {
    const failure = await readTab(strategy(), { columns: ['id', 'contacts[x].name'] }).catch((error: unknown) => error);
    expect(FieldsyncError.isInstance(failure) && failure.code).toBe('SOURCE_SCHEMA_MISMATCH');
  });

  it('open - warns about columns that are not documented Close fields', async () => {
    const { reader } = await readTab(strategy(), { columns: ['id', 'favourite_colour'] });
    expect(reader.warnings?.join(' ')).toContain('favourite_colour');
  });

  it('open - rowLimit stops after that many rows', async () => {
    const { batches } = await readTab(strategy(), { columns: ['id'], rowLimit: 1 });
    expect(allRows(batches)).toHaveLength(1);
  });

  it('open - an aborted signal stops the read with SYNC_ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    const failure = await readTab(strategy(), { columns: ['id'], signal: controller.signal }).catch((error: unknown) => error);
    // Bug: the abort surfaced as a raw DOMException AbortError instead of SYNC_ABORTED.
    expect(FieldsyncError.isInstance(failure) && failure.code).toBe('SYNC_ABORTED');
  });

  it('open - a signal aborted while a page is fetched stops the read with SYNC_ABORTED', async () => {
    // Bug: an abort during a request surfaced as a raw DOMException AbortError.
    const controller = new AbortController();
    const aborting = close({
      apiKey: emulator.apiKey,
      baseUrl: emulator.url,
      fetch: async (input, init) => {
        if (input.includes('/api/v1/lead/?')) controller.abort();
        return fetch(input, init);
      },
    });
    const failure = await readTab(aborting, { columns: ['id'], signal: controller.signal }).catch((error: unknown) => error);
    expect(FieldsyncError.isInstance(failure) && failure.code).toBe('SYNC_ABORTED');
  });
});

describe('close strategy - other objects and lookups', () => {
  it('reads opportunities with value in cents, sorted by date_updated', async () => {
    const { reader, batches } = await readTab(strategy(), { tabName: 'opportunities', columns: ['id', 'value', 'value_currency', 'lead_id'] });
    expect(reader.label).toBe('Close CRM > opportunities');
    expect(allRows(batches)[0]?.values).toMatchObject({ value: 25000, value_currency: 'USD', lead_id: globexId });
    const request = emulator.requests.filter((entry) => entry.path === '/opportunity/').at(-1);
    expect(request?.query._order_by).toBe('date_updated');
  });

  it('reads contacts from tab options.object', async () => {
    const { batches } = await readTab(strategy(), { tabName: 'People', tabOptions: { object: 'contact' }, columns: ['id', 'name', 'custom.Birthday'] });
    expect(allRows(batches).map((row) => row.values.name).sort()).toEqual(['Carol', 'Dan']);
  });

  it('an unknown object type is a ConfigurationError', async () => {
    const failure = await readTab(strategy(), { tabName: 'tasks', columns: ['id'] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toContain("'lead', 'contact' or 'opportunity'");
  });

  it('ids - fetches each object by id, and reports a missing one as deleted when the key is the id', async () => {
    const before = emulator.requests.length;
    const { batches } = await readTab(strategy(), { columns: ['id', 'name'], ids: [initechId, 'lead_gone'] });
    expect(allRows(batches).map((row) => row.values)).toEqual([{ id: initechId, name: 'Initech' }]);
    expect(batches.flatMap((batch) => batch.deleted ?? [])).toEqual([{ key: 'lead_gone' }]);
    expect(batches.every((batch) => batch.checkpoint === undefined)).toBe(true);
    expect(emulator.requests.slice(before).map((request) => request.path)).toEqual(['/custom_field/lead/', `/lead/${initechId}/`, '/lead/lead_gone/']);
  });

  it('ids - a missing object is not reported when the key column is not the id', async () => {
    const { batches } = await readTab(strategy(), { columns: ['name', 'id'], ids: ['lead_gone'] });
    expect(batches.flatMap((batch) => batch.deleted ?? [])).toEqual([]);
  });
});

describe('close strategy - options', () => {
  it('a missing API key is a ConfigurationError naming the option and the environment variable', () => {
    vi.stubEnv('CLOSE_API_KEY', '');
    try {
      expect(() => close({ baseUrl: emulator.url })).toThrow(ConfigurationError);
      expect(() => close({ baseUrl: emulator.url })).toThrow(/close\(\{ apiKey \}\).*CLOSE_API_KEY/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('takes the API key from CLOSE_API_KEY', async () => {
    vi.stubEnv('CLOSE_API_KEY', emulator.apiKey);
    try {
      const { batches } = await readTab(close({ baseUrl: emulator.url }), { columns: ['id'] });
      expect(allRows(batches).length).toBeGreaterThan(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('refuses a pageSize over Close maximum of 200', () => {
    expect(() => close({ apiKey: 'k', pageSize: 201 })).toThrow(ConfigurationError);
  });

  it('refuses a negative overlapSeconds', () => {
    expect(() => close({ apiKey: 'k', overlapSeconds: -1 })).toThrow(/overlapSeconds/);
  });
});
