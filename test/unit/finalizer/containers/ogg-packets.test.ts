/**
 * Ogg framing by hand-made packets: lacing, packets across pages, page limits, granules and flags,
 * and every way a page can be refused; Opus packet durations from the TOC byte (RFC 6716 §3.1).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { oggPacketPages, readOggPackets } from '../../../../src/finalizer/containers/ogg-packets.js';
import { OGG_BOS, OGG_CONTINUED, OGG_EOS, readOggPages } from '../../../../src/finalizer/containers/ogg-page.js';
import { opusPacketSamples } from '../../../../src/finalizer/containers/opus-packet-samples.js';

const stream = { serial: 0x1234, sequence: 0, bos: true, eos: true };

function pagesOf(sizes: number[]) {
  const packets = sizes.map((size, i) => ({ data: randomBytes(size), granule: BigInt((i + 1) * 960) }));
  const bytes = Buffer.concat(oggPacketPages(packets, stream));
  return { packets, bytes, pages: [...readOggPages(bytes)] };
}

describe('Ogg pages and packets', () => {
  it('lays small packets on one page and reads them back', () => {
    const { packets, bytes, pages } = pagesOf([1, 80, 254, 0]);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.flags).toBe(OGG_BOS | OGG_EOS);
    expect([...pages[0]!.lacing]).toEqual([1, 80, 254, 0]);
    expect(pages[0]!.granule).toBe(3840n);
    expect([...readOggPackets(bytes)].map((p) => p.data)).toEqual(packets.map((p) => p.data));
  });

  it('codes a packet whose length is a multiple of 255 with a closing 0', () => {
    const { pages } = pagesOf([510]);
    expect([...pages[0]!.lacing]).toEqual([255, 255, 0]);
  });

  it('carries a packet of 255·255 bytes and more across pages, flagged as continued', () => {
    const { packets, bytes, pages } = pagesOf([10, 255 * 255 + 1000, 20]);
    expect(pages).toHaveLength(2);
    // 1 value for the first packet and 254 of the big one's 259 fill the page; the packet goes on.
    expect(pages[0]!.lacing).toHaveLength(255);
    expect(pages[0]!.granule, 'no packet but the first completes on page 0').toBe(960n);
    expect(pages[0]!.flags).toBe(OGG_BOS);
    expect(pages[1]!.flags).toBe(OGG_CONTINUED | OGG_EOS);
    expect(pages[1]!.granule).toBe(2880n);
    expect(pages.map((p) => p.sequence)).toEqual([0, 1]);
    expect([...readOggPackets(bytes)].map((p) => p.data)).toEqual(packets.map((p) => p.data));
  });

  it('gives a page on which no packet ends the granule -1', () => {
    const { packets, bytes, pages } = pagesOf([255 * 255 * 2 + 7]);
    expect(pages.map((p) => p.granule)).toEqual([-1n, -1n, 960n]);
    expect(pages.map((p) => p.flags)).toEqual([OGG_BOS, OGG_CONTINUED, OGG_CONTINUED | OGG_EOS]);
    expect([...readOggPackets(bytes)][0]!.data.equals(packets[0]!.data)).toBe(true);
  });

  it('starts a new page after 255 lacing values', () => {
    const { packets, bytes, pages } = pagesOf(Array.from({ length: 300 }, () => 50));
    expect(pages.map((p) => p.lacing.length)).toEqual([255, 45]);
    expect(pages[1]!.flags & OGG_CONTINUED).toBe(0);
    expect(pages[0]!.granule).toBe(255n * 960n);
    expect([...readOggPackets(bytes)]).toHaveLength(packets.length);
  });

  it('refuses a bad capture pattern, a bad CRC, a truncated page, a missing page', () => {
    const { bytes } = pagesOf([255 * 255 * 2 + 7]);
    const notOgg = Buffer.from(bytes);
    notOgg.write('Oggs', 0, 'latin1');
    expect(() => [...readOggPages(notOgg)]).toThrow(/not an Ogg page at byte 0: expected the capture pattern "OggS", found 0x4f676773/);
    const flipped = Buffer.from(bytes);
    flipped[1000]! ^= 0x10;
    expect(() => [...readOggPages(flipped)]).toThrow(/Ogg page 0 at byte 0 is corrupt: its CRC is 0x[0-9a-f]{8}, its bytes give 0x[0-9a-f]{8}/);
    expect(() => [...readOggPages(bytes.subarray(0, bytes.length - 1))]).toThrow(/truncated Ogg page at byte \d+/);
    const first = [...readOggPages(bytes)];
    const withoutMiddle = Buffer.concat([bytes.subarray(0, first[1]!.offset), bytes.subarray(first[2]!.offset)]);
    expect(() => [...readOggPackets(withoutMiddle)]).toThrow(/sequence jumps from 0 to 2/);
  });

  it('knows an Opus packet\'s length from its TOC byte', () => {
    const toc = (config: number, code: number, ...rest: number[]) => Buffer.from([(config << 3) | code, ...rest]);
    expect(opusPacketSamples(toc(13, 0))).toBe(960); // hybrid SWB 20 ms: what libopus writes here
    expect(opusPacketSamples(toc(0, 0))).toBe(480); // SILK 10 ms
    expect(opusPacketSamples(toc(3, 0))).toBe(2880); // SILK 60 ms
    expect(opusPacketSamples(toc(12, 1))).toBe(960); // hybrid 10 ms, two frames
    expect(opusPacketSamples(toc(16, 2))).toBe(240); // CELT 2.5 ms, two frames
    expect(opusPacketSamples(toc(31, 3, 6))).toBe(5760); // CELT 20 ms × 6 = 120 ms
    expect(opusPacketSamples(toc(19, 3, 0x80 | 3))).toBe(2880); // VBR and padding bits do not count
    expect(() => opusPacketSamples(Buffer.alloc(0))).toThrow(/empty/);
    expect(() => opusPacketSamples(toc(31, 3))).toThrow(/frame count/);
    expect(() => opusPacketSamples(toc(31, 3, 7))).toThrow(/120 ms/);
  });
});
