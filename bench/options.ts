/**
 * The bench's parameters: a flag, else BENCH_<FLAG> from the environment (e.g. BENCH_CHUNKS=500),
 * else the default of the chosen mode (`--quick` for a smoke run of a minute or two).
 */
import { parseArgs } from 'node:util';

export const SECTIONS = ['fleet', 'rate', 'memory', 'finalize', 'finish', 'voices', 'align', 'readalong', 'listings', 'cast', 'align-cost', 'library'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  sections: Section[];
  /** 1+2. Chunks of the fleet and naive runs, their characters, the fake's latency, the fleet's shape. */
  chunks: number;
  chunkChars: number;
  latency: number;
  workers: number;
  concurrency: number;
  /** 1b. The side-by-side comparison of the directory and S3 stores: its chunks, each worker's concurrency, and how many alternated rounds (the best of each counts). */
  s3Chunks: number;
  s3Concurrency: number;
  s3Rounds: number;
  /** 3. The provider's limit and NARRATE_RPM (the same number), and how many chunks to push through it. */
  rpm: number;
  rateChunks: number;
  /** 4. One worker at this concurrency narrating chunks of `memSeconds` of audio each. */
  memChunks: number;
  memConcurrency: number;
  memSeconds: number;
  memLatency: number;
  memJitter: number;
  /** 5. Book lengths (hours) to finalize to WAV against cat, the length of each segment, and the m4b length. */
  finalizeHours: number[];
  segmentSeconds: number;
  m4bHours: number;
  /** Timed runs of each finalize and cat measurement; the fastest counts (page-cache noise). */
  finalizeRepeats: number;
  /**
   * 6. Corpus books narrated to m4b (`file:charsPerSecond,...`, the fake's speech rate setting each
   * book's length), the fake's latency and jitter per call, and each worker's concurrency.
   */
  finishBooks: string;
  finishLatency: number;
  finishJitter: number;
  finishConcurrency: number;
  /** 7. How many of the fixed corpus paragraphs each offline voice reads to the recognizer (at most 6). */
  voiceParagraphs: number;
  /**
   * 8. Sentence alignment: chunks of real books (`alignBooks`, names in ../shared/corpus or absolute
   * paths) for the check's detection and false-rejection rates, and chunks per language and pace for accuracy.
   */
  alignChunks: number;
  /** 8. Italian readings for the check: windows of the Italian fixture's sentences (bench/align-chunks.ts). */
  alignItalianChunks: number;
  alignAccuracyChunks: number;
  alignBooks: string;
  /** 10. Book records a listing pages over (`narrate list`, `status`, the Books page). */
  listingBooks: number;
  /** 12. Worker CPU per chunk with alignment on and off: chunks of ~5 sentences each run, read aloud by the fake (flite). */
  alignCostChunks: number;
  /** 12. The same with chunks the size of a real book's (26 sentences, ~70 s of speech each). */
  alignCostLongChunks: number;
  /** 13. A library submitted at once: small two-chapter books, and 10-hour books (around-the-world.txt, each copy its own book). */
  libraryBooks: number;
  libraryLongBooks: number;
  /** 13. Small books submitted to a 3-master Redis Cluster, once over one hash tag and once over NARRATE_SHARDS=3: the spread of keys and memory. */
  libraryClusterBooks: number;
  /**
   * 1. The commit whose reply → stored segment path (decode, loudness meter, put; bench/worker-cpu-cost.ts)
   * this code's is measured against, alternated in one process: by default the last one before the
   * meter was reworked (issue 21), when it cost 7.0 ms per 1 MiB reply.
   */
  workerCpuBase: string;
  /** Hard bound on the whole run, in seconds. */
  timeout: number;
}

type NumericKey = Exclude<keyof BenchOptions, 'quick' | 'sections' | 'finalizeHours' | 'finishBooks' | 'alignBooks' | 'workerCpuBase'>;

const FULL: Pick<BenchOptions, NumericKey | 'finalizeHours' | 'finishBooks' | 'alignBooks' | 'workerCpuBase'> = {
  chunks: 2000,
  chunkChars: 100,
  latency: 250,
  workers: 2,
  concurrency: 16,
  s3Chunks: 600,
  s3Concurrency: 4,
  s3Rounds: 3,
  rpm: 600,
  // 80 s at 600 rpm: the fake counts over a sliding 60 s window, so only a run longer than that can draw a 429.
  rateChunks: 800,
  memChunks: 48,
  memConcurrency: 16,
  memSeconds: 300,
  memLatency: 3000,
  memJitter: 2000,
  finalizeHours: [1, 10],
  segmentSeconds: 300,
  m4bHours: 1,
  finalizeRepeats: 3,
  // Alice (12 chapters) read at 20 characters a second is a 2-hour book; Around the World in
  // Eighty Days (one chapter: its headings are removed) at 10 is a 10-hour one.
  finishBooks: 'alice.txt:20,around-the-world.txt:10',
  // ~80 s of speech per 1200-character chunk in ~12 s: a provider reading at ~7× real time per call.
  finishLatency: 12_000,
  finishJitter: 4_000,
  finishConcurrency: 4,
  voiceParagraphs: 6,
  // 400 chunks: enough good readings that no rejection among them puts the rate under 1% with some margin.
  alignChunks: 400,
  alignItalianChunks: 80,
  alignAccuracyChunks: 24,
  alignBooks: 'alice.txt,around-the-world.txt',
  workerCpuBase: '254e2a2',
  listingBooks: 10_000,
  alignCostChunks: 40,
  alignCostLongChunks: 8,
  libraryBooks: 10_000,
  libraryLongBooks: 10,
  libraryClusterBooks: 3_000,
  timeout: 5400,
};

const QUICK: typeof FULL = {
  ...FULL,
  chunks: 300,
  s3Chunks: 200,
  s3Rounds: 1,
  rateChunks: 150,
  memChunks: 16,
  finalizeHours: [0.25, 1],
  m4bHours: 0.25,
  // Alice at 40 characters a second (the verbatim check's duration floor is 0.3× of 15): an hour.
  finishBooks: 'alice.txt:40',
  finishLatency: 4_000,
  voiceParagraphs: 2,
  alignChunks: 40,
  alignItalianChunks: 8,
  alignAccuracyChunks: 6,
  listingBooks: 1_000,
  alignCostChunks: 8,
  alignCostLongChunks: 2,
  libraryBooks: 1_000,
  libraryLongBooks: 2,
  libraryClusterBooks: 500,
  timeout: 900,
};

const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (key: string) => `BENCH_${flagName(key).replace(/-/g, '_').toUpperCase()}`;

/** Parses argv (without node and script); throws with a message naming the flag on a bad value. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const numeric = Object.keys(FULL).filter((k) => k !== 'finalizeHours' && k !== 'finishBooks' && k !== 'alignBooks' && k !== 'workerCpuBase') as NumericKey[];
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'finalize-hours': { type: 'string' },
      'finish-books': { type: 'string' },
      'align-books': { type: 'string' },
      'worker-cpu-base': { type: 'string' },
      ...Object.fromEntries(numeric.map((k) => [flagName(k), { type: 'string' as const }])),
    },
    strict: true,
  });
  const flags = values as Record<string, string | boolean | undefined>;
  const raw = (key: string): string | undefined => {
    const flag = flags[flagName(key)];
    return typeof flag === 'string' ? flag : env[envName(key)];
  };
  const quick = values.quick === true || env.BENCH_QUICK === '1';
  const base = quick ? QUICK : FULL;
  const options = { ...base, quick } as BenchOptions;
  for (const key of numeric) {
    const given = raw(key);
    if (given === undefined) continue;
    const n = Number(given);
    // Latency and jitter may be 0 (an instant model); counts and sizes may not.
    const min = key === 'latency' || key === 'memLatency' || key === 'memJitter' || key === 'finishJitter' ? 0 : Number.MIN_VALUE;
    if (given.trim() === '' || !Number.isFinite(n) || n < min) {
      throw new Error(`Expected \`--${flagName(key)}\` to be a finite number ${min === 0 ? '>= 0' : '> 0'}, got \`${given}\``);
    }
    options[key] = n;
  }
  const hours = raw('finalizeHours');
  if (hours !== undefined) {
    options.finalizeHours = hours.split(',').map(Number);
    if (options.finalizeHours.some((h) => !(h > 0))) throw new Error(`Expected \`--finalize-hours\` to be hours > 0 separated by commas, got \`${hours}\``);
  }
  const books = raw('finishBooks');
  if (books !== undefined) options.finishBooks = books;
  const alignBooks = raw('alignBooks');
  if (alignBooks !== undefined) options.alignBooks = alignBooks;
  const workerCpuBase = raw('workerCpuBase');
  if (workerCpuBase !== undefined) options.workerCpuBase = workerCpuBase;
  const only = raw('only');
  options.sections = only === undefined ? [...SECTIONS] : (only.split(',') as Section[]);
  const unknown = options.sections.filter((s) => !SECTIONS.includes(s));
  if (unknown.length > 0) throw new Error(`Expected \`--only\` to list some of ${SECTIONS.join(', ')}, got \`${unknown.join(',')}\``);
  for (const key of ['chunks', 's3Chunks', 's3Concurrency', 's3Rounds', 'workers', 'concurrency', 'rateChunks', 'memChunks', 'memConcurrency', 'finalizeRepeats', 'finishConcurrency', 'alignChunks', 'alignItalianChunks', 'alignAccuracyChunks', 'listingBooks', 'alignCostChunks', 'alignCostLongChunks', 'libraryBooks', 'libraryLongBooks', 'libraryClusterBooks'] as const) {
    if (!Number.isInteger(options[key])) throw new Error(`Expected \`--${flagName(key)}\` to be an integer, got \`${options[key]}\``);
  }
  return options;
}
