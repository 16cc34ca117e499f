// Conservative reachability of tracked native blocks, the way LeakSanitizer does it: every pointer-sized,
// aligned value in the process's writable memory (stacks above their stack pointer, data, heap) that points into
// a block marks it, and marked blocks are scanned in turn. Blocks nothing points to are unreferenced.

import { loadKernels } from '../engine/kernels';
import { loadedAddon } from '../engine/nativeKernels';
import { Mapping, threadStackPointers } from './procMaps';

/** Sorted, non-overlapping blocks as parallel arrays (numbers: user-space addresses fit in 47 bits). */
export interface BlockIndex {
  starts: Float64Array;
  ends: Float64Array;
}

export function blockIndex(blocks: readonly { addr: number; size: number }[]): BlockIndex {
  const sorted = [...blocks].sort((a, b) => a.addr - b.addr);
  return { starts: Float64Array.from(sorted, (b) => b.addr), ends: Float64Array.from(sorted, (b) => b.addr + Math.max(b.size, 1)) };
}

const TWO32 = 4294967296;

/**
 * The scan kernel: marks every block that an aligned 8-byte little-endian word of `words` points to (to its first
 * byte, or anywhere inside it with `interior`); returns how many blocks it newly marked (their indexes are pushed
 * on `newly`).
 */
export function markPointers(words: Uint32Array, index: BlockIndex, marks: Uint8Array, newly: number[], interior = false): number {
  const { starts, ends } = index;
  const n = starts.length;
  if (n === 0) return 0;
  const lo = starts[0];
  const hi = ends[n - 1];
  const hiMin = Math.floor(lo / TWO32);
  const hiMax = Math.floor((hi - 1) / TWO32);
  let found = 0;
  for (let i = 0; i + 1 < words.length; i += 2) {
    const h = words[i + 1];
    if (h < hiMin || h > hiMax) continue;
    const v = h * TWO32 + words[i];
    if (v < lo || v >= hi) continue;
    // last block whose start <= v
    let a = 0;
    let b = n - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if (starts[m] <= v) a = m;
      else b = m - 1;
    }
    if ((interior ? v < ends[a] : v === starts[a]) && marks[a] === 0) {
      marks[a] = 1;
      newly.push(a);
      found++;
    }
  }
  return found;
}

function asWords(buf: Buffer): Uint32Array {
  const len = buf.length & ~7;
  if (buf.byteOffset % 4 === 0) return new Uint32Array(buf.buffer, buf.byteOffset, len / 4);
  const copy = new Uint32Array(len / 4);
  Buffer.from(copy.buffer).set(buf.subarray(0, len));
  return copy;
}

/** [start, end) intervals of `ranges` minus `holes` (both sorted by start). */
export function subtractIntervals(ranges: [number, number][], holes: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let h = 0;
  for (const [s0, e] of ranges) {
    let s = s0;
    while (h < holes.length && holes[h][1] <= s) h++;
    let k = h;
    while (s < e && k < holes.length && holes[k][0] < e) {
      if (holes[k][0] > s) out.push([s, holes[k][0]]);
      s = Math.max(s, holes[k][1]);
      k++;
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}

export interface ScanResult {
  /** Per block of the index: 1 when something points into it. */
  marks: Uint8Array;
  bytesScanned: number;
  ms: number;
  /** Which kernel filtered the words: the addon's SIMD scan (`native-avx512` ...) or the JS reference (`js`). */
  kernel: string;
}

/** Marks blocks pointed to from `buf` (aligned u64 words), pushing newly marked indexes on `newly`. */
type MarkFn = (buf: Buffer, index: BlockIndex, marks: Uint8Array, newly: number[], interior: boolean) => void;

/** The native SIMD scan kernel when the addon is loaded (ARRAYLENS_NO_NATIVE=1 forces the JS one), else the JS kernel. */
export function scanKernel(): { name: string; mark: MarkFn } {
  const choice = loadKernels();
  const addon = loadedAddon();
  if (addon && choice.backend.startsWith('native-')) {
    const options = { isa: addon.backend().isa };
    return {
      name: choice.backend,
      mark: (buf, index, marks, newly, interior) => {
        if (index.starts.length === 0) return;
        for (const i of addon.markPointers(buf, index.starts, index.ends, marks, { ...options, interior })) newly.push(i);
      },
    };
  }
  return { name: 'js', mark: (buf, index, marks, newly, interior) => markPointers(asWords(buf), index, marks, newly, interior) };
}

export type ReadRange = (addr: number, len: number) => Promise<Buffer>;

const RED_ZONE = 128;
const CHUNK = 8 << 20;
/** Ranges at most this far apart are read together. */
const GROUP_GAP = 64 << 10;

/** The root ranges of a stopped process: writable mappings, stacks cut at their thread's stack pointer. */
export function rootRanges(pid: number, maps: readonly Mapping[], exclude: readonly [number, number][]): [number, number][] {
  const sps = threadStackPointers(pid);
  const ranges: [number, number][] = [];
  for (const m of maps) {
    if (m.perms[0] !== 'r' || m.perms[1] !== 'w') continue;
    if (/^\[(vvar|vsyscall|vvar_vclock)\]$/.test(m.path)) continue;
    let start = m.start;
    const sp = sps.find((x) => x >= m.start && x <= m.end);
    if (sp !== undefined) start = Math.max(m.start, sp - RED_ZONE);
    ranges.push([start, m.end]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  return subtractIntervals(ranges, [...exclude].sort((a, b) => a[0] - b[0]));
}

/**
 * Marks every block reachable from `roots`, then from the marked blocks' own contents. Only pointers to a block's
 * start count unless `interior`: a live interpreter's heap is full of stale interior pointers (freed memory, list
 * slack) into recycled regions, and they hid every planted leak in the Python fixture.
 */
export async function scanReachable(read: ReadRange, roots: [number, number][], index: BlockIndex, interior = false): Promise<ScanResult> {
  const t0 = performance.now();
  const kernel = scanKernel();
  const marks = new Uint8Array(index.starts.length);
  let bytes = 0;
  let newly: number[] = [];
  const scan = async (s: number, e: number): Promise<void> => {
    for (let at = s; at < e; at += CHUNK) {
      const len = Math.min(CHUNK, e - at);
      let buf: Buffer;
      try {
        buf = await read(at, len);
      } catch {
        continue; // unreadable pages (guard pages, device memory) hold no references we could follow
      }
      bytes += buf.length;
      kernel.mark(buf, index, marks, newly, interior);
    }
  };
  // Ranges near each other (root pieces between tracked blocks, marked blocks) are read together and scanned as
  // slices: a live heap splits into thousands of pieces, and one read each cost ~40-130 us (most of the scan's
  // time before). A group whose read fails (an unmapped gap) is read piece by piece.
  const scanAll = async (ranges: [number, number][]): Promise<void> => {
    for (let g = 0; g < ranges.length; ) {
      const s = ranges[g][0];
      let e = ranges[g][1];
      let h = g + 1;
      while (h < ranges.length && ranges[h][0] - e <= GROUP_GAP && ranges[h][1] - s <= CHUNK) e = Math.max(e, ranges[h++][1]);
      let buf: Buffer | null = null;
      if (h - g > 1) {
        try {
          buf = await read(s, e - s);
        } catch {
          buf = null;
        }
      }
      for (let k = g; k < h; k++) {
        if (!buf) await scan(ranges[k][0], ranges[k][1]);
        else {
          const part = buf.subarray(ranges[k][0] - s, ranges[k][1] - s);
          bytes += part.length;
          kernel.mark(part, index, marks, newly, interior);
        }
      }
      g = h;
    }
  };
  const holes: [number, number][] = Array.from(index.starts, (s, i) => [s, index.ends[i]] as [number, number]);
  // Pointers sit at 8-byte aligned addresses: a piece that starts after a block's odd end starts at the next one.
  const pieces = subtractIntervals(roots, holes)
    .map(([s, e]) => [Math.ceil(s / 8) * 8, e] as [number, number])
    .filter(([s, e]) => s < e);
  await scanAll(pieces);
  while (newly.length) {
    const batch = newly.sort((a, b) => index.starts[a] - index.starts[b]);
    newly = [];
    await scanAll(batch.map((i) => [index.starts[i], index.ends[i]] as [number, number]));
  }
  return { marks, bytesScanned: bytes, ms: performance.now() - t0, kernel: kernel.name };
}
