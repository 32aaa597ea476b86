import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';

// No Redis listens here: plan never connects, and a worker must stop before it tries.
const DEAD_REDIS = 'redis://127.0.0.1:1';
// Far above what a refusal takes; a command still reading /dev/zero or waiting on a FIFO is killed
// at this point (code null), which fails the test instead of hanging it.
const HANG_MS = 30_000;

/**
 * Files narrate reads as configuration or input that are not regular files (a FIFO nobody writes,
 * /dev/zero) or too big: each refused at once with a message naming it, exit 2 for the
 * environment and flags, 1 for a book's own file (and the other books still planned).
 */
describe('files narrate reads: size limits and non-regular files', () => {
  let dir: string;
  let env: Record<string, string>;
  const plan = (args: string[], extra: Record<string, string> = {}) => runCli(['plan', ...args], { ...env, ...extra }, { timeoutMs: HANG_MS });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-config-files-'));
    env = { REDIS_URL: DEAD_REDIS, NARRATE_PREFIX: testPrefix('config-files'), NARRATE_LOG_LEVEL: 'warn', NARRATE_STORE_DIR: join(dir, 'segments') };
    await writeFile(join(dir, 'good.md'), '# Harbour\n\nThe boats came in at dawn, and nobody on the quay said a word to anyone.\n');
    for (const name of ['fifo.yaml', 'pipe.md', 'cover-fifo.jpg', 'manifest-fifo.yaml']) execFileSync('mkfifo', [join(dir, name)]);
    await symlink('/dev/zero', join(dir, 'zero.md'));
    // Valid YAML (comments) just over 1 MiB: refused by its size, not by its content.
    await writeFile(join(dir, 'big-prices.yaml'), `${'# padding line of a price table\n'.repeat(34_000)}`);
    await writeFile(join(dir, 'big-manifest.yaml'), `title: Big\nchapters:\n  - good.md\n${'# padding\n'.repeat(110_000)}`);
    await writeFile(join(dir, 'zero-lexicon.yaml'), 'title: Zero Lexicon\nlexicon: /dev/zero\nchapters:\n  - good.md\n');
    await writeFile(join(dir, 'zero-chapter.yaml'), 'title: Zero Chapter\nchapters:\n  - zero.md\n');
    await writeFile(join(dir, 'fifo-cover.yaml'), 'title: Fifo Cover\ncover: cover-fifo.jpg\nchapters:\n  - good.md\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses NARRATE_PRICES=/dev/zero, a FIFO or an oversized file with exit 2, naming it', async () => {
    const zero = await plan([join(dir, 'good.md')], { NARRATE_PRICES: '/dev/zero' });
    expect(zero.code, zero.stderr).toBe(2);
    expect(zero.stderr).toContain('NARRATE_PRICES: /dev/zero: not a regular file (a character device)');
    const fifo = await plan([join(dir, 'good.md')], { NARRATE_PRICES: join(dir, 'fifo.yaml') });
    expect(fifo.code, fifo.stderr).toBe(2);
    expect(fifo.stderr).toContain(`NARRATE_PRICES: ${join(dir, 'fifo.yaml')}: not a regular file (a FIFO)`);
    const big = await plan([join(dir, 'good.md')], { NARRATE_PRICES: join(dir, 'big-prices.yaml') });
    expect(big.code, big.stderr).toBe(2);
    expect(big.stderr).toMatch(/NARRATE_PRICES: .*big-prices\.yaml: 1,\d{3},\d{3} bytes, over the 1 MiB limit/);
    expect(`${zero.stdout}${fifo.stdout}${big.stdout}`).toBe('');
  });

  it('stops a worker at once on NARRATE_PRICES=/dev/zero, exit 2', async () => {
    const worker = await runCli(['worker'], { ...env, REDIS_URL: DEAD_REDIS, NARRATE_PRICES: '/dev/zero' }, { timeoutMs: HANG_MS });
    expect(worker.code, worker.stderr).toBe(2);
    expect(worker.stderr).toContain('NARRATE_PRICES: /dev/zero: not a regular file');
  });

  it('refuses NARRATE_LEXICON and --lexicon that are not regular files with exit 2', async () => {
    const global = await plan([join(dir, 'good.md')], { NARRATE_LEXICON: '/dev/zero' });
    expect(global.code, global.stderr).toBe(2);
    expect(global.stderr).toContain('NARRATE_LEXICON: /dev/zero: not a regular file (a character device)');
    const flag = await plan([join(dir, 'good.md'), '--lexicon', join(dir, 'fifo.yaml')]);
    expect(flag.code, flag.stderr).toBe(2);
    expect(flag.stderr).toContain(`--lexicon: ${join(dir, 'fifo.yaml')}: not a regular file (a FIFO)`);
  });

  it("fails only the book whose manifest, lexicon, chapter file, input or cover is not a regular file or too big (exit 1)", async () => {
    const inputs = ['manifest-fifo.yaml', 'big-manifest.yaml', 'zero-lexicon.yaml', 'zero-chapter.yaml', 'pipe.md', 'fifo-cover.yaml', 'good.md'].map((n) => join(dir, n));
    const result = await plan(inputs);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'manifest-fifo.yaml')}: not a regular file (a FIFO)`);
    expect(result.stderr).toMatch(/big-manifest\.yaml: 1,\d{3},\d{3} bytes, over the 1 MiB limit/);
    expect(result.stderr).toContain(`${join(dir, 'zero-lexicon.yaml')}: lexicon: /dev/zero: not a regular file (a character device)`);
    expect(result.stderr).toContain(`${join(dir, 'zero-chapter.yaml')}: chapter "zero.md": ${join(dir, 'zero.md')}: not a regular file (a character device)`);
    expect(result.stderr).toContain(`${join(dir, 'pipe.md')}: not a regular file (a FIFO)`);
    expect(result.stderr).toMatch(/cover: in .*fifo-cover\.yaml: .*cover-fifo\.jpg: not a regular file/);
    // The one good book is still planned.
    expect(result.stdout).toContain('Harbour');
    expect(result.stdout).not.toContain('Zero');
  });

  it('refuses a --cover that is a FIFO without waiting on it', async () => {
    const result = await plan([join(dir, 'good.md'), '--cover', join(dir, 'cover-fifo.jpg')]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`--cover ${join(dir, 'cover-fifo.jpg')}: not a regular file`);
  });

  it('refuses an --out that is a file, not a directory, with exit 2', async () => {
    const result = await plan([join(dir, 'good.md'), '--out', join(dir, 'good.md')]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`--out ${join(dir, 'good.md')}: not a directory`);
  });
});
