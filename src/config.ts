/**
 * The only reader of process.env. Each variable is declared once (`variables` below); the schema,
 * the typed frozen Config, the secret list and the documentation check follow from it, and errors
 * name the variable, what was expected and what was given.
 */
import { delimiter } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { redisTargetFrom, type RedisTarget } from './queue/redis-target.js';
import { fileLocation, parseStoreUrl, type StoreLocation } from './store/store-location.js';
import type { S3Settings } from './store/s3-settings.js';
import { redactUrl } from './notify/notify-url.js';

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

/** true/false (or 1/0; empty is false). */
const booleanFrom = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0', ''], { error: 'true or false' }))
    .transform((s) => s === 'true' || s === '1');

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

/**
 * One environment variable, declared once: how its text is read, what it means, its default as it
 * would be written in the environment (checked by the same schema as a given value), whether its
 * value is secret, and the Config field it fills as read. The Config type, the mapping, the secret
 * list and the check of docs/configuration.md all follow from these declarations.
 */
interface Variable {
  /** Reads the variable's text (trimmed where it matters); a message of an issue is what was expected. */
  readonly schema: z.ZodType;
  /** What it sets, in a line. */
  readonly description: string;
  /** The value when unset, written as in the environment. None: unset stays undefined (or loadConfig decides). */
  readonly default?: string;
  /** Never echoed, not even when it is the bad value. */
  readonly secret?: true;
  /** How a bad value is said back when it may carry a credential (a URL's user:password or query). */
  readonly shown?: (given: string) => string;
  /** The Config field that holds it as read. None: loadConfig derives a field from it and others. */
  readonly setting?: string;
}

const variables = {
  NARRATE_API_KEY: {
    description: 'API key of the chat-audio or speech provider. Unset: the offline voice narrates.',
    schema: optionalText.optional(),
    secret: true,
    setting: 'apiKey',
  },
  NARRATE_BASE_URL: {
    description: 'OpenAI-compatible base URL, up to and including /v1.',
    default: 'https://api.aimlapi.com/v1',
    schema: z
      .string()
      .trim()
      .pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL such as https://api.aimlapi.com/v1' }))
      .transform((s) => s.replace(/\/+$/, '')),
    setting: 'baseUrl',
  },
  NARRATE_PROVIDER: {
    description: 'offline, chat-audio or speech. Unset: chat-audio with an API key, offline without.',
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(PROVIDERS, { error: `one of ${PROVIDERS.join(', ')}` }))
      .optional(),
  },
  NARRATE_MODEL: {
    description: 'Model id sent in every request. Default gpt-4o-audio-preview (chat-audio) or gpt-4o-mini-tts (speech).',
    schema: z.string().trim().min(1, 'a model id').optional(),
  },
  NARRATE_CAST_MODEL: {
    // One call per chapter with a JSON-schema answer: a text model that takes structured output.
    description: "The provider's text chat model that attributes quotations to speakers for `--cast auto`.",
    default: 'gpt-4o-mini',
    schema: z.string().trim().min(1, 'a model id'),
    setting: 'castModel',
  },
  NARRATE_SPEECH_FORMAT: {
    description: 'response_format asked of the speech endpoint: wav (self-describing) or pcm (raw 24 kHz 16-bit mono).',
    default: 'wav',
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['wav', 'pcm'], { error: 'wav or pcm' })),
    setting: 'speechFormat',
  },
  NARRATE_VOICE: {
    description: 'Voice used when neither a flag nor a manifest names one.',
    default: 'alloy',
    schema: z.string().trim().min(1, 'a voice name'),
    setting: 'defaultVoice',
  },
  REDIS_URL: {
    description: 'Redis connection string (one server).',
    default: 'redis://127.0.0.1:6379',
    schema: z
      .string()
      .trim()
      .pipe(z.url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' })),
    setting: 'redisUrl',
  },
  NARRATE_PREFIX: {
    description: "Key prefix: deployments and test runs sharing one Redis never see each other's queues.",
    default: 'narrate',
    schema: z
      .string()
      .trim()
      .pipe(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-" (1 to 64 of them)')),
    setting: 'prefix',
  },
  NARRATE_SHARDS: {
    description: "Hash tags the fleet's books are spread over (each with its own queues), so a Redis Cluster shares them among its masters; 1 keeps every key under one tag. Every process of a fleet must use the same value.",
    default: '1',
    schema: intFrom(1, 1024),
    setting: 'shards',
  },
  NARRATE_CONCURRENCY: {
    description: 'Synthesize jobs in flight per worker process.',
    default: '4',
    schema: intFrom(1, 1000),
    setting: 'concurrency',
  },
  NARRATE_REQUEST_TIMEOUT_MS: {
    description: 'Abort a model call that has not answered after this many milliseconds (then retry it).',
    default: '120000',
    schema: intFrom(100, 3_600_000),
    setting: 'requestTimeoutMs',
  },
  NARRATE_MAX_ATTEMPTS: {
    description: 'Attempts per chunk for transient failures (429 pauses do not count).',
    default: '6',
    schema: intFrom(1, 100),
    setting: 'maxAttempts',
  },
  NARRATE_BACKOFF_MS: {
    description: 'First retry delay; each next one doubles, with jitter.',
    default: '2000',
    schema: intFrom(0, 600_000),
    setting: 'backoffMs',
  },
  NARRATE_RPM: {
    description: 'Fleet-wide limit on model requests per minute, shared through Redis. Unset: no limit.',
    schema: intFrom(1, 1_000_000).optional(),
    setting: 'rpm',
  },
  NARRATE_TPM: {
    description: 'Fleet-wide tokens per minute, counted as the provider does (prompt estimate + max_tokens). Unset: no limit.',
    schema: intFrom(1, 1_000_000_000).optional(),
    setting: 'tpm',
  },
  NARRATE_GLOBAL_CONCURRENCY: {
    description: 'Fleet-wide cap on synthesize jobs in flight across every worker (BullMQ global concurrency). Unset: no cap.',
    schema: intFrom(1, 100_000).optional(),
    setting: 'globalConcurrency',
  },
  NARRATE_LOCK_DURATION_MS: {
    // A worker that dies (SIGKILL, power loss) gives its jobs back to the fleet after about this long.
    description: "How long a worker's lock on a job lasts without renewal.",
    default: '30000',
    schema: intFrom(1_000, 600_000),
    setting: 'lockDurationMs',
  },
  NARRATE_SIMILARITY_THRESHOLD: {
    description: "Minimum word similarity between a chunk's text and the model's transcript to accept a reading.",
    default: '0.9',
    schema: z
      .string()
      .trim()
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'a number from 0 to 1')
      .transform(Number),
    setting: 'similarityThreshold',
  },
  NARRATE_ALIGN: {
    // on: the timings go to the manifest and captions, and a reading that seems to skip a sentence is narrated again.
    description: 'on: every accepted reading is aligned with its sentences and one that skips a sentence is rejected; off: neither.',
    default: 'on',
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['on', 'off'], { error: 'on or off' }))
      .transform((s) => s === 'on'),
    setting: 'align',
  },
  NARRATE_LEXICON: {
    description: 'A pronunciation lexicon (JSON or YAML map of word → spoken form) applied to every book.',
    schema: z.string().trim().min(1, 'a file path').optional(),
    setting: 'lexicon',
  },
  NARRATE_SHUTDOWN_TIMEOUT_MS: {
    description: '`narrate worker`: how long the first SIGTERM/SIGINT waits for jobs in flight before forcing.',
    default: '30000',
    schema: intFrom(0, 3_600_000),
    setting: 'shutdownTimeoutMs',
  },
  NARRATE_STORE_DIR: {
    description: 'Where segments are stored; every worker of a fleet must see the same directory. A synonym of NARRATE_STORE_URL=file://.',
    schema: z.string().trim().min(1, 'a directory path').optional(),
  },
  NARRATE_STORE_URL: {
    description: 'The segment store: file:///dir or s3://bucket/prefix. Default: the directory .narrate/segments.',
    schema: z
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
  },
  NARRATE_S3_PATH_STYLE: {
    description: 'Path-style S3 addressing (http://host/bucket/key), which MinIO and most self-hosted servers need.',
    default: 'false',
    schema: booleanFrom(),
  },
  // The AWS SDK's own variables, read here and handed to the S3 client explicitly (see s3-settings.ts).
  AWS_REGION: {
    description: 'S3 region (default us-east-1, which S3-compatible servers accept).',
    schema: optionalText.optional(),
  },
  AWS_DEFAULT_REGION: {
    description: 'S3 region when AWS_REGION is unset.',
    schema: optionalText.optional(),
  },
  AWS_ENDPOINT_URL_S3: {
    description: 'Endpoint of an S3-compatible server (MinIO, Ceph, R2, Backblaze).',
    schema: optionalText.optional().pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional()),
  },
  AWS_ENDPOINT_URL: {
    description: 'Endpoint of every AWS service, S3 included, when AWS_ENDPOINT_URL_S3 is unset.',
    schema: optionalText.optional().pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).optional()),
  },
  AWS_ACCESS_KEY_ID: {
    description: "Static S3 credentials' key id; unset: the SDK's default chain (profile files, web identity, instance role).",
    schema: optionalText.optional(),
  },
  AWS_SECRET_ACCESS_KEY: {
    description: "Static S3 credentials' secret, with AWS_ACCESS_KEY_ID.",
    schema: optionalText.optional(),
    secret: true,
  },
  AWS_SESSION_TOKEN: {
    description: 'Session token of temporary S3 credentials.',
    schema: optionalText.optional(),
    secret: true,
  },
  NARRATE_PART_CHARS: {
    description: 'Characters of text per encoded part (about 15 a second of speech); a part is encoded as soon as its chunks are stored.',
    default: '3600',
    schema: intFrom(100, 1_000_000),
    setting: 'partChars',
  },
  NARRATE_ADMIT_CHUNKS: {
    description:
      'Chunk jobs that may wait in the synthesize queue: a queued book\'s chunks enter Redis (about 2.7 KB each as BullMQ jobs) only while fewer wait, books in submit order. Above the fleet\'s call slots times a few minutes of calls; the default serves a fleet of up to about 500 slots.',
    default: '5000',
    schema: intFrom(1, 10_000_000),
    setting: 'admitChunks',
  },
  NARRATE_DASHBOARD_USER: {
    description: 'Basic-auth user for the dashboard.',
    schema: optionalText.optional(),
    setting: 'dashboardUser',
  },
  NARRATE_DASHBOARD_PASSWORD: {
    description: 'Basic-auth password for the dashboard.',
    schema: optionalText.optional(),
    secret: true,
    setting: 'dashboardPassword',
  },
  NARRATE_DASHBOARD_SERVE: {
    description: 'The output folders whose audio the dashboard may serve, separated like PATH by the platform\'s path list separator (":" on Linux). `narrate dashboard --serve DIR` wins.',
    default: './out',
    schema: z
      .string()
      .transform((s) => s.split(delimiter).map((dir) => dir.trim()).filter((dir) => dir !== ''))
      .pipe(z.array(z.string()).min(1, `one or more directories separated by "${delimiter}"`))
      .transform((dirs): readonly string[] => Object.freeze(dirs)),
    setting: 'dashboardServe',
  },
  NARRATE_DASHBOARD_READ_ONLY: {
    description: "The dashboard refuses every request that would change something (bull-board's API included).",
    default: 'false',
    schema: booleanFrom(),
    setting: 'dashboardReadOnly',
  },
  NARRATE_DASHBOARD_ORIGIN: {
    description: "The dashboard's public origin (https://narrate.example.com) when a reverse proxy rewrites Host; unset: taken from Host.",
    schema: optionalText.optional().transform((s, ctx) => {
      if (s === undefined) return undefined;
      const origin = parseOrigin(s);
      if (origin === undefined) {
        ctx.addIssue({ code: 'custom', message: 'an origin: http(s)://host[:port], with no path, query or user name' });
        return z.NEVER;
      }
      return origin;
    }),
    setting: 'dashboardOrigin',
  },
  NARRATE_DASHBOARD_MAX_STREAMS: {
    description: 'Live-update streams (open Books pages) the dashboard holds at once; one more is answered 503.',
    default: '100',
    schema: intFrom(1, 100_000),
    setting: 'dashboardMaxStreams',
  },
  NARRATE_PRICES: {
    description: 'A JSON or YAML price table keyed by model id, laid over the built-in prices (src/money/prices.ts).',
    schema: z.string().trim().min(1, 'a file path').optional(),
    setting: 'pricesFile',
  },
  NARRATE_DAILY_BUDGET: {
    description: 'Dollars the fleet may spend on model calls per UTC day, counted in Redis. Unset: no budget.',
    schema: z
      .string()
      .trim()
      .regex(/^\d+(\.\d+)?$/, 'a positive number of dollars')
      .transform(Number)
      .pipe(z.number().positive('a positive number of dollars'))
      .optional(),
    setting: 'dailyBudgetUsd',
  },
  NARRATE_WEBHOOK_URL: {
    description: "Where every book's end is posted when its submit named no --notify (checked again, resolved, before each post).",
    schema: z
      .string()
      .trim()
      .pipe(z.url({ protocol: /^https?$/, error: 'an http(s) URL' }))
      .refine((s) => new URL(s).username === '' && new URL(s).password === '', 'a URL without user:password@ (it would be stored in Redis with each book; NARRATE_WEBHOOK_SECRET signs the posts instead)')
      .optional(),
    // Said without its query or user:password, where tokens live.
    shown: (given: string) => JSON.stringify(redactUrl(given)),
    setting: 'webhookUrl',
  },
  NARRATE_WEBHOOK_ALLOW_PRIVATE: {
    description: 'Post webhooks to loopback, link-local, private and other non-public addresses too (a receiver on this host or network).',
    default: 'false',
    schema: booleanFrom(),
    setting: 'webhookAllowPrivate',
  },
  NARRATE_WEBHOOK_SECRET: {
    description: 'HMAC-SHA256 key of the X-Narrate-Signature header of webhook posts.',
    schema: optionalText.optional(),
    secret: true,
    setting: 'webhookSecret',
  },
  NARRATE_REDIS_CLUSTER: {
    description: 'Redis Cluster seed nodes, `host:port,...`: selects an ioredis Cluster (every queue under one hash tag).',
    schema: optionalText.optional(),
  },
  NARRATE_REDIS_SENTINELS: {
    description: 'Redis Sentinel nodes, `host:port,...`: selects Sentinel, with NARRATE_REDIS_SENTINEL_NAME.',
    schema: optionalText.optional(),
  },
  NARRATE_REDIS_SENTINEL_NAME: {
    description: 'The master group name the sentinels monitor (`sentinel monitor <name> ...`).',
    schema: optionalText.optional(),
  },
  NARRATE_REDIS_PASSWORD: {
    description: 'Password of the Redis data nodes under Cluster or Sentinel (with REDIS_URL it goes in the URL).',
    schema: optionalText.optional(),
    secret: true,
  },
  NARRATE_METRICS_PORT: {
    description: '`narrate worker`: serve /healthz and /metrics on this port (0: one the OS picks). Unset: no server.',
    schema: intFrom(0, 65_535).optional(),
    setting: 'metricsPort',
  },
  NARRATE_METRICS_HOST: {
    description: "Interface the worker's /healthz and /metrics server binds (probes and scrapers come from outside).",
    default: '0.0.0.0',
    schema: z.string().trim().min(1, 'a host or address'),
    setting: 'metricsHost',
  },
  NARRATE_LOG_LEVEL: {
    description: 'pino level for logs on stderr.',
    default: 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    setting: 'logLevel',
  },
} as const satisfies Record<string, Variable>;

type Variables = typeof variables;
type VariableName = keyof Variables;
const VARIABLE_NAMES = Object.keys(variables) as VariableName[];

/** One schema over the whole environment, made of the declarations. */
const schema = z.object(Object.fromEntries(Object.entries(variables).map(([name, v]) => [name, v.schema])) as { [K in VariableName]: Variables[K]['schema'] });

/** The fields of Config that hold one variable as read, typed by that variable's schema. */
type SettingsAsRead = {
  readonly [K in VariableName as Variables[K] extends { readonly setting: infer S extends string } ? S : never]: z.output<Variables[K]['schema']>;
};

/** narrate's settings, read once from the environment: each variable's own field, and the ones made of several. */
export type Config = SettingsAsRead & {
  /** Who reads: NARRATE_PROVIDER, else chat-audio with a key and offline without. */
  readonly provider: ProviderName;
  /** The model id sent (for offline: the chat-audio default, which `plan` prices). */
  readonly model: string;
  /** The file store's directory (NARRATE_STORE_DIR or a file:// NARRATE_STORE_URL); unused with an s3:// store. */
  readonly storeDir: string;
  /** Where segments live: a directory or a bucket. */
  readonly store: StoreLocation;
  /** How to reach S3 (for an s3:// store and for --out s3://). Holds the secret: never log it. */
  readonly s3: S3Settings;
  /** Which Redis: one server (REDIS_URL), a Cluster or Sentinel. */
  readonly redis: RedisTarget;
};

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // What was given, apart from the defaults: "got" quotes it, and REDIS_URL given beside a Cluster is a conflict.
  const given: Partial<Record<VariableName, string>> = {};
  const input: Partial<Record<VariableName, string>> = {};
  for (const name of VARIABLE_NAMES) {
    const value = env[name];
    const declared: Variable = variables[name];
    if (value !== undefined) given[name] = value;
    const filled = value ?? declared.default;
    if (filled !== undefined) input[name] = filled;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const declared: Variable | undefined = name in variables ? variables[name as VariableName] : undefined;
      const value = given[name as VariableName];
      // Never echo a secret (API key, a password, the webhook or S3 secret), even when it is the bad value.
      const shown = declared?.secret === true ? '(hidden)' : declared?.shown !== undefined && value !== undefined ? declared.shown(value) : JSON.stringify(value);
      return `${name}: expected ${issue.message}, got ${shown}`;
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
  const redis = redisTargetFrom(e, given.REDIS_URL !== undefined);
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
  const asRead: Record<string, unknown> = {};
  for (const name of VARIABLE_NAMES) {
    const declared: Variable = variables[name];
    if (declared.setting !== undefined) asRead[declared.setting] = e[name];
  }
  return Object.freeze({
    ...(asRead as SettingsAsRead),
    provider,
    model,
    storeDir: store.kind === 'file' ? store.dir : (e.NARRATE_STORE_DIR ?? '.narrate/segments'),
    store,
    s3: Object.freeze(s3),
    redis,
  });
}


/** Every environment variable loadConfig reads (a test checks that deploy files name only these). */
export const ENV_VARIABLES: readonly string[] = Object.freeze([...VARIABLE_NAMES]);

/** The variables whose values are secret: never echoed, logged, or written to Redis. */
export const SECRET_VARIABLES: readonly string[] = Object.freeze(VARIABLE_NAMES.filter((name) => (variables[name] as Variable).secret === true));

/** What docs/configuration.md must say of each variable: its name, its default as written in the environment, what it sets. */
export const VARIABLE_DOCS: readonly { readonly name: string; readonly default: string | undefined; readonly description: string; readonly secret: boolean }[] = Object.freeze(
  VARIABLE_NAMES.map((name) => {
    const declared: Variable = variables[name];
    return Object.freeze({ name, default: declared.default, description: declared.description, secret: declared.secret === true });
  }),
);
