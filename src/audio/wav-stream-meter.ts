import { AudioFormatError } from '../errors.js';
import { LoudnessMeter } from './loudness-meter.js';
import { readWavLayout, type WavInfo, type WavLayout } from './parse-wav.js';
import { toSegmentLoudness, type SegmentLoudness } from './segment-loudness.js';
import { WholeSamples } from './whole-samples.js';

/** A header longer than this (fmt, LIST and other chunks before the samples) is not waited for: the file is measured afterwards. */
const HEADER_LIMIT_BYTES = 64 * 1024;

/**
 * Meters a WAV's samples while its bytes go by (as a reply is decoded into the spool), so a
 * reading is measured in the pass that writes it instead of being read back from the file: the
 * read-back cost more than the meter itself (bench/worker-cpu-cost.ts). Fed the file's bytes from
 * the first; finds the samples behind whatever chunks precede them and meters up to the data
 * chunk's declared size (all that comes, for a streaming header).
 *
 * `result` answers only when what it metered is exactly the samples the finished file holds; when
 * it cannot (not mono 16-bit, a header it could not read in time) it answers undefined and the
 * caller measures the file as before. Nothing it does can fail a reading: a WAV it cannot read is
 * the writer's to refuse.
 */
export class WavStreamMeter {
  private head: Buffer[] = [];
  private headBytes = 0;
  private layout: WavLayout | undefined;
  private meter: LoudnessMeter | undefined;
  private readonly samples = new WholeSamples(2);
  /** Bytes of the data chunk seen so far (metered, when there is a meter). */
  private dataSeen = 0;
  private givenUp = false;

  /** Feeds the next bytes of the file. */
  push(bytes: Buffer): void {
    if (this.givenUp) return;
    if (this.layout === undefined) {
      this.head.push(bytes);
      this.headBytes += bytes.length;
      const head = this.head.length === 1 ? bytes : Buffer.concat(this.head);
      this.head = [head];
      let layout: WavLayout;
      try {
        layout = readWavLayout(head);
      } catch (error) {
        // Not enough of the header yet (or not WAV at all: the writer says so at the end).
        if (!(error instanceof AudioFormatError) || this.headBytes >= HEADER_LIMIT_BYTES) this.givenUp = true;
        return;
      }
      this.layout = layout;
      this.head = [];
      if (layout.format.channels === 1 && layout.format.bitsPerSample === 16) this.meter = new LoudnessMeter(layout.format.sampleRate);
      else this.givenUp = true;
      this.data(head.subarray(layout.dataOffset));
      return;
    }
    this.data(bytes);
  }

  /**
   * The loudness of the finished file's samples (its layout as the writer found it), or undefined
   * when what was metered is not exactly those samples.
   */
  result(file: Pick<WavInfo, 'dataOffset' | 'dataBytes'>): SegmentLoudness | undefined {
    const layout = this.layout;
    if (this.givenUp || !this.meter || !layout || layout.dataOffset !== file.dataOffset) return undefined;
    // Whole samples only, as the file keeps them: a cut-off trailing byte is neither metered nor kept.
    if (this.dataSeen - (this.dataSeen % 2) !== file.dataBytes) return undefined;
    return toSegmentLoudness(this.meter.result());
  }

  private data(bytes: Buffer): void {
    if (!this.meter || bytes.length === 0) return;
    const declared = this.layout?.declaredDataBytes;
    // Bytes after the data chunk (a trailing LIST chunk) are not samples.
    const take = declared === undefined ? bytes.length : Math.min(bytes.length, declared - this.dataSeen);
    if (take <= 0) return;
    this.dataSeen += take;
    this.meter.pushPcm16(this.samples.take(take === bytes.length ? bytes : bytes.subarray(0, take)));
  }
}
