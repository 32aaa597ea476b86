/**
 * Where a worker's CPU per chunk goes after the model has answered, stage by stage, on a reply of
 * real speech (the offline voice, as the fake model sends it), in this one process:
 *   npx tsx bench/worker-cpu-cost.ts [--bytes 1048576] [--rounds 60]
 * Stages: the reply's JSON scanned and its base64 decoded into the spool file (decode + spool
 * write), the loudness measurement (read back and metered, as the worker used to; and metered in
 * the decode's own pass, as it does now), the meter's parts alone (K-weighting and gates, true
 * peak), and the store's put (metadata appended, renamed into place). Sentence alignment is not
 * in it: it has its own budget (bench section 8).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const { values } = parseArgs({ options: { bytes: { type: 'string', default: String(1024 * 1024) }, rounds: { type: 'string', default: '60' }, piece: { type: 'string', default: '65536' } } });
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

async function extract(): Promise<{ path: string } & ReturnType<typeof readSpooledAudio>> {
  const extractor = new AudioDataExtractor(spool);
  for (const p of pieces) await extractor.push(p);
  const json = JSON.parse(await extractor.end()) as { choices: [{ message: { audio: { data: string } } }] };
  return readSpooledAudio(json.choices[0].message.audio.data);
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
    await store.put(`bench${n++}`, file.path, { key: 'k', provider: 'p', model: 'm', voice: 'v', durationMs: file.durationMs, transcript: 'words', similarity: 1, calls: 1, rejections: [], usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 }, createdAt: new Date().toISOString() });
    const used = process.cpuUsage(start);
    putCpu += (used.user + used.system) / 1000;
  }) && 0,
]);
// The row above charged extract + put; report the put alone from its own counter.
rows[rows.length - 1]![1] = putCpu / (3 * rounds + 1);

console.log(`reply: ${(wav.length / 1048576).toFixed(2)} MiB of WAV (${(pcm.length / 2 / BOOK_FORMAT.sampleRate).toFixed(1)} s of speech), ${(body.length / 1048576).toFixed(2)} MiB of JSON, in ${pieces.length} pieces; CPU per chunk, best of 3 × ${rounds} rounds`);
for (const [name, ms] of rows) console.log(`${ms.toFixed(2).padStart(7)} ms  ${name}`);
await rm(dir, { recursive: true, force: true });
