/**
 * NARRATE_TPM through real workers and Redis: every call takes what the provider will count for
 * it from the fleet's budget before it is sent, and a chunk too big for the budget fails at once
 * with a message that says what to change, without a call.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { ChatAudioNarrator } from '../../src/providers/chat-audio-narrator.js';
import { SYNTHESIZE_QUEUE } from '../../src/queue/names.js';
import { bullPrefix } from '../../src/queue/keys.js';
import { AudioSpool } from '../../src/store/audio-spool.js';
import { startFakeModel, type FakeModelServer } from '../helpers/fake-model-server.js';
import { createHarness, type Harness } from '../helpers/pipeline.js';

const KEY = 'sk-test-tpm';

describe('NARRATE_TPM', () => {
  let fake: FakeModelServer;
  let h: Harness | undefined;

  beforeAll(async () => {
    fake = await startFakeModel({ apiKey: KEY });
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(async () => fake?.close());

  async function narrate(tpm: number, text: string) {
    h = await createHarness('tpm', { NARRATE_API_KEY: KEY, NARRATE_BASE_URL: fake.url, NARRATE_TPM: String(tpm), NARRATE_MAX_ATTEMPTS: '2' });
    const path = join(h.dir, 'book.txt');
    await writeFile(path, text);
    const firstCall = fake.calls.length;
    const { statuses } = await h.narrate([path], { format: 'wav', maxChars: 40 });
    return { status: statuses[0]!, calls: fake.calls.slice(firstCall), harness: h };
  }

  it('charges every call what the provider counts for it, in the fleet-wide budget in Redis', async () => {
    const paragraphs = ['The lamp was lit at dusk.', 'Gulls cried over the rocks all night.', 'By morning the storm had passed.'];
    const { status, calls, harness } = await narrate(100_000, paragraphs.join('\n\n'));
    expect(status.state).toBe('done');
    expect(calls.map((c) => c.text).sort()).toEqual([...paragraphs].sort());
    const narrator = new ChatAudioNarrator({ apiKey: 'unused', baseUrl: fake.url, model: 'gpt-4o-audio-preview', timeoutMs: 1_000, spool: new AudioSpool(harness.dir) });
    const expected = calls.map((c) => narrator.reservedTokens({ text: c.text, instructions: c.system, voice: 'alloy' }));
    const members = await harness.connection.zrange(`${bullPrefix(harness.config.prefix)}:${SYNTHESIZE_QUEUE}:tpm`, 0, -1);
    expect(members.map((m) => Number(m.split(':')[0])).sort()).toEqual(expected.sort());
    // max_tokens is the bulk of it, as OpenAI's limiter counts it.
    expect(expected.every((t) => t > 1_000)).toBe(true);
  });

  it('fails a chunk that could never fit the budget at once, saying what to change, without a call', async () => {
    const { status, calls } = await narrate(500, 'A sentence that needs far more than five hundred tokens of budget.');
    expect(status.state).toBe('failed');
    expect(status.reason).toMatch(/more than NARRATE_TPM=500 allows in a minute: raise NARRATE_TPM or lower --max-chars/);
    expect(calls).toHaveLength(0);
  });
});
