import { describe, expect, it } from 'vitest';
import { ESPEAK_VARIANTS, ESPEAK_VOICE_TABLE, espeakVoicesFor, isEspeakVoice } from '../../../src/language/espeak-voice.js';
import { offlineVoice } from '../../../src/language/offline-voice.js';
import { UnknownVoiceError } from '../../../src/language/unknown-voice-error.js';
import { fliteText } from '../../../src/providers/flite-text.js';

/** The message offlineVoice throws for `name` in `language`, or a note that it did not throw. */
function refusal(name: string, language: string | undefined): string {
  try {
    offlineVoice(name, language);
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(UnknownVoiceError);
    return (error as Error).message;
  }
}

describe('which engine and voice read a book offline', () => {
  it('reads English with flite: its voices by name, the chat voices mapped to them, rms by default', () => {
    expect(offlineVoice('alloy', 'en')).toEqual({ engine: 'flite', voice: 'rms' });
    expect(offlineVoice('alloy', undefined)).toEqual({ engine: 'flite', voice: 'rms' });
    expect(offlineVoice('coral', 'en-GB')).toEqual({ engine: 'flite', voice: 'slt' });
    expect(offlineVoice('fable', 'en-US')).toEqual({ engine: 'flite', voice: 'awb' });
    for (const voice of ['rms', 'slt', 'awb', 'kal'] as const) expect(offlineVoice(voice, 'en')).toEqual({ engine: 'flite', voice });
    expect(offlineVoice('SLT', 'en')).toEqual({ engine: 'flite', voice: 'slt' });
  });

  it('keeps espeak-ng for other languages (the chat voice variant kept) and for an espeak-ng voice named outright', () => {
    expect(offlineVoice('coral', 'fr-CA')).toEqual({ engine: 'espeak-ng', voice: 'fr-fr+f3' });
    expect(offlineVoice('alloy', 'ar')).toEqual({ engine: 'espeak-ng', voice: 'ar' });
    expect(offlineVoice('de+m3', 'fr')).toEqual({ engine: 'espeak-ng', voice: 'de+m3' });
    expect(offlineVoice('en-gb+m3', 'en')).toEqual({ engine: 'espeak-ng', voice: 'en-gb+m3' });
    const yoruba = offlineVoice('alloy', 'yo');
    expect(yoruba.engine).toBe('espeak-ng');
    expect(yoruba.warning).toMatch(/no Yoruba \(yo\) voice/);
  });

  it('refuses an unknown voice with the voices for the book language', () => {
    const english = refusal('robot', 'en');
    expect(english).toContain('no offline voice is called "robot"');
    expect(english).toContain('rms (the default), slt, awb, kal (flite)');
    expect(english).toContain('alloy, ash');
    const french = refusal('rms', 'fr');
    expect(french).toMatch(/"rms" is one of flite's English voices.*French \(fr\)/);
    expect(french).toContain('fr-be, fr-ch, fr-fr');
    expect(refusal('robot', 'zh')).toContain('cmn, cmn-latn-pinyin, yue');
    // espeak-ng ignores a variant it does not have and reads on in its plain voice: refused here instead.
    expect(refusal('en-us+nobody', 'en')).toContain('"en-us+nobody"');
    expect(refusal('fr-fr+f2+m3', 'fr')).not.toBe('accepted');
  });
});

describe('espeak-ng voice names', () => {
  it('match what the npm build of espeak-ng lists, voices and variants', async () => {
    const { default: create } = (await import('espeak-ng')) as unknown as {
      default: (options: Record<string, unknown>) => Promise<unknown>;
    };
    const list = async (argument: string): Promise<string[]> => {
      const lines: string[] = [];
      await create({ arguments: [argument], print: (l: string) => lines.push(l), printErr: () => undefined });
      return lines.slice(1).filter((l) => l.trim() !== '');
    };
    // "Pty Language Age/Gender VoiceName File Other Languages": the language, and "(name priority)" pairs.
    const voices = (await list('--voices')).map((line) => {
      const name = line.trim().split(/\s+/)[1]!;
      const others = [...line.matchAll(/\(([^ )]+) \d+\)/g)].map((m) => m[1]!);
      return others.length === 0 ? name : `${name}:${others.join(',')}`;
    });
    expect([...new Set(voices)]).toEqual([...ESPEAK_VOICE_TABLE]);
    const variants = (await list('--voices=variant')).map((line) => line.trim().split(/\s+/)[4]!.replace(/^!v\//, ''));
    expect(new Set(variants)).toEqual(ESPEAK_VARIANTS);
  });

  it('are matched as espeak-ng matches them', () => {
    expect(isEspeakVoice('en-GB')).toBe(true);
    expect(isEspeakVoice('zh')).toBe(true);
    expect(isEspeakVoice('fr-fr+Alex')).toBe(true);
    expect(isEspeakVoice('fr-fr+alex')).toBe(false);
    expect(isEspeakVoice('klingon')).toBe(false);
    expect(espeakVoicesFor('pt-BR')).toEqual(['pt', 'pt-br']);
  });
});

describe('text for flite', () => {
  it('turns typographic punctuation and accents into the ASCII flite reads, and keeps the words', () => {
    expect(fliteText('“Hello,” she said—the café was empty… ‘Yes’, 1914–1918.')).toBe('"Hello," she said, the cafe was empty... \'Yes\', 1914-1918.');
    expect(fliteText('Æsop’s œuvre, naïve Zoë, Straße')).toBe("Aesop's oeuvre, naive Zoe, Strasse");
    expect(fliteText('a\u00a0b 猫 c')).toBe('a b   c');
  });
});
