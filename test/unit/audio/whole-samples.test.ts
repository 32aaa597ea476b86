import { describe, expect, it } from 'vitest';
import { WholeSamples } from '../../../src/audio/whole-samples.js';

describe('WholeSamples', () => {
  it('hands on only whole frames, whatever the reads cut, and keeps every byte in order', () => {
    const bytes = Buffer.from(Array.from({ length: 103 }, (_, i) => i));
    for (const frame of [2, 4]) {
      const samples = new WholeSamples(frame);
      const out: Buffer[] = [];
      // Reads of 1, 2, 3, ... bytes: most end inside a frame.
      for (let at = 0, size = 1; at < bytes.length; at += size, size++) {
        const piece = samples.take(Buffer.from(bytes.subarray(at, at + size)));
        expect(piece.length % frame).toBe(0);
        out.push(piece);
      }
      const whole = bytes.length - (bytes.length % frame);
      expect(Buffer.concat(out).equals(bytes.subarray(0, whole))).toBe(true);
      expect(samples.leftover).toBe(bytes.length - whole);
    }
  });

  it('does not let a later read overwrite a carried byte', () => {
    const samples = new WholeSamples(2);
    const reused = Buffer.from([1, 2, 3]);
    expect([...samples.take(reused)]).toEqual([1, 2]);
    reused.fill(9);
    expect([...samples.take(Buffer.from([4]))]).toEqual([3, 4]);
    expect(samples.leftover).toBe(0);
  });
});
