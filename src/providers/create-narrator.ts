import type { Config } from '../config.js';
import type { AudioSpool } from '../store/audio-spool.js';
import { ChatAudioNarrator } from './chat-audio-narrator.js';
import type { Narrator } from './narrator.js';
import { OfflineNarrator } from './offline-narrator.js';

/** The chat-audio model when an API key is set, otherwise the built-in offline voice. */
export function createNarrator(config: Config, spool: AudioSpool): Narrator {
  if (config.apiKey === undefined) return new OfflineNarrator(spool);
  return new ChatAudioNarrator({
    apiKey: config.apiKey,
    baseUrl: config.baseUrl,
    model: config.model,
    timeoutMs: config.requestTimeoutMs,
    spool,
  });
}
