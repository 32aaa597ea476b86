/** The fake model server in its own process, as a fleet would see a remote provider. */
import type { FakeStats, FakeTiming } from '../test/helpers/fake-model-server.js';
import { firstLine, startTs, waitExit } from './processes.js';

export interface FakeModelProcess {
  url: string;
  apiKey: string;
  pid: number;
  stats(): Promise<FakeStats>;
  /** Arrival and reply time of every call. */
  timings(): Promise<FakeTiming[]>;
  stop(): Promise<void>;
}

/** Starts test/helpers/fake-model-cli.ts with `flags` (e.g. { latency: 250, rpm: 600 }) and waits for its url. */
export async function startFakeModel(flags: Record<string, number>): Promise<FakeModelProcess> {
  const apiKey = 'test-key';
  const args = ['--port', '0', '--api-key', apiKey, ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)])];
  const child = startTs('test/helpers/fake-model-cli.ts', args);
  const { url } = JSON.parse(await firstLine(child, 30_000, 'fake model')) as { url: string };
  const origin = new URL(url).origin;
  return {
    url,
    apiKey,
    pid: child.pid ?? -1,
    async stats() {
      const res = await fetch(`${origin}/__stats`);
      return (await res.json()) as FakeStats;
    },
    async timings() {
      const res = await fetch(`${origin}/__timings`);
      return (await res.json()) as FakeTiming[];
    },
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child, 10_000);
    },
  };
}
