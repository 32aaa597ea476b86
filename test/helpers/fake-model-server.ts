/**
 * A stand-in for OpenAI's audio models: gpt-4o-audio-preview (and gpt-audio...) behind
 * `POST /v1/chat/completions`, gpt-4o-mini-tts / tts-1 behind `POST /v1/audio/speech` (a binary
 * WAV or PCM body, streamed), and `GET /v1/models[/{model}]` listing what it serves; a model it
 * does not serve is refused as OpenAI refuses it (404 model_not_found). For chat completions:
 * same request checks, same response shape, same streaming WAV header, same error bodies and
 * rate-limit headers. Audio is a sine tone (faithfulHz when the text was read, unfaithfulHz when
 * the model answered or was cut off) so tests can tell from the final audio what got through; with
 * `speech`, a faithful reading is real speech instead (sentences of the offline voice, see
 * speech-bank.ts), for benches of encoders, which run several times faster on a tone.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { BOOK_FORMAT } from '../../src/audio/wav-format.js';
import { tone } from '../../src/audio/tone.js';
import { wavHeader } from '../../src/audio/write-wav.js';
import { fillWithSpeech, loadSpeechBank, type SpeechBank } from './speech-bank.js';
import { joinSentences, speakSentence, type TestVoice } from './align-speech.js';
import { chunkSentences } from '../../src/producer/chunk-sentences.js';

export interface FakeModelOptions {
  /** Expected bearer token; default 'test-key'. */
  apiKey?: string;
  /** Base latency per request in ms; default 0. */
  latencyMs?: number;
  /** Extra latency, uniform in 0..jitterMs; default 0. */
  jitterMs?: number;
  /** Requests per sliding 60 s window; over it, 429 with Retry-After and retry-after-ms. Default: unlimited. */
  rpm?: number;
  /** Speech rate of faithful audio: duration = text.length / charsPerSecond seconds. Default 15. */
  charsPerSecond?: number;
  /**
   * Faithful audio is real speech: sentences from a bank the offline voice renders once at start-up
   * (cached under the OS temp dir), joined with short pauses to the same duration. Answered and
   * cut-off readings keep the unfaithful tone. Default false: a tone of faithfulHz.
   */
  speech?: boolean;
  /**
   * Faithful readings of chat completions say the request's text: each of its sentences (as the
   * producer cuts them) spoken by `voice` (flite or espeak-ng, see align-speech.ts) with `pauseMs`
   * (default 350) between them. `drop` may name a sentence to leave out of the audio of the n-th
   * such reading (0-based) while the transcript still says all of it: a model that skips a
   * sentence. Takes precedence over `speech`.
   */
  readText?: { voice: TestVoice; pauseMs?: number; drop?: (reading: number, sentences: readonly string[]) => number | undefined };
  /** Tone of faithful audio; default 440 Hz. */
  faithfulHz?: number;
  /** Tone of answered or cut-off audio; default 880 Hz. */
  unfaithfulHz?: number;
  /** Share (0..1) of requests answered instead of read; default 0. */
  answerRate?: number;
  /** Share (0..1) of requests cut off with finish_reason 'length'; default 0. */
  lengthRate?: number;
  /**
   * Share (0..1) of words a faithful reading's transcript gets wrong (dropped or misheard), as a
   * real transcript sometimes does; the audio is still the faithful tone. Default 0: exact.
   */
  mishearRate?: number;
  /**
   * Level of faithful readings, call after call (dB relative to the usual tone, cycled): a model
   * whose output level drifts between calls. Default: no drift.
   */
  levelDriftDb?: number[];
  /** Seed for latency jitter and the answer/cut draws; default random. */
  seed?: number;
  /** Port to listen on (127.0.0.1); default 0, any free port. */
  port?: number;
  /** Model ids served (GET /v1/models, and accepted by both endpoints); default FAKE_MODELS. */
  models?: string[];
  /**
   * Which model routes answer: both GET /v1/models/{model} and GET /v1/models (default), only the
   * list (as some compatible servers), or neither (404 for both, as a bare server).
   */
  modelRoutes?: 'both' | 'list' | 'none';
  /**
   * Text mode (a chat completion without `modalities: ["audio"]`, as the cast's attribution asks):
   * the answer's `message.content` for a request, given its user and system messages and its
   * `response_format`. Default: a structured answer naming "narrator" for every quotation marked
   * [Qn]...[/Qn] in the user message, when the request asks for a JSON schema; else "OK".
   */
  answerText?: (request: { text: string; system: string; responseFormat: unknown }) => string;
}

/** What the fake serves unless told otherwise. */
export const FAKE_MODELS: readonly string[] = ['gpt-4o-audio-preview', 'gpt-4o-audio-preview-2025-06-03', 'gpt-audio', 'gpt-audio-mini', 'gpt-4o-mini-tts', 'tts-1', 'tts-1-hd'];

/** The longest `input` of POST /v1/audio/speech, in characters, as OpenAI's reference gives it. */
const SPEECH_MAX_INPUT = 4096;

export type FakeOutcome = 'read' | 'answered' | 'cut' | 'error' | 'rate-limited' | 'hung';

export interface FakeCall {
  at: number;
  /** Which endpoint: chat completions (default) or POST /v1/audio/speech. */
  endpoint: 'chat' | 'speech';
  /** The user message (chat) or `input` (speech). */
  text: string;
  /** The system message (chat) or `instructions` (speech, '' when none were sent). */
  system: string;
  /** The parsed request body, whatever the client sent. */
  body: any;
  /** HTTP status sent; 0 while pending or when hung. */
  status: number;
  /** When the reply was handed to the socket (ms since the epoch); 0 while pending or when hung. */
  repliedAt: number;
  outcome: FakeOutcome;
  /** The client's port: a keep-alive connection's calls share it. */
  socket: number;
  /** The voice asked for (`audio.voice` of a chat-audio call, `voice` of a speech call); absent in text mode. */
  voice?: string;
  /** True for a chat completion in text mode (no audio asked): the cast's attribution calls. */
  textMode?: boolean;
}

export type Fault =
  | { kind: 'status'; status: number; retryAfterSeconds?: number; retryAfterMs?: number; message?: string; match?: string }
  | { kind: 'hang'; match?: string }
  /** 200 with a body that is not usable audio: an HTML page, a JSON non-completion, or (default) audio.data that is not WAV. */
  | { kind: 'non-audio'; variant?: 'html' | 'json' | 'not-wav'; match?: string }
  | { kind: 'answer'; match?: string }
  | { kind: 'cut'; match?: string }
  /** A reading (faithful audio, finish_reason stop) whose transcript is this text: respaced, repunctuated, or translated. */
  | { kind: 'transcript'; transcript: string; match?: string };

export interface FakeModelServer {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1. */
  url: string;
  /** Every request received, in order (no audio kept). */
  calls: FakeCall[];
  /** Queue one-shot faults, consumed in order by the next requests whose user text includes `match`. */
  inject(...faults: Fault[]): void;
  /** Count of requests whose user text equals or contains `text`. */
  callsFor(text: string): number;
  /** Stops serving `model` from now on: calls and look-ups of it answer 404 model_not_found. */
  withdraw(model: string): void;
  /** Paths of every GET /v1/models[/...] received, in order. */
  modelRequests: string[];
  /** Stops listening and destroys every socket, hung ones included; safe to call twice. */
  close(): Promise<void>;
}

/** What GET /__stats returns, for tests that run the fake in another process. */
export interface FakeStats {
  calls: number;
  byOutcome: Partial<Record<FakeOutcome, number>>;
  /** Calls per sha1 (hex) of the user text. */
  perText: Record<string, number>;
}

/** One call as GET /__timings reports it. */
export interface FakeTiming {
  sha1: string;
  at: number;
  repliedAt: number;
  status: number;
  /** The client's port: calls on one keep-alive connection follow one another. */
  socket: number;
}

const ANSWER = "Hi there! How's it going?";
const WINDOW_MS = 60_000;

/** Starts the fake on 127.0.0.1 and resolves once it listens. */
export async function startFakeModel(options: FakeModelOptions = {}): Promise<FakeModelServer> {
  const opts = {
    apiKey: options.apiKey ?? 'test-key',
    latencyMs: options.latencyMs ?? 0,
    jitterMs: options.jitterMs ?? 0,
    rpm: options.rpm,
    cps: options.charsPerSecond ?? 15,
    faithfulHz: options.faithfulHz ?? 440,
    unfaithfulHz: options.unfaithfulHz ?? 880,
    answerRate: options.answerRate ?? 0,
    lengthRate: options.lengthRate ?? 0,
    mishearRate: options.mishearRate ?? 0,
  };
  const random = mulberry32(options.seed ?? randomBytes(4).readUInt32LE(0));
  const bank = options.speech ? await loadSpeechBank() : undefined;
  // What a faithful reading of `text` sounds like: the tone, or speech (which sentences, from the text).
  let readings = 0;
  const faithful = (text: string, drift = 0): Speech | Promise<Speech> =>
    options.readText ? readAloud(text, options.readText, readings++) : bank ? spokenAudio(bank, text.length / opts.cps, createHash('sha1').update(text).digest().readUInt32LE(0), drift) : speech(text.length / opts.cps, opts.faithfulHz, drift);
  const calls: FakeCall[] = [];
  const faults: Fault[] = [];
  const served = new Set(options.models ?? FAKE_MODELS);
  const modelRoutes = options.modelRoutes ?? 'both';
  const modelRequests: string[] = [];
  const admitted: number[] = [];
  let readCount = 0;
  const timers = new Set<NodeJS.Timeout>();

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
      timers.add(timer);
    });

  const takeFault = (text: string): Fault | undefined => {
    const i = faults.findIndex((f) => f.match === undefined || text.includes(f.match));
    return i < 0 ? undefined : faults.splice(i, 1)[0];
  };

  // Sliding window of admitted requests: the wait is until the oldest one leaves the window.
  const rateLimitWaitMs = (now: number): number => {
    if (opts.rpm === undefined) return 0;
    while (admitted.length > 0 && admitted[0]! <= now - WINDOW_MS) admitted.shift();
    if (admitted.length >= opts.rpm) return Math.max(1, admitted[0]! + WINDOW_MS - now);
    admitted.push(now);
    return 0;
  };

  const stats = (): FakeStats => {
    const byOutcome: FakeStats['byOutcome'] = {};
    const perText: Record<string, number> = {};
    for (const c of calls) {
      byOutcome[c.outcome] = (byOutcome[c.outcome] ?? 0) + 1;
      const key = createHash('sha1').update(c.text).digest('hex');
      perText[key] = (perText[key] ?? 0) + 1;
    }
    return { calls: calls.length, byOutcome, perText };
  };

  // Per call: arrival, reply and the sha1 of the text, so a bench can split a job's time into its
  // own side and the fake's.
  const timings = (): FakeTiming[] =>
    calls.map((c) => ({ sha1: createHash('sha1').update(c.text).digest('hex'), at: c.at, repliedAt: c.repliedAt, status: c.status, socket: c.socket }));

  async function completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const body = parseJson(raw);
    const { text, system } = readMessages(body);
    const textMode = isTextMode(body);
    const askedVoice = (body as { audio?: { voice?: unknown } } | undefined)?.audio?.voice;
    const call: FakeCall = { at: Date.now(), endpoint: 'chat', text, system, body, status: 0, repliedAt: 0, outcome: 'error', socket: req.socket.remotePort ?? 0, ...(typeof askedVoice === 'string' ? { voice: askedVoice } : {}), ...(textMode ? { textMode } : {}) };
    calls.push(call);
    const reply = (status: number, outcome: FakeOutcome, payload: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      call.outcome = outcome;
      send(res, status, payload, headers);
      call.repliedAt = Date.now();
    };

    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      const message = 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.';
      return reply(401, 'error', errorBody(401, message, 'invalid_api_key'));
    }
    const model = (body as { model?: unknown } | undefined)?.model;
    if (typeof model === 'string' && !served.has(model)) return reply(404, 'error', modelNotFound(model));
    if (textMode) {
      const invalidText = validateText(body);
      if (invalidText) return reply(400, 'error', errorBody(400, invalidText.message, invalidText.code, invalidText.param));
      const fault = takeFault(text);
      if (fault?.kind === 'hang') {
        call.outcome = 'hung';
        return;
      }
      await delay(opts.latencyMs);
      if (fault?.kind === 'status') return reply(fault.status, fault.status === 429 ? 'rate-limited' : 'error', errorBody(fault.status, fault.message ?? `Injected ${fault.status}`, null));
      const responseFormat = (body as { response_format?: unknown }).response_format;
      const content = fault?.kind === 'transcript' ? fault.transcript : (options.answerText ?? defaultTextAnswer)({ text, system, responseFormat });
      return reply(200, 'read', textCompletion(body, content));
    }
    const invalid = validate(body);
    if (invalid) return reply(400, 'error', errorBody(400, invalid.message, invalid.code, invalid.param));

    // Draw the same numbers for every request so a seed gives the same run whatever the faults.
    const roll = random();
    const wait = opts.latencyMs + random() * opts.jitterMs;
    const fault = takeFault(text);
    if (fault?.kind === 'hang') {
      call.outcome = 'hung';
      return; // never answer: the socket stays open until the client gives up or close() destroys it
    }
    if (fault === undefined) {
      const retryMs = rateLimitWaitMs(Date.now());
      if (retryMs > 0) {
        const message = `Rate limit reached for requests on gpt-4o-audio-preview: Limit ${opts.rpm}, Used ${opts.rpm}, Requested 1. Please try again in ${(retryMs / 1000).toFixed(3)}s.`;
        return reply(429, 'rate-limited', errorBody(429, message, 'rate_limit_exceeded'), {
          'retry-after': String(Math.ceil(retryMs / 1000)),
          'retry-after-ms': String(Math.ceil(retryMs)),
          'x-ratelimit-limit-requests': String(opts.rpm),
          'x-ratelimit-remaining-requests': '0',
        });
      }
    }
    await delay(wait);

    if (fault?.kind === 'status') {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      const message = fault.message ?? `Injected ${fault.status}`;
      return reply(fault.status, fault.status === 429 ? 'rate-limited' : 'error', errorBody(fault.status, message, null), headers);
    }
    if (fault?.kind === 'non-audio') {
      const variant = fault.variant ?? 'not-wav';
      if (variant === 'html') {
        call.status = 200;
        return sendRaw(res, 200, 'text/html; charset=utf-8', '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>');
      }
      if (variant === 'json') return reply(200, 'error', { object: 'error', status: 'ok', message: 'upstream is warming up' });
      const notWav = Buffer.from('{"detail":"audio unavailable"}');
      return reply(200, 'error', completion(body, text, 'stop', { bytes: notWav.length, base64: Buffer.from(notWav.toString('base64'), 'latin1') }));
    }

    const answered = fault?.kind === 'answer' || (fault === undefined && roll < opts.answerRate);
    const cut = fault?.kind === 'cut' || (fault === undefined && !answered && roll < opts.answerRate + opts.lengthRate);
    if (answered) return reply(200, 'answered', completion(body, ANSWER, 'stop', speech(2, opts.unfaithfulHz)));
    if (cut) {
      const words = text.split(/\s+/).filter(Boolean);
      const half = words.slice(0, Math.max(1, Math.floor(words.length / 2))).join(' ');
      return reply(200, 'cut', completion(body, half, 'length', speech(half.length / opts.cps, opts.unfaithfulHz)));
    }
    if (fault?.kind === 'transcript') return reply(200, 'read', completion(body, fault.transcript, 'stop', await faithful(text)));
    const transcript = opts.mishearRate > 0 ? mishear(text, opts.mishearRate, random) : text;
    const drift = options.levelDriftDb?.length ? options.levelDriftDb[readCount++ % options.levelDriftDb.length]! : 0;
    reply(200, 'read', completion(body, transcript, 'stop', await faithful(text, drift)));
  }

  /** POST /v1/audio/speech: the audio as a binary body (WAV with a streaming header, or raw PCM), streamed in pieces. */
  async function speechRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseJson(await readBody(req)) as Record<string, unknown> | undefined;
    const text = typeof body?.input === 'string' ? body.input : '';
    const system = typeof body?.instructions === 'string' ? body.instructions : '';
    const call: FakeCall = { at: Date.now(), endpoint: 'speech', text, system, body, status: 0, repliedAt: 0, outcome: 'error', socket: req.socket.remotePort ?? 0, ...(typeof body?.voice === 'string' ? { voice: body.voice } : {}) };
    calls.push(call);
    const reply = (status: number, outcome: FakeOutcome, payload: unknown) => {
      call.status = status;
      call.outcome = outcome;
      send(res, status, payload);
      call.repliedAt = Date.now();
    };
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return reply(401, 'error', errorBody(401, 'Incorrect API key provided.', 'invalid_api_key'));
    if (typeof body?.model === 'string' && !served.has(body.model)) return reply(404, 'error', modelNotFound(body.model));
    const invalid = validateSpeech(body);
    if (invalid) return reply(400, 'error', errorBody(400, invalid.message, invalid.code, invalid.param));
    random();
    const wait = opts.latencyMs + random() * opts.jitterMs;
    const fault = takeFault(text);
    if (fault?.kind === 'hang') {
      call.outcome = 'hung';
      return;
    }
    await delay(wait);
    if (fault?.kind === 'status') return reply(fault.status, fault.status === 429 ? 'rate-limited' : 'error', errorBody(fault.status, fault.message ?? `Injected ${fault.status}`, null));
    if (fault?.kind === 'non-audio') return reply(200, 'error', { object: 'error', message: 'upstream is warming up' });
    // A cut reading is a tenth of the text's length: what a duration check must turn down.
    const cut = fault?.kind === 'cut';
    const pcm = tone(BOOK_FORMAT, Math.round(Math.max(0.1, (text.length / opts.cps) * (cut ? 0.1 : 1)) * 1000), cut ? opts.unfaithfulHz : opts.faithfulHz, 0.3);
    const wav = body!.response_format === 'wav';
    const header = wavHeader(BOOK_FORMAT, pcm.length);
    header.writeUInt32LE(0xffffffff, 4);
    header.writeUInt32LE(0xffffffff, 40);
    const audio = wav ? Buffer.concat([header, pcm]) : pcm;
    call.status = 200;
    call.outcome = cut ? 'cut' : 'read';
    res.writeHead(200, { 'content-type': wav ? 'audio/wav' : 'audio/pcm', 'transfer-encoding': 'chunked', 'x-request-id': `req_${randomBytes(8).toString('hex')}` });
    // Pieces cut at odd offsets, as a stream arrives: no piece need hold whole samples.
    for (const [from, to] of [[0, 7], [7, 1001], [1001, audio.length]] as const) res.write(audio.subarray(Math.min(from, audio.length), Math.min(to, audio.length)));
    res.end();
    call.repliedAt = Date.now();
  }

  /** GET /v1/models and /v1/models/{model}, as OpenAI answers them. */
  function modelsRoute(req: IncomingMessage, res: ServerResponse, path: string): void {
    modelRequests.push(path);
    if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return send(res, 401, errorBody(401, 'Incorrect API key provided.', 'invalid_api_key'));
    const id = decodeURIComponent(path.replace(/^(\/v1)?\/models\/?/, ''));
    if (modelRoutes === 'none' || (id !== '' && modelRoutes === 'list')) return send(res, 404, errorBody(404, `Unknown request URL: GET ${path}.`, 'unknown_url'));
    const entry = (m: string) => ({ id: m, object: 'model', created: 1_700_000_000, owned_by: 'system' });
    if (id === '') return send(res, 200, { object: 'list', data: [...served].map(entry) });
    if (!served.has(id)) return send(res, 404, modelNotFound(id));
    send(res, 200, entry(id));
  }

  const server = createServer((req, res) => {
    res.on('error', () => {}); // the client may have hung up; nothing to do about it
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const route =
      req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')
        ? completions(req, res)
        : req.method === 'POST' && (path === '/v1/audio/speech' || path === '/audio/speech')
          ? speechRoute(req, res)
        : req.method === 'GET' && /^(\/v1)?\/models(\/|$)/.test(path)
          ? Promise.resolve(modelsRoute(req, res, path))
        : req.method === 'GET' && path === '/__stats'
          ? Promise.resolve(send(res, 200, stats()))
          : req.method === 'GET' && path === '/__timings'
            ? Promise.resolve(send(res, 200, timings()))
          : req.method === 'POST' && path === '/__inject'
            ? readBody(req).then((raw) => {
                const parsed = parseJson(raw) as Fault | Fault[] | undefined;
                if (parsed !== undefined) faults.push(...(Array.isArray(parsed) ? parsed : [parsed]));
                send(res, 200, { queued: faults.length });
              })
            : Promise.resolve(send(res, 404, errorBody(404, `Unknown request URL: ${req.method} ${path}.`, 'unknown_url')));
    route.catch((error: unknown) => send(res, 500, errorBody(500, String(error), null)));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    inject: (...more) => void faults.push(...more),
    callsFor: (text) => calls.filter((c) => c.text.includes(text)).length,
    withdraw: (model) => void served.delete(model),
    modelRequests,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections(); // hung requests and idle keep-alive sockets alike
      })),
  };
}

/** The text with a share of its words dropped or swapped for a near miss, as a transcript might. */
function mishear(text: string, rate: number, random: () => number): string {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((word) => {
      if (random() >= rate) return [word];
      return random() < 0.5 ? [] : [`${word.replace(/[^\p{L}]/gu, '')}s`];
    })
    .join(' ');
}

/** Audio as the response carries it: base64 of a WAV (as ASCII bytes, ready for the socket), and the WAV's size. */
interface Speech {
  bytes: number;
  base64: Buffer;
}

/**
 * Recent audio, by length and tone. The fake stands in for a service on other machines; making the
 * same tone again for every request of the same length would spend this machine's CPU on the
 * stand-in and make the system under test look slower than it is.
 */
const speechCache = new Map<string, Speech>();
const SPEECH_CACHE_ENTRIES = 32;

/** A tone as the service streams its WAV: 24 kHz mono 16-bit with RIFF and data sizes of 0xFFFFFFFF. */
function speech(seconds: number, hz: number, driftDb = 0): Speech {
  const ms = Math.round(Math.max(0.1, seconds) * 1000);
  return cachedAudio(`${ms}:${hz}:${driftDb}`, () => tone(BOOK_FORMAT, ms, hz, 0.3 * 10 ** (driftDb / 20)));
}

/** Speech from the bank, `seconds` long, its sentences chosen by `seed`, streamed like speech(). */
function spokenAudio(bank: SpeechBank, seconds: number, seed: number, driftDb = 0): Speech {
  const samples = Math.round(Math.max(0.1, seconds) * BOOK_FORMAT.sampleRate);
  const start = seed % bank.length;
  return cachedAudio(`speech:${samples}:${start}:${driftDb}`, () => fillWithSpeech(bank, samples, start, 10 ** (driftDb / 20)));
}

/** The text read aloud, sentence by sentence (see FakeModelOptions.readText); one sentence left out when `drop` says so. */
async function readAloud(text: string, how: NonNullable<FakeModelOptions['readText']>, reading: number): Promise<Speech> {
  const sentences = chunkSentences(text);
  const dropped = how.drop?.(reading, sentences);
  const clips: Int16Array[] = [];
  for (const [i, sentence] of sentences.entries()) if (i !== dropped) clips.push(await speakSentence(how.voice, sentence));
  const joined = joinSentences(clips, clips.map(() => how.pauseMs ?? 350), 200);
  const pcm = Buffer.from(joined.samples.buffer, joined.samples.byteOffset, joined.samples.byteLength);
  return cachedAudio(`read:${createHash('sha1').update(JSON.stringify([text, dropped, how.voice, how.pauseMs])).digest('hex')}`, () => pcm);
}

function cachedAudio(key: string, pcmOf: () => Buffer): Speech {
  const cached = speechCache.get(key);
  if (cached) return cached;
  const pcm = pcmOf();
  const header = wavHeader(BOOK_FORMAT, pcm.length);
  header.writeUInt32LE(0xffffffff, 4);
  header.writeUInt32LE(0xffffffff, 40);
  const wav = Buffer.concat([header, pcm]);
  const made = { bytes: wav.length, base64: Buffer.from(wav.toString('base64'), 'latin1') };
  if (speechCache.size >= SPEECH_CACHE_ENTRIES) speechCache.delete(speechCache.keys().next().value!);
  speechCache.set(key, made);
  return made;
}

/**
 * A completion to send: its JSON with a marker where `audio.data` goes, and the base64 that
 * replaces the marker on the way out. The fake stands in for a service on other machines, so its
 * CPU on this one should stay small: the megabytes of base64 go to the socket as they are, never
 * through JSON.stringify (which cost the bench's fake 2 ms a reply and made replies due together
 * queue behind each other).
 */
interface CompletionBody {
  payload: object;
  audio: Buffer;
}

const AUDIO_MARK = '__fake_audio_data__';

function completion(body: unknown, transcript: string, finishReason: 'stop' | 'length', wav: Speech): CompletionBody {
  const now = Math.floor(Date.now() / 1000);
  const { system, text } = readMessages(body);
  const model = (body as { model?: unknown }).model;
  const promptTokens = Math.ceil((system.length + text.length) / 4) + 7;
  // Roughly what the service bills: audio tokens grow with duration, text tokens with the transcript.
  const audioTokens = Math.ceil((wav.bytes - 44) / 48000 / 0.1);
  const textTokens = Math.ceil(transcript.length / 4);
  const payload = {
    id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
    object: 'chat.completion',
    created: now,
    model: model === 'gpt-4o-audio-preview' ? 'gpt-4o-audio-preview-2025-06-03' : model,
    choices: [
      {
        index: 0,
        finish_reason: finishReason,
        logprobs: null,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          annotations: [],
          audio: { id: `audio_${randomBytes(16).toString('hex')}`, data: AUDIO_MARK, expires_at: now + 3600, transcript },
        },
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: audioTokens + textTokens,
      total_tokens: promptTokens + audioTokens + textTokens,
      completion_tokens_details: { accepted_prediction_tokens: 0, audio_tokens: audioTokens, reasoning_tokens: 0, rejected_prediction_tokens: 0, text_tokens: textTokens },
      prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0, text_tokens: promptTokens, image_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_fake00000',
  };
  return { payload, audio: wav.base64 };
}

/** The last user message and the system (or developer) message, as plain text. */
function readMessages(body: unknown): { text: string; system: string } {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages)) return { text: '', system: '' };
  const list = messages as Array<{ role?: unknown; content?: unknown }>;
  const user = list.filter((m) => m?.role === 'user').at(-1);
  const system = list.find((m) => m?.role === 'system' || m?.role === 'developer');
  return { text: contentText(user?.content), system: contentText(system?.content) };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: { type?: unknown; text?: unknown }) => (p?.type === 'text' && typeof p.text === 'string' ? p.text : '')).join('');
}

/** What the real endpoint would reject with 400, in its words; undefined when the request is fine. */
function validate(body: unknown): { message: string; param: string | null; code: string | null } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { message: 'We could not parse the JSON body of your request.', param: null, code: null };
  }
  const b = body as Record<string, unknown>;
  const missing = (param: string) => ({ message: `Missing required parameter: '${param}'.`, param, code: 'missing_required_parameter' });
  if (typeof b.model !== 'string') return missing('model');
  if (!Array.isArray(b.messages) || b.messages.length === 0) return missing('messages');
  if (!readMessages(b).text) return { message: "The request needs a 'user' message with text.", param: 'messages', code: 'invalid_value' };
  if (!Array.isArray(b.modalities) || !b.modalities.includes('audio')) return missing('modalities');
  const audio = b.audio as { voice?: unknown; format?: unknown } | undefined;
  if (typeof audio !== 'object' || audio === null) return missing('audio');
  if (typeof audio.voice !== 'string') return missing('audio.voice');
  if (audio.format !== 'wav') return { message: "This fake only produces 'wav' audio.", param: 'audio.format', code: 'invalid_value' };
  return undefined;
}

/** What POST /v1/audio/speech would reject with 400; undefined when the request is fine. */
function validateSpeech(body: Record<string, unknown> | undefined): { message: string; param: string | null; code: string | null } | undefined {
  if (body === undefined) return { message: 'We could not parse the JSON body of your request.', param: null, code: null };
  const missing = (param: string) => ({ message: `Missing required parameter: '${param}'.`, param, code: 'missing_required_parameter' });
  if (typeof body.model !== 'string') return missing('model');
  if (typeof body.input !== 'string' || body.input === '') return missing('input');
  if (body.input.length > SPEECH_MAX_INPUT) return { message: `String should have at most ${SPEECH_MAX_INPUT} characters, got ${body.input.length}.`, param: 'input', code: 'string_above_max_length' };
  if (typeof body.voice !== 'string') return missing('voice');
  const format = body.response_format ?? 'mp3';
  if (!['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'].includes(format as string)) return { message: `Invalid value: '${String(format)}'.`, param: 'response_format', code: 'invalid_value' };
  if (format !== 'wav' && format !== 'pcm') return { message: "This fake only produces 'wav' and 'pcm' audio.", param: 'response_format', code: 'invalid_value' };
  if (body.instructions !== undefined && typeof body.instructions !== 'string') return { message: 'instructions must be a string.', param: 'instructions', code: 'invalid_type' };
  return undefined;
}

/** OpenAI's answer for a model it does not serve (or that was retired). */
function modelNotFound(model: string): object {
  return { error: { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: 'model_not_found' } };
}

function errorBody(status: number, message: string, code: string | null, param: string | null = null): object {
  const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param, code } };
}

function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  if (isCompletion(payload)) return sendCompletion(res, status, payload, headers);
  sendRaw(res, status, 'application/json', JSON.stringify(payload), headers);
}

function isCompletion(payload: unknown): payload is CompletionBody {
  return typeof payload === 'object' && payload !== null && 'audio' in payload && Buffer.isBuffer((payload as CompletionBody).audio);
}

/** The completion's JSON with the base64 written in place of its marker, without copying it. */
function sendCompletion(res: ServerResponse, status: number, body: CompletionBody, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(body.payload);
  const at = json.indexOf(AUDIO_MARK);
  const head = Buffer.from(json.slice(0, at));
  const tail = Buffer.from(json.slice(at + AUDIO_MARK.length));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(head.length + body.audio.length + tail.length),
    'x-request-id': `req_${randomBytes(8).toString('hex')}`,
    ...headers,
  });
  res.cork();
  res.write(head);
  res.write(body.audio);
  res.end(tail);
}

function sendRaw(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.from(body);
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(bytes.length),
    'x-request-id': `req_${randomBytes(8).toString('hex')}`,
    ...headers,
  });
  res.end(bytes);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** A tiny seeded PRNG (mulberry32): returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A chat completion of a text model asking for no audio: text mode (the cast's attribution). An
 * audio model asked for text alone is refused below, as OpenAI refuses it (it needs audio in or out).
 */
function isTextMode(body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as { model?: unknown; modalities?: unknown; audio?: unknown };
  if (typeof b.model !== 'string' || /audio/.test(b.model)) return false;
  return b.audio === undefined && (b.modalities === undefined || (Array.isArray(b.modalities) && !b.modalities.includes('audio')));
}

/** What OpenAI rejects in a text-mode request with 400 (the parts the cast sends); undefined when fine. */
function validateText(body: unknown): { message: string; param: string | null; code: string | null } | undefined {
  const b = body as Record<string, unknown>;
  const missing = (param: string) => ({ message: `Missing required parameter: '${param}'.`, param, code: 'missing_required_parameter' });
  if (typeof b.model !== 'string') return missing('model');
  if (!Array.isArray(b.messages) || b.messages.length === 0) return missing('messages');
  const format = b.response_format as { type?: unknown; json_schema?: { name?: unknown; schema?: unknown } } | undefined;
  if (format !== undefined && format.type === 'json_schema') {
    if (typeof format.json_schema?.name !== 'string') return missing('response_format.json_schema.name');
    if (typeof format.json_schema.schema !== 'object' || format.json_schema.schema === null) return missing('response_format.json_schema.schema');
  }
  return undefined;
}

/** Every quotation marked [Qn]...[/Qn] in `text`, in order: what the cast's attribution asks about. */
export function markedQuotations(text: string): { index: number; text: string }[] {
  return [...text.matchAll(/\[Q(\d+)\]([\s\S]*?)\[\/Q\1\]/g)].map((m) => ({ index: Number(m[1]), text: m[2]! }));
}

function defaultTextAnswer(request: { text: string; responseFormat: unknown }): string {
  if ((request.responseFormat as { type?: unknown } | undefined)?.type !== 'json_schema') return 'OK';
  return JSON.stringify({ quotations: markedQuotations(request.text).map((q) => ({ index: q.index, speaker: 'narrator' })) });
}

/** A text-mode chat completion as OpenAI sends it: the content in `message.content`, usage in tokens. */
function textCompletion(body: unknown, content: string): unknown {
  const { system, text } = readMessages(body);
  const promptTokens = Math.ceil((system.length + text.length) / 4) + 7;
  const completionTokens = Math.ceil(content.length / 4);
  return {
    id: `chatcmpl-${randomBytes(12).toString('base64url')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: (body as { model?: unknown }).model,
    choices: [{ index: 0, finish_reason: 'stop', logprobs: null, message: { role: 'assistant', content, refusal: null, annotations: [] } }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      completion_tokens_details: { accepted_prediction_tokens: 0, audio_tokens: 0, reasoning_tokens: 0, rejected_prediction_tokens: 0 },
      prompt_tokens_details: { audio_tokens: 0, cached_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_fake00000',
  };
}
