import type { Band } from './band.js';
import type { Features } from './mfcc.js';

/** The cheapest warping path between two feature sequences, as each reference frame sees it. */
export interface WarpPath {
  /** For reference frame i, the first and last reading frames the path pairs it with. */
  first: Int32Array;
  last: Int32Array;
  /** For reference frame i, the summed distance of its cells on the path and how many there are. */
  rowCost: Float32Array;
  rowCells: Int32Array;
  /** Cells on the path and their summed distance. */
  steps: number;
  total: number;
  /** Cells computed: the work done, and 4 bytes of memory each while it ran. */
  cells: number;
}

/** Euclidean distance between frame i of a and frame j of b. */
export function frameDistance(a: Features, i: number, b: Features, j: number): number {
  const dims = a.dims;
  const fa = a.frames;
  const fb = b.frames;
  let sum = 0;
  for (let d = 0, x = i * dims, y = j * b.dims; d < dims; d++, x++, y++) {
    const diff = fa[x]! - fb[y]!;
    sum += diff * diff;
  }
  return Math.sqrt(sum);
}

/**
 * Dynamic time warping of `reference` (rows) against `reading` (columns) inside `band`, from the first
 * frames of both to the last of both, with the symmetric steps (diagonal, down, right) each adding the
 * next cell's distance. Only the band's cells are stored (one float each), and they are released when
 * it returns: memory follows the band, not the product of the lengths.
 */
export function dtw(reference: Features, reading: Features, band: Band): WarpPath {
  const rows = reference.count;
  const { lo, hi } = band;
  const offsets = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i]! + (hi[i]! - lo[i]!);
  const cells = offsets[rows]!;
  const acc = new Float32Array(cells);
  for (let i = 0; i < rows; i++) {
    const rowLo = lo[i]!;
    const rowHi = hi[i]!;
    const base = offsets[i]! - rowLo;
    const upLo = i > 0 ? lo[i - 1]! : 0;
    const upHi = i > 0 ? hi[i - 1]! : 0;
    const upBase = i > 0 ? offsets[i - 1]! - upLo : 0;
    for (let j = rowLo; j < rowHi; j++) {
      let best = Infinity;
      if (i === 0 && j === 0) best = 0;
      if (j > rowLo) best = acc[base + j - 1]!;
      if (i > 0) {
        if (j >= upLo && j < upHi) best = Math.min(best, acc[upBase + j]!);
        if (j - 1 >= upLo && j - 1 < upHi) best = Math.min(best, acc[upBase + j - 1]!);
      }
      acc[base + j] = best + frameDistance(reference, i, reading, j);
    }
  }
  const first = new Int32Array(rows);
  const last = new Int32Array(rows);
  const rowCost = new Float32Array(rows);
  const rowCells = new Int32Array(rows);
  let steps = 0;
  let total = 0;
  if (rows === 0 || reading.count === 0) return { first, last, rowCost, rowCells, steps, total, cells };
  // Walk back from the last cell, always to the cheapest neighbour (the diagonal on a tie).
  let i = rows - 1;
  let j = hi[i]! - 1;
  last[i] = j;
  for (;;) {
    const d = frameDistance(reference, i, reading, j);
    rowCost[i] = rowCost[i]! + d;
    rowCells[i] = rowCells[i]! + 1;
    first[i] = j;
    steps++;
    total += d;
    if (i === 0 && j === 0) break;
    const at = (r: number, c: number): number => (r >= 0 && c >= lo[r]! && c < hi[r]! ? acc[offsets[r]! + c - lo[r]!]! : Infinity);
    const diagonal = at(i - 1, j - 1);
    const up = at(i - 1, j);
    const left = at(i, j - 1);
    if (diagonal <= up && diagonal <= left) {
      i--;
      j--;
      last[i] = j;
    } else if (up <= left) {
      i--;
      last[i] = j;
    } else {
      j--;
    }
  }
  return { first, last, rowCost, rowCells, steps, total, cells };
}
