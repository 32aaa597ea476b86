import { describe, expect, it } from 'vitest';
import { evaluatePreconditions } from '../../../src/dashboard/evaluate-preconditions.js';
import { parseByteRange } from '../../../src/dashboard/parse-byte-range.js';

describe('Range (RFC 9110 §14)', () => {
  const size = 1000;

  it('answers one satisfiable range, clamped to the file', () => {
    expect(parseByteRange('bytes=0-99', size)).toEqual({ kind: 'range', start: 0, end: 99 });
    expect(parseByteRange('bytes=990-', size)).toEqual({ kind: 'range', start: 990, end: 999 });
    expect(parseByteRange('bytes=900-5000', size)).toEqual({ kind: 'range', start: 900, end: 999 });
    expect(parseByteRange('bytes=-10', size)).toEqual({ kind: 'range', start: 990, end: 999 });
    expect(parseByteRange('bytes=-5000', size)).toEqual({ kind: 'range', start: 0, end: 999 });
    expect(parseByteRange('Bytes = 5-5', size)).toEqual({ kind: 'range', start: 5, end: 5 });
  });

  it('calls a zero suffix, a start at or past the end, and a backwards range unsatisfiable', () => {
    for (const header of ['bytes=-0', `bytes=${size}-`, `bytes=${size + 7}-${size + 9}`, 'bytes=5-1', 'bytes=5-1, -0']) {
      expect(parseByteRange(header, size), header).toEqual({ kind: 'unsatisfiable' });
    }
    expect(parseByteRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=-1', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('ignores what it cannot parse, other units, and several ranges (the whole file)', () => {
    for (const header of [undefined, 'bytes=abc', 'bytes=1-2-3', 'bytes=', 'items=0-1', 'bytes 0-1', 'bytes=0-1,5-6']) {
      expect(parseByteRange(header, size), String(header)).toEqual({ kind: 'whole' });
    }
    // One satisfiable range beside an invalid one is served.
    expect(parseByteRange('bytes=5-1, 0-1', size)).toEqual({ kind: 'range', start: 0, end: 1 });
  });
});

describe('preconditions (RFC 9110 §13)', () => {
  const v = { etag: '"3e8-abc"', lastModifiedMs: Date.parse('2026-01-02T03:04:05.678Z') };
  const date = (iso: string) => new Date(iso).toUTCString();

  it('fails If-Match unless a tag matches strongly, or it is *', () => {
    expect(evaluatePreconditions({ 'if-match': '"other"' }, v)).toEqual({ status: 412 });
    expect(evaluatePreconditions({ 'if-match': 'W/"3e8-abc"' }, v)).toEqual({ status: 412 });
    expect(evaluatePreconditions({ 'if-match': '"x", "3e8-abc"' }, v)).toEqual({ status: 'go', rangeAllowed: true });
    expect(evaluatePreconditions({ 'if-match': '*' }, v)).toEqual({ status: 'go', rangeAllowed: true });
  });

  it('fails If-Unmodified-Since for a newer file, and ignores it beside If-Match', () => {
    expect(evaluatePreconditions({ 'if-unmodified-since': date('2026-01-01T00:00:00Z') }, v)).toEqual({ status: 412 });
    expect(evaluatePreconditions({ 'if-unmodified-since': date('2026-01-02T03:04:05Z') }, v).status).toBe('go');
    expect(evaluatePreconditions({ 'if-match': '*', 'if-unmodified-since': date('2026-01-01T00:00:00Z') }, v).status).toBe('go');
    expect(evaluatePreconditions({ 'if-unmodified-since': 'not a date' }, v).status).toBe('go');
  });

  it('answers 304 when the client has the file (If-None-Match weakly, else If-Modified-Since)', () => {
    expect(evaluatePreconditions({ 'if-none-match': 'W/"3e8-abc"' }, v)).toEqual({ status: 304 });
    expect(evaluatePreconditions({ 'if-none-match': '*' }, v)).toEqual({ status: 304 });
    expect(evaluatePreconditions({ 'if-none-match': '"old"' }, v).status).toBe('go');
    expect(evaluatePreconditions({ 'if-modified-since': date('2026-01-02T03:04:05Z') }, v)).toEqual({ status: 304 });
    expect(evaluatePreconditions({ 'if-modified-since': date('2026-01-02T03:04:04Z') }, v).status).toBe('go');
    expect(evaluatePreconditions({ 'if-none-match': '"old"', 'if-modified-since': date('2027-01-01T00:00:00Z') }, v).status).toBe('go');
  });

  it('lets a Range apply only when If-Range still holds', () => {
    expect(evaluatePreconditions({ 'if-range': '"3e8-abc"' }, v)).toEqual({ status: 'go', rangeAllowed: true });
    expect(evaluatePreconditions({ 'if-range': '"old"' }, v)).toEqual({ status: 'go', rangeAllowed: false });
    expect(evaluatePreconditions({ 'if-range': 'W/"3e8-abc"' }, v)).toEqual({ status: 'go', rangeAllowed: false });
    expect(evaluatePreconditions({ 'if-range': date('2026-01-02T03:04:05Z') }, v)).toEqual({ status: 'go', rangeAllowed: true });
    expect(evaluatePreconditions({ 'if-range': date('2026-01-02T03:04:06Z') }, v)).toEqual({ status: 'go', rangeAllowed: false });
  });
});

