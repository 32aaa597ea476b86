/**
 * Runs the fake model in its own process for e2e tests and the benchmark:
 *   npx tsx test/helpers/fake-model-cli.ts --port 0 --latency 250 --rpm 600
 *   npx tsx test/helpers/fake-model-cli.ts --port 0 --latency 15000 --speech 1   (real speech, not tones)
 *   npx tsx test/helpers/fake-model-cli.ts --port 0 --read-text 1                (speech of the request's own text)
 * Prints one JSON line {"url": "..."} once listening, then serves until SIGTERM or SIGINT.
 * Other processes read call counts from GET /__stats and queue faults with POST /__inject.
 */
import { parseArgs } from 'node:util';
import { startFakeModel, type FakeModelOptions } from './fake-model-server.js';
import { closeOnSignals } from './close-on-signals.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'api-key': { type: 'string' },
    latency: { type: 'string' },
    jitter: { type: 'string' },
    rpm: { type: 'string' },
    cps: { type: 'string' },
    'faithful-hz': { type: 'string' },
    'unfaithful-hz': { type: 'string' },
    'answer-rate': { type: 'string' },
    'length-rate': { type: 'string' },
    'mishear-rate': { type: 'string' },
    seed: { type: 'string' },
    speech: { type: 'string' },
    'read-text': { type: 'string' },
  },
});

/** A numeric flag, or undefined when absent; exits with a message naming the flag when it is not a number. */
function num(flag: keyof typeof values): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    process.stderr.write(`fake-model-cli: expected --${flag} to be a number, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return n;
}

const entries: Array<[keyof FakeModelOptions, unknown]> = [
  ['port', num('port')],
  ['apiKey', values['api-key']],
  ['latencyMs', num('latency')],
  ['jitterMs', num('jitter')],
  ['rpm', num('rpm')],
  ['charsPerSecond', num('cps')],
  ['faithfulHz', num('faithful-hz')],
  ['unfaithfulHz', num('unfaithful-hz')],
  ['answerRate', num('answer-rate')],
  ['lengthRate', num('length-rate')],
  ['mishearRate', num('mishear-rate')],
  ['seed', num('seed')],
  // `--speech 1` (any number but 0): faithful readings are real speech; the bench passes numbers.
  ['speech', num('speech') === undefined ? undefined : num('speech') !== 0],
  // `--read-text 1`: faithful readings say the request's text, in flite's slt voice.
  ['readText', num('read-text') ? { voice: { engine: 'flite', voice: 'slt' } } : undefined],
];
// Absent flags stay absent so the server's own defaults apply (exactOptionalPropertyTypes).
const options = Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as FakeModelOptions;

const server = await startFakeModel(options);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);

closeOnSignals(() => server.close());
// Kept quiet on purpose: the parent reads stats over HTTP, and stdout carries only the url line.
process.on('SIGUSR2', () => {});
