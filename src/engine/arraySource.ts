// What the Arrays view and the inspector ask of a stopped debug session (list arrays, describe, read a tile,
// whole-array stats, fingerprint), answered either by the engine in this process or by our adapter over DAP.

import { ArrayLensError } from '../core/errors';
import { sliceView } from '../core/indexing';
import { percentilesOfBuffer } from '../core/percentiles';
import { StridedView, contiguousLike, elementCount } from '../core/view';
import { loadKernels } from './kernels';
import { streamStats } from './engine';
import type { NativeStatsKernels } from './nativeKernels';
import {
  ArraySummary,
  InspectArgs,
  InspectArgsSchema,
  InspectBody,
  InspectBodySchema,
  KnownArray,
  ListArraysBodySchema,
  MAX_TILE_ELEMENTS,
  Tile,
  jsonStats,
} from '../protocol/dap';
import { Transport } from '../transport/transport';
import { DapChannel } from '../rpc/dapClient';
import { readReducedTile } from './overview';
import { ArrayHandle, DebugTarget } from './target';

export interface ArraySource {
  /** `known`: arrays another debugger of the process showed; a native frame lists its pointers into them too. */
  listArrays(frameId: number, known?: readonly KnownArray[]): Promise<ArraySummary[]>;
  inspect(args: InspectArgs, signal?: AbortSignal): Promise<InspectBody>;
  /** The debuggee moved (continued, stepped, stopped again): cached handles and transports are stale. */
  invalidate(): void;
}

export function summarize(h: ArrayHandle): ArraySummary {
  const v = h.view;
  const size = elementCount(v.shape);
  return {
    expr: h.expr,
    typeName: h.typeName.slice(0, 300),
    dtype: v.dtype.name,
    byteOrder: v.dtype.byteOrder,
    shape: v.shape.slice(),
    strides: v.strides.slice(),
    address: `0x${v.address.toString(16)}`,
    size,
    nbytes: size * v.dtype.itemsize,
    language: h.language,
    ...(h.onRequest ? { onRequest: h.onRequest.slice(0, 300) } : {}),
  };
}

/** Same elements with the two axes of a 2-D view swapped. */
export function transposed2d(v: StridedView): StridedView {
  if (v.shape.length !== 2) return v;
  return { ...v, shape: [v.shape[1], v.shape[0]], strides: [v.strides[1], v.strides[0]] };
}

/** Content fingerprints are exact hashes up to this size; above it they are built from whole-array stats. */
const HASH_LIMIT_BYTES = 64 << 20;

function hashBytes(buf: Uint8Array): string {
  // Two independent 32-bit multiplicative hashes over 32-bit words: collisions are practically impossible
  // between two stops of one array, which is all "changed since last stop" needs.
  let h1 = 0x811c9dc5 ^ buf.length;
  let h2 = 0x01000193;
  const words = Math.floor(buf.length / 4);
  const w = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteOffset % 4 === 0 ? words : 0);
  let i = 0;
  if (w.length === words) {
    for (; i < words; i++) {
      const x = w[i];
      h1 = Math.imul(h1 ^ x, 0x9e3779b1);
      h2 = Math.imul(h2 + x, 0x85ebca77) ^ (h2 >>> 15);
    }
    i *= 4;
  }
  for (; i < buf.length; i++) {
    h1 = Math.imul(h1 ^ buf[i], 0x9e3779b1);
    h2 = Math.imul(h2 + buf[i], 0x85ebca77) ^ (h2 >>> 15);
  }
  return `${(h1 >>> 0).toString(16).padStart(8, '0')}${(h2 >>> 0).toString(16).padStart(8, '0')}`;
}

/** Reads one tile: the slice `index` of the array (0-2 dims left), optionally transposed, at most MAX_TILE_ELEMENTS. */
export async function readTile(t: Transport, view: StridedView, index: string, transpose: boolean): Promise<Tile> {
  let v = sliceView(view, index);
  if (v.shape.length > 2)
    throw new ArrayLensError('bad-slice', `a tile must have at most 2 dimensions; '${index}' leaves ${v.shape.length}`);
  if (transpose) v = transposed2d(v);
  const n = elementCount(v.shape);
  if (n > MAX_TILE_ELEMENTS)
    throw new ArrayLensError('bad-argument', `a tile of ${n} elements is too large (limit ${MAX_TILE_ELEMENTS}): ask for a smaller window`);
  const buf = await t.readView(v);
  return { shape: v.shape.slice(), dtype: v.dtype.name, byteOrder: v.dtype.byteOrder, base64: Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('base64') };
}

/** Percentiles need every value at once: arrays above this are refused (the panel says so) rather than exhaust memory. */
const PERCENTILE_LIMIT_BYTES = 1 << 30;

/** numpy.percentile of the whole view's finite values: the native radix-select when loaded, else the JS reference. */
async function wholePercentiles(t: Transport, view: StridedView, qs: number[], signal?: AbortSignal): Promise<number[] | null> {
  const nbytes = elementCount(view.shape) * view.dtype.itemsize;
  if (nbytes > PERCENTILE_LIMIT_BYTES)
    throw new ArrayLensError('bad-argument', `percentiles of ${nbytes} bytes need them all in memory (limit ${PERCENTILE_LIMIT_BYTES}): use min/max contrast`);
  const buf = await t.readView(view);
  const k = loadKernels().kernels as Partial<NativeStatsKernels>;
  const cv = contiguousLike(view);
  if (typeof k.percentiles === 'function') return k.percentiles(buf, cv, qs, signal);
  return percentilesOfBuffer(buf, cv, qs);
}

/**
 * The engine in this process over a DebugTarget per frame (made on demand, dropped on invalidate). An expression is
 * resolved once per frame and stop and shared by every request of that stop (a panel opening asks for a sample, four
 * overview tiles and stats at once; each resolve is a debugger evaluate, ~45 ms under debugpy): `invalidate()` —
 * the debuggee moved, or the user evaluated in the Debug Console — drops them with the targets. A failed resolve is
 * not kept.
 */
export class EngineArraySource implements ArraySource {
  private readonly targets = new Map<number, DebugTarget>();
  private readonly handles = new Map<string, Promise<ArrayHandle>>();

  constructor(private readonly makeTarget: (frameId: number) => DebugTarget) {}

  private target(frameId: number): DebugTarget {
    let t = this.targets.get(frameId);
    if (!t) {
      t = this.makeTarget(frameId);
      this.targets.set(frameId, t);
    }
    return t;
  }

  async listArrays(frameId: number, known?: readonly KnownArray[]): Promise<ArraySummary[]> {
    const regions = known?.map((k) => ({ expr: k.expr, language: k.language, address: BigInt(k.address), nbytes: k.nbytes }));
    return (await this.target(frameId).listArrays(regions)).map(summarize);
  }

  async inspect(args: InspectArgs, signal?: AbortSignal): Promise<InspectBody> {
    const target = this.target(args.frameId);
    const handle = await this.resolved(target, args.frameId, args.expr);
    const view = handle.view;
    const t = await target.transport(args.transport ?? 'auto', view);
    const body: InspectBody = { array: summarize(handle), transport: t.kind };
    if (args.tile) body.tile = await readTile(t, view, args.tile.index, args.tile.transpose);
    if (args.reduce) {
      const r = args.reduce;
      body.reduced = await readReducedTile(t, view, r.index, r.transpose, r.factor, r.mode, signal);
    }
    if (args.percentiles) body.percentiles = await wholePercentiles(t, view, args.percentiles, signal);
    let statsText: string | null = null;
    if (args.stats) {
      const k = loadKernels();
      const s = await streamStats(t, view, args.stats.bins, k.kernels, signal);
      body.stats = jsonStats(s.stats, k.backend);
      statsText = JSON.stringify(body.stats);
    }
    if (args.fingerprint) {
      const layout = `${body.array.address}:${view.dtype.name}:${view.shape.join(',')}:${view.strides.join(',')}`;
      if (body.array.nbytes <= HASH_LIMIT_BYTES) body.fingerprint = `h:${hashBytes(await t.readView(view))}:${hashBytes(Buffer.from(layout))}`;
      else {
        if (statsText === null) {
          const k = loadKernels();
          statsText = JSON.stringify(jsonStats((await streamStats(t, view, 64, k.kernels, signal)).stats, ''));
        }
        body.fingerprint = `s:${hashBytes(Buffer.from(statsText + layout))}`;
      }
    }
    return body;
  }

  private resolved(target: DebugTarget, frameId: number, expr: string): Promise<ArrayHandle> {
    const key = `${frameId}\u0000${expr}`;
    let h = this.handles.get(key);
    if (!h) {
      h = target.resolve(expr);
      this.handles.set(key, h);
      const mine = h;
      h.catch(() => {
        if (this.handles.get(key) === mine) this.handles.delete(key);
      });
    }
    return h;
  }

  invalidate(): void {
    this.handles.clear();
    const old = [...this.targets.values()];
    this.targets.clear();
    for (const t of old) void t.close().catch(() => undefined);
  }
}

/** Our `arraylens` adapter answers the custom requests itself: ask it, and check what comes back. */
export class DapArraySource implements ArraySource {
  constructor(private readonly channel: DapChannel) {}

  async listArrays(frameId: number, known?: readonly KnownArray[]): Promise<ArraySummary[]> {
    const body: unknown = await this.channel.request('arraylens/listArrays', known?.length ? { frameId, known } : { frameId }, 60000);
    return ListArraysBodySchema.parse(body, 'arraylens/listArrays').arrays;
  }

  async inspect(args: InspectArgs): Promise<InspectBody> {
    const body: unknown = await this.channel.request('arraylens/inspect', InspectArgsSchema.parse(args), 300000);
    return InspectBodySchema.parse(body, 'arraylens/inspect');
  }

  invalidate(): void {
    /* the adapter drops its own caches on every stop */
  }
}
