import { Command, CommanderError, Option } from 'commander';
import { loadConfig, type Config } from '../config.js';
import { coerceError, exitCodeOf } from '../errors.js';
import { createLogger } from '../logger.js';
import type { DashboardFlags } from './dashboard-command.js';
import { processIo, type CliIo } from './io.js';
import { planCommand, type RawPlanFlags } from './plan-command.js';
import { statusCommand } from './status-command.js';
import { storePruneCommand } from './store-command.js';
import { submitCommand } from './submit-command.js';
import type { RawSubmitFlags } from './submit-flags.js';
import { listCommand } from './list-command.js';
import { DEFAULT_LISTING_LIMIT, type ListingFlags } from './listing-flags.js';
import { cancelCommand } from './cancel-command.js';
import { retryCommand } from './retry-command.js';
import { pauseCommand } from './pause-command.js';
import { resumeCommand } from './resume-command.js';
import { cleanCommand } from './clean-command.js';
import { printableMessage } from './printable.js';

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
      .addOption(new Option('--format <format>', 'm4b, m4a, mp3, opus, flac or wav (default m4b, or mp3 with --loudness acx, or the manifest\'s)'))
      .option('--voice <name>', 'voice (default NARRATE_VOICE, or the manifest\'s)')
      .option('--title <title>', 'book title (one book only)')
      .option('--author <author>', 'book author')
      .option('--max-chars <n>', 'longest chunk sent in one model call (default 1200)')
      .option('--style <text>', 'voice style added to the narration instructions, e.g. "warm and unhurried"')
      .option('--lexicon <file>', 'pronunciation lexicon (JSON or YAML map of word to spoken form)')
      .option('--read-code', 'read code blocks and listings (Markdown and EPUB) aloud instead of skipping them')
      .option('--notes <mode>', 'footnotes and endnotes: skip (default) or end (read each chapter\'s notes at its end)')
      .option('--keep-front-matter', 'read copyright, imprint, colophon and title pages and Gutenberg\'s licence too')
      .option('--max-cost <usd>', 'spending cap per book in US dollars: refused when the estimate exceeds it, stopped when spent')
      .option('--notify <url>', 'POST a signed JSON notice to this http(s) URL when each book ends (default NARRATE_WEBHOOK_URL)')
      .option('--loudness <preset>', 'audiobook (default: -18 LUFS, -2 dBTP), podcast (-16 LUFS, -1 dBTP), acx (ACX levels: RMS aimed at -19.5 dB, peaks limited under -3.5 dBTP; MP3, one file per chapter, credits) or off')
      .option('--cover <file>', 'cover image, JPEG or PNG up to 10 MB (default: the EPUB\'s own cover)')
      .option('--narrator <name>', 'narrator tag and credit (default: the voice\'s name)')
      .option('--credits', 'read opening and closing credits (default with --loudness acx)')
      .option('--no-credits', 'no credits, even with --loudness acx')
      .option('--split <mode>', '"chapters": one file per chapter, <out>/<slug>/NN - <chapter title>.<ext>, and <slug>.m3u8 beside them (implied by acx)')
      .option('--captions <format>', 'vtt or srt: captions of every sentence, <out>/<slug>.<format> and one beside each chapter file (needs NARRATE_ALIGN on)')
      .option('--readalong', 'a read-along EPUB, <out>/<slug>.epub: the book\'s text (the EPUB itself, or one made from the text) highlighted sentence by sentence as the narration plays (EPUB 3 Media Overlays; needs NARRATE_ALIGN on)')
      .option('--language <tag>', 'the books\' language as a BCP 47 tag (en, fr, pt-BR, ja); default: the book\'s own, else detected')
      .option('--cast [mode]', 'dialogue read by the characters\' voices: auto (the default when --cast is given alone) or off (default: the manifest\'s cast:, else off)');

  submitFlags(program.command('run'))
    .description('submit, narrate in this process, and wait; exit 0 when every book is done, 1 when any failed')
    .action(async (inputs: string[], flags: RawSubmitFlags) => {
      const c = config();
      // Loaded when asked for, like the worker and the dashboard: the workers, ffmpeg's wrapper, the
      // providers and bull-board's Express app cost every other command (a submit, a status) about a second to load.
      const { runCommand } = await import('./run-command.js');
      code = await runCommand(inputs, flags, c, io, logger(c));
    });
  submitFlags(program.command('submit'))
    .description('enqueue books for a fleet of workers; prints id, title and chunk count per book')
    .action(async (inputs: string[], flags: RawSubmitFlags) => {
      code = await submitCommand(inputs, flags, config(), io);
    });
  submitFlags(program.command('plan'))
    .description('what submit would queue, with no Redis and no model call: chapters, chunks, language, estimate')
    .option('--text', 'print exactly what will be spoken, with chapter markers')
    .option('--json', 'print one JSON document: { books: [ { title, author, language, chapters: [ { title, chunks } ], estimate } ] }')
    .action(async (inputs: string[], flags: RawPlanFlags) => {
      code = await planCommand(inputs, flags, config(), io);
    });
  program
    .command('worker')
    .description('a long-lived fleet member; SIGTERM/SIGINT drains, a second signal forces')
    .option('--metrics-port <port>', 'serve /healthz and /metrics on this port (default NARRATE_METRICS_PORT; unset: none)')
    .action(async (flags: { metricsPort?: string }) => {
      const c = config();
      const { workerCommand } = await import('./worker-command.js');
      code = await workerCommand(c, io, logger(c), flags);
    });
  program
    .command('status')
    .argument('[bookId]', 'one book in detail')
    .description('progress of a page of books (oldest first), or of one book')
    .option('--state <state>', 'only books in this state (queued, narrating, finalizing, done, failed, cancelled, over-budget)')
    .option('--limit <n>', `books on the page (default ${DEFAULT_LISTING_LIMIT}; "all": every book, read a page at a time)`)
    .option('--after <bookId>', 'start after this book: the last one of the previous page')
    .option('--json', 'print a JSON array, one book per line, written as it is read')
    .action(async (bookId: string | undefined, flags: ListingFlags) => {
      code = await statusCommand(bookId, flags, config(), io);
    });
  program
    .command('list')
    .description('a page of books (oldest first): id, state, chunks done/total, cost so far, created, title')
    .option('--state <state>', 'only books in this state (queued, narrating, finalizing, done, failed, cancelled, over-budget)')
    .option('--limit <n>', `books on the page (default ${DEFAULT_LISTING_LIMIT}; "all": every book, read a page at a time)`)
    .option('--after <bookId>', 'start after this book: the last one of the previous page')
    .option('--json', 'print a JSON array, one book per line, written as it is read')
    .action(async (flags: ListingFlags) => {
      code = await listCommand(flags, config(), io);
    });
  program
    .command('cancel')
    .argument('<bookId>', 'the book to cancel')
    .option('--purge', "also remove the book's jobs and keys from Redis")
    .description('no new model call for the book (calls in flight finish); exit 1 when unknown or already done')
    .action(async (bookId: string, flags: { purge?: boolean }) => {
      code = await cancelCommand(bookId, flags, config(), io);
    });
  program
    .command('retry')
    .argument('<bookId>', 'a failed, cancelled or over-budget book')
    .option('--max-cost <usd>', 'a new spending cap for the book, in US dollars')
    .description('queue the failed and missing chunks again; chunks already stored cost nothing')
    .action(async (bookId: string, flags: { maxCost?: string }) => {
      code = await retryCommand(bookId, flags, config(), io);
    });
  program
    .command('pause')
    .description('the whole fleet stops taking jobs (jobs in flight finish)')
    .action(async () => {
      code = await pauseCommand(config(), io);
    });
  program
    .command('resume')
    .description('the fleet takes jobs again')
    .action(async () => {
      code = await resumeCommand(config(), io);
    });
  program
    .command('clean')
    .requiredOption('--older-than <age>', 'age of books to remove, e.g. 7d, 12h, 30m')
    .description('remove the jobs and keys of done, failed and cancelled books older than that')
    .action(async (flags: { olderThan: string }) => {
      code = await cleanCommand(flags, config(), io);
    });
  program
    .command('dashboard')
    .description('the queue dashboard (bull-board); basic auth from NARRATE_DASHBOARD_USER/PASSWORD')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '3000')
    .option('--serve <dir>', 'an output folder whose audio the Books page may play; repeatable (default NARRATE_DASHBOARD_SERVE, ./out)', (dir: string, dirs: string[] = []) => [...dirs, dir])
    .option('--read-only', 'refuse every request that would change something (bull-board\'s API included); no buttons')
    .action(async (flags: DashboardFlags) => {
      const c = config();
      const { dashboardCommand } = await import('./dashboard-command.js');
      code = await dashboardCommand(flags, c, io, logger(c));
    });

  program
    .command('store')
    .description('housekeeping of the segment store (NARRATE_STORE_URL)')
    .command('prune')
    .description('remove segments older than --older-than that no book still in Redis uses')
    .option('--older-than <age>', 'age such as 30d, 12h, 90m or 2w')
    .option('--dry-run', 'only count what would be removed')
    .action(async (flags: { olderThan?: string; dryRun?: boolean }) => {
      code = await storePruneCommand(flags, config(), io);
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (thrown) {
    if (thrown instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is a usage error it already printed.
      return thrown.code === 'commander.helpDisplayed' || thrown.code === 'commander.version' || thrown.code === 'commander.help' ? EXIT.ok : EXIT.usage;
    }
    // The kind of the error decides the exit code (a flag or a setting to fix: 2), never its words.
    const error = coerceError(thrown);
    io.stderr.write(`narrate: ${printableMessage(error.message)}\n`);
    return exitCodeOf(error);
  }
}
