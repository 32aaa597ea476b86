/**
 * `npm run bench:fidelity`: the corpus narrated through a model that answers instead of reading
 * 25% of the time and is cut off 10% of the time (the fake server, over its wire protocol), with
 * 1% of words misheard in faithful transcripts. Prints the similarity distribution of the accepted
 * readings and the model calls per chunk. Flags: --answer-rate, --length-rate, --mishear-rate,
 * --seed, --max-chars, and the input files (default: ../shared/corpus/*.txt).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { loadConfig } from '../src/config.js';
import { watchBooks } from '../src/cli/watch-books.js';
import type { BookReport } from '../src/finalizer/book-report.js';
import { createLogger } from '../src/logger.js';
import { submitBooks } from '../src/producer/submit-books.js';
import { openRedis } from '../src/queue/connection.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE } from '../src/queue/names.js';
import { bullPrefix } from '../src/queue/keys.js';
import { startWorkers } from '../src/worker/start-workers.js';
import { CORPUS } from '../test/helpers/corpus.js';
import { startFakeModel } from '../test/helpers/fake-model-server.js';
import { obliterateQueues } from '../test/helpers/obliterate-queues.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'answer-rate': { type: 'string', default: '0.25' },
    'length-rate': { type: 'string', default: '0.1' },
    'mishear-rate': { type: 'string', default: '0.01' },
    seed: { type: 'string', default: '42' },
    'max-chars': { type: 'string', default: '1200' },
    concurrency: { type: 'string', default: '16' },
  },
});
const inputs = positionals.length > 0 ? positionals : [join(CORPUS, 'alice.txt'), join(CORPUS, 'around-the-world.txt')];

const dir = await mkdtemp(join(tmpdir(), 'narrate-bench-fidelity-'));
const fake = await startFakeModel({
  apiKey: 'bench',
  answerRate: Number(values['answer-rate']),
  lengthRate: Number(values['length-rate']),
  mishearRate: Number(values['mishear-rate']),
  seed: Number(values.seed),
});
const config = loadConfig({
  NARRATE_API_KEY: 'bench',
  NARRATE_BASE_URL: fake.url,
  NARRATE_PREFIX: `bench-fidelity-${process.pid}`,
  NARRATE_STORE_DIR: join(dir, 'segments'),
  NARRATE_CONCURRENCY: values.concurrency,
  NARRATE_BACKOFF_MS: '50',
  // The fake's readings are tones: this measures the verbatim check, not the sentence check.
  NARRATE_ALIGN: 'off',
});
const connection = openRedis(config.redisUrl);
const prefix = bullPrefix(config.prefix);
const queues = { finalize: new Queue(FINALIZE_QUEUE, { connection, prefix }), synthesize: new Queue(SYNTHESIZE_QUEUE, { connection, prefix }) };
const workers = startWorkers(config, { logger: createLogger('warn') });
const started = Date.now();
try {
  const submission = await submitBooks(inputs, { outDir: join(dir, 'out'), format: 'wav', maxChars: Number(values['max-chars']) }, config, connection);
  for (const f of submission.failures) console.error(`input failed: ${f.reason}`);
  const statuses = await watchBooks(submission.books.map((b) => b.bookId), queues, { update() {}, stop() {} }, { intervalMs: 500 });
  const reports: BookReport[] = [];
  for (const s of statuses) {
    if (s.state !== 'done') {
      console.log(`${s.title}: FAILED: ${s.reason ?? s.state}`);
      continue;
    }
    reports.push(JSON.parse(await readFile(s.output!.replace(/\.wav$/, '.json'), 'utf8')) as BookReport);
  }
  const chunks = reports.flatMap((r) => r.chunks);
  const sims = chunks.map((c) => c.similarity).sort((a, b) => a - b);
  const q = (p: number) => sims[Math.min(sims.length - 1, Math.floor(p * sims.length))] ?? NaN;
  const calls = chunks.reduce((n, c) => n + c.attempts, 0);
  const reasons: Record<string, number> = {};
  for (const c of chunks) for (const r of c.rejections) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  const outcomes: Record<string, number> = {};
  for (const c of fake.calls) outcomes[c.outcome] = (outcomes[c.outcome] ?? 0) + 1;
  const bad = Number(values['answer-rate']) + Number(values['length-rate']);
  console.log(`books: ${reports.map((r) => `${r.title} (${r.chunks.length} chunks, ${r.chapters.length} chapters)`).join('; ')}`);
  console.log(`fake answered: ${JSON.stringify(outcomes)}`);
  console.log(`rejections by reason: ${JSON.stringify(reasons)}`);
  console.log(`similarity of accepted readings: min ${q(0).toFixed(3)}, p1 ${q(0.01).toFixed(3)}, p5 ${q(0.05).toFixed(3)}, median ${q(0.5).toFixed(3)}, mean ${(sims.reduce((a, b) => a + b, 0) / sims.length).toFixed(3)}`);
  const buckets = [0.9, 0.95, 0.98, 1].map((lo, i, all) => {
    const hi = all[i + 1] ?? 1.0001;
    return `[${lo.toFixed(2)},${hi > 1 ? '1.00' : hi.toFixed(2)}${hi > 1 ? ']' : ')'}: ${sims.filter((s) => s >= lo && s < hi).length}`;
  });
  console.log(`similarity histogram: ${buckets.join('  ')}`);
  console.log(
    `fidelity: ${chunks.length} chunks, ${calls} model calls = ${(calls / chunks.length).toFixed(2)} per chunk ` +
      `(floor ${(1 / (1 - bad)).toFixed(2)} at ${Math.round(bad * 100)}% bad readings), min similarity ${q(0).toFixed(3)}, ` +
      `${statuses.filter((s) => s.state === 'done').length}/${statuses.length} books done in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
} finally {
  await workers.close();
  await obliterateQueues(connection, prefix).catch(() => undefined);
  await Promise.allSettled([queues.finalize.close(), queues.synthesize.close()]);
  await connection.quit();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
}
