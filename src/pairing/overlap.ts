// The one overlap test of the alias index: two views are the same bytes when their byte extents intersect.

import { StridedView, byteExtent, elementCount } from '../core/view';

/** True when the two views share at least one byte (empty views share none). */
export function overlapping(a: StridedView, b: StridedView): boolean {
  if (elementCount(a.shape) === 0 || elementCount(b.shape) === 0) return false;
  const ea = byteExtent(a);
  const eb = byteExtent(b);
  const alo = a.address + BigInt(ea.lo);
  const blo = b.address + BigInt(eb.lo);
  return alo < b.address + BigInt(eb.hi) && blo < a.address + BigInt(ea.hi);
}
