/**
 * A private redis-server for tests that stop and restart Redis: never the shared one on 6379.
 * Append-only, so a SHUTDOWN keeps every key and the next start on the same dir reloads them.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { promisify } from 'node:util';
import { spawnProcess, type SpawnedProcess } from './spawn-worker.js';
import { waitUntil } from './wait-until.js';

const exec = promisify(execFile);

export interface PrivateRedis {
  port: number;
  url: string;
  /** The running server process, if any. */
  process(): SpawnedProcess | undefined;
  /** Starts redis-server on the port and dir and waits until it answers PING. */
  start(): Promise<void>;
  /** `redis-cli SHUTDOWN` (flushes the append-only file) and waits for the process to exit. */
  shutdown(): Promise<void>;
  /** SIGKILLs the server if it runs; for afterAll. */
  kill(): Promise<void>;
}

/**
 * The first port the kernel hands out for outgoing connections; a port below it is never taken by
 * one. Asking the OS for port 0 gives a port inside that range, where any test's outgoing
 * connection (to Redis, S3, the fake model) may take it between our check and redis-server's
 * bind: CI lost a cluster bus port that way.
 */
function ephemeralFloor(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low > 11_000) return low;
  } catch {
    // Not Linux: the IANA ephemeral range starts at 49152.
  }
  return 49_152;
}

const FLOOR = ephemeralFloor();
const taken = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 free now, chosen at random between 10000 and the ephemeral range, never
 * one this process handed out before. Another process may still bind it first: servers started
 * on it should retry on "Address already in use" (see startWithRetry).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (FLOOR - 10_000));
    if (taken.has(port)) continue;
    if (await canListen(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(`no free port between 10000 and ${FLOOR} after 200 tries`);
}

/** True when a server's output says it lost the race for its port. */
export function lostPortRace(output: string): boolean {
  return /Address already in use|EADDRINUSE/.test(output);
}

/** Sends PING over a raw socket; true on +PONG. The socket is always destroyed. */
export function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      answer += d.toString();
      if (answer.includes('\r\n')) finish(answer.startsWith('+PONG'));
    });
    socket.on('error', () => finish(false));
  });
}

/** Prepares (does not start) a redis-server on a free port with its data in `dir`, which it creates. */
export async function privateRedis(dir: string): Promise<PrivateRedis> {
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  let current: SpawnedProcess | undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--daemonize', 'no', '--protected-mode', 'no'];
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: () => current,
    async start() {
      if (current?.running()) throw new Error('redis-server already running');
      const started = spawnProcess('redis-server', args, {}, { cwd: dir });
      current = started;
      await waitUntil(`redis-server on port ${port} to answer PING`, async () => {
        if (!started.running()) throw new Error(`redis-server exited: ${started.output().slice(-1_000)}`);
        return ping(port);
      }, { timeoutMs: 10_000, describe: () => started.output().slice(-1_000) });
    },
    async shutdown() {
      const running = current;
      if (!running?.running()) return;
      // SHUTDOWN closes the connection instead of answering: redis-cli may report an error, which is fine.
      await exec('redis-cli', ['-p', String(port), 'shutdown']).catch(() => undefined);
      const exit = await running.waitForExit(10_000);
      if (!exit) throw new Error('redis-server did not exit after SHUTDOWN');
    },
    async kill() {
      current?.signal('SIGKILL');
      await current?.waitForExit(5_000);
    },
  };
}

/** A private redis-server, started, with its data in `dir` (created): `kill()` it in afterAll. */
export async function startPrivateRedis(dir: string): Promise<PrivateRedis> {
  const redis = await privateRedis(dir);
  await redis.start();
  return redis;
}
