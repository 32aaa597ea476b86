/** Where speech starts and ends in a clip, in samples (end exclusive); start === end when it is silent. */
export interface Extent {
  start: number;
  end: number;
}

/** Short frames, so an onset is found to within a few milliseconds. */
const FRAME_MS = 5;
/** Frames in a row that must be loud enough: 15 ms. */
const SUSTAIN = 3;

/**
 * The span from the first to the last run of three short frames (15 ms) whose RMS level is within
 * `rangeDb` of the clip's loudest frame: the speech of one rendered sentence without its leading and trailing silence. A level
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
  // Speech is sustained: a click (a synthesizer's joint, a lip smack) louder than the threshold for one frame is not its start.
  const heard = (k: number) => {
    for (let i = k; i < Math.min(frames, k + SUSTAIN); i++) if (power[i]! < threshold) return false;
    return true;
  };
  let first = 0;
  while (first < frames && !heard(first)) first++;
  if (first === frames) return { start: 0, end: 0 };
  let last = frames - 1;
  while (last > first && !heard(Math.max(first, last - SUSTAIN + 1))) last--;
  return { start: first * frame, end: Math.min(samples.length, (last + 1) * frame) };
}
