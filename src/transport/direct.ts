// Direct reads of a local stopped process's memory: process_vm_readv through the native addon (one copy, large
// iovecs), else pread of /proc/PID/mem (a bounce page per 4 KiB in the kernel: about half as fast, measured here).

import * as fs from 'fs';
import * as path from 'path';
import type * as Native from '../../native/index';
import { ArrayLensError } from '../core/errors';
import { StridedView, elementCount } from '../core/view';
import { Transport, readViewByRanges } from './transport';

type VmReader = Pick<typeof Native, 'vmRead' | 'vmReadAsync'> & Partial<Pick<typeof Native, 'adviseHugePages'>>;

/** Reads this size or smaller run on the calling thread: a worker round trip costs more than the copy. */
const SYNC_READ_BYTES = 256 << 10;
/**
 * readView reads a view's contiguous runs straight into place (one iovec each) when a run is at least this long;
 * shorter runs go through readViewByRanges, which reads through small gaps instead of asking for each run.
 */
const RUN_MIN_BYTES = 512;
/** One addon call carries at most this many ranges / output bytes (bounds the range list; the addon batches by IOV_MAX). */
const RUNS_PER_CALL = 1 << 14;
const BYTES_PER_CALL = 64 << 20;

let vmReaderCache: VmReader | null | undefined;

/**
 * The addon's process_vm_readv, when it is built and loads (the same file src/engine/kernels.ts loads: Node's
 * require cache makes it one module); null with ARRAYLENS_NO_NATIVE=1, off Linux, or without the addon.
 */
function vmReader(): VmReader | null {
  if (vmReaderCache !== undefined) return vmReaderCache;
  vmReaderCache = null;
  if (process.env.ARRAYLENS_NO_NATIVE === '1' || process.platform !== 'linux') return null;
  const file = [
    path.join(__dirname, '..', '..', '..', 'native', 'build', 'Release', 'arraylens_native.node'),
    path.join(__dirname, '..', 'native', 'build', 'Release', 'arraylens_native.node'),
    path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'arraylens_native.node'),
  ].find((c) => fs.existsSync(c));
  if (!file) return null;
  try {
    const addon = require(file) as Partial<VmReader>; // eslint-disable-line @typescript-eslint/no-require-imports
    // An addon built before vmRead existed still serves the kernels; reads then use /proc/PID/mem.
    if (typeof addon.vmRead === 'function' && typeof addon.vmReadAsync === 'function') vmReaderCache = addon as VmReader;
  } catch {
    // The kernels' loader reports why the addon does not load; reads use /proc/PID/mem.
  }
  return vmReaderCache;
}

/** Fresh buffers this large ask for huge pages first: faulting 256 MiB in 4 KiB pages cost ~3x the read itself here. */
const HUGE_PAGES_FROM = 4 << 20;

/** A buffer for `bytes` of a read; large ones on transparent huge pages when the addon can ask for them. */
export function freshReadBuffer(bytes: number): Buffer {
  if (bytes < HUGE_PAGES_FROM) return Buffer.allocUnsafe(bytes);
  const b = Buffer.allocUnsafeSlow(bytes);
  vmReader()?.adviseHugePages?.(b);
  return b;
}

/** A transport that reads raw ranges into a buffer the caller owns (the stats stream reuses its chunk buffers). */
export interface ReadsInto {
  readRangeInto(address: bigint, length: number, into: Uint8Array, at: number): Promise<void>;
}

export function readsInto(t: Transport): t is Transport & ReadsInto {
  return typeof (t as Partial<ReadsInto>).readRangeInto === 'function';
}

/** A transport that can read a view's elements (C order) into a buffer the caller owns (overview strips reuse theirs). */
export interface ReadsViewInto {
  /** Reads the view into `into` (at least elementCount × itemsize bytes); false when it cannot (then use readView). */
  readViewInto(view: StridedView, into: Uint8Array): Promise<boolean>;
}

export function readsViewInto(t: Transport): t is Transport & ReadsViewInto {
  return typeof (t as Partial<ReadsViewInto>).readViewInto === 'function';
}

function hex(a: bigint): string {
  return `0x${a.toString(16)}`;
}

export class DirectTransport implements Transport, ReadsInto, ReadsViewInto {
  readonly kind = 'direct' as const;
  private fd: number | null = null;
  private vm: VmReader | null = null;
  /** Bytes read so far (what `arraylens inspect` reports as timing.bytes_read). */
  bytesRead = 0;

  private constructor(readonly pid: number) {}

  /** The system call reads go through: 'process_vm_readv' (addon loaded) or 'pread' of /proc/PID/mem. */
  get method(): 'process_vm_readv' | 'pread' {
    return this.vm ? 'process_vm_readv' : 'pread';
  }

  /** Opens /proc/PID/mem if this process may read it (same user or root, and ptrace policy allows); else null. */
  static tryOpen(pid: number): DirectTransport | null {
    const t = DirectTransport.openOrWhy(pid);
    return typeof t === 'string' ? null : t;
  }

  /**
   * Opens /proc/PID/mem (the check that this process may read the other's memory, and the fallback path), or says
   * why it cannot (for the transport selector's record). `method: 'pread'` keeps to /proc/PID/mem (benchmarks).
   */
  static openOrWhy(pid: number, opts: { method?: 'pread' } = {}): DirectTransport | string {
    const t = new DirectTransport(pid);
    try {
      t.fd = fs.openSync(`/proc/${pid}/mem`, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return `process ${pid} is not running`;
      if (code === 'EACCES' || code === 'EPERM')
        return `not permitted to read /proc/${pid}/mem (${code}: Yama ptrace_scope or another user's process; run as the same user with kernel.yama.ptrace_scope 0)`;
      return `cannot open /proc/${pid}/mem (${code ?? 'error'}: ptrace policy or another user)`;
    }
    if (opts.method !== 'pread') t.vm = vmReader();
    return t;
  }

  private closedError(): ArrayLensError {
    return new ArrayLensError('stale', 'the process memory is closed (the debuggee has moved on)');
  }

  private unreadable(at: bigint, start: bigint, length: number): ArrayLensError {
    return new ArrayLensError(
      'unreadable',
      `address ${hex(at)} is not readable in process ${this.pid} (${length} bytes requested at ${hex(start)}): check the array's pointer and size`,
    );
  }

  private goneError(): ArrayLensError {
    return new ArrayLensError('program-ended', `process ${this.pid} is gone (it exited or was killed): run the program again`);
  }

  /** Exited (a zombie or reaped). */
  private processGone(): boolean {
    try {
      const stat = fs.readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      return /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
    } catch {
      return true;
    }
  }

  /** The clear error for a process_vm_readv that stopped early. */
  private vmError(r: Native.VmReadResult, start: bigint, length: number): ArrayLensError {
    const at = r.address ?? start;
    switch (r.code) {
      case 'EFAULT':
        return this.unreadable(at, start, length);
      case 'ESRCH':
        return this.goneError();
      case 'EPERM':
        return new ArrayLensError(
          'unreadable',
          `not permitted to read the memory of process ${this.pid} (Yama ptrace_scope or another user's process): run as the same user with kernel.yama.ptrace_scope 0, or use --transport dap`,
        );
      default:
        return new ArrayLensError('unreadable', `reading ${length} bytes at ${hex(start)} of process ${this.pid} failed (${r.code}: ${r.message})`);
    }
  }

  async readRange(address: bigint, length: number): Promise<Buffer> {
    const out = freshReadBuffer(length);
    await this.readRangeInto(address, length, out, 0);
    return out;
  }

  /** Reads [address, address + length) into `into` from byte `at`. */
  async readRangeInto(address: bigint, length: number, into: Uint8Array, at: number): Promise<void> {
    if (this.fd === null) throw this.closedError();
    if (length === 0) return;
    if (this.vm) {
      const ranges = new BigUint64Array([address, BigInt(length)]);
      const r = length <= SYNC_READ_BYTES ? this.vm.vmRead(this.pid, ranges, into, at) : await this.vm.vmReadAsync(this.pid, ranges, into, at);
      this.bytesRead += r.bytes;
      if (r.errno === 0) return;
      if (r.code === 'EFAULT') {
        // /proc/PID/mem reads what a debugger may (PROT_NONE pages too): it has the last word on the rest.
        return this.preadInto(address + BigInt(r.bytes), length - r.bytes, into, at + r.bytes);
      }
      // Refused by the system call itself (seccomp, no such call) while /proc/PID/mem opened: keep to pread.
      if (r.code !== 'ENOSYS' && r.code !== 'EPERM') throw this.vmError(r, address, length);
      this.vm = null;
      return this.readRangeInto(address + BigInt(r.bytes), length - r.bytes, into, at + r.bytes);
    }
    await this.preadInto(address, length, into, at);
  }

  private async preadInto(address: bigint, length: number, into: Uint8Array, at: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const chunk = Math.min(length - done, 1 << 30);
      let n: number;
      try {
        n = await new Promise<number>((resolve, reject) =>
          fs.read(this.fd!, into, at + done, chunk, address + BigInt(done), (err, bytes) => (err ? reject(err) : resolve(bytes))),
        );
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EBADF') throw this.closedError();
        if (code === 'ESRCH' || code === 'ENOENT' || this.processGone()) throw this.goneError();
        throw this.unreadable(address + BigInt(done), address, length);
      }
      // /proc/PID/mem of an exited process reads 0 bytes, as an unmapped address does: tell them apart.
      if (n === 0) throw this.processGone() ? this.goneError() : this.unreadable(address + BigInt(done), address, length);
      done += n;
      this.bytesRead += n;
    }
  }

  /** The view's runs when process_vm_readv reads them best one iovec each (null: read by ranges instead). */
  private runsOf(view: StridedView): Runs | null {
    const runs = this.vm ? contiguousRuns(view) : null;
    return runs && (runs.bytes >= RUN_MIN_BYTES || runs.count === 1) ? runs : null;
  }

  readView(view: StridedView): Promise<Buffer> {
    const runs = this.runsOf(view);
    if (runs) return this.readRuns(view, runs);
    return readViewByRanges((a, l) => this.readRange(a, l), view);
  }

  /** Through process_vm_readv's runs only (the overview's strips, into pooled buffers); false otherwise. */
  async readViewInto(view: StridedView, into: Uint8Array): Promise<boolean> {
    const runs = this.runsOf(view);
    if (!runs || into.byteLength < runs.count * runs.bytes) return false;
    await this.readRuns(view, runs, into);
    return true;
  }

  /** The view's contiguous runs, in C order, each straight into its place in the output: no gather copy. */
  private async readRuns<B extends Uint8Array = Buffer>(view: StridedView, runs: Runs, into?: B): Promise<B> {
    const out = (into ?? freshReadBuffer(runs.count * runs.bytes)) as B;
    if (runs.count * runs.bytes === 0) return out;
    if (this.fd === null) throw this.closedError();
    const perCall = Math.max(1, Math.min(RUNS_PER_CALL, Math.floor(BYTES_PER_CALL / runs.bytes)));
    const ranges = new BigUint64Array(2 * Math.min(perCall, runs.count));
    const idx = new Array<number>(runs.outer).fill(0);
    let at = 0;
    for (let done = 0; done < runs.count; ) {
      const n = Math.min(perCall, runs.count - done);
      for (let i = 0; i < n; i++) {
        let off = 0;
        for (let k = 0; k < runs.outer; k++) off += idx[k] * view.strides[k];
        ranges[2 * i] = view.address + BigInt(off);
        ranges[2 * i + 1] = BigInt(runs.bytes);
        for (let k = runs.outer - 1; k >= 0; k--) {
          if (++idx[k] < view.shape[k]) break;
          idx[k] = 0;
        }
      }
      const bytes = n * runs.bytes;
      const list = n * 2 === ranges.length ? ranges : ranges.subarray(0, 2 * n);
      const r = !this.vm ? null : bytes <= SYNC_READ_BYTES ? this.vm.vmRead(this.pid, list, out, at) : await this.vm.vmReadAsync(this.pid, list, out, at);
      if (r) this.bytesRead += r.bytes;
      if (r && r.errno !== 0 && r.code !== 'ENOSYS' && r.code !== 'EPERM' && r.code !== 'EFAULT')
        throw this.vmError(r, list[2 * Math.floor(r.bytes / runs.bytes)], runs.bytes);
      if (!r || r.errno !== 0) {
        // EFAULT: /proc/PID/mem may still read it (PROT_NONE pages, as debuggers do), and says where it stops.
        // ENOSYS/EPERM: the system call is refused while /proc/PID/mem opened: the rest through pread.
        if (r?.code !== 'EFAULT') this.vm = null;
        for (let i = Math.floor((r?.bytes ?? 0) / runs.bytes); i < n; i++) await this.preadInto(list[2 * i], runs.bytes, out, at + i * runs.bytes);
      }
      at += bytes;
      done += n;
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}

/** How a view splits into equal contiguous runs: `outer` leading axes enumerate `count` runs of `bytes` each. */
interface Runs {
  outer: number;
  count: number;
  bytes: number;
}

/** Trailing axes that are contiguous in C order merge into one run (size-1 axes never break a run). */
function contiguousRuns(v: StridedView): Runs | null {
  const item = v.dtype.itemsize;
  let run = 1;
  let k = v.shape.length;
  while (k > 0 && (v.shape[k - 1] === 1 || v.strides[k - 1] === run * item)) run *= v.shape[--k];
  if (k === v.shape.length && v.shape.length > 0) return null;
  const count = elementCount(v.shape.slice(0, k));
  if (count === 0 || run === 0) return { outer: k, count: 0, bytes: 0 };
  return { outer: k, count, bytes: run * item };
}
