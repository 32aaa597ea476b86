import { readFile } from 'node:fs/promises';
import { parseWav } from '../../src/audio/parse-wav.js';
import { offlineSpeech } from './speech.js';

/**
 * The PCM (24 kHz mono s16le) of parts as the finisher cuts them: each the offline voice reading
 * one text, with `leadMs` of silence before it and at least `tailMs` after it, up to a whole
 * multiple of `grid` samples, so every join falls inside a pause.
 */
export async function speechParts(dir: string, texts: readonly string[], grid: number, leadMs = 200, tailMs = 150): Promise<Buffer[]> {
  const parts: Buffer[] = [];
  for (const text of texts) {
    const wav = await offlineSpeech(dir, text);
    const speech = parseWav(await readFile(wav.path)).data;
    const lead = Buffer.alloc(Math.round((leadMs / 1000) * 24_000) * 2);
    const samples = (lead.length + speech.length) / 2;
    const total = Math.ceil((samples + (tailMs / 1000) * 24_000) / grid) * grid;
    const tail = Buffer.alloc((total - samples) * 2);
    parts.push(Buffer.concat([lead, speech, tail]));
  }
  return parts;
}
