import { describe, it, expect } from 'vitest';
import { AudioFormatError } from '../../../src/errors.js';
import { BOOK_FORMAT, type WavFormat } from '../../../src/audio/wav-format.js';
import { parseWav, readWavInfo } from '../../../src/audio/parse-wav.js';
import { wavHeader, writeWav } from '../../../src/audio/write-wav.js';
import { durationMs } from '../../../src/audio/wav-duration.js';
import { silence } from '../../../src/audio/silence.js';
import { resamplePcm16 } from '../../../src/audio/resample.js';
import { tone } from '../../../src/audio/tone.js';
import { dominantFrequency } from '../../../src/audio/dominant-frequency.js';

// The first bytes of a real gpt-4o-audio-preview answer (reference page): RIFF and data sizes are 0xFFFFFFFF.
const STREAMED_PREFIX =
  'UklGRv////9XQVZFZm10IBAAAAABAAEAwF0AAIC7AAACABAAZGF0Yf////8YABAAEgAXABEAFwASABQAFQAVABcADAAPAAsAEgAOABEACwANABAACgALAAMADQAHABAACAAKAAcACgAFAAQACAAHAAUABQAFAAIACAAAAAgA';

function chunk(id: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, body.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function fmtBody(format: WavFormat, code = 1): Buffer {
  // The 16 fmt bytes of a canonical header, with the format code swapped.
  const body = Buffer.from(wavHeader(format, 0).subarray(20, 36));
  body.writeUInt16LE(code, 0);
  return body;
}

function riff(...chunks: Buffer[]): Buffer {
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(4 + chunks.reduce((n, c) => n + c.length, 0), 4);
  head.write('WAVE', 8, 'latin1');
  return Buffer.concat([head, ...chunks]);
}

function expectFormatError(fn: () => unknown, text: string): void {
  expect(fn).toThrow(AudioFormatError);
  expect(fn).toThrow(text);
}

describe('parseWav', () => {
  it('reads the streaming header the service sends and takes data to the end', () => {
    const buf = Buffer.from(STREAMED_PREFIX, 'base64');
    expect(buf.readUInt32LE(4)).toBe(0xffffffff);
    expect(buf.readUInt32LE(40)).toBe(0xffffffff);
    const { format, data } = parseWav(buf);
    expect(format).toEqual({ sampleRate: 24000, channels: 1, bitsPerSample: 16 });
    expect(data.length).toBe(buf.length - 44);
    expect(data.readInt16LE(0)).toBe(24);
  });

  it('drops an odd trailing byte so samples stay whole', () => {
    const buf = Buffer.concat([Buffer.from(STREAMED_PREFIX, 'base64'), Buffer.from([0x7f])]);
    const { data } = parseWav(buf);
    expect(data.length % 2).toBe(0);
    expect(data.length).toBe(buf.length - 45);
  });

  it('takes data to the end when the declared size overruns the buffer', () => {
    const wav = writeWav(BOOK_FORMAT, tone(BOOK_FORMAT, 100, 440));
    const truncated = wav.subarray(0, 44 + 1001);
    expect(parseWav(truncated).data.length).toBe(1000);
  });

  it('skips a LIST chunk (with odd-size padding) before data', () => {
    const pcm = tone(BOOK_FORMAT, 50, 440);
    const buf = riff(chunk('fmt ', fmtBody(BOOK_FORMAT)), chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00abc')), chunk('data', pcm));
    const { format, data } = parseWav(buf);
    expect(format).toEqual(BOOK_FORMAT);
    expect(data.equals(pcm)).toBe(true);
  });

  it('accepts WAVE_FORMAT_EXTENSIBLE with a PCM subformat', () => {
    const ext = Buffer.concat([fmtBody(BOOK_FORMAT, 0xfffe), Buffer.from([22, 0, 16, 0, 4, 0, 0, 0, 1, 0]), Buffer.alloc(14)]);
    const buf = riff(chunk('fmt ', ext), chunk('data', silence(BOOK_FORMAT, 10)));
    expect(parseWav(buf).format).toEqual(BOOK_FORMAT);
  });

  it('parses 8-bit and 44.1 kHz files with their own format', () => {
    for (const format of [
      { sampleRate: 8000, channels: 1, bitsPerSample: 8 },
      { sampleRate: 44100, channels: 2, bitsPerSample: 16 },
    ]) {
      const pcm = tone(format, 20, 440);
      const parsed = parseWav(writeWav(format, pcm));
      expect(parsed.format).toEqual(format);
      expect(parsed.data.equals(pcm)).toBe(true);
    }
  });

  it('rejects a JSON body as "not WAV", showing its start', () => {
    const body = Buffer.from('{"error":{"message":"Rate limit reached"}}');
    expectFormatError(() => parseWav(body), 'not WAV: starts with "{\\"error\\"');
  });

  it('shows binary garbage as hex', () => {
    expectFormatError(() => parseWav(Buffer.from([0, 1, 2, 0xff, 0xfe, 9, 9, 9, 9, 9, 9, 9])), 'not WAV: starts with 0x000102fffe');
  });

  it('rejects an empty buffer', () => {
    expectFormatError(() => parseWav(Buffer.alloc(0)), 'empty');
  });

  it('rejects a header with no samples as empty audio', () => {
    expectFormatError(() => parseWav(wavHeader(BOOK_FORMAT, 0)), 'empty audio');
    expectFormatError(() => parseWav(Buffer.from(STREAMED_PREFIX, 'base64').subarray(0, 45)), 'empty audio');
  });

  it('rejects non-PCM, a missing fmt chunk and a missing data chunk', () => {
    const floatFmt = riff(chunk('fmt ', fmtBody({ sampleRate: 24000, channels: 1, bitsPerSample: 32 }, 3)), chunk('data', Buffer.alloc(8)));
    expectFormatError(() => parseWav(floatFmt), 'not PCM');
    expectFormatError(() => parseWav(riff(chunk('data', Buffer.alloc(8)))), 'no fmt chunk');
    expectFormatError(() => parseWav(riff(chunk('fmt ', fmtBody(BOOK_FORMAT)))), 'no data chunk');
  });
});

describe('writeWav', () => {
  it('writes a correct 44-byte header that parseWav reads back', () => {
    const pcm = tone(BOOK_FORMAT, 250, 300);
    const wav = writeWav(BOOK_FORMAT, pcm);
    expect(wav.length).toBe(44 + pcm.length);
    expect(wav.readUInt32LE(4)).toBe(36 + pcm.length);
    expect(wav.readUInt32LE(28)).toBe(48000);
    expect(wav.readUInt32LE(40)).toBe(pcm.length);
    const back = parseWav(wav);
    expect(back.format).toEqual(BOOK_FORMAT);
    expect(back.data.equals(pcm)).toBe(true);
  });
});

describe('durations', () => {
  it('computes milliseconds from bytes', () => {
    expect(durationMs(BOOK_FORMAT, 48000)).toBe(1000);
    expect(durationMs({ sampleRate: 44100, channels: 2, bitsPerSample: 16 }, 176400 / 2)).toBe(500);
  });

  it('reads format and size from the first bytes of a stored file', () => {
    const wav = writeWav(BOOK_FORMAT, silence(BOOK_FORMAT, 1500));
    const info = readWavInfo(wav.subarray(0, 64));
    expect(info).toEqual({ format: BOOK_FORMAT, dataOffset: 44, dataBytes: 72000, durationMs: 1500 });
  });

  it('bounds a streaming header by the file size', () => {
    const head = Buffer.from(STREAMED_PREFIX, 'base64').subarray(0, 44);
    expect(readWavInfo(head, 44 + 24001).durationMs).toBe(500);
  });
});

describe('silence, tone, resample', () => {
  it('makes whole samples of silence', () => {
    expect(silence(BOOK_FORMAT, 250).length).toBe(12000);
    expect(silence(BOOK_FORMAT, 250).every((b) => b === 0)).toBe(true);
    expect(silence({ sampleRate: 22050, channels: 1, bitsPerSample: 16 }, 1).length).toBe(44);
    expect(silence({ sampleRate: 8000, channels: 1, bitsPerSample: 8 }, 1)[0]).toBe(0x80);
  });

  it('makes a tone whose frequency dominantFrequency recovers', () => {
    for (const hz of [220, 440, 880, 1234]) {
      const pcm = tone(BOOK_FORMAT, 500, hz);
      expect(pcm.length).toBe(24000);
      expect(dominantFrequency(pcm, 24000)).toBeCloseTo(hz, 0);
    }
    expect(dominantFrequency(silence(BOOK_FORMAT, 100), 24000)).toBe(0);
  });

  it('resamples 22050 Hz to 24000 Hz keeping duration and pitch', () => {
    const src = tone({ sampleRate: 22050, channels: 1, bitsPerSample: 16 }, 1000, 440);
    const out = resamplePcm16(src, 22050, 24000);
    expect(out.length / 2).toBe(24000);
    expect(Math.abs(out.length / src.length - 24000 / 22050)).toBeLessThan(0.001);
    expect(dominantFrequency(out, 24000)).toBeCloseTo(440, 0);
    expect(resamplePcm16(src, 22050, 22050).equals(src)).toBe(true);
  });

  it('resamples 16 kHz to 24 kHz without folding speech frequencies back into the band', () => {
    // flite speaks at 16 kHz. Linear interpolation, which this was, gave a 6 kHz tone a 2 kHz ghost
    // about 20 dB under it; a recognizer then got three times as many words wrong.
    const src = tone({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, 1000, 6000);
    const out = resamplePcm16(src, 16000, 24000);
    expect(out.length / 2).toBe(24000);
    const level = (hz: number) => toneLevel(out, 24000, hz);
    expect(20 * Math.log10(level(2000) / level(6000))).toBeLessThan(-50);
    expect(20 * Math.log10(level(6000) / 0.3)).toBeGreaterThan(-1);
    // And a tone well inside the band comes through at its level, at its pitch.
    const low = resamplePcm16(tone({ sampleRate: 16000, channels: 1, bitsPerSample: 16 }, 1000, 440), 16000, 24000);
    expect(dominantFrequency(low, 24000)).toBeCloseTo(440, 0);
    expect(toneLevel(low, 24000, 440)).toBeCloseTo(0.3, 2);
  });
});

/** The amplitude (0..1 of full scale) of the `hz` component of mono 16-bit PCM: one bin of a DFT over the middle second's whole cycles. */
function toneLevel(pcm: Buffer, rate: number, hz: number): number {
  // Away from both ends, where the filter reads silence beyond the signal.
  const from = Math.round(rate * 0.1);
  const count = Math.round(rate * 0.8);
  let re = 0;
  let im = 0;
  for (let i = 0; i < count; i++) {
    const v = pcm.readInt16LE((from + i) * 2) / 32767;
    re += v * Math.cos((2 * Math.PI * hz * i) / rate);
    im -= v * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(re, im)) / count;
}
