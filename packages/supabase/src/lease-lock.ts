import { randomUUID } from 'node:crypto';
import type { StoreLock } from '@fieldsync/core';
import type { RpcCaller } from './rpc-caller.js';

/** Options of the lease locks. */
export interface LeaseLockOptions {
  /** How long a lease lasts without renewal; a crashed holder's lock frees itself after it. @default 60000 */
  ttlMs?: number;
  /** How often a held lease is renewed; must be below ttlMs. @default a third of ttlMs */
  renewEveryMs?: number;
}

/** A held lease, which knows whether it may still be relied on. */
export interface LeaseLock extends StoreLock {
  readonly key: string;
  /** The holder id in the lease row; `fieldsync_apply_batch` checks it (payload `lock`) before writing. */
  readonly holder: string;
  /**
   * False once the lease is lost: a renewal found another holder, or no renewal succeeded within
   * `ttlMs` of the last one sent (another instance may have taken it). Lost for good once false.
   */
  held(): boolean;
}

const DEFAULT_TTL_MS = 60_000;

/** Problems with lease options, as configuration issues (empty when fine). */
export function leaseOptionIssues(options: LeaseLockOptions | undefined): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  const ttlMs = options?.ttlMs ?? DEFAULT_TTL_MS;
  if (!(Number.isFinite(ttlMs) && ttlMs > 0)) issues.push({ path: 'locks.ttlMs', message: 'must be a positive number of milliseconds' });
  const renewEveryMs = options?.renewEveryMs;
  if (renewEveryMs !== undefined) {
    if (!(Number.isFinite(renewEveryMs) && renewEveryMs > 0)) issues.push({ path: 'locks.renewEveryMs', message: 'must be a positive number of milliseconds' });
    // A lease renewed no sooner than it expires lapses between renewals, and another instance may take it.
    else if (renewEveryMs >= ttlMs) issues.push({ path: 'locks.renewEveryMs', message: `must be below locks.ttlMs (${ttlMs}); a third of it is the default` });
  }
  return issues;
}

/**
 * Takes a lease lock: a row in `fieldsync_locks` with a holder and an expiry, taken by
 * `fieldsync_try_lock` only when free or expired, renewed while held and deleted on release.
 * Session advisory locks cannot be used over PostgREST, where every call is its own transaction
 * on a pooled connection. The holder id is made here, so a retried `try_lock` or
 * `release_lock` whose answer was lost is harmless (the same holder takes or frees it again).
 *
 * The lease is known to be valid until `ttlMs` after the last successful take was *sent* (the
 * server starts the expiry later than that). A renewal answered `acquired: false` (another holder
 * has the row), or no successful renewal in time, marks the lock lost: `held()` is false from then
 * on and renewals stop, so a lease that lapsed is never silently taken back.
 */
export async function tryLeaseLock(rpc: RpcCaller, key: string, options: LeaseLockOptions = {}): Promise<LeaseLock | null> {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const holder = randomUUID();
  const take = () => rpc.call<{ acquired: boolean } | null>('fieldsync_try_lock', { key, holder, ttlMs }, { action: 'take the sync lock', idempotent: true });
  const firstSent = performance.now();
  const taken = await take();
  if (!taken?.acquired) return null;
  let validUntil = firstSent + ttlMs;
  let lost = false;
  let released = false;
  let renewal: Promise<void> | undefined;

  const lose = () => {
    lost = true;
    clearInterval(timer);
  };
  const held = () => {
    if (!lost && performance.now() >= validUntil) lose();
    return !lost;
  };

  const timer = setInterval(
    () => {
      if (renewal || !held()) return;
      const sent = performance.now();
      // A renewal that fails is tried again at the next tick while the lease still covers it.
      renewal = take()
        .then(
          (answer) => {
            // Another holder has the row, or the lease ran out before this renewal was sent.
            if (!answer?.acquired || sent >= validUntil) lose();
            else if (!lost) validUntil = Math.max(validUntil, sent + ttlMs);
          },
          () => {
            held();
          },
        )
        .finally(() => {
          renewal = undefined;
        });
    },
    options.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    key,
    holder,
    held,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // fieldsync_try_lock inserts when the row is gone: a renewal still in flight after the
      // delete would take the lease again, so it settles first.
      await renewal;
      // Deletes the row only while this holder has it: a lost lease's new holder keeps it.
      await rpc.call('fieldsync_release_lock', { key, holder }, { action: 'release the sync lock', idempotent: true });
    },
  };
}
