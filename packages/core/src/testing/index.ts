export { memoryStore } from './memory-store.js';
export type { MemoryStore, MemoryStoreOptions, MemoryTableDefinition } from './memory-store.js';
export { staticRows } from './static-rows.js';
export type { StaticRowsOptions, StaticRowsStrategy } from './static-rows.js';
export { testStore } from './test-store.js';
export { testStrategy } from './test-strategy.js';
export type * from './contract-types.js';
export { testMapping } from './test-mapping.js';
export type { TestMappingOptions, TestMappingResult } from './test-mapping.js';
