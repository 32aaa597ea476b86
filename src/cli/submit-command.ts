import type { Config } from '../config.js';
import { submitBooks } from '../producer/submit-books.js';
import { formatSpeech, formatUsd } from '../money/estimate-cost.js';
import { checkWebhook } from './check-webhook.js';
import type { CliIo } from './io.js';
import { probeStores } from '../store/probe-stores.js';
import { parseSubmitFlags, type RawSubmitFlags } from './submit-flags.js';
import { printable, printableMessage } from './printable.js';
import { withRedis } from './with-redis.js';

/**
 * `narrate submit`: enqueue only; one line per book (id, title, chunk count) on stdout as each goes
 * in, so an interrupted submit has said which books are in. Books an earlier submit of the same
 * files and settings queued are named on stderr and not queued again.
 */
export async function submitCommand(inputs: string[], flags: RawSubmitFlags, config: Config, io: CliIo): Promise<number> {
  const options = parseSubmitFlags(flags, { align: config.align });
  await checkWebhook(options.notify, config, io);
  await probeStores(config, options.outDir);
  return withRedis(config, 'narrate-submit', async ({ redis: connection }) => {
    const submission = await submitBooks(inputs, options, config, connection, {
      queued: (b) => {
        io.stdout.write(`${b.bookId}\t${printable(b.title)}\t${b.chunks} chunks\n`);
        io.stderr.write(`${describeEstimate(b)}\n`);
      },
      skipped: (s) => io.stderr.write(`already queued ${s.bookId}: ${printable(s.source)} (an earlier submit of the same file and settings)\n`),
      // Each book is said as it goes in: none is kept, so a library of any size fits in the same memory.
      keep: false,
    });
    for (const w of submission.warnings) io.stderr.write(`warning: ${printableMessage(w)}\n`);
    for (const f of submission.failures) io.stderr.write(`error: ${printableMessage(f.reason)}\n`);
    return submission.failures.length === 0 && submission.counts.queued + submission.counts.skipped > 0 ? 0 : 1;
  });
}

/** The estimate line of a submitted book: calls, tokens and dollars before a model call is made. */
export function describeEstimate(b: { bookId: string; estimate: import('../money/estimate-cost.js').CostEstimate }): string {
  const e = b.estimate;
  return `estimate ${b.bookId}: ${e.calls} model calls, ${e.inputTokens} input + ${e.textOutputTokens} text output + ${e.audioOutputTokens} audio output tokens (${formatSpeech(e.audioSeconds)} of speech), about ${formatUsd(e.costUsd)}`;
}
