import ffmpeg from 'fluent-ffmpeg';

/** Loudness of a finished file as ffmpeg's own `ebur128` filter reports it (the manifest's figures). */
export interface FileLoudness {
  /** Integrated loudness, LUFS. */
  integrated: number;
  /** True peak, dBTP (ffmpeg oversamples to 192 kHz). */
  truePeak: number;
  /** Loudness range, LU. */
  lra: number;
}

/**
 * Decodes `path` once through `ebur128=peak=true` and reads its summary. ffmpeg prints one
 * decimal, which is what the manifest reports. A file too short or too quiet to gate reads -70.
 */
export function measureFileLoudness(path: string, signal?: AbortSignal): Promise<FileLoudness> {
  return new Promise((resolve, reject) => {
    const command = ffmpeg()
      .input(path)
      // Video (a cover) is not decoded: only the audio is measured.
      .outputOptions(['-map', '0:a:0', '-vn', '-sn'])
      .audioFilters('ebur128=peak=true')
      .format('null')
      .output('-')
      .on('end', (_stdout: string | null, stderr: string | null) => {
        try {
          resolve(parseEbur128Summary(stderr ?? ''));
        } catch (error) {
          reject(error);
        }
      })
      .on('error', (error: Error, _stdout: string | null, stderr: string | null) => {
        const tail = (stderr ?? '').trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`ffmpeg could not measure ${path}: ${error.message}${tail ? ` (${tail})` : ''}`, { cause: error }));
      });
    signal?.addEventListener('abort', () => command.kill('SIGKILL'), { once: true });
    command.run();
  });
}

/** Reads I, LRA and the true peak from the summary ebur128 prints at the end of its log. */
export function parseEbur128Summary(log: string): FileLoudness {
  const summary = log.slice(log.lastIndexOf('Summary:'));
  const number = (re: RegExp, what: string): number => {
    const match = re.exec(summary);
    if (!match) throw new Error(`ffmpeg's ebur128 summary has no ${what}`);
    return match[1] === '-inf' ? -Infinity : Number(match[1]);
  };
  return {
    integrated: number(/I:\s+(-?[\d.]+|-inf) LUFS/, 'integrated loudness'),
    lra: number(/LRA:\s+(-?[\d.]+) LU/, 'loudness range'),
    truePeak: number(/True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS/, 'true peak'),
  };
}
