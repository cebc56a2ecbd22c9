import { describe, expect, it } from 'vitest';
import { createQuotaBucket, sharedQuotaBucket } from './quota-bucket.js';

describe('quota-bucket', () => {
  it('acquire - grants up to the budget at once, then makes the next caller wait for a slot', async () => {
    const bucket = createQuotaBucket({ requests: 2, intervalMs: 20 });
    const first = await bucket.acquire();
    const second = await bucket.acquire();
    expect(bucket.waits).toBe(0);
    let granted = false;
    const third = bucket.acquire().then((release) => {
      granted = true;
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(granted, 'both slots are held by running requests').toBe(false);
    expect(bucket.pending).toBe(1);
    first();
    second();
    (await third)();
    expect(granted).toBe(true);
    expect(bucket.waits).toBe(1);
  });

  it('acquire - grants in arrival order', async () => {
    const bucket = createQuotaBucket({ requests: 1, intervalMs: 1 });
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        bucket.acquire().then((release) => {
          order.push(n);
          release();
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('acquire - rejects with the abort reason and leaves the queue', async () => {
    const bucket = createQuotaBucket({ requests: 1, intervalMs: 60_000 });
    const held = await bucket.acquire();
    const controller = new AbortController();
    const waiting = bucket.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(bucket.pending).toBe(0);
    held();
    await expect(bucket.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('sharedQuotaBucket - one bucket per identity or per credentials object', () => {
    const object = {};
    expect(sharedQuotaBucket({ identity: 'account:a@b' })).toBe(sharedQuotaBucket({ identity: 'account:a@b' }));
    expect(sharedQuotaBucket({ identity: 'account:a@b' })).not.toBe(sharedQuotaBucket({ identity: 'account:c@d' }));
    expect(sharedQuotaBucket({ object })).toBe(sharedQuotaBucket({ object }));
    expect(() => createQuotaBucket({ requests: 0 })).toThrow(RangeError);
  });
});
