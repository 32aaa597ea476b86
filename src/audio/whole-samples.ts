/**
 * Cuts a stream of PCM bytes into pieces of whole sample frames (`frameBytes` each). A read (of a
 * file, of a bucket's response, of a decoder's pipe) may end inside a frame: its bytes are carried
 * over to the next piece, so a meter or a gain never sees half a sample.
 */
export class WholeSamples {
  private carry: Buffer | undefined;

  constructor(private readonly frameBytes: number) {}

  /** The whole frames of what has come so far (possibly none), keeping a cut-off frame for the next piece. */
  take(piece: Buffer): Buffer {
    const data = this.carry ? Buffer.concat([this.carry, piece]) : piece;
    const whole = data.length - (data.length % this.frameBytes);
    // Copied: the bytes carried must outlive the buffer they came in.
    this.carry = whole < data.length ? Buffer.from(data.subarray(whole)) : undefined;
    return data.subarray(0, whole);
  }

  /** Bytes of a frame still cut off: at the end of the stream, a stream that ends inside a frame. */
  get leftover(): number {
    return this.carry?.length ?? 0;
  }
}
