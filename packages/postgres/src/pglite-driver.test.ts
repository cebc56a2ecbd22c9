import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresStore } from './postgres-store.js';

describe('postgresStore on a PGlite data directory', () => {
  it('postgresStore - opens PGlite in a directory, migrates it, and keeps data across reopening', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'fieldsync-pglite-'));
    try {
      const first = postgresStore({ dataDir: join(directory, 'db') });
      expect(first.capabilities).toEqual({ transactions: true, crossProcessLocks: false, remote: false });
      const run = await first.createRun({ dataSourceId: '11111111-1111-4111-8111-111111111111', tabMappingId: '33333333-3333-4333-8333-333333333333', trigger: 'manual', triggeredBy: null, dryRun: false, forceOverwrite: false });
      await first.close!();
      await expect(first.getRun(run.id)).rejects.toMatchObject({ code: 'DISPOSED' });
      const second = postgresStore({ dataDir: join(directory, 'db') });
      expect(await second.getRun(run.id)).toMatchObject({ id: run.id, status: 'running' });
      await second.close!();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('postgresStore - refuses two connection options at once', () => {
    expect(() => postgresStore({ dataDir: 'memory://', connectionString: 'postgres://localhost/x' })).toThrow(/only one of pool, connectionString, pglite or dataDir/);
  });

  it('postgresStore - an unreachable server is STORE_UNAVAILABLE', async () => {
    // Port 1 on localhost refuses connections at once.
    const store = postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    await expect(store.init!()).rejects.toMatchObject({ name: 'StoreError', code: 'STORE_UNAVAILABLE' });
    await store.close!();
  });
});
