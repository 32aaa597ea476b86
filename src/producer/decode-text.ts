import { InputError } from '../errors.js';

// How much of a file to inspect when deciding whether it is text at all: enough to catch
// a PNG, zip or PDF header, small enough to stay cheap on a whole novel.
const SNIFF_BYTES = 64 * 1024;
// Plain text has almost no C0 control bytes besides tab, newline, form feed and carriage return;
// binary formats are full of them. 10% leaves room for odd legacy files without letting a binary through.
const MAX_CONTROL_SHARE = 0.1;

/** Decodes a text file's bytes (UTF-8, or UTF-16 LE/BE with a byte-order mark), rejecting files that hold no text. */
export function decodeText(buf: Buffer, name: string): string {
  if (buf.length === 0) throw new InputError(`${name}: file is empty`);
  const text = decodeWithBom(buf, name);
  if (text.trim() === '') throw new InputError(`${name}: file is blank (only whitespace)`);
  return text;
}

function decodeWithBom(buf: Buffer, name: string): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return decodeStrict(buf.subarray(2), 'utf-16le', name);
  if (buf[0] === 0xfe && buf[1] === 0xff) return decodeStrict(buf.subarray(2), 'utf-16be', name);
  const hasUtf8Bom = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
  const body = hasUtf8Bom ? buf.subarray(3) : buf;
  // Checked on the bytes, before decoding: a PNG or zip would also fail as UTF-8, but "binary" is the useful message.
  rejectBinary(body, name);
  return decodeStrict(body, 'utf-8', name);
}

function decodeStrict(bytes: Uint8Array, encoding: 'utf-8' | 'utf-16le' | 'utf-16be', name: string): string {
  let text: string;
  try {
    // fatal: a wrong guess must fail loudly rather than narrate U+FFFD replacement characters.
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw new InputError(`${name}: not valid ${encoding.toUpperCase()} text; save it as UTF-8`, { cause: error });
  }
  if (encoding !== 'utf-8') rejectBinary(text, name);
  return text;
}

function rejectBinary(data: Uint8Array | string, name: string): void {
  const length = Math.min(data.length, SNIFF_BYTES);
  let controls = 0;
  for (let i = 0; i < length; i++) {
    const code = typeof data === 'string' ? data.charCodeAt(i) : (data[i] ?? 0);
    if (code === 0) {
      throw new InputError(`${name}: looks like a binary file (it contains NUL bytes), not text`);
    }
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0c && code !== 0x0d) controls++;
  }
  if (length > 0 && controls / length > MAX_CONTROL_SHARE) {
    throw new InputError(`${name}: looks like a binary file (${Math.round((100 * controls) / length)}% control characters), not text`);
  }
}
