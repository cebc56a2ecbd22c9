import { randomUUID } from 'node:crypto';
import type { StoreLock } from '@fieldsync/core';
import type { RpcCaller } from './rpc-caller.js';

/** Options of the lease locks. */
export interface LeaseLockOptions {
  /** How long a lease lasts without renewal; a crashed holder's lock frees itself after it. @default 60000 */
  ttlMs?: number;
  /** How often a held lease is renewed. @default a third of ttlMs */
  renewEveryMs?: number;
}

/**
 * Takes a lease lock: a row in `fieldsync_locks` with a holder and an expiry, taken by
 * `fieldsync_try_lock` only when free or expired, renewed while held and deleted on release.
 * Session advisory locks cannot be used over PostgREST, where every call is its own transaction
 * on a pooled connection. The holder id is made here, so a retried `try_lock` or
 * `release_lock` whose answer was lost is harmless (the same holder takes or frees it again).
 */
export async function tryLeaseLock(rpc: RpcCaller, key: string, options: LeaseLockOptions = {}): Promise<StoreLock | null> {
  const ttlMs = options.ttlMs ?? 60_000;
  const holder = randomUUID();
  const take = () => rpc.call<{ acquired: boolean }>('fieldsync_try_lock', { key, holder, ttlMs }, { action: 'take the sync lock', idempotent: true });
  const taken = await take();
  if (!taken?.acquired) return null;
  let released = false;
  let renewal: Promise<void> | undefined;
  const timer = setInterval(
    () => {
      if (renewal) return;
      // A renewal that fails is tried again at the next tick; the lease covers several ticks.
      renewal = take()
        .then(
          () => {},
          () => {},
        )
        .finally(() => {
          renewal = undefined;
        });
    },
    options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // fieldsync_try_lock inserts when the row is gone: a renewal still in flight after the
      // delete would take the lease again, so it settles first.
      await renewal;
      await rpc.call('fieldsync_release_lock', { key, holder }, { action: 'release the sync lock', idempotent: true });
    },
  };
}
