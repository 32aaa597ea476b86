/**
 * The loopback S3 server (s3rver behind the counting proxy of test/helpers/s3-server.ts) in its own
 * process, as a fleet would see a remote bucket: its work is not done on the bench's event loop,
 * and its CPU is measured apart from the workers'. Its objects go to a memory filesystem when
 * there is one (/dev/shm): s3rver writes three files per PUT (object, md5, metadata) and reads
 * two per HEAD, and on the bench machine's disk those file calls, not narrate, set the pace
 * (see bench/RESULTS.md's notes). A real bucket's disks are not on the workers' machine.
 */
import { firstLine, start, waitExit } from './processes.js';

export interface S3ServerProcess {
  url: string;
  /** The environment a narrate process needs to use it (endpoint, path style, s3rver's key). */
  env: Record<string, string>;
  pid: number;
  /** Requests the proxy has seen so far, by method, and the connections clients opened to it. */
  stats(): Promise<{ requests: Record<string, number>; connections: number }>;
  stop(): Promise<void>;
}

/**
 * Starts test/helpers/s3-server-cli.ts with these buckets, its objects under `dir`, and waits for
 * its url.
 */
export async function startS3ServerProcess(buckets: string[], dir: string): Promise<S3ServerProcess> {
  // BENCH_CPU_PROF=<dir> profiles it too, as it does the workers (see run-fleet.ts).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const args = [...profile, '--import', 'tsx', 'test/helpers/s3-server-cli.ts', '--dir', dir, ...buckets.flatMap((b) => ['--bucket', b])];
  const child = start(process.execPath, args);
  const { url, env } = JSON.parse(await firstLine(child, 30_000, 'S3 server')) as { url: string; env: Record<string, string> };
  return {
    url,
    env,
    pid: child.pid ?? -1,
    async stats() {
      const res = await fetch(`${url}/__stats`);
      return (await res.json()) as { requests: Record<string, number>; connections: number };
    },
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child, 10_000);
    },
  };
}
