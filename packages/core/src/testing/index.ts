export { memoryStore } from './memory-store.js';
export type { MemoryStore, MemoryStoreOptions, MemoryTableDefinition } from './memory-store.js';
export type * from './contract-types.js';
