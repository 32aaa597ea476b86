import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readRegularFile, readRegularFileSync } from '../../src/read-regular-file.js';

// /proc/cpuinfo is a regular file whose fstat size is 0: its bytes come in the reads after the
// first, like a file that grew since fstat, so the loop past the first read is exercised.
const GROWN = '/proc/cpuinfo';

describe('readRegularFile and readRegularFileSync', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-read-regular-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('read a whole file the same way, async and sync', async () => {
    const bytes = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    const path = join(dir, 'big.bin');
    await writeFile(path, bytes);
    expect((await readRegularFile(path, 1_000_000)).equals(bytes)).toBe(true);
    expect(readRegularFileSync(path, 1_000_000).equals(bytes)).toBe(true);
  });

  it('read on past what fstat said, and refuse a file that turns out larger than the limit', async () => {
    const whole = readFileSync(GROWN);
    expect(whole.length).toBeGreaterThan(100);
    expect((await readRegularFile(GROWN, 10_000_000)).equals(whole)).toBe(true);
    expect(readRegularFileSync(GROWN, 10_000_000).equals(whole)).toBe(true);
    const message = `${GROWN}: over the 100 bytes limit for this file, refused`;
    await expect(readRegularFile(GROWN, 100)).rejects.toThrow(new InputError(message));
    expect(() => readRegularFileSync(GROWN, 100)).toThrow(message);
  });

  it('refuse a file over the limit by its size, unread, and name its size', async () => {
    const path = join(dir, 'five.txt');
    await writeFile(path, 'fives');
    const message = `${path}: 5 bytes, over the 3 bytes limit for this file, refused`;
    await expect(readRegularFile(path, 3)).rejects.toThrow(message);
    expect(() => readRegularFileSync(path, 3)).toThrow(message);
  });
});
