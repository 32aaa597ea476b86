/**
 * The spool's sweep against real processes: a worker killed with SIGKILL leaves its in-flight audio
 * behind; a process starting on the same host removes it at once, while the files of a process
 * still running, of another host stay until they are six hours old, and readings kept for a retry
 * (paid for, waiting for `narrate retry`) until they are fourteen days old.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioSpool } from '../../src/store/audio-spool.js';

const SPOOL_MODULE = fileURLToPath(new URL('../../dist/store/audio-spool.js', import.meta.url));

/** A process that writes one spool file (through the compiled AudioSpool, as a worker would), prints its path and waits. */
function spoolWriter(dir: string): Promise<{ child: ChildProcess; path: string }> {
  const script = `
    const { AudioSpool } = await import(${JSON.stringify(SPOOL_MODULE)});
    const { writeFileSync } = await import('node:fs');
    const path = await new AudioSpool(${JSON.stringify(dir)}).newPath();
    writeFileSync(path, 'audio in flight');
    console.log(path);
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (path) => resolve({ child, path }));
    child.once('exit', (code) => reject(new Error(`spool writer exited with ${String(code)} before writing`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('AudioSpool.sweep', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-spool-sweep-'));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('removes the files of dead processes on this host at once, and only old files of anyone else', async () => {
    const killed = await spoolWriter(dir);
    const running = await spoolWriter(dir);
    children.push(killed.child, running.child);
    killed.child.kill('SIGKILL');
    await exited(killed.child);

    const spool = new AudioSpool(dir);
    const own = await spool.newPath();
    writeFileSync(own, 'mine');
    // The same PID on another host (a shared directory store's spool): not ours to judge.
    const otherHost = join(dir, `${hostname() === 'elsewhere' ? 'elsewhere2' : 'elsewhere'}+${killed.child.pid}+abc+0123456789ab.wav`);
    writeFileSync(otherHost, 'theirs');
    const oldOtherHost = join(dir, 'elsewhere+1+abc+0123456789ab.wav');
    writeFileSync(oldOtherHost, 'old');
    mkdirSync(join(dir, 'kept'));
    const kept = join(dir, 'kept', `${'ab'.repeat(32)}.wav`);
    writeFileSync(kept, 'a reading waiting for its retry');
    const dayOldKept = join(dir, 'kept', `${'ef'.repeat(32)}.wav`);
    writeFileSync(dayOldKept, 'a reading waiting since yesterday');
    const oldKept = join(dir, 'kept', `${'cd'.repeat(32)}.wav`);
    writeFileSync(oldKept, 'forgotten');
    const sevenHoursAgo = new Date(Date.now() - 7 * 3600_000);
    for (const path of [oldOtherHost, dayOldKept]) await utimes(path, sevenHoursAgo, sevenHoursAgo);
    const fifteenDaysAgo = new Date(Date.now() - 15 * 86_400_000);
    await utimes(oldKept, fifteenDaysAgo, fifteenDaysAgo);

    expect(await readdir(dir)).toContain(basename(killed.path));
    expect(await spool.sweep()).toBe(3);
    expect((await readdir(dir)).sort()).toEqual([basename(running.path), basename(own), basename(otherHost), 'kept'].sort());
    expect((await readdir(join(dir, 'kept'))).sort()).toEqual([basename(kept), basename(dayOldKept)].sort());

    // Once the running one is gone too, its file goes with the next sweep.
    running.child.kill('SIGKILL');
    await exited(running.child);
    expect(await spool.sweep()).toBe(1);
    expect(await readdir(dir)).not.toContain(basename(running.path));
  });
});
