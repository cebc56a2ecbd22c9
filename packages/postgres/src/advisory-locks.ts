import type { StoreLock } from '@fieldsync/core';
import type { SqlDriver } from './sql-driver.js';
import { toStoreError } from './store-errors.js';

/** Keys held in this process, per database client (pool or PGlite instance). */
const heldInProcess = new WeakMap<object, Set<string>>();

/**
 * Takes a lock without waiting, or returns null when it is held. In this process a key set per
 * client answers at once; with a pool, a Postgres session advisory lock
 * (`pg_try_advisory_lock` on a 64-bit hash of the key) is also taken on a connection of its own
 * and held until `release()`, so the lock holds across processes and app instances. PGlite is one
 * connection in one process, so the in-process set is the whole lock there.
 */
export async function tryAdvisoryLock(driver: SqlDriver, key: string): Promise<StoreLock | null> {
  let held = heldInProcess.get(driver.identity);
  if (!held) {
    held = new Set();
    heldInProcess.set(driver.identity, held);
  }
  if (held.has(key)) return null;
  held.add(key);
  const keys = held;
  if (!driver.reserve) return inProcessLock(keys, key, async () => {});
  let connection: Awaited<ReturnType<NonNullable<SqlDriver['reserve']>>> | undefined;
  try {
    connection = await driver.reserve();
    const { rows } = await connection.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtextextended($1, 0)) as locked', [key]);
    if (rows[0]?.locked !== true) {
      connection.release();
      keys.delete(key);
      return null;
    }
  } catch (error) {
    connection?.release(true);
    keys.delete(key);
    throw toStoreError(error, 'take the sync lock');
  }
  const lockConnection = connection;
  return inProcessLock(keys, key, async () => {
    try {
      await lockConnection.query('select pg_advisory_unlock(hashtextextended($1, 0))', [key]);
      lockConnection.release();
    } catch {
      // A broken connection has lost its session, and with it the lock: nothing left to free.
      lockConnection.release(true);
    }
  });
}

function inProcessLock(keys: Set<string>, key: string, unlock: () => Promise<void>): StoreLock {
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await unlock();
      } finally {
        keys.delete(key);
      }
    },
  };
}
