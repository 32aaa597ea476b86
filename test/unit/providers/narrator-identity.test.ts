import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { createNarrator } from '../../../src/providers/create-narrator.js';
import { narratorIdentity } from '../../../src/providers/narrator-identity.js';
import { AudioSpool } from '../../../src/store/audio-spool.js';

describe('narratorIdentity', () => {
  // The submit holds the segments a book will reuse under this name and model: it must be what a worker with the same settings reads with.
  it.each([
    ['the offline voice, without an API key', {}],
    ['the chat-audio model, with a key', { NARRATE_API_KEY: 'sk-test-identity', NARRATE_MODEL: 'gpt-4o-mini-audio-preview' }],
  ])('names %s as createNarrator makes it', async (_what, env) => {
    const config = loadConfig({ NARRATE_LOG_LEVEL: 'silent', ...env });
    const narrator = createNarrator(config, new AudioSpool(join(tmpdir(), 'narrate-identity-spool')));
    try {
      expect(narratorIdentity(config)).toEqual({ name: narrator.name, model: narrator.model });
    } finally {
      await narrator.close?.();
    }
  });
});
