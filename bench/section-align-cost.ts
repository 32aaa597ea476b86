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

/** `chunks` paragraphs (one chunk each), each "Passage n." and `sentences` - 1 sentences of the list, in a turning order. */
function book(chunks: number, sentences: number): string {
  const paragraphs: string[] = [];
  for (let i = 0; i < chunks; i++) {
    const picked = Array.from({ length: sentences - 1 }, (_, k) => SENTENCES[(i * 3 + k * 7 + Math.floor(k / 10)) % SENTENCES.length]!);
    paragraphs.push(`Passage ${i + 1}. ${picked.join(' ')}`);
  }
  return `${paragraphs.join('\n\n')}\n`;
}

/** The chunk sizes measured: the short chunks of the first measurement, and chunks the size of a real book's (~70 s of speech). */
const SIZES = [
  { name: 'short', sentences: 5, maxChars: 400 },
  { name: 'book-size', sentences: 26, maxChars: 1500 },
] as const;

export async function alignCostSection(o: BenchOptions, report: Report): Promise<void> {
  for (const size of SIZES) {
    const chunks = size.name === 'short' ? o.alignCostChunks : o.alignCostLongChunks;
    if (chunks > 0) await measure(o, report, size, chunks);
  }
}

async function measure(o: BenchOptions, report: Report, size: (typeof SIZES)[number], chunks: number): Promise<void> {
  const S = '12 align cost';
  process.stdout.write(`\n[12] align cost: worker CPU per chunk with NARRATE_ALIGN on and off, ${chunks} chunks of ${size.sentences} sentences read aloud by the fake (flite)\n`);
  const dir = await tempDir('align-cost');
  const path = join(dir, 'harbour.txt');
  await writeFile(path, book(chunks, size.sentences));
  const fake = await startFakeModel({ latency: 200, 'read-text': 1 });
  try {
    const cpu: Record<'off' | 'on', number> = { off: NaN, on: NaN };
    let audioMs = NaN;
    let rejected = 0;
    // Off first: the fake renders and caches every sentence then, so both runs get the same audio as fast.
    for (const mode of ['off', 'on'] as const) {
      const r = await runFleet({
        name: `align-${size.name}-${mode}`,
        book: { path, maxChars: size.maxChars },
        workers: 1,
        concurrency: 2,
        fake,
        timeoutMs: chunks * size.sentences * 4_000 + 120_000,
        align: mode === 'on',
        // The book's own manifest says how much audio the chunks hold, and what the check turned down.
        afterBook: async (run) => {
          const manifest = JSON.parse(await readFile(join(run.dir, 'out', 'harbour.json'), 'utf8')) as { chunks: { durationMs: number }[]; totals: { retriesByReason: Record<string, number> } };
          if (manifest.chunks.length !== chunks) throw new Error(`align-cost: expected ${chunks} chunks, the book has ${manifest.chunks.length}`);
          audioMs = manifest.chunks.reduce((n, c) => n + c.durationMs, 0);
          if (mode === 'on') rejected = manifest.totals.retriesByReason.alignment ?? 0;
        },
      });
      cpu[mode] = r.workerCpuMs / chunks;
      report.add({ section: S, metric: `${size.name} chunks: worker CPU per chunk, NARRATE_ALIGN=${mode}`, value: `${fixed(cpu[mode], 0)} ms` });
    }
    report.add({ section: S, metric: `${size.name} chunks: alignment per chunk (on − off) / ratio on ÷ off`, value: `${fixed(cpu.on - cpu.off, 0)} ms / ${fixed(cpu.on / cpu.off, 2)}×` });
    const minutes = audioMs / 60_000;
    const perMinute = ((cpu.on - cpu.off) * chunks) / minutes;
    report.add({ section: S, metric: `${size.name} chunks: alignment per minute of audio (${fixed(audioMs / 1000 / chunks, 1)} s a chunk)`, value: `${fixed(perMinute, 0)} ms`, target: '≤ 2000 ms', ok: perMinute <= 2000 });
    report.add({ section: S, metric: `${size.name} chunks: good readings the check turned down (reason alignment)`, value: `${rejected} of ${chunks}` });
  } finally {
    await fake.stop();
    await removeDir(dir);
  }
}
