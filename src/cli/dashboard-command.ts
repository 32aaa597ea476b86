import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { BOOKS_PATH, startDashboard } from '../dashboard/start-dashboard.js';
import type { Logger } from '../logger.js';
import type { CliIo } from './io.js';
import { UsageError } from '../errors.js';

/** The flags of `narrate dashboard`. */
export interface DashboardFlags {
  host: string;
  port: string;
  /** --serve DIR, repeatable: the output folders whose audio the Books page plays (default NARRATE_DASHBOARD_SERVE). */
  serve?: string[];
  /** --read-only: refuse every request that would change something. */
  readOnly?: boolean;
}

/** `narrate dashboard`: the queue dashboard until SIGTERM/SIGINT. */
export async function dashboardCommand(flags: DashboardFlags, config: Config, io: CliIo, logger?: Logger): Promise<number> {
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port > 65_535) throw new UsageError(`--port: expected an integer from 0 to 65535, got "${flags.port}"`);
  const serve = flags.serve !== undefined && flags.serve.length > 0 ? flags.serve : config.dashboardServe;
  const from = flags.serve !== undefined && flags.serve.length > 0 ? '--serve' : 'NARRATE_DASHBOARD_SERVE';
  const notes: string[] = [];
  for (const dir of serve) {
    // A folder not there yet is fine (the first book creates it); a file where a folder should be is a mistake.
    const found = await stat(dir).catch(() => undefined);
    if (found !== undefined && !found.isDirectory()) throw new UsageError(`${from}: expected a directory, got "${dir}" (not a directory)`);
    notes.push(`${resolve(dir)}${found === undefined ? ' (does not exist yet)' : ''}`);
  }
  const readOnly = flags.readOnly === true || config.dashboardReadOnly;
  const dashboard = await startDashboard(config, { host: flags.host, port, serve, readOnly, ...(logger === undefined ? {} : { logger }) });
  io.stdout.write(`dashboard: ${dashboard.url}${config.dashboardUser ? ' (basic auth)' : ' (loopback only, no password)'}${readOnly ? ' read-only' : ''}\n`);
  io.stdout.write(`books:     ${new URL(BOOKS_PATH.slice(1), dashboard.url).href}\n`);
  io.stdout.write(`audio from: ${notes.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  await dashboard.close();
  return 0;
}
