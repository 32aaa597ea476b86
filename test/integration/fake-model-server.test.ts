import { describe, it, expect, afterEach } from 'vitest';
import OpenAI, { APIConnectionError, AuthenticationError, BadRequestError, RateLimitError } from 'openai';
import { parseWav } from '../../src/audio/parse-wav.js';
import { durationMs } from '../../src/audio/wav-duration.js';
import { dominantFrequency } from '../../src/audio/dominant-frequency.js';
import { startFakeModel, type FakeModelOptions, type FakeModelServer } from '../helpers/fake-model-server.js';
import { fillWithSpeech, loadSpeechBank } from '../helpers/speech-bank.js';

const open: FakeModelServer[] = [];

async function start(options?: FakeModelOptions): Promise<{ server: FakeModelServer; client: OpenAI }> {
  const server = await startFakeModel(options);
  open.push(server);
  return { server, client: new OpenAI({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 }) };
}

function narrate(client: OpenAI, text: string) {
  return client.chat.completions.create({
    model: 'gpt-4o-audio-preview',
    modalities: ['text', 'audio'],
    audio: { voice: 'alloy', format: 'wav' },
    messages: [
      { role: 'system', content: 'Read' },
      { role: 'user', content: text },
    ],
  });
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('fake model server', () => {
  it('reads the text: streaming-header WAV at 24 kHz, duration from text length, exact transcript', async () => {
    const { server, client } = await start();
    const text = 'Hello there.';
    const res = await narrate(client, text);
    const choice = res.choices[0]!;
    expect(res.object).toBe('chat.completion');
    expect(choice.finish_reason).toBe('stop');
    expect(choice.message.content).toBeNull();
    expect(choice.message.audio?.transcript).toBe(text);
    expect(res.usage?.completion_tokens_details?.audio_tokens).toBeGreaterThan(0);

    const b64 = choice.message.audio!.data;
    expect(b64.startsWith('UklGRv////9XQVZF')).toBe(true);
    const wav = Buffer.from(b64, 'base64');
    expect(wav.readUInt32LE(40)).toBe(0xffffffff);
    const { format, data } = parseWav(wav);
    expect(format).toEqual({ sampleRate: 24000, channels: 1, bitsPerSample: 16 });
    expect(durationMs(format, data.length)).toBeCloseTo((text.length / 15) * 1000, 0);
    expect(dominantFrequency(data, 24000)).toBeCloseTo(440, 0);

    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toMatchObject({ text, system: 'Read', status: 200, outcome: 'read' });
    expect(server.callsFor(text)).toBe(1);
    expect(server.callsFor('Goodbye')).toBe(0);
  });

  it('accepts content as an array of text parts', async () => {
    const { server, client } = await start();
    await client.chat.completions.create({
      model: 'gpt-4o-audio-preview',
      modalities: ['text', 'audio'],
      audio: { voice: 'alloy', format: 'wav' },
      messages: [
        { role: 'developer', content: 'Read verbatim' },
        { role: 'user', content: [{ type: 'text', text: 'In parts.' }] },
      ],
    });
    expect(server.calls[0]).toMatchObject({ text: 'In parts.', system: 'Read verbatim', outcome: 'read' });
  });

  it('surfaces an injected 429 as RateLimitError with its retry-after headers', async () => {
    const { server, client } = await start();
    server.inject({ kind: 'status', status: 429, retryAfterSeconds: 7, retryAfterMs: 6500 });
    const error = await narrate(client, 'Slow down.').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).headers.get('retry-after')).toBe('7');
    expect((error as RateLimitError).headers.get('retry-after-ms')).toBe('6500');
    expect(server.calls[0]).toMatchObject({ status: 429, outcome: 'rate-limited' });
    // One-shot: the next request is read normally.
    expect((await narrate(client, 'Slow down.')).choices[0]!.message.audio?.transcript).toBe('Slow down.');
  });

  it('consumes a matched fault only on a request whose text includes it', async () => {
    const { server, client } = await start();
    server.inject({ kind: 'status', status: 500, match: 'chapter two' });
    await expect(narrate(client, 'In chapter one.')).resolves.toBeDefined();
    await expect(narrate(client, 'Then chapter two began.')).rejects.toMatchObject({ status: 500 });
    expect(server.calls.map((c) => c.status)).toEqual([200, 500]);
  });

  it('rejects a wrong key with 401 and an OpenAI-style error body', async () => {
    const { server } = await start({ apiKey: 'right-key' });
    const client = new OpenAI({ apiKey: 'wrong-key', baseURL: server.url, maxRetries: 0 });
    const error = await narrate(client, 'Let me in.').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).code).toBe('invalid_api_key');
  });

  it('rejects a request without audio modalities with 400', async () => {
    const { client } = await start();
    const error = await client.chat.completions
      .create({ model: 'gpt-4o-audio-preview', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain('modalities');
  });

  it('answers instead of reading, or cuts off, in the unfaithful tone', async () => {
    const { server, client } = await start();
    server.inject({ kind: 'answer' }, { kind: 'cut' });
    const answered = (await narrate(client, 'Please read this sentence.')).choices[0]!;
    expect(answered.message.audio?.transcript).toBe("Hi there! How's it going?");
    expect(dominantFrequency(parseWav(Buffer.from(answered.message.audio!.data, 'base64')).data, 24000)).toBeCloseTo(880, 0);

    const cut = (await narrate(client, 'one two three four five six')).choices[0]!;
    expect(cut.finish_reason).toBe('length');
    expect(cut.message.audio?.transcript).toBe('one two three');
    expect(server.calls.map((c) => c.outcome)).toEqual(['answered', 'cut']);
  });

  it('draws answered and cut requests from a seed, the same way every time', async () => {
    const outcomes = async () => {
      const { server, client } = await start({ seed: 42, answerRate: 0.3, lengthRate: 0.3 });
      for (let i = 0; i < 12; i++) await narrate(client, `Sentence number ${i}.`);
      return server.calls.map((c) => c.outcome);
    };
    const first = await outcomes();
    expect(first).toEqual(await outcomes());
    expect(new Set(first)).toEqual(new Set(['read', 'answered', 'cut']));
  });

  it('sends non-audio bodies that a client must reject', async () => {
    const { server, client } = await start();
    server.inject({ kind: 'non-audio' });
    const res = await narrate(client, 'Give me audio.');
    expect(() => parseWav(Buffer.from(res.choices[0]!.message.audio!.data, 'base64'))).toThrow('not WAV');

    server.inject({ kind: 'non-audio', variant: 'html' });
    const page = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-audio-preview', modalities: ['audio'], audio: { voice: 'alloy', format: 'wav' }, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html>');
  });

  it('hangs until close, and close destroys the hung socket', async () => {
    const { server, client } = await start();
    server.inject({ kind: 'hang' });
    const pending = narrate(client, 'Never answered.').catch((e: unknown) => e);
    await expect.poll(() => server.calls.length).toBe(1);
    expect(server.calls[0]!.outcome).toBe('hung');
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await pending).toBeInstanceOf(APIConnectionError);
    await server.close(); // safe twice
  });

  it('enforces rpm with 429, Retry-After and retry-after-ms', async () => {
    const { server, client } = await start({ rpm: 3 });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await narrate(client, `Request ${i}.`).catch((e: unknown) => e));
    expect(results.slice(0, 3).every((r) => !(r instanceof Error))).toBe(true);
    for (const r of results.slice(3)) {
      expect(r).toBeInstanceOf(RateLimitError);
      const seconds = Number((r as RateLimitError).headers.get('retry-after'));
      const ms = Number((r as RateLimitError).headers.get('retry-after-ms'));
      expect(seconds).toBeGreaterThanOrEqual(59);
      expect(seconds).toBeLessThanOrEqual(60);
      expect(ms).toBeGreaterThan(58_000);
    }
    expect(server.calls.map((c) => c.outcome)).toEqual(['read', 'read', 'read', 'rate-limited', 'rate-limited']);
  });

  it('speaks faithful readings with the offline voice when asked: sentences of the bank, the tone\'s duration, a different reading per text', async () => {
    // The first start renders the bank (a few seconds); later ones read it from the temp dir.
    const { client } = await start({ speech: true });
    const bank = await loadSpeechBank();
    const longest = Math.max(...bank.map((c) => c.length / 2));
    const text = 'A chunk long enough to hold several sentences of the bank. '.repeat(12);
    const a = parseWav(Buffer.from((await narrate(client, text)).choices[0]!.message.audio!.data, 'base64'));
    const b = parseWav(Buffer.from((await narrate(client, `${text.slice(0, -1)}!`)).choices[0]!.message.audio!.data, 'base64'));
    expect(a.data.length / 2).toBe(Math.round((text.length / 15) * 24000));
    expect(a.data.length / 2).toBeGreaterThan(2 * longest);
    // Whole sentences, copied sample for sample: speech, not a tone.
    const held = bank.filter((clip) => a.data.includes(clip.subarray(0, 4800)));
    expect(held.length).toBeGreaterThanOrEqual(2);
    expect(dominantFrequency(a.data, 24000)).not.toBeCloseTo(440, 0);
    expect(b.data.length).toBe(a.data.length);
    expect(b.data.equals(a.data)).toBe(false);

    // Unfaithful readings keep the tone a test can tell apart.
    const { server: other, client: second } = await start({ speech: true });
    other.inject({ kind: 'answer' });
    const answered = (await narrate(second, 'Please read this sentence.')).choices[0]!;
    expect(dominantFrequency(parseWav(Buffer.from(answered.message.audio!.data, 'base64')).data, 24000)).toBeCloseTo(880, 0);
  }, 60_000);

  it('fills any duration with speech exactly: pauses take the slack, a reading shorter than a sentence fades out', async () => {
    const bank = await loadSpeechBank();
    for (const samples of [1000, 24_000 * 7, 24_000 * 80 + 13]) {
      const pcm = fillWithSpeech(bank, samples, 3);
      expect(pcm.length).toBe(samples * 2);
      // It ends in silence, not cut mid-word: flite's clips fade to a few units of 32768, not to digital zero.
      expect(Math.abs(pcm.readInt16LE(pcm.length - 2))).toBeLessThanOrEqual(8);
    }
    const short = fillWithSpeech(bank, 1000, 3);
    expect(short.subarray(0, 1000).equals(bank[3]!.subarray(0, 1000))).toBe(true);
    expect(fillWithSpeech(bank, 24_000 * 30, 1).equals(fillWithSpeech(bank, 24_000 * 30, 2))).toBe(false);
  }, 60_000);

  it('reports stats over HTTP and takes faults over HTTP', async () => {
    const { server, client } = await start();
    const base = server.url.replace(/\/v1$/, '');
    await fetch(`${base}/__inject`, { method: 'POST', body: JSON.stringify([{ kind: 'status', status: 503 }]) });
    await narrate(client, 'Twice.').catch(() => undefined);
    await narrate(client, 'Twice.');
    const stats = (await (await fetch(`${base}/__stats`)).json()) as { calls: number; byOutcome: object; perText: Record<string, number> };
    expect(stats.calls).toBe(2);
    expect(stats.byOutcome).toEqual({ error: 1, read: 1 });
    expect(Object.values(stats.perText)).toEqual([2]);
  });
});
