import { memoryStore } from './memory-store.js';
import { testStore } from './test-store.js';

testStore({
  name: 'memoryStore',
  async create() {
    const store = memoryStore({ tables: {} });
    return {
      store,
      async createEntityTable(name, columns, options) {
        store.createTable(name, columns, options?.uniqueKey ? { uniqueKeys: [options.uniqueKey] } : {});
      },
      async readEntities(name) {
        return store.entities(name);
      },
      async cleanup() {},
    };
  },
  skip: { crossProcessLocks: 'memoryStore keeps its data and locks in this process only' },
});
