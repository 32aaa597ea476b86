import { expect } from 'vitest';

/** Cues read back from a VTT or SRT file: the times and the text, as a player would show them. */
export function parseCaptions(text: string): { startMs: number; endMs: number; lines: string[] }[] {
  const time = (t: string) => {
    const m = /^(\d\d):(\d\d):(\d\d)[.,](\d\d\d)$/.exec(t);
    if (!m) throw new Error(`bad time ${t}`);
    return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
  };
  const blocks = text.replace(/^WEBVTT\n\n/, '').trim().split(/\n\n/);
  return blocks.map((block) => {
    const [id, times, ...lines] = block.split('\n');
    expect(id).toMatch(/^\d+$/);
    const [from, to] = times!.split(' --> ');
    return { startMs: time(from!), endMs: time(to!), lines };
  });
}
