// Reused chunk buffers for the stats stream: a read into warm pages costs what the copy costs, a fresh buffer adds a
// page fault and the kernel's zeroing per 4 KiB (about as much again). Kept while inspections follow each other,
// dropped after a while idle so one big inspection's buffers do not stay in the host for good.

import { freshReadBuffer } from '../transport/direct';

/** Free buffers are dropped this long after the last one came back. */
const IDLE_RELEASE_MS = 20_000;
/** Free buffers kept at most (a held 512 MiB array's chunks: src/engine/engine.ts HOLD_LIMIT_BYTES). */
const KEEP_BYTES = 512 << 20;
/** Sizes are rounded up to this, so the last, shorter chunk of one array reuses a buffer of another. */
const GRAIN = 1 << 20;

export class ChunkPool {
  private free: Uint8Array[] = [];
  private freeBytes = 0;
  private timer: NodeJS.Timeout | null = null;

  /** A buffer of at least `bytes` (the smallest free one that fits, else a new one). */
  take(bytes: number): Uint8Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++)
      if (this.free[i].byteLength >= bytes && (best < 0 || this.free[i].byteLength < this.free[best].byteLength)) best = i;
    if (best >= 0) {
      const [b] = this.free.splice(best, 1);
      this.freeBytes -= b.byteLength;
      return b;
    }
    return freshReadBuffer(Math.ceil(Math.max(1, bytes) / GRAIN) * GRAIN);
  }

  /** Returns a buffer from take(); nothing may use it afterwards. */
  give(b: Uint8Array): void {
    if (this.freeBytes + b.byteLength <= KEEP_BYTES) {
      this.free.push(b);
      this.freeBytes += b.byteLength;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), IDLE_RELEASE_MS);
    this.timer.unref();
  }

  /** Drops every free buffer (the garbage collector returns their memory). */
  clear(): void {
    this.free = [];
    this.freeBytes = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Bytes held by free buffers. */
  get idleBytes(): number {
    return this.freeBytes;
  }
}

/** The pool the stats stream of this process uses. */
export const chunkPool = new ChunkPool();
