/**
 * Room tone for ACX: ACX asks for 0.5–1 s of it at the head of every file and 1–5 s at the tail,
 * a noise floor at or below -60 dB, and hears digital silence as a sign of editing. narrate's
 * pauses are made, not recorded, so they are filled with a faint, steady noise well under that floor.
 */

/** Head and tail of every ACX chapter file (ms): inside ACX's 0.5–1 s and 1–5 s with margin for the voice's own lead-in. */
export const ACX_ROOM_TONE_MS = Object.freeze({ headMs: 600, tailMs: 1_200 });

/** RMS of the room tone, dBFS: 6 dB under ACX's -60 dB noise floor; much fainter and LAME's absolute threshold of hearing drops it from the MP3 (digital silence again). */
export const ROOM_TONE_DBFS = -66;

/**
 * `samples` of 16-bit mono PCM of gentle noise at `dbfs` RMS, the same every time (a fixed seed):
 * the sum of four uniform draws (near-Gaussian), low-passed once so it hisses less.
 */
export function roomTone(samples: number, dbfs = ROOM_TONE_DBFS): Buffer {
  const out = Buffer.alloc(samples * 2);
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0xffffffff - 0.5;
  };
  const raw = new Float64Array(samples);
  let previous = 0;
  let power = 0;
  for (let i = 0; i < samples; i++) {
    const white = next() + next() + next() + next();
    previous = 0.5 * previous + 0.5 * white;
    raw[i] = previous;
    power += previous * previous;
  }
  const scale = (32768 * 10 ** (dbfs / 20)) / Math.sqrt(power / samples);
  for (let i = 0; i < samples; i++) out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(raw[i]! * scale))), i * 2);
  return out;
}
