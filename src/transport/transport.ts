// Moving bytes out of a stopped debuggee: one interface, several paths (direct, DAP readMemory, memfd, evaluate).

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
  /** Bytes read from the debuggee so far, where the transport counts them (the CLI's JSON reports the difference). */
  readonly bytesRead?: number;
}

/**
 * A gap between the runs a view needs is read through when it is at most this many bytes, skipped (a separate read)
 * when larger: one read call costs about what reading this many bytes costs. Measured over /proc/PID/mem on a loaded
 * 2-core box (a 600 MB uint8 array): one call 25-50 us, 600 MB in ~0.4 s; [::10000] element by element took 3.1 s,
 * read through in 4 MiB parts 0.36 s; [::30000] 0.43 s vs 0.36 s; [::100000], 6000 one-byte reads, 0.07-0.14 s.
 * What a view reads is then at most 4x its bytes plus READ_GAP per run, never its whole span when the runs are far
 * apart: `[::100000]` of a 600M-element uint8 array reads its 6000 bytes, not 600 MB.
 */
const READ_GAP = 64 << 10;
/** Rows read together stop at this span (a tile of a wide image costs a handful of reads, not one per row). */
const GROUP_SPAN = 4 << 20;
/** The largest single read: a dense view larger than this is read in parts along its outer axis. */
const MAX_READ = 1 << 30;
/** Reads kept in flight: hides per-call latency (libuv's pool for /proc/PID/mem, round trips for DAP). */
const READS_IN_FLIGHT = 8;

/** One read of the plan: `view`'s extent, whose elements land at byte `at` of the output. */
interface Piece {
  view: StridedView;
  at: number;
}

function dense(span: number, needed: number, gap: number): boolean {
  return span <= 4 * needed + gap && span <= MAX_READ;
}

function rowsOf(v: StridedView, i: number, count: number | null): StridedView {
  const address = v.address + BigInt(i) * BigInt(v.strides[0]);
  return count === null
    ? { address, dtype: v.dtype, shape: v.shape.slice(1), strides: v.strides.slice(1) }
    : { address, dtype: v.dtype, shape: [count, ...v.shape.slice(1)], strides: v.strides.slice() };
}

/**
 * The reads that fetch `v`, in C order (so `at` only grows): its whole extent when dense; else along axis 0, rows
 * grouped while the gaps between them stay under READ_GAP (up to GROUP_SPAN a read), one read per row when the
 * gaps are larger, and each row planned the same way when even one row is sparse (down to single elements).
 */
function* planReads(v: StridedView, at: number, gap: number): Generator<Piece> {
  const n = elementCount(v.shape);
  if (n === 0) return;
  const item = v.dtype.itemsize;
  const { lo, hi } = byteExtent(v);
  if (v.shape.length === 0 || dense(hi - lo, n * item, gap)) {
    yield { view: v, at };
    return;
  }
  const d0 = v.shape[0];
  const s0 = Math.abs(v.strides[0]);
  const rowBytes = (n / d0) * item;
  const r = byteExtent({ ...v, shape: v.shape.slice(1), strides: v.strides.slice(1) });
  const rowSpan = r.hi - r.lo;
  let g = 1;
  // The span of g rows is exactly (g - 1) * s0 + rowSpan (byteExtent sums the axes' spans).
  if (dense(rowSpan, rowBytes, gap) && s0 - rowSpan <= gap)
    g = s0 === 0 ? d0 : Math.max(1, Math.min(d0, Math.floor((Math.max(GROUP_SPAN, rowSpan) - rowSpan) / s0) + 1));
  if (g === 1) {
    for (let i = 0; i < d0; i++) yield* planReads(rowsOf(v, i, null), at + i * rowBytes, gap);
    return;
  }
  for (let i = 0; i < d0; i += g) yield { view: rowsOf(v, i, Math.min(g, d0 - i)), at: at + i * rowBytes };
}

async function readPiece(readRange: (address: bigint, length: number) => Promise<Buffer>, p: Piece): Promise<Buffer> {
  const { lo, hi } = byteExtent(p.view);
  const start = p.view.address + BigInt(lo);
  return gatherView(await readRange(start, hi - lo), start, p.view);
}

/**
 * readView for transports that read raw ranges: one read when the view is dense, else only the runs it needs (groups
 * of rows, rows, single elements of a strided slice; see planReads), a few reads in flight at once. `gap`: see READ_GAP.
 */
export async function readViewByRanges(
  readRange: (address: bigint, length: number) => Promise<Buffer>,
  v: StridedView,
  gap = READ_GAP,
): Promise<Buffer> {
  const needed = elementCount(v.shape) * v.dtype.itemsize;
  if (needed === 0) return Buffer.alloc(0);
  const plan = planReads(v, 0, gap);
  const first = plan.next();
  if (first.done) return Buffer.alloc(0);
  const second = plan.next();
  if (second.done) return readPiece(readRange, first.value);
  const out = Buffer.allocUnsafe(needed);
  const pending: Piece[] = [first.value, second.value];
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed) {
      const p = pending.pop() ?? plan.next().value;
      if (!p) return;
      try {
        (await readPiece(readRange, p)).copy(out, p.at);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: READS_IN_FLIGHT }, worker));
  return out;
}
