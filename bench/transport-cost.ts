/**
 * What one chat completion with audio costs the client in CPU, on undici's fetch (Node's global)
 * against node:http (narrate's HttpTransport), fetching from the fake model in this process:
 *   npx tsx bench/transport-cost.ts [--chars 100] [--requests 400]
 * Both read the whole body; the fake's own CPU is in both numbers, the same in each.
 */
import { parseArgs } from 'node:util';
import { HttpTransport } from '../src/providers/http-transport.js';
import { startFakeModel } from '../test/helpers/fake-model-server.js';

const { values } = parseArgs({ options: { chars: { type: 'string', default: '100' }, requests: { type: 'string', default: '400' } } });
const chars = Number(values.chars);
const requests = Number(values.requests);
const fake = await startFakeModel({ latencyMs: 0 });
const transport = new HttpTransport();
const url = `${fake.url}/chat/completions`;
const init = {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: 'Bearer test-key' },
  body: JSON.stringify({
    model: 'gpt-4o-audio-preview',
    modalities: ['text', 'audio'],
    audio: { voice: 'alloy', format: 'wav' },
    messages: [
      { role: 'system', content: 'Read the text aloud, word for word.' },
      { role: 'user', content: 'a'.repeat(chars) },
    ],
  }),
};

async function drain(body: AsyncIterable<Uint8Array>): Promise<number> {
  let bytes = 0;
  for await (const piece of body) bytes += piece.length;
  return bytes;
}
const ways: Record<string, () => Promise<number>> = {
  'fetch (undici)': async () => drain((await fetch(url, init)).body as unknown as AsyncIterable<Uint8Array>),
  'node:http (HttpTransport)': async () => drain((await transport.request(url, init)).body),
};

try {
  let bytes = 0;
  // Twice round, the first as warm-up for the JIT and the sockets.
  for (const round of [1, 2]) {
    for (const [name, once] of Object.entries(ways)) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < requests; i += 8) bytes = (await Promise.all(Array.from({ length: 8 }, once)))[0]!;
      const used = process.cpuUsage(cpu);
      if (round === 2) {
        const perRequest = (used.user + used.system) / 1000 / requests;
        console.log(`${name.padEnd(26)} ${perRequest.toFixed(2)} ms CPU, ${((performance.now() - started) / requests).toFixed(2)} ms wall per request`);
      }
    }
  }
  console.log(`(${requests} requests of ${chars} characters, answers of ${(bytes / 1000).toFixed(0)} KB, 8 at a time; CPU is client and fake together)`);
} finally {
  transport.close();
  await fake.close();
}
