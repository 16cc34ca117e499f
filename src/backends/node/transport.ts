// Reading a paused Node debuggee's ArrayBuffers without its address: base64 through the inspector, a tile at a
// time, only inside buffers the backend described (the slow path; the direct path reads /proc/PID/mem).

import { ArrayLensError } from '../../core/errors';
import { StridedView } from '../../core/view';
import { Transport, readViewByRanges } from '../../transport/transport';

/** A described ArrayBuffer/SharedArrayBuffer of the debuggee: where its bytes are and how to ask for them. */
export interface BufferEntry {
  /** Address of byte 0 (real when the probe answered, else a stand-in unique to this session). */
  address: bigint;
  byteLength: number;
  /** The buffer as a remote object (valid while the debuggee stays paused). */
  objectId: string;
}

export class BufferRegistry {
  private readonly entries: BufferEntry[] = [];
  add(e: BufferEntry): void {
    this.entries.push(e);
  }
  /** The first non-empty buffer described, or null. */
  first(): BufferEntry | null {
    return this.entries.find((e) => e.byteLength > 0) ?? null;
  }
  /** The buffer holding [address, address + length), or null. */
  find(address: bigint, length: number): BufferEntry | null {
    for (const e of this.entries)
      if (e.address <= address && address + BigInt(length) <= e.address + BigInt(e.byteLength) && e.byteLength > 0) return e;
    return null;
  }
}

/** Chunk under the inspector's comfort: 8 MiB raw is an 11 MiB JSON string. */
const CHUNK_BYTES = 8 << 20;

export class NodeEvaluateTransport implements Transport {
  readonly kind = 'evaluate' as const;
  constructor(
    private readonly buffers: BufferRegistry,
    private readonly readBase64: (objectId: string, offset: number, length: number) => Promise<string>,
  ) {}

  async readRange(address: bigint, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    const e = this.buffers.find(address, length);
    if (!e)
      throw new ArrayLensError(
        'unreadable',
        `0x${address.toString(16)}..0x${(address + BigInt(length)).toString(16)} lies outside every ArrayBuffer the debuggee described`,
      );
    const start = Number(address - e.address);
    const parts: Buffer[] = [];
    for (let off = 0; off < length; off += CHUNK_BYTES) {
      const n = Math.min(CHUNK_BYTES, length - off);
      const b = Buffer.from(await this.readBase64(e.objectId, start + off, n), 'base64');
      if (b.length !== n) throw new ArrayLensError('debugger-failed', `the inspector returned ${b.length} of ${n} bytes`);
      parts.push(b);
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  readView(view: StridedView): Promise<Buffer> {
    return readViewByRanges((a, l) => this.readRange(a, l), view);
  }
}
