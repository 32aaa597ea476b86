import { readFile } from 'node:fs/promises';
import { BOOK_FORMAT, frameBytes } from '../audio/wav-format.js';
import { NarrateError } from '../errors.js';
import type { PartJobData, PartResult, SynthesizeResult } from '../contracts/job-data.js';
import type { SegmentStore } from '../store/segment-store.js';
import { withBookOutput, dirOutputs, type OpenBookOutput } from '../store/open-book-output.js';
import { bookNames } from './book-paths.js';
import { codecOf, leadFrames, partGrid, type Codec } from './codecs.js';
import { runFfmpeg } from './ffmpeg.js';
import { partExtension, partFrameCount, partMuxer } from './part-stream.js';
import { layoutPart, type PartLayout } from './part-layout.js';
import { applyGain, partAudioFilter, segmentGainDb } from './part-hooks.js';
import { openSegment, segmentPcm, type OpenedSegment } from './segment-pcm.js';
import { ACX_ROOM_TONE_MS, ROOM_TONE_DBFS, roomTone } from './room-tone.js';
import { HEADROOM_DB, masterGainDb } from './master-gain.js';
import { segmentLoudnessOf } from './segment-loudness-of.js';
import { measureEncodedPart } from './measure-part.js';
import { presetOf } from './part-hooks.js';

const BLOCK = frameBytes(BOOK_FORMAT);
/** Silence is fed in pieces of this many bytes: one zero buffer, reused. */
const SILENCE = Buffer.alloc(64 * 1024);
/**
 * ACX's pauses and room tone: the same size of faint noise (see room-tone.ts), reused. Like every
 * segment it is fed HEADROOM_DB under its level, which the limiter filter adds back (master-gain.ts).
 */
const ROOM_TONE = roomTone(SILENCE.length / BLOCK, ROOM_TONE_DBFS - HEADROOM_DB);

/**
 * Encodes one part of a book from its stored segments: lays out its PCM (pause halves at either end,
 * the tail grown to whole coded frames), pipes it to ffmpeg (each segment scaled by its gain hook,
 * the filter hook applied) into a scratch file, and publishes the finished elementary stream into
 * the book's parts under its output (a directory, or the bucket of an s3:// --out, where the worker
 * that assembles the book reads it back). For a format that is not encoded (wav), only the layout is
 * worked out.
 */
export async function encodePart(data: PartJobData, results: SynthesizeResult[], store: SegmentStore, signal?: AbortSignal, outputs: OpenBookOutput = dirOutputs): Promise<PartResult> {
  const byIndex = new Map(results.map((r) => [r.index, r]));
  const segments = new Map<number, OpenedSegment>();
  const chunks: PartResult['chunks'] = [];
  const codec = codecOf(data.book.format, data.book.finish);
  for (const c of data.chunks) {
    const result = byIndex.get(c.index);
    if (!result) throw new Error(`part ${data.part} of book ${data.book.bookId}: no result for chunk ${c.index}`);
    // Where the samples are, as the chunk's job found or stored them (no HEAD on a bucket); a
    // result from before jobs carried it asks the store.
    const segment = await openSegment(store, result.key, BOOK_FORMAT, signal, result.segment);
    segments.set(c.index, segment);
    chunks.push({ ...result, samples: segment.wav.dataBytes / BLOCK });
  }
  const layout = layoutPart({
    chunks: data.chunks.map((c, i) => ({ index: c.index, pauseAfter: c.pauseAfter, samples: chunks[i]!.samples })),
    pauseBefore: data.pauseBefore,
    last: data.last,
    rate: BOOK_FORMAT.sampleRate,
    grid: partGrid(codec, BOOK_FORMAT.sampleRate),
    ...(presetOf(data.book).acx ? { roomTone: ACX_ROOM_TONE_MS } : {}),
  });
  const base = { part: data.part, samples: layout.samples, headSamples: layout.headSamples, tailSamples: layout.tailSamples, chunks };

  const name = bookNames(data.book, codec.extension).partFile(data.part, partExtension(codec));
  // Each segment's mastering gain, worked out once: fed to the encode, and reported in the manifest.
  const extraDb = await fileGainDb(layout, segments, data, store, signal);
  const gains = new Map<number, number>();
  for (const [index, segment] of segments) gains.set(index, (await segmentGainDb(store, segment, data.book, signal)) + extraDb);
  const reported = (index: number) => Math.round((gains.get(index)! + (presetOf(data.book).measure === undefined ? 0 : HEADROOM_DB)) * 100) / 100;
  return withBookOutput(outputs, data.book.outDir, async (out) => {
    const temp = await out.scratchPath(name);
    const filter = partAudioFilter(data.book);
    await runFfmpeg(
      [
        '-f', 's16le', '-ar', String(BOOK_FORMAT.sampleRate), '-ac', String(BOOK_FORMAT.channels), '-i', 'pipe:0',
        ...(filter ? ['-af', filter] : []),
        ...codec.encoder,
        ...(codec.sampleRate ? ['-ar', String(codec.sampleRate)] : []),
        ...partMuxer(codec),
        temp,
      ],
      { input: partPcm(layout, segments, gains, data, store, signal), ...(signal ? { signal } : {}) },
    );
    await checkFrames(codec, temp, layout);
    const loudness = await measureEncodedPart(codec, temp, signal);
    return { ...base, chunks: chunks.map((c) => ({ ...c, gainDb: reported(c.index) })), loudness, file: await out.publish(temp, name) };
  });
}

/** The part's PCM, piece by piece: silence from one reused buffer, segments streamed from the store. */
async function* partPcm(layout: PartLayout, segments: Map<number, OpenedSegment>, gains: Map<number, number>, data: PartJobData, store: SegmentStore, signal?: AbortSignal): AsyncGenerator<Buffer> {
  // ACX hears digital silence as an edit: its pauses and room tone are a faint, steady noise.
  const quiet = presetOf(data.book).acx ? ROOM_TONE : SILENCE;
  for (const entry of layout.entries) {
    if (entry.kind === 'silence') {
      for (let left = entry.samples * BLOCK; left > 0; left -= quiet.length) yield quiet.subarray(0, Math.min(left, quiet.length));
      continue;
    }
    const segment = segments.get(entry.index)!;
    const db = gains.get(entry.index)!;
    for await (const piece of segmentPcm(store, segment, signal)) yield quiet === ROOM_TONE ? withRoomTone(applyGain(piece, db)) : applyGain(piece, db);
  }
}

/**
 * Lays the room tone under a segment's samples (in place): the silences inside a reading (a voice
 * like espeak-ng pauses in digital zero) then hold the same faint floor as the pauses between
 * readings, as a recorded narration does; under speech it is 50 dB and more below the voice.
 */
function withRoomTone(pcm: Buffer): Buffer {
  for (let i = 0; i + 1 < pcm.length; i += 2) {
    const v = pcm.readInt16LE(i) + ROOM_TONE.readInt16LE(i % ROOM_TONE.length);
    pcm.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, i);
  }
  return pcm;
}

/**
 * A joined book is exact only if each part holds the frames the codec table promises: its samples in
 * whole frames plus the lead frames. A different ffmpeg could change that; stop rather than drift.
 */
async function checkFrames(codec: Codec, path: string, layout: PartLayout): Promise<void> {
  const codecSamples = (layout.samples * (codec.sampleRate ?? BOOK_FORMAT.sampleRate)) / BOOK_FORMAT.sampleRate;
  const expected = codecSamples / codec.frameSize + leadFrames(codec);
  const frames = partFrameCount(codec, await readFile(path));
  if (frames !== expected) {
    throw new NarrateError(
      `ffmpeg wrote ${frames} ${codec.format} frames for ${codecSamples} samples, the codec table (src/finalizer/codecs.ts) expects ${expected}: this ffmpeg encodes differently, update the table`,
      { retryable: false },
    );
  }
}

/** Most extra gain a one-part ACX chapter gets: "The End." alone is a second of voice in three of room tone. */
const MAX_FILE_GAIN_DB = 10;

/**
 * ACX measures RMS over each whole file, room tone and pauses included: a chapter that is one part
 * (credits, a short chapter) is mostly room tone, and its segments, each at the target, would leave
 * the file under ACX's -23 dB. Such a chapter is known whole when its one part is encoded, so its
 * segments get the extra gain (at most MAX_FILE_GAIN_DB; the limiter still holds the peaks) that brings the
 * file to the target. Longer chapters are mostly voice and sit at the target as they are. 0 otherwise.
 */
async function fileGainDb(layout: PartLayout, segments: Map<number, OpenedSegment>, data: PartJobData, store: SegmentStore, signal?: AbortSignal): Promise<number> {
  const preset = presetOf(data.book);
  if (!preset.acx || data.chapterParts.first !== data.chapterParts.last) return 0;
  let voice = 0;
  let voiced = 0;
  for (const segment of segments.values()) {
    const loudness = await segmentLoudnessOf(store, segment, signal);
    voice += loudness.sumSquares * 10 ** (masterGainDb(loudness, preset) / 10);
    voiced += loudness.samples;
  }
  const tone = (layout.samples - voiced) * 10 ** (ROOM_TONE_DBFS / 10);
  if (voice <= 0) return 0;
  const level = 10 * Math.log10((voice + tone) / layout.samples);
  return Math.round(Math.max(0, Math.min(MAX_FILE_GAIN_DB, preset.target - level)) * 100) / 100;
}
