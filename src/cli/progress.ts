import cliProgress from 'cli-progress';
import type { BookStatus } from '../books/book-status.js';
import { printable } from './printable.js';

/** Shows books moving: a bar per book on a terminal, plain lines otherwise. */
export interface ProgressView {
  update(status: BookStatus): void;
  stop(): void;
}

/** Picks the view for the stream: bars when it is a TTY, lines when it is a pipe or a CI log. */
export function createProgressView(stream: NodeJS.WriteStream): ProgressView {
  return stream.isTTY ? new BarView(stream) : new LineView(stream);
}

class BarView implements ProgressView {
  private readonly multi: cliProgress.MultiBar;
  private readonly bars = new Map<string, cliProgress.SingleBar>();

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: '{title} |{bar}| {value}/{total} chunks | {state} | {duration_formatted} | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(s: BookStatus): void {
    const shown = printable(s.title);
    const title = shown.length > 28 ? `${shown.slice(0, 27)}…` : shown.padEnd(28);
    let bar = this.bars.get(s.bookId);
    if (!bar) {
      bar = this.multi.create(s.chunksTotal, 0, { title, state: s.state });
      this.bars.set(s.bookId, bar);
    }
    bar.update(s.chunksDone, { title, state: s.state });
  }

  stop(): void {
    this.multi.stop();
  }
}

class LineView implements ProgressView {
  private readonly last = new Map<string, string>();
  private readonly started = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(s: BookStatus): void {
    const key = `${s.state}:${s.chunksDone}`;
    if (this.last.get(s.bookId) === key) return;
    this.last.set(s.bookId, key);
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = s.chunksDone > 0 && s.chunksDone < s.chunksTotal ? ` eta ${Math.round((elapsed / s.chunksDone) * (s.chunksTotal - s.chunksDone))}s` : '';
    this.stream.write(`${printable(s.title)}: ${s.chunksDone}/${s.chunksTotal} chunks, ${s.state}, ${elapsed.toFixed(1)}s${eta}\n`);
  }

  stop(): void {}
}
