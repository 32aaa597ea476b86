/**
 * Which cells of a DTW matrix are computed: for each row i (a reference frame), the columns (reading
 * frames) lo[i] ≤ j < hi[i]. Both bounds never decrease, row 0 starts at column 0, the last row ends
 * at the last column, and each row overlaps or touches the one before, so a path always exists.
 */
export interface Band {
  lo: Int32Array;
  hi: Int32Array;
}

/** Cells inside a band. */
export function bandCells(band: Band): number {
  let cells = 0;
  for (let i = 0; i < band.lo.length; i++) cells += band.hi[i]! - band.lo[i]!;
  return cells;
}

/** A band of `halfWidth` columns either side of the straight line from (0, 0) to (rows-1, columns-1). */
export function diagonalBand(rows: number, columns: number, halfWidth: number): Band {
  const lo = new Int32Array(rows);
  const hi = new Int32Array(rows);
  const slope = rows > 1 ? (columns - 1) / (rows - 1) : 0;
  for (let i = 0; i < rows; i++) {
    const centre = Math.round(i * slope);
    lo[i] = centre - halfWidth;
    hi[i] = centre + halfWidth + 1;
  }
  return repairBand({ lo, hi }, columns);
}

/**
 * Clamps a band to the matrix and makes it valid (see Band): bounds made monotonic by widening, never
 * by narrowing, so every cell asked for stays in.
 */
export function repairBand(band: Band, columns: number): Band {
  const { lo, hi } = band;
  const rows = lo.length;
  if (rows === 0) return band;
  for (let i = 0; i < rows; i++) {
    lo[i] = Math.max(0, Math.min(lo[i]!, columns - 1));
    hi[i] = Math.max(lo[i]! + 1, Math.min(hi[i]!, columns));
  }
  lo[0] = 0;
  hi[rows - 1] = columns;
  // lo never decreases: a row's start moves down to the smallest start of the rows after it.
  for (let i = rows - 2; i >= 0; i--) lo[i] = Math.min(lo[i]!, lo[i + 1]!);
  // hi never decreases, and each row reaches at least the start of the next (so the path can step on).
  for (let i = 1; i < rows; i++) hi[i] = Math.max(hi[i]!, hi[i - 1]!);
  for (let i = 0; i < rows - 1; i++) hi[i] = Math.max(hi[i]!, lo[i + 1]!);
  return band;
}
