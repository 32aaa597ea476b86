import { AudioFormatError, StoreRefusedError } from '../errors.js';
import { refusedMessage, storeRefusal } from '../store/store-refusal.js';
import type { AudioSpool } from '../store/audio-spool.js';
import { toFetchResponse, type HttpTransport } from './http-transport.js';
import type { WavFile } from '../store/wav-files.js';
import type { WavSpoolWriter } from '../store/wav-spool-writer.js';

/**
 * What replaces `message.audio.data` in the JSON the SDK sees: this prefix, then JSON of the
 * spooled WAV (path and layout) or of the reason the audio was not usable WAV.
 */
export const SPOOL_PREFIX = 'narrate-spool:';

/** The audio of a completion as audioSpoolFetch left it: a canonical WAV in the spool, or why not. */
export type SpooledAudio = WavFile | { error: string };

/** The spooled WAV behind a placeholder; AudioFormatError when the audio was not usable. */
export function readSpooledAudio(placeholder: string): WavFile {
  const spooled = JSON.parse(placeholder.slice(SPOOL_PREFIX.length)) as SpooledAudio;
  if ('error' in spooled) throw new AudioFormatError(spooled.error);
  return spooled;
}

/**
 * A fetch for the openai SDK that streams the base64 audio of a chat completion to a spool file
 * as it arrives, and hands the SDK the same JSON with `audio.data` replaced by a placeholder
 * naming the file (see SPOOL_PREFIX).
 *
 * Why: a five-minute segment is 19 MB of base64; parsed the usual way it sits in memory three or
 * four times over (body bytes, text, parsed string, decoded PCM), times the jobs in flight. Here
 * only the small rest of the JSON is kept. Every other response passes through untouched.
 */
export function audioSpoolFetch(spool: AudioSpool, transport: HttpTransport): typeof fetch {
  return async (input, init) => {
    const response = await transport.request(input as string | URL, init);
    const type = response.headers.get('content-type') ?? '';
    if (response.status < 200 || response.status > 299 || !type.includes('json')) return toFetchResponse(response);
    const extractor = new AudioDataExtractor(spool);
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) await extractor.push(chunk);
      return toFetchResponse(response, await extractor.end());
    } catch (error) {
      response.body.destroy();
      await extractor.abort();
      // The spool's disks refused the audio: ours to report (and not retried as a network fault).
      const refused = storeRefusal(error);
      if (refused) throw new StoreRefusedError(`${refusedMessage('spool', spool.fallbackDir ?? spool.dir, refused)}: the model's reading could not be kept`, { ...refused, cause: error });
      throw error;
    }
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** An open object or array: `name` is the key it sits under in its parent; `member` the object's current key. */
type Container = { kind: 'object'; name: string | undefined; member: string | undefined; expectKey: boolean } | { kind: 'array'; name: string | undefined };

/**
 * A small streaming JSON scanner: copies the document, except the string value at
 * `...audio.data`, which it base64-decodes into a spool file (a canonical WAV once the string
 * closes). Works on bytes: every structural JSON character is ASCII and never occurs inside a
 * multi-byte UTF-8 sequence.
 */
export class AudioDataExtractor {
  private readonly kept: Buffer[] = [];
  private readonly stack: Container[] = [];
  private inString = false;
  private escape = false;
  private stringIsKey = false;
  private keyBytes: number[] = [];
  private capturing = false;
  private captured = false;
  private pending = '';
  private file: WavSpoolWriter | undefined;

  constructor(private readonly spool: Pick<AudioSpool, 'writer'>) {}

  /** Feeds the next bytes of the body. */
  async push(chunk: Uint8Array): Promise<void> {
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let keepFrom = 0;
    let i = 0;
    while (i < buf.length) {
      if (this.capturing) {
        // Inside the audio string: jump to the next quote or backslash instead of walking 19 MB byte by byte.
        const q = buf.indexOf(QUOTE, i);
        const b = buf.indexOf(BACKSLASH, i);
        const stop = q === -1 ? b : b === -1 ? q : Math.min(q, b);
        if (this.escape) {
          // JSON may escape "/" as "\/"; base64 needs no other escape.
          this.escape = false;
          if (buf[i] === 0x2f) await this.feed('/');
          i++;
          continue;
        }
        if (stop === -1) {
          await this.feedBytes(buf, i, buf.length);
          i = buf.length;
          break;
        }
        if (stop > i) await this.feedBytes(buf, i, stop);
        i = stop + 1;
        if (buf[stop] === BACKSLASH) {
          this.escape = true;
          continue;
        }
        // The closing quote: the placeholder string stands where the audio was.
        this.capturing = false;
        this.captured = true;
        this.inString = false;
        keepFrom = i;
        this.kept.push(Buffer.from(JSON.stringify(SPOOL_PREFIX + JSON.stringify(await this.finishAudio()))));
        continue;
      }
      const c = buf[i]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) this.closeString();
        else if (this.stringIsKey) this.keyBytes.push(c);
        i++;
        continue;
      }
      if (c === QUOTE) {
        const top = this.stack.at(-1);
        this.stringIsKey = top?.kind === 'object' && top.expectKey;
        this.keyBytes = [];
        if (!this.stringIsKey && !this.captured && top?.kind === 'object' && top.member === 'data' && top.name === 'audio') {
          // Start of the audio: keep what came before, then divert the string's content to the file.
          this.kept.push(Buffer.from(buf.subarray(keepFrom, i)));
          this.capturing = true;
          this.file = await this.spool.writer();
          i++;
          continue;
        }
        this.inString = true;
      } else if (c === 0x7b /* { */) {
        this.stack.push({ kind: 'object', name: this.valueKey(), member: undefined, expectKey: true });
      } else if (c === 0x5b /* [ */) {
        this.stack.push({ kind: 'array', name: this.valueKey() });
      } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
        this.stack.pop();
      } else if (c === 0x2c /* , */) {
        const top = this.stack.at(-1);
        if (top?.kind === 'object') {
          top.expectKey = true;
          top.member = undefined;
        }
      }
      i++;
    }
    if (keepFrom < buf.length && !this.capturing) this.kept.push(Buffer.from(buf.subarray(keepFrom)));
  }

  /** Returns the JSON text with the audio replaced by the placeholder. */
  async end(): Promise<string> {
    // A body that ended inside the audio string is not JSON: the SDK will say so; the audio goes.
    await this.abort();
    return Buffer.concat(this.kept).toString('utf8');
  }

  /** Deletes audio not yet handed over (a failed or cut-short body). */
  async abort(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.abort();
  }

  /** The audio string has closed: decode its last characters and make the spool file canonical. */
  private async finishAudio(): Promise<SpooledAudio> {
    await this.feed('', true);
    const file = this.file!;
    this.file = undefined;
    try {
      return await file.end();
    } catch (error) {
      if (error instanceof AudioFormatError) return { error: error.message };
      throw error;
    }
  }

  private closeString(): void {
    this.inString = false;
    const top = this.stack.at(-1);
    if (this.stringIsKey && top?.kind === 'object') {
      top.member = Buffer.from(this.keyBytes).toString('utf8');
      top.expectKey = false;
    }
  }

  /** The key the value now starting belongs to (for an object member), else undefined. */
  private valueKey(): string | undefined {
    const top = this.stack.at(-1);
    return top?.kind === 'object' ? top.member : undefined;
  }

  /**
   * Decodes base64 in whole 8-character groups (6 bytes: whole 16-bit samples, so the meter never
   * waits on half of one); the remainder waits for the next piece. Only the few characters that
   * complete the last piece's remainder are joined as strings: the rest goes from the body's bytes
   * to one string and to the decoder, where joining every piece to the remainder copied it twice more.
   */
  private async feedBytes(buf: Buffer, from: number, to: number): Promise<void> {
    if (!this.file) return;
    let at = from;
    if (this.pending.length > 0) {
      at = Math.min(to, from + (GROUP - this.pending.length));
      await this.feed(buf.toString('latin1', from, at));
      if (this.pending.length > 0) return;
    }
    const end = to - ((to - at) % GROUP);
    if (end > at) await this.file.write(Buffer.from(buf.toString('latin1', at, end), 'base64'));
    if (end < to) this.pending = buf.toString('latin1', end, to);
  }

  /** Decodes base64 text after what is pending, in whole groups; the remainder waits (all of it, when `last`). */
  private async feed(text: string, last = false): Promise<void> {
    if (!this.file) return;
    const all = this.pending + text;
    const cut = last ? all.length : all.length - (all.length % GROUP);
    this.pending = all.slice(cut);
    if (cut === 0) return;
    await this.file.write(Buffer.from(all.slice(0, cut), 'base64'));
  }
}

/** Base64 characters decoded at a time: 8 make 6 bytes, whole 16-bit samples behind a header of even length. */
const GROUP = 8;
