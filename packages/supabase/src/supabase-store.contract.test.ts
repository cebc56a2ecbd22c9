import { afterAll } from 'vitest';
import { testStore } from '@fieldsync/core/testing';
import { testBackendKinds } from './test-backends.js';

// The core contract suite over the real supabase-js client and the PostgREST emulator, on PGlite
// always and on the server in DATABASE_URL when it is set. Lease locks live in the database, so
// the peer (another client, as another process) sees them on PGlite too.
for (const kind of testBackendKinds()) {
  afterAll(async () => kind.close());
  testStore({
    name: `supabaseStore (${kind.name})`,
    async create() {
      const backend = await kind.create();
      return {
        store: backend.store,
        createEntityTable: backend.createEntityTable,
        readEntities: backend.readEntities,
        createPeer: async () => backend.otherStore(),
        cleanup: backend.cleanup,
      };
    },
  });
}
