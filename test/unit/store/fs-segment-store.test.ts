import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textKey } from '../../../src/store/text-key.js';
import { tone } from '../../../src/audio/tone.js';
import { BOOK_FORMAT } from '../../../src/audio/wav-format.js';
import { writeWav } from '../../../src/audio/write-wav.js';
import { FsSegmentStore } from '../../../src/store/fs-segment-store.js';
import type { SegmentMeta } from '../../../src/store/stored-segment.js';

const run = promisify(execFile);
const KEY = 'ab'.padEnd(64, '0');

function meta(transcript: string): SegmentMeta {
  return {
    key: KEY,
    provider: 'chat-audio',
    model: 'gpt-4o-audio-preview',
    voice: 'alloy',
    durationMs: 1500,
    transcript,
    similarity: 0.97,
    calls: 2,
    rejections: [{ reason: 'cut-off', detail: 'finish_reason length' }],
    usage: { promptTokens: 10, completionTokens: 20, totalTokens: 30 },
    createdAt: '2026-11-24T00:00:00.000Z',
  };
}

describe('FsSegmentStore', () => {
  let dir: string;
  let store: FsSegmentStore;
  const pcm = tone(BOOK_FORMAT, 1500, 440);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-store-'));
    store = new FsSegmentStore(join(dir, 'segments'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function putOne(transcript: string): Promise<void> {
    const spooled = await store.spool().fromBuffer(writeWav(BOOK_FORMAT, pcm));
    await store.put(KEY, spooled.path, meta(transcript));
  }

  it('keeps text objects by content beside the segments: read back, listed as texts/<hash>, removed', async () => {
    const body = Buffer.from(JSON.stringify({ chunks: [{ index: 0, text: 'The lamp was lit at dusk.' }] }));
    const key = textKey(body);
    expect(await store.getText(key)).toBeUndefined();
    await store.putText(key, body);
    // Stored again (a rerun, a second book of the same text): still one object, its time refreshed.
    await store.putText(key, body);
    expect((await store.getText(key))?.equals(body)).toBe(true);
    const listed = [];
    for await (const o of store.list()) listed.push(o.key);
    expect(listed.filter((k) => k.includes(key))).toEqual([`texts/${key}`]);
    await store.remove(`texts/${key}`);
    expect(await store.getText(key)).toBeUndefined();
  });

  it('answers undefined for a segment never stored', async () => {
    expect(await store.get('cd'.padEnd(64, '1'))).toBeUndefined();
  });

  it('keeps audio and metadata in one file and gives both back', async () => {
    // An odd-length transcript with non-ASCII text: the chunk's pad byte and UTF-8 both matter.
    await putOne('Café, “quoted”.');
    const stored = await store.get(KEY);
    expect(stored?.meta).toEqual(meta('Café, “quoted”.'));
    expect(stored?.audio).toEqual({ path: store.audioPath(KEY), format: BOOK_FORMAT, dataOffset: 44, dataBytes: pcm.length, durationMs: 1500 });
    expect(await readdir(join(dir, 'segments', 'ab'))).toEqual([`${KEY}.wav`]);
    expect(await readdir(join(dir, 'segments', '.spool'))).toEqual([]);
  });

  it('leaves a WAV that ffmpeg reads whole, with the RIFF size covering the metadata', async () => {
    await putOne('Three words here');
    const file = await readFile(store.audioPath(KEY));
    expect(file.readUInt32LE(4)).toBe(file.length - 8);
    expect(file.subarray(44, 44 + pcm.length).equals(pcm)).toBe(true);
    const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=duration,sample_rate', '-of', 'json', store.audioPath(KEY)]);
    const stream = (JSON.parse(stdout) as { streams: { duration: string; sample_rate: string }[] }).streams[0]!;
    expect(Number(stream.duration)).toBeCloseTo(1.5, 3);
    expect(stream.sample_rate).toBe('24000');
  });

  it('does not trust a WAV without its metadata, or with torn metadata', async () => {
    await writeFile(store.audioPath(KEY), writeWav(BOOK_FORMAT, pcm));
    expect(await store.get(KEY)).toBeUndefined();
    await putOne('A transcript long enough to tear in the middle of its JSON.');
    const size = (await readFile(store.audioPath(KEY))).length;
    await truncate(store.audioPath(KEY), size - 10);
    expect(await store.get(KEY)).toBeUndefined();
    await writeFile(store.audioPath(KEY), 'not a wav at all');
    expect(await store.get(KEY)).toBeUndefined();
  });
});
