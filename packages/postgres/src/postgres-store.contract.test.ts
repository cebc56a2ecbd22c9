import { afterAll } from 'vitest';
import { testStore } from '@fieldsync/core/testing';
import { testDatabaseKinds } from './test-databases.js';

// The core contract suite, on PGlite always and on the server in DATABASE_URL when it is set.
for (const kind of testDatabaseKinds()) {
  afterAll(async () => kind.close());
  testStore({
    name: `postgresStore (${kind.name})`,
    async create() {
      const database = await kind.create();
      return {
        store: database.store,
        createEntityTable: database.createEntityTable,
        readEntities: database.readEntities,
        ...(database.peerStore && { createPeer: async () => database.peerStore!() }),
        cleanup: database.cleanup,
      };
    },
    ...(kind.name === 'PGlite' && { skip: { crossProcessLocks: 'PGlite is one connection inside this process; a second process cannot open the same database' } }),
  });
}
