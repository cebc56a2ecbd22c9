import type { Reconciler } from '../reconciler.js';
import type { SourceRow } from '../strategy.js';
import type { SourceContext } from './transform-rows.js';
import type { TabPlan } from './tab-plan.js';

/** Set by the build (tsup `define`): the @fieldsync/core release. Undefined when run from source. */
declare const __FIELDSYNC_CORE_VERSION__: string | undefined;

/**
 * The release, and a number to bump for a change of how a row becomes a decision made between
 * releases: fingerprints recorded by another version never skip a row (the code of helpers a
 * transformer or reconciler calls is not in their source text, so the release stands for it).
 */
const DECISION_VERSION = `${typeof __FIELDSYNC_CORE_VERSION__ === 'string' ? __FIELDSYNC_CORE_VERSION__ : 'source'}/1`;

const P1 = 2654435761;
const P2 = 1597334677;

// The hash's two 32-bit lanes. Module state rather than an object per row: hashing is the whole
// cost of an unchanged row, and JavaScript is single-threaded.
let lane1 = 0;
let lane2 = 0;

function start(seed: number): void {
  lane1 = 0xdeadbeef ^ (seed % 0x7fffffff);
  lane2 = 0x41c6ce57 ^ Math.floor(seed / 0x7fffffff);
}

/** Mixes a type tag and a text; the text's length ends it, so ["ab", "c"] and ["a", "bc"] differ. */
function mix(tag: number, text: string): void {
  let h1 = Math.imul(lane1 ^ tag, P1);
  let h2 = Math.imul(lane2 ^ tag, P2);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    h1 = Math.imul(h1 ^ code, P1);
    h2 = Math.imul(h2 ^ code, P2);
  }
  lane1 = Math.imul(h1 ^ (text.length + 0x9e37), P1);
  lane2 = Math.imul(h2 ^ (text.length + 0x7f4a), P2);
}

/** The lanes finalised into a 53-bit safe integer. */
function finish(): number {
  let h1 = lane1;
  let h2 = lane2;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0) * 0x200000 + (h1 >>> 11);
}

/** Mixes a cell with its type, so 1 and "1", null and "" hash apart. */
function mixCell(value: unknown): void {
  switch (typeof value) {
    case 'string':
      return mix(1, value);
    case 'number':
      return mix(2, String(value));
    case 'boolean':
      return mix(value ? 3 : 4, '');
    case 'bigint':
      return mix(5, String(value));
    case 'undefined':
      return mix(6, '');
    default:
      if (value === null) return mix(7, '');
      if (value instanceof Date) return mix(8, Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString());
      return mix(9, JSON.stringify(value) ?? '');
  }
}

/** A 53-bit hash of a text (used for the seed). */
export function hashText(text: string, seed = 0): number {
  start(seed);
  mix(0, text);
  return finish();
}

/**
 * The seed of a run's row hashes: everything besides the row's cells that shapes its decision
 * (the tab's mapping, transformers and their code, priorities of every source, derivations,
 * column types, the reconciler, the source's time zone and locale). Changing any of them changes
 * every row's hash, so the next run decides every row again. Code is compared by its source
 * text: a transformer whose behaviour depends on outside state needs `fullRefresh` after a change.
 */
export function fingerprintSeed(plan: TabPlan, source: Pick<SourceContext, 'timeZone' | 'locale'>, reconciler: Reconciler): number {
  const reconcilerCode = typeof reconciler.reconcile === 'function' ? reconciler.reconcile.toString() : '';
  return hashText(JSON.stringify([DECISION_VERSION, plan.signature, plan.strategy.type, source.timeZone ?? null, source.locale ?? null, reconcilerCode]));
}

/** The hash of a row's mapped cells (in mapping order) under a run's seed. */
export function rowHash(plan: TabPlan, row: SourceRow, seed: number): number {
  start(seed);
  for (const column of plan.columns) mixCell(row.values[column.mapping.sourceColumn]);
  return finish();
}
