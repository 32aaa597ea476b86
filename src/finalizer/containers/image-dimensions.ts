/** Channels per PNG colour type (PNG §11.2.2): grey, -, RGB, palette index, grey+alpha, -, RGBA. */
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Width, height and bits per pixel of a JPEG (its SOFn segment) or PNG (its IHDR chunk), read from
 * the header alone; undefined when the bytes are neither or the header is cut short. FLAC's
 * PICTURE block and METADATA_BLOCK_PICTURE carry these numbers (0 where unknown).
 */
export function imageDimensions(data: Buffer): { width: number; height: number; depth: number } | undefined {
  if (data.length >= 26 && data.readUInt32BE(0) === 0x89504e47 && data.toString('latin1', 12, 16) === 'IHDR') {
    const channels = PNG_CHANNELS[data[25]!];
    return { width: data.readUInt32BE(16), height: data.readUInt32BE(20), depth: channels === undefined ? 0 : data[24]! * channels };
  }
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) return undefined;
    const marker = data[at + 1]!;
    // Fill bytes (0xFF) may precede a marker; RSTn, SOI, EOI and TEM stand alone, without a length.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd9) || marker === 0x01) {
      at += 2;
      continue;
    }
    const length = data.readUInt16BE(at + 2);
    // SOF0–SOF15 carry the frame's size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 10 > data.length) return undefined;
      return { height: data.readUInt16BE(at + 5), width: data.readUInt16BE(at + 7), depth: data[at + 4]! * data[at + 9]! };
    }
    at += 2 + length;
  }
  return undefined;
}
