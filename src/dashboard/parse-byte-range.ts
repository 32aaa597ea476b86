/** What a Range header asks of a representation of `size` bytes (RFC 9110 §14). */
export type ByteRangeAnswer =
  /** No Range, another unit, a syntax error or several ranges: send the whole file (200). */
  | { kind: 'whole' }
  /** One satisfiable range, inclusive at both ends (206). */
  | { kind: 'range'; start: number; end: number }
  /** Nothing satisfiable (416 with `Content-Range: bytes *\/size`). */
  | { kind: 'unsatisfiable' };

const SPEC = /^(?:(\d+)-(\d*)|-(\d+))$/;

/**
 * Reads a Range header against a file of `size` bytes. Pure.
 *
 * RFC 9110 §14.1.1-14.1.2: a range whose first byte is at or past the end (`bytes=<size>-`) and a
 * suffix of zero bytes (`bytes=-0`) are unsatisfiable; a range whose last byte comes before its
 * first (`bytes=5-1`) is invalid, which a server "MAY ignore or reject": rejecting it (416) tells a
 * broken client what it did rather than sending it a whole file it did not ask for. A header that
 * does not parse at all, or names another unit, is ignored (§14.2). Several ranges are answered
 * with the whole file (allowed, and no player asks for more than one).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRangeAnswer {
  if (header === undefined) return { kind: 'whole' };
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return { kind: 'whole' };
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((s) => s.trim())
    // Empty list elements are allowed by the list syntax (RFC 9110 §5.6.1).
    .filter((s) => s !== '');
  if (specs.length === 0) return { kind: 'whole' };
  const satisfiable: { start: number; end: number }[] = [];
  for (const spec of specs) {
    const m = SPEC.exec(spec);
    if (!m) return { kind: 'whole' };
    if (m[3] !== undefined) {
      const suffix = Number(m[3]);
      if (suffix > 0 && size > 0) satisfiable.push({ start: Math.max(0, size - suffix), end: size - 1 });
      continue;
    }
    const first = Number(m[1]);
    const last = m[2] === '' ? undefined : Number(m[2]);
    if (last !== undefined && last < first) continue;
    if (first < size) satisfiable.push({ start: first, end: Math.min(last ?? size - 1, size - 1) });
  }
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  if (satisfiable.length > 1) return { kind: 'whole' };
  return { kind: 'range', ...satisfiable[0]! };
}
