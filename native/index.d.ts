// Hand-written types of what native/build/Release/arraylens_native.node exports (see native/src/binding.cc).

import type { HistogramSpec, Moments } from '../src/core/stats';

export type NativeDTypeName =
  | 'bool' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'float16' | 'bfloat16' | 'float32' | 'float64' | 'complex64' | 'complex128';

export type NativeIsa = 'avx512' | 'avx2' | 'neon' | 'serial';

/** A strided view into `buf`: `offset` is the byte offset of element [0, ..., 0]; strides are in bytes. */
export interface NativeView {
  offset: number | bigint;
  dtype: NativeDTypeName;
  byteOrder: 'little' | 'big';
  shape: readonly number[];
  strides: readonly number[];
}

export interface NativeOptions {
  /** Kernel set to use (default: the best this CPU supports); throws TypeError if unsupported here. */
  isa?: NativeIsa;
  /** Worker threads over the outer axis (default: hardware threads, at most 8); small views use one. */
  threads?: number;
  /** Set element 0 to nonzero to stop: the call throws / the promise rejects with Error('cancelled'). */
  cancel?: Int32Array;
}

/** The moments and histogram spec the addon takes and returns are those of the JS engine (src/core/stats.ts). */
export type NativeMoments = Moments;
export type NativeHistogramSpec = HistogramSpec;

export interface NativeBackend {
  /** The kernels used by default, and why they were chosen. */
  isa: NativeIsa;
  reason: string;
  /** Every kernel set this CPU runs, best first. */
  supported: NativeIsa[];
  threads: number;
}

export function backend(): NativeBackend;

/** Pass one. Throws TypeError / RangeError on a bad view (outside `buf`, zero-size, overflowing byte size). */
export function moments(buf: Uint8Array, view: NativeView, options?: NativeOptions): NativeMoments;
export function momentsAsync(buf: Uint8Array, view: NativeView, options?: NativeOptions): Promise<NativeMoments>;

/** Pass two: adds the view's finite values into `counts` (length spec.bins). */
export function histogram(buf: Uint8Array, view: NativeView, spec: NativeHistogramSpec, counts: Float64Array, options?: NativeOptions): void;
export function histogramAsync(buf: Uint8Array, view: NativeView, spec: NativeHistogramSpec, counts: Float64Array, options?: NativeOptions): Promise<void>;

/**
 * 1- and 2-byte dtypes (bool, int8, uint8, int16, uint16, float16, bfloat16): adds the number of elements with
 * each bit pattern into `counts` (Float64Array of 256 or 65536, indexed by the value's host-order bits); one
 * pass from which every statistic follows (src/core/patterns.ts). TypeError for other dtypes.
 */
export function patterns(buf: Uint8Array, view: NativeView, counts: Float64Array, options?: NativeOptions): void;
export function patternsAsync(buf: Uint8Array, view: NativeView, counts: Float64Array, options?: NativeOptions): Promise<void>;

/** numpy.percentile(finite values, qs) (method 'linear'), from exact order statistics; null when nothing is finite. */
export function percentiles(buf: Uint8Array, view: NativeView, qs: readonly number[], options?: NativeOptions): number[] | null;
export function percentilesAsync(buf: Uint8Array, view: NativeView, qs: readonly number[], options?: NativeOptions): Promise<number[] | null>;

/** Sum of the buffer's little-endian u64 words: the streaming-read bandwidth probe. */
export function readSum(buf: Uint8Array, options?: Pick<NativeOptions, 'isa'>): bigint;

/** Maps a regular file (copy-on-write, so writes never reach the file); `offset` must be page-aligned. */
export function mmap(path: string, offset?: number): ArrayBuffer;

/**
 * The leak scan's kernel (src/leaks/scan.ts markPointers is the JS reference): marks (in `marks`) every block
 * [starts[i], ends[i]) of an index sorted by start that an aligned little-endian u64 word of `words` points to
 * (its first byte, or anywhere inside with `interior`; with overlapping blocks, the last one starting at or before
 * the word, as the JS kernel); returns the indexes it newly marked.
 */
export function markPointers(
  words: Uint8Array,
  starts: Float64Array,
  ends: Float64Array,
  marks: Uint8Array,
  options?: NativeOptions & { interior?: boolean },
): Uint32Array;

/** How a vmRead went: `bytes` copied from the start of the destination; on a stop, why (errno) and where. */
export interface VmReadResult {
  bytes: number;
  /** 0 when every byte was read. */
  errno: number;
  /** EFAULT (address not readable), ESRCH (process gone), EPERM (ptrace policy / another user), ENOSYS, ... */
  code?: 'EFAULT' | 'ESRCH' | 'EPERM' | 'ENOSYS' | 'ENOMEM' | 'EINVAL' | 'EIO';
  message?: string;
  /** The remote address the read stopped at. */
  address?: bigint;
}

/**
 * process_vm_readv (Linux): copies the ranges [address0, length0, address1, length1, ...] of process `pid`, one
 * after another, into `buf` from byte `offset` (their total must fit), up to IOV_MAX ranges and 1 GiB per system
 * call. Throws TypeError/RangeError on bad arguments; a read that stops early is a result, not an exception.
 */
export function vmRead(pid: number, ranges: BigUint64Array, buf: Uint8Array, offset?: number): VmReadResult;
/** vmRead on a worker thread; `buf` must stay untouched until the promise settles. */
export function vmReadAsync(pid: number, ranges: BigUint64Array, buf: Uint8Array, offset?: number): Promise<VmReadResult>;

/**
 * Asks for transparent huge pages over the 2 MiB-aligned interior of `buf` (before its pages are first touched):
 * a fresh buffer then faults in 2 MiB at a time. Returns the bytes advised, 0 where the kernel refuses.
 */
export function adviseHugePages(buf: Uint8Array): number;

/**
 * Reduces `rows` rows of `cols` values of `x` (row i starts at element i * stride) on a worker thread to factor × factor
 * blocks and writes, once done, `acc` (sum for 'mean', else min / max of the finite values; 0 / +Inf / -Inf when none),
 * `cnt` (finite values) and `flags` (1 NaN, 2 +Inf, 4 -Inf seen), each ceil(rows/factor) × ceil(cols/factor) long.
 * Means add in the same order as src/engine/overview.ts, so both give the same bits.
 */
export function reduceBlocksAsync(
  x: Float32Array | Float64Array,
  rows: number,
  cols: number,
  stride: number,
  factor: number,
  mode: 'mean' | 'min' | 'max',
  acc: Float64Array,
  cnt: Float64Array,
  flags: Uint8Array,
): Promise<void>;
