/**
 * The only module that talks to ffmpeg. fluent-ffmpeg is archived upstream; keeping every use of it
 * here means swapping it for a plain spawn touches one file.
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ffmpeg from 'fluent-ffmpeg';
import type { OutputFormat } from '../contracts/job-data.js';
import { CODECS } from './codecs.js';

/**
 * Codec and muxer of a book encoded in one pass (finalizeBook): the same encoder and container as
 * its parts (codecs.ts), so a one-pass book and a book joined from parts differ only in how they
 * were made. Opus and FLAC books from parts are in containers narrate writes itself; in one pass
 * ffmpeg's own muxer writes them (chapters as CHAPTERnnn comments).
 */
function outputOptions(format: OutputFormat): string[] {
  const codec = CODECS[format];
  return [...codec.encoder, ...(codec.container.length > 0 ? codec.container : ['-f', ONE_PASS_MUXER[format] ?? format])];
}

/** ffmpeg's muxer of a format whose parts are joined by narrate, not ffmpeg. */
const ONE_PASS_MUXER: Partial<Record<OutputFormat, string>> = { opus: 'ogg', flac: 'flac' };

/**
 * Packets ffmpeg may queue per input when it reads several inputs (each on its own thread). The
 * default, 8, makes it nap 10 ms each time a queue runs dry: a copy of small frames then crawls.
 */
export const INPUT_QUEUE_PACKETS = 4096;

/**
 * Encodes a WAV arriving on a stream (the book's segments joined as they are read from the store)
 * into `output`, with tags and chapters from an FFMETADATA1 file. -ignore_length: a book past
 * 4 GiB arrives with a streaming header, and its samples run to the end of the stream.
 */
export function encodeAudioStream(options: { input: Readable; metadataFile: string; output: string; format: OutputFormat; filter?: string; signal?: AbortSignal }): Promise<void> {
  return runFfmpeg(
    [
      '-thread_queue_size', String(INPUT_QUEUE_PACKETS), '-f', 'wav', '-ignore_length', '1', '-i', 'pipe:0',
      '-f', 'ffmetadata', '-i', options.metadataFile,
      '-map', '0:a', '-map_metadata', '1', '-map_chapters', '1',
      ...(options.filter ? ['-af', options.filter] : []),
      ...outputOptions(options.format),
      options.output,
    ],
    { input: options.input, ...(options.signal ? { signal: options.signal } : {}) },
  );
}

/** What ffprobe reports about a finished book. */
export interface ProbeResult {
  durationMs: number;
  chapters: { title: string; startMs: number; endMs: number }[];
  tags: Record<string, string>;
}

/** Reads duration, chapters and tags with ffprobe. */
export function probeAudio(path: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(path, ['-show_chapters'], (error, data) => {
      if (error) return reject(new Error(`ffprobe failed on ${path}: ${String(error.message ?? error)}`, { cause: error }));
      // fluent-ffmpeg parses ffprobe's flat output, so a chapter's title arrives as the key "TAG:title".
      type RawChapter = { start_time: number | string; end_time: number | string; 'TAG:title'?: string; tags?: { title?: string } };
      const chapters = ((data as unknown as { chapters?: RawChapter[] }).chapters ?? []).map((c) => ({
        title: c['TAG:title'] ?? c.tags?.title ?? '',
        startMs: Math.round(Number(c.start_time) * 1000),
        endMs: Math.round(Number(c.end_time) * 1000),
      }));
      // Ogg keeps its comments on the stream, other containers on the file: the file's win.
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...data.streams.find((s) => s.codec_type === 'audio')?.tags, ...data.format.tags })) tags[k.toLowerCase()] = String(v);
      resolve({ durationMs: Math.round(Number(data.format.duration ?? 0) * 1000), chapters, tags });
    });
  });
}

/**
 * Runs ffmpeg with `args` (an array, never a string), feeding `input` to its stdin and handing its
 * stdout to `output` when given: PCM or frames are piped, so no intermediate file holds a whole part or book. Rejects with the
 * last lines of ffmpeg's stderr; kills ffmpeg when `signal` aborts or the input fails.
 */
export function runFfmpeg(args: string[], options: { input?: AsyncIterable<Buffer>; output?: (piece: Buffer) => void; signal?: AbortSignal } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostats', '-loglevel', 'error', '-y', ...args], { stdio: [options.input ? 'pipe' : 'ignore', options.output ? 'pipe' : 'ignore', 'pipe'] });
    // `output` takes what ffmpeg writes to pipe:1 (a decode), piece by piece, as it comes.
    if (options.output) child.stdout!.on('data', options.output);
    let stderr = '';
    let failure: Error | undefined;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4_000);
    });
    const kill = () => child.kill('SIGKILL');
    options.signal?.addEventListener('abort', kill, { once: true });
    child.once('error', (error) => {
      failure ??= new Error(`ffmpeg could not start: ${error.message}`, { cause: error });
    });
    child.once('close', (code, sig) => {
      options.signal?.removeEventListener('abort', kill);
      if (failure) return reject(failure);
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      // ffmpeg 5.1 exits 0 when its output could not be written whole (a full disk while it
      // flushes or writes the trailer): its own words are the only sign, and the file is cut short.
      const unwritten = code === 0 ? OUTPUT_NOT_WRITTEN.exec(stderr) : null;
      if (code === 0 && !unwritten) return resolve();
      const error = new Error(`ffmpeg failed (${unwritten ? 'its output was not written whole' : (sig ?? `exit ${String(code)}`)})${tail ? `: ${tail}` : ''}`);
      const errno = errnoOf(stderr);
      reject(errno === undefined ? error : Object.assign(error, { code: errno }));
    });
    if (options.input) {
      const stdin = child.stdin!;
      // EPIPE when ffmpeg exits early: its exit status says why.
      stdin.on('error', () => undefined);
      pipeline(Readable.from(options.input), stdin).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_PREMATURE_CLOSE') return;
        failure ??= error instanceof Error ? error : new Error(String(error));
        kill();
      });
    }
  });
}

/** What ffmpeg says when it could not write its output (and may still exit 0). */
const OUTPUT_NOT_WRITTEN = /Error writing trailer|Error closing file|av_interleaved_write_frame\(\)|Error submitting a packet to the muxer/;

/** strerror texts ffmpeg prints, and the errno code each stands for: callers sort failures by code. */
const ERRNO_TEXTS: readonly (readonly [RegExp, string])[] = [
  [/No space left on device/i, 'ENOSPC'],
  [/Disk quota exceeded/i, 'EDQUOT'],
  [/Read-only file system/i, 'EROFS'],
  [/Permission denied/i, 'EACCES'],
];

/** The errno code of the file error ffmpeg's stderr reports, if any. */
function errnoOf(stderr: string): string | undefined {
  return ERRNO_TEXTS.find(([text]) => text.test(stderr))?.[1];
}
