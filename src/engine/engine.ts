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
const CHUNK_ELEMENTS = 1 << 23;
const HOLD_LIMIT_BYTES = 512 << 20;

function hex(a: bigint): string {
  return `0x${a.toString(16)}`;
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ArrayLensError('cancelled', 'cancelled');
}

/** A chunk's bytes and the view of its elements within them. */
interface ReadChunk {
  buf: Uint8Array;
  view: StridedView;
}

async function readChunk(t: Transport, c: StridedView): Promise<ReadChunk> {
  const n = elementCount(c.shape);
  const { lo, hi } = byteExtent(c);
  if (t.readRange && hi - lo <= 2 * n * c.dtype.itemsize + 4096) {
    const start = c.address + BigInt(lo);
    const buf = await t.readRange(start, hi - lo);
    return { buf, view: { ...c, address: c.address - start } };
  }
  const buf = await t.readView(c);
  return { buf, view: contiguousLike(c) };
}

/**
 * Whole-view stats streamed in chunks (memory order, since stats do not depend on element order):
 * pass one merges moments, pass two fills numpy.histogram's bins; 1- and 2-byte dtypes take one pass over
 * their bit-pattern table instead (src/core/patterns.ts).
 */
export async function streamStats(
  t: Transport,
  view: StridedView,
  bins: number,
  kernels: StatsKernels,
  signal?: AbortSignal,
): Promise<{ stats: Stats; readMs: number; statsMs: number }> {
  if (!Number.isInteger(bins) || bins < 1 || bins > 1 << 20)
    throw new ArrayLensError('bad-argument', `--bins ${bins}: use an integer from 1 to 1048576`);
  const mo = memoryOrder(view);
  const chunks = [...outerChunks(mo, CHUNK_ELEMENTS)].filter((c) => elementCount(c.shape) > 0);
  let readMs = 0;
  let statsMs = 0;
  /** One pass over the chunks (read unless already `held`), timing the reads and the kernel apart. */
  const pass = async (items: (StridedView | ReadChunk)[], use: (rc: ReadChunk) => unknown): Promise<void> => {
    for (const item of items) {
      checkAbort(signal);
      let t0 = performance.now();
      const rc = 'buf' in item ? item : await readChunk(t, item);
      readMs += performance.now() - t0;
      t0 = performance.now();
      await use(rc);
      statsMs += performance.now() - t0;
    }
  };
  if (kernels.patterns && hasPatternTable(view.dtype)) {
    // 1- and 2-byte dtypes: one pass fills the pattern table; moments and histogram follow from it.
    const table = new Float64Array(patternTableSize(view.dtype));
    await pass(chunks, (rc) => kernels.patterns!(rc.buf, rc.view, table, signal));
    const t0 = performance.now();
    const stats = statsFromPatterns(view.dtype, table, bins);
    statsMs += performance.now() - t0;
    return { stats, readMs, statsMs };
  }
  const hold = elementCount(view.shape) * view.dtype.itemsize <= HOLD_LIMIT_BYTES;
  const held: ReadChunk[] = [];
  let m: Moments = emptyMoments();
  await pass(chunks, async (rc) => {
    m = mergeMoments(m, await kernels.moments(rc.buf, rc.view, signal));
    if (hold) held.push(rc);
  });
  if (m.finite === 0 || m.min === null || m.max === null) return { stats: finalizeStats(m, null, null, bins), readMs, statsMs };
  const spec = histogramSpec(Number(m.min), Number(m.max), bins);
  const counts = new Float64Array(bins);
  await pass(hold ? held : chunks, (rc) => kernels.histogram(rc.buf, rc.view, spec, counts, signal));
  return { stats: finalizeStats(m, counts, spec, bins), readMs, statsMs };
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
