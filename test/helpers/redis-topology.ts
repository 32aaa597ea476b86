/**
 * Private Redis topologies for tests, started from the installed redis-server on loopback ports
 * found free at run time: a 3-master Redis Cluster, and a master + replica watched by 3 sentinels.
 * Every server is a process this file started; stop() SIGKILLs each one and removes nothing else.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, lostPortRace, ping } from './redis-server.js';
import { spawnProcess, type SpawnedProcess } from './spawn-worker.js';
import { waitUntil } from './wait-until.js';

const exec = promisify(execFile);

/** A started set of servers. */
export interface Topology {
  /** Every process, for diagnostics. */
  readonly servers: readonly { role: string; port: number; process: SpawnedProcess }[];
  /** SIGKILLs every server still running and waits for each to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** The last lines each server wrote, for failure messages. */
  describe(): string;
}

async function startServer(role: string, port: number, args: string[], cwd: string): Promise<SpawnedProcess> {
  const started = spawnProcess('redis-server', args, {}, { cwd });
  await waitUntil(`${role} on port ${port} to answer PING`, async () => {
    if (!started.running()) throw new Error(`${role} exited: ${started.output().slice(-1_000)}`);
    return ping(port);
  }, { timeoutMs: 15_000, describe: () => started.output().slice(-1_000) });
  return started;
}

/**
 * Starts a server on `count` fresh free ports (its own, then any it needs besides, like the
 * cluster bus); if another process binds one of them first, tries again on new ports, up to 4
 * times. `prepare` writes what the server needs for those ports and gives its arguments.
 */
async function startOnFreePorts(role: string, count: number, cwd: string, prepare: (ports: number[]) => Promise<string[]>): Promise<{ port: number; process: SpawnedProcess }> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    const args = await prepare(ports);
    try {
      return { port: ports[0]!, process: await startServer(role, ports[0]!, args, cwd) };
    } catch (error) {
      if (attempt >= 4 || !lostPortRace(String(error))) throw error;
    }
  }
}

function topology(servers: { role: string; port: number; process: SpawnedProcess }[]): Topology {
  return {
    servers,
    async stop() {
      for (const s of servers) s.process.signal('SIGKILL');
      await Promise.all(servers.map((s) => s.process.waitForExit(5_000)));
    },
    describe: () => servers.map((s) => `--- ${s.role} :${s.port} ${s.process.running() ? 'running' : 'exited'}\n${s.process.output().slice(-600)}`).join('\n'),
  };
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await exec('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 });
  return stdout;
}

/** A Redis Cluster of `masters` masters (no replicas), slots spread by `redis-cli --cluster create`. */
export async function startCluster(dir: string, masters = 3): Promise<Topology & { nodes: string }> {
  const servers: { role: string; port: number; process: SpawnedProcess }[] = [];
  const cluster = topology(servers);
  try {
    for (let i = 0; i < masters; i++) {
      const home = join(dir, `node-${i}`);
      await mkdir(home, { recursive: true });
      // The cluster bus needs a port too; by default port+10000, which may be taken or out of range.
      const role = `cluster node ${i}`;
      const started = await startOnFreePorts(role, 2, home, async ([port, busPort]) => [
        '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', home, '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '3000', '--appendonly', 'no', '--save', '', '--protected-mode', 'no', '--daemonize', 'no',
      ]);
      servers.push({ role, ...started });
    }
    await exec('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await waitUntil('every node to report cluster_state:ok', async () => {
      const infos = await Promise.all(servers.map((s) => redisCli(s.port, 'cluster', 'info').catch(() => '')));
      return infos.every((info) => info.includes('cluster_state:ok'));
    }, { timeoutMs: 30_000, intervalMs: 200, describe: cluster.describe });
    return { ...cluster, nodes: servers.map((s) => `127.0.0.1:${s.port}`).join(',') };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** A master, its replica, and three sentinels watching them as `name` (quorum 2, fast failover). */
export async function startSentinels(dir: string, name = 'narrate-test'): Promise<Topology & { sentinels: string; name: string; master: SpawnedProcess; masterPort: number; replicaPort: number; currentMaster(): Promise<number> }> {
  const servers: { role: string; port: number; process: SpawnedProcess }[] = [];
  const set = topology(servers);
  try {
    const common = ['--bind', '127.0.0.1', '--appendonly', 'no', '--save', '', '--protected-mode', 'no', '--daemonize', 'no'];
    const start = async (role: string, extra: string[]) => {
      const home = join(dir, role);
      await mkdir(home, { recursive: true });
      const started = await startOnFreePorts(role, 1, home, async ([port]) => ['--port', String(port), '--dir', home, ...common, ...extra]);
      servers.push({ role, ...started });
      return started.port;
    };
    const masterPort = await start('master', []);
    const replicaPort = await start('replica', ['--replicaof', '127.0.0.1', String(masterPort)]);
    await waitUntil('the replica to be in sync', async () => (await redisCli(replicaPort, 'info', 'replication')).includes('master_link_status:up'), {
      timeoutMs: 20_000,
      intervalMs: 200,
      describe: set.describe,
    });
    for (let i = 0; i < 3; i++) {
      const role = `sentinel ${i}`;
      const home = join(dir, `sentinel-${i}`);
      await mkdir(home, { recursive: true });
      // Sentinel rewrites its config file as it learns the topology: each gets its own, writable.
      const conf = join(home, 'sentinel.conf');
      const started = await startOnFreePorts(role, 1, home, async ([port]) => {
        await writeFile(conf, [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `dir ${home}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'));
        return [conf, '--sentinel'];
      });
      servers.push({ role, ...started });
    }
    const sentinelPorts = servers.filter((s) => s.role.startsWith('sentinel')).map((s) => s.port);
    await waitUntil('every sentinel to know the replica and the other sentinels', async () => {
      const views = await Promise.all(sentinelPorts.map((p) => redisCli(p, 'sentinel', 'master', name).catch(() => '')));
      return views.every((v) => /num-slaves\n1\n/.test(v) && /num-other-sentinels\n2\n/.test(v));
    }, { timeoutMs: 30_000, intervalMs: 250, describe: set.describe });
    return {
      ...set,
      name,
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
      master: servers[0]!.process,
      masterPort,
      replicaPort,
      async currentMaster() {
        const answer = await redisCli(sentinelPorts[0]!, 'sentinel', 'get-master-addr-by-name', name);
        return Number(answer.trim().split('\n')[1]);
      },
    };
  } catch (error) {
    await set.stop();
    throw error;
  }
}
