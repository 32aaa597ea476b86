import { printableJson } from './printable.js';

/** Writes a JSON array one element at a time: see jsonArrayWriter. */
export interface JsonArrayWriter {
  write(value: unknown): void;
  /** Closes the array (an empty one when nothing was written). Safe to call twice. */
  end(): void;
}

/**
 * A JSON array streamed as its elements come: `[`, then one element per line, each but the last
 * followed by a comma, then `]`. The whole output parses as one JSON document, and a line reader
 * gets one book per line (strip a trailing comma), so a listing of 10,000 books never waits for
 * the last one, nor holds them all.
 */
export function jsonArrayWriter(out: NodeJS.WritableStream): JsonArrayWriter {
  let count = 0;
  let ended = false;
  return {
    write(value) {
      out.write(`${count === 0 ? '[\n' : ',\n'}${printableJson(value, 0)}`);
      count++;
    },
    end() {
      if (ended) return;
      ended = true;
      out.write(count === 0 ? '[]\n' : '\n]\n');
    },
  };
}
