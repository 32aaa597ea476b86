import { parseWav } from '../audio/parse-wav.js';
import { resamplePcm16 } from '../audio/resample.js';
import { BOOK_FORMAT } from '../audio/wav-format.js';
import { writeWav } from '../audio/write-wav.js';
import { offlineVoice } from '../language/offline-voice.js';
import type { AudioSpool } from '../store/audio-spool.js';
import type { NarrationRequest, NarrationResult, Narrator } from './narrator.js';
import { renderEspeak } from './render-espeak.js';
import { renderFlite } from './render-flite.js';

/**
 * The offline narrator's model name, part of every segment's key: it names both engines and their
 * versions, so a change of either (or of which one reads English: espeak-ng did until flite came)
 * renders the segments anew.
 */
export const OFFLINE_MODEL = 'flite-2.2+espeak-ng-1.52';

/**
 * The built-in offline voice, in WebAssembly (no system package, no network): flite for English
 * books, espeak-ng for the others (src/language/offline-voice.ts decides). It reads exactly the text
 * it is given, so its transcript is the text itself.
 */
export class OfflineNarrator implements Narrator {
  readonly name = 'offline';
  readonly model = OFFLINE_MODEL;

  constructor(private readonly spool: AudioSpool) {}

  async narrate(request: NarrationRequest): Promise<NarrationResult> {
    // The producer refused an unknown voice before the book was queued; here it fails the chunk with the same message.
    const choice = offlineVoice(request.voice, request.language);
    const wav = choice.engine === 'flite' ? await renderFlite(request.text, choice.voice) : await renderEspeak(request.text, choice.voice);
    // flite speaks at 16 kHz and espeak-ng at 22050 Hz; every segment of a book shares the model's
    // 24 kHz so they join without re-encoding.
    const parsed = parseWav(wav);
    const pcm = resamplePcm16(parsed.data, parsed.format.sampleRate, BOOK_FORMAT.sampleRate);
    return {
      audio: await this.spool.fromBuffer(writeWav(BOOK_FORMAT, pcm)),
      transcript: request.text,
      finishReason: 'stop',
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    };
  }
}
