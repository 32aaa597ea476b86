/**
 * What one chunk's store requests cost in CPU with an S3 store, apart from everything else a
 * worker does: a worker's HEAD (the cache question, a miss) and PUT (a 200 KB segment with its head
 * metadata, If-None-Match: *), 16 at a time as a worker's jobs send them, through createS3Client's
 * settings with and without the cached middleware stack, against the loopback S3 server (s3rver
 * behind the test proxy, in its own process, its objects on /dev/shm when there is one).
 *   npx tsx bench/s3-request-cost.ts [--requests 600]
 * Prints, per HEAD + PUT: this process's CPU (the AWS SDK, as a worker pays it) and the server's.
 */
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { createS3Client } from '../src/store/s3-client.js';
import { cleanupAll, removeDir, tempDir } from './cleanup.js';
import { procCpuMs } from './processes.js';
import { startS3ServerProcess } from './s3-server.js';

// As bin/narrate.js does: the SDK's Node 22 notice is not what this measures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '600' } } });
const N = Number(values.requests);
const IN_FLIGHT = 16;
const body = Buffer.alloc(200_000, 7);
// About the size of a real segment's encoded head.
const metadata = { narrate: 'x'.repeat(600) };

const dir = await tempDir('s3-request-cost', existsSync('/dev/shm') ? '/dev/shm' : undefined);
const server = await startS3ServerProcess(['cost'], dir);
try {
  const settings = loadConfig({ ...server.env, NARRATE_STORE_URL: 's3://cost/x' }).s3;
  // Alternated, twice: the later runs find the code already compiled.
  for (const [round, cached] of [false, true, false, true].entries()) {
    const client = createS3Client(settings);
    // createS3Client caches; the first run measures the SDK's default.
    (client.config as { cacheMiddleware?: boolean }).cacheMiddleware = cached;
    const run = async (prefix: string, count: number) => {
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async (_, w) => {
          for (let i = w; i < count; i += IN_FLIGHT) await headAndPut(client, `${prefix}/${i}`);
        }),
      );
    };
    await run(`warm-${round}`, 100);
    const cpu = process.cpuUsage();
    const serverCpu = procCpuMs(server.pid);
    const started = Date.now();
    await run(`run-${round}`, N);
    const used = process.cpuUsage(cpu);
    process.stdout.write(
      `cacheMiddleware ${cached ? 'on ' : 'off'}: ${N} HEAD + PUT in ${Date.now() - started} ms; per HEAD + PUT: SDK (this process) ${((used.user + used.system) / 1000 / N).toFixed(2)} ms, loopback server ${((procCpuMs(server.pid) - serverCpu) / N).toFixed(2)} ms of CPU\n`,
    );
    client.destroy();
  }
} finally {
  await server.stop();
  await removeDir(dir);
  await cleanupAll();
}

async function headAndPut(client: S3Client, key: string): Promise<void> {
  await client.send(new HeadObjectCommand({ Bucket: 'cost', Key: key })).catch(() => undefined);
  await client.send(new PutObjectCommand({ Bucket: 'cost', Key: key, Body: body, ContentLength: body.length, IfNoneMatch: '*', Metadata: metadata }));
}
