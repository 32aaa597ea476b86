/**
 * What the Books pages' live updates cost the dashboard and Redis:
 *   npx tsx bench/dashboard-live-cost.ts [--books 16] [--streams 30] [--seconds 10] [--root <checkout>]
 * Submits --books books (queued, no worker) to a private redis-server, starts `narrate dashboard` of
 * the checkout at --root (default this one; point it at another checkout, built, to compare), and
 * measures the dashboard process's CPU (from /proc) and the Redis commands it causes per second,
 * first with no page open, then with --streams live streams of the list page open.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { privateRedis } from '../test/helpers/redis-server.js';

const { values } = parseArgs({ options: { books: { type: 'string', default: '16' }, streams: { type: 'string', default: '30' }, seconds: { type: 'string', default: '10' }, root: { type: 'string', default: resolve(import.meta.dirname, '..') } } });
const books = Number(values.books);
const streams = Number(values.streams);
const seconds = Number(values.seconds);
const bin = join(resolve(values.root), 'bin/narrate.js');
const CLK_TCK = 100;

async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).replace(/^.*\) /s, '').split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function redisCommands(redis: Redis): Promise<number> {
  const stats = String(await redis.info('commandstats'));
  let total = 0;
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') total += Number(m[2]);
  return total;
}

function run(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`narrate ${args[0]} exited ${code}`))));
  });
}

const dir = await mkdtemp(join(tmpdir(), 'narrate-bench-live-'));
await mkdir(join(dir, 'redis'));
await mkdir(join(dir, 'books'));
const server = await privateRedis(join(dir, 'redis'));
await server.start();
const redis = new Redis(server.url);
const env = { NARRATE_PREFIX: 'bench-live', REDIS_URL: server.url, NARRATE_LOG_LEVEL: 'silent' };
const aborts: AbortController[] = [];
let dashboard: ReturnType<typeof spawn> | undefined;
try {
  for (let i = 0; i < books; i++) {
    await writeFile(join(dir, 'books', `book-${i}.md`), `# Book ${i}\n\n${'The keeper climbed the stair of the tower by the sea and lit the lamp at dusk. '.repeat(20)}\n\n# Two\n\nAnd the ships came home.\n`);
  }
  await run(['submit', join(dir, 'books'), '--out', join(dir, 'out'), '--format', 'mp3'], env);
  dashboard = spawn(process.execPath, [bin, 'dashboard', '--port', '0'], { env: { PATH: process.env.PATH ?? '', HOME: dir, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  dashboard.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  let url: string | undefined;
  for (let i = 0; i < 300 && url === undefined; i++, await sleep(100)) url = /books: +(\S+)/.exec(out)?.[1];
  if (url === undefined) throw new Error(`the dashboard printed no address: ${out}`);
  const pid = dashboard.pid!;

  const window = async (label: string): Promise<void> => {
    const [cpu0, cmd0, t0] = [await cpuSeconds(pid), await redisCommands(redis), Date.now()];
    await sleep(seconds * 1000);
    const [cpu1, cmd1, t1] = [await cpuSeconds(pid), await redisCommands(redis), Date.now()];
    const s = (t1 - t0) / 1000;
    process.stdout.write(`${label}: dashboard CPU ${((cpu1 - cpu0) / s).toFixed(3)} s/s, Redis ${Math.round((cmd1 - cmd0) / s)} commands/s\n`);
  };
  await sleep(2000);
  await window(`${books} books, no page open`);
  for (let i = 0; i < streams; i++) {
    const abort = new AbortController();
    aborts.push(abort);
    const response = await fetch(`${url}/events`, { signal: abort.signal });
    if (response.status !== 200) throw new Error(`stream ${i + 1}: HTTP ${response.status}`);
    void response.body!.pipeTo(new WritableStream()).catch(() => undefined);
  }
  await sleep(2000);
  await window(`${books} books, ${streams} live list pages`);
} finally {
  for (const abort of aborts) abort.abort();
  if (dashboard?.exitCode === null) {
    const exited = new Promise((done) => dashboard!.once('close', done));
    dashboard.kill('SIGTERM');
    await exited;
  }
  redis.disconnect();
  await server.kill();
  await rm(dir, { recursive: true, force: true });
}
