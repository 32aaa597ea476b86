import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, InputError } from '../../src/errors.js';
import { readConfigFile } from '../../src/read-config-file.js';

const schema = z.record(z.string(), z.object({ rate: z.number().min(0, 'a number >= 0') }));
const options = { schema, invalid: 'not a table', maxBytes: 64 };

describe('readConfigFile', () => {
  let dir = '';
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'narrate-read-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads JSON by its .json ending and YAML otherwise, to the same value', async () => {
    expect(readConfigFile(await file('t.json', '{"a": {"rate": 2}}'), options)).toEqual({ a: { rate: 2 } });
    expect(readConfigFile(await file('t.yaml', 'a: {rate: 2}\n'), options)).toEqual({ a: { rate: 2 } });
    // YAML is a superset of JSON, but a .json file is held to JSON.
    const yamlInJson = await file('y.json', 'a: {rate: 2}\n');
    expect(() => readConfigFile(yamlInJson, options)).toThrowError(/y\.json: not valid JSON/);
  });

  it('names where the file was given, the file, and its first problem by path', async () => {
    const path = await file('bad.yaml', 'a: {rate: 1}\nb: {rate: -1}\nc: {rate: x}\n');
    expect(() => readConfigFile(path, { ...options, from: 'NARRATE_X', hint: 'expected e.g. a: {rate: 1}' })).toThrowError(
      `NARRATE_X: ${path}: not a table: b.rate: a number >= 0; expected e.g. a: {rate: 1}`,
    );
  });

  it('refuses a file over the limit unread, and a missing one, with the error class asked for', async () => {
    const big = await file('big.yaml', `a: {rate: 1}\n${'#'.repeat(100)}\n`);
    expect(() => readConfigFile(big, options)).toThrowError(InputError);
    expect(() => readConfigFile(big, options)).toThrowError(/over the 64 bytes limit/);
    const missing = join(dir, 'missing.yaml');
    expect(() => readConfigFile(missing, { ...options, from: '--lexicon', error: (m) => new ConfigError(m) })).toThrowError(ConfigError);
    expect(() => readConfigFile(missing, { ...options, from: '--lexicon' })).toThrowError(`--lexicon: ${missing}: no such file`);
  });

  it('takes an empty YAML file as `empty` when given, else checks it like anything else', async () => {
    const empty = await file('empty.yaml', '');
    expect(readConfigFile(empty, { ...options, empty: {} })).toEqual({});
    expect(() => readConfigFile(empty, options)).toThrowError(/empty\.yaml: not a table: \(top level\)/);
  });
});
