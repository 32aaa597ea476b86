import { APIConnectionTimeoutError, APIUserAbortError } from 'openai';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ProviderError, RateLimitedError } from '../errors.js';
import type { NarrationRequest, NarrationResult, Narrator } from '../providers/narrator.js';
import type { SynthesizeResult } from '../contracts/job-data.js';

/** How a model call ended, as counted in narrate_model_calls_total{outcome}. */
export type CallOutcome = 'ok' | 'rejected' | '429' | '5xx' | 'timeout' | 'aborted' | 'error';

/**
 * The metrics of one worker process (Prometheus text at /metrics, names prefixed `narrate_`).
 * One registry per process, not prom-client's global one, so a test can read exactly these.
 * Instrumentation lives here; the sites call one function each.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  readonly modelCalls = new Counter({
    name: 'narrate_model_calls_total',
    help: 'Model calls by outcome: ok (accepted), rejected (by the verbatim or the sentence check), 429, 5xx, timeout, aborted, error (other failures)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: 'narrate_readings_rejected_total',
    help: 'Readings turned down by the checks, by reason: unfaithful, duration, cut-off, refused (the verbatim check), alignment (a sentence missing from the audio)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly alignmentErrors = new Counter({
    name: 'narrate_alignment_errors_total',
    help: 'Accepted readings the aligner failed on (crashed, not judged): kept without sentence timings, not bought again',
    registers: [this.registry],
  });
  readonly callSeconds = new Histogram({
    name: 'narrate_model_call_duration_seconds',
    help: 'Model call latency, request sent to reply read (failures included)',
    buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120],
    registers: [this.registry],
  });
  readonly chunksDone = new Counter({
    name: 'narrate_chunks_done_total',
    help: 'Chunks done by this worker; source="model" were bought, source="store" were already stored',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly audioSeconds = new Counter({
    name: 'narrate_audio_seconds_total',
    help: 'Seconds of audio produced by model calls (accepted readings)',
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'narrate_tokens_total',
    help: 'Tokens the provider reported, by kind (prompt, completion)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly costUsd = new Counter({
    name: 'narrate_cost_usd_total',
    help: 'Dollars charged for model calls at the price table (NARRATE_PRICES), rejected readings included',
    registers: [this.registry],
  });
  readonly slotsInUse = new Gauge({
    name: 'narrate_call_slots_in_use',
    help: 'Model calls in flight in this worker (NARRATE_CONCURRENCY slots)',
    registers: [this.registry],
  });
  readonly slotsTotal = new Gauge({
    name: 'narrate_call_slots',
    help: 'Model call slots of this worker (NARRATE_CONCURRENCY)',
    registers: [this.registry],
  });
  readonly storeOps = new Counter({
    name: 'narrate_store_operations_total',
    help: 'Segment store operations by operation and result (ok, error)',
    labelNames: ['op', 'result'] as const,
    registers: [this.registry],
  });
  readonly watchdogRestarts = new Counter({
    name: 'narrate_worker_restarts_total',
    help: 'BullMQ workers recreated by the watchdog after they stopped taking jobs (BullMQ #3088)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Process CPU, memory, event-loop lag: what tells a stuck or leaking worker apart.
    collectDefaultMetrics({ register: this.registry, prefix: 'narrate_' });
  }

  /** Tracks a pool of call slots: `inUse()` is read at each scrape. */
  watchSlots(size: number, inUse: () => number): void {
    this.slotsTotal.set(size);
    // A gauge's collect runs at scrape time, so the number is never stale.
    const gauge = this.slotsInUse as Gauge & { collect?: () => void };
    gauge.collect = () => gauge.set(inUse());
  }
}

/** This process's metrics. */
export const workerMetrics = new WorkerMetrics();

/** After the checks of a reading: counts the call as accepted or rejected, and a rejection by its reason. */
export function recordReading(accepted: boolean, reason?: string): void {
  workerMetrics.modelCalls.inc({ outcome: accepted ? 'ok' : 'rejected' });
  if (!accepted && reason !== undefined) workerMetrics.rejections.inc({ reason });
}

/** When the aligner fails on an accepted reading (kept without timings). */
export function recordAlignmentError(): void {
  workerMetrics.alignmentErrors.inc();
}

/** When a chunk is done: whether it was bought, its audio and its tokens. */
export function recordChunk(result: SynthesizeResult): void {
  workerMetrics.chunksDone.inc({ source: result.cached ? 'store' : 'model' });
  if (result.cached) return;
  workerMetrics.audioSeconds.inc(result.durationMs / 1000);
  workerMetrics.tokens.inc({ kind: 'prompt' }, result.usage.promptTokens);
  workerMetrics.tokens.inc({ kind: 'completion' }, result.usage.completionTokens);
}

/** Sorts a failed model call for narrate_model_calls_total. */
export function callOutcome(error: unknown): CallOutcome {
  if (error instanceof RateLimitedError) return '429';
  if (error instanceof APIUserAbortError || (error instanceof Error && error.name === 'AbortError')) return 'aborted';
  const cause = error instanceof Error ? error.cause : undefined;
  if (error instanceof APIConnectionTimeoutError || cause instanceof APIConnectionTimeoutError) return 'timeout';
  if (error instanceof ProviderError && error.status !== undefined && error.status >= 500) return '5xx';
  return 'error';
}

/**
 * The narrator with every call timed, and failed calls counted by outcome. A call that answers is
 * counted by recordReading once the verbatim check has judged it.
 */
export function withCallMetrics(narrator: Narrator, metrics: WorkerMetrics = workerMetrics): Narrator {
  const measured: Narrator = {
    name: narrator.name,
    model: narrator.model,
    async narrate(request: NarrationRequest): Promise<NarrationResult> {
      const end = metrics.callSeconds.startTimer();
      try {
        return await narrator.narrate(request);
      } catch (error) {
        metrics.modelCalls.inc({ outcome: callOutcome(error) });
        throw error;
      } finally {
        end();
      }
    },
  };
  if (narrator.reservedTokens) measured.reservedTokens = (request) => narrator.reservedTokens!(request);
  if (narrator.close) measured.close = () => narrator.close!();
  return measured;
}

/**
 * The store with every method call counted by name and result. A Proxy rather than a wrapper
 * class, so methods a store gains later (streams, prune, a probe) are counted without edits here.
 */
export function withStoreMetrics<T extends object>(store: T, metrics: WorkerMetrics = workerMetrics): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      const op = property;
      return function (this: unknown, ...args: unknown[]) {
        const count = (result: 'ok' | 'error') => metrics.storeOps.inc({ op, result });
        let returned: unknown;
        try {
          returned = (value as (...a: unknown[]) => unknown).apply(this === receiver ? target : this, args);
        } catch (error) {
          count('error');
          throw error;
        }
        if (returned instanceof Promise) {
          return returned.then(
            (v) => {
              count('ok');
              return v;
            },
            (error: unknown) => {
              count('error');
              throw error;
            },
          );
        }
        count('ok');
        return returned;
      };
    },
  });
}
