/**
 * The only reader of process.env. One schema, one typed frozen Config, and errors that name the
 * variable, what was expected and what was given.
 */
import { delimiter } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { redisTargetFrom, type RedisTarget } from './queue/redis-target.js';
import { fileLocation, parseStoreUrl, type StoreLocation } from './store/store-location.js';
import type { S3Settings } from './store/s3-settings.js';
import { redactUrl } from './notify/notify-url.js';

const DEFAULT_BASE_URL = 'https://api.aimlapi.com/v1';

/** Who reads a book: the built-in voice, a chat model with audio output, or the text-to-speech endpoint. */
export const PROVIDERS = ['offline', 'chat-audio', 'speech'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** The model each provider uses when NARRATE_MODEL is unset. */
const DEFAULT_MODELS: Record<Exclude<ProviderName, 'offline'>, string> = { 'chat-audio': 'gpt-4o-audio-preview', speech: 'gpt-4o-mini-tts' };

/** OpenAI's own model ids that only one endpoint serves: a mix-up is caught before any call. */
const SPEECH_ONLY_MODEL = /^(tts-1|gpt-4o-mini-tts)(-|$)/;
const CHAT_AUDIO_ONLY_MODEL = /^(gpt-4o-audio-preview|gpt-4o-mini-audio-preview|gpt-audio)(-|$)/;

const intFrom = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `an integer from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `an integer from ${min} to ${max}`).max(max, `an integer from ${min} to ${max}`));

/** true/false (or 1/0; empty is false), default false. */
const booleanFrom = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0', ''], { error: 'true or false' }))
    .transform((s) => s === 'true' || s === '1')
    .default(false);

const optionalText = z
  .string()
  .transform((s) => s.trim())
  .transform((s) => (s === '' ? undefined : s));

/**
 * An origin as browsers send it in the Origin header ("https://host:port", default ports
 * dropped, host lower-cased), or undefined when `text` is not an http(s) origin. A trailing "/" is
 * accepted; a path, query, fragment or user name is not, since Origin never carries them.
 */
function parseOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/') return undefined;
  if (/[?#]/.test(text)) return undefined;
  return url.origin;
}

/** Every environment variable narrate reads, with its default. */
const schema = z.object({
  /** API key of the chat-audio provider. Unset: the offline voice narrates. */
  NARRATE_API_KEY: optionalText.optional(),
  /** OpenAI-compatible base URL, up to and including /v1. */
  NARRATE_BASE_URL: z
    .string()
    .trim()
    .default(DEFAULT_BASE_URL)
    .pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL such as https://api.aimlapi.com/v1' })),
  /** offline, chat-audio or speech. Unset: chat-audio with an API key, offline without. */
  NARRATE_PROVIDER: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(PROVIDERS, { error: `one of ${PROVIDERS.join(', ')}` }))
    .optional(),
  /** Model id sent in every request. Default gpt-4o-audio-preview (chat-audio) or gpt-4o-mini-tts (speech). */
  NARRATE_MODEL: z.string().trim().min(1, 'a model id').optional(),
  /**
   * The provider's text chat model that attributes quotations to speakers for `--cast auto`, one call per
   * chapter with a JSON-schema answer. Default gpt-4o-mini: a text model that takes structured output.
   */
  NARRATE_CAST_MODEL: z.string().trim().min(1, 'a model id').default('gpt-4o-mini'),
  /** response_format asked of the speech endpoint: wav (self-describing) or pcm (raw 24 kHz 16-bit mono). */
  NARRATE_SPEECH_FORMAT: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['wav', 'pcm'], { error: 'wav or pcm' }))
    .default('wav'),
  /** Voice used when neither a flag nor a manifest names one. */
  NARRATE_VOICE: z.string().trim().min(1, 'a voice name').default('alloy'),
  /** Redis connection string. */
  REDIS_URL: z
    .string()
    .trim()
    .default('redis://127.0.0.1:6379')
    .pipe(z.url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' })),
  /** Key prefix: deployments and test runs sharing one Redis never see each other's queues. */
  NARRATE_PREFIX: z
    .string()
    .trim()
    .default('narrate')
    .pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" (1 to 64 of them)')),
  /** Synthesize jobs in flight per worker process. */
  NARRATE_CONCURRENCY: intFrom(1, 1000).default(4),
  /** Abort a model call that has not answered after this many milliseconds (then retry it). */
  NARRATE_REQUEST_TIMEOUT_MS: intFrom(100, 3_600_000).default(120_000),
  /** Attempts per chunk for transient failures (429 pauses do not count). */
  NARRATE_MAX_ATTEMPTS: intFrom(1, 100).default(6),
  /** First retry delay; each next one doubles, with jitter. */
  NARRATE_BACKOFF_MS: intFrom(0, 600_000).default(2_000),
  /** Fleet-wide limit on model requests per minute, shared through Redis. Unset: no limit. */
  NARRATE_RPM: intFrom(1, 1_000_000).optional(),
  /** Fleet-wide tokens per minute, counted as the provider does (prompt estimate + max_tokens). Unset: no limit. */
  NARRATE_TPM: intFrom(1, 1_000_000_000).optional(),
  /** Fleet-wide cap on synthesize jobs in flight across every worker (BullMQ global concurrency). Unset: no cap. */
  NARRATE_GLOBAL_CONCURRENCY: intFrom(1, 100_000).optional(),
  /**
   * How long a worker's lock on a job lasts without renewal. A worker that dies (SIGKILL, power
   * loss) gives its jobs back to the fleet after about this long.
   */
  NARRATE_LOCK_DURATION_MS: intFrom(1_000, 600_000).default(30_000),
  /** Minimum word similarity between a chunk's text and the model's transcript to accept a reading. */
  NARRATE_SIMILARITY_THRESHOLD: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'a number from 0 to 1')
    .transform(Number)
    .default(0.9),
  /**
   * `on`: every accepted reading is aligned with its sentences (their timings go to the manifest and
   * captions) and a reading that seems to skip one is narrated again; `off`: neither.
   */
  NARRATE_ALIGN: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['on', 'off'], { error: 'on or off' }))
    .default('on'),
  /** A pronunciation lexicon (JSON or YAML map of word → spoken form) applied to every book. */
  NARRATE_LEXICON: z.string().trim().min(1, 'a file path').optional(),
  /** `narrate worker`: how long the first SIGTERM/SIGINT waits for jobs in flight before forcing. */
  NARRATE_SHUTDOWN_TIMEOUT_MS: intFrom(0, 3_600_000).default(30_000),
  /** Where segments are stored; every worker of a fleet must see the same directory. A synonym of NARRATE_STORE_URL=file://. */
  NARRATE_STORE_DIR: z.string().trim().min(1, 'a directory path').optional(),
  /** The segment store: file:///dir or s3://bucket/prefix. Default: the directory .narrate/segments. */
  NARRATE_STORE_URL: z
    .string()
    .trim()
    .transform((s, ctx) => {
      try {
        return parseStoreUrl(s);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/, got .*$/s, '') });
        return z.NEVER;
      }
    })
    .optional(),
  /** Path-style S3 addressing (http://host/bucket/key), which MinIO and most self-hosted servers need. */
  NARRATE_S3_PATH_STYLE: booleanFrom(),
  // The AWS SDK's own variables, read here and handed to the S3 client explicitly (see s3-settings.ts).
  /** S3 region (default us-east-1, which S3-compatible servers accept). */
  AWS_REGION: optionalText.optional(),
  AWS_DEFAULT_REGION: optionalText.optional(),
  /** Endpoint of an S3-compatible server (MinIO, Ceph, R2, Backblaze); AWS_ENDPOINT_URL applies to every service. */
  AWS_ENDPOINT_URL_S3: optionalText.optional().pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional()),
  AWS_ENDPOINT_URL: optionalText.optional().pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional()),
  /** Static credentials; unset: the SDK's default chain (profile files, web identity, instance role). */
  AWS_ACCESS_KEY_ID: optionalText.optional(),
  AWS_SECRET_ACCESS_KEY: optionalText.optional(),
  AWS_SESSION_TOKEN: optionalText.optional(),
  /** Characters of text per encoded part (about 15 a second of speech); a part is encoded as soon as its chunks are stored. */
  NARRATE_PART_CHARS: intFrom(100, 1_000_000).default(3_600),
  /** Basic-auth user for the dashboard. */
  NARRATE_DASHBOARD_USER: optionalText.optional(),
  /** Basic-auth password for the dashboard. */
  NARRATE_DASHBOARD_PASSWORD: optionalText.optional(),
  /**
   * The output folders whose audio the dashboard may serve, separated by the platform's path list
   * separator (":" on Linux), like PATH. `narrate dashboard --serve DIR` wins.
   */
  NARRATE_DASHBOARD_SERVE: z
    .string()
    .default('./out')
    .transform((s) => s.split(delimiter).map((dir) => dir.trim()).filter((dir) => dir !== ''))
    .pipe(z.array(z.string()).min(1, `one or more directories separated by "${delimiter}"`)),
  /** The dashboard refuses every request that would change something (bull-board's API included). */
  NARRATE_DASHBOARD_READ_ONLY: booleanFrom(),
  /** The dashboard's public origin (https://narrate.example.com) when a reverse proxy rewrites Host. */
  NARRATE_DASHBOARD_ORIGIN: optionalText.optional().transform((s, ctx) => {
    if (s === undefined) return undefined;
    const origin = parseOrigin(s);
    if (origin === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an origin: http(s)://host[:port], with no path, query or user name' });
      return z.NEVER;
    }
    return origin;
  }),
  /** Live-update streams (open Books pages) the dashboard holds at once; one more is answered 503. */
  NARRATE_DASHBOARD_MAX_STREAMS: intFrom(1, 100_000).default(100),
  /** A JSON or YAML price table keyed by model id, laid over the built-in prices (src/money/prices.ts). */
  NARRATE_PRICES: z.string().trim().min(1, 'a file path').optional(),
  /** Dollars the fleet may spend on model calls per UTC day, counted in Redis. Unset: no budget. */
  NARRATE_DAILY_BUDGET: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'a positive number of dollars')
    .transform(Number)
    .pipe(z.number().positive('a positive number of dollars'))
    .optional(),
  /** Where every book's end is posted when its submit named no --notify (checked again, resolved, before each post). */
  NARRATE_WEBHOOK_URL: z
    .string()
    .trim()
    .pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }))
    .refine((s) => new URL(s).username === '' && new URL(s).password === '', 'a URL without user:password@ (it would be stored in Redis with each book; NARRATE_WEBHOOK_SECRET signs the posts instead)')
    .optional(),
  /** Post webhooks to loopback, link-local, private and other non-public addresses too (a receiver on this host or network). */
  NARRATE_WEBHOOK_ALLOW_PRIVATE: booleanFrom(),
  /** HMAC-SHA256 key of the X-Narrate-Signature header of webhook posts. */
  NARRATE_WEBHOOK_SECRET: optionalText.optional(),
  /** Redis Cluster seed nodes, `host:port,...`: selects an ioredis Cluster (every queue under one hash tag). */
  NARRATE_REDIS_CLUSTER: optionalText.optional(),
  /** Redis Sentinel nodes, `host:port,...`: selects Sentinel, with NARRATE_REDIS_SENTINEL_NAME. */
  NARRATE_REDIS_SENTINELS: optionalText.optional(),
  /** The master group name the sentinels monitor (`sentinel monitor <name> ...`). */
  NARRATE_REDIS_SENTINEL_NAME: optionalText.optional(),
  /** Password of the Redis data nodes under Cluster or Sentinel (with REDIS_URL it goes in the URL). */
  NARRATE_REDIS_PASSWORD: optionalText.optional(),
  /** `narrate worker`: serve /healthz and /metrics on this port (0: one the OS picks). Unset: no server. */
  NARRATE_METRICS_PORT: intFrom(0, 65_535).optional(),
  /** Interface the worker's /healthz and /metrics server binds (probes and scrapers come from outside). */
  NARRATE_METRICS_HOST: z.string().trim().min(1, 'a host or address').default('0.0.0.0'),
  /** pino level for logs on stderr. */
  NARRATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** narrate's settings, read once from the environment. */
export interface Config {
  readonly apiKey: string | undefined;
  /** Who reads: NARRATE_PROVIDER, else chat-audio with a key and offline without. */
  readonly provider: ProviderName;
  readonly baseUrl: string;
  /** The model id sent (for offline: the chat-audio default, which `plan` prices). */
  readonly model: string;
  /** The text chat model that attributes quotations to speakers (`--cast auto` with a key). */
  readonly castModel: string;
  /** response_format of the speech endpoint. */
  readonly speechFormat: 'wav' | 'pcm';
  readonly defaultVoice: string;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly concurrency: number;
  readonly requestTimeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly shutdownTimeoutMs: number;
  readonly globalConcurrency: number | undefined;
  readonly lockDurationMs: number;
  readonly similarityThreshold: number;
  /** NARRATE_ALIGN: align every accepted reading with its sentences and reject one that skips a sentence. */
  readonly align: boolean;
  readonly lexicon: string | undefined;
  /** The file store's directory (NARRATE_STORE_DIR or a file:// NARRATE_STORE_URL); unused with an s3:// store. */
  readonly storeDir: string;
  readonly partChars: number;
  /** Where segments live: a directory or a bucket. */
  readonly store: StoreLocation;
  /** How to reach S3 (for an s3:// store and for --out s3://). Holds the secret: never log it. */
  readonly s3: S3Settings;
  readonly dashboardUser: string | undefined;
  readonly dashboardPassword: string | undefined;
  /** Output folders whose audio the dashboard may serve (NARRATE_DASHBOARD_SERVE, default ./out). */
  readonly dashboardServe: readonly string[];
  /** The dashboard refuses every state-changing request. */
  readonly dashboardReadOnly: boolean;
  /** The dashboard's public origin behind a proxy that rewrites Host; undefined: taken from Host. */
  readonly dashboardOrigin: string | undefined;
  /** Live-update streams the dashboard holds at once. */
  readonly dashboardMaxStreams: number;
  readonly pricesFile: string | undefined;
  readonly dailyBudgetUsd: number | undefined;
  readonly webhookUrl: string | undefined;
  readonly webhookSecret: string | undefined;
  /** NARRATE_WEBHOOK_ALLOW_PRIVATE: webhooks may go to loopback, link-local and private addresses. */
  readonly webhookAllowPrivate: boolean;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Which Redis: one server (REDIS_URL), a Cluster or Sentinel. */
  readonly redis: RedisTarget;
  /** `narrate worker`'s /healthz and /metrics port; undefined: none. */
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined) input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      // Never echo the API key, a password or a secret (webhook, S3), even when it is the bad value.
      const secret = name === 'NARRATE_API_KEY' || name === 'NARRATE_DASHBOARD_PASSWORD' || name === 'NARRATE_WEBHOOK_SECRET' || name === 'NARRATE_REDIS_PASSWORD' || name === 'AWS_SECRET_ACCESS_KEY' || name === 'AWS_SESSION_TOKEN';
      // A webhook URL is said without its query or user:password, where tokens live.
      const given = secret ? '(hidden)' : name === 'NARRATE_WEBHOOK_URL' ? JSON.stringify(redactUrl(input[name] ?? '')) : JSON.stringify(input[name]);
      return `${name}: expected ${issue.message}, got ${given}`;
    });
    throw new ConfigError(`Invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if ((e.NARRATE_DASHBOARD_USER === undefined) !== (e.NARRATE_DASHBOARD_PASSWORD === undefined)) {
    throw new ConfigError(
      'NARRATE_DASHBOARD_USER and NARRATE_DASHBOARD_PASSWORD: expected both set or both unset, got only ' +
        (e.NARRATE_DASHBOARD_USER === undefined ? 'NARRATE_DASHBOARD_PASSWORD' : 'NARRATE_DASHBOARD_USER'),
    );
  }
  const provider: ProviderName = e.NARRATE_PROVIDER ?? (e.NARRATE_API_KEY === undefined ? 'offline' : 'chat-audio');
  if (provider !== 'offline' && e.NARRATE_API_KEY === undefined) {
    throw new ConfigError(`NARRATE_PROVIDER=${provider}: expected NARRATE_API_KEY to be set (the provider's key), got none; set it, or NARRATE_PROVIDER=offline for the built-in voice`);
  }
  const model = e.NARRATE_MODEL ?? DEFAULT_MODELS[provider === 'speech' ? 'speech' : 'chat-audio'];
  if (provider === 'chat-audio' && SPEECH_ONLY_MODEL.test(model)) {
    throw new ConfigError(`NARRATE_MODEL=${model} is a text-to-speech model (POST /audio/speech), not a chat model: set NARRATE_PROVIDER=speech, or NARRATE_MODEL to a chat-audio model such as gpt-audio`);
  }
  if (provider === 'speech' && CHAT_AUDIO_ONLY_MODEL.test(model)) {
    throw new ConfigError(`NARRATE_MODEL=${model} is a chat-audio model (POST /chat/completions), not a speech model: set NARRATE_PROVIDER=chat-audio, or NARRATE_MODEL to a speech model such as gpt-4o-mini-tts`);
  }
  const redis = redisTargetFrom(e, input.REDIS_URL !== undefined);
  if (e.NARRATE_STORE_URL !== undefined && e.NARRATE_STORE_DIR !== undefined) {
    const same = e.NARRATE_STORE_URL.kind === 'file' && e.NARRATE_STORE_URL.dir === e.NARRATE_STORE_DIR;
    if (!same) throw new ConfigError(`NARRATE_STORE_URL and NARRATE_STORE_DIR: expected one of them (NARRATE_STORE_DIR is a synonym of file://), got both (${e.NARRATE_STORE_URL.url} and ${JSON.stringify(e.NARRATE_STORE_DIR)})`);
  }
  if ((e.AWS_ACCESS_KEY_ID === undefined) !== (e.AWS_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: expected both set or both unset, got only ' + (e.AWS_ACCESS_KEY_ID === undefined ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'),
    );
  }
  const store = e.NARRATE_STORE_URL ?? fileLocation(e.NARRATE_STORE_DIR ?? '.narrate/segments');
  const s3: S3Settings = {
    region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
    forcePathStyle: e.NARRATE_S3_PATH_STYLE,
    credentials:
      e.AWS_ACCESS_KEY_ID === undefined || e.AWS_SECRET_ACCESS_KEY === undefined
        ? undefined
        : { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, ...(e.AWS_SESSION_TOKEN === undefined ? {} : { sessionToken: e.AWS_SESSION_TOKEN }) },
  };
  return Object.freeze({
    apiKey: e.NARRATE_API_KEY,
    provider,
    baseUrl: e.NARRATE_BASE_URL.replace(/\/+$/, ''),
    model,
    castModel: e.NARRATE_CAST_MODEL,
    speechFormat: e.NARRATE_SPEECH_FORMAT,
    defaultVoice: e.NARRATE_VOICE,
    redisUrl: e.REDIS_URL,
    prefix: e.NARRATE_PREFIX,
    concurrency: e.NARRATE_CONCURRENCY,
    requestTimeoutMs: e.NARRATE_REQUEST_TIMEOUT_MS,
    maxAttempts: e.NARRATE_MAX_ATTEMPTS,
    backoffMs: e.NARRATE_BACKOFF_MS,
    rpm: e.NARRATE_RPM,
    tpm: e.NARRATE_TPM,
    shutdownTimeoutMs: e.NARRATE_SHUTDOWN_TIMEOUT_MS,
    globalConcurrency: e.NARRATE_GLOBAL_CONCURRENCY,
    lockDurationMs: e.NARRATE_LOCK_DURATION_MS,
    similarityThreshold: e.NARRATE_SIMILARITY_THRESHOLD,
    align: e.NARRATE_ALIGN === 'on',
    lexicon: e.NARRATE_LEXICON,
    storeDir: store.kind === 'file' ? store.dir : (e.NARRATE_STORE_DIR ?? '.narrate/segments'),
    store,
    s3: Object.freeze(s3),
    partChars: e.NARRATE_PART_CHARS,
    dashboardUser: e.NARRATE_DASHBOARD_USER,
    dashboardPassword: e.NARRATE_DASHBOARD_PASSWORD,
    dashboardServe: Object.freeze([...e.NARRATE_DASHBOARD_SERVE]),
    dashboardReadOnly: e.NARRATE_DASHBOARD_READ_ONLY,
    dashboardOrigin: e.NARRATE_DASHBOARD_ORIGIN,
    dashboardMaxStreams: e.NARRATE_DASHBOARD_MAX_STREAMS,
    pricesFile: e.NARRATE_PRICES,
    dailyBudgetUsd: e.NARRATE_DAILY_BUDGET,
    webhookUrl: e.NARRATE_WEBHOOK_URL,
    webhookSecret: e.NARRATE_WEBHOOK_SECRET,
    webhookAllowPrivate: e.NARRATE_WEBHOOK_ALLOW_PRIVATE,
    logLevel: e.NARRATE_LOG_LEVEL,
    redis,
    metricsPort: e.NARRATE_METRICS_PORT,
    metricsHost: e.NARRATE_METRICS_HOST,
  });
}

/** Every environment variable loadConfig reads (a test checks that deploy files name only these). */
export const ENV_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));
