import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../logger.js';
import type { NotifyJobData } from './book-notification.js';
import { redactUrl } from './notify-url.js';
import { postWebhook } from './post-webhook.js';
import { resolveWebhookTarget, type LookupAll } from './resolve-webhook-target.js';
import { signBody } from './sign-body.js';
import { WebhookError } from './webhook-error.js';

/** A webhook delivery gets this long to answer before the attempt counts as failed. */
export const NOTIFY_TIMEOUT_MS = 10_000;

/** What a notify worker needs. */
export interface NotifyDeps {
  /** NARRATE_WEBHOOK_SECRET: signs each post when set. */
  secret: string | undefined;
  /** NARRATE_WEBHOOK_ALLOW_PRIVATE: post to loopback, link-local and private addresses too. */
  allowPrivate: boolean;
  logger: Logger;
  /** Resolves webhook hosts (default: the system resolver). */
  lookup?: LookupAll;
  /** Default NOTIFY_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * The processor of the `notify` queue: posts a book's end to its webhook, with the time it is sent
 * (X-Narrate-Timestamp) and, with a secret, a signature over both. The host is resolved and checked
 * at each attempt, and the post goes to the checked address only. A refused target fails the job
 * for good; anything else but a 2xx (a redirect too) throws, and BullMQ retries with backoff. The
 * book itself was finished before this job existed, so a dead receiver never holds it up.
 */
export function notifyProcessor(deps: NotifyDeps) {
  return async (job: Job<NotifyJobData>): Promise<{ status: number }> => {
    const where = redactUrl(job.data.url);
    let url: URL;
    try {
      url = new URL(job.data.url);
    } catch {
      throw new UnrecoverableError(`webhook ${where}: not a URL narrate can post to`);
    }
    try {
      const target = await resolveWebhookTarget(url, { allowPrivate: deps.allowPrivate, ...(deps.lookup ? { lookup: deps.lookup } : {}) });
      const body = JSON.stringify(job.data.notification);
      // Signed at each attempt: a retry minutes later is as fresh as the first try.
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'narrate-webhook', 'x-narrate-timestamp': String(timestamp) };
      if (deps.secret !== undefined) headers['x-narrate-signature'] = signBody(body, deps.secret, timestamp);
      const status = await postWebhook(target, body, headers, deps.timeoutMs ?? NOTIFY_TIMEOUT_MS);
      if (status < 200 || status >= 300) {
        const redirect = status >= 300 && status < 400 ? ' (a redirect: not followed)' : '';
        const detail = `answered ${status}${redirect}`;
        throw new WebhookError(`webhook ${where} ${detail}`, { failure: 'status', host: url.host, status, detail });
      }
      deps.logger.info({ bookId: job.data.notification.bookId, state: job.data.notification.state, webhook: where, status }, 'webhook delivered');
      return { status };
    } catch (error) {
      // A target refused now is refused at every attempt: no attempt is wasted on it.
      if (error instanceof WebhookError && !error.retryable) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
