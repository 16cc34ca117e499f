// The displayed plane of an array, shared by the webview (which asks for tiles of it) and the host (which sends the
// first, coarse picture with the state, so that it needs no request): which two axes are shown, a tile's NumPy index,
// and the strided sample of the whole plane the heatmap draws first.

/** Rows and columns of one heatmap tile (and of the coarse sample of the whole plane). */
export const HEAT_TILE = 256;

export interface Axes {
  /** Axis shown down the rows (-1 for a 0-d array). */
  row: number;
  /** Axis shown across the columns (-1 for 0-d and 1-d arrays). */
  col: number;
  /** Index of every axis that is not displayed (entries of displayed axes are ignored). */
  fixed: number[];
}

export function defaultAxes(shape: readonly number[]): Axes {
  const nd = shape.length;
  return { row: nd >= 2 ? nd - 2 : nd - 1, col: nd >= 2 ? nd - 1 : -1, fixed: shape.map(() => 0) };
}

export function planeDims(shape: readonly number[], a: Axes): { rows: number; cols: number } {
  return { rows: a.row < 0 ? 1 : shape[a.row], cols: a.col < 0 ? 1 : shape[a.col] };
}

/** The index (on the whole array) of rows [r0, r1) and cols [c0, c1) of the plane, every `step`th element. */
export function tileIndex(
  shape: readonly number[],
  a: Axes,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  step: number,
): { index: string; transpose: boolean } {
  const s = step === 1 ? '' : `:${step}`;
  const parts = shape.map((_, i) => (i === a.row ? `${r0}:${r1}${s}` : i === a.col ? `${c0}:${c1}${s}` : String(a.fixed[i] ?? 0)));
  return { index: `[${parts.join(', ')}]`, transpose: a.row >= 0 && a.col >= 0 && a.row > a.col };
}

/**
 * The coarse sample's step: the power of two that fits the plane in one tile (every p-th element both ways); 1 when
 * the plane fits in one tile already (then there is no sample: its tiles are as cheap).
 */
export function previewStep(rows: number, cols: number): number {
  return 2 ** Math.max(0, Math.ceil(Math.log2(Math.max(rows, cols, 1) / HEAT_TILE)));
}

/**
 * The index of the coarse sample of the default plane (the last two axes, others at 0) of a 2-d or larger array,
 * exactly as the heatmap asks for it; null when there is none to send (fewer than 2 dims, or a plane of one tile).
 */
export function defaultPreviewIndex(shape: readonly number[]): { index: string; transpose: boolean } | null {
  if (shape.length < 2) return null;
  const axes = defaultAxes(shape);
  const { rows, cols } = planeDims(shape, axes);
  const p = previewStep(rows, cols);
  if (p <= 1 || rows === 0 || cols === 0) return null;
  return tileIndex(shape, axes, 0, Math.min(rows, HEAT_TILE * p), 0, Math.min(cols, HEAT_TILE * p), p);
}
