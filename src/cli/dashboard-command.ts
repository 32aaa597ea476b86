import type { Config } from '../config.js';
import { BOOKS_PATH, startDashboard } from '../dashboard/start-dashboard.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

/** `narrate dashboard`: the queue dashboard until SIGTERM/SIGINT. */
export async function dashboardCommand(flags: { host: string; port: string }, config: Config, io: CliIo): Promise<number> {
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65_535) throw new UsageError(`--port: expected an integer from 0 to 65535, got "${flags.port}"`);
  const dashboard = await startDashboard(config, { host: flags.host, port });
  io.stdout.write(`dashboard: ${dashboard.url}${config.dashboardUser ? ' (basic auth)' : ' (loopback only, no password)'}\n`);
  io.stdout.write(`books:     ${new URL(BOOKS_PATH.slice(1), dashboard.url).href}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await dashboard.close();
  return 0;
}
