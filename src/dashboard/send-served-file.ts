import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { evaluatePreconditions } from './evaluate-preconditions.js';
import type { ServedFile } from './open-served-file.js';
import { parseByteRange } from './parse-byte-range.js';

/**
 * Answers a GET or HEAD with an opened file, as RFC 9110 says: 412 when If-Match or
 * If-Unmodified-Since fails, 304 when the client's copy is current, 416 with
 * `Content-Range: bytes *\/<size>` for an unsatisfiable or invalid range, 206 for one range (players
 * seek with them, and read a duration stored at the end), 200 otherwise. Closes the file on every
 * path, the client hanging up included.
 */
export async function sendServedFile(req: Request, res: Response, file: ServedFile): Promise<void> {
  try {
    const etag = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    res.set('Accept-Ranges', 'bytes');
    res.set('ETag', etag);
    res.set('Last-Modified', new Date(file.mtimeMs).toUTCString());
    res.set('Cache-Control', 'no-store');
    const verdict = evaluatePreconditions(req.headers, { etag, lastModifiedMs: file.mtimeMs });
    if (verdict.status !== 'go') {
      if (verdict.status === 412) res.status(412).type('text/plain').send('Precondition failed: the file is not the version the request names\n');
      else res.status(304).end();
      return;
    }
    const range = verdict.rangeAllowed ? parseByteRange(req.get('range'), file.size) : ({ kind: 'whole' } as const);
    if (range.kind === 'unsatisfiable') {
      res.status(416).set('Content-Range', `bytes */${file.size}`).type('text/plain').send(`Range not satisfiable: the file has ${file.size} bytes\n`);
      return;
    }
    const start = range.kind === 'range' ? range.start : 0;
    const end = range.kind === 'range' ? range.end : file.size - 1;
    if (range.kind === 'range') res.status(206).set('Content-Range', `bytes ${start}-${end}/${file.size}`);
    res.set('Content-Type', file.contentType);
    res.set('Content-Length', String(Math.max(0, end - start + 1)));
    if (req.method === 'HEAD' || file.size === 0) {
      res.end();
      return;
    }
    // pipeline ends the response, and rejects when the client hangs up: nothing more to tell it.
    await pipeline(file.handle.createReadStream({ start, end, autoClose: false }), res).catch(() => undefined);
  } finally {
    await file.handle.close().catch(() => undefined);
  }
}
