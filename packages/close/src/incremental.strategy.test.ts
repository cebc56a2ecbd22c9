import type { JsonValue, SourceBatch } from '@fieldsync/core';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCloseTimestamp } from './close-dates.js';
import { close } from './close-strategy.js';
import type { CloseOptions } from './close-strategy.js';
import { createCloseEmulator } from './testing/close-emulator.js';
import type { CloseEmulator } from './testing/close-emulator.js';
import { allRows, lastCheckpoint, readTab } from './test-support.js';

let emulator: CloseEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Runs incremental reads like the engine does (state in, last checkpoint stored) and keeps a ledger of applied versions. */
function incrementalRunner(source: CloseEmulator, options: Partial<CloseOptions> & { tabName?: string; batchSize?: number } = {}) {
  let state: JsonValue | null = null;
  const ledger: Array<{ id: string; version: number; run: number }> = [];
  let runNumber = 0;
  const strategy = close({ apiKey: source.apiKey, baseUrl: source.url, now: () => source.now().getTime(), ...options });
  return {
    ledger,
    get state() {
      return state;
    },
    async run(): Promise<string[]> {
      runNumber += 1;
      const { batches } = await readTab(strategy, { tabName: options.tabName ?? 'lead', mode: 'incremental', columns: ['id', 'name', 'date_updated'], state, batchSize: options.batchSize ?? 500 });
      state = lastCheckpoint(batches, state);
      const ids = allRows(batches).map((row) => String(row.values.id));
      for (const row of allRows(batches)) ledger.push({ id: String(row.values.id), version: parseCloseTimestamp(row.values.date_updated) ?? -1, run: runNumber });
      return ids;
    },
  };
}

/** Every record's current version was applied exactly once; no version was applied twice. */
function expectConverged(source: CloseEmulator, ledger: ReadonlyArray<{ id: string; version: number }>) {
  const seen = new Set<string>();
  for (const entry of ledger) {
    const identity = `${entry.id}@${entry.version}`;
    expect(seen.has(identity), `${identity} applied twice`).toBe(false);
    seen.add(identity);
  }
  for (const record of currentRecords(source)) {
    const version = parseCloseTimestamp(record.date_updated);
    expect(seen.has(`${record.id}@${version}`), `${record.id} at ${String(record.date_updated)} was never read`).toBe(true);
  }
}

const knownIds = new Map<CloseEmulator, Set<string>>();
function track(source: CloseEmulator, id: string): string {
  const ids = knownIds.get(source) ?? new Set<string>();
  ids.add(id);
  knownIds.set(source, ids);
  return id;
}
/** The tracked records that still exist, as the emulator holds them now. */
function* currentRecords(source: CloseEmulator) {
  for (const id of knownIds.get(source) ?? []) {
    const record = source.get(id);
    if (record) yield record;
  }
}

describe('incremental - the minute boundary', () => {
  it('edits in the cursor minute, before and after a run, across several runs: never lost, never applied twice', async () => {
    const source = (emulator = await createCloseEmulator());
    const runner = incrementalRunner(source);
    source.setTime('2024-01-01T10:00:10.000Z');
    const a = track(source, source.addLead({ name: 'A' }).id);
    source.setTime('2024-01-01T10:00:30.000Z');
    const b = track(source, source.addLead({ name: 'B' }).id);
    expect(await runner.run()).toEqual([a, b]);
    expect(runner.state).toMatchObject({ dateUpdated: '2024-01-01T10:00:30.000Z' });

    // Same millisecond as the cursor, and later in the same minute: both read, B not again.
    const c = track(source, source.addLead({ name: 'C' }).id);
    source.setTime('2024-01-01T10:00:45.000Z');
    source.update(a, { name: 'A2' });
    expect(await runner.run()).toEqual([c, a]);
    const leadRequest = source.requests.filter((request) => request.path === '/lead/').at(-1);
    // The read starts overlapSeconds (60) before the cursor, floored to the minute.
    expect(leadRequest?.query.query).toBe('date_updated>="2024-01-01T09:59" sort:date_updated');

    expect(await runner.run()).toEqual([]);

    // An edit at exactly the cursor's timestamp, on a record already applied at an older one.
    source.update(b, { name: 'B2' });
    expect(await runner.run()).toEqual([b]);

    source.setTime('2024-01-01T10:01:00.000Z');
    source.update(c, { name: 'C2' });
    const e = track(source, source.addLead({ name: 'E' }).id);
    expect((await runner.run()).sort()).toEqual([c, e].sort());
    expect(await runner.run()).toEqual([]);
    expectConverged(source, runner.ledger);
  });

  it('a full read (no stored state) still reads everything and starts the cursor', async () => {
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    source.addLead({ name: 'A' });
    const runner = incrementalRunner(source);
    expect(await runner.run()).toHaveLength(1);
    const { batches } = await readTab(close({ apiKey: source.apiKey, baseUrl: source.url }), { mode: 'full', columns: ['id'], state: runner.state });
    expect(allRows(batches)).toHaveLength(1);
    expect(batches.every((batch) => batch.checkpoint === undefined)).toBe(true);
  });

  it('opportunities use date_updated__gte at the minute overlapSeconds before the cursor', async () => {
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:10.000Z');
    const lead = source.addLead({ name: 'A' }).id;
    const first = track(source, source.addOpportunity({ lead_id: lead, value: 100 }).id);
    const runner = incrementalRunner(source, { tabName: 'opportunity' });
    expect(await runner.run()).toEqual([first]);
    const second = track(source, source.addOpportunity({ lead_id: lead, value: 200 }).id);
    expect(await runner.run()).toEqual([second]);
    const request = source.requests.filter((entry) => entry.path === '/opportunity/').at(-1);
    expect(request?.query).toMatchObject({ date_updated__gte: '2024-01-01T09:59:00.000Z', _order_by: 'date_updated' });
    expectConverged(source, runner.ledger);
  });

  it('random edits and runs with small pages: every version read exactly once', async () => {
    const source = (emulator = await createCloseEmulator());
    let seed = 20240101;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const steps = [0, 0, 1, 500, 7_000, 20_000, 61_000];
    source.setTime('2024-01-01T10:00:00.000Z');
    const runner = incrementalRunner(source, { pageSize: 3, batchSize: 2 });
    const ids: string[] = [];
    for (let step = 0; step < 160; step += 1) {
      source.advanceTime(steps[Math.floor(random() * steps.length)] ?? 0);
      const roll = random();
      if (roll < 0.25 || ids.length === 0) ids.push(track(source, source.addLead({ name: `L${step}` }).id));
      else if (roll < 0.75) source.update(ids[Math.floor(random() * ids.length)] ?? '', { name: `L${step}` });
      else {
        await runner.run();
        expectConverged(source, runner.ledger);
      }
    }
    await runner.run();
    expectConverged(source, runner.ledger);
    expect(runner.ledger.length).toBeGreaterThan(ids.length);
  });

  it('a record edited while the run pages is read again in that run as a new version, and never applied twice', async () => {
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    const ids: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      ids.push(track(source, source.addLead({ name: `L${index}` }).id));
      source.advanceTime(10_000);
    }
    source.setTime('2024-01-01T10:01:30.000Z');
    ids.push(track(source, source.addLead({ name: 'L4' }).id));
    let pages = 0;
    const strategyFetch: CloseOptions['fetch'] = async (input, init) => {
      const response = await fetch(input, init);
      if (input.includes('/api/v1/lead/?') && ++pages === 1) {
        source.setTime('2024-01-01T10:05:00.000Z');
        source.update(ids[0] ?? '', { name: 'edited while paging' });
      }
      return response;
    };
    const runner = incrementalRunner(source, { pageSize: 2, batchSize: 1, fetch: strategyFetch });
    const first = await runner.run();
    // The edit moved L0 to the end and shifted L2 out of the second page; the overlap record
    // showed the shift and the listing restarted, so L2 is still read in this run.
    expect(first).toContain(ids[2]);
    // L0 is read twice: its first version, then the edited one, each exactly once.
    expect(first.filter((id) => id === ids[0])).toHaveLength(2);
    expect(runner.ledger.filter((entry) => entry.id === ids[0]).map((entry) => entry.version)).toEqual([Date.parse('2024-01-01T10:00:00.000Z'), Date.parse('2024-01-01T10:05:00.000Z')]);
    expect(await runner.run()).toEqual([]);
    expectConverged(source, runner.ledger);
  });

  it('a record deleted while the run pages shifts the pages; the next run still reads what was skipped', async () => {
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    // Four leads in minute 10:00, one in 10:01: the pages of 10:00 go by _skip.
    const ids: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      ids.push(track(source, source.addLead({ name: `L${index}` }).id));
      source.advanceTime(10_000);
    }
    source.setTime('2024-01-01T10:01:30.000Z');
    ids.push(track(source, source.addLead({ name: 'L4' }).id));
    let pages = 0;
    const strategyFetch: CloseOptions['fetch'] = async (input, init) => {
      const response = await fetch(input, init);
      if (input.includes('/api/v1/lead/?') && ++pages === 1) source.delete(ids[0] ?? '');
      return response;
    };
    const runner = incrementalRunner(source, { pageSize: 2, batchSize: 1, fetch: strategyFetch });
    const first = await runner.run();
    // The deletion shifted L2 out of the second page; the listing restarted and read it.
    expect(first).toContain(ids[2]);
    expect(new Set(first).size).toBe(first.length);
    expect(await runner.run()).toEqual([]);
  });
});

describe('incremental - contacts (no server-side date filter)', () => {
  it('reads the list and keeps only what changed since the cursor; the cursor moves once the list is read', async () => {
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    const lead = source.addLead({ name: 'A', contacts: [{ name: 'Carol' }, { name: 'Dan' }] });
    const carol = String((lead.contacts as Array<{ id: string }>)[0]?.id);
    const runner = incrementalRunner(source, { tabName: 'contact', batchSize: 1 });
    expect(await runner.run()).toHaveLength(2);
    expect(await runner.run()).toEqual([]);
    source.setTime('2024-01-01T11:00:00.000Z');
    source.update(carol, { name: 'Carol B' });
    expect(await runner.run()).toEqual([carol]);
    expect(await runner.run()).toEqual([]);
  });
  it('a contact edited on an already read page, while a later one is edited after it, is read by the next run', async () => {
    // Bug: the contacts cursor became the newest date seen (c2 at 11:01:20), so c1's edit at 11:00:10 was skipped forever.
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    const lead = source.addLead({ name: 'A', contacts: [{ name: 'c1' }, { name: 'c2' }] });
    const [c1, c2] = (lead.contacts as Array<{ id: string }>).map((contact) => track(source, String(contact.id)));
    let contactPages = 0;
    let editing = false;
    const strategyFetch: CloseOptions['fetch'] = async (input, init) => {
      if (editing && input.includes('/api/v1/contact/?') && ++contactPages === 2) {
        // c1's page was read; c1 is edited, then c2 (not read yet) later.
        source.setTime('2024-01-01T11:00:10.000Z');
        source.update(c1 ?? '', { name: 'c1 edited' });
        source.setTime('2024-01-01T11:01:20.000Z');
        source.update(c2 ?? '', { name: 'c2 edited' });
      }
      return fetch(input, init);
    };
    const runner = incrementalRunner(source, { tabName: 'contact', pageSize: 1, batchSize: 1, fetch: strategyFetch });
    expect((await runner.run()).sort()).toEqual([c1, c2].sort());
    source.setTime('2024-01-01T11:00:00.000Z');
    editing = true;
    expect(await runner.run()).toEqual([c2]);
    // The cursor stays before the run's start (less the overlap), so c1's edit is still ahead of it.
    expect(runner.state).toMatchObject({ dateUpdated: '2024-01-01T10:59:00.000Z', seen: { [c2 ?? '']: '2024-01-01T11:01:20.000Z' } });
    expect(await runner.run()).toEqual([c1]);
    expect(await runner.run()).toEqual([]);
    expectConverged(source, runner.ledger);
  });
});

describe('incremental - contacts that fail part way', () => {
  it('a contact run that fails part way does not apply the contacts it already yielded again', async () => {
    // Bug: contact batches carried no checkpoint, so rows yielded before a failure (or an early stop) were applied again by the next run.
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    const lead = source.addLead({ name: 'A', contacts: [{ name: 'c1' }, { name: 'c2' }, { name: 'c3' }] });
    const contacts = (lead.contacts as Array<{ id: string }>).map((contact) => track(source, String(contact.id)));
    let failAfter = Number.POSITIVE_INFINITY;
    let contactPages = 0;
    const strategyFetch: CloseOptions['fetch'] = async (input, init) => {
      if (input.includes('/api/v1/contact/?') && ++contactPages > failAfter) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const strategy = close({ apiKey: source.apiKey, baseUrl: source.url, now: () => source.now().getTime(), pageSize: 1, maxRetries: 0, fetch: strategyFetch });
    let state: JsonValue | null = null;
    const applied: string[] = [];
    const run = async () => {
      const onBatch = (batch: SourceBatch) => {
        applied.push(...batch.rows.map((row) => `${String(row.values.id)}@${String(row.values.date_updated)}`));
        if (batch.checkpoint !== undefined) state = batch.checkpoint;
      };
      const outcome = await readTab(strategy, { tabName: 'contact', mode: 'incremental', columns: ['id', 'name', 'date_updated'], state, batchSize: 1, onBatch }).catch(() => null);
      return outcome === null ? 'failed' : 'ok';
    };
    expect(await run()).toBe('ok');
    source.setTime('2024-01-01T11:00:00.000Z');
    for (const id of contacts) source.update(id, { name: 'edited' });
    source.setTime('2024-01-01T11:05:00.000Z');
    applied.length = 0;
    contactPages = 0;
    failAfter = 2;
    expect(await run()).toBe('failed');
    expect(applied.length).toBeGreaterThan(0);
    failAfter = Number.POSITIVE_INFINITY;
    expect(await run()).toBe('ok');
    expect(new Set(applied).size).toBe(applied.length);
    expect(applied).toHaveLength(3);
  });
});

describe('incremental - edits and late visibility during a run', () => {
  it('a record edited again during the run is applied once per version, also across the next runs', async () => {
    // Bug: the second edit froze the cursor while later rows were still yielded, so the next run applied them again.
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    const a = track(source, source.addLead({ name: 'A' }).id);
    const b = track(source, source.addLead({ name: 'B' }).id);
    let leadPages = 0;
    let editing = false;
    const strategyFetch: CloseOptions['fetch'] = async (input, init) => {
      if (editing && input.includes('/api/v1/lead/?') && ++leadPages === 2) {
        source.setTime('2024-01-01T11:00:05.000Z');
        source.update(a, { name: 'A2' });
        source.setTime('2024-01-01T11:00:06.000Z');
        track(source, source.addLead({ name: 'Y' }).id);
      }
      return fetch(input, init);
    };
    const runner = incrementalRunner(source, { pageSize: 1, batchSize: 1, fetch: strategyFetch });
    await runner.run();
    source.setTime('2024-01-01T11:00:00.000Z');
    source.update(a, { name: 'A1' });
    source.setTime('2024-01-01T11:00:01.000Z');
    source.update(b, { name: 'B1' });
    editing = true;
    await runner.run();
    editing = false;
    await runner.run();
    expect(await runner.run()).toEqual([]);
    expectConverged(source, runner.ledger);
  });

  it('endless page shifts stop the run where its checkpoint still covers every row yielded', async () => {
    // Bug: after too many restarts the cursor froze but rows kept coming without a checkpoint, and the next run applied them again.
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    const ids = Array.from({ length: 40 }, (_, index) => {
      source.advanceTime(1000);
      return track(source, source.addLead({ name: `L${index}` }).id);
    });
    let churn = false;
    let deletions = 0;
    const strategyFetch: CloseOptions['fetch'] = async (input, init) => {
      const next = ids.find((id) => source.get(id));
      if (churn && input.includes('/api/v1/lead/?') && !input.includes('_skip=0') && next) {
        // Every next page: a lead before it is deleted, so the listing always shifts.
        deletions += 1;
        source.delete(next);
      }
      return fetch(input, init);
    };
    const runner = incrementalRunner(source, { pageSize: 2, batchSize: 1, fetch: strategyFetch });
    churn = true;
    await runner.run();
    churn = false;
    expect(deletions).toBeGreaterThan(20);
    await runner.run();
    expect(await runner.run()).toEqual([]);
    expectConverged(source, runner.ledger);
  });

  it('a change the search index shows late, within overlapSeconds, is read by the next run', async () => {
    // Bug: the next read started at the cursor's own minute, so a change made visible after the cursor passed it was lost.
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:50.000Z');
    const late = track(source, source.addLead({ name: 'late' }).id);
    source.setTime('2024-01-01T10:01:10.000Z');
    const early = track(source, source.addLead({ name: 'early' }).id);
    let hidden: string | null = late;
    const strategyFetch: CloseOptions['fetch'] = async (input, init) => {
      const response = await fetch(input, init);
      if (hidden === null || !input.includes('/api/v1/lead/?')) return response;
      const body = (await response.json()) as { data: Array<{ id: string }> };
      body.data = body.data.filter((record) => record.id !== hidden);
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const runner = incrementalRunner(source, { fetch: strategyFetch });
    expect(await runner.run()).toEqual([early]);
    expect(runner.state).toMatchObject({ dateUpdated: '2024-01-01T10:01:10.000Z' });
    hidden = null;
    // Started 60 s before the cursor: the late lead is read, the early one (in seen) is not applied again.
    expect(await runner.run()).toEqual([late]);
    expect(await runner.run()).toEqual([]);
    expectConverged(source, runner.ledger);
  });
});

describe('incremental - deletions from the event log', () => {
  it('reports deleted leads with their UTC deletion time; the first run only starts the clock', async () => {
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    const leads = Array.from({ length: 60 }, (_, index) => source.addLead({ name: `L${index}` }).id);
    const strategy = close({ apiKey: source.apiKey, baseUrl: source.url, now: () => source.now().getTime() });
    const read = (state: JsonValue | null) => readTab(strategy, { mode: 'incremental', deletePolicy: 'delete', columns: ['id', 'name'], state });

    const first = await read(null);
    expect(source.requests.some((request) => request.path === '/event/')).toBe(false);
    const state = lastCheckpoint(first.batches, null);
    expect(state).toMatchObject({ deletedSince: '2024-01-01T10:00:00.000Z' });

    source.setTime('2024-01-01T10:02:03.456Z');
    for (const id of leads) source.delete(id);
    const second = await read(state);
    const deleted = second.batches.flatMap((batch) => batch.deleted ?? []);
    expect(deleted.map((record) => record.key).sort()).toEqual([...leads].sort());
    expect(deleted[0]?.deletedAt?.toISOString()).toBe('2024-01-01T10:02:03.456Z');
    const eventRequests = source.requests.filter((request) => request.path === '/event/');
    expect(eventRequests).toHaveLength(2);
    expect(eventRequests[0]?.query).toMatchObject({ object_type: 'lead', action: 'deleted', _limit: '50', date_updated__gte: '2024-01-01T09:55:00.000000' });
    expect(eventRequests[1]?.query._cursor).toBeTruthy();
  });

  it('does not read the event log when the tab ignores deletions or its key is not the id', async () => {
    const source = (emulator = await createCloseEmulator());
    source.setTime('2024-01-01T10:00:00.000Z');
    source.addLead({ name: 'A' });
    const strategy = close({ apiKey: source.apiKey, baseUrl: source.url });
    const state = { dateUpdated: '2024-01-01T09:00:00.000Z', seen: {}, deletedSince: '2024-01-01T09:00:00.000Z' };
    await readTab(strategy, { mode: 'incremental', deletePolicy: 'ignore', columns: ['id'], state });
    const { reader } = await readTab(strategy, { mode: 'incremental', deletePolicy: 'delete', columns: ['name', 'id'], state });
    expect(source.requests.some((request) => request.path === '/event/')).toBe(false);
    expect(reader.warnings?.join(' ')).toContain('key column is "name"');
  });
});
