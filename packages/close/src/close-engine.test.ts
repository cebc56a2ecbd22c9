import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSyncEngine, defineMapping } from '@fieldsync/core';
import type { SyncEngine } from '@fieldsync/core';
import { memoryStore } from '@fieldsync/core/testing';
import type { MemoryStore } from '@fieldsync/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { close } from './close-strategy.js';
import { createCloseEmulator } from './testing/close-emulator.js';
import type { CloseEmulator } from './testing/close-emulator.js';
import { createCloseWebhookHandler } from './webhook-handler.js';
import { signCloseWebhook } from './webhook-verify.js';

type Entities = { partners: { close_id: string; name: string; industry: string | null; deal_value: number | null; deleted_at: Date | null } };

const API_KEY = 'api_EngineTestSecret.9f8e7d6c5b4a';

function mapping() {
  return defineMapping<Entities>({
    dataSources: [
      {
        id: 'close-crm',
        name: 'Close CRM',
        type: 'close',
        tabs: [
          {
            id: 'close-leads',
            tabName: 'lead',
            entity: 'partners',
            mode: 'incremental',
            deletePolicy: 'mark',
            deleteMarkerField: 'deleted_at',
            columns: {
              id: { field: 'close_id', key: true },
              name: { field: 'name' },
              'custom.Industry': { field: 'industry' },
              'opportunities[0].value': { field: 'deal_value', transform: 'currency', options: { inputUnit: 'minor' } },
            },
          },
        ],
      },
    ],
  });
}

let emulator: CloseEmulator;
let store: MemoryStore;
let engine: SyncEngine;

beforeEach(async () => {
  emulator = await createCloseEmulator({ apiKey: API_KEY });
  emulator.setTime('2025-05-05T08:00:00.000Z');
  emulator.defineCustomField({ objectType: 'lead', name: 'Industry' });
  store = memoryStore({ tables: { partners: { columns: { close_id: 'text', name: 'text', industry: 'text', deal_value: 'numeric', deleted_at: 'timestamptz' }, uniqueKeys: ['close_id'] } } });
  engine = createSyncEngine({ store, config: mapping(), strategies: [close({ apiKey: API_KEY, baseUrl: emulator.url, now: () => emulator.now().getTime() })] });
});

afterEach(async () => {
  await engine.dispose();
  await emulator.close();
});

const partner = (id: string) => store.entities('partners').find((row) => row.close_id === id);

describe('close strategy in the engine', () => {
  it('syncs leads incrementally, writes nothing for an unchanged source, and marks deleted leads', async () => {
    const globex = emulator.addLead({ name: 'Globex', custom: { Industry: 'Manufacturing' } }).id;
    emulator.addOpportunity({ lead_id: globex, value: 25000 });
    emulator.addLead({ name: 'Initech' });
    const first = await engine.syncTab('close-leads');
    expect(first.stats).toMatchObject({ rowsProcessed: 2, rowsCreated: 2 });
    expect(partner(globex)).toMatchObject({ name: 'Globex', industry: 'Manufacturing', deal_value: 250, deleted_at: null });
    const industryLineage = store.lineage().find((row) => row.fieldName === 'industry');
    expect(industryLineage?.sourceRef).toMatch(new RegExp(`^Close CRM > leads > custom\\.cf_\\w+ \\(Industry\\).*${globex}`));
    expect(industryLineage?.sourceType).toBe('close');

    expect((await engine.syncTab('close-leads')).stats).toMatchObject({ rowsProcessed: 0, lineageCount: 0 });

    emulator.advanceTime(5_000);
    emulator.update(globex, { name: 'Globex Corp' });
    const third = await engine.syncTab('close-leads');
    expect(third.stats).toMatchObject({ rowsProcessed: 1, rowsUpdated: 1 });
    expect(partner(globex)?.name).toBe('Globex Corp');

    emulator.setTime('2025-05-05T08:10:00.000Z');
    emulator.delete(globex);
    const fourth = await engine.syncTab('close-leads');
    expect(fourth.stats.rowsDeleted).toBe(1);
    expect((partner(globex)?.deleted_at as Date).toISOString()).toBe('2025-05-05T08:10:00.000Z');
    expect((await engine.syncTab('close-leads')).stats).toMatchObject({ rowsDeleted: 0, lineageCount: 0 });
  });

  it('a failing run records a failure without the API key', async () => {
    emulator.addLead({ name: 'Globex' });
    emulator.failNext({ status: 400, path: '/lead/', body: { errors: [`key ${API_KEY} refused`], 'field-errors': {} } });
    await expect(engine.syncTab('close-leads')).rejects.toMatchObject({ code: 'SOURCE_INVALID_RESPONSE' });
    const runs = store.runs();
    expect(runs.at(-1)?.status).toBe('failed');
    expect(JSON.stringify(runs)).not.toContain(API_KEY);
  });
});

describe('close webhooks through the engine', () => {
  let server: Server;
  let hookUrl = '';
  let signatureKey = '';

  beforeEach(async () => {
    const webhook = emulator.createWebhook({ url: 'pending', events: ['created', 'updated', 'deleted'].map((action) => ({ object_type: 'lead', action })) });
    signatureKey = webhook.signature_key;
    // Deliveries are stamped with the emulator clock; the handler checks them against it.
    const handler = createCloseWebhookHandler({ engine, signatureKey, tabs: { lead: 'close-leads' }, now: () => emulator.now().getTime() });
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        handler
          .handle({ rawBody: Buffer.concat(chunks), headers: request.headers })
          .then(({ status, body }) => {
            response.writeHead(status, { 'content-type': 'application/json' });
            response.end(JSON.stringify(body));
          })
          .catch(() => {
            response.writeHead(500);
            response.end();
          });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/close-webhook`;
    webhook.url = hookUrl;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('an updated event syncs that one lead; the same event again changes nothing', async () => {
    const globex = emulator.addLead({ name: 'Globex' }).id;
    emulator.addLead({ name: 'Initech' });
    await engine.syncTab('close-leads');
    emulator.advanceTime(1000);
    emulator.update(globex, { name: 'Globex Corp' });
    const event = emulator.events.at(-1)!;
    const before = emulator.requests.length;
    const [delivery] = await emulator.deliver(event);
    expect(delivery?.status).toBe(200);
    expect(partner(globex)?.name).toBe('Globex Corp');
    expect(emulator.requests.slice(before).map((request) => request.path)).toContain(`/lead/${globex}/`);
    expect(emulator.requests.slice(before).some((request) => request.path === '/lead/')).toBe(false);
    const run = store.runs().at(-1);
    expect(run).toMatchObject({ trigger: 'webhook', rowsProcessed: 1, rowsUpdated: 1 });

    const lineageBefore = store.lineage().length;
    const [again] = await emulator.deliver(event);
    expect(again?.status).toBe(200);
    expect(store.lineage().length).toBe(lineageBefore);
    expect(store.runs().at(-1)).toMatchObject({ trigger: 'webhook', rowsUpdated: 0, lineageCount: 0 });
  });

  it('a created event creates the entity; a deleted event marks it, once', async () => {
    const created = emulator.addLead({ name: 'Hooli' }).id;
    expect((await emulator.deliver(emulator.events.at(-1)!))[0]?.status).toBe(200);
    expect(partner(created)).toMatchObject({ name: 'Hooli', deleted_at: null });
    emulator.advanceTime(90_000);
    emulator.delete(created);
    const deletedEvent = emulator.events.at(-1)!;
    expect(deletedEvent.action).toBe('deleted');
    // Delivered two minutes after the deletion (Close retries late deliveries).
    emulator.advanceTime(120_000);
    expect((await emulator.deliver(deletedEvent))[0]?.status).toBe(200);
    const marked = partner(created)?.deleted_at;
    // Bug: a webhook-reported deletion had no deletedAt, so the marker held the sync's time, not the event's.
    expect(marked).toEqual(new Date('2025-05-05T08:01:30.000Z'));
    const lineageBefore = store.lineage().length;
    expect((await emulator.deliver(deletedEvent))[0]?.status).toBe(200);
    expect(partner(created)?.deleted_at).toEqual(marked);
    expect(store.lineage().length).toBe(lineageBefore);
  });

  it('forged, stale, unsigned and malformed deliveries are refused and write nothing', async () => {
    const globex = emulator.addLead({ name: 'Globex' }).id;
    const event = emulator.events.at(-1)!;
    const runsBefore = store.runs().length;
    expect((await emulator.deliver(event, { url: hookUrl, signatureKey: 'ff'.repeat(32) }))[0]?.status).toBe(401);
    expect((await emulator.deliver(event, { url: hookUrl, timestamp: Math.floor(emulator.now().getTime() / 1000) - 3600 }))[0]?.status).toBe(401);
    const unsigned = await fetch(hookUrl, { method: 'POST', body: JSON.stringify({ event }) });
    expect(unsigned.status).toBe(401);
    const timestamp = Math.floor(emulator.now().getTime() / 1000);
    const malformed = await fetch(hookUrl, {
      method: 'POST',
      headers: { 'close-sig-hash': signCloseWebhook({ rawBody: 'not json', signatureKey, timestamp }), 'close-sig-timestamp': String(timestamp) },
      body: 'not json',
    });
    expect(malformed.status).toBe(400);
    expect(store.runs().length).toBe(runsBefore);
    expect(partner(globex)).toBeUndefined();
  });

  it("an event on a lead's opportunity syncs the lead through the lead tab", async () => {
    const globex = emulator.addLead({ name: 'Globex' }).id;
    const opportunity = emulator.addOpportunity({ lead_id: globex, value: 25000 }).id;
    await engine.syncTab('close-leads');
    expect(partner(globex)?.deal_value).toBe(250);
    emulator.advanceTime(1000);
    emulator.update(opportunity, { value: 99000 });
    const results = await emulator.deliver(emulator.events.at(-1)!, { url: hookUrl, signatureKey });
    expect(results.map((result) => result.status)).toEqual([200]);
    expect(partner(globex)?.deal_value).toBe(990);
  });

  it('events of unmapped object types are acknowledged and ignored', async () => {
    const handler = createCloseWebhookHandler({ engine, signatureKey, tabs: { lead: 'close-leads' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const rawBody = JSON.stringify({ event: { id: 'ev_x', object_type: 'task', object_id: 'task_1', action: 'created', lead_id: null } });
    const response = await handler.handle({ rawBody, headers: { 'close-sig-hash': signCloseWebhook({ rawBody, signatureKey, timestamp }), 'close-sig-timestamp': String(timestamp) } });
    expect(response).toMatchObject({ status: 200, body: { ignored: true } });
    expect(store.runs()).toHaveLength(0);
  });
});
