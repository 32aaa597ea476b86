/** Estimates the frequency of a pure tone in mono 16-bit PCM from its zero crossings; 0 when there is no tone. */
export function dominantFrequency(pcm: Buffer, sampleRate: number): number {
  const count = Math.floor(pcm.length / 2);
  let peak = 0;
  for (let i = 0; i < count; i++) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i * 2)));
  if (peak === 0) return 0;
  // A dead band around zero keeps low-level noise from adding crossings; it delays up and down crossings alike, so periods stay exact.
  const threshold = peak * 0.05;
  let positive: boolean | undefined;
  let first = -1;
  let last = -1;
  let flips = 0;
  for (let i = 0; i < count; i++) {
    const s = pcm.readInt16LE(i * 2);
    const next = s > threshold ? true : s < -threshold ? false : positive;
    if (positive !== undefined && next !== positive) {
      if (first < 0) first = i;
      last = i;
      flips++;
    }
    positive = next;
  }
  if (flips < 2 || last === first) return 0;
  // Two crossings per cycle; measuring between the first and last crossing avoids partial cycles at the edges.
  return ((flips - 1) / 2) * (sampleRate / (last - first));
}
