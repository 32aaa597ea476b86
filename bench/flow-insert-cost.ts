/**
 * What putting a book's jobs into Redis costs, and how long workers wait for the first one:
 *   npx tsx bench/flow-insert-cost.ts [--chunks 2000] [--rounds 3]
 * "one flow" is every chunk in one BullMQ flow (one MULTI); "admission" is narrate's buildFlow (the
 * book and its enqueue job) followed by what the enqueue job does when it admits the book (addParts,
 * each part with its chunks, about ENQUEUE_BATCH chunks a round trip). Redis CPU is read from INFO (other clients of this
 * Redis count too). Its own prefix, obliterated at the end.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { FlowProducer, Queue, type FlowJob } from 'bullmq';
import { planParts } from '../src/finalizer/plan-parts.js';
import { addParts } from '../src/producer/enqueue-processor.js';
import type { BookPlan } from '../src/contracts/book-plan.js';
import { buildFlow, chunkJobOptions, ENQUEUE_BATCH, partsOf } from '../src/queue/build-flow.js';
import { openRedis } from '../src/queue/connection.js';
import { ENCODE_QUEUE, ENQUEUE_QUEUE, FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../src/queue/names.js';
import { bullPrefix } from '../src/queue/keys.js';
import { obliterateQueues } from '../test/helpers/obliterate-queues.js';

const { values } = parseArgs({ options: { chunks: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' } } });
const chunks = Number(values.chunks);
const rounds = Number(values.rounds);
const prefix = bullPrefix(`bench-flow-${process.pid}-${randomBytes(3).toString('hex')}`);
const connection = openRedis('redis://127.0.0.1:6379', { name: 'narrate-bench' });
const producer = new FlowProducer({ connection, prefix });
const synthesize = new Queue(SYNTHESIZE_QUEUE, { connection, prefix });
const enqueue = new Queue(ENQUEUE_QUEUE, { connection, prefix });
const encode = new Queue(ENCODE_QUEUE, { connection, prefix });
const retry = { attempts: 5, backoffMs: 1_000 };

function plan(bookId: string): BookPlan {
  const text = 'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness.';
  return {
    finalize: {
      bookId, title: 'Bench', author: '', voice: 'alloy', format: 'wav', outDir: '/tmp', slug: 'bench', chapters: [{ title: 'One' }],
      chunks: Array.from({ length: chunks }, (_, index) => ({ index, chapter: 0, pauseAfter: 'paragraph' as const })),
      parts: planParts(Array.from({ length: chunks }, (_, index) => ({ index, chapter: 0, pauseAfter: 'paragraph' as const, text }))),
      sources: [], language: 'en', submittedAt: new Date().toISOString(), finish: { loudness: 'off', narrator: 'alloy', credits: false, split: false },
    },
    synthesize: Array.from({ length: chunks }, (_, index) => ({ bookId, index, chapter: 0, text, voice: 'alloy', style: '', language: 'en' })),
  };
}

function oneFlow(p: BookPlan): FlowJob {
  return {
    name: 'finalize',
    queueName: FINALIZE_QUEUE,
    prefix,
    data: p.finalize,
    opts: { jobId: p.finalize.bookId },
    children: p.synthesize.map((data) => ({ name: 'synthesize', queueName: SYNTHESIZE_QUEUE, prefix, data, opts: chunkJobOptions(data.bookId, data.index, retry) })),
  };
}

async function redisCpuMs(): Promise<number> {
  const info = await connection.info('cpu');
  const read = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (read('used_cpu_user') + read('used_cpu_sys')) * 1000;
}

const ways: Record<string, (bookId: string, first: () => void) => Promise<void>> = {
  'one flow': async (bookId, first) => {
    await producer.add(oneFlow(plan(bookId)));
    first();
  },
  admission: async (bookId, first) => {
    // The texts are in the store (parts named by index here): the jobs carry keys, as a submit's do.
    const p = plan(bookId);
    const stored = { finalize: p.finalize, parts: p.finalize.parts.map((x) => `part-${x.part}`) };
    await producer.add(buildFlow({ plan: 'plan', stored }, prefix));
    const rest = partsOf(stored);
    // Parts of about ENQUEUE_BATCH chunks per round trip, as the enqueue job adds them.
    const per = Math.max(1, Math.floor(ENQUEUE_BATCH / Math.max(1, rest[0]?.chunks.length ?? 1)));
    for (let from = 0; from < rest.length; from += per) {
      await addParts({ flows: producer, encode }, bookId, rest.slice(from, from + per), retry, prefix);
      if (from === 0) first();
    }
  },
};

try {
  for (let round = 0; round <= rounds; round++) {
    for (const [name, insert] of Object.entries(ways)) {
      let firstMs = 0;
      const started = performance.now();
      const cpu = process.cpuUsage();
      const redis0 = await redisCpuMs();
      await insert(`b${randomBytes(4).toString('hex')}`, () => (firstMs = performance.now() - started));
      const allMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const redisMs = (await redisCpuMs()) - redis0;
      // Round 0 warms up the JIT and the scripts.
      if (round > 0) {
        console.log(`${name.padEnd(21)} first chunk queued after ${firstMs.toFixed(0).padStart(4)} ms, all after ${allMs.toFixed(0).padStart(4)} ms; client CPU ${((used.user + used.system) / 1000).toFixed(0).padStart(4)} ms, Redis CPU ${redisMs.toFixed(0).padStart(3)} ms`);
      }
    }
  }
  console.log(`(${chunks} chunks; the first chunk is queued when the MULTI holding it has run)`);
} finally {
  await obliterateQueues(connection, prefix);
  await Promise.allSettled([producer.close(), synthesize.close(), enqueue.close(), encode.close()]);
  await connection.quit();
}
