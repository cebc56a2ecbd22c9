import { StoreError, formatMessage } from '@fieldsync/core';

/** What `fieldsync_load_fingerprints` answers: keys and their hashes, by position. */
export interface FingerprintAnswer {
  keys: unknown;
  hashes: unknown;
}

/**
 * The answer of `fieldsync_load_fingerprints` as key -> hash. Shared by the pg/PGlite store and
 * the Supabase store; an answer of another shape (functions older than this package) is an error
 * that names the fix, never a silent "no fingerprints".
 */
export function fingerprintMap(answer: FingerprintAnswer | null | undefined): Map<string, number> {
  const keys = answer?.keys;
  const hashes = answer?.hashes;
  if (!Array.isArray(keys) || !Array.isArray(hashes) || keys.length !== hashes.length) {
    throw new StoreError(
      'STORE_SCHEMA_MISMATCH',
      formatMessage('postgres', 'fieldsync_load_fingerprints answered with an unexpected shape.', 'Run the fieldsync migrations again so the SQL functions match this version.'),
    );
  }
  const found = new Map<string, number>();
  for (let index = 0; index < keys.length; index++) found.set(String(keys[index]), Number(hashes[index]));
  return found;
}
