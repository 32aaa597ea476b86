/**
 * What the command line prints, to a terminal or a pipe: a title made of terminal escape sequences
 * and bidi overrides is shown escaped by every command (JSON stays JSON, with the same value), and a
 * reader that closes the pipe early (`narrate list | head -1`) ends no command with a stack trace.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanDocument } from '../../src/producer/plan-document.js';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';

// ESC [31m (red), OSC 0 (window title) ended by BEL, a one-byte C1 CSI "2J" (clear screen), a
// right-to-left override, a carriage return and a tab.
const TITLE = '\u001b[31mRed\u001b]0;pwned\u0007 \u009b2J \u202eevil\u202c\rtab\there';
const CHAPTER = 'Chapter \u001b[2J one';
// What a terminal must never receive raw (newlines between lines and tabs between columns are fine).
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('what the command line prints', () => {
  const prefix = testPrefix('e2e-cli-output');
  let dir: string;
  let env: Record<string, string>;
  let manifest: string;
  let bookId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-cli-output-'));
    await writeFile(join(dir, 'one.md'), 'The keeper climbed the stairs of the lighthouse every evening and lit the lamp before dark.\n');
    manifest = join(dir, 'hostile.yaml');
    await writeFile(manifest, `title: ${JSON.stringify(TITLE)}\nauthor: "\\e[1mBold Author"\nlanguage: en\nformat: wav\nchapters:\n  - file: one.md\n    title: ${JSON.stringify(CHAPTER)}\n`);
    env = { NARRATE_PREFIX: prefix, NARRATE_STORE_DIR: join(dir, 'segments'), NARRATE_LOG_LEVEL: 'warn' };
    // One book narrated to the end (offline voice), so list and status have something to show.
    const run = await runCli(['run', manifest, '--out', join(dir, 'out')], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
    expect(run.stderr).toContain('\\x1b[31mRed\\x1b]0;pwned\\x07 \\x9b2J \\u202eevil\\u202c\\rtab\\there');
    bookId = (JSON.parse(await readFile(run.stdout.trim().replace(/\.wav$/, '.json'), 'utf8')) as BookReport).bookId;
  }, 120_000);
  afterAll(async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    await obliterateQueues(redis, bullPrefix(prefix));
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows titles escaped in plan, plan --text, list, status and status <id>', async () => {
    for (const args of [['plan', manifest], ['plan', manifest, '--text'], ['list'], ['status'], ['status', bookId]]) {
      const result = await runCli(args, env);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stdout, args.join(' ')).not.toMatch(RAW_CONTROL);
      expect(result.stderr, args.join(' ')).not.toMatch(RAW_CONTROL);
      expect(result.stdout, args.join(' ')).toContain('\\x1b[31mRed\\x1b]0;pwned\\x07 \\x9b2J \\u202eevil\\u202c\\rtab\\there');
    }
    const plan = await runCli(['plan', manifest], env);
    expect(plan.stdout).toContain('by \\x1b[1mBold Author');
    expect(plan.stdout).toContain('Chapter \\x1b[2J one');
    // list stays one line per book with six tab-separated columns.
    const list = await runCli(['list'], env);
    const line = list.stdout.trim().split('\n').find((l) => l.startsWith(bookId))!;
    expect(line.split('\t')).toHaveLength(6);
  });

  it('keeps JSON output JSON, escaped for a terminal, with the same values', async () => {
    const plan = await runCli(['plan', manifest, '--json'], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toMatch(RAW_CONTROL);
    const document = JSON.parse(plan.stdout) as PlanDocument;
    expect(document.books[0]!.title).toBe(TITLE);
    expect(document.books[0]!.chapters[0]!.title).toBe(CHAPTER);
    const list = await runCli(['list', '--json'], env);
    expect(list.stdout).not.toMatch(RAW_CONTROL);
    expect((JSON.parse(list.stdout) as { title: string }[]).map((b) => b.title)).toEqual([TITLE]);
  });

  it('ends every printing command quietly, exit 0, when the reader has closed the pipe', async () => {
    for (const args of [['list'], ['status', bookId], ['plan', manifest, '--json'], ['--help']]) {
      const result = await runCli(args, env, { closePipes: ['stdout'] });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stderr, args.join(' ')).not.toMatch(/EPIPE|Error|at /);
    }
    // Both pipes closed: nothing can be said, and nothing is thrown either.
    const silent = await runCli(['status', 'no-such-book'], env, { closePipes: ['stdout', 'stderr'] });
    expect(silent.code).toBe(1);
  });

  it('finishes a run whose reader has gone: the book is narrated, exit 0', async () => {
    const out = join(dir, 'out-closed');
    const result = await runCli(['run', manifest, '--out', out], env, { closePipes: ['stdout', 'stderr'] });
    expect(result.code).toBe(0);
    const names = await readdir(out);
    expect(names.filter((n) => n.endsWith('.wav'))).toHaveLength(1);
    const report = JSON.parse(await readFile(join(out, names.find((n) => n.endsWith('.json'))!), 'utf8')) as BookReport;
    expect(report.title).toBe(TITLE);
    expect(report.chapters[0]!.title).toBe(CHAPTER);
  });
});
