/**
 * Part of section 13 (library): the same small books submitted by `narrate submit` to a 3-master
 * Redis Cluster started here (loopback ports, test/helpers/redis-topology.ts), once with every key
 * under one hash tag (NARRATE_SHARDS=1, the layout before shards) and once over NARRATE_SHARDS=3:
 * each master's keys (DBSIZE) and memory (INFO memory's used_memory) added by the submit, and how far
 * the fullest and emptiest master are from an even third.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startCluster } from '../test/helpers/redis-topology.js';
import type { BenchOptions } from './options.js';
import { ROOT, run } from './processes.js';
import type { Report } from './report.js';
import { fixed } from './stats.js';

const exec = promisify(execFile);

/** What one layout put on each master. */
interface Spread {
  keys: number[];
  bytes: number[];
  seconds: number;
}

export async function clusterSpread(o: BenchOptions, report: Report, section: string, dir: string, book: (i: number) => string): Promise<void> {
  const books = join(dir, 'cluster-books');
  await mkdir(books, { recursive: true });
  for (let i = 0; i < o.libraryClusterBooks; i++) await writeFile(join(books, `book-${String(i).padStart(5, '0')}.md`), book(i));
  process.stdout.write(`  ${o.libraryClusterBooks} books into a 3-master Redis Cluster, one hash tag, then NARRATE_SHARDS=3\n`);
  const cluster = await startCluster(join(dir, 'cluster'));
  try {
    const master = async () =>
      Promise.all(
        cluster.servers.map(async (s) => {
          const cli = (...args: string[]) => exec('redis-cli', ['-h', '127.0.0.1', '-p', String(s.port), ...args]).then((r) => r.stdout);
          return { keys: Number((await cli('dbsize')).trim()), bytes: Number(/used_memory:(\d+)/.exec(await cli('info', 'memory'))?.[1]) };
        }),
      );
    const submit = async (shards: number): Promise<Spread> => {
      const before = await master();
      const env = {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        NARRATE_REDIS_CLUSTER: cluster.nodes,
        NARRATE_PREFIX: `bench-spread-${shards}`,
        NARRATE_SHARDS: String(shards),
        NARRATE_LOG_LEVEL: 'silent',
        NARRATE_STORE_DIR: join(dir, `cluster-store-${shards}`),
      };
      const started = Date.now();
      const r = await run(process.execPath, [join(ROOT, 'bin/narrate.js'), 'submit', books, '--out', join(dir, `cluster-out-${shards}`), '--format', 'mp3'], 1_800_000, { env });
      if (r.code !== 0) throw new Error(`narrate submit to the cluster (NARRATE_SHARDS=${shards}) exited ${r.code}: ${r.stderr.slice(-800)}`);
      const seconds = (Date.now() - started) / 1000;
      const after = await master();
      return { keys: after.map((a, i) => a.keys - before[i]!.keys), bytes: after.map((a, i) => a.bytes - before[i]!.bytes), seconds };
    };
    // One layout after the other on the same cluster: the second's baseline includes the first's keys.
    const one = await submit(1);
    const three = await submit(3);
    const worst = (values: number[]) => {
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      return Math.max(...values.map((v) => Math.abs(v - mean) / mean));
    };
    const mib = (n: number) => `${fixed(n / 1024 / 1024, 2)} MB`;
    for (const [name, s] of [['one hash tag', one], ['NARRATE_SHARDS=3', three]] as const) {
      report.add({ section, metric: `cluster, ${name}: keys per master`, value: `${s.keys.join(' / ')} (worst ${fixed(100 * worst(s.keys), 1)}% from even)` });
      report.add({
        section,
        metric: `cluster, ${name}: memory per master`,
        value: `${s.bytes.map(mib).join(' / ')} (worst ${fixed(100 * worst(s.bytes), 1)}% from even)`,
        ...(name === 'NARRATE_SHARDS=3' ? { target: 'within 20% of even', ok: worst(s.keys) <= 0.2 && worst(s.bytes) <= 0.2 } : {}),
      });
      report.add({ section, metric: `cluster, ${name}: submit wall time`, value: `${fixed(s.seconds, 1)} s` });
    }
    report.summary.push(`cluster spread at 3 shards: keys ${fixed(100 * worst(three.keys), 1)}%, memory ${fixed(100 * worst(three.bytes), 1)}% from even`);
  } finally {
    await cluster.stop();
  }
}
