import type { Job } from 'bullmq';
import { NarrateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { NotifyJobData } from './book-notification.js';
import { redactUrl } from './notify-url.js';
import { signBody } from './sign-body.js';

/** A webhook delivery gets this long to answer before the attempt counts as failed. */
export const NOTIFY_TIMEOUT_MS = 10_000;

/**
 * The processor of the `notify` queue: posts a book's end to its webhook, signed with
 * NARRATE_WEBHOOK_SECRET when set. Anything but a 2xx throws, and BullMQ retries with backoff; the
 * book itself was finished before this job existed, so a dead receiver never holds it up.
 */
export function notifyProcessor(deps: { secret: string | undefined; logger: Logger; fetch?: typeof fetch }) {
  const post = deps.fetch ?? fetch;
  return async (job: Job<NotifyJobData>): Promise<{ status: number }> => {
    const body = JSON.stringify(job.data.notification);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'narrate-webhook' };
    if (deps.secret !== undefined) headers['x-narrate-signature'] = signBody(body, deps.secret);
    const where = redactUrl(job.data.url);
    let status: number;
    try {
      const response = await post(job.data.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS) });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      // The cause may quote the request; only the redacted URL is logged.
      throw new NarrateError(`webhook ${where} unreachable: ${error instanceof Error ? error.message : String(error)}`, { retryable: true });
    }
    if (status < 200 || status >= 300) throw new NarrateError(`webhook ${where} answered ${status}`, { retryable: true });
    deps.logger.info({ bookId: job.data.notification.bookId, state: job.data.notification.state, webhook: where, status }, 'webhook delivered');
    return { status };
  };
}
