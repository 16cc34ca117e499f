// Moving bytes out of a stopped debuggee: one interface, several paths (direct, DAP readMemory, memfd, evaluate).

import { ArrayLensError } from '../core/errors';
import { StridedView, byteExtent, elementCount, gatherView } from '../core/view';

export type TransportKind = 'direct' | 'dap' | 'memfd' | 'evaluate';
export const TRANSPORT_KINDS: TransportKind[] = ['direct', 'dap', 'memfd', 'evaluate'];

export interface Transport {
  readonly kind: TransportKind;
  /** The view's elements, C order, contiguous: elementCount * itemsize bytes. */
  readView(view: StridedView): Promise<Buffer>;
  /** Raw bytes [address, address + length), for paths that read memory as it lies. */
  readRange?(address: bigint, length: number): Promise<Buffer>;
  /** Releases what the transport holds in the debuggee or here. */
  dispose?(): Promise<void>;
}

const GROUP_SPAN = 4 << 20;

/** readView for transports that read raw ranges: one read when the view is dense, row by row when sparse. */
export async function readViewByRanges(
  readRange: (address: bigint, length: number) => Promise<Buffer>,
  v: StridedView,
): Promise<Buffer> {
  const n = elementCount(v.shape);
  if (n === 0) return Buffer.alloc(0);
  const { lo, hi } = byteExtent(v);
  const needed = n * v.dtype.itemsize;
  if (hi - lo <= Math.max(4 * needed, 1 << 20) || v.shape.length <= 1) {
    if (hi - lo > 2 ** 31 - 1)
      throw new ArrayLensError('bad-argument', `a single read of ${hi - lo} bytes is too large; inspect a slice`);
    const start = v.address + BigInt(lo);
    const raw = await readRange(start, hi - lo);
    return gatherView(raw, start, v);
  }
  // Sparse along axis 0 (a tile of a wide image): read groups of rows whose span stays within a few MiB,
  // so a 512-row tile costs a handful of reads rather than one per row.
  const rowSpan = byteExtent({ ...v, shape: v.shape.slice(1), strides: v.strides.slice(1) });
  const perRow = rowSpan.hi - rowSpan.lo;
  const group = Math.max(1, Math.floor(Math.max(GROUP_SPAN, 4 * perRow) / Math.max(1, Math.abs(v.strides[0]))));
  const parts: Buffer[] = [];
  for (let i = 0; i < v.shape[0]; i += group) {
    const n = Math.min(group, v.shape[0] - i);
    const sub: StridedView = { address: v.address + BigInt(i * v.strides[0]), dtype: v.dtype, shape: [n, ...v.shape.slice(1)], strides: v.strides.slice() };
    const ext = byteExtent(sub);
    if (n > 1 && ext.hi - ext.lo <= Math.max(GROUP_SPAN, 4 * n * perRow)) {
      const start = sub.address + BigInt(ext.lo);
      parts.push(gatherView(await readRange(start, ext.hi - ext.lo), start, sub));
    } else {
      for (let r = 0; r < n; r++)
        parts.push(
          await readViewByRanges(readRange, {
            address: sub.address + BigInt(r * v.strides[0]),
            dtype: v.dtype,
            shape: v.shape.slice(1),
            strides: v.strides.slice(1),
          }),
        );
    }
  }
  return Buffer.concat(parts);
}
