import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSyncEngine } from '@fieldsync/core';
import { PARTNER_COLUMNS, TAB_ID, gatedRows, mapping, partnerRows } from './engine-fixtures.js';
import { testDatabaseKinds, type TestDatabase } from './test-databases.js';

const count = async (db: TestDatabase, table: string) => Number((await db.sql<{ n: string }>(`select count(*)::text as n from "${db.schema}".${table}`))[0]!.n);
const server = testDatabaseKinds().find((kind) => kind.name === 'server');

// Killing connections and processes needs a server: PGlite is one connection inside this process.
describe.skipIf(!server)('postgresStore faults (server)', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await server!.create();
    await db.store.init!();
    await db.createEntityTable('partners', PARTNER_COLUMNS, { uniqueKey: 'code' });
  });
  afterEach(async () => db.cleanup());
  afterAll(async () => server?.close());

  it('syncTab - a connection killed mid-batch fails the run cleanly; committed batches stay whole; the next run converges', async () => {
    // Batch 2 (rows 10-19) blocks inside its insert on row P00015, so the kill lands mid-transaction
    // (and only there: the poll below kills only a backend sleeping in that trigger).
    await db.sql(`create function "${db.schema}".slow_partner() returns trigger language plpgsql as $$ begin if new.code = 'P00015' then perform pg_sleep(60); end if; return new; end $$`);
    await db.sql(`create trigger slow_partner before insert on "${db.schema}".partners for each row execute function "${db.schema}".slow_partner()`);
    const engine = createSyncEngine({ store: db.store, strategies: [gatedRows(() => partnerRows(25))], config: mapping, batchSize: 10 });
    const running = engine.syncTab(TAB_ID).then(
      () => null,
      (error: unknown) => error,
    );
    let killed = 0;
    while (killed === 0) {
      const rows = await db.sql<{ killed: boolean }>(
        `select pg_terminate_backend(pid) as killed from pg_stat_activity
         where state = 'active' and wait_event = 'PgSleep' and pid <> pg_backend_pid() and query like $1`,
        [`%"${db.schema}".fieldsync_apply_batch%`],
      );
      killed = rows.filter((row) => row.killed).length;
      if (killed === 0) await sleep(20);
    }
    const error = await running;
    expect(error).toMatchObject({ name: 'StoreError', code: 'STORE_UNAVAILABLE' });
    const [failed] = (await db.store.listRuns({ tabMappingId: TAB_ID })).items;
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'STORE_UNAVAILABLE' }, rowsCreated: 10 });
    expect(await count(db, 'partners')).toBe(10);
    expect(await count(db, 'field_lineage')).toBe(40);
    await db.sql(`drop trigger slow_partner on "${db.schema}".partners`);
    const next = await engine.syncTab(TAB_ID);
    expect(next.stats).toMatchObject({ rowsCreated: 15, rowsUnchanged: 10 });
    expect(await count(db, 'partners')).toBe(25);
    expect(await count(db, 'field_lineage')).toBe(100);
  });

  it('syncTab - a process killed mid-run: its lock goes with its session, the next run converges, its run is failed once stale', async () => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL('./fault-child.ts', import.meta.url))], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: { ...process.env, FIELDSYNC_SCHEMA: db.schema },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('first batch committed')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before its first batch: ${errors}`)));
    });
    child.kill('SIGKILL');
    await exited;
    expect(await count(db, 'partners')).toBe(10);
    expect((await db.store.listRuns({ tabMappingId: TAB_ID })).items.map((run) => run.status)).toEqual(['running']);
    const engine = createSyncEngine({ store: db.store, strategies: [gatedRows(() => partnerRows(25))], config: mapping, batchSize: 10 });
    // The server frees the dead session's advisory lock once it notices the closed socket.
    let result = await engine.syncTab(TAB_ID).catch((error: unknown) => error);
    while ((result as { code?: string }).code === 'SYNC_LOCKED') {
      await sleep(50);
      result = await engine.syncTab(TAB_ID).catch((error: unknown) => error);
    }
    expect(result).toMatchObject({ success: true, stats: { rowsCreated: 15, rowsUnchanged: 10 } });
    expect(await count(db, 'partners')).toBe(25);
    expect(await count(db, 'field_lineage')).toBe(100);
    // The dead run still looks alive until its heartbeat is older than the engine's staleRunAfterMs
    // (dry runs take no lock, so holding the lock does not prove a running run dead). Later:
    expect((await db.store.listRuns({ tabMappingId: TAB_ID })).items.map((run) => run.status)).toEqual(['completed', 'running']);
    await db.sql(`update "${db.schema}".sync_runs set heartbeat_at = now() - interval '10 minutes' where status = 'running'`);
    expect((await engine.syncTab(TAB_ID)).stats).toMatchObject({ rowsUnchanged: 25, lineageCount: 0 });
    const runs = (await db.store.listRuns({ tabMappingId: TAB_ID })).items;
    expect(runs.map((run) => run.status)).toEqual(['completed', 'completed', 'failed']);
    expect(runs[2]!.failure?.code).toBe('RUN_ABANDONED');
  });
});
