/**
 * Runs the loopback S3 server (s3rver behind the test proxy, see s3-server.ts) in its own process,
 * for the benchmark: a fleet's store requests then get their own event loop, as a real S3 endpoint
 * is not in the bench's process either.
 *   npx tsx test/helpers/s3-server-cli.ts --bucket bench [--dir /dev/shm]
 * `--dir` is where s3rver keeps its objects (a temp dir is made inside it; default the OS temp dir).
 * Prints one JSON line {"url": "...", "env": {...}} once listening, then serves until SIGTERM or
 * SIGINT. Other processes read the request counts by method and the connections opened from
 * GET /__stats on the url.
 */
import { parseArgs } from 'node:util';
import { startS3Server } from './s3-server.js';
import { closeOnSignals } from './close-on-signals.js';

const { values } = parseArgs({ options: { bucket: { type: 'string', multiple: true, default: [] }, dir: { type: 'string' } } });
const server = await startS3Server(values.bucket, values.dir === undefined ? {} : { parent: values.dir });
process.stdout.write(`${JSON.stringify({ url: server.url, env: server.env })}\n`);

closeOnSignals(() => server.close());
