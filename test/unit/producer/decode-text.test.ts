import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { decodeText } from '../../../src/producer/decode-text.js';
import { normalizeText } from '../../../src/producer/normalize-text.js';

const TEXT = 'Héllo “wörld” — ok\n';

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

describe('decodeText', () => {
  it('decodes UTF-8 with and without a byte-order mark', () => {
    expect(decodeText(Buffer.from(TEXT), 'a.txt')).toBe(TEXT);
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT)]), 'a.txt')).toBe(TEXT);
  });

  it('decodes UTF-16 LE and BE marked by their byte-order mark', () => {
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]), 'le.txt')).toBe(TEXT);
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]), 'be.txt')).toBe(TEXT);
  });

  it('rejects an empty file', () => {
    expect(() => decodeText(Buffer.alloc(0), 'empty.txt')).toThrow(new InputError('empty.txt: file is empty'));
  });

  it('rejects a file of only whitespace, or only a byte-order mark', () => {
    expect(() => decodeText(Buffer.from(' \n\t\r\n\u00a0 '), 'blank.txt')).toThrow(new InputError('blank.txt: file is blank (only whitespace)'));
    expect(() => decodeText(Buffer.from([0xef, 0xbb, 0xbf]), 'bom.txt')).toThrow(/bom\.txt: file is blank/);
  });

  it('rejects binary files: a PNG, a zip, a run of control bytes', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    expect(() => decodeText(png, 'cover.png')).toThrow(/^cover\.png: looks like a binary file \(it contains NUL bytes\)/);
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]);
    expect(() => decodeText(zip, 'book.zip')).toThrow(InputError);
    const controls = Buffer.from(Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)));
    expect(() => decodeText(controls, 'ctl.txt')).toThrow(/ctl\.txt: looks like a binary file \(34% control characters\)/);
  });

  it('rejects text that is not valid UTF-8', () => {
    const latin1 = Buffer.from('caf\xe9 au lait', 'latin1');
    expect(() => decodeText(latin1, 'latin1.txt')).toThrow(new InputError('latin1.txt: not valid UTF-8 text; save it as UTF-8'));
  });

  it('rejects UTF-16 with a lone surrogate', () => {
    const broken = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([0x41, 0x00, 0x00, 0xd8, 0x41, 0x00])]);
    expect(() => decodeText(broken, 'u16.txt')).toThrow(/u16\.txt: not valid UTF-16LE text/);
  });
});

describe('normalizeText', () => {
  it('unifies line endings and spaces, trims lines, keeps paragraph breaks and curly quotes, and composes to NFC', () => {
    const input = 'One\ttwo\u00a0 three\r\n  indented line  \r\rnext\u2003para\n\n\n\nCafe\u0301 “quoted” ‘single’\u200b\n';
    expect(normalizeText(input)).toBe('One two three\nindented line\n\nnext para\n\nCafé “quoted” ‘single’');
  });
});
