import type { Config } from '../config.js';
import type { Narrator } from './narrator.js';
import { OFFLINE_MODEL } from './offline-narrator.js';

/**
 * Who reads a book with these settings, as segment keys name it (provider and model), without
 * loading the narrator: what createNarrator would make (test/unit/providers/narrator-identity.test.ts keeps
 * the two in step). The submit uses it to hold the segments a queued book will reuse.
 */
export function narratorIdentity(config: Pick<Config, 'apiKey' | 'model'>): Pick<Narrator, 'name' | 'model'> {
  return config.apiKey === undefined ? { name: 'offline', model: OFFLINE_MODEL } : { name: 'chat-audio', model: config.model };
}
