import { spawn } from 'node:child_process';

/** Decodes an audio file with ffmpeg to 16-bit mono PCM at `rate`: what a player would play. */
export function decodePcm(path: string, rate = 24_000): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-i', path, '-f', 's16le', '-ac', '1', '-ar', String(rate), 'pipe:1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg could not decode ${path}: ${err}`));
      const buf = Buffer.concat(out);
      resolve(new Int16Array(buf.buffer, buf.byteOffset, buf.length / 2));
    });
  });
}

/** The lag (in samples, within ±maxLag) at which `actual` best matches `expected[from..from+length)`. */
export function bestLag(expected: Int16Array, actual: Int16Array, from: number, length: number, maxLag: number): number {
  let best = 0;
  let bestScore = -Infinity;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let dot = 0;
    let energy = 0;
    for (let i = from; i < from + length; i++) {
      const a = actual[i + lag] ?? 0;
      dot += expected[i]! * a;
      energy += a * a;
    }
    const score = energy === 0 ? -Infinity : dot / Math.sqrt(energy);
    if (score > bestScore) {
      bestScore = score;
      best = lag;
    }
  }
  return best;
}

/** Signal-to-error ratio (dB) of `actual` against `expected` over [from, to). */
export function snrDb(expected: Int16Array, actual: Int16Array, from = 0, to = expected.length): number {
  let signal = 0;
  let error = 0;
  for (let i = from; i < to; i++) {
    const e = expected[i]!;
    const d = (actual[i] ?? 0) - e;
    signal += e * e;
    error += d * d;
  }
  return 10 * Math.log10(signal / Math.max(error, 1));
}
