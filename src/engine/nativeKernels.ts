// Adapter from the native addon (native/index.d.ts) to the StatsKernels interface, plus its extra exports
// (percentiles, memory-mapped files). Large views run on the addon's worker threads.

import type * as Native from '../../native/index';
import { ArrayLensError } from '../core/errors';
import { HistogramSpec, Moments, StatsKernels, emptyMoments } from '../core/stats';
import { StridedView, elementCount } from '../core/view';
import { Transport, readViewByRanges } from '../transport/transport';

export type NativeAddon = typeof Native;

/** Views smaller than this run synchronously: a worker round trip costs more than the work. */
const SYNC_BYTES = 1 << 20;

let loaded: NativeAddon | null = null;

/** The addon, once nativeKernels() has loaded it (null with the JS fallback). */
export function loadedAddon(): NativeAddon | null {
  return loaded;
}

export function toNativeView(view: StridedView): Native.NativeView {
  return {
    offset: view.address,
    dtype: view.dtype.name,
    byteOrder: view.dtype.byteOrder,
    shape: view.shape,
    strides: view.strides,
  };
}

function viewBytes(view: StridedView): number {
  return elementCount(view.shape) * view.dtype.itemsize;
}

/** An Int32Array the addon polls between blocks, raised when `signal` aborts. */
function cancelToken(signal?: AbortSignal): { cancel?: Int32Array; done: () => void } {
  if (!signal) return { done: () => undefined };
  const cancel = new Int32Array(1);
  if (signal.aborted) cancel[0] = 1;
  const onAbort = (): void => {
    cancel[0] = 1;
  };
  signal.addEventListener('abort', onAbort, { once: true });
  return { cancel, done: () => signal.removeEventListener('abort', onAbort) };
}

async function guard<T>(p: Promise<T>, done: () => void): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if ((e as Error).message === 'cancelled') throw new ArrayLensError('cancelled', 'cancelled');
    throw e;
  } finally {
    done();
  }
}

export interface NativeStatsKernels extends StatsKernels {
  readonly isa: Native.NativeIsa;
  moments(buf: Uint8Array, view: StridedView, signal?: AbortSignal): Moments | Promise<Moments>;
  histogram(buf: Uint8Array, view: StridedView, spec: HistogramSpec, counts: Float64Array, signal?: AbortSignal): void | Promise<void>;
  patterns(buf: Uint8Array, view: StridedView, counts: Float64Array, signal?: AbortSignal): void | Promise<void>;
  /** numpy.percentile of the finite values (src/core/percentiles.ts is the reference); null if none. */
  percentiles(buf: Uint8Array, view: StridedView, qs: readonly number[], signal?: AbortSignal): Promise<number[] | null>;
}

/** Wraps a loaded addon; `isa` pins a kernel set (tests compare every set this CPU runs). */
export function wrapAddon(addon: NativeAddon, isa?: Native.NativeIsa, threads?: number): NativeStatsKernels {
  const chosen = isa ?? addon.backend().isa;
  const base: Native.NativeOptions = { isa: chosen, ...(threads ? { threads } : {}) };
  return {
    name: `native-${chosen}`,
    isa: chosen,
    moments(buf, view, signal) {
      if (elementCount(view.shape) === 0) return { ...emptyMoments() };
      const nv = toNativeView(view);
      if (viewBytes(view) < SYNC_BYTES && !signal) return addon.moments(buf, nv, base);
      const t = cancelToken(signal);
      return guard(addon.momentsAsync(buf, nv, { ...base, cancel: t.cancel }), t.done);
    },
    histogram(buf, view, spec, counts, signal) {
      if (elementCount(view.shape) === 0) return;
      const nv = toNativeView(view);
      if (viewBytes(view) < SYNC_BYTES && !signal) return addon.histogram(buf, nv, spec, counts, base);
      const t = cancelToken(signal);
      return guard(addon.histogramAsync(buf, nv, spec, counts, { ...base, cancel: t.cancel }), t.done);
    },
    patterns(buf, view, counts, signal) {
      if (elementCount(view.shape) === 0) return;
      const nv = toNativeView(view);
      if (viewBytes(view) < SYNC_BYTES && !signal) return addon.patterns(buf, nv, counts, base);
      const t = cancelToken(signal);
      return guard(addon.patternsAsync(buf, nv, counts, { ...base, cancel: t.cancel }), t.done);
    },
    async percentiles(buf, view, qs, signal) {
      if (elementCount(view.shape) === 0) return null;
      const t = cancelToken(signal);
      return guard(addon.percentilesAsync(buf, toNativeView(view), qs, { ...base, cancel: t.cancel }), t.done);
    },
  };
}

/** Loads the addon at `file` (throws if it does not load) and says which kernels it picked and why. */
export function nativeKernels(file: string): { kernels: NativeStatsKernels; reason: string } {
  const addon = require(file) as NativeAddon; // eslint-disable-line @typescript-eslint/no-require-imports
  const b = addon.backend();
  loaded = addon;
  return { kernels: wrapAddon(addon), reason: `${b.reason}; kernels available here: ${b.supported.join(', ')}` };
}

/** A file mapped by the addon, read as a transport: chunks are views of the mapping, never copies. */
class MappedFileTransport implements Transport {
  readonly kind = 'direct' as const;
  constructor(private readonly map: Uint8Array) {}

  async readRange(address: bigint, length: number): Promise<Buffer> {
    const start = Number(address);
    if (start < 0 || start + length > this.map.byteLength)
      throw new ArrayLensError('unreadable', `bytes ${start}..${start + length} lie outside the file (${this.map.byteLength} bytes)`);
    return Buffer.from(this.map.buffer, this.map.byteOffset + start, length);
  }

  readView(view: StridedView): Promise<Buffer> {
    return readViewByRanges((a, l) => this.readRange(a, l), view);
  }
}

/**
 * Memory-maps `file` through the loaded addon; null when the addon is not loaded or the runtime refuses
 * external buffers (Electron's V8 sandbox), in which case callers read the file instead.
 */
export function mapFileTransport(file: string): Transport | null {
  if (!loaded) return null;
  try {
    return new MappedFileTransport(new Uint8Array(loaded.mmap(file)));
  } catch {
    return null;
  }
}
