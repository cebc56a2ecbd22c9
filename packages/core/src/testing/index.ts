export type * from './contract-types.js';
