import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpTransport, toFetchResponse } from '../../../src/providers/http-transport.js';

async function text(body: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of body) out += (chunk as Buffer).toString('utf8');
  return out;
}

describe('HttpTransport', () => {
  let server: Server;
  let base: string;
  const transport = new HttpTransport();
  const seen: { method?: string; body: string; headers: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ body, headers: req.headers, ...(req.method ? { method: req.method } : {}) });
        const path = req.url ?? '/';
        const payload = JSON.stringify({ echo: body, path });
        const encodings: Record<string, (b: Buffer) => Buffer> = { '/gzip': gzipSync, '/deflate': deflateSync, '/br': brotliCompressSync };
        if (encodings[path]) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': path.slice(1) });
          return res.end(encodings[path]!(Buffer.from(payload)));
        }
        if (path === '/slow') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"partial":');
          return; // never finishes: the client aborts
        }
        if (path === '/hang') return;
        if (path === '/error') {
          res.writeHead(401, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
          return res.end(JSON.stringify({ error: { message: 'Incorrect API key provided' } }));
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(payload);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    transport.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends method, headers and a string body, and asks for compression as fetch does', async () => {
    const res = await transport.request(`${base}/plain`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"é":1}' });
    expect(res.status).toBe(200);
    expect(JSON.parse(await text(res.body))).toEqual({ echo: '{"é":1}', path: '/plain' });
    const last = seen.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.headers.authorization).toBe('Bearer k');
    expect(last.headers['content-length']).toBe(String(Buffer.byteLength('{"é":1}')));
    expect(last.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it.each(['gzip', 'deflate', 'br'])('decodes a %s answer', async (encoding) => {
    const res = await transport.request(`${base}/${encoding}`, { method: 'POST', body: 'x' });
    expect(JSON.parse(await text(res.body))).toEqual({ echo: 'x', path: `/${encoding}` });
    // As a fetch Response the body is plain, so its encoding header goes.
    expect(res.headers.get('content-encoding')).toBe(encoding);
    expect(toFetchResponse(res, '').headers.get('content-encoding')).toBeNull();
  });

  it('hands error answers to the SDK as a fetch Response, headers and body intact', async () => {
    const response = toFetchResponse(await transport.request(`${base}/error`));
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await response.json()).toEqual({ error: { message: 'Incorrect API key provided' } });
  });

  it('fails with an AbortError when aborted before the answer, as fetch does (the SDK reads it as a time-out)', async () => {
    const controller = new AbortController();
    const pending = transport.request(`${base}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails the body with the abort reason when aborted mid-answer', async () => {
    const controller = new AbortController();
    const res = await transport.request(`${base}/slow`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(text(res.body)).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('says what it cannot send, and what it cannot reach', async () => {
    await expect(transport.request(`${base}/plain`, { method: 'POST', body: new FormData() })).rejects.toThrow(/string or byte bodies/);
    await expect(transport.request('ftp://example.com/x')).rejects.toThrow(/unsupported URL scheme ftp:/);
    await expect(transport.request('http://127.0.0.1:1/nothing-listens')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
