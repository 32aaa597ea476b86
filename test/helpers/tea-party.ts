import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CORPUS } from './corpus.js';
import truth from '../fixtures/cast/tea-party-speakers.json' with { type: 'json' };
import { findQuotations } from '../../src/cast/find-quotations.js';

/** The tea party's quotations with the speaker the text names (null: none), labelled by hand. */
export const TEA_PARTY_SPEAKERS: readonly { index: number; text: string; speaker: string | null }[] = truth.quotations;

/** Chapter VII of Alice (../shared/corpus/alice.txt) as a text file of its own: its heading line and paragraphs. */
export async function teaPartyText(): Promise<string> {
  const path = join(CORPUS, 'alice.txt');
  if (!existsSync(path)) throw new Error(`${path} not found (../shared/corpus beside the repository)`);
  const text = (await readFile(path, 'utf8')).replace(/\r/g, '');
  const from = text.indexOf('CHAPTER VII.');
  const to = text.indexOf('CHAPTER VIII.');
  return `${text.slice(from, to).trim()}\n`;
}

/** A chunk as the plan or the manifest lists it. */
export interface VoicedChunk {
  text: string;
  speaker?: string;
  voice?: string;
}

/** How the voices fell on the tea party's quotations and narration, from the chunks in reading order. */
export interface CastScore {
  /** Quotations the text names a speaker for. */
  named: number;
  /** Of those, read by the voice the cast gives that speaker. */
  right: number;
  /** Chunks holding narration (text outside every quotation) read by a character's voice. */
  narrationByCharacter: number;
}

/**
 * Scores chunks against the hand-labelled truth: each labelled quotation is found in the chunks in
 * order (a quotation is one chunk, or inside one of its speaker's), and its chunk's voice compared
 * with the voice `voiceOf` the speaker; a chunk read by a voice other than the narrator's must hold
 * nothing but quotations.
 */
export function scoreCast(chunks: readonly VoicedChunk[], voiceOf: (speaker: string) => string | undefined, narratorVoice: string, quotations = TEA_PARTY_SPEAKERS): CastScore {
  let cursor = 0;
  let named = 0;
  let right = 0;
  for (const q of quotations) {
    const probe = q.text.slice(0, 40);
    let found = -1;
    for (let i = cursor; i < chunks.length; i++) {
      if (chunks[i]!.text.includes(probe)) {
        found = i;
        break;
      }
    }
    if (q.speaker !== null) named++; // a quotation missing from the chunks counts as wrong
    if (found < 0) continue;
    cursor = found;
    if (q.speaker === null) continue;
    if (chunks[found]!.voice !== undefined && chunks[found]!.voice === voiceOf(q.speaker)) right++;
  }
  let narrationByCharacter = 0;
  for (const c of chunks) {
    if (c.voice === narratorVoice) continue;
    let rest = '';
    let from = 0;
    for (const span of findQuotations(c.text)) {
      rest += c.text.slice(from, span.start);
      from = span.end;
    }
    rest += c.text.slice(from);
    if (/[\p{L}\p{N}]/u.test(rest)) narrationByCharacter++;
  }
  return { named, right, narrationByCharacter };
}
