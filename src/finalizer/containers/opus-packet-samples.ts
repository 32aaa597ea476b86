import { AudioFormatError } from '../../errors.js';

/**
 * Frame length in 48 kHz samples for each TOC configuration (RFC 6716 §3.1, table 2): SILK-only
 * 0–11 (10, 20, 40, 60 ms), hybrid 12–15 (10, 20 ms), CELT-only 16–31 (2.5, 5, 10, 20 ms).
 */
const FRAME_SAMPLES = [
  ...Array.from({ length: 12 }, (_, c) => [480, 960, 1920, 2880][c % 4]!),
  ...Array.from({ length: 4 }, (_, c) => [480, 960][c % 2]!),
  ...Array.from({ length: 16 }, (_, c) => [120, 240, 480, 960][c % 4]!),
];

/**
 * Duration of an Opus packet in 48 kHz samples, read from its TOC byte (RFC 6716 §3.1): the
 * configuration's frame length times the frame count (code 0: one frame, 1 and 2: two, 3: the count
 * in the second byte). Throws AudioFormatError on a packet that cannot be an Opus packet.
 */
export function opusPacketSamples(packet: Uint8Array): number {
  const toc = packet[0];
  if (toc === undefined) throw new AudioFormatError('an Opus packet is empty: every packet has at least its TOC byte');
  const frame = FRAME_SAMPLES[toc >> 3]!;
  const code = toc & 0x03;
  let frames = code === 0 ? 1 : 2;
  if (code === 3) {
    const count = packet[1];
    if (count === undefined) throw new AudioFormatError('an Opus code-3 packet lacks its frame count byte');
    frames = count & 0x3f;
    if (frames === 0) throw new AudioFormatError('an Opus code-3 packet says it holds 0 frames');
  }
  // RFC 6716 §3.2.5: a packet lasts at most 120 ms.
  if (frame * frames > 5760) throw new AudioFormatError(`an Opus packet of ${frames} frames of ${frame / 48} ms exceeds the 120 ms a packet may last`);
  return frame * frames;
}
