/** Where speech starts and ends in a clip, in samples (end exclusive); start === end when it is silent. */
export interface Extent {
  start: number;
  end: number;
}

/** Short frames, so an onset is found to within a few milliseconds. */
const FRAME_MS = 5;

/**
 * The span from the first to the last short frame whose RMS level is within `rangeDb` of the clip's
 * loudest frame: the speech of one rendered sentence without its leading and trailing silence. A level
 * relative to the loudest frame works for quiet and loud voices alike.
 */
export function speechExtent(samples: ArrayLike<number>, sampleRate: number, rangeDb = 40): Extent {
  const frame = Math.max(1, Math.round((FRAME_MS * sampleRate) / 1000));
  const frames = Math.ceil(samples.length / frame);
  const power = new Float64Array(frames);
  let loudest = 0;
  for (let k = 0; k < frames; k++) {
    let sum = 0;
    const end = Math.min(samples.length, (k + 1) * frame);
    for (let i = k * frame; i < end; i++) sum += samples[i]! * samples[i]!;
    power[k] = sum / Math.max(1, end - k * frame);
    if (power[k]! > loudest) loudest = power[k]!;
  }
  if (loudest === 0) return { start: 0, end: 0 };
  const threshold = loudest * 10 ** (-rangeDb / 10);
  let first = 0;
  while (first < frames && power[first]! < threshold) first++;
  let last = frames - 1;
  while (last > first && power[last]! < threshold) last--;
  return { start: first * frame, end: Math.min(samples.length, (last + 1) * frame) };
}
