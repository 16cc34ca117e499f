// Python-side transports: the paused debuggee copies a tile into a memfd (read via /proc/PID/fd/N), or, as a
// last resort, returns it base64-encoded through evaluate (clipboard context, chunks of at most 6 MiB raw).

import * as fs from 'fs';
import { ArrayLensError } from '../../core/errors';
import { StridedView, byteExtent, elementCount, outerChunks } from '../../core/view';
import { base64Expression, memfdCloseExpression, memfdWriteExpression, unquotePythonString } from './expressions';
import { Transport } from '../../transport/transport';
import { TransportCandidate, directCandidate } from '../../transport/selector';

export type PythonEvaluate = (expression: string) => Promise<string>;

/** Byte ranges of arrays the Python side described; the engine never asks Python to read outside them. */
export class AllowedRanges {
  private readonly ranges: { lo: bigint; hi: bigint }[] = [];
  add(v: StridedView): void {
    const { lo, hi } = byteExtent(v);
    if (hi > lo) this.ranges.push({ lo: v.address + BigInt(lo), hi: v.address + BigInt(hi) });
  }
  /** At a new stop: what the debuggee described before may have moved or been freed (and the list would grow per stop). */
  clear(): void {
    this.ranges.length = 0;
  }
  check(v: StridedView): void {
    if (elementCount(v.shape) === 0) return;
    const { lo, hi } = byteExtent(v);
    const a = v.address + BigInt(lo);
    const b = v.address + BigInt(hi);
    if (!this.ranges.some((r) => r.lo <= a && b <= r.hi))
      throw new ArrayLensError('unreadable', `0x${a.toString(16)}..0x${b.toString(16)} lies outside every array the debuggee described`);
  }
}

const EVAL_CHUNK_BYTES = 6 << 20; // base64 of this stays under 8 MiB (debugpy drops messages over 16 MiB)
const MEMFD_CHUNK_BYTES = 1 << 30;

async function readChunked(v: StridedView, maxBytes: number, readOne: (c: StridedView) => Promise<Buffer>): Promise<Buffer> {
  const n = elementCount(v.shape);
  if (n === 0) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const c of outerChunks(v, Math.max(1, Math.floor(maxBytes / v.dtype.itemsize)))) parts.push(await readOne(c));
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

export class MemfdTransport implements Transport {
  readonly kind = 'memfd' as const;
  constructor(
    private readonly pid: number,
    private readonly evaluate: PythonEvaluate,
    private readonly allowed: AllowedRanges,
  ) {}

  readView(view: StridedView): Promise<Buffer> {
    this.allowed.check(view);
    return readChunked(view, MEMFD_CHUNK_BYTES, async (c) => {
      const answer = unquotePythonString(await this.evaluate(memfdWriteExpression(c)));
      const m = /^(\d+):(\d+)$/.exec(answer);
      if (!m) throw new ArrayLensError('debugger-failed', `memfd copy failed in the debuggee: ${answer.slice(0, 120)}`);
      const fd = Number(m[1]);
      try {
        const expected = elementCount(c.shape) * c.dtype.itemsize;
        if (Number(m[2]) !== expected)
          throw new ArrayLensError('debugger-failed', `memfd copy wrote ${m[2]} of ${expected} bytes`);
        return fs.readFileSync(`/proc/${this.pid}/fd/${fd}`);
      } finally {
        await this.evaluate(memfdCloseExpression(fd)).catch(() => undefined);
      }
    });
  }
}

export class EvaluateTransport implements Transport {
  readonly kind = 'evaluate' as const;
  constructor(
    private readonly evaluate: PythonEvaluate,
    private readonly allowed: AllowedRanges,
  ) {}

  readView(view: StridedView): Promise<Buffer> {
    this.allowed.check(view);
    return readChunked(view, EVAL_CHUNK_BYTES, async (c) => {
      const text = unquotePythonString(await this.evaluate(base64Expression(c)));
      const out = Buffer.from(text, 'base64');
      const expected = elementCount(c.shape) * c.dtype.itemsize;
      if (out.length !== expected)
        throw new ArrayLensError('debugger-failed', `evaluate returned ${out.length} of ${expected} bytes (answer truncated?)`);
      return out;
    });
  }
}

/** A candidate that reads through /proc/PID, used only once `sameProcess` says the pid is the debuggee (null). */
function gated(c: TransportCandidate, sameProcess: () => Promise<string | null>): TransportCandidate {
  return {
    kind: c.kind,
    get reason() {
      return c.reason;
    },
    instead: c.instead,
    open: async () => {
      const why = await sameProcess();
      return why === null ? c.open() : { unavailable: why };
    },
  };
}

/**
 * Python's transports, fastest first: the process's memory, a memfd the debuggee fills, base64 through evaluate.
 * `sameProcess`: null when `pid` here is the debuggee, else why not (src/backends/python/identity.ts); the two
 * paths through /proc/PID are skipped when it is not.
 */
export function pythonTransports(
  pid: number | undefined,
  evaluate: PythonEvaluate,
  allowed: AllowedRanges,
  sameProcess: () => Promise<string | null> = () => Promise.resolve(null),
): TransportCandidate[] {
  return [
    gated(directCandidate(pid, 'use --transport memfd or evaluate'), sameProcess),
    gated({
      kind: 'memfd',
      reason: 'the debuggee copies tiles into a memfd read through /proc/PID/fd',
      open: () =>
        pid === undefined || process.platform !== 'linux'
          ? { unavailable: pid === undefined ? 'the debugger did not report the process id' : 'memfd is Linux only' }
          : new MemfdTransport(pid, evaluate, allowed),
    }, sameProcess),
    { kind: 'evaluate', reason: 'base64 through debugpy evaluate', open: () => new EvaluateTransport(evaluate, allowed) },
  ];
}
