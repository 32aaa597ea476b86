/** Section 12: what aligning every reading costs a worker, the same book narrated with NARRATE_ALIGN on and off. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, tempDir } from './cleanup.js';
import { startFakeModel } from './fake-model.js';
import type { BenchOptions } from './options.js';
import type { Report } from './report.js';
import { runFleet } from './run-fleet.js';
import { fixed } from './stats.js';

// Plain prose the fake reads aloud (flite's slt voice): five sentences a chunk, ~20 s of speech.
const SENTENCES = [
  'The harbour light fell across the quiet water.',
  'Old boats rocked gently near the stone walls.',
  'Gulls called over the fishermen mending their nets.',
  'In the warm kitchens, bread cooled slowly under the window.',
  'Each evening the keeper climbed the narrow stairs.',
  'He trimmed the wick and polished the brass until it shone.',
  'Distant ships passed without a sound.',
  'By morning the fog had lifted from the bay.',
  'The children ran down to the beach to look for shells.',
  'Nobody remembered a calmer summer than that one.',
];

/** `chunks` paragraphs (one chunk each), each "Passage n." and four sentences of the list, in a turning order. */
function book(chunks: number): string {
  const paragraphs: string[] = [];
  for (let i = 0; i < chunks; i++) {
    const picked = [0, 1, 2, 3].map((k) => SENTENCES[(i * 3 + k * 7) % SENTENCES.length]!);
    paragraphs.push(`Passage ${i + 1}. ${picked.join(' ')}`);
  }
  return `${paragraphs.join('\n\n')}\n`;
}

export async function alignCostSection(o: BenchOptions, report: Report): Promise<void> {
  const S = '12 align cost';
  process.stdout.write(`\n[12] align cost: worker CPU per chunk with NARRATE_ALIGN on and off, ${o.alignCostChunks} chunks of 5 sentences read aloud by the fake (flite)\n`);
  const dir = await tempDir('align-cost');
  const path = join(dir, 'harbour.txt');
  await writeFile(path, book(o.alignCostChunks));
  const fake = await startFakeModel({ latency: 200, 'read-text': 1 });
  try {
    const cpu: Record<'off' | 'on', number> = { off: NaN, on: NaN };
    let audioMs = NaN;
    let rejected = 0;
    // Off first: the fake renders and caches every sentence then, so both runs get the same audio as fast.
    for (const mode of ['off', 'on'] as const) {
      const r = await runFleet({
        name: `align-${mode}`,
        book: { path, maxChars: 400 },
        workers: 1,
        concurrency: 2,
        fake,
        timeoutMs: o.alignCostChunks * 20_000 + 120_000,
        align: mode === 'on',
        // The book's own manifest says how much audio the chunks hold, and what the check turned down.
        afterBook: async (run) => {
          const manifest = JSON.parse(await readFile(join(run.dir, 'out', 'harbour.json'), 'utf8')) as { chunks: { durationMs: number }[]; totals: { retriesByReason: Record<string, number> } };
          audioMs = manifest.chunks.reduce((n, c) => n + c.durationMs, 0);
          if (mode === 'on') rejected = manifest.totals.retriesByReason.alignment ?? 0;
        },
      });
      cpu[mode] = r.workerCpuMs / o.alignCostChunks;
      report.add({ section: S, metric: `worker CPU per chunk, NARRATE_ALIGN=${mode}`, value: `${fixed(cpu[mode], 0)} ms` });
    }
    report.add({ section: S, metric: 'alignment per chunk (on − off) / ratio on ÷ off', value: `${fixed(cpu.on - cpu.off, 0)} ms / ${fixed(cpu.on / cpu.off, 2)}×` });
    const minutes = audioMs / 60_000;
    report.add({ section: S, metric: `alignment per minute of audio (${fixed(audioMs / 1000 / o.alignCostChunks, 1)} s a chunk)`, value: `${fixed(((cpu.on - cpu.off) * o.alignCostChunks) / minutes, 0)} ms`, target: '≤ 2000 ms', ok: ((cpu.on - cpu.off) * o.alignCostChunks) / minutes <= 2000 });
    report.add({ section: S, metric: 'good readings the check turned down (reason alignment)', value: `${rejected} of ${o.alignCostChunks}` });
  } finally {
    await fake.stop();
    await removeDir(dir);
  }
}
