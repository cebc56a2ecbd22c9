import { StoreError, formatMessage } from '../errors.js';
import type { FingerprintRequest, RowFingerprint } from '../store.js';
import { rowsByKey } from './memory-tables.js';

type Rows = ReadonlyMap<string, Record<string, unknown>>;

/** A recorded fingerprint: the row's hash and the entity's version when it was recorded. */
interface StoredFingerprint {
  hash: number;
  version: string;
}

/** Fingerprints a batch will record, computed aside; `commit` swaps them in. */
export interface PendingFingerprints {
  commit(): void;
}

/** The memory store's row fingerprints, per tab and key, and the versions of entity rows. */
export interface MemoryFingerprints {
  /**
   * The version of an entity row. Rows are copied on every write, so a row object's identity is
   * its version: each object gets the next number the first time it is asked for.
   */
  versionOf(row: object): string;
  /**
   * Computes the tab's fingerprints after a batch, from the table's rows before and after the
   * batch's writes; throws (before anything is recorded) on a hash that is not a safe integer.
   */
  prepare(tabMappingId: string, keyField: string, fingerprints: ReadonlyArray<RowFingerprint>, before: Rows, after: Rows): PendingFingerprints;
  /** The tab's fingerprints whose entity still exists at the recorded version, by key. */
  load(request: FingerprintRequest, rows: Rows): Map<string, number>;
  /** Forgets the tab's fingerprints. */
  reset(tabMappingId: string): void;
}

function invalidHash(fingerprint: RowFingerprint): StoreError {
  return new StoreError(
    'STORE_WRITE_FAILED',
    formatMessage('memory-store', `Fingerprint of key ${JSON.stringify(fingerprint.key)} has hash ${String(fingerprint.hash)}, which is not a safe integer.`, 'Hash rows to a 53-bit integer.'),
    { details: { key: fingerprint.key } },
  );
}

/**
 * Fingerprint bookkeeping for one memory store. A fingerprint is returned while its entity's row
 * is still the object it was recorded on: any write (a batch of any tab, a resolved conflict)
 * replaces the row object, and a delete removes it.
 */
export function memoryFingerprints(): MemoryFingerprints {
  const versions = new WeakMap<object, number>();
  let lastVersion = 0;
  const tabs = new Map<string, ReadonlyMap<string, StoredFingerprint>>();

  function versionOf(row: object): string {
    let version = versions.get(row);
    if (version === undefined) {
      lastVersion += 1;
      version = lastVersion;
      versions.set(row, version);
    }
    return String(version);
  }

  return {
    versionOf,

    prepare(tabMappingId, keyField, fingerprints, before, after) {
      if (fingerprints.length === 0) return { commit() {} };
      const keys = fingerprints.map((fingerprint) => fingerprint.key);
      const rowsBefore = rowsByKey(before, keyField, keys);
      const rowsAfter = rowsByKey(after, keyField, keys);
      const next = new Map(tabs.get(tabMappingId));
      for (const fingerprint of fingerprints) {
        if (!Number.isSafeInteger(fingerprint.hash)) throw invalidHash(fingerprint);
        const previous = rowsBefore.get(fingerprint.key);
        const current = rowsAfter.get(fingerprint.key);
        // null: the run saw no entity. Anything else must still be the version the run loaded.
        const unraced = fingerprint.version === null ? previous === undefined : previous !== undefined && versionOf(previous) === fingerprint.version;
        if (unraced && current !== undefined) next.set(fingerprint.key, { hash: fingerprint.hash, version: versionOf(current) });
        else next.delete(fingerprint.key);
      }
      return {
        commit() {
          tabs.set(tabMappingId, next);
        },
      };
    },

    load(request, rows) {
      const stored = tabs.get(request.tabMappingId);
      const result = new Map<string, number>();
      if (!stored) return result;
      const current = rowsByKey(rows, request.keyField, [...stored.keys()]);
      for (const [key, fingerprint] of stored) {
        const row = current.get(key);
        if (row !== undefined && versionOf(row) === fingerprint.version) result.set(key, fingerprint.hash);
      }
      return result;
    },

    reset(tabMappingId) {
      tabs.delete(tabMappingId);
    },
  };
}
