import { NarrateError } from '../errors.js';

/** The worker is shutting down and this job had not started calling the model: it goes back to wait. */
export class DrainingError extends NarrateError {
  constructor() {
    super('worker shutting down before this chunk called the model', { retryable: true });
  }
}

/**
 * The model calls a worker may have in flight: a job holds a slot from its first reading to its
 * last (a job's readings, retries and split halves, are one after another, never at once).
 *
 * The worker takes a few more jobs than it has slots (see prefetchFor), so that when a call ends
 * the next job is already fetched from Redis and looked up in the store, and its request goes out
 * at once: the provider sees its calls in flight without gaps. On shutdown, drain() turns away the
 * jobs still waiting for a slot, which have bought nothing, so they return to the queue at once
 * instead of making new calls during the drain.
 */
export class CallSlots {
  private active = 0;
  private draining = false;
  private readonly waiting: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(readonly size: number) {}

  /** Slots held now (for the narrate_call_slots_in_use gauge). */
  get inUse(): number {
    return this.active;
  }

  /** Waits for a slot; resolves to its release. Rejects with DrainingError, or the signal's reason. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      if (this.draining) return reject(new DrainingError());
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const next = this.waiting.shift();
        if (next) next.resolve();
        else this.active--;
      };
      if (this.active < this.size) {
        this.active++;
        return resolve(release);
      }
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject: (error: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** From now on no job gets a slot it does not hold already. */
  drain(): void {
    this.draining = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new DrainingError());
  }
}

/**
 * Jobs a worker takes beyond its call slots: a quarter more, at least one. Measured by `npm run
 * bench` (fleet section, "provider busy"). They hold only their text while they wait.
 */
export function prefetchFor(calls: number): number {
  return Math.max(1, Math.ceil(calls / 4));
}
