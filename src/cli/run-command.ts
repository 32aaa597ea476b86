import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { submitBooks } from '../producer/submit-books.js';
import { FINALIZE_QUEUE, NOTIFY_QUEUE, SYNTHESIZE_QUEUE } from '../queue/names.js';
import { waitForDelivery, type Delivery } from '../notify/wait-for-delivery.js';
import { probeStores } from '../store/probe-stores.js';
import { checkRedisEviction } from './check-redis-eviction.js';
import { checkModelServed } from '../providers/check-model.js';
import { loadPrices } from '../money/prices.js';
import { startWorkers } from '../worker/start-workers.js';
import { checkWebhook } from './check-webhook.js';
import type { CliIo } from './io.js';
import { createProgressView } from './progress.js';
import { parseSubmitFlags, type RawSubmitFlags } from './submit-flags.js';
import { watchBooks } from './watch-books.js';
import { describeEstimate } from './submit-command.js';
import { printable, printableMessage } from './printable.js';
import { withRedis } from './with-redis.js';

/**
 * `narrate run`: submit, narrate in this process, wait for the books and then for their webhooks
 * (delivered or failed for good). 0 when every book is done, 1 when any failed; a webhook that
 * could not be delivered is a warning, not a failed book.
 */
export async function runCommand(inputs: string[], flags: RawSubmitFlags, config: Config, io: CliIo, logger: Logger): Promise<number> {
  // Every flag, variable and file first: a mistake in one exits 2 before Redis is asked anything.
  const options = parseSubmitFlags(flags, { align: config.align });
  loadPrices(config.pricesFile);
  await checkWebhook(options.notify, config, io);
  await probeStores(config, options.outDir);
  // A model the provider does not serve stops here (exit 2), before a book is queued or a call paid.
  const model = await checkModelServed(config);
  if (model.served === undefined) io.stderr.write(`warning: ${model.warning}\n`);
  // Then Redis: one that evicts keys would lose this run's jobs (exit 2).
  await checkRedisEviction(config, io);
  return withRedis(config, 'narrate-run', async ({ redis: connection, queue, queues }) => {
    const notify = queue(NOTIFY_QUEUE);
    let workers: ReturnType<typeof startWorkers> | undefined;
    try {
      const submission = await submitBooks(inputs, options, config, connection);
      for (const w of submission.warnings) io.stderr.write(`warning: ${printableMessage(w)}\n`);
      for (const f of submission.failures) io.stderr.write(`error: ${printableMessage(f.reason)}\n`);
      for (const s of submission.skipped) io.stderr.write(`already queued ${s.bookId}: ${printable(s.source)} (an earlier submit of the same file and settings): waiting for it\n`);
      const watched = [...submission.books.map((b) => b.bookId), ...submission.skipped.map((s) => s.bookId)];
      if (watched.length === 0) {
        io.stderr.write('nothing to narrate: no input could be read\n');
        return 1;
      }
      for (const b of submission.books) {
        io.stderr.write(`queued ${b.bookId}: "${printable(b.title)}" (${b.language}), ${b.chapters} chapter(s), ${b.chunks} chunk(s)\n`);
        io.stderr.write(`${describeEstimate(b)}\n`);
      }
      // The progress view tells this user what happens; per-book info logs would only interleave with it.
      const workerLogger = logger.level === 'info' ? logger.child({}, { level: 'warn' }) : logger;
      workers = startWorkers(config, { logger: workerLogger });
      const view = createProgressView(io.stderr);
      // Ctrl-C stops waiting and lets the chunks in flight finish; the books stay queued in Redis,
      // and any `narrate worker` (or the next `narrate run`) picks them up where they stopped.
      const interrupted = new AbortController();
      const onSignal = () => interrupted.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let results: Awaited<ReturnType<typeof watchBooks>>;
      let deliveries: Delivery[] = [];
      try {
        // Each book in its shard's queues.
        results = await watchBooks(watched, (bookId) => ({ finalize: queues.of(FINALIZE_QUEUE, bookId), synthesize: queues.of(SYNTHESIZE_QUEUE, bookId) }), view, {
          signal: interrupted.signal,
          onError: (error) => logger.warn({ err: error.message }, 'cannot read progress from Redis; retrying'),
        });
        view.stop();
        if (!interrupted.signal.aborted) {
          // The webhooks were promised for these books: the process (and its notify worker) stays
          // until each is delivered or has spent its attempts, whose failures the log shows.
          deliveries = await Promise.all(
            watched.map((bookId) => waitForDelivery(connection, notify, config.prefix, bookId, config.webhookUrl, { signal: interrupted.signal })),
          );
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (interrupted.signal.aborted && results.length < watched.length) {
        io.stderr.write(`interrupted: ${watched.length - results.filter((r) => r.state === 'done').length} book(s) stay queued; run \`narrate worker\` to finish them\n`);
        return 130;
      }
      for (const d of deliveries) {
        if (d.outcome === 'delivered') io.stderr.write(`webhook of ${d.bookId} delivered to ${d.webhook}\n`);
        else if (d.outcome === 'failed') io.stderr.write(`warning: webhook of ${d.bookId} not delivered to ${d.webhook}: ${d.reason}\n`);
        else if (d.outcome === 'pending') io.stderr.write(`warning: webhook of ${d.bookId} to ${d.webhook} not delivered yet; it stays queued for \`narrate worker\`\n`);
        else if (d.outcome === 'not-queued') io.stderr.write(`warning: webhook of ${d.bookId} to ${d.webhook} was not queued; see the log\n`);
      }
      let failed = submission.failures.length;
      for (const r of results) {
        if (r.state === 'done') {
          io.stdout.write(`${printable(r.output ?? '')}\n`);
        } else {
          failed++;
          io.stderr.write(`failed: "${printable(r.title)}" (${r.bookId}): ${printable(r.reason ?? r.state)}\n`);
        }
      }
      return failed === 0 ? 0 : 1;
    } finally {
      // The workers before the queues and the connection they were given.
      await workers?.close();
    }
  });
}
