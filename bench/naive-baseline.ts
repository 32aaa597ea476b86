/**
 * The naive baseline, run as its own process by bench/run.ts: the same chunks through the openai
 * SDK's chat.completions.create with the request ChatAudioNarrator sends, p-limit for concurrency,
 * each WAV decoded and written to disk; no queue, no checks, no store. Prints one JSON line: { startedAt, finishedAt, calls, failures, cpuMs, peakRss }.
 *   node --import tsx bench/naive-baseline.ts --url U --key K --concurrency 32 --texts texts.json --out DIR
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import pLimit from 'p-limit';
import { parseWav } from '../src/audio/parse-wav.js';
import { writeWav } from '../src/audio/write-wav.js';
import { maxTokensFor } from '../src/providers/chat-audio-narrator.js';
import { DEFAULT_STYLE, narrationInstructions } from '../src/providers/narration-instructions.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    concurrency: { type: 'string' },
    texts: { type: 'string' },
    out: { type: 'string' },
  },
});
const { url, key, texts: textsFile, out } = values;
const concurrency = Number(values.concurrency);
if (!url || !key || !textsFile || !out || !Number.isInteger(concurrency) || concurrency < 1) {
  process.stderr.write('naive-baseline: --url, --key, --concurrency, --texts and --out are required\n');
  process.exit(2);
}

const texts = JSON.parse(await readFile(textsFile, 'utf8')) as string[];
// As ChatAudioNarrator configures it: retries are not the SDK's business.
const client = new OpenAI({ apiKey: key, baseURL: url, timeout: 120_000, maxRetries: 0 });
const instructions = narrationInstructions({ style: DEFAULT_STYLE });
const limit = pLimit(concurrency);
let failures = 0;

const cpuBefore = process.cpuUsage();
const startedAt = Date.now();
await Promise.all(
  texts.map((text, i) =>
    limit(async () => {
      try {
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-audio-preview',
          modalities: ['text', 'audio'],
          audio: { voice: 'alloy', format: 'wav' },
          temperature: 0.6,
          max_tokens: maxTokensFor(text),
          messages: [
            { role: 'system', content: instructions },
            { role: 'user', content: text },
          ],
        });
        const base64 = completion.choices[0]?.message.audio?.data;
        if (!base64) throw new Error('no audio');
        // The model streams a header with 0xFFFFFFFF sizes; a file on disk should carry real ones.
        const { format, data } = parseWav(Buffer.from(base64, 'base64'));
        await writeFile(join(out, `${i}.wav`), writeWav(format, data));
      } catch {
        failures++;
      }
    }),
  ),
);
const finishedAt = Date.now();
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(`${JSON.stringify({ startedAt, finishedAt, calls: texts.length, failures, cpuMs, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`);
