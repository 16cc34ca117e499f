// The inspection engine: expression -> view -> (slice) -> values and streamed stats, over any DebugTarget.

import { viewValues } from '../core/decode';
import { ArrayLensError } from '../core/errors';
import { sliceView } from '../core/indexing';
import { hasPatternTable, patternTableSize, statsFromPatterns } from '../core/patterns';
import { Moments, Stats, StatsKernels, emptyMoments, finalizeStats, histogramSpec, mergeMoments } from '../core/stats';
import { StridedView, byteExtent, contiguousLike, elementCount, memoryOrder, outerChunks } from '../core/view';
import { ArrayHandle, DebugTarget } from './target';
import { InspectResult } from '../protocol/cli';
import { Transport, TransportKind } from '../transport/transport';
import { readsInto } from '../transport/direct';
import { chunkPool } from './chunkPool';
import { loadKernels } from './kernels';

export interface InspectOptions {
  slice?: string | null;
  values?: boolean;
  stats?: boolean;
  bins?: number;
  transport?: 'auto' | TransportKind;
  /** Refuse --values beyond this many elements (the UI asks for tiles instead). */
  maxValues?: number;
  signal?: AbortSignal;
}

export const DEFAULT_BINS = 256;
/** Chunk of a held array (and of every array before issue 16): the moments' merge order, so results stay bit-identical. */
const CHUNK_ELEMENTS = 1 << 23;
/** Arrays up to this size keep their chunks for pass two (read once); larger ones are read again, chunk by chunk. */
const HOLD_LIMIT_BYTES = 512 << 20;
/**
 * Chunk of an array that is not held: with one chunk in the kernels and the next being read, the host holds two
 * (32 MiB), whatever the array's size (a 4 GiB array's stats stay within 64 MiB of extra memory).
 */
const STREAM_CHUNK_BYTES = 16 << 20;

function hex(a: bigint): string {
  return `0x${a.toString(16)}`;
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ArrayLensError('cancelled', 'cancelled');
}

/** A chunk's bytes and the view of its elements within them; `pooled`: `buf` came from chunkPool. */
interface ReadChunk {
  buf: Uint8Array;
  view: StridedView;
  pooled?: boolean;
}

async function readChunk(t: Transport, c: StridedView): Promise<ReadChunk> {
  const n = elementCount(c.shape);
  const { lo, hi } = byteExtent(c);
  if (t.readRange && hi - lo <= 2 * n * c.dtype.itemsize + 4096) {
    const start = c.address + BigInt(lo);
    const view = { ...c, address: c.address - start };
    if (readsInto(t)) {
      // Into a reused buffer: warm pages, no fresh allocation per chunk.
      const buf = chunkPool.take(hi - lo);
      try {
        await t.readRangeInto(start, hi - lo, buf, 0);
      } catch (e) {
        chunkPool.give(buf);
        throw e;
      }
      return { buf, view, pooled: true };
    }
    return { buf: await t.readRange(start, hi - lo), view };
  }
  const buf = await t.readView(c);
  return { buf, view: contiguousLike(c) };
}

function release(rc: ReadChunk): void {
  if (rc.pooled) chunkPool.give(rc.buf);
}

/**
 * Whole-view stats streamed in chunks (memory order, since stats do not depend on element order):
 * pass one merges moments, pass two fills numpy.histogram's bins; 1- and 2-byte dtypes take one pass over
 * their bit-pattern table instead (src/core/patterns.ts). Chunk k+1 is read while the kernels run on chunk k
 * (both off the main thread with the addon), so the whole costs about what the read costs. `readMs` and `statsMs`
 * add up each read's and each kernel call's own time (they overlap); `wallMs` is the whole.
 */
export async function streamStats(
  t: Transport,
  view: StridedView,
  bins: number,
  kernels: StatsKernels,
  signal?: AbortSignal,
): Promise<{ stats: Stats; readMs: number; statsMs: number; wallMs: number }> {
  if (!Number.isInteger(bins) || bins < 1 || bins > 1 << 20)
    throw new ArrayLensError('bad-argument', `--bins ${bins}: use an integer from 1 to 1048576`);
  const wall0 = performance.now();
  const mo = memoryOrder(view);
  const patterns = kernels.patterns && hasPatternTable(view.dtype);
  const hold = !patterns && elementCount(view.shape) * view.dtype.itemsize <= HOLD_LIMIT_BYTES;
  // Pattern counts are exact whatever the chunks; moments merge per chunk, so a held array keeps today's chunks.
  const chunkElements = hold ? CHUNK_ELEMENTS : Math.max(1, Math.floor(STREAM_CHUNK_BYTES / view.dtype.itemsize));
  const chunks = [...outerChunks(mo, chunkElements)].filter((c) => elementCount(c.shape) > 0);
  let readMs = 0;
  let statsMs = 0;
  const timedRead = async (c: StridedView): Promise<ReadChunk> => {
    const t0 = performance.now();
    const rc = await readChunk(t, c);
    readMs += performance.now() - t0;
    return rc;
  };
  const held: ReadChunk[] = [];
  /** One pass over the chunks (read unless already `held`), the next read in flight while `use` runs. */
  const pass = async (items: (StridedView | ReadChunk)[], use: (rc: ReadChunk) => unknown, keep: boolean): Promise<void> => {
    const start = (i: number): Promise<ReadChunk> | null => {
      if (i >= items.length) return null;
      const item = items[i];
      return 'buf' in item ? Promise.resolve(item) : timedRead(item);
    };
    let next = start(0);
    try {
      for (let i = 0; i < items.length; i++) {
        checkAbort(signal);
        const rc = await next!;
        next = null;
        if (keep) held.push(rc);
        checkAbort(signal);
        next = start(i + 1);
        const t0 = performance.now();
        try {
          await use(rc);
        } finally {
          statsMs += performance.now() - t0;
          if (!keep && !('buf' in items[i])) release(rc);
        }
      }
    } finally {
      // Failed or cancelled with a read in flight: its buffer goes back once the read settles.
      next?.then(release, () => undefined);
    }
  };
  const finish = (stats: Stats): { stats: Stats; readMs: number; statsMs: number; wallMs: number } => ({
    stats,
    readMs,
    statsMs,
    wallMs: performance.now() - wall0,
  });
  try {
    if (patterns) {
      // 1- and 2-byte dtypes: one pass fills the pattern table; moments and histogram follow from it.
      const table = new Float64Array(patternTableSize(view.dtype));
      await pass(chunks, (rc) => kernels.patterns!(rc.buf, rc.view, table, signal), false);
      const t0 = performance.now();
      const stats = statsFromPatterns(view.dtype, table, bins);
      statsMs += performance.now() - t0;
      return finish(stats);
    }
    let m: Moments = emptyMoments();
    await pass(chunks, async (rc) => {
      m = mergeMoments(m, await kernels.moments(rc.buf, rc.view, signal));
    }, hold);
    if (m.finite === 0 || m.min === null || m.max === null) return finish(finalizeStats(m, null, null, bins));
    const spec = histogramSpec(Number(m.min), Number(m.max), bins);
    const counts = new Float64Array(bins);
    if (hold) await heldHistogram(held, kernels, spec, counts, signal, (ms) => (statsMs += ms));
    else await pass(chunks, (rc) => kernels.histogram(rc.buf, rc.view, spec, counts, signal), false);
    return finish(finalizeStats(m, counts, spec, bins));
  } finally {
    for (const rc of held) release(rc);
  }
}

/**
 * Pass two over held chunks: nothing is left to read, so two histogram jobs run at once (the addon's run on the
 * thread pool, one per core), each filling its own counts; the counts are integers, so adding them is exact and the
 * bins are the same as one pass in order.
 */
async function heldHistogram(
  held: readonly ReadChunk[],
  kernels: StatsKernels,
  spec: ReturnType<typeof histogramSpec>,
  counts: Float64Array,
  signal: AbortSignal | undefined,
  took: (ms: number) => void,
): Promise<void> {
  const t0 = performance.now();
  const lanes = [counts, new Float64Array(counts.length)];
  let next = 0;
  // allSettled: a failed or cancelled lane stops the other from taking more chunks, and the held buffers go back to
  // the pool only once neither lane is reading them.
  let failed = false;
  const settled = await Promise.allSettled(
    lanes.map(async (lane) => {
      try {
        for (let k = next++; k < held.length && !failed; k = next++) {
          checkAbort(signal);
          await kernels.histogram(held[k].buf, held[k].view, spec, lane, signal);
        }
      } catch (e) {
        failed = true;
        throw e;
      }
    }),
  );
  took(performance.now() - t0);
  const bad = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
  for (let b = 0; b < counts.length; b++) counts[b] += lanes[1][b];
}

/** Targets that know arrays of other languages over the same memory (mixed Python + native sessions). */
export interface AliasSource {
  aliasesOf(handle: ArrayHandle, view: StridedView): Promise<{ language: string; expr: string }[]>;
}

function aliasSource(target: DebugTarget): AliasSource | null {
  return typeof (target as Partial<AliasSource>).aliasesOf === 'function' ? (target as unknown as AliasSource) : null;
}

export async function inspectArray(target: DebugTarget, expr: string, opts: InspectOptions = {}): Promise<InspectResult> {
  const handle = await target.resolve(expr);
  let view = handle.view;
  if (opts.slice) view = sliceView(view, opts.slice);
  const t = await target.transport(opts.transport ?? 'auto', view);
  const bytesBefore = t.bytesRead;
  // One element first: an unreadable address fails here with a clear error, before any bulk read.
  if (elementCount(view.shape) > 0) await t.readView({ ...view, shape: view.shape.map(() => 1) });
  const result: InspectResult = {
    expr,
    language: handle.language,
    dtype: view.dtype.name,
    byteOrder: view.dtype.byteOrder,
    shape: view.shape.slice(),
    strides: view.strides.slice(),
    address: hex(view.address),
    slice: opts.slice ?? null,
    transport: t.kind,
    typeName: handle.typeName,
    timing: { read_ms: 0 },
  };
  if (opts.values) {
    const n = elementCount(view.shape);
    const max = opts.maxValues ?? 50_000_000;
    if (n > max)
      throw new ArrayLensError('bad-argument', `${n} elements is too many for --values (limit ${max}): pass --slice to pick a part`);
    // No elements can still mean a billion empty lists (np.empty((10**9, 0))): count the lists too (issue 18).
    let lists = 0;
    for (let axis = 0, rows = 1; axis < view.shape.length - 1 && rows > 0; axis++) lists += rows *= view.shape[axis];
    if (n + lists > max)
      throw new ArrayLensError('bad-argument', `shape [${view.shape.join(', ')}] is ${lists} nested lists, too many for --values (limit ${max}): pass --slice to pick a part`);
    const t0 = performance.now();
    const buf = await t.readView(view);
    result.timing.read_ms += performance.now() - t0;
    result.values = viewValues(buf, contiguousLike(view));
  }
  if (opts.stats) {
    const k = loadKernels();
    const s = await streamStats(t, view, opts.bins ?? DEFAULT_BINS, k.kernels, opts.signal);
    result.stats = { ...s.stats, backend: k.backend };
    result.timing.read_ms += s.readMs;
    result.timing.stats_ms = s.statsMs;
  }
  // Last: finding aliases may call into the debuggee (a mixed session walks the Python frames: src/backends/python/mixed.ts).
  const aliases = aliasSource(target);
  if (aliases) result.aliases = await aliases.aliasesOf(handle, view);
  result.timing.read_ms = Math.round(result.timing.read_ms * 1000) / 1000;
  if (bytesBefore !== undefined && t.bytesRead !== undefined) result.timing.bytes_read = t.bytesRead - bytesBefore;
  if (result.timing.stats_ms !== undefined) result.timing.stats_ms = Math.round(result.timing.stats_ms * 1000) / 1000;
  return result;
}
