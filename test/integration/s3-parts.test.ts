/**
 * Parts encoded from a bucket: finish's part encode reads segments only through the store's head and
 * readSamples, so a part made from segments in S3 is the same file, byte for byte, as one made from
 * the same segments in a directory, and costs no HEAD when its chunks' jobs said where the samples are. A
 * book going to --out s3:// has its parts published into the bucket, where whichever worker
 * assembles the book reads them back.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../src/audio/tone.js';
import { BOOK_FORMAT } from '../../src/audio/wav-format.js';
import { writeWav } from '../../src/audio/write-wav.js';
import { loadConfig } from '../../src/config.js';
import { encodePart } from '../../src/finalizer/encode-part.js';
import type { BookSettings, PartJobData, SynthesizeResult } from '../../src/contracts/job-data.js';
import { bookOutputs } from '../../src/store/open-book-output.js';
import { FsSegmentStore } from '../../src/store/fs-segment-store.js';
import { S3SegmentStore } from '../../src/store/s3-segment-store.js';
import type { SegmentStore } from '../../src/store/segment-store.js';
import type { SegmentMeta } from '../../src/store/stored-segment.js';
import { parseS3Url } from '../../src/store/store-location.js';
import { decodePcm } from '../helpers/decode-pcm.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

const BUCKET = 'parts-test';
const keyOf = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
// Odd lengths in ms, two different tones: a part that is the same file from both stores proves every sample came through.
const SEGMENTS = [
  { key: keyOf(1), pcm: tone(BOOK_FORMAT, 1_237, 440) },
  { key: keyOf(2), pcm: tone(BOOK_FORMAT, 2_011, 660) },
];

/** Sum of squares of 16-bit samples, scaled to full scale. */
function energy(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += (v / 32768) ** 2;
  return sum;
}

function meta(key: string, durationMs: number): SegmentMeta {
  return { key, provider: 'offline', model: 'espeak', voice: 'en', durationMs, transcript: 'a', similarity: 1, calls: 1, rejections: [], usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 }, createdAt: '2026-11-30T00:00:00.000Z' };
}

function partOf(outDir: string, format: BookSettings['format'] = 'm4b'): { data: PartJobData; results: SynthesizeResult[] } {
  const book: BookSettings = { bookId: 'b1', title: 'T', author: 'A', voice: 'en', format, outDir, slug: 't', submittedAt: '2026-11-30T00:00:00.000Z' };
  const data: PartJobData = {
    bookId: 'b1',
    book,
    part: 0,
    chapter: 0,
    chapterTitle: 'One',
    chapters: 1,
    chapterParts: { first: 0, last: 0 },
    chunks: SEGMENTS.map((_, index) => ({ index, pauseAfter: 'paragraph' as const })),
    pauseBefore: undefined,
    last: true,
  };
  const results = SEGMENTS.map((s, index): SynthesizeResult => ({ index, key: s.key, provider: 'offline', model: 'espeak', durationMs: 0, chars: 1, cached: false, calls: 1, similarity: 1, rejections: [], usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 } }));
  return { data, results };
}

describe('parts encoded from an S3 segment store', () => {
  let s3: S3TestServer;
  let dir: string;
  let s3Store: S3SegmentStore;
  let fsStore: FsSegmentStore;

  const fill = async (store: SegmentStore) => {
    for (const s of SEGMENTS) {
      const spooled = await store.spool().fromBuffer(writeWav(BOOK_FORMAT, s.pcm));
      await store.put(s.key, spooled.path, meta(s.key, (s.pcm.length / 2 / BOOK_FORMAT.sampleRate) * 1000));
    }
  };

  beforeAll(async () => {
    s3 = await startS3Server([BUCKET]);
    dir = await mkdtemp(join(tmpdir(), 'narrate-s3-parts-'));
    const url = `s3://${BUCKET}/segments`;
    s3Store = new S3SegmentStore(parseS3Url(url), loadConfig({ ...s3.env, NARRATE_STORE_URL: url }).s3, join(dir, 'spool'));
    fsStore = new FsSegmentStore(join(dir, 'segments'));
    await fill(s3Store);
    await fill(fsStore);
  });
  afterAll(async () => {
    await s3Store?.close();
    await s3?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('streams the samples from the bucket into the same part a directory gives', async () => {
    const fromS3 = partOf(join(dir, 'out-s3'));
    const fromFs = partOf(join(dir, 'out-fs'));
    const gets = s3.requests.GET ?? 0;
    const a = await encodePart(fromS3.data, fromS3.results, s3Store);
    const b = await encodePart(fromFs.data, fromFs.results, fsStore);
    // One ranged GET per segment: the audio really came from the bucket.
    expect((s3.requests.GET ?? 0) - gets).toBe(SEGMENTS.length);
    expect(a.chunks.map((c) => c.samples)).toEqual(SEGMENTS.map((s) => s.pcm.length / 2));
    expect(a.samples).toBe(b.samples);
    expect(a.file).toBeDefined();
    expect((await readFile(a.file!)).equals(await readFile(b.file!))).toBe(true);
    // And the part holds the tones themselves (the same energy, within the codec's loss), not silence.
    const stored = SEGMENTS.reduce((n, s) => n + energy(new Int16Array(s.pcm.buffer, s.pcm.byteOffset, s.pcm.length / 2)), 0);
    const heard = energy(await decodePcm(a.file!));
    expect(heard / stored).toBeGreaterThan(0.9);
    expect(heard / stored).toBeLessThan(1.1);
  });

  it('encodes a part from where its chunks\' jobs found the samples, without a HEAD; older results still HEAD, for the same part', async () => {
    const { data, results } = partOf(join(dir, 'out-known'));
    // What a synthesize job reports of the segment it found or stored (its head, and its loudness).
    const known = await Promise.all(results.map(async (r) => {
      const head = (await s3Store.head(r.key))!;
      return { ...r, segment: { wav: head.wav, ...(head.meta.loudness ? { loudness: head.meta.loudness } : {}) } };
    }));
    const heads = s3.requests.HEAD ?? 0;
    const part = await encodePart(data, known, s3Store);
    expect((s3.requests.HEAD ?? 0) - heads).toBe(0);
    // Results from before jobs carried it: the heads say.
    const old = await encodePart(partOf(join(dir, 'out-old')).data, results, s3Store);
    expect((s3.requests.HEAD ?? 0) - heads).toBe(SEGMENTS.length);
    expect(part.chunks.map((c) => c.samples)).toEqual(SEGMENTS.map((s) => s.pcm.length / 2));
    expect((await readFile(part.file!)).equals(await readFile(old.file!))).toBe(true);
  });

  it('publishes the part of a book going to --out s3:// into the bucket, the same bytes as in a directory', async () => {
    const outputs = bookOutputs(loadConfig({ ...s3.env }).s3);
    const { data, results } = partOf(`s3://${BUCKET}/books/`);
    const fromFs = partOf(join(dir, 'out-fs2'));
    const puts = (s3.requests.PUT ?? 0) + (s3.requests.POST ?? 0);
    const result = await encodePart(data, results, s3Store, undefined, outputs);
    const local = await encodePart(fromFs.data, fromFs.results, fsStore);
    expect(result.file).toBe(`s3://${BUCKET}/books/.narrate-parts/b1/p00000.aac`);
    expect((s3.requests.PUT ?? 0) + (s3.requests.POST ?? 0)).toBeGreaterThan(puts);
    expect(result.chunks.map((c) => c.samples)).toEqual(SEGMENTS.map((s) => s.pcm.length / 2));
    const out = await outputs(data.book.outDir);
    try {
      const bytes: Buffer[] = [];
      for await (const piece of await out.read('.narrate-parts/b1/p00000.aac')) bytes.push(piece as Buffer);
      expect(Buffer.concat(bytes).equals(await readFile(local.file!))).toBe(true);
      // Removing the book's parts once it is assembled empties the prefix.
      expect(await out.modifiedAt('.narrate-parts/b1/p00000.aac')).toBeInstanceOf(Date);
      await out.removeAll('.narrate-parts/b1');
      expect(await out.modifiedAt('.narrate-parts/b1/p00000.aac')).toBeUndefined();
    } finally {
      await out.close();
    }
  });
});
