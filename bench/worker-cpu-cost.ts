/**
 * Where a worker's CPU per chunk goes after the model has answered, stage by stage, on a reply of
 * real speech (the offline voice, as the fake model sends it), in this one process:
 *   npx tsx bench/worker-cpu-cost.ts [--bytes 1048576] [--rounds 60] [--base <git rev>] [--json]
 * Stages: the reply's JSON scanned and its base64 decoded into the spool file (decode + spool
 * write), the loudness measurement (read back and metered, as the worker used to; and metered in
 * the decode's own pass, as it does now), the meter's parts alone (K-weighting and gates, true
 * peak), and the store's put (metadata appended, renamed into place). Sentence alignment is not
 * in it: it has its own budget (bench section 12).
 *
 * `--base <rev>` also runs the reply → stored segment path (decode, meter, put) of that commit's
 * src/ (extracted from git into a temp dir), alternating batches with this code's in this one
 * process (round by round, medians), and prints both and their ratio: a figure that holds on a loaded machine, where the
 * absolute ones move by a third from run to run. `--json` prints only that comparison, as one
 * JSON line (bench section 1 reads it).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { BOOK_FORMAT } from '../src/audio/wav-format.js';
import { wavHeader } from '../src/audio/write-wav.js';
import { measureSegmentLoudness } from '../src/audio/segment-loudness.js';
import { LoudnessMeter } from '../src/audio/loudness-meter.js';
import { TruePeakMeter } from '../src/audio/true-peak-meter.js';
import { AudioSpool } from '../src/store/audio-spool.js';
import { FsSegmentStore } from '../src/store/fs-segment-store.js';
import { AudioDataExtractor, readSpooledAudio } from '../src/providers/audio-spool-fetch.js';
import { fillWithSpeech, loadSpeechBank } from '../test/helpers/speech-bank.js';
import { ReferenceLoudnessMeter } from '../test/helpers/reference-loudness-meter.js';

const { values } = parseArgs({
  options: { bytes: { type: 'string', default: String(1024 * 1024) }, rounds: { type: 'string', default: '60' }, piece: { type: 'string', default: '65536' }, base: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const bytes = Number(values.bytes);
const rounds = Number(values.rounds);
const piece = Number(values.piece);

const bank = await loadSpeechBank();
const pcm = fillWithSpeech(bank, Math.floor(bytes / 2), 7);
const wav = Buffer.concat([wavHeader(BOOK_FORMAT, pcm.length), pcm]);
const body = Buffer.from(
  JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: null, audio: { id: 'audio_x', data: wav.toString('base64'), expires_at: 0, transcript: 'words' } } }] }),
);
const pieces: Buffer[] = [];
for (let at = 0; at < body.length; at += piece) pieces.push(Buffer.from(body.subarray(at, at + piece)));

const dir = await mkdtemp(join(tmpdir(), 'narrate-worker-cpu-'));
const spool = new AudioSpool(join(dir, '.spool'));
const store = new FsSegmentStore(join(dir, 'store'));

/** CPU (user + system) per round of `fn`, in ms, best of three batches (another process's burst lands in one, not all). */
async function cpuPerRound(fn: (round: number) => Promise<unknown> | unknown): Promise<number> {
  await fn(-1);
  let best = Infinity;
  for (let batch = 0; batch < 3; batch++) {
    const start = process.cpuUsage();
    for (let r = 0; r < rounds; r++) await fn(batch * rounds + r);
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000 / rounds);
  }
  return best;
}

/** The modules of the reply → stored segment path: this checkout's, or a base commit's. */
interface ReplyPath {
  AudioDataExtractor: typeof AudioDataExtractor;
  readSpooledAudio: typeof readSpooledAudio;
  AudioSpool: typeof AudioSpool;
  FsSegmentStore: typeof FsSegmentStore;
}

/** The reply's audio decoded into `into`'s spool (and metered, where that code meters as it decodes). */
async function extractWith(path: ReplyPath, into: AudioSpool): Promise<{ path: string } & ReturnType<typeof readSpooledAudio>> {
  const extractor = new path.AudioDataExtractor(into);
  for (const p of pieces) await extractor.push(p);
  const json = JSON.parse(await extractor.end()) as { choices: [{ message: { audio: { data: string } } }] };
  return path.readSpooledAudio(json.choices[0].message.audio.data);
}

const extract = () => extractWith({ AudioDataExtractor, readSpooledAudio, AudioSpool, FsSegmentStore }, spool);

const meta = (durationMs: number) => ({ key: 'k', provider: 'p', model: 'm', voice: 'v', durationMs, transcript: 'words', similarity: 1, calls: 1, rejections: [], usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, createdAt: new Date().toISOString() });

if (values.base !== undefined) {
  const base = await loadBase(values.base);
  try {
    const ours = replyToSegment({ AudioDataExtractor, readSpooledAudio, AudioSpool, FsSegmentStore }, join(dir, 'ours'));
    const theirs = replyToSegment(base.path, join(dir, 'base'));
    for (let i = 0; i < 10; i++) {
      await (await ours())();
      await (await theirs())();
    }
    // Round by round, alternating which goes first; the medians: a burst of another process's work
    // lands in a few rounds of either side, not in one side's figure.
    const ourRounds: number[] = [];
    const baseRounds: number[] = [];
    for (let r = 0; r < 5 * rounds; r++) {
      const [first, second] = r % 2 === 0 ? [ours, theirs] : [theirs, ours];
      const a = await cpuOf(first);
      const b = await cpuOf(second);
      ourRounds.push(r % 2 === 0 ? a : b);
      baseRounds.push(r % 2 === 0 ? b : a);
    }
    const best = { ours: median(ourRounds), base: median(baseRounds) };
    const result = { bytes: wav.length, base: values.base, baseMs: best.base, ms: best.ours, ratio: best.ours / best.base };
    if (values.json) console.log(JSON.stringify(result));
    else console.log(`reply → stored segment (decode, meter, put), ${(wav.length / 1048576).toFixed(2)} MiB of WAV, median of ${5 * rounds} alternated rounds: ${best.ours.toFixed(2)} ms here, ${best.base.toFixed(2)} ms at ${values.base}: ${result.ratio.toFixed(2)}×`);
  } finally {
    await rm(base.dir, { recursive: true, force: true });
  }
  if (values.json) {
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  }
}

/**
 * A reply decoded into a spool and put into a directory store, by the given code; returns what
 * removes the segment again (not measured), so the run does not fill the disk: 600 segments kept
 * made the kernel reclaim pages during the writes, and that cost moved from run to run.
 */
function replyToSegment(path: ReplyPath, root: string): () => Promise<() => Promise<void>> {
  const ownSpool = new path.AudioSpool(join(root, '.spool'));
  const ownStore = new path.FsSegmentStore(join(root, 'store'));
  let n = 0;
  return async () => {
    const file = await extractWith(path, ownSpool);
    const key = `seg${n++}`;
    await ownStore.put(key, file.path, meta(file.durationMs));
    return () => ownStore.remove(key);
  };
}

/** CPU (user + system) of one round of `fn`, in ms; what it returns to clean up runs after the measurement. */
async function cpuOf(fn: () => Promise<() => Promise<void>>): Promise<number> {
  const start = process.cpuUsage();
  const cleanup = await fn();
  const used = process.cpuUsage(start);
  await cleanup();
  return (used.user + used.system) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** `rev`'s src/ (and package.json, for its module type) in a temp dir that resolves this checkout's node_modules, imported. */
async function loadBase(rev: string): Promise<{ dir: string; path: ReplyPath }> {
  const root = new URL('..', import.meta.url).pathname;
  const baseDir = await mkdtemp(join(tmpdir(), 'narrate-worker-cpu-base-'));
  const tar = execFileSync('git', ['archive', '--format=tar', rev, 'src', 'package.json'], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', baseDir], { input: tar });
  await symlink(join(root, 'node_modules'), join(baseDir, 'node_modules'));
  const load = (file: string) => import(pathToFileURL(join(baseDir, 'src', file)).href);
  const [fetchMod, spoolMod, storeMod] = await Promise.all([load('providers/audio-spool-fetch.ts'), load('store/audio-spool.ts'), load('store/fs-segment-store.ts')]);
  return { dir: baseDir, path: { AudioDataExtractor: fetchMod.AudioDataExtractor, readSpooledAudio: fetchMod.readSpooledAudio, AudioSpool: spoolMod.AudioSpool, FsSegmentStore: storeMod.FsSegmentStore } };
}

const kept = await extract();
const rows: [string, number][] = [];
rows.push(['decode + spool write (JSON scan, base64, meter in the same pass, file written)', await cpuPerRound(async () => spool.discard((await extract()).path))]);
rows.push(['loudness read back from the spool file and metered (the old second pass)', await cpuPerRound(() => measureSegmentLoudness(kept))]);
const samples = new Float64Array(pcm.length / 2);
const view = new Int16Array(pcm.buffer, pcm.byteOffset, samples.length);
for (let i = 0; i < samples.length; i++) samples[i] = view[i]! / 32768;
rows.push(['meter alone, in memory: LoudnessMeter.pushPcm16 (K-weighting, gates, true peak)', await cpuPerRound(() => new LoudnessMeter(BOOK_FORMAT.sampleRate).pushPcm16(pcm))]);
rows.push(['  of which true peak alone (TruePeakMeter, 4×)', await cpuPerRound(() => new TruePeakMeter(4).push(samples))]);
rows.push(['reference meter (the implementation before this change), in memory', await cpuPerRound(() => new ReferenceLoudnessMeter(BOOK_FORMAT.sampleRate).pushPcm16(pcm))]);
let n = 0;
let putCpu = 0;
rows.push([
  'store put (metadata appended, renamed into place)',
  await cpuPerRound(async () => {
    const file = await extract();
    // Only the put is charged: the extract is the first row's.
    const start = process.cpuUsage();
    await store.put(`bench${n++}`, file.path, meta(file.durationMs));
    const used = process.cpuUsage(start);
    putCpu += (used.user + used.system) / 1000;
  }) && 0,
]);
// The row above charged extract + put; report the put alone from its own counter.
rows[rows.length - 1]![1] = putCpu / (3 * rounds + 1);

console.log(`reply: ${(wav.length / 1048576).toFixed(2)} MiB of WAV (${(pcm.length / 2 / BOOK_FORMAT.sampleRate).toFixed(1)} s of speech), ${(body.length / 1048576).toFixed(2)} MiB of JSON, in ${pieces.length} pieces; CPU per chunk, best of 3 × ${rounds} rounds`);
for (const [name, ms] of rows) console.log(`${ms.toFixed(2).padStart(7)} ms  ${name}`);
await rm(dir, { recursive: true, force: true });
