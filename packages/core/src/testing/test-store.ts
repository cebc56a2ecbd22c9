import { describe } from 'vitest';
import type { TestStoreOptions } from './contract-types.js';
import { basicGroup } from './store-suite-basic.js';
import { conflictsGroup } from './store-suite-conflicts.js';
import { fingerprintsGroup } from './store-suite-fingerprints.js';
import { lineageGroup } from './store-suite-lineage.js';
import { runsGroup } from './store-suite-runs.js';
import { crossProcessLocksGroup, incrementalGroup, locksGroup } from './store-suite-state.js';
import { typesGroup } from './store-suite-types.js';

/**
 * The contract suite every {@link Store} runs: what docs/architecture.md "Store semantics" says,
 * in groups (basic, types, runs, lineage, conflicts, incremental, fingerprints, locks,
 * crossProcessLocks). `fingerprints` is skipped, with the reason, for a store without
 * `loadFingerprints`.
 * Call it at the top level of a test file. Each test gets a fresh store from `create()`, with an
 * entity table `partners` (unique key `partner_code`), and calls `store.init()` once as the
 * engine does; `cleanup()` runs after it.
 *
 * @example
 * testStore({
 *   name: 'postgresStore (PGlite)',
 *   create: async () => { ... return { store, createEntityTable, readEntities, cleanup }; },
 *   skip: { crossProcessLocks: 'PGlite runs in this process only' },
 * });
 */
export function testStore(options: TestStoreOptions): void {
  describe(`testStore: ${options.name}`, () => {
    basicGroup(options);
    typesGroup(options);
    runsGroup(options);
    lineageGroup(options);
    conflictsGroup(options);
    incrementalGroup(options);
    fingerprintsGroup(options);
    locksGroup(options);
    crossProcessLocksGroup(options);
  });
}
