import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix } from '../../src/queue/keys.js';
import { obliterateQueues } from '../helpers/obliterate-queues.js';
import { runCli } from '../helpers/run-cli.js';
import { testPrefix } from '../helpers/test-prefix.js';

const ENGLISH = '# The Harbour\n\nThe boats came in at dawn. Nobody on the quay said a word.\n';
const FRENCH = "---\nlanguage: fr\n---\n\n# Le Port\n\nLes bateaux rentraient à l'aube, et personne sur le quai ne disait un mot. La mer était calme et le ciel encore gris.\n";

// No Redis listens here: plan never connects, and a refused voice must stop before anything would.
const DEAD_REDIS = 'redis://127.0.0.1:1';

describe('--voice names an offline voice when no API key is set', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-voice-cli-'));
    await writeFile(join(dir, 'harbour.md'), ENGLISH);
    await writeFile(join(dir, 'port.md'), FRENCH);
    await writeFile(join(dir, 'robot.yaml'), 'title: Robot\nvoice: robot\nchapters:\n  - harbour.md\n');
    env = { REDIS_URL: DEAD_REDIS, NARRATE_PREFIX: testPrefix('e2e-voice-cli'), NARRATE_LOG_LEVEL: 'warn' };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plans an English book with a flite voice by name', async () => {
    const result = await runCli(['plan', join(dir, 'harbour.md'), '--voice', 'slt'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('voice: slt');
  });

  it('refuses an unknown --voice with exit 2, listing the English voices', async () => {
    const result = await runCli(['plan', join(dir, 'harbour.md'), '--voice', 'robot'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--voice: no offline voice is called "robot"');
    expect(result.stderr).toContain('rms (the default), slt, awb, kal (flite)');
    expect(result.stdout).toBe('');
  });

  it('refuses a flite voice for a French book, listing the French voices, and queues nothing, not even the English book', async () => {
    const prefix = testPrefix('e2e-voice-submit');
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
    try {
      const result = await runCli(['submit', join(dir, 'harbour.md'), join(dir, 'port.md'), '--voice', 'rms'], { ...env, REDIS_URL: 'redis://127.0.0.1:6379', NARRATE_PREFIX: prefix });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--voice: "rms" is one of flite's English voices, and this book is in French \(fr\)/);
      expect(result.stderr).toContain('fr-be, fr-ch, fr-fr (espeak-ng');
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    } finally {
      await obliterateQueues(redis, bullPrefix(prefix));
      await redis.quit();
    }
  });

  it('refuses an unknown NARRATE_VOICE with exit 2 naming the variable', async () => {
    const result = await runCli(['plan', join(dir, 'harbour.md')], { ...env, NARRATE_VOICE: 'robot' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('NARRATE_VOICE: no offline voice is called "robot"');
  });

  it("fails only the book whose manifest names an unknown voice, naming the file and its voice: field", async () => {
    const result = await runCli(['plan', join(dir, 'robot.yaml'), join(dir, 'port.md')], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'robot.yaml')}: voice: no offline voice is called "robot"`);
    expect(result.stdout).toContain('Le Port');
  });

  it('leaves voice names to the provider when an API key is set', async () => {
    const result = await runCli(['plan', join(dir, 'harbour.md'), '--voice', 'robot'], { ...env, NARRATE_API_KEY: 'sk-test-not-used' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('voice: robot');
  });
});
