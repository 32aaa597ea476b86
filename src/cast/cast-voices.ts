import { speakerKey, speakerName } from './speaker-name.js';

import type { CastMember } from '../contracts/cast-member.js';

export type { CastMember } from '../contracts/cast-member.js';

/** What castVoices chooses from. */
export interface VoiceChoices {
  /** The narrator's voice (the book's voice). */
  narrator: string;
  /** The provider's voices, in the order to hand them out. */
  available: readonly string[];
  /** Voices the user named per speaker (a manifest's `cast:` map), by any spelling of the name; `narrator` is the narrator's. */
  chosen?: Readonly<Record<string, string>>;
  /**
   * What a voice name sounds like, for telling two names apart: offline, `alloy` and `rms` are one
   * voice. Default: the name itself.
   */
  sound?: (voice: string) => string;
}

/**
 * A voice for every speaker: the one the user chose, else the provider's voices in order, never
 * the narrator's (nor one the user gave someone else), the speakers with most lines first. When
 * there are more speakers than voices the voices are handed out again, least frequent speakers
 * sharing; the narrator's voice is never one of them. Pure.
 */
export function castVoices(lines: ReadonlyMap<string, number>, choices: VoiceChoices): Map<string, string> {
  const sound = choices.sound ?? ((v: string) => v);
  const chosen = new Map(Object.entries(choices.chosen ?? {}).map(([name, voice]) => [speakerKey(name), voice]));
  const taken = new Set([sound(choices.narrator), ...[...chosen.values()].map(sound)]);
  const seen = new Set<string>();
  const free = choices.available.filter((v) => {
    const s = sound(v);
    if (taken.has(s) || seen.has(s)) return false;
    seen.add(s);
    return true;
  });
  // When the user's choices took every voice, the speakers left share any voice but the narrator's.
  const fallback = free.length > 0 ? free : choices.available.filter((v) => sound(v) !== sound(choices.narrator));
  const order = [...lines.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const voices = new Map<string, string>();
  let next = 0;
  for (const [speaker] of order) {
    const own = chosen.get(speakerKey(speaker));
    if (own !== undefined) voices.set(speaker, own);
    else if (fallback.length > 0) voices.set(speaker, fallback[next++ % fallback.length]!);
  }
  return voices;
}

/** The cast as `plan --cast` and the manifest list it: the narrator first, then speakers by lines. Pure. */
export function castMembers(chunks: readonly { text: string; speaker?: string; voice: string }[], lines: ReadonlyMap<string, number>, narratorVoice: string): CastMember[] {
  const chars = new Map<string, number>();
  let total = 0;
  for (const c of chunks) {
    const who = c.speaker ?? '';
    chars.set(who, (chars.get(who) ?? 0) + c.text.length);
    total += c.text.length;
  }
  const voiceOf = new Map(chunks.filter((c) => c.speaker !== undefined).map((c) => [c.speaker!, c.voice]));
  const share = (who: string) => (total === 0 ? 0 : Math.round(((chars.get(who) ?? 0) / total) * 1000) / 1000);
  const speakers = [...lines.entries()].filter(([s]) => voiceOf.has(s)).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return [
    { speaker: 'narrator', voice: narratorVoice, lines: 0, share: share('') },
    ...speakers.map(([speaker, n]) => ({ speaker: speakerName(speaker), voice: voiceOf.get(speaker)!, lines: n, share: share(speaker) })),
  ];
}
