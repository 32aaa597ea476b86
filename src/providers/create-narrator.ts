import type { Config } from '../config.js';
import type { AudioSpool } from '../store/audio-spool.js';
import { ChatAudioNarrator } from './chat-audio-narrator.js';
import type { Narrator } from './narrator.js';
import { OfflineNarrator } from './offline-narrator.js';
import { SpeechNarrator } from './speech-narrator.js';
import { stopAfterModelNotServed } from './stop-after-model-not-served.js';

/** The narrator NARRATE_PROVIDER names: the chat-audio model, the speech endpoint, or the built-in offline voice. */
export function createNarrator(config: Config, spool: AudioSpool): Narrator {
  if (config.provider === 'offline' || config.apiKey === undefined) return new OfflineNarrator(spool);
  const common = { apiKey: config.apiKey, baseUrl: config.baseUrl, model: config.model, timeoutMs: config.requestTimeoutMs, spool };
  const narrator = config.provider === 'speech' ? new SpeechNarrator({ ...common, format: config.speechFormat }) : new ChatAudioNarrator(common);
  return stopAfterModelNotServed(narrator);
}
