import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { withRedis } from '../../src/cli/with-redis.js';
import { loadConfig } from '../../src/config.js';
import { RedisUnreachableError } from '../../src/queue/connection.js';
import { testPrefix } from '../helpers/test-prefix.js';

const prefix = testPrefix('with-redis');
const config = loadConfig({ NARRATE_PREFIX: prefix });
const observer = new Redis(config.redisUrl);

afterAll(async () => {
  const keys = await observer.keys(`*${prefix}*`);
  if (keys.length > 0) await observer.del(...keys);
  await observer.quit();
});

/** The clients Redis itself counts under `name`: what is left open, as the server sees it. */
async function clientsNamed(name: string): Promise<number> {
  const list = (await observer.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

describe('withRedis', () => {
  it('gives the command its result, with the connection and its queues closed after', async () => {
    const name = `${prefix}-ok`;
    const result = await withRedis(config, name, async ({ redis, queue }) => {
      expect(await clientsNamed(name)).toBe(1);
      await queue('synthesize').waitUntilReady();
      await redis.set(`${prefix}:probe`, 'x');
      return 7;
    });
    expect(result).toBe(7);
    expect(await observer.get(`${prefix}:probe`)).toBe('x');
    expect(await clientsNamed(name)).toBe(0);
  });

  it('closes the connection and its queues when the command throws, and passes the error on', async () => {
    const name = `${prefix}-throws`;
    let seenOpen = 0;
    let opened: { closing: Promise<void> | undefined } | undefined;
    await expect(
      withRedis(config, name, async ({ queue }) => {
        opened = queue('finalize');
        await queue('finalize').waitUntilReady();
        seenOpen = await clientsNamed(name);
        throw new Error('the command failed');
      }),
    ).rejects.toThrow('the command failed');
    expect(seenOpen).toBe(1);
    expect(await clientsNamed(name)).toBe(0);
    // BullMQ sets `closing` once close() is called: the queue was closed, not just its connection.
    expect(opened?.closing).toBeInstanceOf(Promise);
  });

  it('stops with RedisUnreachableError naming the target when Redis does not answer, running nothing', async () => {
    let ran = false;
    const nowhere = loadConfig({ NARRATE_PREFIX: prefix, REDIS_URL: 'redis://127.0.0.1:1' });
    const failure = withRedis(nowhere, `${prefix}-nowhere`, async () => {
      ran = true;
    });
    await expect(failure).rejects.toThrow(RedisUnreachableError);
    await expect(failure).rejects.toThrow(/127\.0\.0\.1:1/);
    expect(ran).toBe(false);
  });
});
