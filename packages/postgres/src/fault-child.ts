/**
 * Test support (not exported): a process that starts a sync of the partners tab against
 * DATABASE_URL in FIELDSYNC_SCHEMA, commits its first batch, says so on stdout, then hangs until
 * the test kills it.
 */
import { createSyncEngine } from '@fieldsync/core';
import { gatedRows, mapping, partnerRows, TAB_ID } from './engine-fixtures.js';
import { postgresStore } from './postgres-store.js';

const schema = process.env.FIELDSYNC_SCHEMA!;
const store = postgresStore({ connectionString: process.env.DATABASE_URL!, schema, entitySchema: schema });
const engine = createSyncEngine({
  store,
  config: mapping,
  batchSize: 10,
  strategies: [
    gatedRows(
      () => partnerRows(25),
      async (batch) => {
        if (batch === 2) {
          // The engine reads ahead while a batch's write is in flight: wait for the commit itself.
          const driver = await store.driver();
          while (Number((await driver.query<{ n: string }>(`select count(*)::text as n from "${schema}".partners`)).rows[0]!.n) < 10) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          process.stdout.write('first batch committed\n');
          await new Promise(() => {});
        }
      },
    ),
  ],
});
await engine.syncTab(TAB_ID);
