/**
 * The read budget shared by every tab and source that uses the same Google credentials, so a burst
 * of syncs waits for quota instead of hitting 429.
 */
import { createHash } from 'node:crypto';

/** Options of {@link createQuotaBucket}. */
export interface QuotaBucketOptions {
  /** Requests allowed within any `intervalMs`. @default 60 (Google's per-user read quota) */
  requests?: number;
  /** @default 60000 */
  intervalMs?: number;
}

/**
 * A request budget: at most `requests` requests within any `intervalMs`. A slot is held while its
 * request runs and counts from when it finished, so the server never sees more than the budget in
 * any window, whatever the latency.
 */
export interface QuotaBucket {
  readonly requests: number;
  readonly intervalMs: number;
  /** Waits for a slot; call the returned function when the request has finished. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<() => void>;
  /** How many `acquire` calls had to wait so far (for tests and metrics). */
  readonly waits: number;
  /** Requests waiting for a slot right now. */
  readonly pending: number;
}

/**
 * Creates a request budget. Pass the same bucket to several `googleSheets()` strategies to make
 * them share it explicitly.
 *
 * @example
 * const quota = createQuotaBucket({ requests: 60, intervalMs: 60_000 });
 * googleSheets({ client, quota });
 */
export function createQuotaBucket(options: QuotaBucketOptions = {}): QuotaBucket {
  const requests = options.requests ?? 60;
  const intervalMs = options.intervalMs ?? 60_000;
  if (!Number.isInteger(requests) || requests < 1) throw new RangeError('quota requests must be a positive integer');
  if (!(intervalMs >= 0)) throw new RangeError('quota intervalMs must be zero or more');
  /** Finish times of the latest requests; Infinity while a request is running. */
  const slots: number[] = [];
  const queue: Array<{ grant: () => void; reject: (reason: unknown) => void; signal: AbortSignal | undefined; onAbort: () => void }> = [];
  let waits = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function freeSlotAt(now: number): number {
    // Drop slots whose window has passed; the earliest remaining decides when the next one frees.
    for (let index = slots.length - 1; index >= 0; index -= 1) {
      if (now - (slots[index] as number) >= intervalMs) slots.splice(index, 1);
    }
    if (slots.length < requests) return now;
    let earliest = Number.POSITIVE_INFINITY;
    for (const slot of slots) earliest = Math.min(earliest, slot);
    return earliest + intervalMs;
  }

  function take(): () => void {
    slots.push(Number.POSITIVE_INFINITY);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Running requests are interchangeable: turn one running marker into this finish time.
      const index = slots.indexOf(Number.POSITIVE_INFINITY);
      if (index >= 0) slots[index] = performance.now();
      pump();
    };
  }

  function pump(): void {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (queue.length > 0) {
      const now = performance.now();
      const at = freeSlotAt(now);
      if (at > now) {
        if (Number.isFinite(at)) {
          timer = setTimeout(pump, Math.max(1, Math.ceil(at - now)));
          timer.unref?.();
        }
        // Otherwise every slot is running: a release will pump again.
        return;
      }
      const next = queue.shift()!;
      next.signal?.removeEventListener('abort', next.onAbort);
      next.grant();
    }
  }

  return {
    requests,
    intervalMs,
    get waits() {
      return waits;
    },
    get pending() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const now = performance.now();
      if (queue.length === 0 && freeSlotAt(now) <= now) return Promise.resolve(take());
      waits += 1;
      return new Promise((resolve, reject) => {
        const entry = {
          grant: () => resolve(take()),
          reject,
          signal,
          onAbort: () => {
            const index = queue.indexOf(entry);
            if (index >= 0) queue.splice(index, 1);
            reject(signal?.reason);
          },
        };
        signal?.addEventListener('abort', entry.onAbort, { once: true });
        queue.push(entry);
        pump();
      });
    },
  };
}

const registry = new Map<string, QuotaBucket>();
const objectRegistry = new WeakMap<object, QuotaBucket>();

function fingerprint(kind: string, secret: string): string {
  // A one-way digest: the registry key identifies the credentials without holding them.
  return `${kind}:${createHash('sha256').update(secret).digest('hex').slice(0, 32)}`;
}

/**
 * A stable identity for a credentials object, computed without exposing any secret: a service
 * account's email, or a digest of the refresh token, access token or API key. Undefined when none
 * of these can be found (the caller then keys by the object itself).
 */
export function credentialIdentity(auth: unknown): string | undefined {
  if (typeof auth === 'string') return auth === '' ? undefined : fingerprint('key', auth);
  if (typeof auth !== 'object' || auth === null) return undefined;
  const candidate = auth as {
    email?: unknown;
    apiKey?: unknown;
    credentials?: { refresh_token?: unknown; access_token?: unknown; client_email?: unknown };
    jsonContent?: { client_email?: unknown };
  };
  const email = candidate.email ?? candidate.credentials?.client_email ?? candidate.jsonContent?.client_email;
  if (typeof email === 'string' && email !== '') return `account:${email}`;
  const refreshToken = candidate.credentials?.refresh_token;
  if (typeof refreshToken === 'string' && refreshToken !== '') return fingerprint('refresh', refreshToken);
  const accessToken = candidate.credentials?.access_token;
  if (typeof accessToken === 'string' && accessToken !== '') return fingerprint('access', accessToken);
  if (typeof candidate.apiKey === 'string' && candidate.apiKey !== '') return fingerprint('key', candidate.apiKey);
  return undefined;
}

/**
 * The process-wide bucket of one set of credentials: every strategy whose credentials have the
 * same identity (see {@link credentialIdentity}) or the same credentials object shares it. The
 * first caller's options size it.
 */
export function sharedQuotaBucket(credentials: { identity?: string; object?: object }, options: QuotaBucketOptions = {}): QuotaBucket {
  if (credentials.identity !== undefined) {
    let bucket = registry.get(credentials.identity);
    if (!bucket) {
      bucket = createQuotaBucket(options);
      registry.set(credentials.identity, bucket);
    }
    return bucket;
  }
  if (credentials.object !== undefined) {
    let bucket = objectRegistry.get(credentials.object);
    if (!bucket) {
      bucket = createQuotaBucket(options);
      objectRegistry.set(credentials.object, bucket);
    }
    return bucket;
  }
  return createQuotaBucket(options);
}
