// Which two axes the inspector displays and where the other axes are fixed; the NumPy index text of that
// choice both ways, and the index of one tile of the displayed plane.

import { parseIndex } from '../src/core/indexing';
import type { Axes } from '../src/protocol/plane';

export type { Axes } from '../src/protocol/plane';
export { defaultAxes, planeDims, tileIndex } from '../src/protocol/plane';

/** `[3, :, :]`: displayed axes as `:`, the others at their fixed index. */
export function displayIndexText(shape: readonly number[], a: Axes): string {
  return `[${shape.map((_, i) => (i === a.row || i === a.col ? ':' : String(a.fixed[i] ?? 0))).join(', ')}]`;
}

/** Reads an index typed by the user: integers fix axes, full slices (`:`) pick the displayed ones. */
export function parseDisplayIndex(text: string, shape: readonly number[], prev: Axes): Axes {
  const items = parseIndex(text);
  const nd = shape.length;
  const expanded: ('full' | number)[] = [];
  const ell = items.findIndex((i) => i.kind === 'ellipsis');
  const explicit = items.filter((i) => i.kind !== 'ellipsis').length;
  for (const it of items) {
    if (it.kind === 'ellipsis') for (let k = 0; k < nd - explicit; k++) expanded.push('full');
    else if (it.kind === 'newaxis') throw new Error('None (newaxis) does not pick an axis: use integers and ":"');
    else if (it.kind === 'int') expanded.push(it.value);
    else if (it.start === null && it.stop === null && (it.step === null || it.step === 1)) expanded.push('full');
    else throw new Error("only ':' and integers: the grid shows whole axes (zoom and scroll for parts)");
  }
  if (ell < 0) while (expanded.length < nd) expanded.push('full');
  if (expanded.length !== nd) throw new Error(`the array has ${nd} dimensions; the index names ${expanded.length}`);
  const full: number[] = [];
  const fixed = prev.fixed.slice();
  expanded.forEach((x, axis) => {
    if (x === 'full') full.push(axis);
    else {
      const i = x < 0 ? x + shape[axis] : x;
      if (i < 0 || i >= shape[axis]) throw new Error(`index ${x} is out of bounds for axis ${axis} with size ${shape[axis]}`);
      fixed[axis] = i;
    }
  });
  const want = Math.min(2, nd);
  if (full.length !== want) throw new Error(`use ':' for exactly ${want} axes (the displayed ones), integers for the others`);
  if (want === 2) {
    // Keep the user's row/column order when the same two axes stay displayed.
    const same = full.includes(prev.row) && full.includes(prev.col);
    return { row: same ? prev.row : full[0], col: same ? prev.col : full[1], fixed };
  }
  return { row: want === 1 ? full[0] : -1, col: -1, fixed };
}

/** The array index of plane element (r, c). */
export function arrayIndexOf(shape: readonly number[], a: Axes, r: number, c: number): number[] {
  return shape.map((_, i) => (i === a.row ? r : i === a.col ? c : (a.fixed[i] ?? 0)));
}
