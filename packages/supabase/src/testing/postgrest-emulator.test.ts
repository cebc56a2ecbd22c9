import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteDriver, type PGliteLike, type SqlDriver } from '@fieldsync/postgres';
import { SERVICE_ROLE_KEY, testClient } from '../test-backends.js';
import { startPostgrestEmulator, type PostgrestEmulator } from './postgrest-emulator.js';
import { statusOfSqlState } from './postgrest-errors.js';

// The emulator's wire behaviour does not depend on the database kind, so these run on PGlite only;
// the store suites run it on the server as well.
describe('startPostgrestEmulator', () => {
  let pglite: PGlite;
  let database: SqlDriver;
  let emulator: PostgrestEmulator;
  const schema = `fs_emulator_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    pglite = await PGlite.create();
    database = pgliteDriver({ pglite: pglite as unknown as PGliteLike });
    await pglite.exec(`
      create schema ${schema};
      create table ${schema}.items (id int primary key, label text not null);
      create function ${schema}.fieldsync_echo(payload jsonb) returns jsonb language sql as $$ select payload $$;
      create function ${schema}.fieldsync_series(payload jsonb) returns jsonb language sql as
        $$ select jsonb_agg(n) from generate_series(1, (payload->>'count')::int) n $$;
      create function ${schema}.fieldsync_rows(payload jsonb) returns setof ${schema}.items language sql as
        $$ select n, 'item ' || n from generate_series(1, (payload->>'count')::int) n $$;
      create function ${schema}.fieldsync_insert(payload jsonb) returns jsonb language sql as
        $$ insert into ${schema}.items (id, label) values ((payload->>'id')::int, payload->>'label') returning to_jsonb(items) $$;
      create function ${schema}.helper_outside(payload jsonb) returns jsonb language sql as $$ select '1'::jsonb $$;
      -- A STABLE function whose volatile helper writes: allowed by Postgres, refused in PostgREST's read-only transaction.
      create function ${schema}.helper_write(id int) returns jsonb language sql as
        $$ insert into ${schema}.items (id, label) values (id, 'written') returning to_jsonb(items) $$;
      create function ${schema}.fieldsync_stable_writer(payload jsonb) returns jsonb language sql stable as
        $$ select ${schema}.helper_write((payload->>'id')::int) $$;
      create function ${schema}.fieldsync_stable_count(payload jsonb) returns jsonb language sql stable as
        $$ select to_jsonb(count(*)) from ${schema}.items $$;
    `);
    emulator = await startPostgrestEmulator({ database, schemas: [schema, 'public'], maxRows: 3 });
  });

  afterAll(async () => {
    await emulator?.close();
    await pglite?.close();
  });

  const client = () => testClient(emulator.url, SERVICE_ROLE_KEY, schema);

  it('rpc - answers the function result with PostgREST headers', async () => {
    const response = await fetch(`${emulator.url}/rest/v1/rpc/fieldsync_echo`, {
      method: 'POST',
      headers: { apikey: 'k', 'content-type': 'application/json', 'content-profile': schema },
      body: JSON.stringify({ payload: { a: [1, 'b'] } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('content-profile')).toBe(schema);
    expect(await response.json()).toEqual({ a: [1, 'b'] });
    const viaAccept = await fetch(`${emulator.url}/rest/v1/rpc/fieldsync_echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json', 'accept-profile': 'public' },
      body: JSON.stringify({ payload: 1 }),
    });
    expect(viaAccept.status).toBe(404);
    expect(await viaAccept.json()).toMatchObject({ code: 'PGRST202', message: 'Could not find the function public.fieldsync_echo(payload) in the schema cache' });
  });

  it('rpc - works through supabase-js with the schema from db.schema and from .schema()', async () => {
    expect(await client().rpc('fieldsync_echo', { payload: { x: 1 } })).toMatchObject({ data: { x: 1 }, error: null, status: 200 });
    const other = testClient(emulator.url);
    expect(await other.schema(schema).rpc('fieldsync_echo', { payload: 'text' })).toMatchObject({ data: 'text', error: null });
  });

  it('rpc - 401 without apikey or Authorization', async () => {
    const response = await fetch(`${emulator.url}/rest/v1/rpc/fieldsync_echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"payload":1}' });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'No API key found in request' });
  });

  it('rpc - 404 PGRST202 for an unknown function, wrong arguments, or a function outside the fieldsync names', async () => {
    for (const [name, args] of [
      ['fieldsync_missing', { payload: {} }],
      ['fieldsync_echo', { other: 1 }],
      ['helper_outside', { payload: {} }],
    ] as const) {
      const { data, error, status } = await client().rpc(name, args);
      expect(status).toBe(404);
      expect(data).toBeNull();
      expect(error).toMatchObject({ code: 'PGRST202', hint: null });
      expect(error?.message).toContain(`${schema}.${name}(`);
    }
  });

  it('rpc - 406 PGRST106 for a schema that is not exposed', async () => {
    const { error, status } = await testClient(emulator.url).schema('private').rpc('fieldsync_echo', { payload: 1 });
    expect(status).toBe(406);
    expect(error).toMatchObject({ code: 'PGRST106', message: `The schema must be one of the following: ${schema}, public` });
  });

  it('rpc - database errors carry code, message, details and hint with PostgREST statuses', async () => {
    expect(await client().rpc('fieldsync_insert', { payload: { id: 1, label: 'one' } })).toMatchObject({ status: 200, error: null });
    const duplicate = await client().rpc('fieldsync_insert', { payload: { id: 1, label: 'again' } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.error).toMatchObject({ code: '23505' });
    expect(duplicate.error?.details).toContain('already exists');
    const missing = await client().rpc('fieldsync_insert', { payload: { id: 2 } });
    expect(missing).toMatchObject({ status: 400, error: { code: '23502' } });
    const badNumber = await client().rpc('fieldsync_insert', { payload: { id: 'x', label: 'x' } });
    expect(badNumber).toMatchObject({ status: 400, error: { code: '22P02' } });
  });

  it('rpc - a failed call is rolled back', async () => {
    await client().rpc('fieldsync_insert', { payload: { id: 10, label: 'ten' } });
    emulator.fail({ kind: 'rollback-and-drop', functionName: 'fieldsync_insert' });
    const dropped = await client().rpc('fieldsync_insert', { payload: { id: 11, label: 'eleven' } });
    expect(dropped.status).toBe(0);
    expect((await pglite.query(`select id from ${schema}.items where id in (10, 11) order by id`)).rows).toEqual([{ id: 10 }]);
  });

  // Bug: the emulator ran STABLE functions read-write, so a STABLE function that writes worked here and fails on PostgREST.
  it('rpc - runs a STABLE function in a read-only transaction, as PostgREST does', async () => {
    expect(await client().rpc('fieldsync_stable_count', { payload: {} })).toMatchObject({ status: 200, error: null });
    const refused = await client().rpc('fieldsync_stable_writer', { payload: { id: 500 } });
    expect(refused).toMatchObject({ status: 405, error: { code: '25006' } });
    expect((await pglite.query(`select id from ${schema}.items where id = 500`)).rows).toEqual([]);
    // The same write from a volatile function goes through.
    expect(await client().rpc('fieldsync_insert', { payload: { id: 500, label: 'volatile' } })).toMatchObject({ status: 200 });
  });

  it('rpc - caps results at maxRows, for set-returning functions and top-level arrays', async () => {
    expect((await client().rpc('fieldsync_series', { payload: { count: 5 } })).data).toEqual([1, 2, 3]);
    expect((await client().rpc('fieldsync_series', { payload: { count: 2 } })).data).toEqual([1, 2]);
    expect((await client().rpc('fieldsync_rows', { payload: { count: 5 } })).data).toEqual([
      { id: 1, label: 'item 1' },
      { id: 2, label: 'item 2' },
      { id: 3, label: 'item 3' },
    ]);
  });

  it('fail - answers 503 or drops the connection for the next matching calls, then recovers', async () => {
    emulator.reset();
    emulator.fail({ kind: 'status', count: 2, functionName: 'fieldsync_echo' });
    emulator.fail({ kind: 'drop', functionName: 'fieldsync_series' });
    expect(await client().rpc('fieldsync_echo', { payload: 1 })).toMatchObject({ status: 503, error: { code: 'PGRST002' } });
    expect(await client().rpc('fieldsync_series', { payload: { count: 1 } })).toMatchObject({ status: 0, data: null });
    expect(await client().rpc('fieldsync_echo', { payload: 2 })).toMatchObject({ status: 503 });
    expect(await client().rpc('fieldsync_echo', { payload: 3 })).toMatchObject({ status: 200, data: 3 });
    expect(emulator.calls.map((call) => [call.functionName, call.status])).toEqual([
      ['fieldsync_echo', 503],
      ['fieldsync_series', 0],
      ['fieldsync_echo', 503],
      ['fieldsync_echo', 200],
    ]);
  });

  it('roles - refuses keys it does not know when roles are given', async () => {
    const strict = await startPostgrestEmulator({ database, schemas: [schema], roles: { 'known-key': 'postgres' } });
    try {
      expect(await testClient(strict.url, 'unknown-key', schema).rpc('fieldsync_echo', { payload: 1 })).toMatchObject({ status: 401, data: null });
      expect(await testClient(strict.url, 'known-key', schema).rpc('fieldsync_echo', { payload: 1 })).toMatchObject({ status: 200, data: 1 });
    } finally {
      await strict.close();
    }
  });
});

describe('statusOfSqlState', () => {
  it.each([
    ['23505', undefined, 409],
    ['23503', undefined, 409],
    ['23502', undefined, 400],
    ['22P02', undefined, 400],
    ['42883', undefined, 404],
    ['42P01', undefined, 404],
    ['42501', 'anon', 401],
    ['42501', 'service_role', 403],
    ['08006', undefined, 503],
    ['53300', undefined, 503],
    ['P0001', undefined, 400],
    ['P0002', undefined, 500],
    ['40001', undefined, 500],
    ['XX000', undefined, 500],
  ] as const)('maps %s (role %s) to %i', (code, role, status) => {
    expect(statusOfSqlState(code, role)).toBe(status);
  });
});
