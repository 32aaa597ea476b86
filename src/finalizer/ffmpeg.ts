/**
 * The only module that talks to ffmpeg. fluent-ffmpeg is archived upstream; keeping every use of it
 * here means swapping it for a plain spawn touches one file.
 */
import ffmpeg from 'fluent-ffmpeg';
import type { OutputFormat } from '../queue/job-data.js';

/** Codec and muxer per output format. Arrays, never strings pasted together. */
const OUTPUT_OPTIONS: Record<OutputFormat, string[]> = {
  // m4b is MP4 audio; the ipod muxer writes the chapter track audiobook players read.
  m4b: ['-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-f', 'ipod'],
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-id3v2_version', '3', '-f', 'mp3'],
  // Segments are already PCM in one format: copy, no re-encoding. rf64 lets a book pass 4 GiB.
  wav: ['-c:a', 'copy', '-rf64', 'auto', '-f', 'wav'],
};

/** Joins the files named in a concat list into `output`, with tags and chapters from an FFMETADATA1 file. */
export function concatAudio(options: { listFile: string; metadataFile: string; output: string; format: OutputFormat; signal?: AbortSignal }): Promise<void> {
  return new Promise((resolve, reject) => {
    const command = ffmpeg()
      // -safe 0: the list holds absolute paths into the segment store.
      .input(options.listFile)
      .inputOptions(['-f', 'concat', '-safe', '0'])
      .input(options.metadataFile)
      .inputOptions(['-f', 'ffmetadata'])
      .outputOptions(['-map', '0:a', '-map_metadata', '1', '-map_chapters', '1', ...OUTPUT_OPTIONS[options.format]])
      .output(options.output)
      .on('end', () => resolve())
      .on('error', (error: Error, _stdout: string | null, stderr: string | null) => {
        const tail = (stderr ?? '').trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`ffmpeg failed: ${error.message}${tail ? ` (${tail})` : ''}`, { cause: error }));
      });
    options.signal?.addEventListener('abort', () => command.kill('SIGKILL'), { once: true });
    command.run();
  });
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
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(data.format.tags ?? {})) tags[k.toLowerCase()] = String(v);
      resolve({ durationMs: Math.round(Number(data.format.duration ?? 0) * 1000), chapters, tags });
    });
  });
}
