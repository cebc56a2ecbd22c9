import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, FieldsyncError, emptyStats, stableUuid, type ApplyBatch } from '@fieldsync/core';
import type { SupabaseClientLike } from './rpc-caller.js';
import { classifyRpcFailure } from './rpc-errors.js';
import { supabaseStore } from './supabase-store.js';
import { SERVICE_ROLE_KEY, testBackendKinds, testClient, type TestBackend } from './test-backends.js';
import { startPostgrestEmulator } from './testing/postgrest-emulator.js';

const TAB = stableUuid('errors-tab');

async function rejectionOf(promise: Promise<unknown>): Promise<FieldsyncError> {
  try {
    await promise;
  } catch (error) {
    expect(FieldsyncError.isInstance(error), String(error)).toBe(true);
    return error as FieldsyncError;
  }
  return expect.fail('expected the call to reject');
}

function creates(runId: string, values: Array<Record<string, string | null>>): ApplyBatch {
  return {
    runId,
    tabMappingId: TAB,
    entity: 'partners',
    keyField: 'partner_code',
    creates: values.map((row) => ({ key: String(row.partner_code), values: row })),
    updates: [],
    deletes: [],
    lineage: [],
    conflicts: [],
    stats: emptyStats(),
  };
}

for (const kind of testBackendKinds()) {
  describe(`supabaseStore errors (${kind.name})`, () => {
    let backend: TestBackend;
    beforeEach(async () => {
      backend = await kind.create({ store: { retry: { retries: 1, minTimeoutMs: 1 } } });
      await backend.sql(`create table "${backend.schema}".partners (id uuid primary key default gen_random_uuid(), partner_code text unique, brand_name text not null)`);
    });
    afterEach(async () => backend?.cleanup());
    afterAll(async () => kind.close());

    it('init - missing functions (PGRST202) say to run the fieldsync migrations', async () => {
      const bare = `fs_bare_${randomBytes(4).toString('hex')}`;
      await backend.sql(`create schema "${bare}"`);
      const emulator = await startPostgrestEmulator({ database: backend.driver, schemas: [bare] });
      try {
        const error = await rejectionOf(supabaseStore({ client: testClient(emulator.url), schema: bare }).init!());
        expect(error.code).toBe('STORE_SCHEMA_MISMATCH');
        expect(error.message).toMatch(/^\[fieldsync\] \[supabase\] The SQL function .*fieldsync_get_state\(payload\) is not installed/);
        expect(error.message).toContain('fieldsync-supabase-migration');
        expect(error.details).toMatchObject({ code: 'PGRST202', status: 404 });
      } finally {
        await emulator.close();
        await backend.sql(`drop schema "${bare}" cascade`);
      }
    });

    it('init - a schema that is not exposed (PGRST106) says to expose it', async () => {
      const error = await rejectionOf(supabaseStore({ client: testClient(backend.emulator.url), schema: 'not_exposed' }).init!());
      expect(error.code).toBe('STORE_SCHEMA_MISMATCH');
      expect(error.message).toContain('Exposed schemas');
    });

    // Bug: the error's cause was PostgREST's raw body, whose details carry row values ("Key (partner_code)=(...) already exists").
    it('applyBatch - a unique violation (409, 23505) is STORE_WRITE_FAILED and no part of the error holds row values', async () => {
      const run = await backend.store.createRun({ dataSourceId: TAB, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await backend.store.applyBatch(creates(run.id, [{ partner_code: 'SECRET-CODE-1', brand_name: 'SECRET-BRAND-1' }]));
      const error = await rejectionOf(backend.store.applyBatch(creates(run.id, [{ partner_code: 'SECRET-CODE-1', brand_name: 'SECRET-BRAND-2' }])));
      expect(error.code).toBe('STORE_WRITE_FAILED');
      expect(error.message).toContain('a unique constraint (23505)');
      expect(error.details).toMatchObject({ status: 409 });
      expect(error.cause).toEqual({ code: '23505', hint: null });
      const shown = inspect(error, { depth: 5 });
      expect(shown).toContain('23505');
      expect(shown).not.toContain('SECRET-CODE-1');
      expect(shown).not.toContain('SECRET-BRAND');
    });

    it('applyBatch - a not-null violation (23502) is STORE_WRITE_FAILED and nothing of the batch is written', async () => {
      const run = await backend.store.createRun({ dataSourceId: TAB, tabMappingId: TAB, trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      const error = await rejectionOf(
        backend.store.applyBatch(
          creates(run.id, [
            { partner_code: 'A', brand_name: 'fine' },
            { partner_code: 'B', brand_name: null },
          ]),
        ),
      );
      expect(error.code).toBe('STORE_WRITE_FAILED');
      expect(error.message).toContain('a not-null constraint (23502)');
      expect(await backend.readEntities('partners')).toEqual([]);
    });

    it('any call - an unreachable server is STORE_UNAVAILABLE (retried for reads)', async () => {
      const emulator = await startPostgrestEmulator({ database: backend.driver, schemas: [backend.schema] });
      const url = emulator.url;
      await emulator.close();
      const store = supabaseStore({ client: testClient(url), schema: backend.schema, retry: { retries: 1, minTimeoutMs: 1 } });
      const error = await rejectionOf(store.getRun(stableUuid('some-run')));
      expect(error.code).toBe('STORE_UNAVAILABLE');
      expect(error.message).not.toContain(SERVICE_ROLE_KEY);
    });

    // Bug: a statement timeout (57014) was reported as "Supabase is unavailable" and reads were retried.
    it('any call - a statement timeout (57014) is not retried and says to lower batchSize or raise statement_timeout', async () => {
      // Cancelled as statement_timeout cancels it (a real timeout cannot be had on PGlite).
      await backend.sql(
        `create or replace function "${backend.schema}".fieldsync_get_state(payload jsonb) returns jsonb language plpgsql as
         $fn$ begin raise exception using errcode = '57014', message = 'canceling statement due to statement timeout'; end $fn$`,
      );
      const error = await rejectionOf(backend.store.getState(TAB));
      expect(error.code).toBe('STORE_WRITE_FAILED');
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({ kind: 'statement-timeout', code: '57014', status: 500 });
      expect(error.message).toContain('statement timeout');
      expect(error.message).toContain("Lower the engine's batchSize");
      expect(error.message).toContain('raise statement_timeout for the role');
      expect(error.message).not.toContain('unavailable');
      expect(backend.emulator.calls.filter((call) => call.functionName === 'fieldsync_get_state')).toHaveLength(1);
    });

    it.runIf(kind.supabaseRoles)('any call - the anon key is refused (the calls run as the key\'s role)', async () => {
      const error = await rejectionOf(supabaseStore({ client: testClient(backend.emulator.url, 'anon-key'), schema: backend.schema }).getState(TAB));
      expect(error.details).toMatchObject({ code: '42501', status: 401 });
    });

    it('close - later calls reject with DISPOSED and held leases are released', async () => {
      const store = backend.otherStore();
      expect(await store.tryLock('sync:x')).not.toBeNull();
      await store.close?.();
      expect((await rejectionOf(store.getState(TAB))).code).toBe('DISPOSED');
      expect(await backend.store.tryLock('sync:x')).not.toBeNull();
    });
  });
}

describe('supabaseStore options', () => {
  it('rejects a missing client and bad schema names, listing every bad path', () => {
    try {
      supabaseStore({ client: {} as never, schema: 'bad schema', entitySchema: 'x;drop' });
      expect.fail('expected a configuration error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).issues.map((issue) => issue.path)).toEqual(['client', 'schema', 'entitySchema']);
    }
  });

  // Bug: the schema option was quietly ignored for a client without .schema(), so every call went to the client's own schema.
  it('rejects the schema option for a client without .schema()', () => {
    const client = testClient('http://127.0.0.1:9');
    const withoutSchema = { rpc: client.rpc.bind(client) } as unknown as SupabaseClientLike;
    try {
      supabaseStore({ client: withoutSchema, schema: 'sync_data' });
      expect.fail('expected a configuration error');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).issues).toEqual([{ path: 'schema', message: expect.stringContaining('upgrade @supabase/supabase-js, or drop the schema option') }]);
    }
    expect(supabaseStore({ client: withoutSchema }).schema).toBe('public');
  });
});

describe('classifyRpcFailure', () => {
  it.each([
    [0, { message: 'TypeError: fetch failed', code: '' }, 'unavailable'],
    [503, { code: 'PGRST002' }, 'unavailable'],
    [502, null, 'unavailable'],
    [500, { code: '40001' }, 'unavailable'],
    [500, { code: 'XX000' }, 'other'],
    [500, { code: '57014' }, 'statement-timeout'],
    [404, { code: 'PGRST202' }, 'function-missing'],
    [406, { code: 'PGRST106' }, 'schema-not-exposed'],
    [401, { code: '42501' }, 'permission-denied'],
    [403, { code: '42501' }, 'permission-denied'],
    [401, { message: 'Invalid API key' }, 'api-key-refused'],
    [404, { code: '42P01' }, 'schema-mismatch'],
    [409, { code: '23505' }, 'constraint'],
    [400, { code: '23502' }, 'constraint'],
    [400, { code: '22P02' }, 'invalid-value'],
    [400, { code: 'FS001' }, 'lease-lost'],
    [500, { code: 'FS001' }, 'lease-lost'],
  ] as const)('status %i with %j is %s', (status, error, kind) => {
    expect(classifyRpcFailure(status, error)).toBe(kind);
  });
});
