import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { ConfigError, InputError, coerceError } from '../errors.js';
import { createLogger } from '../logger.js';
import { dashboardCommand } from './dashboard-command.js';
import { processIo, type CliIo } from './io.js';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';
import { submitCommand } from './submit-command.js';
import type { RawSubmitFlags } from './submit-flags.js';
import { UsageError } from './usage-error.js';
import { workerCommand } from './worker-command.js';

/** Exit codes: 0 all good, 1 something (a book, a file) failed, 2 the command line or environment was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Parses argv, runs the command, returns the exit code. Never throws. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const config = (): Config => loadConfig(io.env);
  const logger = (c: Config) => createLogger(c.logLevel);

  const program = new Command('narrate')
    .description('Narrate text files into audiobooks through a queue of workers.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run `narrate --help` for usage)');

  const submitFlags = (cmd: Command) =>
    cmd
      .argument('<inputs...>', 'text files (.txt, .md, .epub), directories of them, or job manifests (.json, .yaml)')
      .option('--out <dir>', 'where books are written', 'out')
      .addOption(new Option('--format <format>', 'm4b, mp3 or wav (default m4b, or the manifest\'s)'))
      .option('--voice <name>', 'voice (default NARRATE_VOICE, or the manifest\'s)')
      .option('--title <title>', 'book title (one book only)')
      .option('--author <author>', 'book author')
      .option('--max-chars <n>', 'longest chunk sent in one model call (default 1200)')
      .option('--style <text>', 'voice style added to the narration instructions, e.g. "warm and unhurried"')
      .option('--lexicon <file>', 'pronunciation lexicon (JSON or YAML map of word to spoken form)')
      .option('--read-code', 'read code blocks and listings (Markdown and EPUB) aloud instead of skipping them')
      .option('--notes <mode>', 'footnotes and endnotes: skip (default) or end (read each chapter\'s notes at its end)')
      .option('--keep-front-matter', 'read copyright, imprint, colophon and title pages and Gutenberg\'s licence too');

  submitFlags(program.command('run'))
    .description('submit, narrate in this process, and wait; exit 0 when every book is done, 1 when any failed')
    .action(async (inputs: string[], flags: RawSubmitFlags) => {
      const c = config();
      code = await runCommand(inputs, flags, c, io, logger(c));
    });
  submitFlags(program.command('submit'))
    .description('enqueue books for a fleet of workers; prints id, title and chunk count per book')
    .action(async (inputs: string[], flags: RawSubmitFlags) => {
      code = await submitCommand(inputs, flags, config(), io);
    });
  program
    .command('worker')
    .description('a long-lived fleet member; SIGTERM/SIGINT drains, a second signal forces')
    .action(async () => {
      const c = config();
      code = await workerCommand(c, io, logger(c));
    });
  program
    .command('status')
    .argument('[bookId]', 'one book in detail')
    .description('progress of every book, or of one')
    .action(async (bookId: string | undefined) => {
      code = await statusCommand(bookId, config(), io);
    });
  program
    .command('dashboard')
    .description('the queue dashboard (bull-board); basic auth from NARRATE_DASHBOARD_USER/PASSWORD')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '3000')
    .action(async (flags: { host: string; port: string }) => {
      code = await dashboardCommand(flags, config(), io);
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error it already printed.
      return thrown.code === 'commander.helpDisplayed' || thrown.code === 'commander.version' || thrown.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    const error = coerceError(thrown);
    if (error instanceof UsageError || error instanceof ConfigError || (error instanceof InputError && /^--/.test(error.message))) {
      io.stderr.write(`narrate: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(`narrate: ${error.message}\n`);
    return EXIT.failed;
  }
}
