import { Queue, type Job } from 'bullmq';
import type { Config } from '../config.js';
import { statusOfJob, readBookStatus, type BookStatus } from '../queue/book-status.js';
import { openRedis } from '../queue/connection.js';
import type { FinalizeJobData, FinalizeResult, SynthesizeResult } from '../queue/job-data.js';
import { FINALIZE_QUEUE, SYNTHESIZE_QUEUE, bullPrefix } from '../queue/names.js';
import type { CliIo } from './io.js';

/** `narrate status [bookId]`: every book's progress, or one book in detail. 1 when the book is unknown. */
export async function statusCommand(bookId: string | undefined, config: Config, io: CliIo): Promise<number> {
  const connection = openRedis(config.redisUrl, { name: 'narrate-status' });
  const prefix = bullPrefix(config.prefix);
  const finalize = new Queue<FinalizeJobData, FinalizeResult>(FINALIZE_QUEUE, { connection, prefix });
  const synthesize = new Queue(SYNTHESIZE_QUEUE, { connection, prefix });
  try {
    if (bookId === undefined) {
      const jobs = await finalize.getJobs(['waiting-children', 'waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed']);
      if (jobs.length === 0) {
        io.stdout.write(`no books under prefix "${config.prefix}"\n`);
        return 0;
      }
      jobs.sort((a, b) => a.timestamp - b.timestamp);
      for (const job of jobs) io.stdout.write(`${formatLine(await statusOfJob(job, synthesize))}\n`);
      return 0;
    }
    const status = await readBookStatus(finalize, synthesize, bookId);
    if (!status) {
      io.stderr.write(`no book "${bookId}" under prefix "${config.prefix}" (see \`narrate status\` for the list)\n`);
      return 1;
    }
    io.stdout.write(`${formatLine(status)}\n`);
    const job = (await finalize.getJob(bookId)) as Job<FinalizeJobData, FinalizeResult>;
    const values = Object.values(await job.getChildrenValues<SynthesizeResult>());
    if (values.length > 0) io.stdout.write(summarize(values));
    return 0;
  } finally {
    await Promise.allSettled([finalize.close(), synthesize.close()]);
    await connection.quit().catch(() => connection.disconnect());
  }
}

function formatLine(s: BookStatus): string {
  const tail = s.state === 'done' ? `  ${s.output ?? ''}` : s.state === 'failed' ? `  ${s.reason ?? ''}` : '';
  return `${s.bookId}\t${s.state}\t${s.chunksDone}/${s.chunksTotal} chunks\t${s.title}${tail}`;
}

/** Chunks done, model calls, retries by reason, similarity: the numbers that say whether to trust the book. */
function summarize(results: SynthesizeResult[]): string {
  const reasons: Record<string, number> = {};
  for (const r of results) for (const rej of r.rejections) reasons[rej.reason] = (reasons[rej.reason] ?? 0) + 1;
  const sims = results.map((r) => r.similarity);
  const lines = [
    `  chunks done: ${results.length} (${results.filter((r) => r.cached).length} from the store)`,
    `  model calls: ${results.reduce((n, r) => n + r.calls, 0)}`,
    `  retries by reason: ${Object.entries(reasons).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`,
    `  similarity: min ${Math.min(...sims).toFixed(3)}, mean ${(sims.reduce((a, b) => a + b, 0) / sims.length).toFixed(3)}`,
  ];
  return `${lines.join('\n')}\n`;
}
