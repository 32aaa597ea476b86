import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAge } from '../../../src/cli/clean-command.js';
import { parseMaxCost } from '../../../src/cli/parse-max-cost.js';
import { UsageError, ConfigError } from '../../../src/errors.js';
import { callCostUsd } from '../../../src/money/call-cost.js';
import { dailyBudgetMessage, msToNextUtcDay, utcDay } from '../../../src/money/daily-spend.js';
import { AUDIO_TOKENS_PER_SECOND, CHARS_PER_TOKEN, EXPECTED_EXTRA_READINGS, estimateCost, formatUsd } from '../../../src/money/estimate-cost.js';
import { narrationInstructions } from '../../../src/providers/narration-instructions.js';
import { DEFAULT_PRICES, loadPrices, pricesFor } from '../../../src/money/prices.js';
import { isWebhookUrl, redactUrl } from '../../../src/notify/notify-url.js';
import { signBody } from '../../../src/notify/sign-body.js';
import { sumUsage } from '../../../src/contracts/token-usage.js';

const LIST = DEFAULT_PRICES['gpt-4o-audio-preview']!;

describe('prices', () => {
  let dir: string;
  beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'narrate-prices-'))));
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('has the list price of gpt-4o-audio-preview built in', () => {
    expect(LIST).toEqual({ textInputPerM: 2.5, textOutputPerM: 10, audioOutputPerM: 80 });
  });

  it('lays a YAML or JSON file over the built-in table', async () => {
    const yaml = join(dir, 'p.yaml');
    await writeFile(yaml, 'my-model:\n  textInputPerM: 1\n  textOutputPerM: 2\n  audioOutputPerM: 3\n');
    const table = loadPrices(yaml);
    expect(pricesFor(table, 'my-model')).toEqual({ textInputPerM: 1, textOutputPerM: 2, audioOutputPerM: 3 });
    expect(pricesFor(table, 'gpt-4o-audio-preview-2025-06-03')).toEqual(LIST);
    const json = join(dir, 'p.json');
    await writeFile(json, JSON.stringify({ 'gpt-4o-audio-preview': { textInputPerM: 0, textOutputPerM: 0, audioOutputPerM: 40 } }));
    expect(pricesFor(loadPrices(json), 'gpt-4o-audio-preview').audioOutputPerM).toBe(40);
  });

  it('calls an invalid or missing file a ConfigError naming it', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'gpt-4o-audio-preview:\n  textInputPerM: cheap\n');
    expect(() => loadPrices(bad)).toThrow(ConfigError);
    expect(() => loadPrices(bad)).toThrow(/NARRATE_PRICES: .*bad\.yaml: not a price table: gpt-4o-audio-preview\.textInputPerM/);
    expect(() => loadPrices(join(dir, 'none.json'))).toThrow(/NARRATE_PRICES: .*none\.json: no such file/);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"a":');
    expect(() => loadPrices(broken)).toThrow(/broken\.json/);
  });
});

describe('the cost of a call', () => {
  it('prices prompt, text output and audio output tokens apart', () => {
    const usage = { promptTokens: 1_000_000, completionTokens: 3_000_000, totalTokens: 4_000_000, audioOutputTokens: 2_000_000, textOutputTokens: 1_000_000 };
    expect(callCostUsd(usage, LIST)).toBeCloseTo(2.5 + 10 + 160, 9);
  });

  it('counts completion tokens as audio when the provider does not split them, and the offline voice as free', () => {
    expect(callCostUsd({ promptTokens: 0, completionTokens: 1_000_000, totalTokens: 1_000_000 }, LIST)).toBeCloseTo(80, 9);
    expect(callCostUsd({ promptTokens: 0, completionTokens: 0, totalTokens: 0 }, LIST)).toBe(0);
  });

  it('keeps the audio/text split through a sum only while every part has it', () => {
    const a = { promptTokens: 1, completionTokens: 3, totalTokens: 4, audioOutputTokens: 2, textOutputTokens: 1 };
    expect(sumUsage([a, a])).toEqual({ promptTokens: 2, completionTokens: 6, totalTokens: 8, audioOutputTokens: 4, textOutputTokens: 2 });
    expect(sumUsage([a, { promptTokens: 1, completionTokens: 1, totalTokens: 2 }])).toEqual({ promptTokens: 2, completionTokens: 4, totalTokens: 6 });
  });
});

describe('the estimate', () => {
  it('counts audio from the expected duration, text and instructions, times the expected extra readings', () => {
    const text = 'x'.repeat(150); // ten seconds at 15 characters a second
    const e = estimateCost([{ text, style: '' }], LIST);
    expect(e.audioSeconds).toBe(10);
    expect(e.audioOutputTokens).toBe(Math.round(10 * AUDIO_TOKENS_PER_SECOND * (1 + EXPECTED_EXTRA_READINGS)));
    expect(e.textOutputTokens).toBe(Math.round(38 * (1 + EXPECTED_EXTRA_READINGS)));
    expect(e.inputTokens).toBeGreaterThan(e.textOutputTokens); // the instructions come on top of the text
    expect(e.calls).toBe(2);
    const twice = estimateCost([{ text, style: '' }, { text, style: '' }], LIST);
    expect(twice.costUsd / e.costUsd).toBeCloseTo(2, 2);
    expect(e.costUsd).toBeCloseTo((e.inputTokens * 2.5 + e.textOutputTokens * 10 + e.audioOutputTokens * 80) / 1e6, 9);
  });

  it('counts the instructions a reading sends: the language sentence and pronunciation hints too', () => {
    const text = 'x'.repeat(150);
    const english = estimateCost([{ text, style: 'calm' }], LIST);
    const french = estimateCost([{ text, style: 'calm', language: 'fr' }], LIST);
    const hinted = estimateCost([{ text, style: 'calm', language: 'ja', hints: '山路 = やまみち' }], LIST);
    // The tokens of exactly the system message the worker sends for each chunk.
    const tokensOf = (instructions: string) => Math.round((Math.ceil(instructions.length / CHARS_PER_TOKEN) + Math.ceil(text.length / CHARS_PER_TOKEN)) * (1 + EXPECTED_EXTRA_READINGS));
    expect(english.inputTokens).toBe(tokensOf(narrationInstructions({ style: 'calm' })));
    expect(french.inputTokens).toBe(tokensOf(narrationInstructions({ style: 'calm', language: 'fr' })));
    expect(french.inputTokens).toBeGreaterThan(english.inputTokens);
    expect(hinted.inputTokens).toBe(tokensOf(narrationInstructions({ style: 'calm', language: 'ja', hints: '山路 = やまみち' })));
  });

  it('formats dollars for people', () => {
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(0.01234)).toBe('$0.0123');
    expect(formatUsd(0)).toBe('$0.0000');
    expect(formatUsd(0.000001)).toBe('$0.0000010');
  });
});

describe('daily budget', () => {
  it('counts UTC days and says when the budget is spent', () => {
    const at = new Date('2026-03-04T23:00:00.000Z');
    expect(utcDay(at)).toBe('2026-03-04');
    expect(msToNextUtcDay(at)).toBe(3_600_000);
    const spend = { day: '2026-03-04', todayUsd: 5, totalUsd: 9, rejectedUsd: 1 };
    expect(dailyBudgetMessage(spend, undefined, at)).toBeUndefined();
    expect(dailyBudgetMessage(spend, 6, at)).toBeUndefined();
    expect(dailyBudgetMessage(spend, 5, at)).toMatch(/daily budget spent: \$5\.00 of NARRATE_DAILY_BUDGET=\$5 on 2026-03-04 \(UTC\).*in 1\.0 h/);
  });
});

describe('command-line values', () => {
  it('reads --max-cost as a positive number of dollars', () => {
    expect(parseMaxCost('2.5')).toBe(2.5);
    expect(parseMaxCost('$3')).toBe(3);
    for (const bad of ['0', '-1', 'abc', '', '1e3', 'Infinity', '0.0']) expect(() => parseMaxCost(bad), bad).toThrow(UsageError);
  });

  it('reads --older-than ages', () => {
    expect(parseAge('7d')).toBe(7 * 86_400_000);
    expect(parseAge('12h')).toBe(12 * 3_600_000);
    expect(parseAge('0s')).toBe(0);
    for (const bad of ['7', 'd', '1y', '-1d', 'yesterday']) expect(() => parseAge(bad), bad).toThrow(UsageError);
  });

  it('takes only http(s) webhook URLs without credentials, and logs them without query or credentials', () => {
    expect(isWebhookUrl('https://hooks.example.com/x')).toBe(true);
    expect(isWebhookUrl('http://127.0.0.1:9/x')).toBe(true);
    for (const bad of ['ftp://x/y', 'file:///etc/passwd', 'hooks.example.com', 'javascript:alert(1)', 'https://user:pass@hooks.example.com/', 'https://user@hooks.example.com/']) expect(isWebhookUrl(bad), bad).toBe(false);
    expect(redactUrl('https://user:pw@hooks.example.com/p?token=abc')).toBe('https://hooks.example.com/p');
    expect(redactUrl('https://user:pw@hooks example/p?token=abc')).toBe('https://hooks example/p');
  });

  it('signs "<timestamp>.<body>" as sha256=<hex HMAC>', () => {
    // printf '1700000000.what do ya want for nothing?' | openssl dgst -sha256 -hmac Jefe (RFC 4231 case 2's key and data, timestamped)
    expect(signBody('what do ya want for nothing?', 'Jefe', 1_700_000_000)).toBe('sha256=1cdd0650c8be1cb0974b1788d458b1e781206cfef59b85faafc582d2e182c57e');
  });
});
