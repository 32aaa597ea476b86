import { describe, expect, it } from 'vitest';
import { CallSlots, DrainingError, prefetchFor } from '../../../src/worker/call-slots.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CallSlots', () => {
  it('lets `size` holders in at once and the rest in arrival order', async () => {
    const slots = new CallSlots(2);
    const order: string[] = [];
    const a = await slots.acquire();
    const b = await slots.acquire();
    const c = slots.acquire().then((release) => (order.push('c'), release));
    const d = slots.acquire().then((release) => (order.push('d'), release));
    await tick();
    expect(order).toEqual([]);
    a();
    a(); // releasing twice frees one slot, not two
    await tick();
    expect(order).toEqual(['c']);
    b();
    await tick();
    expect(order).toEqual(['c', 'd']);
    (await c)();
    (await d)();
    // All free again: two at once without waiting.
    await Promise.all([slots.acquire(), slots.acquire()]);
  });

  it('on drain turns away the waiting and the new, and leaves holders be', async () => {
    const slots = new CallSlots(1);
    const held = await slots.acquire();
    const waiting = slots.acquire();
    slots.drain();
    await expect(waiting).rejects.toBeInstanceOf(DrainingError);
    await expect(slots.acquire()).rejects.toBeInstanceOf(DrainingError);
    held();
  });

  it('drops a waiter whose job is cancelled, and gives its turn to the next', async () => {
    const slots = new CallSlots(1);
    const held = await slots.acquire();
    const controller = new AbortController();
    const cancelled = slots.acquire(controller.signal);
    let nextGot = false;
    const next = slots.acquire().then((release) => ((nextGot = true), release));
    controller.abort(new Error('job cancelled'));
    await expect(cancelled).rejects.toThrow('job cancelled');
    held();
    (await next)();
    expect(nextGot).toBe(true);
  });

  it('prefetches a quarter more jobs than slots, at least one', () => {
    expect([1, 4, 16, 17].map(prefetchFor)).toEqual([1, 1, 4, 5]);
  });
});
