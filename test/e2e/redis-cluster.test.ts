/**
 * A real 3-master Redis Cluster, started here on free loopback ports: `narrate run` narrates a book
 * through it (every queue under the one hash tag {prefix}, as BullMQ's flows require), and
 * `narrate status` reads it back. Only the model is fake.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookReport } from '../../src/finalizer/book-report.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { writeParagraphBook } from '../helpers/paragraph-book.js';
import { startCluster, type Topology } from '../helpers/redis-topology.js';
import { runCli } from '../helpers/run-cli.js';
import { killAllSpawned } from '../helpers/spawn-worker.js';
import { testPrefix } from '../helpers/test-prefix.js';

const KEY = 'cluster-key';
const CHUNKS = 12;

describe('a book through a Redis Cluster', () => {
  let dir: string;
  let cluster: (Topology & { nodes: string }) | undefined;
  let fake: FakeModelServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-cluster-'));
    cluster = await startCluster(join(dir, 'cluster'));
    fake = await startFakeModel({ apiKey: KEY, latencyMs: 20 });
  });

  afterAll(async () => {
    await killAllSpawned();
    await cluster?.stop();
    await fake?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('completes with every chunk once, and status reads it back', async () => {
    const env: Record<string, string> = {
      NARRATE_REDIS_CLUSTER: cluster!.nodes,
      NARRATE_PREFIX: testPrefix('e2e-cluster'),
      NARRATE_API_KEY: KEY,
      NARRATE_BASE_URL: fake.url,
      NARRATE_STORE_DIR: join(dir, 'segments'),
      NARRATE_CONCURRENCY: '4',
      NARRATE_LOG_LEVEL: 'warn',
    };
    const book = await writeParagraphBook(dir, 'cluster-book', CHUNKS);
    const out = join(dir, 'out');
    const run = await runCli(['run', book.path, '--out', out, '--format', 'wav', '--max-chars', String(book.maxChars)], env, { timeoutMs: 110_000 });
    expect(run.code, `${run.stderr}\n${cluster!.describe()}`).toBe(0);
    const output = join(out, 'cluster-book.wav');
    expect(run.stdout.trim()).toBe(output);
    expect((await stat(output)).size).toBeGreaterThan(0);
    const report = JSON.parse(await readFile(join(out, 'cluster-book.json'), 'utf8')) as BookReport;
    expect(report.chunks.map((c) => c.index)).toEqual(Array.from({ length: CHUNKS }, (_, i) => i));
    expect(book.paragraphs.map((p) => fake.callsFor(p))).toEqual(Array.from({ length: CHUNKS }, () => 1));

    const status = await runCli(['status'], env, { timeoutMs: 60_000 });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`\\tdone\\t${CHUNKS}/${CHUNKS} chunks\\tCluster Book`));
  });
});
