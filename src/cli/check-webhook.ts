import type { Config } from '../config.js';
import { ConfigError, UsageError } from '../errors.js';
import { redactUrl } from '../notify/notify-url.js';
import { resolveWebhookTarget, type LookupAll } from '../notify/resolve-webhook-target.js';
import { WebhookError } from '../notify/webhook-error.js';
import type { CliIo } from './io.js';

/**
 * Checks the webhook a command will post to (`notify`, the --notify flag, else NARRATE_WEBHOOK_URL)
 * before anything is queued: its host is resolved, and a private, loopback, link-local or
 * unspecified address is a usage (or config) error naming the URL without its query. A host that
 * does not resolve now is only a warning: each delivery resolves it again.
 */
export async function checkWebhook(notify: string | undefined, config: Config, io: CliIo, lookup?: LookupAll): Promise<void> {
  const name = notify !== undefined ? '--notify' : 'NARRATE_WEBHOOK_URL';
  const value = notify ?? config.webhookUrl;
  if (value === undefined) return;
  try {
    await resolveWebhookTarget(new URL(value), { allowPrivate: config.webhookAllowPrivate, ...(lookup ? { lookup } : {}) });
  } catch (error) {
    if (!(error instanceof WebhookError)) throw error;
    if (error.failure === 'refused') {
      const message = `${name}: expected a public address, got ${redactUrl(value)}: ${error.detail}`;
      throw notify !== undefined ? new UsageError(message) : new ConfigError(message);
    }
    io.stderr.write(`warning: ${name} ${redactUrl(value)}: ${error.detail}; each delivery resolves it again\n`);
  }
}
